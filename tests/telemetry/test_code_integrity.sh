#!/usr/bin/env bash
# Code Integrity's events (Microsoft-Windows-CodeIntegrity/Operational) as
# Winlogbeat ships them: 3076 (audit: loaded), 3033 and 3077 (blocked), each
# followed by its 3089 (the signer, joined by the correlation ActivityID),
# read by `sigtrace ingest` and joined by `sigtrace executed` with fixtures
# placed at the logged paths. The names and values follow Code Integrity's
# manifest (docs/telemetry.md); no real log of these events is at hand.
# usage: test_code_integrity.sh SIGTRACE FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
# shellcheck source=../check.sh
. "$(dirname "$0")/../check.sh" code-integrity
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)
db=$tmp/inv.db

# The evidence: a tampered driver where Code Integrity audited a load, a
# valid DLL where it blocked one (a signing-level matter, not a broken
# signature).
vol=$tmp/vol
mkdir -p "$vol/Windows/System32/drivers" "$vol/Users/alice/AppData/Local/App"
cp "$fix/attack-code-byte.dll" "$vol/Windows/System32/drivers/evil.sys"
cp "$fix/sha256.dll" "$vol/Users/alice/AppData/Local/App/hook.dll"
"$st" scan -q --db "$db" "${common[@]}" "$vol" >/dev/null 2>&1
evil=$(sha256sum "$vol/Windows/System32/drivers/evil.sys" | cut -d' ' -f1)

python3 - "$tmp/ci.ndjson" "$evil" <<'PY'
import json, sys
out, evil = sys.argv[1], sys.argv[2]
def ev(eid, rec, act, data):
    return {"@timestamp": "2025-06-01T09:00:%02dZ" % (rec % 60), "host": {"name": "ws09"},
            "winlog": {"provider_name": "Microsoft-Windows-CodeIntegrity", "event_id": eid, "record_id": rec,
                       "activity_id": act, "channel": "Microsoft-Windows-CodeIntegrity/Operational",
                       "event_data": data}}
def sig(rec, act, publisher, sigtype="1"):
    return ev(3089, rec, act, {"TotalSignatureCount": "1", "Signature": "0", "SignatureType": sigtype,
                               "ValidatedSigningLevel": "4", "PublisherName": publisher,
                               "IssuerName": "Example Issuing CA"})
lines = [
    ev(3076, 10, "{AAAAAAAA-0000-0000-0000-000000000001}",
       {"File Name": "\\Device\\HarddiskVolume3\\Windows\\System32\\drivers\\evil.sys", "Process Name": "System",
        "Requested Signing Level": "12", "Validated Signing Level": "1", "Status": "0xc0000428",
        "SHA256 Hash": "11" * 32, "SHA256 Flat Hash": evil.upper(), "SHA1 Flat Hash": "22" * 20,
        "PolicyName": "Example Driver Policy"}),
    sig(11, "{BBBBBBBB-0000-0000-0000-000000000009}", "Unrelated Publisher"),
    sig(12, "{AAAAAAAA-0000-0000-0000-000000000001}", "Contoso Drivers"),
    ev(3033, 13, "{CCCCCCCC-0000-0000-0000-000000000003}",
       {"FileNameBuffer": "\\Device\\HarddiskVolume3\\Users\\alice\\AppData\\Local\\App\\hook.dll",
        "ProcessNameBuffer": "\\Device\\HarddiskVolume3\\Program Files\\Vendor\\host.exe",
        "RequestedPolicy": "8", "ValidatedPolicy": "4", "Status": "0xc0000428"}),
    sig(14, "{CCCCCCCC-0000-0000-0000-000000000003}", "Example Publisher"),
    ev(3077, 15, "{DDDDDDDD-0000-0000-0000-000000000004}",
       {"File Name": "\\Device\\HarddiskVolume3\\Users\\alice\\AppData\\Local\\Temp\\gone.dll",
        "Process Name": "\\Device\\HarddiskVolume3\\Windows\\explorer.exe", "Requested Signing Level": "8",
        "Validated Signing Level": "1", "SHA256 Flat Hash": "33" * 32, "PolicyName": "Example App Policy"}),
    sig(16, "{DDDDDDDD-0000-0000-0000-000000000004}", "", sigtype="0"),
]
with open(out, "w") as f:
    for l in lines:
        f.write(json.dumps(l) + "\n")
