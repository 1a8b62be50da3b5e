#!/usr/bin/env bash
# make-catalog-fixtures.sh PKIDIR FIXDIR OUTDIR
#
# Builds the Windows security catalog (.cat) fixtures of the sigtrace
# end-to-end tests into OUTDIR: catalogs made by tools/make-cat.py and signed
# by the test PKI, the PE and flat files they list, and a CatRoot-like tree.
# PKIDIR is the output of make-pki.sh, FIXDIR that of make-fixtures.sh (its
# unsigned PE files are the inputs). The expected results are in
# catalog-cases.txt; README.md explains the layout.
#
# Fixed times (UTC): thisUpdate, signingTime and RFC 3161 timestamp times are
# pinned, so only the keys from make-pki.sh (and the timestamp tokens' serial
# and own signingTime) change between runs.
#   2024-06-01  thisUpdate / signingTime / timestamp of the leaf.pem catalogs
#   2020-06-01  the same for the expired.pem catalogs (valid 2020..2021)
# The tests verify at 2025-06-01T00:00:00Z.
#
# Every catalog and every listed PE is checked before publishing: the member
# digests with osslsigncode's own Authenticode hashing (`osslsigncode verify
# -catalog`), flat members with sha256sum, the catalogs' signatures with
# `osslsigncode verify`. Re-running overwrites the fixtures (idempotent).
set -euo pipefail

die() { printf 'make-catalog-fixtures.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: make-catalog-fixtures.sh PKIDIR FIXDIR OUTDIR"
HERE=$(cd "$(dirname "$0")" && pwd)
PKI=$(cd "$1" 2>/dev/null && pwd) || die "PKI directory $1 not found (run make-pki.sh first)"
FIX=$(cd "$2" 2>/dev/null && pwd) || die "fixture directory $2 not found (run make-fixtures.sh first)"
mkdir -p "$3"
OUT=$(cd "$3" && pwd)

need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null 2>&1 || die "$1 not found (apt-get install $2)"
}
need osslsigncode osslsigncode
need openssl openssl
need python3 python3
need sha256sum coreutils
need date coreutils
OSC_HELP=$(osslsigncode -h 2>&1 || true)
case $OSC_HELP in
    *-TSA-time*) ;;
    *) die "this osslsigncode has no built-in TSA (-TSA-certs/-TSA-key/-TSA-time); Debian 12 needs osslsigncode 2.9 from bookworm-backports" ;;
esac
case $OSC_HELP in
    *-catalog*) ;;
    *) die "this osslsigncode cannot verify files against catalogs (verify -catalog); Debian 12 needs osslsigncode 2.9 from bookworm-backports" ;;
esac
for f in root.pem leaf.pem leaf.key leaf-chain.pem inter.pem expired.pem expired.key \
         rekey.pem rekey.key otherroot.pem tsa-chain.pem tsa.key; do
    [ -f "$PKI/$f" ] || die "$PKI/$f missing (re-run make-pki.sh)"
done
for f in unsigned-x86.exe unsigned.dll; do
    [ -f "$FIX/$f" ] || die "$FIX/$f missing (re-run make-fixtures.sh)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigtrace-catalogs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG=$WORK/log
F=$WORK/out
mkdir -p "$F"/cat "$F"/cat-tampered "$F"/cat-untrusted "$F"/cat-expired "$F"/cat-expired-ts \
    "$F"/cat-bad "$F"/cat-unaligned "$WORK/tmp"

run() {
    if ! "$@" >>"$LOG" 2>&1; then
        tail -n 40 "$LOG" >&2
        die "command failed: $*"
    fi
}
ts() { date -u -d "$1" +%s; }
CAT=(python3 "$HERE/tools/make-cat.py")
T_SIGN=2024-06-01T00:00:00Z
T_EXPIRED=2020-06-01T00:00:00Z
AT=$(ts 2025-06-01T00:00:00Z)
LEAF=(--signer "$PKI/leaf.pem" --key "$PKI/leaf.key" --chain "$PKI/inter.pem"
      --this-update "$T_SIGN" --signing-time "$T_SIGN")
