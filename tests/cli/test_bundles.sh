#!/usr/bin/env bash
# Apple bundles through `scan` and the inventory (docs/bundles.md): a tree
# holding bundles is walked into bundles as units, their nested code and
# dropped executables get records of their own, and a bundle's records are
# the same whether it is scanned alone or inside a tree.
# usage: test_bundles.sh SIGTRACE BUNDLE_FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
case $st in /*) ;; */*) st=$PWD/$st ;; esac
fix=$(cd "$fix" && pwd) pki=$(cd "$pki" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --trust "$pki/apple-root.pem" --at 2025-06-01T00:00:00Z)
passed=0 failed=0
check() { # name, condition exit status
	if [ "$2" -eq 0 ]; then echo "PASS bundles: $1"; passed=$((passed + 1));
	else echo "FAIL bundles: $1"; failed=$((failed + 1)); fi
}

mkdir -p "$tmp/tree/Applications" "$tmp/tree/Downloads"
cp -a "$fix/bundle-devid.app" "$tmp/tree/Applications/Demo.app"
cp -a "$fix/bundle-windtail.app" "$tmp/tree/Downloads/Demo.app"
echo "notes" >"$tmp/tree/readme.txt"

"$st" scan "${common[@]}" --format ndjson "$tmp/tree" >"$tmp/tree.ndjson" 2>"$tmp/tree.err"
rc=$?
check "scan of a tree with a finding exits 1" "$([ $rc -eq 1 ]; echo $?)"
python3 - "$tmp/tree.ndjson" "$tmp/tree" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by = {r["file"]["path"].replace(sys.argv[2] + "/", ""): r for r in recs}
def verdict(p): return by[p]["sigtrace"]["verdict"]
def codes(p): return {x["code"] for x in by[p]["sigtrace"].get("reasons", [])}
ok = True
def expect(cond, what):
    global ok
    if not cond:
        print("mismatch:", what, file=sys.stderr); ok = False
expect(verdict("Applications/Demo.app") == "valid", "the intact bundle is one valid record")
expect(by["Applications/Demo.app"]["sigtrace"]["format"] == "bundle", "format bundle")
expect(verdict("Applications/Demo.app//Contents/Frameworks/Kit.framework") == "valid", "nested framework record")
expect(verdict("Downloads/Demo.app") == "invalid" and "unsealed_resource" in codes("Downloads/Demo.app"),
       "WindTail-style bundle invalid, unsealed_resource")
expect("Contents/MacOS/Dropper" in json.dumps(by["Downloads/Demo.app"]["sigtrace"]["reasons"]),
       "the reason names the dropped file")
expect("Downloads/Demo.app//Contents/MacOS/Dropper" in by, "the dropped executable has a record")
expect(not any("Contents/MacOS/Demo" in p for p in by), "the main executable is no record of its own")
expect(not any(p.startswith("Applications/Demo.app/") and "//" not in p for p in by), "files of a bundle are not walked as files")
sys.exit(0 if ok else 1)
PY
check "a tree: bundles as units, nested code and dropped files as records" $?

# The same bundle alone: the same verdict and reasons as inside the tree.
"$st" scan "${common[@]}" --format ndjson "$tmp/tree/Downloads/Demo.app" >"$tmp/alone.ndjson" 2>/dev/null
python3 - "$tmp/alone.ndjson" "$tmp/tree.ndjson" <<'PY'
import json, sys
def load(f):
    return {r["file"]["path"].split("Downloads/Demo.app")[-1]: (r["sigtrace"]["verdict"], sorted(x["code"] for x in r["sigtrace"].get("reasons", [])))
            for r in map(json.loads, open(f)) if "Downloads/Demo.app" in r["file"]["path"]}
sys.exit(0 if load(sys.argv[1]) == load(sys.argv[2]) else 1)
PY
check "a bundle alone and inside a tree: the same records" $?

# verify on a directory that is not a bundle is an error, not a crash.
"$st" verify "${common[@]}" "$tmp/tree" >/dev/null 2>"$tmp/dir.err"
rc=$?
check "verify on an ordinary directory exits 2" "$([ $rc -eq 2 ]; echo $?)"

