#!/usr/bin/env bash
# The CSV (sigcheck columns) and Timesketch JSONL formats (docs/output.md).
# usage: test_formats.sh SIGTRACE FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
# Absolute, since one scan runs from inside the test tree.
case $st in /*) ;; */*) st=$PWD/$st ;; esac
fix=$(cd "$fix" && pwd) pki=$(cd "$pki" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)
passed=0 failed=0
check() { # name, condition exit status
	if [ "$2" -eq 0 ]; then echo "PASS formats: $1"; passed=$((passed + 1));
	else echo "FAIL formats: $1"; failed=$((failed + 1)); fi
}

# A tree: a valid file, an unsigned one, an invalid one, a path with a comma
# and a quote, names a spreadsheet would run as formulas, a non-executable.
mkdir -p "$tmp/tree/sub"
cp "$fix/sha256.dll" "$tmp/tree/sha256.dll"
cp "$fix/unsigned.dll" "$tmp/tree/unsigned.dll"
cp "$fix/attack-code-byte.dll" "$tmp/tree/sub/attack.dll"
cp "$fix/nested-sha1-sha256.dll" "$tmp/tree/sub/nested.dll"
cp "$fix/sha256.dll" "$tmp/tree/sub/we,ird \"name\".dll"
cp "$fix/unsigned.dll" "$tmp/tree/=cmd.dll"
cp "$fix/unsigned.dll" "$tmp/tree/@sum.dll"
echo "just text" >"$tmp/tree/readme.txt"
# Relative paths, so the formula-like names start the Path field.
(cd "$tmp/tree" && "$st" scan --format csv -q "${common[@]}" . "=cmd.dll" "@sum.dll") \
	>"$tmp/scan.csv" 2>"$tmp/err"; rc=$?
check "scan --format csv exits 1 (an invalid file)" $((rc != 1))

# Header, rows and values, read with Python's csv module.
python3 - "$tmp/scan.csv" "$tmp/tree" >"$tmp/py.out" 2>&1 <<'EOF'
import csv, sys
path, tree = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
sigcheck = ["Path", "Verified", "Date", "Publisher", "Company", "Description", "Product",
            "Product Version", "File Version", "Machine Type", "MD5", "SHA1", "PESHA1",
            "PESHA256", "SHA256", "IMP"]
ours = ["sigtrace.verdict", "sigtrace.reasons", "sigtrace.status", "sigtrace.format",
        "sigtrace.arch", "sigtrace.size", "sigtrace.signing_time", "sigtrace.timestamp",
        "sigtrace.signer_sha256", "sigtrace.original_file_name", "sigtrace.details"]
rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
def ok(name, cond):
    print(("PASS " if cond else "FAIL ") + name)
ok("the header is sigcheck's columns followed by sigtrace's", rows[0] == sigcheck + ours)
ok("the header line is unquoted, as sigcheck writes it",
   raw.split(b"\r\n", 1)[0] == ",".join(sigcheck + ours).encode())
ok("exactly one header line", sum(1 for r in rows if r[0] == "Path") == 1)
ok("every row has every column", all(len(r) == len(rows[0]) for r in rows))
ok("rows end in CRLF", raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""))
body = rows[1:]
names = sorted(r[0] for r in body)
want = sorted(["./sha256.dll", "./unsigned.dll", "./sub/attack.dll", "./sub/nested.dll",
               './sub/we,ird "name".dll', "./=cmd.dll", "./@sum.dll",
               "'=cmd.dll", "'@sum.dll"])
ok("one row per executable (non-executables left out): %s" % names, names == want)
by = {r[0]: dict(zip(rows[0], r)) for r in body}
v = by.get("./sha256.dll", {})
ok("a valid file is Verified 'Signed'", v.get("Verified") == "Signed")
ok("Publisher is the signer's common name", v.get("Publisher") == "sigtrace Test Code Signer")
ok("Date is in sigcheck's style", v.get("Date") == "12:00 AM 6/1/2024")
ok("Machine Type of an x64 file is 64-bit", v.get("Machine Type") == "64-bit")
ok("sigtrace.verdict is valid", v.get("sigtrace.verdict") == "valid")
ok("SHA256 is 64 upper-case hex digits",
   len(v.get("SHA256", "")) == 64 and v["SHA256"] == v["SHA256"].upper())
