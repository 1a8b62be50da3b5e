#!/usr/bin/env bash
# Archives as containers (docs/archives.md): tar in every compression,
# cpio, ZIP (plain and encrypted), 7-Zip, a compressed single file, an
# archive inside an archive; each signed, tampered or unsigned fixture gets
# the same verdict and reasons inside an archive as on its own; a bomb
# stops at the expansion limit.
# usage: test_archives.sh SIGTRACE FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
case $st in /*) ;; */*) st=$PWD/$st ;; esac
fix=$(cd "$fix" && pwd) pki=$(cd "$pki" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z -q --format ndjson)
passed=0 failed=0
check() { # name, condition exit status
	if [ "$2" -eq 0 ]; then echo "PASS archives: $1"; passed=$((passed + 1));
	else echo "FAIL archives: $1"; failed=$((failed + 1)); fi
}

mkdir -p "$tmp/t/bin"
for f in sha256.dll attack-code-byte.dll unsigned.dll nested-sha1-sha256.dll; do
	cp "$fix/$f" "$tmp/t/bin/$f"
done
echo "just text" >"$tmp/t/readme.txt"
"$st" scan "${common[@]}" "$tmp/t" >"$tmp/folder.ndjson" 2>/dev/null

(cd "$tmp/t" && tar cf "$tmp/a.tar" bin readme.txt &&
	tar czf "$tmp/a.tar.gz" bin readme.txt && tar cJf "$tmp/a.tar.xz" bin readme.txt &&
	tar cjf "$tmp/a.tar.bz2" bin readme.txt && tar --zstd -cf "$tmp/a.tar.zst" bin readme.txt &&
	find bin readme.txt | cpio -o -H newc >"$tmp/a.cpio" 2>/dev/null &&
	zip -qr "$tmp/a.zip" bin readme.txt && zip -qr -P infected "$tmp/enc.zip" bin readme.txt &&
	7z a -bd "$tmp/a.7z" bin readme.txt >/dev/null)
check "archives made (tar, gzip, xz, bzip2, zstd, cpio, zip, 7z)" $?
gzip -c "$fix/attack-code-byte.dll" >"$tmp/single.dll.gz"
(cd "$tmp" && cp a.zip inner.zip && tar czf nested.tar.gz inner.zip)

# The same records inside each archive as in the folder: verdict and reasons
# by file name.
same() { # archive [args...]
	local a=$1
	shift
	"$st" scan "${common[@]}" "$@" "$tmp/$a" >"$tmp/$a.ndjson" 2>/dev/null
	python3 - "$tmp/folder.ndjson" "$tmp/$a.ndjson" "$a" <<'PY'
import json, sys
def load(f, sep):
    out = {}
    for l in open(f):
        r = json.loads(l)
        p = r["file"]["path"]
        if sep not in p:
            continue
        name = p.rsplit("/", 1)[-1]
        out[name] = (r["sigtrace"]["verdict"], sorted(x["code"] for x in r["sigtrace"].get("reasons", [])))
    return out
folder = load(sys.argv[1], "/bin/")
inside = load(sys.argv[2], "//")
if folder != inside or len(folder) != 4:
    print("folder:", folder, file=sys.stderr)
    print("inside:", inside, file=sys.stderr)
    sys.exit(1)
PY
}
for a in a.tar a.tar.gz a.tar.xz a.tar.bz2 a.tar.zst a.cpio a.zip a.7z; do
	same "$a"
	check "$a: every file inside gets the verdict and reasons it gets in a folder" $?
done
same enc.zip --archive-password wrong --archive-password infected
check "an encrypted ZIP opened with the second of two passwords" $?

