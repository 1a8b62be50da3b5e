#!/usr/bin/env bash
# `sigtrace outliers` on real software: the benign corpus (tests/benign:
# genuinely signed releases of 15 publishers) must stay quiet at the
# default threshold, and planted cases mixed into it must each be reported.
# usage: test_outliers.sh SIGTRACE FIXTURE_DIR PKI_DIR BENIGN_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3 benign=$4
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS outliers: $1"; passed=$((passed + 1));
	else echo "FAIL outliers: $1"; failed=$((failed + 1)); fi
}
at=2025-06-01T00:00:00Z

# ---- the benign corpus alone ---------------------------------------------------
"$st" scan -q --db "$tmp/benign.db" --at "$at" "$benign" >/dev/null 2>&1
"$st" outliers --db "$tmp/benign.db" --format ndjson >"$tmp/benign.ndjson"
# The share of its signed files with a finding at the default threshold.
read -r flagged signed < <(python3 - "$tmp/benign.ndjson" "$tmp/benign.db" <<'PY'
import json, sqlite3, sys
paths = set()
for line in open(sys.argv[1]):
    paths.update(json.loads(line)["file"]["path"])
db = sqlite3.connect(sys.argv[2])
signed = db.execute("SELECT count(DISTINCT file_id) FROM signatures WHERE signer_sha256 IS NOT NULL").fetchone()[0]
print(len(paths), signed)
PY
)
echo "outliers: benign corpus: $flagged of $signed signed files have a finding at the default threshold"
[ "$signed" -ge 300 ] && [ $((flagged * 100)) -le "$signed" ]
check "the benign corpus is quiet: at most 1% of its signed files have a finding ($flagged of $signed)" $?
"$st" outliers --db "$tmp/benign.db" --rates >"$tmp/rates.tsv"
grep -q "^one_off_signer	" "$tmp/rates.tsv"
check "--rates prints how common each trait is" $?

# ---- planted cases mixed into it --------------------------------------------------
c=$tmp/planted
mkdir -p "$c/mnt/Windows/System32"
cp "$fix/ms-impostor.dll" "$c/ms-impostor.dll"          # fake Microsoft chain
cp "$fix/sha256.dll" "$c/genuine.dll"                   # the SigThief source
cp "$fix/attack-sigthief.dll" "$c/sigthief.dll"         # its copied signature
cp "$fix/unsigned.dll" "$c/metatwin.dll"                # claims Microsoft, unsigned
cp "$fix/selfsigned-expired.dll" "$c/one-off.dll"       # a signer seen once, self-signed
cp "$fix/longlived.exe" "$c/longlived.exe"              # 99-year certificate
cp "$fix/selfsigned.dll" "$c/mnt/Windows/System32/svc.dll"  # self-signed in System32
cp "$fix/revoked.exe" "$c/revoked.exe"                  # in a CRL made at test time
cp "$fix/nv-leaked.exe" "$c/nv-leaked.exe"              # on the shipped deny-list
cp "$fix/dupkey-a.exe" "$c/dupkey-a.exe"                # one name, one issuer, two keys
cp "$fix/dupkey-b.exe" "$c/dupkey-b.exe"                #  (a vendor's concurrent certificates)
cp "$fix/twin.dll" "$c/twin.dll"                        # self-signed, named like genuine.dll's signer
cp "$fix/rekeyed.dll" "$c/rekeyed.dll"                  # the same name from another CA, at once

scan() { "$st" scan -q --db "$1" --trust "$pki/root.pem" --trust "$pki/otherroot.pem" \
	--crl "$pki/inter-crl.pem" --at "$at" "${@:2}" >/dev/null 2>&1; }
scan "$tmp/inv.db" "$benign" "$c"
# Part of the planted files again, as seen from a second host (its own UTS
# namespace): the 99-year signer's files then sit on one host of two.
if unshare --uts true 2>/dev/null; then
	mkdir -p "$tmp/hostb" && cp "$fix/pe32-x86.exe" "$tmp/hostb/tool.exe"
	cp "$fix/longlived.exe" "$c/longlived-2.exe"
	scan "$tmp/inv.db" "$c/longlived-2.exe"
	unshare --uts sh -c 'hostname sigtrace-test-host-b && exec "$@"' sh \
		"$st" scan -q --db "$tmp/inv.db" --trust "$pki/root.pem" --at "$at" "$tmp/hostb" >/dev/null 2>&1
	two_hosts=1
fi
"$st" outliers --db "$tmp/inv.db" --format ndjson >"$tmp/out.ndjson"
rc=$?
[ $rc -eq 1 ]; check "findings exit 1" $?
has() { # path-suffix code
	python3 - "$tmp/out.ndjson" "$1" "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(any(p.endswith(sys.argv[2]) for p in r["file"]["path"]) and r["sigtrace"]["finding"] == sys.argv[3]
                  for r in recs) else 1)