ok("PESHA256 is the Authenticode digest", len(v.get("PESHA256", "")) == 64)
ok("columns sigtrace does not compute are empty",
   all(v.get(k) == "" for k in ("MD5", "SHA1", "IMP", "Product Version")))
u = by.get("./unsigned.dll", {})
ok("an unsigned file is Verified 'Unsigned'", u.get("Verified") == "Unsigned")
ok("Company of unsigned.dll is Microsoft Corporation", u.get("Company") == "Microsoft Corporation")
ok("an unsigned file has no Publisher ('n/a') and no Date",
   u.get("Publisher") == "n/a" and u.get("Date") == "")
ok("sigtrace.reasons of unsigned.dll has metadata_mismatch",
   "metadata_mismatch" in u.get("sigtrace.reasons", "").split(","))
a = by.get("./sub/attack.dll", {})
ok("an invalid file has Windows' message in Verified",
   a.get("Verified") == "The digital signature of the object did not verify.")
ok("sigtrace.reasons lists digest_mismatch",
   "digest_mismatch" in a.get("sigtrace.reasons", "").split(","))
ok("sigtrace.details explains it", "digest_mismatch: " in a.get("sigtrace.details", ""))
n = by.get("./sub/nested.dll", {})
ok("a SHA-1 + SHA-256 file has PESHA1 and PESHA256",
   len(n.get("PESHA1", "")) == 40 and len(n.get("PESHA256", "")) == 64)
w = by.get('./sub/we,ird "name".dll', {})
ok("a path with a comma and a quote reads back intact", w.get("Verified") == "Signed")
ok("the quote is doubled in the file", b'"./sub/we,ird ""name"".dll"' in raw)
ok("every field of a row is quoted",
   all(line.startswith(b'"') and line.endswith(b'"')
       for line in raw.split(b"\r\n")[1:] if line))
ok("a formula-like value gets a leading '", "'=cmd.dll" in by and "'@sum.dll" in by)
ok("no field starts with = + - @",
   not any(f[:1] in ("=", "+", "-", "@") for r in body for f in r))
EOF
while read -r status name; do
	check "$name" $([ "$status" = PASS ] && echo 0 || echo 1)
done < <(sed -n 's/^\(PASS\|FAIL\) \(.*\)/\1 \2/p' "$tmp/py.out")
grep -q Traceback "$tmp/py.out" && { cat "$tmp/py.out"; check "the CSV checks ran" 1; }

# verify writes the header too, and a row for an unreadable input.
"$st" verify --format csv "${common[@]}" "$fix/sha256.dll" "$tmp/does-not-exist" \
	>"$tmp/verify.csv" 2>/dev/null; rc=$?
check "verify --format csv of an unreadable input exits 2" $((rc != 2))
python3 - "$tmp/verify.csv" "$tmp/does-not-exist" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
r = {x[0]: x for x in rows[1:]}
sys.exit(not (rows[0][0] == "Path" and len(rows) == 3 and r[sys.argv[2]][16] == "error"))
EOF
check "verify --format csv: header, one row per file, error row" $?
"$st" scan --format csv -q "${common[@]}" "$tmp/tree/readme.txt" >"$tmp/empty.csv"
[ "$(wc -l <"$tmp/empty.csv")" -eq 1 ] && head -c 5 "$tmp/empty.csv" | grep -q '^Path,'
check "a scan that finds nothing still writes the header" $?
"$st" scan --format csv --all -q "${common[@]}" "$tmp/tree/readme.txt" |
	python3 -c 'import csv,sys; r=list(csv.reader(sys.stdin)); sys.exit(not (len(r) == 2 and r[1][1] == "n/a" and r[1][16] == "not_executable"))'
