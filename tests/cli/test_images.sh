#!/usr/bin/env bash
# Disk images and file systems (docs/images.md), made at test time with
# Debian's tools: an NTFS volume (mkntfs, ntfscp; an alternate data stream
# and a Zone.Identifier), an MBR disk with FAT (mkfs.vfat, mtools) and ext4
# (mke2fs -d) partitions, a GPT disk, the MBR disk as E01 (ewfacquire),
# VMDK and QCOW2 (qemu-img), an APFS container (mkapfs) plain and marked encrypted, a
# raw image inside a tar.gz, a truncated image. Every
# fixture inside an image gets the verdict and reasons it gets in a folder.
# usage: test_images.sh SIGTRACE FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
case $st in /*) ;; */*) st=$PWD/$st ;; esac
fix=$(cd "$fix" && pwd) pki=$(cd "$pki" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z -q --format ndjson)
passed=0 failed=0
check() { # name, condition exit status
	if [ "$2" -eq 0 ]; then echo "PASS images: $1"; passed=$((passed + 1));
	else echo "FAIL images: $1"; failed=$((failed + 1)); fi
}
files=(sha256.dll attack-code-byte.dll unsigned.dll nested-sha1-sha256.dll)
mkdir -p "$tmp/t/Tools"
for f in "${files[@]}"; do cp "$fix/$f" "$tmp/t/Tools/$f"; done
echo "just text" >"$tmp/t/readme.txt"
"$st" scan "${common[@]}" "$tmp/t" >"$tmp/folder.ndjson" 2>/dev/null

# compare RECORDS: the image's records by file name against the folder's
compare() {
	python3 - "$tmp/folder.ndjson" "$1" <<'PY'
import json, sys
def load(f, inside):
    out = {}
    for l in open(f):
        r = json.loads(l)
        p = r["file"]["path"]
        if inside != ("//" in p):
            continue
        name = p.rsplit("/", 1)[-1]
        out[name] = (r["sigtrace"]["verdict"], sorted(x["code"] for x in r["sigtrace"].get("reasons", [])))
    return out
folder, image = load(sys.argv[1], False), load(sys.argv[2], True)
want = {k: v for k, v in folder.items() if k.endswith(".dll")}
got = {k: v for k, v in image.items() if k in want}
if want != got or len(want) != 4:
    print("folder:", want, file=sys.stderr)
    print("image:", image, file=sys.stderr)
    sys.exit(1)
PY
}

# --- an NTFS volume ---
truncate -s 24M "$tmp/ntfs.img"
{ mkntfs -F -q -Q "$tmp/ntfs.img" &&
	for f in "${files[@]}"; do ntfscp -q "$tmp/ntfs.img" "$fix/$f" "$f" || exit 1; done &&
	printf '[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://example.test/page\r\nHostUrl=https://example.test/unsigned.dll\r\n' >"$tmp/zone.txt" &&
	ntfscp -q -N Zone.Identifier "$tmp/ntfs.img" "$tmp/zone.txt" unsigned.dll &&
	ntfscp -q "$tmp/ntfs.img" "$tmp/t/readme.txt" report.txt &&
	ntfscp -q -N hidden.exe "$tmp/ntfs.img" "$fix/attack-code-byte.dll" report.txt; } >/dev/null 2>&1
check "NTFS volume made (mkntfs, ntfscp, streams)" $?
"$st" scan "${common[@]}" "$tmp/ntfs.img" >"$tmp/ntfs.ndjson" 2>/dev/null
rc=$?
compare "$tmp/ntfs.ndjson"
check "NTFS: every file inside gets its folder verdict and reasons" $?
[ $rc -eq 1 ]
check "NTFS: a finding inside makes the exit status 1" $?
python3 - "$tmp/ntfs.ndjson" <<'PY'
import json, sys
recs = {json.loads(l)["file"]["path"].split("//", 1)[1]: json.loads(l) for l in open(sys.argv[1])}
r = recs["unsigned.dll"]["file"]
ok = r.get("origin_url") == "https://example.test/unsigned.dll" and \
     r.get("origin_referrer_url") == "https://example.test/page" and str(r.get("inode", "")).isdigit() and \
     "mtime" in r and "created" in r
