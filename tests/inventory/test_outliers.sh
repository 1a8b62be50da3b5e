#!/usr/bin/env bash
# `sigtrace outliers`: a corpus of a few hundred normal signed files with
# planted outliers; each planted case must be reported with its reason, and
# no normal file may be.
# usage: test_outliers.sh SIGTRACE FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS outliers: $1"; passed=$((passed + 1));
	else echo "FAIL outliers: $1"; failed=$((failed + 1)); fi
}
c=$tmp/corpus
mkdir -p "$c/normal" "$c/planted" "$c/mnt/Windows/System32"
for i in $(seq 1 300); do cp "$fix/pe32-x86.exe" "$c/normal/tool$i.exe"; done
cp "$fix/ms-impostor.dll" "$c/planted/ms-impostor.dll"          # fake Microsoft chain
cp "$fix/sha256.dll" "$c/planted/genuine.dll"                   # the SigThief source
cp "$fix/attack-sigthief.dll" "$c/planted/sigthief.dll"         # its copied signature
cp "$fix/unsigned.dll" "$c/planted/metatwin.dll"                # claims Microsoft, unsigned
cp "$fix/selfsigned.dll" "$c/planted/one-off.dll"               # a signer seen once
cp "$fix/longlived.exe" "$c/planted/longlived.exe"              # 99-year certificate
cp "$fix/selfsigned.dll" "$c/mnt/Windows/System32/svc.dll"      # self-signed in System32
cp "$fix/revoked.exe" "$c/planted/revoked.exe"                  # in a CRL made at test time
cp "$fix/nv-leaked.exe" "$c/planted/nv-leaked.exe"              # on the shipped deny-list
cp "$fix/longlived.exe" "$c/planted/longlived-2.exe"            # its signer: on one host only
cp "$fix/dupkey-a.exe" "$c/planted/dupkey-a.exe"                # one name, one issuer,
cp "$fix/dupkey-b.exe" "$c/planted/dupkey-b.exe"                # two keys
"$st" scan -q --db "$tmp/inv.db" --no-default-trust --trust "$pki/root.pem" \
	--crl "$pki/inter-crl.pem" --at 2025-06-01T00:00:00Z "$c" >/dev/null 2>&1
# The normal files again, as seen from a second host (its own UTS namespace).
if unshare --uts true 2>/dev/null; then
	unshare --uts sh -c 'hostname sigtrace-test-host-b && exec "$@"' sh \
		"$st" scan -q --db "$tmp/inv.db" --no-default-trust --trust "$pki/root.pem" \
		--at 2025-06-01T00:00:00Z "$c/normal" >/dev/null 2>&1
	two_hosts=1
fi
"$st" outliers --db "$tmp/inv.db" --format ndjson >"$tmp/out.ndjson"
rc=$?
[ $rc -eq 1 ]; check "findings exit 1" $?
has() { # path-suffix code
	python3 - "$tmp/out.ndjson" "$1" "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if any(r["file"]["path"].endswith(sys.argv[2]) and r["sigtrace"]["finding"] == sys.argv[3]
                  for r in recs) else 1)
PY
}
has planted/ms-impostor.dll publisher_impersonation; check "Microsoft impostor: publisher_impersonation" $?
has planted/sigthief.dll signature_transplanted; check "copied signature: signature_transplanted" $?
grep '"signature_transplanted"' "$tmp/out.ndjson" | grep -q 'belongs to .*planted/genuine.dll'
check "the copied signature's source file is named" $?
has planted/metatwin.dll metadata_mismatch; check "unsigned file claiming Microsoft: metadata_mismatch" $?
has planted/longlived.exe unusual_validity; check "99-year certificate: unusual_validity" $?
if [ "${two_hosts:-0}" = 1 ]; then
	has planted/longlived-2.exe one_host_signer || has planted/longlived.exe one_host_signer
	check "a signer seen on one host of two: one_host_signer" $?
fi
has planted/dupkey-b.exe subject_multiple_keys; check "one signer name and issuer with two keys: subject_multiple_keys" $?
has planted/revoked.exe revoked; check "certificate in a CRL made at test time: revoked" $?
has planted/nv-leaked.exe revoked; check "certificate on the deny-list (leaked NVIDIA serial): revoked" $?
has Windows/System32/svc.dll untrusted_in_system_dir; check "self-signed file in System32: untrusted_in_system_dir" $?
grep -q '"sigtrace":{"finding":"one_off_signer"' "$tmp/out.ndjson" &&
	! grep '"one_off_signer"' "$tmp/out.ndjson" | grep -q '/normal/'
check "one-off signers reported, the common signer not" $?
! grep -q '/normal/' "$tmp/out.ndjson"; check "no finding names one of the 300 normal files" $?
"$st" outliers --db "$tmp/inv.db" >"$tmp/out.txt"
head -1 "$tmp/out.txt" | grep -q "^100 " && tail -2 "$tmp/out.txt" | head -1 | grep -q "^ 20 \|^ 30 \|^ 40 "
check "text output ranks by score (revoked and copied signatures first)" $?
"$st" outliers --db "$tmp/nonexistent.db" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ]; check "a missing inventory exits 2" $?
# --baseline: the same image is quiet; an image without the planted files
# leaves only what is new.
"$st" outliers --db "$tmp/inv.db" --baseline "$tmp/inv.db" >"$tmp/out.txt"; rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/out.txt" ]; check "--baseline of the same inventory: quiet, exit 0" $?
"$st" scan -q --db "$tmp/base.db" --no-default-trust --trust "$pki/root.pem" \
	--at 2025-06-01T00:00:00Z "$c/normal" >/dev/null 2>&1
"$st" outliers --db "$tmp/inv.db" --baseline "$tmp/base.db" --format ndjson >"$tmp/new.ndjson"
grep -q 'planted/ms-impostor.dll' "$tmp/new.ndjson" && ! grep -q '/normal/' "$tmp/new.ndjson"
check "--baseline of a clean image keeps the planted findings" $?
# --allow: by signer thumbprint, file hash and path.
selfsigned=$(openssl x509 -in "$pki/selfsigned.pem" -outform DER | sha256sum | cut -d' ' -f1)
impostor=$(sha256sum "$c/planted/ms-impostor.dll" | cut -d' ' -f1)
printf '# test allowlist\nthumbprint %s\nsha256 %s\npath %s\n' "$selfsigned" "$impostor" \
	"$c/planted/metatwin.dll" >"$tmp/allow.txt"
"$st" outliers --db "$tmp/inv.db" --allow "$tmp/allow.txt" --format ndjson >"$tmp/allowed.ndjson"
! grep -q 'one-off.dll\|System32/svc.dll\|ms-impostor.dll\|metatwin.dll' "$tmp/allowed.ndjson" &&
	grep -q 'planted/sigthief.dll' "$tmp/allowed.ndjson"
check "--allow drops findings by signer thumbprint, file hash and path, keeps the rest" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
