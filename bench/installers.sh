#!/usr/bin/env bash
# Installer benchmark (bench/RESULTS.md): one Windows Installer package and
# one app package, each holding MB MiB of incompressible data (a worst case:
# every byte is hashed and the data does not shrink), signed by osslsigncode
# under the test PKI. For each: `openssl dgst -sha256` of the file (the
# hardware bound: one read and one SHA-256 of every byte with the CPU's SHA
# extensions) and sha256sum (coreutils, without them), `sigtrace verify` (the digest,
# the uncovered-data or block-map checks, and the members: the package's
# files decoded and probed), and `osslsigncode verify` (the digest only);
# wall time and peak RSS, page cache warm (each file read once before).
# usage: bench/installers.sh SIGTRACE PKIDIR [MB (default 200)]
set -euo pipefail
st=$(realpath "$1") pki=$(realpath "$2") mb=${3:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t=$(date -u -d 2024-06-01T00:00:00Z +%s)
head -c $((mb << 20)) /dev/urandom >"$tmp/payload.bin"
printf 'bench\r\n' >"$tmp/readme.txt"
sed -e 's/@MANUFACTURER@/sigtrace bench/' -e 's/signed.dll/payload.bin/' \
	"$top/tests/e2e/src/package.wxs" >"$tmp/bench.wxs"
(cd "$tmp" && wixl -o bench.msi bench.wxs)
python3 "$top/tests/e2e/tools/make-appx.py" package "$tmp/bench.appx" \
	--publisher "CN=sigtrace Test Code Signer, O=sigtrace test PKI, C=XX" "$tmp/payload.bin" "$tmp/readme.txt"
for f in bench.msi bench.appx; do
	extra=(); [ $f = bench.msi ] && extra=(-add-msi-dse)
	osslsigncode sign -certs "$pki/leaf-chain.pem" -key "$pki/leaf.key" -h sha256 -time "$t" \
		"${extra[@]}" -in "$tmp/$f" -out "$tmp/signed-$f" >/dev/null
done
measure() { # label, command...
	local label=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	/usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null 2>&1 || true
	t1=$(date +%s.%N)
	python3 -c "import sys; w=float(sys.argv[2])-float(sys.argv[1]); mb=int(sys.argv[4])/1048576; print('| %s | %.2f | %.0f | %.0f |' % (sys.argv[3], w, mb/w, int(open(sys.argv[5]).read().split()[-1])/1024))" \
		"$t0" "$t1" "$label" "$size" "$tmp/rss"
}
echo "## installers: an MSI and an app package holding $mb MiB of random data"
echo
echo "| what | wall s | MiB/s | peak RSS MB |"
echo "|---|---|---|---|"
for f in bench.msi bench.appx; do
	s="$tmp/signed-$f"
	size=$(stat -c %s "$s")
	cat "$s" >/dev/null
	measure "$f: openssl dgst -sha256 (bound)" openssl dgst -sha256 "$s"
	measure "$f: sha256sum" sha256sum "$s"
	measure "$f: sigtrace verify" "$st" verify --no-default-trust --trust "$pki/root.pem" \
		--at 2025-06-01T00:00:00Z "$s"
	measure "$f: osslsigncode verify" osslsigncode verify -CAfile "$pki/root.pem" \
		-time "$(date -u -d 2025-06-01T00:00:00Z +%s)" -in "$s"
done
