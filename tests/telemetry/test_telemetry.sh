#!/usr/bin/env bash
# Execution telemetry on real Windows event logs (../shared/samples/evtx,
# described in its README): `sigtrace ingest` counts and fields, ingesting
# again adds nothing, and `sigtrace executed` joins the logged images with
# fixtures placed at the logged paths in a scanned tree.
# usage: test_telemetry.sh SIGTRACE FIXTURE_DIR PKI_DIR EVTX_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3 logs=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS telemetry: $1"; passed=$((passed + 1));
	else echo "FAIL telemetry: $1"; failed=$((failed + 1)); fi
}
q() { python3 -c "import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print('' if r is None or r[0] is None else r[0])" "$@"; }
db=$tmp/inv.db

# Counts by event ID as the logs' README gives them.
"$st" ingest --db "$db" "$logs/sysmon-process-creation.evtx" >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "358 records, 227 execution events, 131 other events, 0 unreadable" "$tmp/out" &&
	[ "$(q "$db" "select count(*) from executions where source = 'sysmon' and event_id = 1")" -eq 227 ]
check "Sysmon process creations: 227 of 358 records taken, the rest counted" $?
"$st" ingest --db "$db" "$logs/sysmon-7-dll-hijack.evtx" "$logs/sysmon-7-1-11-sideloading.evtx" \
	"$logs/sysmon-6-7-vulnerable-driver.evtx" >"$tmp/out" 2>&1
[ "$(q "$db" "select count(*) from executions where log like '%dll-hijack%' and event_id = 7")" -eq 40 ] &&
	[ "$(q "$db" "select count(*) from executions where log like '%dll-hijack%' and event_id = 1")" -eq 23 ] &&
	[ "$(q "$db" "select count(*) from executions where log like '%sideloading%'")" -eq 4 ] &&
	[ "$(q "$db" "select count(*) from executions where kind = 'driver_load'")" -eq 1 ]
check "image loads (40 + 1), driver loads (1) and process creations of the other Sysmon logs" $?

# One named event, field by field: the side-loading log's calculator start.
[ "$(q "$db" "select image || '|' || user_name || '|' || sha256 || '|' || time || '|' || host from executions where record = 419625")" = \
  'C:\Program Files\WindowsApps\Microsoft.WindowsCalculator_10.2008.2.0_x64__8wekyb3d8bbwe\Calculator.exe|MSEDGEWIN10\IEUser|06033f4b545583d88e1f6924776124d9aad4e0304de803b33355fb41bac8e48e|2020-10-17T16:27:08Z|MSEDGEWIN10' ] &&
	[ "$(q "$db" "select process_image || '|' || signed || '|' || signature_status || '|' || image_key from executions where image like '%wwlib.dll'")" = \
	  'C:\ProgramData\Intel\CV.exe|0|Unavailable|programdata/intel/wwlib.dll' ] &&
	[ "$(q "$db" "select signature || '|' || signature_status || '|' || signed from executions where kind = 'driver_load'")" = 'innotek GmbH|Valid|1' ]
check "fields of named events: image, user, SHA-256, time, host; Windows' judgement of a load; a driver's signer" $?

before=$(q "$db" "select count(*) from executions")
"$st" ingest --db "$db" "$logs/sysmon-process-creation.evtx" "$logs/sysmon-7-dll-hijack.evtx" >/dev/null 2>&1
[ "$(q "$db" "select count(*) from executions")" -eq "$before" ]
check "ingesting a log again adds nothing ($before events)" $?

"$st" ingest --db "$db" "$logs/capi2-operational.evtx" "$logs/security-4826-testsigning.evtx" >"$tmp/out" 2>&1
rc=$?
grep -q "security-4826-testsigning.evtx: 6 records, 0 execution events, 6 other events" "$tmp/out" &&
	grep -q "capi2-operational.evtx: 340 records, 8 execution events, 329 other events, 3 unreadable" "$tmp/out" &&
	[ $rc -eq 2 ] && [ "$(q "$db" "select count(*) from executions")" -eq $((before + 8)) ]
check "a log without execution events is counted; CAPI2's 8 WinVerifyTrust results taken; unreadable records reported (exit 2)" $?
[ "$(q "$db" "select kind || '|' || image || '|' || process_image || '|' || signed || '|' || signature_status || '|' || time || '|' || host from executions where source = 'capi2' and record = 232")" = \
  'trust_check|C:\9c456c06d3204f0aa7f47418cd\SetupUtility.exe|Setup.exe|1|Valid|2018-07-12T10:00:33Z|WIN-M5327EF98B9' ]
