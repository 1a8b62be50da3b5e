#!/usr/bin/env bash
# The PostgreSQL inventory (scan --db postgresql://...) on a throwaway
# cluster on loopback (pg-cluster.sh): the same rows and outliers as SQLite,
# concurrent scanners over disjoint and overlapping file lists, a scanner
# killed with SIGKILL then resumed, the server restarted during a scan, the
# host name of --host, names that are not UTF-8 and a schema newer than the
# program.
# With EVTX_DIR (../shared/samples/evtx), also execution events read into
# both and joined the same way, and an inventory of schema 5 migrated.
# usage: test_postgres.sh SIGTRACE FIXTURE_DIR PKI_DIR [EVTX_DIR]
set -uo pipefail
st=$1 fix=$2 pki=$3 logs=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cluster=$(mktemp -d -u /tmp/sigtrace-pg.XXXXXX)
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS postgres: $1"; passed=$((passed + 1));
	else echo "FAIL postgres: $1"; failed=$((failed + 1)); fi
}
cleanup() {
	bash "$here/pg-cluster.sh" stop "$cluster" >/dev/null 2>&1
	rm -rf "$tmp" "$cluster"
}
trap cleanup EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)

if ! base=$(bash "$here/pg-cluster.sh" start "$cluster" 2>"$tmp/cluster.err"); then
	check "a throwaway PostgreSQL cluster starts ($(head -c 300 "$tmp/cluster.err"))" 1
	echo "$passed passed, $failed failed"
	exit 1
