#!/usr/bin/env bash
# Mach-O fields of the reports and the inventory, checked on real samples
# against the ground truth in README.md (CDHashes, identifiers and team IDs
# were established independently of sigtrace).
# usage: test_macho_output.sh SIGTRACE SAMPLES_DIR TRUST_DIR WORKDIR
set -uo pipefail
st=$1 samples=$2 trust=$3 work=$4
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS macho-output: $1"; passed=$((passed + 1));
	else echo "FAIL macho-output: $1"; failed=$((failed + 1)); fi
}
rm -rf "$work"
mkdir -p "$work"
sentry=$samples/npm/sentry-cli-darwin/bin/sentry-cli
fsev=$samples/npm/fsevents/fsevents.node
args=(--no-default-trust --trust "$trust/apple-root-ca.pem" --at 2026-11-21T00:00:00Z)

"$st" verify --format ndjson "${args[@]}" "$sentry" "$fsev" >"$work/out.ndjson"
python3 - "$work/out.ndjson" <<'PY'
import json, sys
sentry, fsev = [json.loads(l) for l in open(sys.argv[1])]
ok = True
def expect(cond, what):
    global ok
    if not cond:
        print("mismatch:", what); ok = False
cs = sentry["file"]["code_signature"]
expect(cs["team_id"] == "97JCY7859U", "file.code_signature.team_id")
expect(cs["signing_id"] == "sentry-cli-Darwin-universal", "file.code_signature.signing_id")
expect(cs["trusted"] is True and cs["status"] == "trusted", "trusted")
expect(sentry["file"]["hash"]["cdhash"] == "fcd45ae42c5190bdde8c0709168c2286074aadeb", "file.hash.cdhash")
expect(sentry["file"]["macho"]["architecture"] == "universal", "file.macho.architecture")
expect(sentry["sigtrace"]["subformat"] == "fat", "subformat")
parts = sentry["sigtrace"]["parts"]
sigs = sentry["sigtrace"]["signatures"]
expect([(p["kind"], p.get("name"), p["verdict"]) for p in parts] ==
       [("file", None, "valid"), ("slice", "x86_64", "valid"), ("slice", "arm64", "valid")], "parts")
expect([s["part"] for s in sigs] == [1, 2], "each slice's signature belongs to its part")
props = [s["properties"] for s in sigs]
expect(props[1]["macho.cdhash"] == "0b061c70be64938c3cefa26bb236f2ef5d6c9425", "arm64 cdhash")
expect(props[1]["macho.signing_id"] == "sentry_cli-ed605fe0983d3ac0", "arm64 identifier")
expect(all(p["macho.signer_type"] == "developer_id_application" for p in props), "signer type")
expect(all(p["macho.cd_flags"] == 0x10000 for p in props), "runtime flag")
expect(all(s["timestamp"]["valid"] and s["verification_time"] == "2026-09-16T14:16:56Z" for s in sigs),
       "verified at the timestamp time")
fp = fsev["sigtrace"]["parts"]
expect([(p.get("name"), p["verdict"]) for p in fp[1:]] == [("x86_64", "unsigned"), ("arm64", "untrusted")],
       "fsevents slices")
expect([s["part"] for s in fsev["sigtrace"]["signatures"]] == [2], "the unsigned slice has no signature")
expect(fsev["file"]["code_signature"]["status"] == "errorPartiallySigned", "fsevents status")
sys.exit(0 if ok else 1)
PY
check "NDJSON Mach-O fields (team ID, signing ID, CDHash, slice parts, signer type)" $?

"$st" verify "${args[@]}" "$fsev" >"$work/out.txt"
grep -q "^  parts:" "$work/out.txt" &&
	grep -q "^    x86_64    unsigned, offset 16384, 81088 bytes" "$work/out.txt" &&
	grep -q "^  signature 0: untrusted (arm64 slice)" "$work/out.txt" &&
	grep -q "^    flags:        0x20002 adhoc linker-signed" "$work/out.txt"
check "text report lists slices and CodeDirectory details" $?