check "CAPI2 81, field by field: the file WinVerifyTrust checked, the program that asked, the result" $?

"$st" ingest --db "$db" "$fix/sha256.dll" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "not a Windows event log" "$tmp/err"
check "a file that is not an event log: an error, exit 2" $?
head -c 70000 "$logs/sysmon-process-creation.evtx" >"$tmp/cut.evtx"
"$st" ingest --db "$tmp/cut.db" "$tmp/cut.evtx" >"$tmp/out" 2>&1
rc=$?
[ $rc -le 2 ] && [ "$(q "$tmp/cut.db" "select count(*) from executions")" -gt 0 ] &&
	[ "$(q "$tmp/cut.db" "select count(*) from executions")" -lt 227 ]
check "a log cut short: what can be read is taken (exit $rc)" $?

# The join. Fixtures at logged paths in a tree scanned into the same
# inventory: an invalid file where PING.EXE ran 131 times, a valid one where
# rundll32.exe ran, an unsigned DLL where wwlib.dll was side-loaded from
# ProgramData, an invalid one where Windows loaded a Valid taskschd.dll, an
# invalid one where WinVerifyTrust found SetupUtility.exe valid (CAPI2).
vol=$tmp/vol
mkdir -p "$vol/Windows/SysWOW64" "$vol/Windows/System32" "$vol/ProgramData/Intel" "$vol/9c456c06d3204f0aa7f47418cd"
cp "$fix/attack-sigthief.dll" "$vol/Windows/SysWOW64/PING.EXE"
cp "$fix/sha256.dll" "$vol/Windows/System32/rundll32.exe"
cp "$fix/unsigned.dll" "$vol/ProgramData/Intel/wwlib.dll"
cp "$fix/attack-code-byte.dll" "$vol/Windows/System32/taskschd.dll"
cp "$fix/attack-signature-byte.dll" "$vol/9c456c06d3204f0aa7f47418cd/SetupUtility.exe"
"$st" scan -q --db "$db" "${common[@]}" "$vol" >/dev/null 2>&1
"$st" executed --db "$db" --format ndjson >"$tmp/exec.ndjson" 2>"$tmp/err"
rc=$?
python3 - "$tmp/exec.ndjson" "$vol" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["process"]["executable"]: r for r in rows}
def ok(name, cond):
    print(("PASS" if cond else "FAIL") + " telemetry: " + name)
ping = by.get("C:\\Windows\\SysWOW64\\PING.EXE", {})
st = ping.get("sigtrace", {})
ok("executed: an invalid file that ran 131 times, matched by path, with its parent and user",
   st.get("verdict") == "invalid" and st.get("score") == 100 and st.get("executed", {}).get("count") == 131
   and st.get("matched_by") == "path" and "hash_differs" in st.get("flags", "")
   and ping["file"]["path"] == sys.argv[2] + "/Windows/SysWOW64/PING.EXE"
   and "C:\\Windows\\SysWOW64\\cmd.exe" in st["executed"]["parents"] and "NT AUTHORITY\\SYSTEM" in ping["user"]["name"])
ww = by.get("C:\\ProgramData\\Intel\\wwlib.dll", {}).get("sigtrace", {})
ok("executed: an unsigned DLL loaded from ProgramData by another program is side_loaded",
   ww.get("finding") == "side_loaded" and ww.get("verdict") == "unsigned" and ww.get("score") == 90
   and ww["executed"]["loaded_by"] == ["C:\\ProgramData\\Intel\\CV.exe"])
ts = by.get("C:\\Windows\\System32\\taskschd.dll", {}).get("sigtrace", {})
ok("executed: Windows found the DLL Valid when it loaded, sigtrace finds the file there invalid: judgement_differs",
   "judgement_differs" in ts.get("flags", "") and ts.get("verdict") == "invalid"
   and ts["executed"].get("windows_status") == "Valid")
rd = by.get("C:\\Windows\\System32\\rundll32.exe", {}).get("sigtrace", {})
ok("executed: a valid file at the path of a program that ran, but not the file that ran: hash_differs",
   rd.get("verdict") == "valid" and rd.get("score") == 60 and rd.get("flags") == "hash_differs")
hj = by.get("C:\\Windows\\System32\\WindowsCoreDeviceInfo.dll", {}).get("sigtrace", {})
ok("executed: a DLL Windows loaded unsigned and not in the evidence: loaded_unsigned",
   hj.get("finding") == "loaded_unsigned" and "not_in_evidence" in hj.get("flags", ""))
