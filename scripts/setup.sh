#!/usr/bin/env bash
# Installs whatever this machine lacks for one command, and does nothing else.
# Idempotent and quick when everything is present; safe to run before every command.
#
#   scripts/setup.sh bench       what `npm run bench` runs (bin/bench.ts calls it):
#                                  - Debian packages: python3-torch (Debian's CPU build of PyTorch), python3-venv,
#                                    python3-dev, zip, file, curl and ruby (the shell and Ruby hold-outs' runtimes)
#                                  - npm packages (npm ci) when node_modules is missing or older than package-lock.json
#                                  - the Rust function's static binary and zip (cargo is incremental)
#                                  - the PyTorch function's virtual environment (awslambdaric over Debian's torch)
#                                    and model.pt
#                                  - the cold-start ladder's functions (scripts/setup-ladder.sh)
#                                  - the calibration functions the bench measures in the run (scripts/setup-calibration.sh;
#                                    one that fails to build is left out, with a warning), and the hold-outs it checks
#                                    its model on (scripts/setup-holdouts.sh)
#   scripts/setup.sh test        (the default; `npm test`, `npm run setup`) what bench installs but the calibration
#                                functions (only Python 3.12 of them), and
#                                  - the audit tools: moto, cfn-lint, checkov (scripts/setup-audit.sh; test/moto)
#                                  - Python 3.12 with awslambdaric (scripts/setup-calibration.sh --for-tests)
#   scripts/setup.sh audit       what `npm run audit` runs (bin/audit.ts calls it): python3-venv, npm packages,
#                                the audit tools
#   scripts/setup.sh calibrate   what `npm run calibrate` measures (bin/calibrate.ts calls it): npm packages,
#                                every calibration function (scripts/setup-calibration.sh) and the hold-outs
#                                (scripts/setup-holdouts.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

purpose=${1:-test}
case "$purpose" in
  bench | test | audit | calibrate) ;;
  *) say "unknown purpose '$purpose': the purposes are bench, test, audit and calibrate"; exit 2 ;;
esac

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

# shellcheck source=scripts/lib/debian-packages.sh
source scripts/lib/debian-packages.sh # (the working folder is the repository root)

require_tools() { # tools...
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { say "$tool is required but not on PATH (Node.js 22 or 24, Rust stable)"; exit 1; }
  done
  # Node 20 still starts everything, but nothing tests it any more (CI runs Node 22), and npm warns EBADENGINE.
  local node_version
  node_version=$(node --version)
  if [[ $node_version =~ ^v([0-9]+)\. ]] && ((BASH_REMATCH[1] < 22)); then
    say "this is Node.js $node_version; the project supports Node.js 22 and 24 (CI tests 22)."
    say "a Node.js 22 for this project only: export PATH=\"\$(bash scripts/setup-node.sh):\$PATH\""
  fi
}

npm_packages() {
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

rust_function() {
  say "building the Rust function"
  npx --no-install ts-node --transpile-only lib/build/apr-build-cli.ts >&2
}

pytorch_function() {
  say "preparing the PyTorch function"
  bash baselines/pytorch-wine/setup-local.sh >&2
}

case "$purpose" in
  bench | test)
    install_debian_packages --note-for python3-torch 'PyTorch takes about a minute' python3-torch python3-venv python3-dev zip file curl ruby  # curl, ruby: the shell and Ruby hold-outs (test/calibration/holdout-measure.test.ts, test/local-lambda/real-runtimes.test.ts)
    require_tools node npm cargo rustc
    npm_packages
    rust_function
    pytorch_function
    if [[ $purpose == test ]]; then
      bash scripts/setup-audit.sh >&2  # moto, cfn-lint, checkov for test/moto and npm run audit's tests
      # Python 3.12 with awslambdaric for the calibration measurement test; the tests of the in-run calibration
      # use fixture functions, and every bench a test runs names the committed model.
      bash scripts/setup-calibration.sh --for-tests >&2
    else
      # npm run bench calibrates in the run: every calibration function it can build here. One that fails to
      # build (a download refused, a processor without AVX2 for Bun) does not stop the bench: the run
      # calibrates without the functions not built, or predicts with the committed model, and says which.
      bash scripts/setup-calibration.sh >&2 \
        || say "warning: not every calibration function could be built (above); npm run bench calibrates with those that were, or predicts with the committed model, and its report says which"
      # And the hold-outs the run checks its model on (a missing toolchain skips one, with a warning).
      bash scripts/setup-holdouts.sh >&2
    fi
    bash scripts/setup-ladder.sh >&2  # the cold-start ladder: apr-runtime-crate, python, numpy, onnx and node functions
    ;;
  audit)
    install_debian_packages python3-venv
    require_tools node npm
    npm_packages
    bash scripts/setup-audit.sh >&2  # moto, cfn-lint, checkov
    ;;
  calibrate)
    require_tools node npm
    npm_packages
    bash scripts/setup-calibration.sh >&2  # every calibration function; it installs the Debian packages they need
    # The hold-outs (runtimes outside the calibration set) calibrate checks the model with; one whose toolchain
    # is missing here is skipped with a warning, and calibrate names it as not measured.
    bash scripts/setup-holdouts.sh >&2
    ;;
esac