EXPIRED=(--signer "$PKI/expired.pem" --key "$PKI/expired.key" --chain "$PKI/inter.pem"
         --this-update "$T_EXPIRED" --signing-time "$T_EXPIRED")
REKEY=(--signer "$PKI/rekey.pem" --key "$PKI/rekey.key" --chain "$PKI/otherroot.pem"
       --this-update "$T_SIGN" --signing-time "$T_SIGN")
# add_ts CAT TIME: RFC 3161 timestamp from the test TSA (osslsigncode's built-in TSA).
add_ts() {
    run osslsigncode add -TSA-certs "$PKI/tsa-chain.pem" -TSA-key "$PKI/tsa.key" \
        -TSA-time "$(ts "$2")" -in "$1" -out "$1.ts"
    mv "$1.ts" "$1"
}

# --- members: distinct copies of unsigned PE files ----------------------------------
# Copies with their own 8-character tag in the DOS stub text, so that every
# member has its own digest (make-cat.py stamp-pe IN OUT TAG ...).
X86=$FIX/unsigned-x86.exe   # PE32 i686 (clang + lld-link)
DLL=$FIX/unsigned.dll       # Wine's version.dll: PE32+ with COFF symbols after the sections
run "${CAT[@]}" stamp-pe \
    "$X86" "$F/member.exe" catmembr \
    "$DLL" "$F/member-sha1.dll" catsha1m \
    "$X86" "$F/listed-tampered.exe" cattampr \
    "$X86" "$F/listed-untrusted.exe" catuntru \
    "$X86" "$F/listed-expired-nots.exe" catexpno \
    "$X86" "$F/listed-expired-ts.exe" catexpts \
    "$DLL" "$F/catroot-member.dll" catroot1 \
    "$X86" "$WORK/tmp/tampered-orig.exe" catorigi \
    "$X86" "$WORK/tmp/both-unsigned.exe" catbothx \
    "$X86" "$WORK/tmp/bad.exe" catbadxx
printf 'sigtrace e2e catalog member: a flat (non-PE) file\r\n' >"$F/readme.txt"
# A PE that also carries its own valid signature by leaf.pem.
run osslsigncode sign -certs "$PKI/leaf-chain.pem" -key "$PKI/leaf.key" -h sha256 \
    -time "$(ts "$T_SIGN")" -in "$WORK/tmp/both-unsigned.exe" -out "$F/both.exe"

# --- catalogs --------------------------------------------------------------------------
run "${CAT[@]}" "$F/cat/sha256.cat" "${LEAF[@]}" --hash sha256 --os _v100_X64 \
    --member "$F/member.exe" --member "$F/readme.txt" --member "$F/both.exe"
add_ts "$F/cat/sha256.cat" "$T_SIGN"
run "${CAT[@]}" "$F/cat/sha1.cat" "${LEAF[@]}" --hash sha1 --os _v100_X64 \
    --member "$F/member-sha1.dll"
# One byte of .text changed after cataloguing (pe-mutate.py recomputes CheckSum).
run python3 "$HERE/tools/pe-mutate.py" flip-code "$F/member.exe" "$F/member-modified.exe"

# Signed listing tampered-orig.exe, then that member's digest replaced by
# listed-tampered.exe's: the signature no longer covers the list.
run "${CAT[@]}" "$F/cat-tampered/tampered.cat" "${LEAF[@]}" --hash sha256 \
    --member "$WORK/tmp/tampered-orig.exe;name=listed-tampered.exe" --tamper "$F/listed-tampered.exe"
# Signed under another root (rekey.pem: leaf.pem's subject under sigtrace Other Root CA).
run "${CAT[@]}" "$F/cat-untrusted/untrusted.cat" "${REKEY[@]}" --hash sha256 \
    --member "$F/listed-untrusted.exe"
# Signed by expired.pem (2020-01-01 .. 2021-01-01) on 2020-06-01, without and
# with an RFC 3161 timestamp at that date.
run "${CAT[@]}" "$F/cat-expired/expired-nots.cat" "${EXPIRED[@]}" --hash sha256 \
    --member "$F/listed-expired-nots.exe"