su = by.get("C:\\9c456c06d3204f0aa7f47418cd\\SetupUtility.exe", {}).get("sigtrace", {})
ok("executed: WinVerifyTrust found the file valid (CAPI2 81), sigtrace finds the file there invalid: judgement_differs",
   "judgement_differs" in su.get("flags", "") and su.get("verdict") == "invalid" and su["executed"]["kinds"] == "trust_check"
   and su["executed"]["windows_status"] == "Valid")
msu = by.get("C:\\70340c279e95140f69\\Windows6.1-KB958488-v6001-x64.msu", {}).get("sigtrace", {})
ok("executed: a file Windows only verified and that is gone is listed, not scored",
   msu.get("score") == 0 and msu.get("flags") == "not_in_evidence")
vb = by.get("C:\\Windows\\System32\\drivers\\VBoxDrv.sys", {}).get("sigtrace", {})
ok("executed: the Turla Driver Loader's VBoxDrv.sys load (Sysmon 6) is a listed vulnerable driver (T1068), though gone and Valid to Windows",
   vb.get("finding") == "vulnerable_driver" and vb.get("score") == 90 and "not_in_evidence" in vb.get("flags", "")
   and "CVE-2008-3431" in vb.get("vulnerable_driver", {}).get("why", ""))
ok("executed: strongest first", [r["sigtrace"]["score"] for r in rows] == sorted((r["sigtrace"]["score"] for r in rows), reverse=True))
PY
[ $rc -eq 1 ]
check "executed exits 1 when an executed file has a finding" $?

# A logged hash that matches a recorded file elsewhere: the file that ran
# is found by its content, not its path.
sha=$(q "$db" "select sha256 from files where path like '%/rundll32.exe'")
python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute(\"insert into executions (host, source, event_id, record, time, kind, image, image_key, sha256) values ('WS', 'sysmon', 1, 1, '2025-01-01T00:00:00Z', 'process', 'D:\\\\tools\\\\renamed.exe', 'tools/renamed.exe', ?)\", (sys.argv[2],)); d.commit()" "$db" "$sha"
"$st" executed --db "$db" --format ndjson >"$tmp/exec2.ndjson"
python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "renamed.exe" in l][0]["sigtrace"]
sys.exit(not (r["matched_by"] == "sha256" and r["verdict"] == "valid"))' "$tmp/exec2.ndjson"
check "executed: matched by the logged SHA-256 when the path differs" $?
"$st" executed --db "$db" >"$tmp/text" 2>&1
grep -q "side_loaded .*wwlib.dll" "$tmp/text" && grep -q "loaded by C:.ProgramData.Intel.CV.exe" "$tmp/text"
check "executed: the text report names the finding and the loading process" $?

# NDJSON as Winlogbeat (Sysmon EventData kept in winlog.event_data) and
# Elastic Agent (ECS fields only) ship it: a process start whose logged
# hash is the fixture at vol/Windows/System32/taskschd.dll, a library load
# from ProgramData, a record that is not an execution, a broken line.
tsha=$(q "$db" "select sha256 from files where path like '%/taskschd.dll'")
python3 - "$tmp/ship.ndjson" "$tsha" <<'PY'
import json, sys
out, sha = sys.argv[1], sys.argv[2]
lines = [
    {"@timestamp": "2025-06-01T10:00:00.5Z", "host": {"name": "ws07"},
     "winlog": {"provider_name": "Microsoft-Windows-Sysmon", "event_id": 1, "record_id": 77,
                "event_data": {"Image": "C:\\Tools\\sched.exe", "CommandLine": "sched.exe -run",
                               "ParentImage": "C:\\Windows\\System32\\services.exe", "User": "EXAMPLE\\dave",
                               "Hashes": "SHA256=" + sha.upper()}}},
    {"@timestamp": "2025-06-01T10:00:01Z", "event": {"category": ["library"], "type": ["start"]},
     "host": {"name": "ws07"}, "process": {"executable": "C:\\Program Files\\App\\app.exe"},
     "dll": {"path": "C:\\ProgramData\\App\\helper.dll", "hash": {"sha256": "ff" * 32},
             "code_signature": {"exists": False, "status": "errorUntrustedRoot"}},
     "user": {"name": "dave", "domain": "EXAMPLE"}},
    {"@timestamp": "2025-06-01T10:00:02Z", "event": {"category": ["network"]}, "host": {"name": "ws07"}},
]
with open(out, "w") as f:
    for l in lines:
        f.write(json.dumps(l) + "\n")
    f.write('{"truncated":\n')