ads = recs.get("report.txt:hidden.exe")
ok = ok and ads is not None and ads["sigtrace"]["verdict"] == "invalid"
sys.exit(0 if ok else 1)
PY
check "NTFS: Mark of the Web, inode and times on the file; an executable in an alternate data stream found" $?

# --- an MBR disk: FAT and ext4 partitions ---
mkdir -p "$tmp/ext/Tools"
cp "$tmp"/t/Tools/* "$tmp/ext/Tools/"
{ truncate -s 48M "$tmp/disk.img" &&
	printf 'label: dos\nstart=2048, size=40960, type=c\nstart=43008, type=83\n' | sfdisk -q "$tmp/disk.img" &&
	mkfs.vfat -C -F 16 "$tmp/fat.img" 20480 && mmd -i "$tmp/fat.img" ::/Tools &&
	for f in "${files[@]}"; do mcopy -i "$tmp/fat.img" "$fix/$f" "::/Tools/$f" || exit 1; done &&
	mke2fs -q -t ext4 -d "$tmp/ext" "$tmp/ext.img" 24M &&
	dd if="$tmp/fat.img" of="$tmp/disk.img" bs=512 seek=2048 conv=notrunc status=none &&
	dd if="$tmp/ext.img" of="$tmp/disk.img" bs=512 seek=43008 conv=notrunc status=none; } >/dev/null 2>&1
check "MBR disk made (sfdisk, mkfs.vfat, mtools, mke2fs -d)" $?
"$st" scan "${common[@]}" "$tmp/disk.img" >"$tmp/disk.ndjson" 2>/dev/null
rc=$?
grep '"path":"[^"]*disk.img//p1/' "$tmp/disk.ndjson" >"$tmp/p1.ndjson"
grep '"path":"[^"]*disk.img//p2/' "$tmp/disk.ndjson" >"$tmp/p2.ndjson"
[ $rc -le 1 ] && compare "$tmp/p1.ndjson" && compare "$tmp/p2.ndjson"
check "MBR disk: FAT and ext4 partitions, each file as in a folder, named by partition" $?
"$st" scan "${common[@]}" --hash-images "$tmp/disk.img" 2>/dev/null | grep '"path":"[^"]*disk.img//p2/' >"$tmp/p2-hashed.ndjson"
python3 - "$tmp/p2.ndjson" "$tmp/disk.img" "$tmp/p2-hashed.ndjson" "$(sha256sum <"$tmp/disk.img" | cut -c1-64)" <<'PY'
import json, sys
def first(f):
    return [json.loads(l) for l in open(f) if "attack-code-byte.dll" in l][0]["sigtrace"]["container"]
c, h = first(sys.argv[1]), first(sys.argv[3])
sys.exit(not (len(c) == 1 and c[0]["path"] == sys.argv[2] and c[0]["format"] == "image"
              and "sha256" not in c[0] and h[0].get("sha256") == sys.argv[4]
              and c[0]["partition"].startswith("p2 (sector 43008, ")
              and "0x83" in c[0]["partition"] and c[0]["filesystem"] == "ext4" and c[0]["inode"].isdigit()))
PY
check "MBR disk: sigtrace.container gives the image (path; its SHA-256 with --hash-images only), the partition (index, start, type), file system and inode" $?

# --- GPT ---
{ truncate -s 40M "$tmp/gpt.img" &&
	printf 'label: gpt\nstart=2048, size=40960, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' | sfdisk -q "$tmp/gpt.img" &&
	dd if="$tmp/fat.img" of="$tmp/gpt.img" bs=512 seek=2048 conv=notrunc status=none; } >/dev/null 2>&1
"$st" scan "${common[@]}" "$tmp/gpt.img" >"$tmp/gpt.ndjson" 2>/dev/null
rc=$?
[ $rc -le 1 ] && compare "$tmp/gpt.ndjson"
check "GPT disk: the FAT partition's files as in a folder" $?

# --- E01 and VMDK of the MBR disk ---
(cd "$tmp" && ewfacquire -u -q -t "$tmp/disk" -f encase6 -c none -C c -D d -e e -E e -N n disk.img) >/dev/null 2>&1
[ -f "$tmp/disk.E01" ]
check "E01 made (ewfacquire)" $?
"$st" scan "${common[@]}" "$tmp/disk.E01" >"$tmp/e01.ndjson" 2>/dev/null
rc=$?
grep '//p2/' "$tmp/e01.ndjson" >"$tmp/e01-p2.ndjson"
[ $rc -le 1 ] && compare "$tmp/e01-p2.ndjson" &&
	grep -q '"path":"[^"]*disk.E01//p2/Tools/attack-code-byte.dll"' "$tmp/e01.ndjson"
check "E01: the ext4 partition's files as in a folder" $?
"$st" verify "${common[@]}" "$tmp/disk.E01//p2/Tools/attack-code-byte.dll" >"$tmp/one.ndjson" 2>/dev/null
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/one.ndjson")" -eq 1 ] &&
	grep -q '"path":"[^"]*disk.E01//p2/Tools/attack-code-byte.dll".*"verdict":"invalid"' "$tmp/one.ndjson"
check "verify disk.E01//p2/PATH: the one file inside, by its record path" $?
# The same process reads a registry hive (libregf) and the E01 (libewf):
# their libraries' shared helpers must not clash (docs/images.md).
"$st" scan "${common[@]}" --host-trust "$top/fuzz/corpus/fuzz_hive/software-root-disallowed.hive" \
	"$tmp/disk.E01" >"$tmp/e01-hive.ndjson" 2>/dev/null
[ $? -le 1 ] && grep -q 'disk.E01//p2/Tools/sha256.dll' "$tmp/e01-hive.ndjson"
check "E01 and a registry hive in one process" $?
qemu-img convert -f raw -O vmdk "$tmp/disk.img" "$tmp/disk.vmdk" >/dev/null 2>&1
"$st" scan "${common[@]}" "$tmp/disk.vmdk" >"$tmp/vmdk.ndjson" 2>/dev/null
rc=$?
grep '//p1/' "$tmp/vmdk.ndjson" >"$tmp/vmdk-p1.ndjson"
[ $rc -le 1 ] && compare "$tmp/vmdk-p1.ndjson"
check "VMDK: the FAT partition's files as in a folder" $?
qemu-img convert -f raw -O qcow2 "$tmp/disk.img" "$tmp/disk.qcow2" >/dev/null 2>&1
"$st" scan "${common[@]}" "$tmp/disk.qcow2" >"$tmp/qcow.ndjson" 2>/dev/null
rc=$?
grep '//p2/' "$tmp/qcow.ndjson" >"$tmp/qcow-p2.ndjson"
[ $rc -le 1 ] && compare "$tmp/qcow-p2.ndjson"
check "QCOW2 (libqcow, which TSK lacks): the ext4 partition's files as in a folder" $?
# libqcow, libewf (through libtsk) and libregf in one process: their
# shared helpers must not clash (docs/images.md).
"$st" scan "${common[@]}" --host-trust "$top/fuzz/corpus/fuzz_hive/software-root-disallowed.hive" \
	"$tmp/disk.E01" "$tmp/disk.qcow2" >"$tmp/three.ndjson" 2>/dev/null
[ $? -le 1 ] && grep -q 'disk.E01//p2/Tools/sha256.dll' "$tmp/three.ndjson" &&
	grep -q 'disk.qcow2//p2/Tools/sha256.dll' "$tmp/three.ndjson"
check "an E01, a QCOW2 image and a registry hive in one process" $?

# --- threads over one image's files (st_context_set_member_threads) ---
# The records of one image are the same, in the same order, whatever -j:
# files read straight from a raw image by their runs (ext4 with holes,
# which mke2fs -d leaves for zero blocks; FAT; NTFS with streams), files
# copied out of an E01 for the threads, and more files than wait for a
# thread at once (64).
mkdir -p "$tmp/many"
for i in $(seq 1 40); do for f in "${files[@]}"; do cp "$fix/$f" "$tmp/many/$i-$f"; done; done
# A PE file with 64 KiB of zeros in its overlay: a hole in ext4.
{ cat "$fix/sha256.dll"; head -c 65536 /dev/zero; cat "$fix/unsigned.dll"; } >"$tmp/many/holey.dll"
mke2fs -q -t ext4 -b 4096 -d "$tmp/many" "$tmp/many.img" 32M >/dev/null 2>&1
same=0
for img in "$tmp/many.img" "$tmp/disk.img" "$tmp/ntfs.img" "$tmp/disk.E01"; do
	"$st" scan "${common[@]}" -j 1 "$img" 2>/dev/null | sed 's/"@timestamp":"[^"]*"//' >"$tmp/j1.ndjson"
	"$st" scan "${common[@]}" -j 3 "$img" 2>/dev/null | sed 's/"@timestamp":"[^"]*"//' >"$tmp/j3.ndjson"
	[ -s "$tmp/j1.ndjson" ] && cmp -s "$tmp/j1.ndjson" "$tmp/j3.ndjson" || { same=1; echo "differs with -j: $img" >&2; }
done
[ $same -eq 0 ] && [ "$("$st" scan "${common[@]}" -j 2 "$tmp/many.img" 2>/dev/null | grep -c '"path":"[^"]*many.img//')" -eq 161 ]
check "threads over one image's files: the same records in the same order with -j 1 and -j 3 (ext4 with holes, FAT, NTFS streams, E01; 161 files)" $?

# --- an inventory across images: a signature copied from a file on one
# host's disk onto a file on another's (SigThief across hosts) ---
mkdir -p "$tmp/ha/Tools" "$tmp/hb/Tools"
cp "$fix/sha256.dll" "$tmp/ha/Tools/good.dll"
cp "$fix/attack-sigthief.dll" "$tmp/hb/Tools/good.dll"
mke2fs -q -F -t ext4 -d "$tmp/ha" "$tmp/ha.img" 8M >/dev/null 2>&1
mke2fs -q -F -t ext4 -d "$tmp/hb" "$tmp/hb.img" 8M >/dev/null 2>&1
inv=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z -q)
"$st" scan --db "$tmp/hosts.db" --host host-a "${inv[@]}" "$tmp/ha.img" >/dev/null 2>&1
"$st" scan --db "$tmp/hosts.db" --host host-b "${inv[@]}" "$tmp/hb.img" >/dev/null 2>&1
"$st" outliers --db "$tmp/hosts.db" --format ndjson >"$tmp/hosts.ndjson" 2>/dev/null
python3 - "$tmp/hosts.ndjson" "$tmp" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
t = [r for r in rows if r["sigtrace"]["finding"] == "signature_transplanted"]
sys.exit(not (t and t[0]["file"]["path"] == [sys.argv[2] + "/hb.img//Tools/good.dll"]
              and "belongs to " + sys.argv[2] + "/ha.img//Tools/good.dll" in t[0]["sigtrace"]["evidence"]))
PY
check "inventory across images: a signature copied from a file in one host's image onto one in another's is found" $?
# --resume: an image is recorded whole (its records are written once the
# walk ends), so an interrupted one is scanned again and a recorded one
# skipped, its rows kept.
rows() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from files").fetchone()[0])' "$1"; }
before=$(rows "$tmp/hosts.db")
"$st" scan --db "$tmp/hosts.db" --host host-a --resume --no-default-trust --trust "$pki/root.pem" \
	--at 2025-06-01T00:00:00Z "$tmp/ha.img" >/dev/null 2>"$tmp/resume.err"
[ $? -le 1 ] && grep -q " 1 already in the inventory" "$tmp/resume.err" &&
	[ "$(rows "$tmp/hosts.db")" = "$before" ] && [ "$before" -ge 2 ]
check "--resume skips an image already recorded for the host, its rows kept" $?

# --- APFS: a container (mkapfs, apfsprogs: volumes it cannot fill, since
# no Linux tool writes APFS files), then the same marked encrypted ---
mkapfs=$(command -v mkapfs || echo /usr/sbin/mkapfs)
truncate -s 600M "$tmp/apfs.img" && "$mkapfs" -L Data "$tmp/apfs.img" >/dev/null 2>&1
"$st" scan --all --no-file-hash "${common[@]}" "$tmp/apfs.img" >"$tmp/apfs.ndjson" 2>/dev/null
rc=$?
python3 - "$tmp/apfs.ndjson" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).readline())["sigtrace"]
sys.exit(not (r["format"] == "image" and r["reasons"] == [] and r["parts"][0]["properties"]["image.files"] == 0))
PY
[ $? -eq 0 ] && [ $rc -eq 0 ]
check "APFS: the container's volume is opened and walked (TSK's pool layer), nothing reported against it" $?
python3 "$top/tests/e2e/tools/apfs-set-encrypted.py" "$tmp/apfs.img" &&
	"$st" scan --all --no-file-hash "${common[@]}" "$tmp/apfs.img" >"$tmp/apfs-enc.ndjson" 2>/dev/null
grep -q 'APFS volume v1 (Data) is encrypted (FileVault): its files are not verified' "$tmp/apfs-enc.ndjson"
check "APFS: an encrypted (FileVault) volume is reported, not skipped in silence" $?
rm -f "$tmp/apfs.img"

# --- a raw image inside an archive; a truncated image ---
(cd "$tmp" && tar czf ntfs.tar.gz ntfs.img)
"$st" scan "${common[@]}" "$tmp/ntfs.tar.gz" >"$tmp/nested.ndjson" 2>/dev/null
[ $? -le 1 ] && grep -q '"path":"[^"]*ntfs.tar.gz//ntfs.img//attack-code-byte.dll"' "$tmp/nested.ndjson"
check "a raw NTFS image inside a tar.gz: read through the archive" $?
python3 - "$tmp/nested.ndjson" "$tmp/ntfs.tar.gz" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "ntfs.img//attack-code-byte.dll" in l][0]
c = r["sigtrace"]["container"]
sys.exit(not ([x["path"] for x in c] == [sys.argv[2], sys.argv[2] + "//ntfs.img"]
              and [x["format"] for x in c] == ["archive", "image"] and c[1]["filesystem"] == "ntfs"))
PY
check "an image inside an archive: the container chain names both, outermost first" $?
head -c 30M "$tmp/disk.img" >"$tmp/cut.img"
"$st" scan "${common[@]}" "$tmp/cut.img" >"$tmp/cut.ndjson" 2>/dev/null
rc=$?
[ $rc -le 1 ] && grep -q '"path":"[^"]*cut.img//p1/Tools/sha256.dll"' "$tmp/cut.ndjson"
check "a disk cut inside its second partition: no crash, the first partition read (exit $rc)" $?

# --- a deleted file (FAT: mdel) with and without --deleted ---
{ mkfs.vfat -C "$tmp/del.img" 2048 && mcopy -i "$tmp/del.img" "$fix/sha256.dll" ::/keep.dll &&
	mcopy -i "$tmp/del.img" "$fix/attack-code-byte.dll" ::/gone.dll && mdel -i "$tmp/del.img" ::/gone.dll; } >/dev/null 2>&1
"$st" scan "${common[@]}" "$tmp/del.img" >"$tmp/del.ndjson" 2>/dev/null
"$st" scan "${common[@]}" --deleted "$tmp/del.img" >"$tmp/del2.ndjson" 2>/dev/null
python3 - "$tmp/del.ndjson" "$tmp/del2.ndjson" <<'PY'
import json, sys
plain = [json.loads(l) for l in open(sys.argv[1])]
more = [json.loads(l) for l in open(sys.argv[2])]
gone = [r for r in more if r["file"]["path"].endswith("one.dll")]
ok = len(plain) == 1 and len(more) == 2 and len(gone) == 1 and gone[0]["sigtrace"]["verdict"] == "invalid"
ok = ok and any(p.get("properties", {}).get("image.deleted") is True for p in gone[0]["sigtrace"].get("parts", []))
sys.exit(0 if ok else 1)
PY
check "a deleted file: hidden by default, verified and marked image.deleted with --deleted" $?

echo "$passed passed, $failed failed"