# The inventory keeps the bundle and its parts.
"$st" scan "${common[@]}" --db "$tmp/inv.db" -q "$tmp/tree" >/dev/null 2>&1
n=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from files where path like ?", ("%Demo.app%",)).fetchone()[0])' "$tmp/inv.db" 2>/dev/null || echo 0)
check "the inventory records the bundles and their parts ($n)" "$([ "${n:-0}" -ge 4 ]; echo $?)"

# A bundle whose seal lists a file through a path that leaves the bundle
# is never read through: the link target is compared as text.
cp -a "$fix/bundle-symlink-out.app" "$tmp/out.app"
"$st" verify "${common[@]}" "$tmp/out.app" >"$tmp/out.txt" 2>/dev/null
grep -q "symlink_outside_bundle" "$tmp/out.txt"
check "a link out of the bundle is reported" $?

# A flat package's stored executable is a member of its own.
if [ -f "$fix/../pkg/pkg-devid-installer.pkg" ]; then
	"$st" scan "${common[@]}" "$fix/../pkg/pkg-devid-installer.pkg" >"$tmp/pkg.txt" 2>/dev/null
	grep -q '^valid .*pkg-devid-installer.pkg//Resources/tool$' "$tmp/pkg.txt" &&
		grep -q '^valid .*pkg-devid-installer.pkg$' "$tmp/pkg.txt"
	check "a package and its stored Mach-O tool: two valid records" $?
	# The Payload (a gzip'd cpio archive) is opened; the tool inside is
	# named by the package's folder path (a TOC path bug once named it
	# demo.pkg/Bom/PackageInfo/Payload).
	grep -q '^valid .*pkg-devid-installer.pkg//demo.pkg/Payload//\./usr/local/bin/demo-tool$' "$tmp/pkg.txt"
	check "the Payload's cpio archive is opened; the Mach-O inside named by its TOC path" $?
	# (Into a file first: grep -q leaving early would cut the output of
	# the package's second record, and pipefail would count the SIGPIPE.)
	"$st" verify --format ndjson "${common[@]}" "$fix/../pkg/pkg-devid-installer.pkg" >"$tmp/scripts.json" 2>/dev/null
	grep -q '"xar.scripts":"demo.pkg/Scripts"' "$tmp/scripts.json"
	check "a package that runs install scripts lists its Scripts archives (xar.scripts)" $?
	# A modern payload: pbzx (chunked xz, one chunk stored as it is).
	"$st" scan "${common[@]}" "$fix/../pkg/pkg-pbzx.pkg" >"$tmp/pbzx.txt" 2>/dev/null
	grep -q '^valid .*pkg-pbzx.pkg//demo.pkg/Payload//\./usr/local/bin/demo-tool$' "$tmp/pbzx.txt"
	check "a pbzx Payload is decoded chunk by chunk; the Mach-O in its cpio archive verified" $?
	# A pbzx stream whose second xz chunk is damaged: said, not a crash.
	python3 - "$tmp/Payload" <<'PY'
import lzma, struct, sys
chunks = [lzma.compress(b"070707" + b"0" * 4090, format=lzma.FORMAT_XZ), bytearray(lzma.compress(b"x" * 4096, format=lzma.FORMAT_XZ))]
chunks[1][30] ^= 0xFF
out = b"pbzx" + struct.pack(">Q", 4096)
for i, c in enumerate(chunks):
    out += struct.pack(">QQ", 4096 | (0x01000000 if i == 0 else 0), len(c)) + bytes(c)
open(sys.argv[1], "wb").write(out)
PY
	"$st" scan --format ndjson "${common[@]}" "$tmp/Payload" >"$tmp/pbzx-bad.json" 2>/dev/null
	grep -q 'a chunk of the pbzx stream cannot be decoded' "$tmp/pbzx-bad.json"
	check "a damaged pbzx chunk is reported on the payload" $?
else
	check "the package fixtures exist" 1
fi

echo "$passed passed, $failed failed"
