#!/usr/bin/env bash
# A Windows host's own trust from its registry hives (--host-trust, and
# found in a scanned Windows tree): Disallowed certificates revoke, roots the
# host added outside Microsoft's program are named (host_root), the root
# list the host downloaded applies. Hives are made by
# tests/e2e/tools/make-hive.py (an empty hive, then hivexsh).
# usage: test_host_trust.sh SIGTRACE FIXTURE_DIR PKI_DIR [TRUST_DIR]
set -uo pipefail
st=$1 fix=$2 pki=$3 shared=${4:-}
here=$(cd "$(dirname "$0")/../e2e/tools" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)
passed=0 failed=0
check() { # name, condition exit status
	if [ "$2" -eq 0 ]; then echo "PASS host-trust: $1"; passed=$((passed + 1));
	else echo "FAIL host-trust: $1"; failed=$((failed + 1)); fi
}
hive() { python3 "$here/make-hive.py" "$@" || echo "make-hive.py failed" >&2; }
# verdict and reason codes of a file: "verdict code,code"
vr() {
	"$st" verify --format ndjson "$@" 2>/dev/null | python3 -c 'import json,sys
r=json.loads(sys.stdin.readline())
print(r["sigtrace"]["verdict"], ",".join(x["code"] for x in r["sigtrace"]["reasons"]))'
}
detail() {
	"$st" verify --format ndjson "$@" 2>/dev/null | python3 -c 'import json,sys
r=json.loads(sys.stdin.readline())
print(" | ".join(x["detail"] for x in r["sigtrace"]["reasons"]))'
}
MS='Microsoft\SystemCertificates'

# The machine's SOFTWARE hive: a root the host added (otherroot), the test
# code signer in Disallowed.
hive "$tmp/SOFTWARE" --root-name 'CMI-CreateHive{199DAFC2-6F16-4946-BF90-5A3FC3A60902}' \
	--cert "$MS\\ROOT\\Certificates=$pki/otherroot.pem" \
	--cert "$MS\\Disallowed\\Certificates=$pki/leaf.pem"
case $(vr "${common[@]}" "$fix/rekeyed.dll") in
untrusted\ *untrusted_root*) true ;; *) false ;; esac
check "without the host's trust, a file under another root is untrusted_root only" $?
r=$(vr "${common[@]}" --host-trust "$tmp/SOFTWARE" "$fix/rekeyed.dll")
case $r in untrusted\ *host_root*) true ;; *) false ;; esac
check "a root the host added to its Root store is named: host_root ($r)" $?
d=$(detail "${common[@]}" --host-trust "$tmp/SOFTWARE" "$fix/rekeyed.dll")
grep -qF "which the host added to its Root store ($tmp/SOFTWARE)" <<<"$d"
check "host_root names the root, the store and the hive" $?
"$st" verify --format ndjson "${common[@]}" --host-trust "$tmp/SOFTWARE" "$fix/rekeyed.dll" 2>/dev/null | python3 -c '
import json, sys
t = json.loads(sys.stdin.readline())["threat"]
sys.exit(not (t["technique"]["id"] == ["T1036", "T1553"] and t["technique"]["subtechnique"]["id"] == ["T1036.001", "T1553.004"]
              and t["tactic"]["id"] == ["TA0005", "TA0112"] and t["tactic"]["name"] == ["Stealth", "Defense Impairment"]
              and t["technique"]["subtechnique"]["reference"][1] == "https://attack.mitre.org/techniques/T1553/004/"))'
check "host_root adds T1553.004 Install Root Certificate (Defense Impairment) to the ATT&CK fields" $?
"$st" verify --format ndjson "${common[@]}" "$fix/rekeyed.dll" 2>/dev/null | python3 -c '
import json, sys
t = json.loads(sys.stdin.readline())["threat"]
sys.exit(not (t["technique"]["id"] == ["T1036"] and t["tactic"]["id"] == ["TA0005"]))'
check "without host_root the finding maps to T1036.001 alone" $?
r=$(vr "${common[@]}" --host-trust "$tmp/SOFTWARE" "$fix/sha256.dll")
case $r in invalid\ *revoked*) true ;; *) false ;; esac
check "a certificate in the host's Disallowed store makes the file revoked ($r)" $?
d=$(detail "${common[@]}" --host-trust "$tmp/SOFTWARE" "$fix/sha256.dll")
grep -q "in the host's Disallowed store" <<<"$d"
check "the revocation names the host's Disallowed store" $?
[ "$(vr "${common[@]}" "$fix/sha256.dll")" = "valid " ] ||
	[ "$(vr "${common[@]}" "$fix/sha256.dll" | cut -d' ' -f1)" = valid ]
check "without --host-trust the same file is valid" $?
"$st" verify "${common[@]}" --host-trust "$tmp/SOFTWARE" "$fix/sha256.dll" 2>"$tmp/err" >/dev/null
grep -q "adds the root 'sigtrace Other Root CA'.*outside Microsoft's root program (T1553.004)" "$tmp/err"
check "the added root is reported on stderr (T1553.004)" $?

