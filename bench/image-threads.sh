#!/usr/bin/env bash
# Threads over the files of one disk image (bench/RESULTS.md): an ext4
# image made with `mke2fs -d` from DIR (the benign corpus: real signed
# executables, archives of them, and everything else the packages hold),
# scanned with -j 1 and -j 2 against the same folder scanned with -j 1 and
# -j 2. Page cache warm (the image is read once before), so that the CPU
# work is measured; best of RUNS. Wall time, CPU time and peak RSS.
# usage: bench/image-threads.sh SIGTRACE DIR [RUNS (default 3)]
set -euo pipefail
st=$(realpath "$1") dir=$(realpath "$2") runs=${3:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kb=$(du -sk "$dir" | cut -f1)
truncate -s $(( kb * 3 / 2 / 1024 + 64 ))M "$tmp/ext.img"
mke2fs -q -t ext4 -d "$dir" "$tmp/ext.img"
cat "$tmp/ext.img" >/dev/null
size=$(stat -c %s "$tmp/ext.img")
best() { # label, command...
	local label=$1 b=""
	shift
	for _ in $(seq 1 "$runs"); do
		/usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$@" >/dev/null 2>&1 || true
		read -r w u s m <"$tmp/t"
		if [ -z "$b" ] || python3 -c "import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))" "$w" "${b%% *}"; then
			b="$w $u $s $m"
		fi
	done
	read -r w u s m <<<"$b"
	python3 -c "import sys; print('| %s | %s | %.2f | %.0f |' % (sys.argv[1], sys.argv[2], float(sys.argv[3]) + float(sys.argv[4]), int(sys.argv[5]) / 1024))" \
		"$label" "$w" "$u" "$s" "$m"
}
echo "## image threads: $(find "$dir" -type f | wc -l) files, $((kb / 1024)) MiB, in a $((size >> 20)) MiB ext4 image"
echo
echo "| what (page cache warm) | wall s | CPU s | peak RSS MB |"
echo "|---|---|---|---|"
for j in 1 2; do best "sigtrace scan -j $j of the folder" "$st" scan -q -j "$j" "$dir"; done
for j in 1 2; do best "sigtrace scan -j $j of the image" "$st" scan -q -j "$j" "$tmp/ext.img"; done
