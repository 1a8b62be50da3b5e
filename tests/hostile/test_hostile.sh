#!/usr/bin/env bash
# Hostile-input end-to-end test: one scan over crafted files must finish in
# bounded time and memory, and give every file a verdict or a reported error.
# usage: test_hostile.sh SIGTRACE SIGNED_PE WORKDIR [--sparse] [--macho SIGNED_MACHO]
set -uo pipefail
st=$1 signed=$2 work=$3 sparse= macho=
shift 3
while [ $# -gt 0 ]; do
	case $1 in
	--sparse) sparse=--sparse ;;
	--macho) macho=$2; shift ;;
	esac
	shift
done
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS hostile: $1"; passed=$((passed + 1));
	else echo "FAIL hostile: $1"; failed=$((failed + 1)); fi
}
rm -rf "$work"
mkdir -p "$work"
python3 "$(dirname "$0")/make-hostile.py" "$signed" "$work/in" $macho
if [ "$sparse" = --sparse ]; then
	# 4 GiB sparse files: one plain, one a signed PE grown to the size limit.
	truncate -s 4G "$work/in/sparse-4g"
	cp "$signed" "$work/in/sparse-4g-pe.dll"
	truncate -s 4G "$work/in/sparse-4g-pe.dll"
fi
n=$(find "$work/in" -type f | wc -l)
/usr/bin/time -f "%e %M" -o "$work/time" timeout 600 "$st" scan --all -j 2 --format ndjson \
	--no-default-trust --at 2025-06-01 "$work/in" >"$work/out.ndjson" 2>"$work/err"
rc=$?
read -r secs rss < <(tail -n 1 "$work/time") || { secs=0; rss=0; }
[ $rc -le 2 ]; check "scan of $n crafted files finished (exit $rc, ${secs}s)" $?
records=$(wc -l <"$work/out.ndjson")
[ "$records" -eq "$n" ]; check "every file got a record ($records of $n)" $?
python3 - "$work/out.ndjson" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
bad = [r["file"]["path"] for r in recs if r["sigtrace"]["verdict"] not in
       ("valid", "untrusted", "invalid", "malformed", "unsigned", "not_executable", "error")]
by = {r["file"]["name"]: r for r in recs}
ok = not bad
def has(name, verdict, reason=None):
    r = by.get(name)
    if not r or r["sigtrace"]["verdict"] != verdict:
        print("unexpected:", name, r and r["sigtrace"]["verdict"]); return False
    if reason and reason not in [x["code"] for x in r["sigtrace"]["reasons"]]:
        print("missing reason:", name, reason); return False
    return True
ok &= has("sections-65535.dll", "invalid", "digest_mismatch")
ok &= has("cert-entries-12.dll", "malformed", "limit_exceeded")
ok &= has("asn1-deep-definite.dll", "malformed", "malformed_signature")
ok &= has("asn1-deep-indefinite.dll", "malformed", "malformed_signature")
ok &= has("zero-length", "not_executable")
ok &= has("spc-broken.dll", "malformed", "malformed_signature")
ok &= has("trunc-0001024.dll", "malformed")
ok &= has("fat-overlapping", "malformed", "malformed_macho")
ok &= has("cfb-ok.msi", "unsigned")
ok &= has("cfb-wide.msi", "unsigned")
for n in ("cfb-fat-loop.msi", "cfb-dir-cycle.msi", "cfb-stream-huge.msi", "cfb-cross-link.msi"):
    ok &= has(n, "malformed", "malformed_msi")
ok &= has("cfb-deep.msi", "malformed", "limit_exceeded")
for n in ("zip-count-huge.appx", "zip-cd-outside.appx", "zip-overlap.appx", "zip64-wild.appx"):
    ok &= has(n, "malformed", "malformed_appx")
ok &= has("zip-bomb.appx", "unsigned")
if "macho-fat-17" in by:
    ok &= has("macho-fat-17", "malformed", "limit_exceeded")
    ok &= has("macho-fat64-wild", "malformed", "malformed_macho")
    ok &= has("java.class", "not_executable")
    ok &= has("macho-sig-outside", "malformed", "malformed_macho")
    ok &= has("macho-superblob-count-huge", "malformed", "limit_exceeded")
    ok &= has("macho-cd-pagesize-255", "malformed", "malformed_signature")
    ok &= has("macho-cd-ncodeslots-huge", "malformed", "malformed_signature")
sys.exit(0 if ok else 1)
PY
check "crafted files get the expected verdicts and reasons" $?
[ "${rss:-0}" -lt 262144 ]; check "peak memory stays bounded (${rss} KiB < 256 MiB)" $?
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