# A user's NTUSER.DAT and Group Policy stores.
hive "$tmp/NTUSER.DAT" --cert "Software\\$MS\\Disallowed\\Certificates=$pki/leaf.pem"
r=$(vr "${common[@]}" --host-trust "$tmp/NTUSER.DAT" "$fix/sha256.dll")
case $r in invalid\ *revoked*) true ;; *) false ;; esac
check "a user's Disallowed store (NTUSER.DAT) revokes too ($r)" $?
hive "$tmp/SOFTWARE-gpo" --cert "Policies\\$MS\\Root\\Certificates=$pki/otherroot.pem"
d=$(detail "${common[@]}" --host-trust "$tmp/SOFTWARE-gpo" "$fix/rekeyed.dll")
grep -q "Policy/Root store" <<<"$d"
check "a Group Policy Root store is read (Policy/Root)" $?

# The root list the host last downloaded (AuthRoot\AutoUpdate\EncodedCtl):
# a newer, validly signed one replaces the built-in list.
hive "$tmp/SOFTWARE-ctl" --binary "$MS\\AuthRoot\\AutoUpdate:EncodedCtl=$fix/ctl-disallowed-2025.stl"
r=$(vr "${common[@]}" --host-trust "$tmp/SOFTWARE-ctl" "$fix/sha256.dll")
case $r in untrusted\ *root_distrusted*) true ;; *) false ;; esac
check "the host's AuthRoot list applies (its root disallowed from 2025: $r)" $?
# A certificate put where the list belongs becomes no anchor.
hive "$tmp/SOFTWARE-fake" --binary "$MS\\AuthRoot\\AutoUpdate:EncodedCtl=$pki/otherroot.pem"
r=$(vr "${common[@]}" --host-trust "$tmp/SOFTWARE-fake" "$fix/rekeyed.dll")
case $r in untrusted\ *) true ;; *) false ;; esac
check "a certificate in EncodedCtl is not taken as an anchor ($r)" $?

# sigtrace trust lists the host's stores.
"$st" trust --format ndjson "${common[@]}" --host-trust "$tmp/SOFTWARE" >"$tmp/trust.json"
python3 -c 'import json,sys
h=[json.loads(l) for l in open(sys.argv[1]) if "host_store" in l]
s={(x["host_store"], x["subject"].split(",")[0], x["in_program"]) for x in h}
assert ("Root","CN=sigtrace Other Root CA",False) in s and ("Disallowed","CN=sigtrace Test Code Signer",False) in s, s' "$tmp/trust.json"
check "trust --host-trust lists each store's certificates" $?
if [ -n "$shared" ]; then
	hive "$tmp/SOFTWARE-ms" --cert "$MS\\AuthRoot\\Certificates=$shared/microsoft-root-certificate-authority-2011.pem"
	"$st" trust --host-trust "$tmp/SOFTWARE-ms" >"$tmp/trust.txt" 2>"$tmp/err"
	grep -q "host AuthRoot .*Microsoft Root Certificate Authority 2011" "$tmp/trust.txt" &&
		! grep "^host " "$tmp/trust.txt" | grep -q "outside program" && ! grep -q "T1553" "$tmp/err"
	check "a Microsoft program root in the host's AuthRoot store is not flagged" $?
fi

# A Windows tree: the hives are found and read by scan.
img=$tmp/img
mkdir -p "$img/Windows/System32/config" "$img/Users/bob" "$img/Windows/System32/drivers"
cp "$tmp/SOFTWARE" "$img/Windows/System32/config/SOFTWARE"
cp "$tmp/NTUSER.DAT" "$img/Users/bob/NTUSER.DAT"
cp "$fix/rekeyed.dll" "$img/Windows/System32/a.dll"
"$st" scan --format ndjson "${common[@]}" "$img" >"$tmp/scan.json" 2>"$tmp/err"
grep -q "host trust: 2 certificates and lists from $img/Windows/System32/config/SOFTWARE" "$tmp/err" &&
	grep -q "from $img/Users/bob/NTUSER.DAT" "$tmp/err" && grep -q host_root "$tmp/scan.json"
check "scan of a Windows tree reads SOFTWARE and each NTUSER.DAT" $?
"$st" scan --no-host-trust --format ndjson "${common[@]}" "$img" >"$tmp/scan2.json" 2>"$tmp/err2"
! grep -q host_root "$tmp/scan2.json" && ! grep -q "host trust" "$tmp/err2"
check "--no-host-trust: the hives are not read" $?

# Not a hive, and a hive cut short: refused, never a crash.
"$st" verify "${common[@]}" --host-trust "$fix/sha256.dll" "$fix/sha256.dll" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 64 ] && grep -q "not a readable registry hive" "$tmp/err"
check "--host-trust with a file that is not a hive is a usage error (64)" $?
head -c 5000 "$tmp/SOFTWARE" >"$tmp/cut"
"$st" verify "${common[@]}" --host-trust "$tmp/cut" "$fix/sha256.dll" >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] || [ $rc -eq 64 ]
check "a truncated hive is read as far as it goes or refused (exit $rc)" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