PY
}
has /ms-impostor.dll publisher_impersonation; check "Microsoft impostor: publisher_impersonation" $?
has /sigthief.dll signature_transplanted; check "copied signature: signature_transplanted" $?
grep '"signature_transplanted"' "$tmp/out.ndjson" | grep -q 'belongs to .*/genuine.dll'
check "the copied signature's source file is named" $?
has /metatwin.dll metadata_mismatch; check "unsigned file claiming Microsoft: metadata_mismatch" $?
has /one-off.dll one_off_signer; check "a self-signed signer seen once: one_off_signer" $?
has /longlived.exe unusual_validity; check "99-year certificate: unusual_validity" $?
if [ "${two_hosts:-0}" = 1 ]; then
	"$st" outliers --db "$tmp/inv.db" --format ndjson --min-score 0 >"$tmp/all.ndjson"
	grep '"one_host_signer"' "$tmp/all.ndjson" | grep -q 'longlived'
	check "a signer seen on one host of two: one_host_signer (below the default threshold)" $?
fi
has /twin.dll subject_impostor_twin; check "a self-signed copy of a trusted signer's name: subject_impostor_twin" $?
has /rekeyed.dll subject_rekeyed; check "one name under two CA families at once: subject_rekeyed" $?
! grep -q 'dupkey' "$tmp/out.ndjson"; check "a vendor's concurrent certificates under one CA are not reported" $?
has /revoked.exe revoked; check "certificate in a CRL made at test time: revoked" $?
has /nv-leaked.exe revoked; check "certificate on the deny-list (leaked NVIDIA serial): revoked" $?
has Windows/System32/svc.dll untrusted_in_system_dir; check "self-signed file in System32: untrusted_in_system_dir" $?
# Nothing of the benign corpus beyond what it shows alone.
python3 - "$tmp/out.ndjson" "$benign" "$tmp/benign.ndjson" <<'PY'
import json, os, sys
benign_root = os.path.realpath(sys.argv[2])
alone = set()
for l in open(sys.argv[3]):
    alone.update(json.loads(l)["file"]["path"])
mixed = set()
for l in open(sys.argv[1]):
    mixed.update(p for p in json.loads(l)["file"]["path"] if p.startswith(benign_root))
sys.exit(0 if mixed <= alone else 1)
PY
check "the planted cases add no finding on the benign files" $?
# One record per group: the planted files' findings are few records, each
# with every path.
python3 - "$tmp/out.ndjson" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = all(isinstance(r["file"]["path"], list) and r["sigtrace"]["count"] == len(r["file"]["path"]) for r in recs)
keys = [(r["sigtrace"]["finding"], r["sigtrace"]["group_key"]) for r in recs]
sys.exit(0 if ok and len(keys) == len(set(keys)) else 1)
PY
check "NDJSON: one record per group, with the count and every path" $?
"$st" outliers --db "$tmp/inv.db" >"$tmp/out.txt"
head -1 "$tmp/out.txt" | grep -q "^100 " && grep -q "(2 files)\|(1 file)" "$tmp/out.txt"
check "text output: groups ranked by score, with their file counts" $?
"$st" outliers --db "$tmp/inv.db" --min-score 96 --format ndjson >"$tmp/high.ndjson"
! grep -q '"publisher_impersonation"' "$tmp/high.ndjson" && grep -q '"revoked"' "$tmp/high.ndjson"
check "--min-score hides what scores less" $?
"$st" outliers --db "$tmp/nonexistent.db" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ]; check "a missing inventory exits 2" $?
"$st" outliers --db "$tmp/inv.db" --min-score 101 >/dev/null 2>&1; rc=$?
[ $rc -eq 64 ]; check "a --min-score outside 0-100 is a usage error" $?
# --baseline: the same image is quiet; a clean image leaves what is new.
"$st" outliers --db "$tmp/inv.db" --baseline "$tmp/inv.db" >"$tmp/out.txt"; rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/out.txt" ]; check "--baseline of the same inventory: quiet, exit 0" $?
"$st" outliers --db "$tmp/inv.db" --baseline "$tmp/benign.db" --format ndjson >"$tmp/new.ndjson"
grep -q '/ms-impostor.dll' "$tmp/new.ndjson" && ! grep -q 'Update.com' "$tmp/new.ndjson"
check "--baseline of the clean corpus keeps the planted findings only" $?
# --allow: by signer thumbprint, file hash and path.
selfsigned=$(openssl x509 -in "$pki/selfexpired.pem" -outform DER | sha256sum | cut -d' ' -f1)
impostor=$(sha256sum "$c/ms-impostor.dll" | cut -d' ' -f1)
printf '# test allowlist\nthumbprint %s\nsha256 %s\npath %s\n' "$selfsigned" "$impostor" \
	"$(cd "$c" && pwd)/metatwin.dll" >"$tmp/allow.txt"
"$st" outliers --db "$tmp/inv.db" --allow "$tmp/allow.txt" --format ndjson >"$tmp/allowed.ndjson"
! grep -q 'one-off.dll\|ms-impostor.dll\|metatwin.dll' "$tmp/allowed.ndjson" &&
	grep -q '/sigthief.dll' "$tmp/allowed.ndjson"
check "--allow drops findings by signer thumbprint, file hash and path, keeps the rest" $?
# Paths are recorded canonically: the planted files scanned again through a
# relative and a dotted path add no row.
before=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from files').fetchone()[0])" "$tmp/inv.db")
(cd "$c/.." && scan "$tmp/inv.db" "./planted/../planted/")
after=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from files').fetchone()[0])" "$tmp/inv.db")
[ "$before" = "$after" ]; check "rescanning through a relative, dotted path records the same rows ($before)" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
