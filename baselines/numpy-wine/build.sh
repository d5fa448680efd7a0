#!/usr/bin/env bash
# Builds the `numpy` function: build/package/ (what /var/task holds; the local service runs it there),
# build/function.zip and build/build-info.json for x86_64, and build/arm64/function.zip for arm64 (the
# aarch64 wheels, not run here). Also prepares the local runtime (python-wine's .venv). Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
reader="$repo/baselines/pytorch-wine"
shared="$repo/baselines/python-wine"
out="$here/build"
files=("$here/handler.py" "$shared/wine_lambda.py" "$reader/runtime_hooks.py" "$reader/apr_reader.py" "$reader/wine_rules.py" "$repo/lambda-apr/model/wine.apr")

bash "$shared/setup-runtime.sh"
stamp=$(cat "${files[@]}" "$here/requirements.txt" "$here/build.sh" "$shared/build_zip_function.py" | sha256sum | cut -d' ' -f1)
if [[ -f "$out/function.zip" && -f "$out/arm64/function.zip" && "$(cat "$out/.inputs.sha256" 2>/dev/null)" == "$stamp" ]]; then
  echo "numpy-wine: up to date ($(stat -c %s "$out/function.zip") byte zip)" >&2
  exit 0
fi
file_args=()
for file in "${files[@]}"; do file_args+=(--file "$file"); done
/usr/bin/python3 "$shared/build_zip_function.py" --out "$out" --requirements "$here/requirements.txt" "${file_args[@]}" >&2
/usr/bin/python3 "$shared/build_zip_function.py" --out "$out/arm64" --platform manylinux2014_aarch64 \
  --requirements "$here/requirements.txt" "${file_args[@]}" >&2
echo "$stamp" >"$out/.inputs.sha256"
