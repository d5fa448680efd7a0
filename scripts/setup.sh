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

# Stopped by a signal, setup exits at once with the shell's status for it (the EXIT trap below runs).
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# `npm run bench` starts setup as the leader of its own process group and signals that group to stop it.
# If the bench itself is killed outright (SIGKILL), nobody would: then a watchdog ends the group as soon
# as the parent is gone, so no build keeps running behind a dead run.
read -r -a stat_fields < "/proc/$$/stat" || stat_fields=()
if [[ ${#stat_fields[@]} -gt 4 && "${stat_fields[4]}" == "$$" ]]; then
  parent=$PPID
  ( trap - HUP INT TERM; while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done; kill -TERM -- "-$$" 2>/dev/null ) </dev/null >/dev/null 2>&1 &
  watchdog=$!
  trap 'kill "$watchdog" 2>/dev/null || true' EXIT
fi

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

bash scripts/setup-audit.sh >&2  # moto, cfn-lint, checkov for test/moto and npm run audit
bash scripts/setup-calibration.sh --for-tests >&2  # Python 3.12 with awslambdaric for the calibration measurement test
bash scripts/setup-ladder.sh >&2  # the cold-start ladder: apr-runtime-crate, python, numpy, onnx and node functions (test/ladder)
