#!/usr/bin/env bash
# Builds the hold-out functions (holdout/: hello worlds of runtimes outside the calibration set, measured by
# `npm run calibrate` and checked against the model, never fitted on). Idempotent and quick when built.
# A hold-out whose toolchain this machine lacks is skipped with a warning: calibrate names it as not measured.
#
#   scripts/setup-holdouts.sh           every hold-out
#   scripts/setup-holdouts.sh go shell  only these
#
# - go:    aws-lambda-go (pinned in holdout/go/go.mod, from the Go module proxy), static (CGO_ENABLED=0),
#          -ldflags "-w -s" -tags lambda.norpc, as lambda-perf builds its "go (prov.al2023)" function.
# - shell: the bash loop with curl of AWS's custom-runtime tutorial, one file (curl from Debian).
# - cpp:   aws-lambda-cpp hello world, packaged as aws-lambda-cpp's packager does (holdout/cpp/build.sh).
# - ruby:  index.rb zipped alone, as lambda-perf packages its "ruby3.2" function; it runs on Debian's ruby with
#          the project's runtime client (holdout/ruby/runtime/), which is the runtime's, not the package's.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
say() { printf 'setup-holdouts: %s\n' "$*" >&2; }

# shellcheck source=scripts/lib/zip-package.sh
source "$root/scripts/lib/zip-package.sh"
# shellcheck source=scripts/lib/debian-packages.sh
source "$root/scripts/lib/debian-packages.sh"

# Replaced by a rename, never rewritten in place: a run may be executing the old file ("Text file busy").
install_file() { # from to
  cmp -s "$1" "$2" && return 0
  cp -p "$1" "$2.new" && mv -f "$2.new" "$2"
}

build_go() {
  local dir="$root/holdout/go"
  command -v go >/dev/null || { say "go is not installed: the Go hold-out is skipped (Debian: golang, or go.dev)"; return 1; }
  mkdir -p "$dir/dist" "$dir/.build"
  (cd "$dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags='-w -s' -tags lambda.norpc -o .build/bootstrap .) \
    || { say "building the Go hold-out failed (holdout/go; aws-lambda-go comes from the Go module proxy)"; return 1; }
  install_file "$dir/.build/bootstrap" "$dir/dist/bootstrap"
  zip_package "$dir/dist" "$dir/dist/bootstrap.zip" bootstrap
}

build_shell() {
  local dir="$root/holdout/shell"
  command -v curl >/dev/null || { say "curl is not installed: the shell hold-out is skipped (Debian: curl)"; return 1; }
  mkdir -p "$dir/dist"
  install_file "$dir/bootstrap" "$dir/dist/bootstrap"
  zip_package "$dir/dist" "$dir/dist/bootstrap.zip" bootstrap
}

build_ruby() {
  local dir="$root/holdout/ruby"
  # Debian's ruby (3.1 on bookworm; lambda-perf's nearest Ruby is 3.2). In a subshell: without root,
  # install_debian_packages names the command and exits, which skips this hold-out and no other.
  command -v ruby >/dev/null || (install_debian_packages ruby) || { say "ruby is not installed: the Ruby hold-out is skipped (Debian: ruby)"; return 1; }
  zip_package "$dir" "$dir/dist/function.zip" index.rb
}

build_cpp() {
  [[ -x "$root/holdout/cpp/build.sh" ]] || { say "holdout/cpp/build.sh is missing"; return 1; }
  "$root/holdout/cpp/build.sh" || { say "building the C++ hold-out failed (holdout/cpp/build.sh; its messages are above)"; return 1; }
}

wanted=("$@")
((${#wanted[@]})) || wanted=(go shell cpp ruby)
failed=0
for name in "${wanted[@]}"; do
  case "$name" in
    go | shell | cpp | ruby) "build_$name" || failed=$((failed + 1)) ;;
    *) say "unknown hold-out '$name' (known: go, shell, cpp, ruby)"; exit 2 ;;
  esac
done
((failed == 0)) || say "$failed hold-out(s) not built; npm run calibrate measures the others"
exit 0