PY
"$st" ingest --db "$db" "$tmp/ship.ndjson" >"$tmp/out" 2>&1
rc=$?
grep -q "4 records, 2 execution events, 1 other events, 1 unreadable" "$tmp/out" && [ $rc -eq 2 ] &&
	[ "$(q "$db" "select source || '|' || event_id || '|' || record || '|' || user_name || '|' || parent_image from executions where host = 'ws07' and kind = 'process'")" = \
	  'sysmon|1|77|EXAMPLE\dave|C:\Windows\System32\services.exe' ] &&
	[ "$(q "$db" "select source || '|' || process_image || '|' || signed || '|' || signature_status from executions where host = 'ws07' and kind = 'image_load'")" = \
	  'ecs|C:\Program Files\App\app.exe|0|errorUntrustedRoot' ]
check "NDJSON from Winlogbeat (EventData) and Elastic Agent (ECS): events and fields; other and broken lines counted" $?
"$st" ingest --db "$db" "$tmp/ship.ndjson" >/dev/null 2>&1
[ "$(q "$db" "select count(*) from executions where host = 'ws07'")" -eq 2 ]
check "NDJSON ingested again adds nothing (lines without a record number keyed by their hash)" $?
"$st" executed --db "$db" --format ndjson >"$tmp/exec3.ndjson"
python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "sched.exe" in l][0]
s = r["sigtrace"]
sys.exit(not (s["matched_by"] == "sha256" and s["verdict"] == "invalid" and r["file"]["path"].endswith("/taskschd.dll")))' "$tmp/exec3.ndjson"
check "executed: a shipped process start matched to the recorded file by its logged hash" $?

# Logs that name files by SHA-1 or MD5 (Sysmon's HashAlgorithms): the
# files' SHA-1 and MD5 are recorded with --legacy-hashes and the join uses
# them, wherever the file now lies.
lv=$tmp/legacy
mkdir -p "$lv/Tools"
cp "$fix/attack-code-byte.dll" "$lv/Tools/a.dll"
cp "$fix/sha256.dll" "$lv/Tools/b.dll"
"$st" scan -q --db "$tmp/legacy.db" --legacy-hashes --format ndjson "${common[@]}" "$lv" >"$tmp/legacy.ndjson" 2>/dev/null
"$st" verify --format ndjson "${common[@]}" "$lv/Tools/b.dll" >"$tmp/nolegacy.ndjson" 2>/dev/null
sha1a=$(sha1sum "$lv/Tools/a.dll" | cut -d' ' -f1) md5b=$(md5sum "$lv/Tools/b.dll" | cut -d' ' -f1)
python3 - "$tmp/legacy.ndjson" "$tmp/nolegacy.ndjson" "$sha1a" "$md5b" <<'PY'
import json, sys
recs = {json.loads(l)["file"]["name"]: json.loads(l)["file"]["hash"] for l in open(sys.argv[1])}
plain = json.loads(open(sys.argv[2]).readline())["file"]["hash"]
sys.exit(not (recs["a.dll"]["sha1"] == sys.argv[3] and recs["b.dll"]["md5"] == sys.argv[4]
              and "sha256" in recs["a.dll"] and set(plain) == {"sha256"}))
PY
check "--legacy-hashes: file.hash.sha1 and .md5 as sha1sum and md5sum give them; absent without it" $?
printf '%s\n' \
  '{"@timestamp":"2025-06-01T11:00:00Z","host":{"name":"ws08"},"winlog":{"provider_name":"Microsoft-Windows-Sysmon","event_id":1,"record_id":901,"event_data":{"Image":"C:\\Temp\\x1.exe","Hashes":"SHA1='"$sha1a"'"}}}' \
  '{"@timestamp":"2025-06-01T11:00:01Z","host":{"name":"ws08"},"winlog":{"provider_name":"Microsoft-Windows-Sysmon","event_id":1,"record_id":902,"event_data":{"Image":"C:\\Temp\\x2.exe","Hashes":"MD5='"$md5b"'"}}}' \
  >"$tmp/legacy-log.ndjson"