run "${CAT[@]}" "$F/cat-expired-ts/expired-ts.cat" "${EXPIRED[@]}" --hash sha256 \
    --member "$F/listed-expired-ts.exe"
add_ts "$F/cat-expired-ts/expired-ts.cat" "$T_EXPIRED"

# A member whose size is not a multiple of 8 and that has data after its last
# section (Wine's version.dll as shipped, 154,193 bytes): Windows hashes it for
# its catalogs with that data zero-padded to 8 bytes.
cp "$DLL" "$F/member-unaligned.dll"
run "${CAT[@]}" "$F/cat-unaligned/unaligned.cat" "${LEAF[@]}" --hash sha256 \
    --member "$F/member-unaligned.dll"

# Malformed: cut short; content type id-data instead of szOID_CTL; member list a SET.
for kind in truncated content-type members-set; do
    run "${CAT[@]}" "$F/cat-bad/$kind.cat" "${LEAF[@]}" --hash sha256 \
        --member "$WORK/tmp/bad.exe" --malform "$kind"
done

# CatRoot: 300 catalogs of 200 pseudo-random SHA-256 members each (no timestamps);
# pkg-217.cat also lists catroot-member.dll.
CATROOT="$F/catroot/{F750E6C3-38EE-11D1-85E5-00C04FC295EE}"
run "${CAT[@]}" catroot "$CATROOT" "${LEAF[@]}" --count 300 --random-members 200 \
    --seed sigtrace-catroot --extra-member "$F/catroot-member.dll" --extra-index 217

