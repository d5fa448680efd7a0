#!/usr/bin/env bash
# Builds the `python` function: build/package/ (what /var/task holds; the local service runs it there),
# build/function.zip (the deployment package) and build/build-info.json (sizes). Also prepares the local
# runtime (.venv with awslambdaric). Idempotent: skips the build when no input changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
reader="$repo/baselines/pytorch-wine"
out="$here/build"
inputs=("$here/handler.py" "$here/wine_lambda.py" "$here/float32_linear.py" "$here/requirements.txt"
        "$here/build.sh" "$here/build_zip_function.py" "$reader/runtime_hooks.py" "$reader/apr_reader.py" "$reader/wine_rules.py"
        "$repo/lambda-apr/model/wine.apr")

bash "$here/setup-runtime.sh"
stamp=$(cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)
if [[ -f "$out/function.zip" && "$(cat "$out/.inputs.sha256" 2>/dev/null)" == "$stamp" ]]; then
  echo "python-wine: up to date ($(stat -c %s "$out/function.zip") byte zip)" >&2
  exit 0
fi
# The project's reader and rules are copied in as they are: one source for every Python function.
/usr/bin/python3 "$here/build_zip_function.py" --out "$out" --requirements "$here/requirements.txt" \
  --file "$here/handler.py" --file "$here/wine_lambda.py" --file "$here/float32_linear.py" \
  --file "$reader/runtime_hooks.py" --file "$reader/apr_reader.py" --file "$reader/wine_rules.py" --file "$repo/lambda-apr/model/wine.apr" >&2
echo "$stamp" >"$out/.inputs.sha256"