"$st" ingest --db "$tmp/legacy.db" "$tmp/legacy-log.ndjson" >/dev/null 2>&1
"$st" executed --db "$tmp/legacy.db" --format ndjson >"$tmp/legacy-exec" 2>/dev/null
python3 - "$tmp/legacy-exec" "$lv" <<'PY'
import json, sys
rows = {r["process"]["executable"]: r for r in map(json.loads, open(sys.argv[1]))}
x1, x2 = rows["C:\\Temp\\x1.exe"], rows["C:\\Temp\\x2.exe"]
sys.exit(not (x1["sigtrace"]["matched_by"] == "sha1" and x1["file"]["path"] == sys.argv[2] + "/Tools/a.dll"
              and x1["sigtrace"]["verdict"] == "invalid" and x2["sigtrace"]["matched_by"] == "md5"
              and x2["file"]["path"] == sys.argv[2] + "/Tools/b.dll"))
PY
check "executed: programs logged by SHA-1 only and by MD5 only matched to the files recorded with --legacy-hashes" $?

# Logs inside the evidence: an ext4 image (mke2fs -d) holding the
# side-loading log where Windows keeps it and the side-loaded DLL. scan --db
# finds and ingests the log; ingest reads an image, an archive and a
# folder for their *.evtx files.
it=$tmp/imgtree
mkdir -p "$it/Windows/System32/winevt/Logs" "$it/ProgramData/Intel"
cp "$logs/sysmon-7-1-11-sideloading.evtx" "$it/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx"
cp "$fix/unsigned.dll" "$it/ProgramData/Intel/wwlib.dll"
mke2fs -q -F -t ext4 -d "$it" "$tmp/host.img" 16M >/dev/null 2>&1
"$st" scan --db "$tmp/img.db" "${common[@]}" "$tmp/host.img" >/dev/null 2>"$tmp/err"
grep -q "1 event log found inside the evidence, ingested" "$tmp/err" &&
	[ "$(q "$tmp/img.db" "select count(*) from executions where log = '$tmp/host.img//Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx'")" -eq 4 ]
check "scan --db of a disk image ingests the event log inside it, named by its path in the image" $?
"$st" executed --db "$tmp/img.db" --format ndjson >"$tmp/img-exec" 2>/dev/null
python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "wwlib.dll" in l][0]
sys.exit(not (r["sigtrace"]["finding"] == "side_loaded" and r["file"]["path"] == sys.argv[2] + "//ProgramData/Intel/wwlib.dll"))' "$tmp/img-exec" "$tmp/host.img"
check "executed: the side-loaded DLL inside the image, joined with the log found beside it" $?
tar -C "$it" -czf "$tmp/logs.tgz" Windows
"$st" ingest --db "$tmp/img2.db" "$tmp/host.img" "$tmp/logs.tgz" "$it" >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(grep -c ": 7 records, 4 execution events" "$tmp/out")" -eq 3 ] &&
	grep -q "^$tmp/logs.tgz//Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx: " "$tmp/out" &&
	grep -q "^$it/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx: " "$tmp/out" &&
	[ "$(q "$tmp/img2.db" "select count(*) from executions")" -eq 4 ]
check "ingest of a disk image, an archive and a folder reads the event logs inside each" $?
"$st" ingest --db "$tmp/img3.db" "$fix" >"$tmp/out" 2>&1
rc=$?
"$st" ingest --db "$tmp/img3.db" "$fix/sha256.dll" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "no event log (.evtx) inside" "$tmp/err" && [ $rc -eq 0 ] && [ ! -s "$tmp/out" ]
check "ingest of a file with no log inside is an error (exit 2); a folder without logs adds nothing" $?

# outliers: a finding on a file that ran ranks above the same finding at
# rest (+10), and says so.
"$st" scan -q --db "$tmp/rest.db" "${common[@]}" "$vol" >/dev/null 2>&1
"$st" outliers --db "$tmp/rest.db" --min-score 0 --format ndjson >"$tmp/o-rest" 2>/dev/null
"$st" outliers --db "$db" --min-score 0 --format ndjson >"$tmp/o-ran" 2>/dev/null
python3 - "$tmp/o-rest" "$tmp/o-ran" <<'PY'
import json, sys
def claims(f):
    for l in open(f):
        r = json.loads(l)
        if r["sigtrace"]["finding"] == "metadata_mismatch" and any(p.endswith("/PING.EXE") for p in r["file"]["path"]):
            return r["sigtrace"]
rest, ran = claims(sys.argv[1]), claims(sys.argv[2])
sys.exit(not (rest and ran and ran["score"] == rest["score"] + 10 and "it ran (131 logged executions" in ran["evidence"]
              and "it ran" not in rest["evidence"]))
PY
check "outliers: the same finding scores 10 more on a file that ran, and says so" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