# --- checks ------------------------------------------------------------------------------
# osslsigncode_verify EXPECT FILE [options]: EXPECT ok|fail; the catalog's
# signature (and, with -catalog, the file's Authenticode digest computed by
# osslsigncode) at the tests' verification time, trusting only root.pem.
osslsigncode_verify() {
    local want=$1 file=$2 rc=0
    shift 2
    osslsigncode verify -CAfile "$PKI/root.pem" -TSA-CAfile "$PKI/root.pem" -time "$AT" \
        "$@" -in "$file" >"$WORK/osc.log" 2>&1 || rc=$?
    if { [ "$want" = ok ] && [ $rc -ne 0 ]; } || { [ "$want" = fail ] && [ $rc -eq 0 ]; }; then
        cat "$WORK/osc.log" >&2
        die "osslsigncode verify $* $file: expected $want, exit status $rc"
    fi
    if [ "$want" = ok ] && [ $# -gt 0 ] && ! grep -q 'File is signed in catalog' "$WORK/osc.log"; then
        die "osslsigncode verify $* $file: member not found in the catalog"
    fi
}
# Catalog signatures.
osslsigncode_verify ok "$F/cat/sha256.cat"
osslsigncode_verify ok "$F/cat/sha1.cat"
osslsigncode_verify fail "$F/cat-tampered/tampered.cat"
osslsigncode_verify fail "$F/cat-untrusted/untrusted.cat"
osslsigncode_verify fail "$F/cat-expired/expired-nots.cat"
osslsigncode_verify ok "$F/cat-expired-ts/expired-ts.cat"
# osslsigncode reads no member list: of the malformed ones it rejects only
# the cut and the id-data catalogs; make-cat.py's reader must reject all three.
osslsigncode_verify fail "$F/cat-bad/truncated.cat"
osslsigncode_verify fail "$F/cat-bad/content-type.cat"
osslsigncode_verify ok "$F/cat-bad/members-set.cat"
for f in "$F"/cat-bad/*.cat; do
    if "${CAT[@]}" dump "$f" >/dev/null 2>&1; then die "$f: make-cat.py reads it"; fi
done
osslsigncode_verify ok "$CATROOT/pkg-000.cat"
osslsigncode_verify ok "$CATROOT/pkg-217.cat"
osslsigncode_verify ok "$CATROOT/pkg-299.cat"
# The untrusted catalog verifies when its own root is trusted: only the root differs.
run osslsigncode verify -CAfile "$PKI/otherroot.pem" -time "$AT" -in "$F/cat-untrusted/untrusted.cat"
# Members, with osslsigncode's own Authenticode digest.
osslsigncode_verify ok "$F/member.exe" -catalog "$F/cat/sha256.cat"
osslsigncode_verify ok "$F/both.exe" -catalog "$F/cat/sha256.cat"
osslsigncode_verify ok "$F/both.exe"
osslsigncode_verify ok "$F/member-sha1.dll" -catalog "$F/cat/sha1.cat"
osslsigncode_verify fail "$F/member-modified.exe" -catalog "$F/cat/sha256.cat"
osslsigncode_verify fail "$F/listed-tampered.exe" -catalog "$F/cat-tampered/tampered.cat"
osslsigncode_verify fail "$F/listed-untrusted.exe" -catalog "$F/cat-untrusted/untrusted.cat"
run osslsigncode verify -CAfile "$PKI/otherroot.pem" -time "$AT" \
    -catalog "$F/cat-untrusted/untrusted.cat" -in "$F/listed-untrusted.exe"
osslsigncode_verify fail "$F/listed-expired-nots.exe" -catalog "$F/cat-expired/expired-nots.cat"
osslsigncode_verify ok "$F/listed-expired-ts.exe" -catalog "$F/cat-expired-ts/expired-ts.cat"
osslsigncode_verify ok "$F/catroot-member.dll" -catalog "$CATROOT/pkg-217.cat"
# Member lists as make-cat.py reads them back (tag = SpcIndirectData digest,
# Authenticode digest computed section by section), present or absent.
run "${CAT[@]}" check \
    "$F/cat/sha256.cat" "$F/member.exe" \
    "$F/cat/sha256.cat" "$F/readme.txt" \
    "$F/cat/sha256.cat" "$F/both.exe" \
    "$F/cat/sha1.cat" "$F/member-sha1.dll" \
    "$F/cat-tampered/tampered.cat" "$F/listed-tampered.exe" \
    "$F/cat-untrusted/untrusted.cat" "$F/listed-untrusted.exe" \
    "$F/cat-expired/expired-nots.cat" "$F/listed-expired-nots.exe" \
    "$F/cat-expired-ts/expired-ts.cat" "$F/listed-expired-ts.exe" \
    "$CATROOT/pkg-217.cat" "$F/catroot-member.dll"
run "${CAT[@]}" check --absent \
    "$F/cat/sha256.cat" "$F/member-modified.exe" \
    "$F/cat/sha1.cat" "$F/member-modified.exe" \
    "$F/cat/sha256.cat" "$F/member-sha1.dll" \
    "$F/cat/sha1.cat" "$F/member.exe"
# The flat member's digest is its plain SHA-256.
"${CAT[@]}" dump "$F/cat/sha256.cat" >"$WORK/dump" 2>>"$LOG" || die "make-cat.py dump failed"
grep -q "^tag $(sha256sum "$F/readme.txt" | cut -d' ' -f1) type 1.3.6.1.4.1.311.2.1.25 " "$WORK/dump" \
    || die "readme.txt's SHA-256 is not a flat member of cat/sha256.cat"
# All PE members have distinct digests (both.exe is the signed both-unsigned.exe).
"${CAT[@]}" digest "$F"/*.exe "$F"/*.dll "$WORK/tmp/tampered-orig.exe" "$WORK/tmp/bad.exe" >"$WORK/digests" 2>>"$LOG" \
    || die "make-cat.py digest failed"
if cut -d' ' -f1 "$WORK/digests" | sort | uniq -d | grep -q .; then
    die "two members share a digest"
fi

# --- publish -------------------------------------------------------------------------------
rm -rf "$OUT/catroot" "$OUT"/cat "$OUT"/cat-tampered "$OUT"/cat-untrusted "$OUT"/cat-expired \
    "$OUT"/cat-expired-ts "$OUT"/cat-bad
cp -R "$F"/. "$OUT"/ || die "cannot copy into $OUT"
