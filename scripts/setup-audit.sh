#!/usr/bin/env bash
# Installs the independent checkers of the AWS path into tools/audit/.venv (PyPI, every package
# pinned in tools/audit/requirements.txt):
#   - moto[server]: an implementation of the AWS APIs the handlers call (test/moto starts it);
#   - cfn-lint and checkov: `npm run audit` runs them on the synthesized template.
# asl-validator and the IAM policy simulator come from npm (package.json) and need nothing here.
# Idempotent and quick: when the venv was completed from the current requirements.txt it does
# nothing. A fresh install takes about 1.5 minutes. The venv is built where it is used (its scripts
# name their interpreter by absolute path) and marked complete last, so an interrupted install is
# rebuilt from scratch on the next run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv="$repo/tools/audit/.venv"
requirements="$repo/tools/audit/requirements.txt"
marker="$venv/.complete-requirements.sha256"
system_python=/usr/bin/python3

say() { printf 'setup-audit: %s\n' "$*" >&2; }

wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ -x "$venv/bin/python" && "$(cat "$marker" 2>/dev/null)" == "$wanted" ]]; then
  exit 0
fi
if ! "$system_python" -c 'import ensurepip' 2>/dev/null; then
  say "$system_python has no venv support; install it: apt-get install -y python3-venv"
  exit 1
fi

say "installing moto, cfn-lint and checkov into tools/audit/.venv (about 1.5 minutes)"
rm -rf "$venv"
"$system_python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
echo "$wanted" >"$marker"
