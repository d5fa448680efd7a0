# Sourced by the set-up scripts (scripts/setup-calibration.sh, scripts/setup-holdouts.sh).
#
#   zip_package DIR ZIPFILE FILES...
#     ZIPFILE holds FILES (paths relative to DIR), made again only when one of them is newer than it. Its
#     bytes depend only on the files' names and bytes (-X: no extra attributes).

zip_package() {
  local dir=$1 out=$2
  shift 2
  if [[ -f "$out" ]] && [[ -z $(cd "$dir" && find "$@" -newer "$out" -print -quit) ]]; then return 0; fi
  mkdir -p "$(dirname "$out")"
  rm -f "$out"
  (cd "$dir" && zip -q -X -r "$out" "$@")
}
