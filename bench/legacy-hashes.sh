#!/usr/bin/env bash
# What --legacy-hashes costs (not a test): the whole-file SHA-1 and MD5
# beside the SHA-256, on one worker so that CPU time is the measure, page
# cache warm. The corpus is the benign corpus (tests/benign/fetch.sh).
# usage: bench/legacy-hashes.sh [SIGTRACE (default build/src/sigtrace)] [CORPUS (default .cache/benign)] [RUNS (3)]
set -euo pipefail
cd "$(dirname "$0")/.."
st=${1:-build/src/sigtrace} corpus=${2:-.cache/benign} runs=${3:-3}
[ -d "$corpus" ] || { echo "bench: $corpus missing (tests/benign/fetch.sh $corpus)" >&2; exit 1; }
"$st" scan -q -j 1 --format ndjson "$corpus" >/dev/null 2>&1   # warm the cache
bytes=$("$st" scan -q -j 1 --format ndjson "$corpus" 2>/dev/null |
	python3 -c 'import json,sys; print(sum(json.loads(l)["file"]["size"] for l in sys.stdin if "\"hash\"" in l))')
for opt in "" --legacy-hashes; do
	for i in $(seq "$runs"); do
		/usr/bin/time -f "%e %U %S %M" "$st" scan -q -j 1 --format ndjson $opt "$corpus" 2>&1 >/dev/null | tail -1
	done | python3 -c '
import sys
rows = [list(map(float, l.split())) for l in sys.stdin]
best = min(rows, key=lambda r: r[0])
label, mb = sys.argv[1], int(sys.argv[2]) / 1e6
print("| %s | %.2f | %.2f | %.0f | %d |" % (label, best[0], best[1] + best[2], mb / best[0], best[3] // 1024))' \
		"scan -j 1 ${opt:-(SHA-256 only)}" "$bytes"
done
