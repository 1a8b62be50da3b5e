#!/usr/bin/env bash
# The volume inside a UDIF disk image (lib/dmg/dmg_volume.c): the chunk
# table read, the chunks decoded, the disk walked as an image; the files
# inside get the verdicts they get in a folder, named X.dmg//disk//PATH,
# with the chain of containers.
# usage: test_dmg_volume.sh SIGTRACE MACHO_FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 mfix=$2 pki=$3
# shellcheck source=../check.sh
. "$(dirname "$0")/../check.sh" dmg-volume
common=(--no-default-trust --trust "$pki/apple-root.pem" --at 2025-06-01T00:00:00Z)
"$st" scan --format ndjson "${common[@]}" "$mfix/dmg/dmg-volume.dmg" >"$tmp/scan" 2>/dev/null
rc=$?
"$st" verify --format ndjson "${common[@]}" "$mfix/macho-devid.arm64" "$mfix/macho-attack-code-byte.arm64" >"$tmp/plain" 2>/dev/null
python3 - "$tmp/scan" "$tmp/plain" "$mfix/dmg/dmg-volume.dmg" <<'PY'
import json, sys
recs = {json.loads(l)["file"]["path"]: json.loads(l) for l in open(sys.argv[1])}
plain = [json.loads(l)["sigtrace"] for l in open(sys.argv[2])]
dmg = sys.argv[3]
def vr(s):
    return (s["verdict"], sorted(r["code"] for r in s["reasons"]))
hello, tampered = recs.get(dmg + "//disk//Tools/hello"), recs.get(dmg + "//disk//Tools/tampered")
ok = hello and tampered and vr(hello["sigtrace"]) == vr(plain[0]) and vr(tampered["sigtrace"]) == vr(plain[1])
image = recs.get(dmg, {}).get("sigtrace", {})
ok = ok and image.get("verdict") == "valid" and image.get("reasons") == []
chain = hello["sigtrace"]["container"] if hello else []
ok = ok and [c["format"] for c in chain] == ["dmg", "image"] and chain[1]["path"] == dmg + "//disk" \
     and chain[1].get("filesystem", "").startswith("fat")
sys.exit(0 if ok else 1)
PY
[ $? -eq 0 ] && [ $rc -eq 1 ]
check "a signed dmg stays valid; the files of its FAT volume get their folder verdicts, named X.dmg//disk//PATH, with the container chain; exit 1" $?
# The broken chunk holds no file: a scan that reads what verdicts need
# does not meet it (the data fork's checksum says the image is damaged);
# --hash-images decodes the whole volume and says which chunk.
"$st" scan --format ndjson "${common[@]}" "$mfix/dmg/dmg-volume-lzfse.dmg" "$mfix/dmg/dmg-volume-broken.dmg" >"$tmp/bad" 2>/dev/null
"$st" scan --hash-images --format ndjson "${common[@]}" "$mfix/dmg/dmg-volume-broken.dmg" >"$tmp/bad-whole" 2>/dev/null
grep -q 'compressed with LZFSE, which sigtrace does not read' "$tmp/bad" && grep -q "data fork's CRC-32" "$tmp/bad" &&
	! grep -q 'a chunk does not decode' "$tmp/bad" && grep -q 'a chunk does not decode' "$tmp/bad-whole" &&
	! grep -q '//disk//' "$tmp/bad" "$tmp/bad-whole"
check "an LZFSE chunk and a broken zlib chunk: said on the image, no half-read file reported" $?
# One file inside, by its record path.
"$st" verify --format ndjson "${common[@]}" "$mfix/dmg/dmg-volume.dmg//disk//Tools/tampered" >"$tmp/one" 2>/dev/null
rc=$?
python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not (len(recs) == 1 and recs[0]["file"]["path"] == sys.argv[2] and recs[0]["sigtrace"]["verdict"] == "invalid"))' \
	"$tmp/one" "$mfix/dmg/dmg-volume.dmg//disk//Tools/tampered"
[ $? -eq 0 ] && [ $rc -eq 1 ]
check "verify X.dmg//disk//PATH reports that file alone, its verdict the exit status" $?
"$st" verify "${common[@]}" "$mfix/dmg/dmg-volume.dmg//disk//Tools/none" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "dmg-volume.dmg//disk//Tools/none: no such file inside the container" "$tmp/err"
check "a path inside that names no file: an error (exit 2)" $?
# An APFS volume in a disk image (mkapfs, which cannot put files in it: no
# Linux tool writes APFS files): the disk is opened through TSK's APFS
# pool, no volume left unread.
top=$(cd "$(dirname "$0")/../.." && pwd)
mkapfs=$(command -v mkapfs || echo /usr/sbin/mkapfs)
truncate -s 600M "$tmp/apfs.vol" && "$mkapfs" -L Data "$tmp/apfs.vol" >/dev/null 2>&1 &&
	python3 "$top/tests/e2e/tools/make-dmg.py" "$pki" "$tmp/apfs-dmg" "$tmp/apfs.vol" >/dev/null 2>&1
"$st" scan --all --format ndjson "${common[@]}" "$tmp/apfs-dmg/dmg-volume.dmg" >"$tmp/apfs" 2>/dev/null
rc=$?
python3 - "$tmp/apfs" "$tmp/apfs-dmg/dmg-volume.dmg//disk" <<'PY'
import json, sys
recs = {json.loads(l)["file"]["path"]: json.loads(l)["sigtrace"] for l in open(sys.argv[1])}
d = recs.get(sys.argv[2])
sys.exit(not (d and d["format"] == "image" and not d.get("reasons") and d["parts"][0]["properties"]["image.files"] == 0))
PY
[ $? -eq 0 ] && [ $rc -eq 0 ]
check "a disk image holding an APFS container: its volume read through the APFS pool, nothing left unread" $?
finish
