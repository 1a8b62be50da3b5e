#!/usr/bin/env bash
# Builds sigtrace twice (release and ASan+UBSan) and runs the whole suite
# with each: unit tests, fuzz-corpus replays, end-to-end cases on generated
# fixtures, and cases on real signed samples. Ends with "N passed, N failed".
#
# Environment: SIGTRACE_TRUST (default ../shared/trust) holds the public
# trust anchors the real-sample cases use; SIGTRACE_EVTX (default
# ../shared/samples/evtx) the real Windows event logs of the telemetry
# tests; SIGTRACE_SAMPLES (default .cache/samples) caches downloaded
# samples, SIGTRACE_BENIGN (default .cache/benign) the benign corpus of
# tests/benign.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
trust=${SIGTRACE_TRUST:-$top/../shared/trust}
evtx=${SIGTRACE_EVTX:-$top/../shared/samples/evtx}
samples=${SIGTRACE_SAMPLES:-$top/.cache/samples}
benign=${SIGTRACE_BENIGN:-$top/.cache/benign}
work=$top/build-tests
log=$work/results.txt
mkdir -p "$work"
: >"$log"

note() { printf '== %s\n' "$*"; }
fail_setup() { echo "FAIL setup: $*" | tee -a "$log"; }

note "building release (build/) and ASan+UBSan (build-asan/)"
[ -d build ] || meson setup build >/dev/null || fail_setup "meson setup build"
ninja -C build >/dev/null || fail_setup "build"
[ -d build-asan ] || CC=clang-14 meson setup build-asan -Db_sanitize=address,undefined \
	-Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined >/dev/null ||
	fail_setup "meson setup build-asan"
ninja -C build-asan >/dev/null || fail_setup "asan build"

note "generating the test PKI and signed fixtures"
rm -rf "$work/pki" "$work/fixtures" "$work/macho-fixtures" "$work/catalog-fixtures"
if ! { bash tests/e2e/make-pki.sh "$work/pki" >/dev/null &&
	bash tests/e2e/make-fixtures.sh "$work/pki" "$work/fixtures" >/dev/null &&
	bash tests/e2e/make-macho-fixtures.sh "$work/pki" "$work/macho-fixtures" >/dev/null &&
	bash tests/e2e/make-catalog-fixtures.sh "$work/pki" "$work/fixtures" "$work/catalog-fixtures" >/dev/null; }; then
	fail_setup "fixture generation"
fi

