#!/usr/bin/env bash
# macOS execution telemetry: exec events as `eslogger exec` writes them (one
# JSON object per line, es_message_t's names), read by `sigtrace ingest` and
# joined by `sigtrace executed` to Mach-O files and bundles by the CDHash
# the kernel saw, wherever the file now lies.
# usage: test_eslogger.sh SIGTRACE MACHO_FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 mfix=$2 pki=$3
# shellcheck source=../check.sh
. "$(dirname "$0")/../check.sh" eslogger
common=(--no-default-trust --trust "$pki/apple-root.pem" --at 2025-06-01T00:00:00Z)
cdhash() {
	"$st" verify --format ndjson "${common[@]}" "$1" | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
print(r["sigtrace"]["signatures"][0]["properties"]["macho.cdhash"])'
}
db=$tmp/inv.db

# The evidence: a valid program, a valid app bundle, a tampered program.
vol=$tmp/vol
mkdir -p "$vol/Applications" "$vol/Users/bob/Downloads"
cp "$mfix/macho-devid.arm64" "$vol/Applications/hello"
cp -a "$mfix/bundles/bundle-devid.app" "$vol/Applications/Demo.app"
cp "$mfix/macho-attack-cd-ident.arm64" "$vol/Users/bob/Downloads/tool"
"$st" scan -q --db "$db" "${common[@]}" "$vol" >/dev/null 2>&1
hello=$(cdhash "$vol/Applications/hello") demo=$(cdhash "$vol/Applications/Demo.app")
tool=$(cdhash "$vol/Users/bob/Downloads/tool")

python3 - "$tmp/es.json" "$hello" "$demo" "$tool" <<'PY'
import json, sys
out, hello, demo, tool = sys.argv[1:5]
seq = [100]
def exec_(path, cdhash, flags, args, team="SIGTRACE42", signing_id="org.sigtrace.e2e.hello", platform=False):
    seq[0] += 1
    return {"schema_version": 1, "mach_time": 123456 + seq[0], "event_type": 9, "version": 7,
            "time": "2025-06-01T08:00:%02d.123456Z" % (seq[0] % 60), "seq_num": seq[0], "global_seq_num": seq[0],
            "process": {"executable": {"path": "/bin/zsh", "path_truncated": False},
                        "audit_token": {"pid": 400, "euid": 501}, "ppid": 399, "signing_id": "com.apple.zsh",
                        "team_id": None, "is_platform_binary": True},
            "event": {"exec": {"args": args, "cwd": {"path": "/Users/bob"}, "script": None,
                               "target": {"executable": {"path": path, "path_truncated": False},
                                          "cdhash": cdhash.upper(), "signing_id": signing_id, "team_id": team,
                                          "codesigning_flags": flags, "is_platform_binary": platform,
                                          "audit_token": {"pid": 401, "euid": 501}, "ppid": 400}}}}
lines = [
    exec_("/usr/local/bin/hello-renamed", hello, 0x22010001, ["hello-renamed", "--greet", "two words"]),
    exec_("/Applications/Demo.app/Contents/MacOS/Demo", demo, 0x10001, ["Demo"], signing_id="org.sigtrace.e2e.demo"),
    exec_("/Users/bob/Downloads/tool", tool, 0x1, ["./tool"]),
    exec_("/private/tmp/x", "ab" * 20, 0x20000003, ["/private/tmp/x"], team=None, signing_id="x-55554944"),
    {"schema_version": 1, "event_type": 13, "time": "2025-06-01T08:01:00Z", "event": {"open": {}},
     "process": {"executable": {"path": "/bin/ls"}}},
]
with open(out, "w") as f:
    for l in lines:
        f.write(json.dumps(l) + "\n")
    f.write('{"event_type": 9, "event":\n')
PY
"$st" ingest --db "$db" "$tmp/es.json" >"$tmp/out" 2>&1
rc=$?
grep -q "6 records, 4 execution events, 1 other events, 1 unreadable" "$tmp/out" && [ $rc -eq 2 ] &&
	[ "$(q "$db" "select source || '|' || kind || '|' || cdhash || '|' || user_name || '|' || parent_image || '|' || command_line || '|' || signed || '|' || signature_status || '|' || signature || '|' || record from executions where image = '/usr/local/bin/hello-renamed'")" = \
	  "eslogger|process|$hello|uid 501|/bin/zsh|hello-renamed --greet \"two words\"|1|Valid|org.sigtrace.e2e.hello (team SIGTRACE42)|101" ] &&
	[ "$(q "$db" "select signed || '|' || signature_status || '|' || signature from executions where image = '/private/tmp/x'")" = \
	  '1|Adhoc|x-55554944' ]
