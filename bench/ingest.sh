#!/usr/bin/env bash
# Ingest benchmark (bench/RESULTS.md): `sigtrace ingest` of N execution
# events as Winlogbeat ships them (NDJSON lines of Sysmon process
# creations, generated here: 1,000 distinct images on 100 hosts) into
# SQLite and into PostgreSQL on a throwaway loopback cluster
# (tests/inventory/pg-cluster.sh): events/s and peak RSS, which must not
# grow with the log (one event in memory at a time).
# usage: bench/ingest.sh SIGTRACE [EVENTS (default 1000000)]
set -euo pipefail
st=$(realpath "$1") n=${2:-1000000}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
cluster=$(mktemp -d -u /tmp/sigtrace-pg.XXXXXX)
trap 'bash "$top/tests/inventory/pg-cluster.sh" stop "$cluster" >/dev/null 2>&1; rm -rf "$tmp" "$cluster"' EXIT
base=$(bash "$top/tests/inventory/pg-cluster.sh" start "$cluster")
python3 - "$tmp/log.ndjson" "$n" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
with open(out, "w") as f:
    for i in range(n):
        img = "C:\\\\Program Files\\\\Vendor%d\\\\app%d.exe" % (i % 50, i % 1000)
        f.write(json.dumps({"@timestamp": "2025-06-%02dT%02d:%02d:%02dZ" % (1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60),
            "host": {"name": "host%03d" % (i % 100)},
            "winlog": {"provider_name": "Microsoft-Windows-Sysmon", "event_id": 1, "record_id": i + 1,
                       "event_data": {"Image": img, "CommandLine": img + " --run %d" % i,
                                      "ParentImage": "C:\\\\Windows\\\\explorer.exe", "User": "EXAMPLE\\\\user%d" % (i % 300),
                                      "Hashes": "SHA256=%064X" % (i % 1000)}}}) + "\n")
PY
size=$(du -m "$tmp/log.ndjson" | cut -f1)
echo "## ingest: $n Sysmon process creations as Winlogbeat NDJSON ($size MB)"
echo
echo "| inventory | wall s | events/s | peak RSS MB |"
echo "|---|---|---|---|"
for db in "$tmp/ingest.db" "${base%/*}/sigtrace"; do
	label=SQLite; [ "$db" = "$tmp/ingest.db" ] || label="PostgreSQL (loopback)"
	t0=$(date +%s.%N)
	/usr/bin/time -f %M -o "$tmp/rss" "$st" ingest --db "$db" "$tmp/log.ndjson" >/dev/null
	t1=$(date +%s.%N)
	python3 -c "import sys; w=float(sys.argv[2])-float(sys.argv[1]); print('| %s | %.1f | %.0f | %.0f |' % (sys.argv[3], w, int(sys.argv[4])/w, int(open(sys.argv[5]).read().split()[-1])/1024))" \
		"$t0" "$t1" "$label" "$n" "$tmp/rss"
done
