#!/usr/bin/env bash
# One case per procedure example of T1036.001 that `sigtrace explain` lists:
# a fixture that recreates its signature trait with the test PKI, the
# reason codes sigtrace gives it, the ATT&CK fields of its record, and the
# explain entry that names those codes. Gelsemium's DLLs loaded by a signed
# process are tests/telemetry's side_loaded case; WindTail's traits are a
# revoked certificate (here one of the deny-list, on a PE file) and an
# incompletely signed app bundle (MACHO_FIXTURE_DIR/bundles).
# usage: test_procedures.sh SIGTRACE FIXTURE_DIR PKI_DIR [MACHO_FIXTURE_DIR]
set -uo pipefail
st=$1 fix=$2 pki=$3 mfix=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS procedures: $1"; passed=$((passed + 1));
	else echo "FAIL procedures: $1"; failed=$((failed + 1)); fi
}
"$st" explain >"$tmp/card" 2>&1
check "sigtrace explain prints the technique card" $?

# procedure, fixture, reason codes it must carry, extra options
while IFS='|' read -r proc file codes extra; do
	[ -n "$proc" ] || continue
	root=$pki/root.pem dir=$fix
	case $file in bundles/*)
		[ -n "$mfix" ] || continue
		root=$pki/apple-root.pem dir=$mfix ;;
	esac
	# shellcheck disable=SC2086
	"$st" verify --format ndjson --trust "$root" --at 2025-06-01T00:00:00Z $extra "$dir/$file" \
		>"$tmp/rec" 2>/dev/null
	python3 - "$tmp/rec" "$tmp/card" "$proc" "$codes" <<'PY'
import json, sys
rec = json.loads(open(sys.argv[1]).readline())
card = open(sys.argv[2]).read().split("\n")
proc, codes = sys.argv[3], sys.argv[4].split(",")
got = [r["code"] for r in rec["sigtrace"]["reasons"]]
t = rec.get("threat", {})
# The card's entry: the line naming the procedure, then its reasons line
# (the description may wrap in between).
entry = next((i for i, l in enumerate(card) if (" %s " % proc) in l), None)
after = [l for l in card[entry + 1:] if "reasons:" in l] if entry is not None else []
listed = after[0].split("reasons:")[1].strip().split(",") if after else []
ok = (all(c in got for c in codes) and rec["sigtrace"]["verdict"] in ("invalid", "untrusted")
      and t.get("technique", {}).get("id") == ["T1036"]
      and t.get("technique", {}).get("subtechnique", {}).get("id") == ["T1036.001"]
      and t.get("tactic", {}).get("id") == ["TA0005"]
      and all(c in listed for c in codes))
if not ok:
    print("got", got, "listed", listed, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
	check "$proc: $file gives $codes, the T1036/T1036.001 fields, and explain lists them" $?
done <<EOF2
Regin|ms-impostor.dll|untrusted_root,publisher_impersonation|
Regin|regin-broadcom.exe|untrusted_root,publisher_impersonation|
APT37|apt37-tencent.exe|untrusted_root,publisher_impersonation|
Windshift|revoked.exe|revoked|--crl $pki/inter-crl.pem
WindTail|nv-leaked.exe|revoked|
WindTail|bundles/bundle-windtail.app|unsealed_resource|
BADNEWS|attack-code-byte.dll|digest_mismatch|
NETWIRE|selfsigned.dll|self_signed|
NETWIRE|ms-impostor.dll|publisher_impersonation|
PcShare|expired.dll|cert_expired|
SigThief|attack-sigthief.dll|digest_mismatch|
MetaTwin|attack-sigthief.dll|digest_mismatch,metadata_mismatch|
EOF2

# Every code the card names exists: a reason of the registry, or a finding
# of outliers (docs/outliers.md) or executed (docs/telemetry.md).
top=$(cd "$(dirname "$0")/../.." && pwd)
missing=""
for c in $(grep -oE '(reasons|outliers and executed): [a-z_,]+' "$tmp/card" | cut -d: -f2 | tr ',' '\n' | sort -u); do
	"$st" explain "$c" >/dev/null 2>&1 || grep -q "\`$c\`" "$top/docs/outliers.md" "$top/docs/telemetry.md" ||
		missing="$missing $c"
done
[ -z "$missing" ]
check "every code of the card is a reason or a documented finding${missing:+ (unknown:$missing)}" $?
"$st" explain digest_mismatch >"$tmp/one" 2>&1 && grep -q "^What to do: Tampered file" "$tmp/one" &&
	grep -q "procedure examples it catches: .*BADNEWS" "$tmp/one"
check "explain REASON: the meaning and action of docs/reasons.md and the procedures it catches" $?
"$st" explain host_root >"$tmp/hr" 2>&1 && grep -q "^Also ATT&CK T1553.004 Install Root Certificate" "$tmp/hr" &&
	grep -A1 "^Neighbouring techniques" "$tmp/card" | grep -q "host_root .*T1553.004"
check "explain: a neighbouring technique (host_root: T1553.004) on the card and on its reason" $?
"$st" explain no_such_reason >/dev/null 2>&1
[ $? -eq 64 ]
check "explain of an unknown code is a usage error" $?
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