fi
server=${base%/*}
# A fresh database per test, so that each starts empty.
newdb() {
	psql -Atq "$base" -c "CREATE DATABASE $1" >/dev/null
	echo "$server/$1"
}
pq() { psql -Atq "$1" -c "$2"; }
lq() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$@"; }
tables="files reasons parts properties signatures certificates chain_links"
counts_pg() { for t in $tables; do printf '%s=%s ' "$t" "$(pq "$1" "select count(*) from $t")"; done; }
counts_lite() { for t in $tables; do printf '%s=%s ' "$t" "$(lq "$1" "select count(*) from $t")"; done; }

# The same corpus into SQLite and PostgreSQL.
lite=$tmp/ref.db
"$st" scan -q --db "$lite" "${common[@]}" "$fix" >/dev/null 2>&1
url=$(newdb t1)
"$st" scan -q --db "$url" "${common[@]}" "$fix" >/dev/null 2>"$tmp/err"
rc=$?
want=$(counts_lite "$lite")
[ $rc -le 1 ] && [ "$(counts_pg "$url")" = "$want" ] &&
	[ "$(pq "$url" "select count(*) from files where path like '%//%'")" -gt 0 ] &&
	[ "$(pq "$url" "select version from sigtrace_schema")" = 7 ]
check "a scan records in PostgreSQL the rows it records in SQLite ($want)" $?

# Signed content, property types and times read back as written.
[ "$(pq "$url" "select verdict from files where path like '%/sha256.dll'")" = valid ] &&
	[ "$(pq "$url" "select string_agg(code, ',' order by code) from reasons r join files f on f.id = r.file_id where f.path like '%/attack-sigthief.dll'")" = \
	  "$(lq "$lite" "select group_concat(code, ',') from (select code from reasons r join files f on f.id = r.file_id where f.path like '%/attack-sigthief.dll' order by code)")" ] &&
	[ "$(pq "$url" "select not_after from certificates where subject_cn = 'sigtrace Test Code Signer' limit 1")" = \
	  "$(lq "$lite" "select not_after from certificates where subject_cn = 'sigtrace Test Code Signer' limit 1")" ]
check "verdicts, reasons and certificate times as in SQLite" $?

"$st" scan -q --db "$url" "${common[@]}" "$fix" >/dev/null 2>&1
[ "$(counts_pg "$url")" = "$want" ] &&
	[ "$(pq "$url" "select string_agg(status, ',' order by id) from scans")" = complete,complete ]
check "a rescan replaces rows instead of duplicating them; scans marked complete" $?

"$st" outliers --db "$lite" --format ndjson --min-score 0 >"$tmp/o-lite" 2>&1
"$st" outliers --db "$url" --format ndjson --min-score 0 >"$tmp/o-pg" 2>&1
[ -s "$tmp/o-lite" ] && cmp -s "$tmp/o-lite" "$tmp/o-pg"
rc=$?  # before the check's own $(...) resets it
check "outliers from PostgreSQL equal outliers from SQLite ($(wc -l <"$tmp/o-lite") groups)" $rc

# Several hosts (--host): a signer found on one host of two.
lite2=$tmp/hosts.db
url2=$(newdb t2)
for db in "$lite2" "$url2"; do
	"$st" scan -q --db "$db" --host alpha "${common[@]}" "$fix" >/dev/null 2>&1
	"$st" scan -q --db "$db" --host beta "${common[@]}" "$fix/sha256.dll" "$fix/unsigned.dll" >/dev/null 2>&1
done
"$st" outliers --db "$lite2" --format ndjson --min-score 0 >"$tmp/h-lite" 2>&1
"$st" outliers --db "$url2" --format ndjson --min-score 0 >"$tmp/h-pg" 2>&1
[ "$(pq "$url2" "select string_agg(host || ':' || n, ',' order by host) from (select host, count(*) n from files group by host) x")" = \
  "alpha:$(lq "$lite" "select count(*) from files"),beta:2" ] &&
	grep -q '"one_host_signer"' "$tmp/h-pg" && cmp -s "$tmp/h-lite" "$tmp/h-pg"
check "--host records the host; cross-host outliers equal SQLite's" $?

# A corpus for the concurrent scanners: four copies of the fixtures.
mkdir -p "$tmp/many"
for k in 1 2 3 4; do mkdir "$tmp/many/c$k" && cp "$fix"/* "$tmp/many/c$k/" 2>/dev/null; done
find "$tmp/many" -type f | sort >"$tmp/all.list"
lite3=$tmp/many.db
"$st" scan -q --db "$lite3" "${common[@]}" "$tmp/many" >/dev/null 2>&1
want3=$(counts_lite "$lite3")
split -n r/4 "$tmp/all.list" "$tmp/part."

url3=$(newdb t3)
for p in "$tmp"/part.*; do
	"$st" scan -q -j 1 --db "$url3" "${common[@]}" --files-from "$p" >/dev/null 2>&1 &
done
wait
[ "$(counts_pg "$url3")" = "$want3" ] &&
	[ "$(pq "$url3" "select count(*) from (select host, path from files group by 1, 2 having count(*) > 1) x")" -eq 0 ] &&
	[ "$(pq "$url3" "select count(*) from scans where status = 'complete'")" -eq 4 ]
check "4 concurrent scanners, disjoint lists: exact row counts ($want3)" $?

url4=$(newdb t4)
for k in 1 2 3 4; do
	shuf "$tmp/all.list" >"$tmp/shuf.$k"
	"$st" scan -q -j 1 --db "$url4" "${common[@]}" --files-from "$tmp/shuf.$k" >/dev/null 2>"$tmp/err.$k" &
done
wait
[ "$(counts_pg "$url4")" = "$want3" ] &&
	[ "$(pq "$url4" "select count(*) from scans where status = 'complete'")" -eq 4 ] &&
	! grep -q inventory "$tmp"/err.[1-4]
check "4 concurrent scanners, the same files in different orders: no lost or duplicated rows" $?

# Killed with SIGKILL while paths still arrive, then resumed.
url5=$(newdb t5)
files=$(wc -l <"$tmp/all.list")
(while read -r f; do echo "$f"; sleep 0.01; done <"$tmp/all.list"; sleep 30) |
	"$st" scan -q -j 1 --db "$url5" "${common[@]}" --files-from - >/dev/null 2>&1 &
pid=$!
sleep 2.5
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
got=$(pq "$url5" "select count(*) from files where path not like '%//%'")
[ "$got" -gt 0 ] && [ "$got" -lt "$files" ] &&
	[ "$(pq "$url5" "select status from scans")" = running ] &&
	[ "$(pq "$url5" "select count(*) from files f where f.verdict in ('valid', 'untrusted') and not exists (select 1 from signatures s where s.file_id = f.id)")" -eq 0 ]
check "a scanner killed mid-scan leaves whole files only ($got of $files), its scan 'running'" $?
"$st" scan --db "$url5" --resume "${common[@]}" --files-from "$tmp/all.list" >/dev/null 2>"$tmp/err"
[ "$(counts_pg "$url5")" = "$want3" ] && grep -q "already in the inventory" "$tmp/err"
check "--resume completes it" $?

# The server restarts while a scan writes: the batch is written again once
# the server is back, and the scan completes.
url6=$(newdb t6)
(while read -r f; do echo "$f"; sleep 0.008; done <"$tmp/all.list") |
	"$st" scan -q -j 1 --db "$url6" "${common[@]}" --files-from - >/dev/null 2>"$tmp/err" &
pid=$!
sleep 1.5
bash "$here/pg-cluster.sh" restart "$cluster" >/dev/null 2>&1
wait "$pid"
rc=$?
[ $rc -le 1 ] && [ "$(counts_pg "$url6")" = "$want3" ] &&
	[ "$(pq "$url6" "select status from scans")" = complete ]
check "the server restarted during a scan: the scan retries and completes (exit $rc)" $?

# Names that are not UTF-8 are stored with U+FFFD, as NDJSON shows them.
mkdir "$tmp/names"
cp "$fix/sha256.dll" "$tmp/names/$(printf 'bad\xffname.dll')"
url7=$(newdb t7)
"$st" scan -q --db "$url7" "${common[@]}" "$tmp/names" >/dev/null 2>&1
[ "$(pq "$url7" "select count(*) from files where path like '%/bad' || chr(65533) || 'name.dll'")" -eq 1 ]
check "a file name that is not UTF-8 is recorded with U+FFFD" $?

# An inventory of a later schema is refused, not damaged.
pq "$url7" "update sigtrace_schema set version = 99" >/dev/null
"$st" scan -q --db "$url7" "${common[@]}" "$fix/sha256.dll" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "newer than this sigtrace" "$tmp/err" &&
	[ "$(pq "$url7" "select count(*) from files")" -eq 1 ]
check "a newer schema is refused (exit 2) and left as it was" $?

# Execution events (sigtrace ingest) and their join (sigtrace executed)
# the same on both.
if [ -n "$logs" ]; then
	url8=$(newdb t8)
	lite8=$tmp/exec.db
	for db in "$lite8" "$url8"; do
		"$st" ingest --db "$db" "$logs"/sysmon-*.evtx >/dev/null 2>&1
		"$st" ingest --db "$db" "$logs/sysmon-7-dll-hijack.evtx" >/dev/null 2>&1
		"$st" scan -q --db "$db" "${common[@]}" "$fix" >/dev/null 2>&1
	done
	"$st" executed --db "$lite8" --format ndjson >"$tmp/e-lite" 2>&1
	"$st" executed --db "$url8" --format ndjson >"$tmp/e-pg" 2>&1
	[ "$(pq "$url8" "select count(*) from executions")" = "$(lq "$lite8" "select count(*) from executions")" ] &&
		[ "$(wc -l <"$tmp/e-lite")" -gt 50 ] && cmp -s "$tmp/e-lite" "$tmp/e-pg"
	check "ingest and executed: the same events and the same joined report as SQLite" $?
	# A schema-6 inventory (before the CDHash column) is moved to 7, its
	# rows kept.
	n6=$(pq "$url8" "select count(*) from executions")
	pq "$url8" "drop index executions_cdhash; alter table executions drop column cdhash; update sigtrace_schema set version = 6" >/dev/null
	"$st" ingest --db "$url8" "$logs/sysmon-7-1-11-sideloading.evtx" >/dev/null 2>&1
	[ "$(pq "$url8" "select version from sigtrace_schema")" = 7 ] &&
		[ "$(pq "$url8" "select count(*) from executions")" -eq "$n6" ] &&
		[ "$(pq "$url8" "select count(*) from pg_indexes where indexname = 'executions_cdhash'")" -eq 1 ]
	check "a schema-6 PostgreSQL inventory is migrated to 7, its executions kept" $?
	# A schema-5 inventory (before executions) is moved to 7.
	pq "$url8" "drop table executions; update sigtrace_schema set version = 5" >/dev/null
	"$st" ingest --db "$url8" "$logs/sysmon-7-1-11-sideloading.evtx" >/dev/null 2>&1
	[ "$(pq "$url8" "select version from sigtrace_schema")" = 7 ] &&
		[ "$(pq "$url8" "select count(*) from executions")" -eq 4 ]
	check "a schema-5 PostgreSQL inventory is migrated to 7" $?
fi

# No server: a clear error and exit 2.
"$st" scan -q --db "postgresql://sigtrace@127.0.0.1:1/none" "${common[@]}" "$fix/sha256.dll" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "^sigtrace: --db postgresql://" "$tmp/err"
check "an unreachable server is an error (exit 2)" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
