#!/usr/bin/env bash
# Apple bundles inside containers (docs/bundles.md, "Bundles inside disk
# images, DMGs and archives"): a bundle in a disk image, a DMG's volume, a
# ZIP or a tar.gz is verified as a bundle (seal, nested code, dropped
# executables), with the verdicts and reasons it gets in a folder; what
# cannot be copied out is said and its files verified one by one.
# usage: test_bundle_containers.sh SIGTRACE MACHO_FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 mfix=$2 pki=$3
case $st in /*) ;; */*) st=$PWD/$st ;; esac
mfix=$(cd "$mfix" && pwd) pki=$(cd "$pki" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../check.sh
. "$(dirname "$0")/../check.sh" bundle-containers
common=(--no-default-trust --trust "$pki/apple-root.pem" --at 2025-06-01T00:00:00Z)
# Copies are made under TMPDIR: every one must be gone after each scan.
export TMPDIR="$tmp/stage"
mkdir -p "$TMPDIR"
PATH=$PATH:/usr/sbin:/sbin

# Every bundle fixture (sealed, WindTail, modified, removed, added,
# nested foreign, symlink out, detached signatures, ...) and a bare Mach-O,
# in one tree.
mkdir -p "$tmp/tree"
cp -a "$mfix"/bundles/*.app "$mfix"/bundles/*.bundle "$tmp/tree/"
cp "$mfix/macho-devid.arm64" "$tmp/tree/"
"$st" scan --format ndjson "${common[@]}" "$tmp/tree" >"$tmp/folder.json" 2>/dev/null

# same FOLDER_JSON PREFIX CONTAINER_JSON PREFIX: every record of the folder
# has its twin in the container, verdict and reason codes equal, and the
# container holds no other record of a file inside.
same() {
	python3 - "$@" <<'PY'
import json, sys
def load(path, prefix):
    out = {}
    for line in open(path):
        r = json.loads(line)
        p = r["file"]["path"]
        if p.startswith(prefix):
            s = r["sigtrace"]
            out[p[len(prefix):].lstrip("./")] = (s["verdict"], sorted(x["code"] for x in s.get("reasons", [])))
    return out
a, b = load(sys.argv[1], sys.argv[2]), load(sys.argv[3], sys.argv[4])
bad = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
for k in bad[:5]:
    print("differs:", k, a.get(k), b.get(k), file=sys.stderr)
sys.exit(0 if a and len(a) > 20 and not bad else 1)
PY
}

# A raw ext4 image made from the tree (mke2fs -d keeps the links).
mke2fs -q -t ext4 -d "$tmp/tree" "$tmp/tree.img" 64M >/dev/null 2>&1
"$st" scan --format ndjson "${common[@]}" "$tmp/tree.img" >"$tmp/img.json" 2>/dev/null
rc=$?
same "$tmp/folder.json" "$tmp/tree/" "$tmp/img.json" "$tmp/tree.img//" && [ $rc -eq 1 ]
check "bundles in an ext4 image: every record as in the folder (WindTail's dropped executable caught), exit 1" $?
"$st" scan -j 2 --format ndjson "${common[@]}" "$tmp/tree.img" >"$tmp/img2.json" 2>/dev/null
same "$tmp/folder.json" "$tmp/tree/" "$tmp/img2.json" "$tmp/tree.img//"
check "the same with two threads over the image" $?
python3 - "$tmp/img.json" "$tmp/tree.img//bundle-windtail.app" <<'PY'
import json, sys
recs = {json.loads(l)["file"]["path"]: json.loads(l) for l in open(sys.argv[1])}
r = recs.get(sys.argv[2])
ok = r and r["sigtrace"]["format"] == "bundle" and r["file"].get("inode") and \
     [c["format"] for c in r["sigtrace"]["container"]] == ["image"] and \
     r["sigtrace"]["container"][0].get("filesystem", "").startswith("ext")
sys.exit(0 if ok else 1)
PY
check "the bundle's record carries the image's provenance (container chain, file system, inode)" $?
"$st" verify "${common[@]}" "$tmp/tree.img//bundle-windtail.app" >"$tmp/one.txt" 2>/dev/null
rc=$?
grep -q 'unsealed_resource: .*Contents/MacOS/Dropper' "$tmp/one.txt" && [ $rc -eq 1 ]
check "verify IMAGE//X.app names the dropped executable, exit 1" $?
[ -z "$(ls -A "$TMPDIR")" ]
check "no copy is left under TMPDIR" $?

# A DMG whose volume holds two of them.
mkdir -p "$tmp/vol"
cp -a "$tmp/tree/bundle-devid.app" "$tmp/tree/bundle-windtail.app" "$tmp/vol/"
mke2fs -q -t ext4 -d "$tmp/vol" "$tmp/vol.img" 8M >/dev/null 2>&1 &&
	TMPDIR=$tmp python3 "$top/tests/e2e/tools/make-dmg.py" "$pki" "$tmp/dmg" "$tmp/vol.img" >/dev/null 2>&1
"$st" scan --format ndjson "${common[@]}" "$tmp/dmg/dmg-volume.dmg" >"$tmp/dmg.json" 2>/dev/null
rc=$?
python3 - "$tmp/dmg.json" "$tmp/dmg/dmg-volume.dmg//disk//" <<'PY'
import json, sys
recs = {json.loads(l)["file"]["path"]: json.loads(l)["sigtrace"] for l in open(sys.argv[1])}
p = sys.argv[2]
def vr(k):
    s = recs.get(p + k)
    return s and (s["verdict"], sorted(x["code"] for x in s.get("reasons", [])))
ok = vr("bundle-devid.app") == ("valid", []) and vr("bundle-windtail.app") == ("invalid", ["unsealed_resource"]) \
     and vr("bundle-windtail.app//Contents/MacOS/Dropper") == ("untrusted", ["linker_signed"]) \
     and [c["format"] for c in recs[p + "bundle-windtail.app"]["container"]] == ["dmg", "image"] \
     and not any(k.startswith(p + "bundle-windtail.app/") and "//" not in k[len(p):] for k in recs)
sys.exit(0 if ok else 1)
PY
[ $? -eq 0 ] && [ $rc -eq 1 ]
check "bundles in a DMG's volume: the sealed one valid, WindTail's invalid unsealed_resource" $?

# ZIP (links kept: zip -y) and tar.gz.
(cd "$tmp/tree" && zip -qry "$tmp/tree.zip" . && tar czf "$tmp/tree.tgz" .)
"$st" scan --format ndjson "${common[@]}" "$tmp/tree.zip" >"$tmp/zip.json" 2>/dev/null
rc=$?
same "$tmp/folder.json" "$tmp/tree/" "$tmp/zip.json" "$tmp/tree.zip//" && [ $rc -eq 1 ]
check "bundles in a ZIP: every record as in the folder, exit 1" $?
"$st" scan --format ndjson "${common[@]}" "$tmp/tree.tgz" >"$tmp/tgz.json" 2>/dev/null
same "$tmp/folder.json" "$tmp/tree/" "$tmp/tgz.json" "$tmp/tree.tgz//"
check "bundles in a tar.gz (./ paths): every record as in the folder" $?
[ -z "$(ls -A "$TMPDIR")" ]
check "no copy is left under TMPDIR after the archives" $?

# A hard link in a bundle: tar keeps its data once, the second name a
# link to the first; the copy links it again (the same verdict as the
# folder: the added name unsealed, the sealed one intact).
mkdir -p "$tmp/hl"
cp -a "$tmp/tree/bundle-devid.app" "$tmp/hl/"
ln "$tmp/hl/bundle-devid.app/Contents/Resources/icon.icns" "$tmp/hl/bundle-devid.app/Contents/Resources/icon2.icns"
(cd "$tmp/hl" && tar cf "$tmp/hl.tar" bundle-devid.app)
"$st" scan --format ndjson "${common[@]}" "$tmp/hl" >"$tmp/hl-folder.json" 2>/dev/null
"$st" scan --format ndjson "${common[@]}" "$tmp/hl.tar" >"$tmp/hl-tar.json" 2>/dev/null
python3 - "$tmp/hl-folder.json" "$tmp/hl/bundle-devid.app" "$tmp/hl-tar.json" "$tmp/hl.tar//bundle-devid.app" <<'PY'
import json, sys
def rec(path, name):
    for l in open(path):
        r = json.loads(l)
        if r["file"]["path"] == name:
            s = r["sigtrace"]
            return s["verdict"], sorted((x["code"], x["detail"]) for x in s.get("reasons", []))
a, b = rec(sys.argv[1], sys.argv[2]), rec(sys.argv[3], sys.argv[4])
sys.exit(0 if a and a == b and a[0] == "invalid" and [c for c, _ in a[1]] == ["unsealed_resource"] else 1)
PY
check "a hard link inside a bundle in a tar: linked again in the copy, the folder's verdict and reasons" $?

# A folder named like a bundle without a bundle's layout: nothing claims
# the copy, its executables are still verified, one by one (an empty
# folder in it once passed NULL to qsort: UBSan in the ASan stage).
mkdir -p "$tmp/plain/Tools.app/bin" "$tmp/plain/Tools.app/empty"
cp "$mfix/macho-devid.arm64" "$tmp/plain/Tools.app/bin/tool"
echo notes >"$tmp/plain/Tools.app/readme.txt"
(cd "$tmp/plain" && zip -qr "$tmp/plain.zip" .)
"$st" scan --format ndjson "${common[@]}" "$tmp/plain.zip" >"$tmp/plain.json" 2>/dev/null
python3 - "$tmp/plain.json" "$tmp/plain.zip//Tools.app/bin/tool" <<'PY'
import json, sys
recs = {json.loads(l)["file"]["path"]: json.loads(l)["sigtrace"] for l in open(sys.argv[1])}
r = recs.get(sys.argv[2])
sys.exit(0 if r and r["verdict"] == "valid" and r["format"] == "macho" else 1)
PY
check "a directory named X.app that is no bundle: its executable verified as a member" $?

# Hostile names: a link where a directory goes, then a file through it;
# a path climbing out. The copy never writes outside its own folder.
mkdir -p "$tmp/outside"
python3 - "$tmp/evil.zip" "$tmp/outside" "$mfix/macho-devid.arm64" <<'PY'
import stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
def link(name, target):
    i = zipfile.ZipInfo(name)
    i.create_system = 3
    i.external_attr = (stat.S_IFLNK | 0o777) << 16
    z.writestr(i, target)
exe = open(sys.argv[3], "rb").read()
z.writestr("Evil.app/Contents/Info.plist", "<plist><dict/></plist>")
link("Evil.app/Contents/Resources", sys.argv[2])
z.writestr("Evil.app/Contents/Resources/planted", exe)
z.writestr("Evil.app/Contents/MacOS/../../../climb", exe)
z.close()
PY
"$st" scan --format ndjson "${common[@]}" "$tmp/evil.zip" >"$tmp/evil.json" 2>/dev/null
[ -z "$(ls -A "$tmp/outside")" ] && ! [ -e "$tmp/climb" ] &&
	grep -q "'Evil.app' is not verified as a bundle: it cannot be copied out of the archive" "$tmp/evil.json" &&
	grep -q '"path":"[^"]*evil.zip//Evil.app/Contents/Resources/planted"' "$tmp/evil.json" &&
	grep -q '"path":"[^"]*evil.zip//Evil.app/Contents/MacOS/../../../climb"' "$tmp/evil.json"
check "a link then a file through it, a climbing path: refused and said, nothing written outside, both executables still verified" $?
[ -z "$(ls -A "$TMPDIR")" ]
check "no copy is left under TMPDIR after the refused one" $?

finish
