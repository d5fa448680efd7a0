#!/usr/bin/env bash
# Prepares the PyTorch function to run on this machine the way its image runs it:
#   .venv/bin/python -m awslambdaric lambda_function.lambda_handler   (cwd: this directory)
#
# - .venv: created with Debian's /usr/bin/python3 and --system-site-packages, so it sees Debian's
#   python3-torch (CPU); requirements-local.txt (pinned, wheels only) is installed into it. Built in a
#   temporary directory and renamed, so an interrupted run never leaves half a venv behind.
# - model.pt: exported from lambda-apr/model/wine.apr when missing, older than wine.apr or the export
#   code, or when --force-export is given.
# Idempotent: a second run changes nothing and takes a few seconds (it imports torch once to report it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
system_python=/usr/bin/python3
venv="$here/.venv"
requirements="$here/requirements-local.txt"
apr="$repo/lambda-apr/model/wine.apr"
model="$here/model.pt"

say() { printf 'setup-local: %s\n' "$*" >&2; }

force_export=0
case "${1:-}" in
  '') ;;
  --force-export) force_export=1 ;;
  *) say "unknown option '$1' (the only option is --force-export)"; exit 2 ;;
esac

if ! "$system_python" -c 'import torch' 2>/dev/null; then
  say "$system_python cannot import torch; install Debian's CPU build: apt-get install -y python3-torch"
  exit 1
fi
if ! "$system_python" -c 'import ensurepip' 2>/dev/null; then
  say "$system_python has no venv support; install it: apt-get install -y python3-venv"
  exit 1
fi

install_requirements() { # venv directory
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --only-binary :all: -r "$requirements"
  sha256sum "$requirements" | cut -d' ' -f1 >"$1/.requirements.sha256"
}

if [[ ! -x "$venv/bin/python" ]]; then
  say "creating $venv (Debian's torch visible through --system-site-packages)"
  staging="$here/.venv.partial.$$"
  trap 'rm -rf "$staging"' EXIT
  rm -rf "$staging"
  "$system_python" -m venv --system-site-packages "$staging"
  install_requirements "$staging"
  mv "$staging" "$venv"
  trap - EXIT
elif [[ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$(sha256sum "$requirements" | cut -d' ' -f1)" ]]; then
  say "installing requirements-local.txt into $venv"
  install_requirements "$venv"
fi

export_inputs=("$apr" "$here/export_model.py" "$here/wine_checkpoint.py" "$here/apr_reader.py" "$here/wine_rules.py")
needs_export=$force_export
[[ -f "$model" ]] || needs_export=1
for input in "${export_inputs[@]}"; do
  [[ "$input" -nt "$model" ]] && needs_export=1
done
if ((needs_export)); then
  (cd "$here" && "$venv/bin/python" export_model.py --apr "$apr" --out "$model") >&2
fi

"$venv/bin/python" - >&2 <<'EOF'
import awslambdaric, msgpack, torch
print(f'setup-local: ready: torch {torch.__version__} (from {torch.__file__.rsplit("/torch/", 1)[0]}), '
      f'awslambdaric {awslambdaric.__version__}, msgpack {".".join(map(str, msgpack.version))}')
EOF
