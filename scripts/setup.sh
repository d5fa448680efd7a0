#!/usr/bin/env bash
# Installs whatever this machine lacks for the benchmark and the tests, and does nothing else.
# Idempotent and quick when everything is present; safe to run before every command.
#   - Debian packages: python3-torch (Debian's CPU build of PyTorch), python3-venv, zip, file
#   - npm packages (npm ci) when node_modules is missing or older than package-lock.json
#   - the Rust function's static binary and zip (cargo is incremental)
#   - the PyTorch function's virtual environment (awslambdaric over Debian's torch) and model.pt
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

APT_PACKAGES=(python3-torch python3-venv python3-dev zip file)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}"
    say "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]} (PyTorch takes about a minute)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for tool in node npm cargo rustc; do
  command -v "$tool" >/dev/null || { say "$tool is required but not on PATH (Node 20+, Rust stable)"; exit 1; }
done

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "building the Rust function"
npx --no-install ts-node --transpile-only lib/build/apr-build-cli.ts >&2

say "preparing the PyTorch function"
bash baselines/pytorch-wine/setup-local.sh >&2
