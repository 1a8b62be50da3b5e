#!/usr/bin/env bash
# Vulnerable signed kernel drivers (reason vulnerable_driver, ATT&CK T1068):
# a site's list added with --vulnerable-drivers names a validly signed test
# driver by its SHA-256; verify, scan --db and executed flag it, the
# verdict stays valid, the ATT&CK fields carry T1068 alone, explain names
# the neighbour. The built-in list is checked against a real log in
# tests/telemetry (the Turla Driver Loader's VBoxDrv.sys).
# usage: test_vulnerable_drivers.sh SIGTRACE FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
# shellcheck source=../check.sh
. "$(dirname "$0")/../check.sh" vulnerable-drivers
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)
mkdir -p "$tmp/Windows/System32/drivers"
drv=$tmp/Windows/System32/drivers/exio64.sys
cp "$fix/sha256.dll" "$drv"
sha=$(sha256sum "$drv" | cut -d' ' -f1)
{
	echo "# a site's list: sha256, file, product, flaw, source"
	echo "not a hash	ignored.sys"
	printf '%s\texio64.sys\tExample Hardware I/O driver 1.0\tarbitrary physical memory read and write\tsite advisory 7\n' "$sha"
} >"$tmp/list.tsv"

"$st" verify --format ndjson "${common[@]}" --vulnerable-drivers "$tmp/list.tsv" "$drv" >"$tmp/rec" 2>/dev/null
rc=$?
python3 - "$tmp/rec" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
s, t = r["sigtrace"], r.get("threat", {})
reasons = {x["code"]: x.get("detail", "") for x in s["reasons"]}
sys.exit(not (s["verdict"] == "valid" and "vulnerable_driver" in reasons
              and "exio64.sys, Example Hardware I/O driver 1.0: arbitrary physical memory read and write; listed by site advisory 7" == reasons["vulnerable_driver"]
              and t.get("technique", {}).get("id") == ["T1068"] and t["tactic"]["id"] == ["TA0004"]
              and "subtechnique" not in t["technique"] and r["event"]["kind"] == "alert"
              and r["file"]["code_signature"]["status"] == "trusted"))
PY
[ $? -eq 0 ] && [ $rc -eq 0 ]
check "a listed driver: vulnerable_driver with its flaw and list, verdict valid, ATT&CK T1068 (Privilege Escalation) alone" $?
"$st" verify --format ndjson "${common[@]}" "$drv" 2>/dev/null | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
sys.exit(not ("threat" not in r and not r["sigtrace"]["reasons"] and r["event"]["kind"] == "event"))'
check "the same driver without the list: no reason, no ATT&CK fields" $?
"$st" verify "${common[@]}" --vulnerable-drivers "$tmp/missing.tsv" "$drv" >/dev/null 2>"$tmp/err"
[ $? -eq 64 ] && grep -q "vulnerable-drivers $tmp/missing.tsv: cannot be read" "$tmp/err"
check "a list that cannot be read is a usage error (64)" $?

"$st" scan -q --db "$tmp/inv.db" "${common[@]}" --vulnerable-drivers "$tmp/list.tsv" "$tmp/Windows" >/dev/null 2>&1
[ "$(q "$tmp/inv.db" "select count(*) from reasons where code = 'vulnerable_driver'")" -eq 1 ]
check "scan --db records the reason in the inventory" $?
"$st" outliers --db "$tmp/inv.db" --format ndjson >"$tmp/o" 2>/dev/null
python3 -c '
import json, sys
r = [json.loads(l)["sigtrace"] for l in open(sys.argv[1])]
sys.exit(not any(x["finding"] == "vulnerable_driver" and x["score"] == 85 and "exio64.sys" in x["evidence"] for x in r))' "$tmp/o"
check "outliers: the listed driver at rest is evidence (85)" $?
printf '%s\n' '{"@timestamp":"2025-06-01T12:00:00Z","host":{"name":"ws11"},"winlog":{"provider_name":"Microsoft-Windows-Sysmon","event_id":6,"record_id":61,"event_data":{"ImageLoaded":"C:\\Windows\\System32\\drivers\\exio64.sys","Hashes":"SHA256='"$sha"'","Signed":"true","Signature":"sigtrace Test Code Signer","SignatureStatus":"Valid"}}}' >"$tmp/load.ndjson"
"$st" ingest --db "$tmp/inv.db" "$tmp/load.ndjson" >/dev/null 2>&1
"$st" executed --db "$tmp/inv.db" --format ndjson --vulnerable-drivers "$tmp/list.tsv" >"$tmp/exec" 2>/dev/null
rc=$?
python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())["sigtrace"]
sys.exit(not (r["finding"] == "vulnerable_driver" and r["score"] == 90 and r["verdict"] == "valid"
              and r["vulnerable_driver"]["name"] == "exio64.sys" and r["executed"]["kinds"] == "driver_load"))' "$tmp/exec"
[ $? -eq 0 ] && [ $rc -eq 1 ]
check "executed: a logged load of a listed driver ranks 90 (vulnerable_driver) though its signature is valid; exit 1" $?
# (Into files first: grep -q stopping early would cut explain's output,
# and pipefail would count the SIGPIPE.)
"$st" explain vulnerable_driver >"$tmp/explain-reason.txt" 2>&1
"$st" explain >"$tmp/explain-card.txt" 2>&1
grep -q "^Also ATT&CK T1068 Exploitation for Privilege Escalation" "$tmp/explain-reason.txt" &&
	grep -q "vulnerable_driver .*T1068" "$tmp/explain-card.txt"
check "explain names T1068 on the reason and on the card" $?

finish
