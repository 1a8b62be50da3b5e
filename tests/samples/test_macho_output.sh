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
args=(--no-system-trust --trust "$trust/apple-root-ca.pem" --at 2026-11-21T00:00:00Z)

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
sl = sentry["sigtrace"]["slices"]
expect([(s["arch"], s["verdict"], s.get("signature")) for s in sl] ==
       [("x86_64", "valid", 0), ("arm64", "valid", 1)], "slices")
sigs = sentry["sigtrace"]["signatures"]
expect(sigs[1]["cdhash"] == "0b061c70be64938c3cefa26bb236f2ef5d6c9425", "arm64 cdhash")
expect(sigs[1]["signing_id"] == "sentry_cli-ed605fe0983d3ac0", "arm64 identifier")
expect(all(s["signer_type"] == "developer_id_application" for s in sigs), "signer type")
expect(all(s["code_directory_flags"] == 0x10000 for s in sigs), "runtime flag")
expect(all(s["timestamp"]["valid"] and s["verification_time"] == "2026-09-16T14:16:56Z" for s in sigs),
       "verified at the timestamp time")
fl = fsev["sigtrace"]["slices"]
expect([(s["arch"], s["verdict"]) for s in fl] == [("x86_64", "unsigned"), ("arm64", "untrusted")],
       "fsevents slices")
expect("signature" not in fl[0], "unsigned slice has no signature index")
expect(fsev["file"]["code_signature"]["status"] == "errorPartiallySigned", "fsevents status")
sys.exit(0 if ok else 1)
PY
check "NDJSON Mach-O fields (team ID, signing ID, CDHash, slices, signer type)" $?

"$st" verify "${args[@]}" "$fsev" >"$work/out.txt"
grep -q "^    x86_64    unsigned, offset 16384, 81088 bytes" "$work/out.txt" &&
	grep -q "^  signature 0: untrusted (arm64 slice)" "$work/out.txt" &&
	grep -q "^    flags:        0x20002 adhoc linker-signed" "$work/out.txt"
check "text report lists slices and CodeDirectory details" $?

"$st" scan -q --db "$work/inv.db" "${args[@]}" "$sentry" "$fsev" >/dev/null
rows=$(python3 - "$work/inv.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("select group_concat(arch||':'||team_id||':'||substr(cdhash,1,8)||':'||signer_type, ' ')"
                 " from (select * from signatures where team_id is not null order by slice)").fetchone()[0])
print(db.execute("pragma user_version").fetchone()[0])
PY
)
[ "$rows" = "x86_64:97JCY7859U:fcd45ae4:developer_id_application arm64:97JCY7859U:0b061c70:developer_id_application
2" ]
check "inventory records slice, team ID, CDHash and signer class ($(echo $rows))" $?

# Outliers: a vendor's name under Apple's roots is Apple-vetted (msal's
# "3rd Party Mac Developer Application: Microsoft Corporation" is no
# impostor); `--allow team` drops findings of a certificate-signed team only.
msal=$samples/npm/msal-node-runtime/macos
"$st" scan -q --db "$work/inv.db" "${args[@]}" "$msal" >/dev/null
"$st" outliers --db "$work/inv.db" >"$work/outliers.txt"
! grep -q publisher_impersonation "$work/outliers.txt" && grep -q "one_off_signer.*sentry-cli" "$work/outliers.txt"
check "outliers: Microsoft under Apple's roots is not an impersonation" $?
printf 'team 97JCY7859U\n' >"$work/allow.txt"
"$st" outliers --db "$work/inv.db" --allow "$work/allow.txt" >"$work/outliers-allowed.txt"
! grep -q "sentry-cli" "$work/outliers-allowed.txt"
check "outliers --allow team drops the team's findings" $?

# An inventory written before Mach-O support (schema 1) gains the columns.
python3 - "$work/old.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE signatures (file_id INTEGER NOT NULL, idx INTEGER NOT NULL, parent INTEGER,
 depth INTEGER, table_entry INTEGER, verdict TEXT, digest_algorithm TEXT, signed_digest TEXT,
 computed_digest TEXT, signing_time TEXT, timestamp_kind TEXT, timestamp_time TEXT,
 timestamp_valid INTEGER, timestamp_signer_sha256 TEXT, signer_sha256 TEXT, trusted INTEGER,
 verification_time TEXT, reasons TEXT, PRIMARY KEY (file_id, idx));
PRAGMA user_version=1;""")
db.commit()
PY
"$st" scan -q --db "$work/old.db" "${args[@]}" "$sentry" >/dev/null &&
	[ "$(python3 -c "import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); print(d.execute('pragma user_version').fetchone()[0], d.execute('select count(*) from signatures where team_id=\'97JCY7859U\'').fetchone()[0])" "$work/old.db")" = "2 2" ]
check "a schema-1 inventory is migrated and filled" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
