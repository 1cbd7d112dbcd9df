# shellcheck shell=bash
# Shared by the image-build scripts: stage timing and messages. Source it; it sets nothing
# else.

# Seconds since the script started, to the tenth.
_preau_t0=$(date +%s.%N)
_preau_stage=""
_preau_stage_t0=""

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# stage NAME: ends the current stage (printing its time) and starts NAME.
stage() {
  stage_end
  _preau_stage=$1
  _preau_stage_t0=$(date +%s.%N)
  printf '==> %s\n' "$1" >&2
}

stage_end() {
  if [[ -n $_preau_stage ]]; then
    printf '<== %-46s %7ss  (total %ss)\n' "$_preau_stage" "$(elapsed "$_preau_stage_t0")" "$(elapsed "$_preau_t0")" >&2
    _preau_stage=""
  fi
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is missing (see image-build/README.md, « What the build needs »)"
  done
}