check "scan --all lists a non-executable as Verified n/a" $?
"$st" scan --format csv -j 1 -q "${common[@]}" "$fix" >"$tmp/j1.csv" 2>/dev/null
"$st" scan --format csv -j 8 -q "${common[@]}" "$fix" >"$tmp/j8.csv" 2>/dev/null
cmp -s "$tmp/j1.csv" "$tmp/j8.csv"; check "CSV does not depend on -j" $?

# --format sigcheck: exactly sigcheck -c -h -vt's 18 columns (Timeline
# Explorer's sigcheck view), the same values as the csv format's first 16.
(cd "$tmp/tree" && "$st" scan --format sigcheck -q "${common[@]}" .) >"$tmp/sc.csv" 2>/dev/null
(cd "$tmp/tree" && "$st" scan --format csv -q "${common[@]}" .) >"$tmp/csv.csv" 2>/dev/null
python3 - "$tmp/sc.csv" "$tmp/csv.csv" <<'EOF'
import csv, sys
sc = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
full = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))
head = ("Path,Verified,Date,Publisher,Company,Description,Product,Product Version,File Version,"
        "Machine Type,MD5,SHA1,PESHA1,PESHA256,SHA256,IMP,VT detection,VT link").split(",")
sys.exit(not (sc[0] == head and len(sc) == len(full) > 3 and all(len(r) == 18 for r in sc) and
              [r[:16] for r in sc[1:]] == [r[:16] for r in full[1:]] and
              all(r[16] == r[17] == "" for r in sc[1:]) and
              open(sys.argv[1], "rb").read().split(b"\r\n")[0] == ",".join(head).encode()))
EOF
check "scan --format sigcheck: exactly sigcheck -c -h -vt's header and 18 columns" $?

# Usage: the new formats belong to verify and scan.
"$st" trust --format csv >/dev/null 2>&1; rc=$?
check "trust --format csv is a usage error (64)" $((rc != 64))
"$st" outliers --db "$tmp/none.db" --format timesketch >/dev/null 2>&1; rc=$?
check "outliers --format timesketch is a usage error (64)" $((rc != 64))
# (captured first: grep -q ending the pipe early would fail it under pipefail)
help=$("$st" --help)
[[ $help == *csv* && $help == *sigcheck* && $help == *timesketch* ]]; check "--help names csv, sigcheck and timesketch" $?

# Timesketch: every line is JSON with message, datetime and timestamp_desc.
"$st" scan --format timesketch -q "${common[@]}" "$tmp/tree" "$fix/expired-ts-rfc3161.dll" \
	"$fix/cab-signed.cab" "$tmp/does-not-exist" >"$tmp/ts.jsonl" 2>/dev/null; rc=$?
check "scan --format timesketch exits 2 (an unreadable input)" $((rc != 2))
python3 - "$tmp/ts.jsonl" "$tmp/tree" "$fix" >"$tmp/py.out" 2>&1 <<'EOF'
import json, sys
from datetime import datetime, timezone
path, tree, fix = sys.argv[1:4]
def ok(name, cond):
    print(("PASS " if cond else "FAIL ") + name)
lines = open(path, encoding="utf-8").read().splitlines()
events = [json.loads(l) for l in lines]
ok("every line is a JSON object", len(events) == len(lines) > 0 and
   all(isinstance(e, dict) for e in events))
ok("every event has message, datetime and timestamp_desc",
   all(isinstance(e.get(k), str) and e[k] for e in events
       for k in ("message", "datetime", "timestamp_desc")))
dts = [datetime.fromisoformat(e["datetime"]) for e in events]
ok("datetime parses as ISO 8601 with a UTC offset",
   all(d.utcoffset() is not None and d.utcoffset().total_seconds() == 0 for d in dts))
ok("timestamp is datetime in microseconds",
   all(e["timestamp"] == round(d.timestamp() * 1e6) for e, d in zip(events, dts)))
ok("every event carries path and verdict",
   all("path" in e and "verdict" in e and isinstance(e.get("reasons", ""), str) for e in events))