"$st" scan -q --db "$work/inv.db" "${args[@]}" "$sentry" "$fsev" >/dev/null
rows=$(python3 - "$work/inv.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def prop(key):
    return ("(select value from properties p where p.file_id = s.file_id and p.sig_idx = s.idx"
            " and p.key = '%s')" % key)
print(db.execute("select group_concat(pt.name||':'||%s||':'||substr(%s,1,8)||':'||%s, ' ')"
                 " from (select s.*, pt.name, pt.idx as pidx from signatures s join parts pt"
                 " on pt.file_id = s.file_id and pt.idx = s.part_idx"
                 " where pt.kind = 'slice' and %s is not null order by pt.idx) s"
                 " join parts pt on pt.file_id = s.file_id and pt.idx = s.pidx"
                 % (prop("macho.team_id"), prop("macho.cdhash"), prop("macho.signer_type"),
                    prop("macho.team_id"))).fetchone()[0])
print(db.execute("pragma user_version").fetchone()[0])
PY
)
[ "$rows" = "x86_64:97JCY7859U:fcd45ae4:developer_id_application arm64:97JCY7859U:0b061c70:developer_id_application
7" ]
# $? taken first: the check's own $(...) would reset it.
rc=$?
check "inventory records slice parts, team ID, CDHash and signer class, schema 7 ($(echo $rows))" $rc

# Outliers: a vendor's name under Apple's roots is Apple-vetted (msal's
# "3rd Party Mac Developer Application: Microsoft Corporation" is no
# impostor); `--allow team` drops findings of a certificate-signed team only.
msal=$samples/npm/msal-node-runtime/macos
"$st" scan -q --db "$work/inv.db" "${args[@]}" "$msal" >/dev/null
"$st" outliers --db "$work/inv.db" --min-score 0 --format ndjson >"$work/outliers.txt"
! grep -q publisher_impersonation "$work/outliers.txt" && grep '"one_off_signer"' "$work/outliers.txt" | grep -q "sentry-cli"
check "outliers: Microsoft under Apple's roots is not an impersonation" $?
printf 'team 97JCY7859U\n' >"$work/allow.txt"
"$st" outliers --db "$work/inv.db" --allow "$work/allow.txt" --min-score 0 >"$work/outliers-allowed.txt"
! grep -q "sentry-cli" "$work/outliers-allowed.txt"
check "outliers --allow team drops the team's findings" $?

# An inventory written before Mach-O support (schema 1, as its tables were)
# is migrated through schema 2 to the current one.
python3 - "$work/old.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE scans (id INTEGER PRIMARY KEY, host TEXT, roots TEXT, options TEXT,
 started TEXT, finished TEXT, status TEXT NOT NULL DEFAULT 'running');
CREATE TABLE files (id INTEGER PRIMARY KEY, host TEXT NOT NULL, path TEXT NOT NULL, size INTEGER,
 mtime INTEGER, sha256 TEXT, format TEXT, subformat TEXT, arch TEXT, verdict TEXT NOT NULL,
 reasons TEXT, status TEXT, company TEXT, product TEXT, original_name TEXT, description TEXT,
 file_version TEXT, authenticode_sha256 TEXT, scan_id INTEGER, verified_at TEXT,
 UNIQUE (host, path));
CREATE TABLE reasons (file_id INTEGER NOT NULL, code TEXT NOT NULL, detail TEXT);
CREATE TABLE certificates (sha256 TEXT PRIMARY KEY, sha1 TEXT, subject TEXT, issuer TEXT,
 subject_cn TEXT, issuer_cn TEXT, serial TEXT, not_before TEXT, not_after TEXT,
 key_algorithm TEXT, key_bits INTEGER, signature_algorithm TEXT, trust_anchor INTEGER,
 ekus TEXT, policies TEXT, critical_extensions TEXT, is_ca INTEGER, key_sha256 TEXT);
CREATE TABLE signatures (file_id INTEGER NOT NULL, idx INTEGER NOT NULL, parent INTEGER,
 depth INTEGER, table_entry INTEGER, verdict TEXT, digest_algorithm TEXT, signed_digest TEXT,
 computed_digest TEXT, signing_time TEXT, timestamp_kind TEXT, timestamp_time TEXT,
 timestamp_valid INTEGER, timestamp_signer_sha256 TEXT, signer_sha256 TEXT, trusted INTEGER,
 verification_time TEXT, reasons TEXT, PRIMARY KEY (file_id, idx));
CREATE TABLE chain_links (file_id INTEGER NOT NULL, sig_idx INTEGER NOT NULL,
 position INTEGER NOT NULL, cert_sha256 TEXT NOT NULL, PRIMARY KEY (file_id, sig_idx, position));
PRAGMA user_version=1;""")
db.commit()
PY
"$st" scan -q --db "$work/old.db" "${args[@]}" "$sentry" >/dev/null &&
	[ "$(python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); print(d.execute('pragma user_version').fetchone()[0], d.execute('select count(*) from properties where key=\'macho.team_id\' and value=\'97JCY7859U\'').fetchone()[0])" "$work/old.db")" = "7 2" ]
check "a schema-1 inventory is migrated and filled" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
