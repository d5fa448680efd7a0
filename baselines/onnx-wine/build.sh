#!/usr/bin/env bash
# Builds the `onnx` function:
#   1. .venv-build (the onnx package) converts lambda-apr/model/wine.apr to build/model.onnx;
#   2. build/package/ + build/function.zip (x86_64) and build/arm64/function.zip (aarch64 wheels, not run
#      here): handler, model.onnx, onnxruntime and what pip installs with it;
#   3. check_onnx_model.py runs model.onnx with the package's onnxruntime on every red wine against the .apr
#      function's binary (lambda-apr/dist/bootstrap, `npm run build:apr`).
# Also prepares the local runtime (python-wine's .venv). Idempotent: skips when no input changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
reader="$repo/baselines/pytorch-wine"
shared="$repo/baselines/python-wine"
out="$here/build"
apr="$repo/lambda-apr/model/wine.apr"
bootstrap="$repo/lambda-apr/dist/bootstrap"
build_venv="$here/.venv-build"
files=("$here/handler.py" "$shared/wine_lambda.py" "$reader/runtime_hooks.py" "$reader/wine_rules.py")

bash "$shared/setup-runtime.sh"
stamp=$(cat "${files[@]}" "$apr" "$reader/apr_reader.py" "$here/convert_to_onnx.py" "$here/check_onnx_model.py" \
  "$here/requirements.txt" "$here/requirements-build.txt" "$here/build.sh" "$shared/build_zip_function.py" | sha256sum | cut -d' ' -f1)
if [[ -f "$out/function.zip" && -f "$out/arm64/function.zip" && "$(cat "$out/.inputs.sha256" 2>/dev/null)" == "$stamp" ]]; then
  echo "onnx-wine: up to date ($(stat -c %s "$out/function.zip") byte zip)" >&2
  exit 0
fi
[[ -x "$bootstrap" ]] || { echo "onnx-wine: $bootstrap is missing (build it with \`npm run build:apr\`)" >&2; exit 1; }

wanted=$(sha256sum "$here/requirements-build.txt" | cut -d' ' -f1)
if [[ ! -x "$build_venv/bin/python" || "$(cat "$build_venv/.requirements.sha256" 2>/dev/null)" != "$wanted" ]]; then
  echo "onnx-wine: creating $build_venv (the onnx package)" >&2
  rm -rf "$build_venv"
  /usr/bin/python3 -m venv "$build_venv"
  "$build_venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --root-user-action=ignore \
    --only-binary :all: -r "$here/requirements-build.txt"
  echo "$wanted" >"$build_venv/.requirements.sha256"
fi

mkdir -p "$out"
# The project's reader and rules, imported from where they live.
PYTHONPATH="$reader" "$build_venv/bin/python" "$here/convert_to_onnx.py" --apr "$apr" --out "$out/model.onnx" >&2
file_args=(--file "$out/model.onnx")
for file in "${files[@]}"; do file_args+=(--file "$file"); done
/usr/bin/python3 "$shared/build_zip_function.py" --out "$out" --requirements "$here/requirements.txt" "${file_args[@]}" >&2
/usr/bin/python3 "$shared/build_zip_function.py" --out "$out/arm64" --platform manylinux2014_aarch64 \
  --requirements "$here/requirements.txt" "${file_args[@]}" >&2
"$shared/.venv/bin/python" "$here/check_onnx_model.py" --package "$out/package" --bootstrap "$bootstrap" \
  --red "$repo/data/wine/winequality-red.csv" >&2
echo "$stamp" >"$out/.inputs.sha256"