# PKWARE encryption checks a password by one byte: one wrong password in
# 256 passes that check, and libarchive then keeps it for the entry. Find
# such a password for the first file of this ZIP (python's zipfile makes the
# same one-byte check when it opens a member) and give it first.
passes_check() { # zip: a password the first file's check byte lets through
	python3 - "$1" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
first = [i for i in z.infolist() if not i.is_dir()][0]
for n in range(1 << 20):
    try:
        z.open(first, pwd=b"wrong%d" % n).close()
    except RuntimeError:
        continue
    except Exception:
        pass
    print("wrong%d" % n)
    break
PY
}
lucky=$(passes_check "$tmp/enc.zip")
[ -n "$lucky" ]
check "a wrong password that passes the first file's check byte is found ($lucky)" $?
same enc.zip --archive-password "$lucky" --archive-password infected
check "an encrypted ZIP whose first file passes a wrong password's check byte: opened by the second password" $?
"$st" scan "${common[@]}" --archive-password "$lucky" "$tmp/enc.zip" >"$tmp/enc-lucky.ndjson" 2>/dev/null
grep -q '5 encrypted files no archive password opens' "$tmp/enc-lucky.ndjson" &&
	[ "$(grep -c '//' "$tmp/enc-lucky.ndjson")" -eq 0 ]
check "the same wrong password alone: every file reported closed, none passed over as noise" $?
# Stored, not deflated: the wrong key gives noise that decodes without an
# error until the CRC at the end, so the noise must not be taken for a file
# that holds no code.
(cd "$tmp/t" && zip -q -0 -r -P infected "$tmp/stored.zip" bin readme.txt)
lucky=$(passes_check "$tmp/stored.zip")
"$st" scan "${common[@]}" --archive-password "$lucky" "$tmp/stored.zip" >"$tmp/stored-lucky.ndjson" 2>/dev/null
grep -q '5 encrypted files no archive password opens' "$tmp/stored-lucky.ndjson" &&
	[ "$(grep -c '//' "$tmp/stored-lucky.ndjson")" -eq 0 ]
check "a stored encrypted ZIP and a wrong password its check byte lets through: every file reported closed ($lucky)" $?
same stored.zip --archive-password "$lucky" --archive-password infected
check "the same stored ZIP with the right password second: every file verified" $?

"$st" scan "${common[@]}" "$tmp/enc.zip" >"$tmp/enc-nopw.ndjson" 2>/dev/null
rc=$?
grep -q '"malformed_container"' "$tmp/enc-nopw.ndjson" && grep -q 'no archive password opens' "$tmp/enc-nopw.ndjson" &&
	[ "$(grep -c '//' "$tmp/enc-nopw.ndjson")" -eq 0 ] && [ $rc -eq 0 ]
check "an encrypted ZIP without its password: reported, nothing guessed, exit 0" $?

"$st" scan "${common[@]}" "$tmp/single.dll.gz" >"$tmp/single.ndjson" 2>/dev/null
rc=$?
grep -q '"path":"[^"]*single.dll.gz//attack-code-byte.dll"' "$tmp/single.ndjson" && grep -q '"digest_mismatch"' "$tmp/single.ndjson" && [ $rc -eq 1 ]
check "a gzip'd tampered DLL: found inside, exit 1" $?

"$st" scan "${common[@]}" "$tmp/nested.tar.gz" >"$tmp/nested.ndjson" 2>/dev/null
grep -q '"path":"[^"]*nested.tar.gz//inner.zip//bin/attack-code-byte.dll"' "$tmp/nested.ndjson"
check "a ZIP inside a tar.gz: the path names both" $?

# Only the code inside is listed: no record for the archive or the text file
# without --all.
n=$(grep -c . "$tmp/a.tar.gz.ndjson")
check "a.tar.gz: four records, one per executable ($n)" "$([ "$n" -eq 4 ]; echo $?)"

# A bomb: 1.1 GiB of zeros, then a signed DLL, zstd-compressed (a few MiB):
# the walk stops at the expansion limit and says so.
truncate -s 1100M "$tmp/zeros.bin"
(cd "$tmp" && tar cf - zeros.bin t/bin/sha256.dll | zstd -q -1 -T0 >bomb.tar.zst)
rm -f "$tmp/zeros.bin"
"$st" verify --no-default-trust --trust "$pki/root.pem" "$tmp/bomb.tar.zst" >"$tmp/bomb.txt" 2>&1
grep -q "limit_exceeded: the archive expands past" "$tmp/bomb.txt"
check "a decompression bomb stops at the expansion limit" $?

echo "$passed passed, $failed failed"
