#!/usr/bin/env bash
# Builds the `node` function: build/package/ (what /var/task holds; the local service runs it there with
# calibration/node's Node.js 22 and aws-lambda-ric, built by scripts/setup-calibration.sh),
# build/function.zip and build/build-info.json. No dependencies: the zip is the handler's modules and
# wine.apr. The zip is made by python-wine's build_zip_function.py (reproducible). Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/build"
files=("$here/index.mjs" "$here/wine-rules.mjs" "$here/apr-reader.mjs" "$here/msgpack.mjs" "$repo/lambda-apr/model/wine.apr")
stamp=$(cat "${files[@]}" "$here/build.sh" "$repo/baselines/python-wine/build_zip_function.py" | sha256sum | cut -d' ' -f1)
if [[ -f "$out/function.zip" && "$(cat "$out/.inputs.sha256" 2>/dev/null)" == "$stamp" ]]; then
  echo "node-wine: up to date ($(stat -c %s "$out/function.zip") byte zip)" >&2
  exit 0
fi
file_args=()
for file in "${files[@]}"; do file_args+=(--file "$file"); done
/usr/bin/python3 "$repo/baselines/python-wine/build_zip_function.py" --out "$out" "${file_args[@]}" >&2
echo "$stamp" >"$out/.inputs.sha256"
