#!/usr/bin/env bash
# Runs every libFuzzer target with ASan+UBSan for a given time each.
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
# Builds build-fuzz/ with clang-14 (-Dfuzzing=true). Each target starts from
# its corpus in fuzz/corpus/<target> and writes what it learns to
# build-fuzz/corpus/<target> (kept out of the repository; minimize with
# -merge=1 before adding inputs to fuzz/corpus). Crashing inputs land in
# build-fuzz/crashes/; the script exits 1 if any target found one.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
if [ ! -d build-fuzz ]; then
	CC=clang-14 meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined >/dev/null
fi
ninja -C build-fuzz >/dev/null
# Every target the library declares (lib/*/meson.build), unless named.
if [ ${#targets[@]} -eq 0 ]; then
	for f in build-fuzz/fuzz/fuzz_*-libfuzzer; do
		targets+=("$(basename "$f" -libfuzzer)")
	done
fi
mkdir -p build-fuzz/crashes
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
found=0
for t in "${targets[@]}"; do
	work=build-fuzz/corpus/$t
	mkdir -p "$work"
	echo "== $t for ${secs}s"
	if ! "build-fuzz/fuzz/$t-libfuzzer" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/crashes/$t-" "$work" "fuzz/corpus/$t" \
		>"build-fuzz/$t.log" 2>&1; then
		found=1
		echo "$t: crash, see build-fuzz/$t.log and build-fuzz/crashes/"
	fi
	grep -E '^(#[0-9]+ +DONE|stat::)' "build-fuzz/$t.log" | head -5 || true
done
exit $found
