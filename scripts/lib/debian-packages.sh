# Sourced by the set-up scripts (scripts/setup.sh, scripts/setup-calibration.sh, holdout/cpp/build.sh):
# installs the Debian packages that are not installed yet. As root it runs apt-get; otherwise it names the
# missing packages and the command that installs them, and exits 1. Messages go through the caller's say().
#
#   install_debian_packages [--note-for PACKAGE NOTE] packages...
#     --note-for: add NOTE to the "installing" line when PACKAGE is among the missing (a slow one).

install_debian_packages() {
  local note_package='' note='' missing=() package
  if [[ "${1:-}" == --note-for ]]; then
    note_package=$2 note=$3
    shift 3
  fi
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    say "missing Debian packages: ${missing[*]}; install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  [[ -n "$note_package" && " ${missing[*]} " == *" $note_package "* ]] || note=''
  say "installing Debian packages: ${missing[*]}${note:+ ($note)}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
