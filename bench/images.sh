#!/usr/bin/env bash
# Disk image benchmark (bench/RESULTS.md): a raw NTFS image of GB GiB made
# with mkntfs and ntfscp, holding the signed test fixtures (PE files, COUNT
# copies each in folders of their own) among 8 MiB files of random data (the
# non-executables that fill a real disk). Each measurement from a cold page
# cache (root: /proc/sys/vm/drop_caches): `sha256sum` of the whole image
# (reading it once), `sigtrace scan` of the image and of the same image
# as an uncompressed E01 (ewfacquire) (TSK reads the file
# system's metadata and the first bytes of each file; the executables
# whole), and the way without sigtrace's image reader: `tsk_recover -a`
# (The Sleuth Kit) to a folder, then `sigtrace scan` of the folder. Wall
# time and peak RSS.
# usage: bench/images.sh SIGTRACE FIXTURE_DIR PKIDIR [GB (default 2)] [COUNT (default 20)]
set -euo pipefail
st=$(realpath "$1") fix=$(realpath "$2") pki=$(realpath "$3") gb=${4:-2} count=${5:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img=$tmp/disk.img
truncate -s "${gb}G" "$img"
mkntfs -F -q -Q "$img" >/dev/null 2>&1
head -c $((8 << 20)) /dev/urandom >"$tmp/blob"
pe=("$fix"/sha256.dll "$fix"/attack-code-byte.dll "$fix"/unsigned.dll "$fix"/nested-sha1-sha256.dll)
nblobs=$(( (gb * 1024 * 85 / 100) / 8 ))
for i in $(seq 1 "$nblobs"); do ntfscp -q "$img" "$tmp/blob" "data$i.bin"; done
n=0
for i in $(seq 1 "$count"); do
	for p in "${pe[@]}"; do n=$((n + 1)); ntfscp -q "$img" "$p" "pe$n-$(basename "$p")"; done
done
size=$(stat -c %s "$img")
# The same image as an E01 (uncompressed, as acquisitions often are: the
# reads then cost as much as the raw image's).
(cd "$tmp" && ewfacquire -u -q -t "$tmp/disk" -f encase6 -c none -C c -D d -e e -E e -N n disk.img) >/dev/null 2>&1
cold() { sync; echo 3 >/proc/sys/vm/drop_caches; }
measure() { # label, command...
	local label=$1 t0 t1
	shift
	cold
	t0=$(date +%s.%N)
	/usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null 2>&1 || true
	t1=$(date +%s.%N)
	python3 -c "import sys; w=float(sys.argv[2])-float(sys.argv[1]); mb=int(sys.argv[4])/1048576; print('| %s | %.2f | %.0f | %.0f |' % (sys.argv[3], w, mb/w, int(open(sys.argv[5]).read().split()[-1])/1024))" \
		"$t0" "$t1" "$label" "$size" "$tmp/rss"
}
recover_and_scan() {
	rm -rf "$tmp/out"
	tsk_recover -a "$img" "$tmp/out" >/dev/null
	"$st" scan -q --no-default-trust --trust "$pki/root.pem" "$tmp/out"
}
echo "## images: a $gb GiB raw NTFS image, $nblobs files of 8 MiB random data, $n signed/unsigned/tampered PE files"
echo
echo "| what (cold page cache) | wall s | image MiB/s | peak RSS MB |"
echo "|---|---|---|---|"
measure "sha256sum of the image (one read)" sha256sum "$img"
measure "sigtrace scan of the image" "$st" scan -q --no-default-trust --trust "$pki/root.pem" "$img"
measure "sigtrace scan --hash-images of the image (reads it whole)" "$st" scan -q --hash-images --no-default-trust --trust "$pki/root.pem" "$img"
measure "sha256sum of the E01 (one read)" sha256sum "$tmp/disk.E01"
measure "sigtrace scan of the E01" "$st" scan -q --no-default-trust --trust "$pki/root.pem" "$tmp/disk.E01"
export -f recover_and_scan
export st pki img tmp
measure "tsk_recover -a, then sigtrace scan of the folder" bash -c recover_and_scan
"$st" scan -q --no-default-trust --trust "$pki/root.pem" --format ndjson "$img" | wc -l |
	xargs printf '\n(%s records from the image scan: the %s PE files; the data files are read only as far as their first 4 KiB.)\n' "$n" 2>/dev/null || true
