#!/usr/bin/env bash
# The SQLite inventory (scan --db): contents, rescans, a scan killed with
# SIGKILL midway, then completed with --resume, and the migration of an
# older inventory.
# usage: test_inventory.sh SIGTRACE FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS inventory: $1"; passed=$((passed + 1));
	else echo "FAIL inventory: $1"; failed=$((failed + 1)); fi
}
q() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$@"; }

db=$tmp/inv.db
"$st" scan -q --db "$db" "${common[@]}" "$fix" >/dev/null 2>&1
# The files scan records: PE files, cabinets, signed scripts (their
# signature block, in ASCII, UTF-16LE or UTF-16BE), files named as
# PowerShell scripts, Windows Installer files (named so, or with a
# signature stream), app packages (named so, or holding a manifest or a
# signature); the files inside containers are records too, named
# CONTAINER//FILE, not counted here.
npe=$(python3 -c 'import os,sys
marks=[b"SIG # Begin signature block", b"SIG // Begin signature block",
       b"SIG \x27\x27 Begin signature block", b"** SIG ** "]
def has(d, m):
    t = m.decode()
    return m in d or t.encode("utf-16-le") in d or t.encode("utf-16-be") in d
n=0
for f in os.listdir(sys.argv[1]):
    d=open(os.path.join(sys.argv[1],f),"rb").read()
    lf=f.lower()
    ps=lf.endswith((".ps1",".psm1",".psd1",".ps1xml",".psc1",".cdxml"))
    msi=d[:8]==bytes.fromhex("d0cf11e0a1b11ae1") and (lf.endswith((".msi",".msm",".msp",".mst"))
        or "\x05DigitalSignature".encode("utf-16-le") in d)
    appx=d[:4]==b"PK\x03\x04" and (lf.endswith((".appx",".msix",".appxbundle",".msixbundle"))
        or b"AppxManifest.xml" in d or b"AppxSignature.p7x" in d)
    n+=d[:2]==b"MZ" or d[:4]==b"MSCF" or any(has(d, m) for m in marks) or ps or msi or appx
print(n)' "$fix")
[ "$(q "$db" "select count(*) from files where path not like '%//%'")" -eq "$npe" ]
check "one files row per PE file, cabinet, signed script, installer and package ($npe)" $?
[ "$(q "$db" "select verdict from files where path like '%/sha256.dll'")" = valid ] &&
	q "$db" "select reasons from files where path like '%/attack-sigthief.dll'" | grep -w digest_mismatch | grep -qw metadata_mismatch
check "verdicts and reasons recorded" $?
[ "$(q "$db" "select count(*) from signatures s join files f on f.id = s.file_id where f.path like '%/nested-sha1-sha256.dll'")" -eq 2 ]
check "nested signatures recorded with their index" $?
[ "$(q "$db" "select count(distinct sha256) = count(*) from certificates")" -eq 1 ] &&
	[ "$(q "$db" "select count(*) from certificates where subject_cn = 'sigtrace Test Code Signer'")" -ge 1 ] &&
	[ "$(q "$db" "select count(*) from chain_links l join certificates c on c.sha256 = l.cert_sha256 where c.trust_anchor = 1")" -ge 10 ]
check "certificates deduplicated by SHA-256, chain links reach the anchor" $?
[ "$(q "$db" "select p.value from files f join properties p on p.file_id = f.id and p.part_idx = 0 and p.sig_idx is null and p.key = 'pe.company' where f.path like '%/unsigned.dll'")" = "Microsoft Corporation" ]
check "version-resource company recorded" $?
[ "$(q "$db" "select ekus from certificates where subject_cn = 'sigtrace Test Code Signer'")" = 1.3.6.1.5.5.7.3.3 ] &&
	[ "$(q "$db" "select is_ca from certificates where subject_cn = 'sigtrace Test Root CA'")" -eq 1 ] &&
	[ "$(q "$db" "select count(*) from certificates where critical_extensions like '%2.5.29.19%'")" -ge 1 ]
check "certificate EKUs, CA flag and critical extensions recorded" $?
"$st" scan -q --db "$db" "${common[@]}" "$fix" >/dev/null 2>&1
[ "$(q "$db" "select count(*) from files where path not like '%//%'")" -eq "$npe" ] && [ "$(q "$db" "select count(*) from scans")" -eq 2 ] &&
	[ "$(q "$db" "select count(*) from signatures")" -eq "$(q "$db" "select count(*) from signatures s join files f on f.id = s.file_id")" ]
check "a rescan updates rows instead of duplicating them" $?
[ "$(q "$db" "select group_concat(status) from scans")" = "complete,complete" ]
check "finished scans are marked complete" $?

# Killed midway: paths arrive slowly on stdin, the scan commits what is
# done, SIGKILL hits while input is still pending.
mkdir "$tmp/many"
for i in $(seq 1 300); do cp "$fix/pe32-x86.exe" "$tmp/many/f$i.exe"; done
kdb=$tmp/killed.db
mkfifo "$tmp/paths"
"$st" scan -q --db "$kdb" "${common[@]}" --files-from "$tmp/paths" >/dev/null 2>&1 &
pid=$!
exec 3>"$tmp/paths"
for i in $(seq 1 150); do echo "$tmp/many/f$i.exe" >&3; done
sleep 3
kill -9 $pid
wait $pid 2>/dev/null
exec 3>&-
n1=$(q "$kdb" "select count(*) from files")
[ "$n1" -ge 1 ] && [ "$n1" -le 150 ] && [ "$(q "$kdb" "pragma integrity_check")" = ok ] &&
	[ "$(q "$kdb" "select status from scans")" = running ]
check "a killed scan leaves a consistent inventory ($n1 of 300 files, scan still 'running')" $?
[ "$(q "$kdb" "select count(*) from files f where (verdict = 'valid' or verdict = 'invalid') and not exists (select 1 from signatures s where s.file_id = f.id)")" -eq 0 ]
check "every recorded signed file has its signatures (no half-written file)" $?
"$st" scan --db "$kdb" --resume "${common[@]}" "$tmp/many" >/dev/null 2>"$tmp/err"
[ "$(q "$kdb" "select count(*) from files")" -eq 300 ] &&
	grep -q "$n1 already in the inventory" "$tmp/err"
check "--resume skips what is recorded and completes the inventory" $?

# An inventory written in schema 2 (tests/inventory/schema2-inventory.sql,
# real data: samples and fixtures scanned by the sigtrace of that schema) is
# migrated when a scan opens it; every value of the per-format columns it
# had is found again as a part or a property.
mdb=$tmp/schema2.db
here=$(cd "$(dirname "$0")" && pwd)
python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.executescript(open(sys.argv[2]).read()); d.commit()" \
	"$mdb" "$here/schema2-inventory.sql"
before=$(q "$mdb" "select count(*) from files")
"$st" scan -q --db "$mdb" "${common[@]}" "$fix/sha1.dll" >/dev/null 2>&1
pq() { q "$mdb" "select count(*) from properties where key = '$1' and value = '$2'"; }
[ "$(q "$mdb" "pragma user_version")" -eq 7 ] &&
	[ "$(q "$mdb" "select count(*) from signatures where source is not 'embedded'")" -eq 0 ] &&
	[ "$(q "$mdb" "pragma integrity_check")" = ok ] &&
	[ "$(q "$mdb" "select count(*) from files")" -eq $((before + 1)) ] &&
	[ "$(q "$mdb" "select count(*) from parts where idx = 0")" -eq $((before + 1)) ] &&
	[ "$(pq pe.company 'Microsoft Corporation')" -eq 6 ] &&
	[ "$(pq macho.team_id 97JCY7859U)" -eq 2 ] &&
	[ "$(pq macho.cdhash 0b061c70be64938c3cefa26bb236f2ef5d6c9425)" -eq 1 ] &&
	[ "$(pq macho.signer_type developer_id_application)" -eq 2 ] &&
	[ "$(q "$mdb" "select group_concat(name || '=' || idx) from parts p join files f on f.id = p.file_id where f.path like '%sentry-cli' and p.kind = 'slice'")" = "x86_64=1,arm64=2" ] &&
	[ "$(q "$mdb" "select group_concat(part_idx) from signatures s join files f on f.id = s.file_id where f.path like '%sentry-cli'")" = "1,2" ] &&
	[ "$(q "$mdb" "select count(*) from properties where key = 'pe.table_entry'")" -ge 6 ] &&
	[ "$(q "$mdb" "select count(*) from pragma_table_info('files') where name = 'company'")" -eq 0 ]
check "a schema-2 inventory is migrated to schema 7 without losing a value" $?

# Members of containers name the file they were found in (files.container,
# schema 5); a schema-4 inventory gets the column filled from the paths.
[ "$(q "$db" "select count(*) from files where path like '%//%'")" -gt 0 ] &&
	[ "$(q "$db" "select count(*) from files where (path like '%//%') <> (container is not null)")" -eq 0 ] &&
	[ "$(q "$db" "select count(*) from files where container is not null and path not like container || '//%'")" -eq 0 ]
check "members of containers record the file they are in" $?
m4=$tmp/schema4.db
cp "$db" "$m4"
members=$(q "$m4" "select count(*) from files where path like '%//%'")
python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.executescript('drop index files_container; alter table files drop column container; pragma user_version=4;'); d.commit()" "$m4"
"$st" scan -q --db "$m4" "${common[@]}" "$fix/sha1.dll" >/dev/null 2>&1
[ "$(q "$m4" "pragma user_version")" -eq 7 ] &&
	[ "$(q "$m4" "select count(*) from files where container is not null")" -eq "$members" ] &&
	[ "$(q "$m4" "select count(*) from files where container is not null and path not like container || '//%'")" -eq 0 ]
check "a schema-4 inventory is migrated to schema 7 (containers of members)" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
