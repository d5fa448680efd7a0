#!/usr/bin/env bash
# Creates .venv here: Python 3.11 with awslambdaric, the runtime client AWS's Python runtimes run, and
# nothing else. The Python functions of the ladder (python, numpy, onnx) run locally as
#   .venv/bin/python -m awslambdaric handler.lambda_handler      (cwd: the function's build/package)
# Idempotent: does nothing when .venv holds requirements-runtime.txt as it is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
requirements="$here/requirements-runtime.txt"
system_python=/usr/bin/python3
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
[[ -x "$venv/bin/python" && "$(cat "$venv/.requirements.sha256" 2>/dev/null)" == "$wanted" ]] && exit 0

if ! "$system_python" -c 'import sys, ensurepip; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  echo "setup-runtime: $system_python must be Python 3.11 with venv support (apt-get install -y python3-venv)" >&2
  exit 1
fi
echo "setup-runtime: creating $venv (awslambdaric)" >&2
staging="$here/.venv.partial.$$"
trap 'rm -rf "$staging"' EXIT
"$system_python" -m venv "$staging"
"$staging/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --root-user-action=ignore --only-binary :all: -r "$requirements"
echo "$wanted" >"$staging/.requirements.sha256"
rm -rf "$venv"
mv "$staging" "$venv"
trap - EXIT
