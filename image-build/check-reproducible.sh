#!/bin/bash
# Builds the amd64 root file system twice and compares the checksums of the two tarballs
# (and, with --image, of the two whole disk images). Same commit, same packages (the two
# builds run minutes apart against the same mirror), same preau binary and signing key.
#
#   image-build/check-reproducible.sh --signing-key FILE [--preau-bin FILE] [--image]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

args=()
image=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --image) image=1; shift ;;
    --signing-key|--preau-bin) args+=("$1" "${2:?}"); shift 2 ;;
    *) die "unknown option: $1" ;;
  esac
done
[[ $image == 1 ]] || args+=(--rootfs-only)

# One time for both builds, even if a commit lands in between.
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
  SOURCE_DATE_EPOCH=$(git -C "$here" log -1 --format=%ct)
fi
export SOURCE_DATE_EPOCH

work=$(mktemp -d "${TMPDIR:-/tmp}/preau-repro.XXXXXX")
trap 'rm -rf "$work"' EXIT
for run in 1 2; do
  stage "build $run"
  "$here/build.sh" "${args[@]}" --out "$work/$run" >"$work/build-$run.log" 2>&1 ||
    { tail -n 40 "$work/build-$run.log" >&2; die "build $run failed"; }
done
stage_end

files=(preau-amd64.rootfs.tar preau-amd64.packages)
[[ $image == 1 ]] && files+=(preau-amd64.img)
same=1
for file in "${files[@]}"; do
  a=$(sha256sum < "$work/1/$file" | cut -d' ' -f1)
  b=$(sha256sum < "$work/2/$file" | cut -d' ' -f1)
  if [[ $a == "$b" ]]; then
    echo "same      $a  $file"
  else
    echo "DIFFERENT $a  $b  $file"
    same=0
  fi
done
if [[ $same == 0 ]]; then
  if command -v diffoscope >/dev/null; then
    echo "(diffoscope $work/1/preau-amd64.rootfs.tar $work/2/preau-amd64.rootfs.tar shows where)"
  fi
  trap - EXIT
  echo "builds kept in $work" >&2
  exit 1
fi
echo "reproducible: two builds give the same checksums"
