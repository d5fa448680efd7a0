#!/usr/bin/env bash
# Builds dist/bootstrap, dist/bootstrap.zip and dist/build-info.json with the .apr function's own build
# (lib/build/apr-build.ts): the same target choice, static linking, release profile and deterministic zip,
# so that the two binaries differ by the Runtime API loop only. cargo is incremental: fast when built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
npx --no-install ts-node --transpile-only -e "
const { buildAprFunction } = require('./lib/build/apr-build');
const { info } = buildAprFunction({ crateDir: 'lambda-apr-runtime-crate', outputDir: 'lambda-apr-runtime-crate/dist', cargoOutput: 'capture' });
process.stderr.write('apr-runtime-crate: bootstrap ' + info.bootstrap.bytes + ' bytes, zip ' + info.zip.bytes + ' bytes (' + info.target + ')\n');
"