PY
"$st" ingest --db "$db" "$tmp/ci.ndjson" >"$tmp/out" 2>&1
rc=$?
grep -q "7 records, 3 execution events, 4 other events, 0 unreadable" "$tmp/out" && [ $rc -eq 0 ] &&
	[ "$(q "$db" "select source || '|' || kind || '|' || signature || '|' || signature_status || '|' || sha256 || '|' || sha1 from executions where image like '%evil.sys'")" = \
	  "codeintegrity|driver_load|Contoso Drivers|Code Integrity 3076: audit only, loaded: signing level 12 required, 1 validated; policy Example Driver Policy|$evil|$(printf '22%.0s' $(seq 20))" ] &&
	[ "$(q "$db" "select kind || '|' || process_image || '|' || signature || '|' || signature_status from executions where image like '%hook.dll'")" = \
	  'blocked_load|\Device\HarddiskVolume3\Program Files\Vendor\host.exe|Example Publisher|Code Integrity 3033: blocked: signing level 8 required, 4 validated' ] &&
	[ "$(q "$db" "select kind || '|' || signature from executions where image like '%gone.dll'")" = 'blocked_load|(unsigned)' ] &&
	[ "$(q "$db" "select count(*) from executions where signed is not null")" -eq 0 ]
check "3076, 3033 and 3077: image, process, flat hashes, levels and policy; the signer from the 3089 of the same ActivityID" $?

"$st" executed --db "$db" --format ndjson >"$tmp/exec.ndjson" 2>"$tmp/err"
rc=$?
python3 - "$tmp/exec.ndjson" <<'PY'
import json, sys
rows = {r["process"]["executable"].rsplit("\\", 1)[-1]: r["sigtrace"] for r in map(json.loads, open(sys.argv[1]))}
def ok(name, cond):
    print(("PASS" if cond else "FAIL") + " code-integrity: " + name)
e, h, g = rows.get("evil.sys", {}), rows.get("hook.dll", {}), rows.get("gone.dll", {})
ok("executed: an audited driver load of a tampered file, matched by the flat hash, with what Code Integrity said",
   e.get("verdict") == "invalid" and e.get("score") == 100 and e.get("matched_by") == "sha256"
   and "code_integrity" in e.get("flags", "") and e["executed"]["kinds"] == "driver_load"
   and e["executed"]["code_integrity"].endswith("; signer Contoso Drivers"))
ok("executed: a blocked load of a file sigtrace finds valid is listed, not scored (a signing-level matter)",
   h.get("verdict") == "valid" and h.get("score") == 0 and h.get("flags") == "code_integrity"
   and h["executed"]["kinds"] == "blocked_load")
ok("executed: a blocked load of a file not in the evidence: code_integrity",
   g.get("finding") == "code_integrity" and g.get("score") == 60 and "not_in_evidence" in g.get("flags", "")
   and g["executed"]["code_integrity"].endswith("signer (unsigned)"))
PY
[ $rc -eq 1 ]
check "executed exits 1 (an executed file with a finding)" $?
"$st" executed --db "$db" >"$tmp/text" 2>&1
grep -q "Code Integrity 3033: blocked: signing level 8 required, 4 validated; signer Example Publisher" "$tmp/text" &&
	grep -q "ran 1 time (blocked_load)" "$tmp/text"
check "executed: the text report gives Code Integrity's judgement and the signer it saw" $?

finish