check "exec events: image, CDHash, user, parent, arguments, the kernel's judgement and the signing identity" $?

"$st" executed --db "$db" --format ndjson >"$tmp/exec.ndjson" 2>/dev/null
rc=$?
python3 - "$tmp/exec.ndjson" "$vol" "$tool" <<'PY'
import json, sys
rows = {r["process"]["executable"]: r for r in map(json.loads, open(sys.argv[1]))}
vol, tool = sys.argv[2], sys.argv[3]
def ok(name, cond):
    print(("PASS" if cond else "FAIL") + " eslogger: " + name)
h = rows.get("/usr/local/bin/hello-renamed", {})
ok("executed: a renamed program found by the CDHash the kernel saw",
   h.get("sigtrace", {}).get("matched_by") == "cdhash" and h["sigtrace"]["verdict"] == "valid"
   and h["file"]["path"] == vol + "/Applications/hello" and h["sigtrace"]["score"] == 0)
d = rows.get("/Applications/Demo.app/Contents/MacOS/Demo", {})
ok("executed: a bundle's main executable matched to the bundle by its CDHash",
   d.get("sigtrace", {}).get("matched_by") == "cdhash" and d["file"]["path"] == vol + "/Applications/Demo.app"
   and d["sigtrace"]["verdict"] == "valid")
t = rows.get("/Users/bob/Downloads/tool", {}).get("sigtrace", {})
ok("executed: the kernel ran it as valid, sigtrace finds the file invalid: judgement_differs",
   t.get("verdict") == "invalid" and t.get("score") == 100 and "judgement_differs" in t.get("flags", "")
   and t["executed"]["windows_status"] == "Valid"
   and rows["/Users/bob/Downloads/tool"]["process"]["code_signature"]["cdhash"] == tool)
x = rows.get("/private/tmp/x", {}).get("sigtrace", {})
ok("executed: an ad hoc program not in the evidence: not_in_evidence, no judgement difference",
   x.get("finding") == "not_in_evidence" and x.get("flags") == "not_in_evidence")
PY
[ $rc -eq 1 ]
check "executed exits 1 (an executed file with a finding)" $?
"$st" executed --db "$db" >"$tmp/text" 2>&1
grep -q "macOS at load time: signed, Valid, org.sigtrace.e2e.hello (team SIGTRACE42)" "$tmp/text" &&
	grep -q "(matched by CDHash)" "$tmp/text"
check "executed: the text report gives the kernel's judgement and the CDHash match" $?

# outliers: the tampered program's finding says it ran (found by CDHash).
"$st" outliers --db "$db" --min-score 0 --format ndjson >"$tmp/o" 2>/dev/null
python3 -c '
import json, sys
rows = [json.loads(l)["sigtrace"] for l in open(sys.argv[1]) if "Downloads/tool" in l]
sys.exit(not (rows and all("it ran (1 logged executions" in r["evidence"] for r in rows)))' "$tmp/o"
check "outliers: a finding on a program that ran, found by its CDHash, says so" $?

# A line of 3 MiB (over the 1 MiB a line may hold) is counted and skipped
# without holding it; the line after it is read.
python3 - "$tmp/es.json" "$tmp/huge.json" <<'PY'
import sys
first = open(sys.argv[1]).readline().replace('"global_seq_num": 101', '"global_seq_num": 777')
open(sys.argv[2], "w").write('{"event_type": 9, "event": {"pad": "' + "A" * (3 << 20) + '"}}\n' + first)
PY
"$st" ingest --db "$tmp/huge.db" "$tmp/huge.json" >"$tmp/out" 2>&1
grep -q "2 records, 1 execution events, 0 other events, 1 unreadable" "$tmp/out" &&
	[ "$(q "$tmp/huge.db" "select record from executions")" = 777 ]
check "a line over 1 MiB is counted as unreadable and skipped; the next line is read" $?

# An inventory of schema 6 (no CDHash column) is moved to 7, its rows kept.
n=$(q "$db" "select count(*) from executions")
python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.executescript('drop index executions_cdhash; alter table executions drop column cdhash; pragma user_version=6;'); d.commit()" "$db"
head -1 "$tmp/es.json" | sed 's/"global_seq_num": 101/"global_seq_num": 999/' >"$tmp/es2.json"
"$st" ingest --db "$db" "$tmp/es2.json" >/dev/null 2>&1
[ "$(q "$db" "pragma user_version")" -eq 7 ] && [ "$(q "$db" "select count(*) from executions")" -eq $((n + 1)) ] &&
	[ "$(q "$db" "select cdhash from executions where record = 999")" = "$hello" ]
check "a schema-6 inventory is migrated to 7: executions kept, the CDHash of a new event recorded" $?

finish