def of(p, desc):
    return [e for e in events if e["path"] == p and e["timestamp_desc"] == desc]
s = tree + "/sha256.dll"
ok("a file on disk has a Content Modification Time", len(of(s, "Content Modification Time")) == 1)
sig = of(s, "Signing Time")
ok("a signed file has its Signing Time (2024-06-01)",
   len(sig) == 1 and sig[0]["datetime"] == "2024-06-01T00:00:00+00:00")
ok("signer and sha256 are given", sig and sig[0].get("signer") == "sigtrace Test Code Signer"
   and len(sig[0].get("sha256", "")) == 64 and sig[0].get("verdict") == "valid")
ts = of(fix + "/expired-ts-rfc3161.dll", "Timestamp Time")
ok("a timestamped file has its Timestamp Time",
   len(ts) == 1 and ts[0]["datetime"] == "2020-06-01T00:00:00+00:00" and ts[0]["timestamp_valid"])
n = [e for e in events if e["path"] == tree + "/sub/nested.dll" and e["timestamp_desc"] == "Signing Time"]
ok("each signature of a nested file has its own event",
   sorted(e["signature_index"] for e in n) == [0, 1])
u = of(tree + "/unsigned.dll", "Content Modification Time")
ok("an unsigned file has reasons", u and "metadata_mismatch" in u[0]["reasons"].split(","))
m = [e for e in events if e["path"].startswith(fix + "/cab-signed.cab//")]
ok("files inside a container are on the timeline (Scan Time when unsigned)",
   any(e["timestamp_desc"] == "Scan Time" for e in m) and
   not any(e["timestamp_desc"] == "Content Modification Time" for e in m))
err = [e for e in events if e["verdict"] == "error"]
ok("an unreadable input is an error event", len(err) == 1 and err[0]["timestamp_desc"] == "Scan Time")
ok("the readme is not listed", not any(e["path"].endswith("readme.txt") for e in events))
EOF
while read -r status name; do
	check "$name" $([ "$status" = PASS ] && echo 0 || echo 1)
done < <(sed -n 's/^\(PASS\|FAIL\) \(.*\)/\1 \2/p' "$tmp/py.out")
grep -q Traceback "$tmp/py.out" && { cat "$tmp/py.out"; check "the Timesketch checks ran" 1; }

"$st" verify --format timesketch "${common[@]}" "$fix/sha256.dll" |
	python3 -c 'import json,sys; e=[json.loads(l) for l in sys.stdin]; sys.exit(not (len(e) == 2 and {x["timestamp_desc"] for x in e} == {"Content Modification Time", "Signing Time"}))'
check "verify --format timesketch: modification and signing time of a file" $?

# Members read in place: an installer's cabinet stream (through its
# sectors) and a bundle's stored package (a byte range) hash as the same
# bytes extracted by test-only tools.
top=$(cd "$(dirname "$0")/../.." && pwd)
python3 "$top/tests/e2e/tools/cfb-mutate.py" extract "$fix/msi-signed.msi" "$tmp/files.cab" files.cab &&
	python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("appx-signed.appx"))' \
		"$fix/appx-bundle.appxbundle" "$tmp/inner.appx"
"$st" scan --format ndjson "${common[@]}" "$fix/msi-signed.msi" "$fix/appx-bundle.appxbundle" 2>/dev/null |
	python3 -c '
import hashlib, json, sys
want = {"msi-signed.msi//files.cab": sys.argv[1], "appx-bundle.appxbundle//appx-signed.appx": sys.argv[2]}
got = {}
for l in sys.stdin:
    r = json.loads(l)
    for k in want:
        if r["file"]["path"].endswith("/" + k):
            got[k] = r["file"]["hash"]["sha256"]
sys.exit(not all(got.get(k) == hashlib.sha256(open(v, "rb").read()).hexdigest() for k, v in want.items()))
' "$tmp/files.cab" "$tmp/inner.appx"
check "members read in place hash as their extracted bytes (MSI stream, bundle package)" $?

echo "formats: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
