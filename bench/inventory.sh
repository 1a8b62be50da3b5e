#!/usr/bin/env bash
# Inventory benchmarks (bench/RESULTS.md):
# 1. ingest: files/s of `scan --db` into SQLite and into PostgreSQL with 1,
#    2 and 4 concurrent scanners (disjoint --files-from lists, -j 1 each),
#    beside the same scan without an inventory, on COPIES copies of the
#    test fixtures (small PE files, so that writing rows, not hashing,
#    is what is measured);
# 2. outliers: the time of `sigtrace outliers` over a synthetic inventory
#    of HOSTS x FILES files (bench/make-synthetic-inventory.py) in SQLite and
#    in PostgreSQL.
# A throwaway PostgreSQL cluster on loopback (tests/inventory/pg-cluster.sh).
#
# usage: bench/inventory.sh SIGTRACE FIXTURE_DIR PKI_DIR [COPIES [HOSTS FILES]]
set -euo pipefail
st=$(realpath "$1") fix=$2 pki=$3 copies=${4:-40} hosts=${5:-1000} nfiles=${6:-1000}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
cluster=$(mktemp -d -u /tmp/sigtrace-pg.XXXXXX)
trap 'bash "$top/tests/inventory/pg-cluster.sh" stop "$cluster" >/dev/null 2>&1; rm -rf "$tmp" "$cluster"' EXIT
base=$(bash "$top/tests/inventory/pg-cluster.sh" start "$cluster")
server=${base%/*}
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z -q)
newdb() { psql -Atq "$base" -c "CREATE DATABASE $1" >/dev/null; echo "$server/$1"; }
now() { date +%s.%N; }

for k in $(seq 1 "$copies"); do mkdir -p "$tmp/corpus/c$k" && cp "$fix"/* "$tmp/corpus/c$k/"; done
find "$tmp/corpus" -type f | sort >"$tmp/all.list"
n=$(wc -l <"$tmp/all.list")
cat "$tmp/all.list" | xargs cat >/dev/null # warm the page cache
echo "## ingest: $n files ($copies copies of the fixtures)"
echo
echo "| run | wall s | files/s |"
echo "|---|---|---|"
ingest() { # label, scanners, db (or "")
	local label=$1 k=$2 db=$3 t0 t1
	rm -f "$tmp"/part.*
	split -n r/"$k" "$tmp/all.list" "$tmp/part."
	t0=$(now)
	for p in "$tmp"/part.*; do
		if [ -n "$db" ]; then
			"$st" scan -j 1 --db "$db" "${common[@]}" --files-from "$p" >/dev/null &
		else
			"$st" scan -j 1 "${common[@]}" --files-from "$p" >/dev/null &
		fi
	done
	wait || true
	t1=$(now)
	python3 -c "import sys; w=float(sys.argv[2])-float(sys.argv[1]); print('| %s | %.2f | %.0f |' % (sys.argv[3], w, int(sys.argv[4])/w))" "$t0" "$t1" "$label" "$n"
}
ingest "scan -j 1, no inventory" 1 ""
ingest "scan -j 1 --db SQLite" 1 "$tmp/ingest.db"
ingest "scan -j 1 --db PostgreSQL, 1 scanner" 1 "$(newdb i1)"
ingest "scan -j 1 --db PostgreSQL, 2 scanners" 2 "$(newdb i2)"
ingest "scan -j 1 --db PostgreSQL, 4 scanners" 4 "$(newdb i4)"
ingest "scan -j 1, 2 processes, no inventory" 2 ""
echo

echo "## outliers: synthetic inventory, $hosts hosts x $nfiles files"
echo
python3 "$top/bench/make-synthetic-inventory.py" "$tmp/syn" "$hosts" "$nfiles"
mkdir "$tmp/empty"
lite=$tmp/syn.db
url=$(newdb syn)
"$st" scan --db "$lite" "${common[@]}" "$tmp/empty" >/dev/null
"$st" scan --db "$url" "${common[@]}" "$tmp/empty" >/dev/null
t0=$(now)
python3 - "$lite" "$tmp/syn" <<'PY'
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = {
    "certificates": "sha256, sha1, subject, issuer, subject_cn, issuer_cn, serial, not_before, not_after, key_algorithm, key_bits, signature_algorithm, trust_anchor, ekus, policies, critical_extensions, is_ca, key_sha256",
    "files": "id, host, path, size, mtime, sha256, format, subformat, arch, verdict, reasons, status, scan_id, verified_at, container",
    "parts": "file_id, idx, parent, kind, name, offset, size, format, subformat, arch, verdict, reasons",
    "signatures": "file_id, idx, part_idx, parent, depth, verdict, digest_algorithm, signed_digest, computed_digest, signing_time, timestamp_kind, timestamp_time, timestamp_valid, timestamp_signer_sha256, signer_sha256, trusted, verification_time, reasons, source",
    "chain_links": "file_id, sig_idx, position, cert_sha256",
    "properties": "file_id, part_idx, sig_idx, key, value",
}
for t, c in cols.items():
    n = len(c.split(","))
    rows = ([v if v != "" else None for v in r] for r in csv.reader(open("%s/%s.csv" % (sys.argv[2], t))))
    db.executemany("INSERT INTO %s (%s) VALUES (%s)" % (t, c, ",".join("?" * n)), rows)
db.commit()
db.execute("ANALYZE")
PY
t1=$(now)
for t in certificates files parts signatures chain_links properties; do
	c=$(python3 -c "import sys; print(open(sys.argv[1]).readline().count(',') + 1)" "$tmp/syn/$t.csv")
	cols=$(case $t in
		certificates) echo "sha256, sha1, subject, issuer, subject_cn, issuer_cn, serial, not_before, not_after, key_algorithm, key_bits, signature_algorithm, trust_anchor, ekus, policies, critical_extensions, is_ca, key_sha256" ;;
		files) echo "id, host, path, size, mtime, sha256, format, subformat, arch, verdict, reasons, status, scan_id, verified_at, container" ;;
		parts) echo 'file_id, idx, parent, kind, name, "offset", size, format, subformat, arch, verdict, reasons' ;;
		signatures) echo "file_id, idx, part_idx, parent, depth, verdict, digest_algorithm, signed_digest, computed_digest, signing_time, timestamp_kind, timestamp_time, timestamp_valid, timestamp_signer_sha256, signer_sha256, trusted, verification_time, reasons, source" ;;
		chain_links) echo "file_id, sig_idx, position, cert_sha256" ;;
		properties) echo "file_id, part_idx, sig_idx, key, value" ;;
	esac)
	psql -Atq "$url" -c "\\copy $t ($cols) FROM '$tmp/syn/$t.csv' WITH (FORMAT csv)" >/dev/null
done
psql -Atq "$url" -c "SELECT setval('files_id_seq', (SELECT max(id) FROM files)); ANALYZE" >/dev/null
t2=$(now)
python3 -c "import sys; print('loaded: SQLite %.0f s, PostgreSQL %.0f s' % (float(sys.argv[2])-float(sys.argv[1]), float(sys.argv[3])-float(sys.argv[2])))" "$t0" "$t1" "$t2"
echo "rows: $(psql -Atq "$url" -c "select (select count(*) from files) || ' files, ' || (select count(distinct host) from files) || ' hosts, ' || (select count(*) from signatures) || ' signatures, ' || (select count(*) from chain_links) || ' chain links, ' || (select count(*) from certificates) || ' certificates'")"
echo
echo "| inventory | outliers wall s | peak RSS MB | groups shown |"
echo "|---|---|---|---|"
for db in "$lite" "$url"; do
	label=SQLite; [ "$db" = "$url" ] && label="PostgreSQL (loopback)"
	t0=$(now)
	/usr/bin/time -f %M -o "$tmp/rss" "$st" outliers --db "$db" --format ndjson >"$tmp/out.$label" || true
	t1=$(now)
	python3 -c "import sys; print('| %s | %.1f | %.0f | %s |' % (sys.argv[3], float(sys.argv[2])-float(sys.argv[1]), int(open(sys.argv[4]).read().split()[-1])/1024, sys.argv[5]))" \
		"$t0" "$t1" "$label" "$tmp/rss" "$(wc -l <"$tmp/out.$label")"
done
if cmp -s "$tmp/out.SQLite" "$tmp/out.PostgreSQL (loopback)"; then
	echo; echo "Both inventories give the same outliers."
else
	echo; echo "The outliers differ between SQLite and PostgreSQL."
fi