note "fetching real signed samples"
samples_ok=1
bash tests/samples/fetch.sh "$samples" >/dev/null || { fail_setup "sample fetch"; samples_ok=0; }
[ -d "$trust" ] || { fail_setup "trust directory $trust missing"; samples_ok=0; }
note "fetching the benign corpus"
benign_ok=1
SIGTRACE_SAMPLES_CACHE=$samples/.cache bash tests/benign/fetch.sh "$benign" >/dev/null ||
	{ fail_setup "benign corpus fetch"; benign_ok=0; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$top/fuzz/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for b in build build-asan; do
	note "suite with $b"
	for t in "$b"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		"$t" | sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
		[ "${PIPESTATUS[0]}" -le 1 ] || echo "FAIL [$b] $t crashed" >>"$log"
	done
	# Every fuzz target the library declares (lib/*/meson.build) replays
	# its corpus.
	for r in "$b"/fuzz/fuzz_*-replay; do
		t=$(basename "$r" -replay)
		[ -d "fuzz/corpus/$t" ] || { echo "FAIL [$b] $t has no corpus in fuzz/corpus/$t" >>"$log"; continue; }
		out=$("$r" "fuzz/corpus/$t" 2>&1)
		rc=$?
		grep -E '^(PASS|FAIL)' <<<"$out" | sed "s|^\(PASS\|FAIL\) |\1 [$b] |" >>"$log"
		[ $rc -le 1 ] || echo "FAIL [$b] $t replay crashed: $(tail -5 <<<"$out")" >>"$log"
	done
	python3 tests/run_cases.py --sigtrace "$b/src/sigtrace" --cases tests/e2e/cases.txt \
		--dir "$work/fixtures" --label "[$b] e2e" --var "PKI=$work/pki" \
		--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z" |
		grep -E '^(PASS|FAIL)' >>"$log"
	python3 tests/run_cases.py --sigtrace "$b/src/sigtrace" --cases tests/e2e/macho-cases.txt \
		--dir "$work/macho-fixtures" --label "[$b] e2e-macho" --var "PKI=$work/pki" \
		--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z" |
		grep -E '^(PASS|FAIL)' >>"$log"
	python3 tests/run_cases.py --sigtrace "$b/src/sigtrace" --cases tests/e2e/catalog-cases.txt \
		--dir "$work/catalog-fixtures" --label "[$b] e2e-catalog" --var "PKI=$work/pki" \
		--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z" |
		grep -E '^(PASS|FAIL)' >>"$log"
	python3 tests/run_cases.py --sigtrace "$b/src/sigtrace" --cases tests/e2e/bundle-cases.txt \
		--dir "$work/macho-fixtures/bundles" --label "[$b] e2e-bundle" --var "PKI=$work/pki" \
		--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z" |
		grep -E '^(PASS|FAIL)' >>"$log"
	python3 tests/run_cases.py --sigtrace "$b/src/sigtrace" --cases tests/e2e/pkg-cases.txt \
		--dir "$work/macho-fixtures/pkg" --label "[$b] e2e-pkg" --var "PKI=$work/pki" \
		--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z" |
		grep -E '^(PASS|FAIL)' >>"$log"
	python3 tests/run_cases.py --sigtrace "$b/src/sigtrace" --cases tests/e2e/dmg-cases.txt \
		--dir "$work/macho-fixtures/dmg" --label "[$b] e2e-dmg" --var "PKI=$work/pki" \
		--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z" |
		grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_archives.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_images.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_bundles.sh "$b/src/sigtrace" "$work/macho-fixtures/bundles" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_catalogs.sh "$b/src/sigtrace" "$work/catalog-fixtures" "$work/pki" \
		"$([ $samples_ok = 1 ] && echo "$samples")" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_host_trust.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" \
		"$([ -d "$trust" ] && echo "$trust")" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	if [ $samples_ok = 1 ]; then
		bash tests/samples/test_macho_output.sh "$b/src/sigtrace" "$samples" "$trust" \
			"$work/macho-output-$b" 2>/dev/null |
			sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
		for c in cases macho-cases bundle-cases pkg-cases; do
			python3 tests/run_cases.py --sigtrace "$b/src/sigtrace" --cases tests/samples/$c.txt \
				--dir "$samples" --label "[$b] samples" --var "TRUST=$trust" --var "OUTDIR=$samples" |
				grep -E '^(PASS|FAIL)' >>"$log"
		done
	fi
	bash tests/cli/test_cli.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_formats.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_procedures.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" "$work/macho-fixtures" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_elastic_template.sh "$b/src/sigtrace" "$work/pki" "$work/fixtures" \
		"$work/macho-fixtures" "$work/catalog-fixtures" $([ $samples_ok = 1 ] && echo "$samples") 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/inventory/test_inventory.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	# A throwaway PostgreSQL cluster on loopback (tests/inventory/pg-cluster.sh).
	bash tests/inventory/test_postgres.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" \
		"$([ -d "$evtx" ] && echo "$evtx")" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	if [ $benign_ok = 1 ]; then
		bash tests/inventory/test_outliers.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" "$benign" 2>/dev/null |
			sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	fi
	bash tests/cli/test_vulnerable_drivers.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/telemetry/test_code_integrity.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_dmg_volume.sh "$b/src/sigtrace" "$work/macho-fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/cli/test_bundle_containers.sh "$b/src/sigtrace" "$work/macho-fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	bash tests/telemetry/test_eslogger.sh "$b/src/sigtrace" "$work/macho-fixtures" "$work/pki" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	if [ -d "$evtx" ]; then
		bash tests/telemetry/test_telemetry.sh "$b/src/sigtrace" "$work/fixtures" "$work/pki" "$evtx" 2>/dev/null |
			sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	else
		echo "FAIL [$b] telemetry: the event logs of $evtx are missing" >>"$log"
	fi
	bash tests/hostile/test_hostile.sh "$b/src/sigtrace" "$work/fixtures/sha256.dll" \
		"$work/hostile-$b" --sparse --macho "$work/macho-fixtures/macho-devid.arm64" 2>/dev/null |
		sed "s|^\(PASS\|FAIL\) |\1 [$b] |" | grep -E '^(PASS|FAIL)' >>"$log"
	rm -rf "$work/hostile-$b"
done

note "the Debian package"
bash tests/cli/test_package.sh "$work/fixtures" "$work/pki" 2>/dev/null | grep -E '^(PASS|FAIL)' >>"$log"

note "end-to-end cases under valgrind (release build)"
python3 tests/run_cases.py --sigtrace build/src/sigtrace --cases tests/e2e/cases.txt \
	--dir "$work/fixtures" --label "[valgrind] e2e" --var "PKI=$work/pki" \
	--wrapper "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z -j 1" |
	grep -E '^(PASS|FAIL)' >>"$log"
python3 tests/run_cases.py --sigtrace build/src/sigtrace --cases tests/e2e/macho-cases.txt \
	--dir "$work/macho-fixtures" --label "[valgrind] e2e-macho" --var "PKI=$work/pki" \
	--wrapper "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z -j 1" |
	grep -E '^(PASS|FAIL)' >>"$log"
python3 tests/run_cases.py --sigtrace build/src/sigtrace --cases tests/e2e/bundle-cases.txt \
	--dir "$work/macho-fixtures/bundles" --label "[valgrind] e2e-bundle" --var "PKI=$work/pki" \
	--wrapper "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z -j 1" |
	grep -E '^(PASS|FAIL)' >>"$log"
python3 tests/run_cases.py --sigtrace build/src/sigtrace --cases tests/e2e/pkg-cases.txt \
	--dir "$work/macho-fixtures/pkg" --label "[valgrind] e2e-pkg" --var "PKI=$work/pki" \
	--wrapper "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z -j 1" |
	grep -E '^(PASS|FAIL)' >>"$log"
python3 tests/run_cases.py --sigtrace build/src/sigtrace --cases tests/e2e/dmg-cases.txt \
	--dir "$work/macho-fixtures/dmg" --label "[valgrind] e2e-dmg" --var "PKI=$work/pki" \
	--wrapper "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z -j 1" |
	grep -E '^(PASS|FAIL)' >>"$log"
python3 tests/run_cases.py --sigtrace build/src/sigtrace --cases tests/e2e/catalog-cases.txt \
	--dir "$work/catalog-fixtures" --label "[valgrind] e2e-catalog" --var "PKI=$work/pki" \
	--wrapper "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	--default-args "--trust $work/pki/root.pem --at 2025-06-01T00:00:00Z -j 1" |
	grep -E '^(PASS|FAIL)' >>"$log"

grep '^FAIL' "$log" || true
passed=$(grep -c '^PASS' "$log")
failed=$(grep -c '^FAIL' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
