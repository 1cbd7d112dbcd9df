#!/bin/sh
# Runs every fuzz target of preau-provision for a short while (default 30 seconds each):
#
#     provisioning/preau-provision/fuzz/run-short.sh [SECONDS]
#
# Needs a nightly toolchain and cargo-fuzz; without them it says how to install them and
# exits 0 (it is a developer's check, not part of CI). The onde target starts from the ONDE
# fixtures of tests/fixtures/onde. A crash stops the script with cargo-fuzz's status and
# leaves the input in fuzz/artifacts/<target>/.
set -eu

seconds="${1:-30}"
case "$seconds" in
    '' | *[!0-9]*)
        echo "usage: $0 [SECONDS]   (seconds per target, default 30)" >&2
        exit 2
        ;;
esac

fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
crate_dir="$(dirname "$fuzz_dir")"
fixtures="$crate_dir/../../tests/fixtures/onde"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "No nightly toolchain: install it with"
    echo "    rustup toolchain install nightly"
    echo "then install cargo-fuzz with"
    echo "    cargo install cargo-fuzz"
    echo "and run $0 again. Nothing was fuzzed."
    exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: install it with"
    echo "    cargo install cargo-fuzz"
    echo "and run $0 again. Nothing was fuzzed."
    exit 0
fi

cd "$crate_dir"
mkdir -p fuzz/corpus/onde
if [ -d "$fixtures" ]; then
    cp "$fixtures"/*.csv fuzz/corpus/onde/
fi
for target in $(cargo +nightly fuzz list); do
    echo "== fuzzing $target for ${seconds}s"
    cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -max_len=65536
done
echo "== every target ran ${seconds}s without a crash"
