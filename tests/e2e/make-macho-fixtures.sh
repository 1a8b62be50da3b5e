#!/usr/bin/env bash
# make-macho-fixtures.sh PKIDIR OUTDIR
#
# Builds, signs and tampers the sigtrace end-to-end Mach-O fixtures into
# OUTDIR (flat names macho-*). PKIDIR is the output of make-pki.sh (its
# Apple-style section). The expected verdict of every file is in
# macho-cases.txt; README.md ("Mach-O fixtures") explains each one.
#
# Tools (Debian 12 packages): clang-14, lld-14 (ld64.lld-14), llvm-14
# (llvm-lipo-14, llvm-otool-14), golang-go, openssl + libssl-dev, a C compiler
# (cc), python3. The unsuffixed clang/ld64.lld/llvm-lipo/llvm-otool are used
# when the -14 ones are missing.
#
#   - tools/macho-sign.c is compiled into OUTDIR/.tools/macho-sign (a test-only
#     signer, independent of lib/macho/); rebuilt when the source is newer;
#   - tools/macho-mutate.py makes the synthetic big-endian inputs, tampers with
#     signed files and checks every fixture structurally (check-cases);
#   - src/macho/*.S  -> clang + ld64.lld (arm64, x86_64, armv7); lld signs
#     arm64 ad hoc by itself ("linker-signed"), -adhoc_codesign does it for
#     x86_64 and armv7;
#   - src/macho/hello-go -> GOOS=darwin GOARCH=arm64 go build (Go's linker
#     signs it too). Go's build cache (GOCACHE) is the only thing written
#     outside OUTDIR.
#
# Signing times (UTC): 2024-06-01 (apple-devid.pem and friends are valid
# 2024-01-01 .. 2026-01-01); 2020-06-01 for apple-expired.pem (2020 .. 2021).
# The tests verify at 2025-06-01T00:00:00Z.
#
# Re-running overwrites the fixtures (idempotent).
set -euo pipefail

die() { printf 'make-macho-fixtures.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: make-macho-fixtures.sh PKIDIR OUTDIR"
HERE=$(cd "$(dirname "$0")" && pwd)
PKI=$(cd "$1" 2>/dev/null && pwd) || die "PKI directory $1 not found (run make-pki.sh first)"
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
SRC=$HERE/src/macho

need() { # need COMMAND DEBIAN-PACKAGE
    command -v "$1" >/dev/null 2>&1 || die "$1 not found (apt-get install $2)"
}
first_of() { # first_of CMD... -> first one on PATH
    local c
    for c in "$@"; do
        if command -v "$c" >/dev/null 2>&1; then printf '%s\n' "$c"; return 0; fi
    done
    return 1
}
need openssl openssl
need python3 python3
need go golang-go
CC=${CC:-cc}
need "$CC" gcc
CLANG=$(first_of clang-14 clang) || die "clang not found (apt-get install clang-14)"
LD64=$(first_of ld64.lld-14 ld64.lld) || die "ld64.lld not found (apt-get install lld-14)"
LIPO=$(first_of llvm-lipo-14 llvm-lipo) || die "llvm-lipo not found (apt-get install llvm-14)"
OTOOL=$(first_of llvm-otool-14 llvm-otool) || die "llvm-otool not found (apt-get install llvm-14)"
for f in apple-root.pem apple-devid-ca.pem apple-wwdr-ca.pem apple-devid.pem apple-installer.pem \
         apple-mas.pem apple-dev.pem apple-nomarker.pem apple-expired.pem apple-unkcrit.pem \
         selfsigned.pem leaf.pem inter.pem tsa.pem tsa.key tsa-inter.pem; do
    [ -f "$PKI/$f" ] || die "$PKI/$f missing (re-run make-pki.sh)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigtrace-macho.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG=$WORK/log
IN=$WORK/in
F=$WORK/out
mkdir -p "$IN" "$F"

run() {
    if ! "$@" >>"$LOG" 2>&1; then
        tail -n 40 "$LOG" >&2
        die "command failed: $*"
    fi
}
MUTATE=(python3 "$HERE/tools/macho-mutate.py")

# --- the signer ---------------------------------------------------------------------
SIGNER=$OUT/.tools/macho-sign
if [ ! -x "$SIGNER" ] || [ "$HERE/tools/macho-sign.c" -nt "$SIGNER" ]; then
    mkdir -p "$OUT/.tools"
    [ -f /usr/include/openssl/cms.h ] || [ -n "${CPATH:-}" ] ||
        die "OpenSSL headers not found (apt-get install libssl-dev)"
    run "$CC" -std=c11 -Wall -Wextra -Werror -O2 "$HERE/tools/macho-sign.c" -lcrypto \
        -o "$WORK/macho-sign"
    install -m 0755 "$WORK/macho-sign" "$SIGNER"
fi

# --- inputs ---------------------------------------------------------------------------
run "$CLANG" -target arm64-apple-macos11 -c "$SRC/hello-arm64.S" -o "$WORK/hello-arm64.o"
run "$CLANG" -target arm64-apple-macos11 -DOTHER -c "$SRC/hello-arm64.S" -o "$WORK/other-arm64.o"
run "$CLANG" -target x86_64-apple-macos10.15 -c "$SRC/hello-x86_64.S" -o "$WORK/hello-x86_64.o"
run "$CLANG" -target armv7-apple-ios9 -c "$SRC/hello-armv7.S" -o "$WORK/hello-armv7.o"
LD_ARM64=("$LD64" -arch arm64 -platform_version macos 11.0 11.0)
LD_X86_64=("$LD64" -arch x86_64 -platform_version macos 10.15 10.15)
run "${LD_ARM64[@]}" -e _main -o "$IN/linker.arm64" "$WORK/hello-arm64.o"
run "${LD_ARM64[@]}" -e _main -no_adhoc_codesign -o "$IN/unsigned.arm64" "$WORK/hello-arm64.o"
run "${LD_ARM64[@]}" -e _main -o "$IN/other.arm64" "$WORK/other-arm64.o"
run "${LD_ARM64[@]}" -dylib -install_name @rpath/libhello.dylib -o "$IN/linker-dylib.arm64" \
    "$WORK/hello-arm64.o"
run "${LD_X86_64[@]}" -e _main -adhoc_codesign -o "$IN/linker.x86_64" "$WORK/hello-x86_64.o"
run "${LD_X86_64[@]}" -e _main -no_adhoc_codesign -o "$IN/unsigned.x86_64" "$WORK/hello-x86_64.o"
run "$LD64" -arch armv7 -platform_version ios 9.0 9.0 -e _main -adhoc_codesign \
    -o "$IN/linker.armv7" "$WORK/hello-armv7.o"
# Go needs a build cache; without HOME (and no GOCACHE) keep it in OUTDIR.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
    export GOCACHE=$OUT/.tools/go-build
fi
(
    cd "$SRC/hello-go"
    GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 GO111MODULE=on GOFLAGS= GOPROXY=off \
        GOTOOLCHAIN=local go build -trimpath -ldflags='-s -w -buildid=' -o "$IN/go.arm64" . \
        >>"$LOG" 2>&1
) || { tail -n 40 "$LOG" >&2; die "go build failed"; }
run "${MUTATE[@]}" batch <<END
synth-ppc "$IN/unsigned.ppc"
synth-ppc --64 "$IN/unsigned.ppc64"
der-entitlements "$SRC/entitlements.plist" "$WORK/entitlements.der"
END
run "$LIPO" -create "$IN/linker.arm64" "$IN/linker.x86_64" -output "$IN/fat-linker"
run "$LIPO" -create "$IN/unsigned.arm64" "$IN/unsigned.x86_64" -output "$IN/fat-unsigned"
run "$LIPO" -create "$IN/linker.arm64" "$IN/unsigned.x86_64" -output "$IN/fat-partial"
run "$LIPO" -create "$IN/unsigned.ppc" "$IN/linker.x86_64" -output "$IN/fat-ppc"
run "${MUTATE[@]}" fat64 "$IN/fat-linker" "$IN/fat64-linker"
run "$OTOOL" -l -arch all "$IN"/*

# --- signing helpers ---------------------------------------------------------------------
# sign OUTNAME INPUT [macho-sign options...]
sign() {
    local out=$1 in=$2
    shift 2
    rm -f "$F/$out"
    run "$SIGNER" --identifier org.sigtrace.e2e.hello "$@" "$in" "$F/$out"
}
# apple CERT CA -> CMS options for an Apple-style certificate from PKIDIR
apple() {
    printf '%s\n' --team-id SIGTRACE42 --cert "$PKI/$1.pem" --key "$PKI/$1.key" \
        --chain "$PKI/$2.pem" --signing-time 2024-06-01 --designated-requirement
}
mapfile -t DEVID < <(apple apple-devid apple-devid-ca)
ENTS=(--entitlements "$SRC/entitlements.plist" --der-entitlements "$WORK/entitlements.der")
# Apple's usual layout: SHA-1 CodeDirectory in slot 0, SHA-256 one at 0x1000,
# hardened runtime (CD 0x20500 with a runtime version), requirements, entitlements.
APPLE_LAYOUT=(--hash sha1 --alt-hash sha256 --flags 0x10000 --cd-version 0x20500
              --runtime-version 0x000e0000 "${ENTS[@]}")
TSA=(--tsa-cert "$PKI/tsa.pem" --tsa-key "$PKI/tsa.key" --tsa-chain "$PKI/tsa-inter.pem")

# --- unsigned -------------------------------------------------------------------------------
cp "$IN/unsigned.arm64" "$F/macho-unsigned.arm64"
cp "$IN/unsigned.x86_64" "$F/macho-unsigned.x86_64"
cp "$IN/unsigned.ppc" "$F/macho-unsigned.ppc"
cp "$IN/fat-unsigned" "$F/macho-fat-unsigned"

# --- linker-signed (as the linkers made them) ---------------------------------------------
cp "$IN/linker.arm64" "$F/macho-linker.arm64"
cp "$IN/linker.x86_64" "$F/macho-linker.x86_64"
cp "$IN/linker.armv7" "$F/macho-linker.armv7"
cp "$IN/linker-dylib.arm64" "$F/macho-linker-dylib.arm64"
cp "$IN/go.arm64" "$F/macho-go.arm64"
cp "$IN/fat-linker" "$F/macho-fat-linker"

# --- ad-hoc -----------------------------------------------------------------------------------
sign macho-adhoc.arm64 "$IN/linker.arm64" --requirements
sign macho-adhoc.x86_64 "$IN/linker.x86_64" --requirements
sign macho-adhoc-emptycms.arm64 "$IN/linker.arm64" --requirements --empty-cms
sign macho-adhoc.ppc "$IN/unsigned.ppc" --requirements
sign macho-adhoc.ppc64 "$IN/unsigned.ppc64" --requirements
sign macho-adhoc-full.arm64 "$IN/linker.arm64" --requirements "${APPLE_LAYOUT[@]}"

# --- Developer ID -------------------------------------------------------------------------------
sign macho-devid.arm64 "$IN/linker.arm64" "${DEVID[@]}"
sign macho-devid.x86_64 "$IN/linker.x86_64" "${DEVID[@]}"
sign macho-devid.armv7 "$IN/linker.armv7" "${DEVID[@]}"
sign macho-devid.ppc "$IN/unsigned.ppc" "${DEVID[@]}"
sign macho-devid.ppc64 "$IN/unsigned.ppc64" "${DEVID[@]}"
sign macho-devid-dylib.arm64 "$IN/linker-dylib.arm64" "${DEVID[@]}" --identifier org.sigtrace.e2e.libhello
sign macho-devid-go.arm64 "$IN/go.arm64" "${DEVID[@]}" --identifier org.sigtrace.e2e.hello-go
sign macho-devid-apple.arm64 "$IN/linker.arm64" "${DEVID[@]}" "${APPLE_LAYOUT[@]}"
sign macho-devid-16k.arm64 "$IN/linker.arm64" "${DEVID[@]}" --page-size 16384
sign macho-devid-onepage.arm64 "$IN/linker.arm64" "${DEVID[@]}" --page-size 0
sign macho-devid-sha384.arm64 "$IN/linker.arm64" "${DEVID[@]}" --hash sha384
sign macho-devid-sha256t.arm64 "$IN/linker.arm64" "${DEVID[@]}" --hash sha256t
sign macho-devid-cd20200.arm64 "$IN/linker.arm64" "${DEVID[@]}" --cd-version 0x20200
sign macho-devid-cd20600.arm64 "$IN/linker.arm64" "${DEVID[@]}" --cd-version 0x20600
sign macho-devid-unsorted.arm64 "$IN/linker.arm64" "${DEVID[@]}" --unsorted-attrs
sign macho-devid-noattrs.arm64 "$IN/linker.arm64" "${DEVID[@]}" --no-cdhash-attrs
sign macho-devid-ts.arm64 "$IN/linker.arm64" "${DEVID[@]}" "${TSA[@]}" --tsa-time 2024-06-01
sign macho-fat-devid "$IN/fat-linker" "${DEVID[@]}"
sign macho-fat64-devid "$IN/fat64-linker" "${DEVID[@]}"
sign macho-fat-devid-ppc "$IN/fat-ppc" "${DEVID[@]}"

# --- signer certificates ------------------------------------------------------------------------
mapfile -t O < <(apple apple-mas apple-wwdr-ca)
sign macho-mas.arm64 "$IN/linker.arm64" "${O[@]}"
mapfile -t O < <(apple apple-dev apple-wwdr-ca)
sign macho-dev.arm64 "$IN/linker.arm64" "${O[@]}"
mapfile -t O < <(apple apple-installer apple-devid-ca)
sign macho-installer.arm64 "$IN/linker.arm64" "${O[@]}"
mapfile -t O < <(apple apple-nomarker apple-devid-ca)
sign macho-nomarker.arm64 "$IN/linker.arm64" "${O[@]}"
mapfile -t O < <(apple apple-unkcrit apple-devid-ca)
sign macho-unkcrit.arm64 "$IN/linker.arm64" "${O[@]}"
mapfile -t O < <(apple apple-expired apple-devid-ca)
sign macho-expired.arm64 "$IN/linker.arm64" "${O[@]}" --signing-time 2020-06-01
sign macho-expired-ts.arm64 "$IN/linker.arm64" "${O[@]}" --signing-time 2020-06-01 \
    "${TSA[@]}" --tsa-time 2020-06-01
# The same asking for expiry checks (CodeDirectory flag 0x400, CS_FORCE_EXPIRATION),
# and one whose own signing time is after the certificate's notAfter.
sign macho-expired-0x400.arm64 "$IN/linker.arm64" "${O[@]}" --signing-time 2020-06-01 --flags 0x400
sign macho-expired-late.arm64 "$IN/linker.arm64" "${O[@]}" --signing-time 2022-06-01
sign macho-teamid.arm64 "$IN/linker.arm64" "${DEVID[@]}" --team-id OTHERTEAM1
# Not Apple-style at all: the Authenticode test leaf (root.pem) and a self-signed one.
sign macho-leaf.arm64 "$IN/linker.arm64" --cert "$PKI/leaf.pem" --key "$PKI/leaf.key" \
    --chain "$PKI/inter.pem" --signing-time 2024-06-01 --requirements
sign macho-selfsigned.arm64 "$IN/linker.arm64" --cert "$PKI/selfsigned.pem" \
    --key "$PKI/selfsigned.key" --signing-time 2024-06-01 --requirements

# --- attacks ------------------------------------------------------------------------------------------
sign macho-bad-cdhash.arm64 "$IN/linker.arm64" "${DEVID[@]}" --bad-cdhash
sign macho-altcd-noattrs.arm64 "$IN/linker.arm64" "${DEVID[@]}" --hash sha1 --alt-hash sha256 \
    --no-cdhash-attrs
sign macho-fat-partial "$IN/fat-partial" "${DEVID[@]}" --arch arm64
# Over sigtrace's documented limits (docs/limits.md): 65 special slots in one
# CodeDirectory (limit 64), 17 architectures in a universal file (limit 16).
sign macho-limit-special-slots.arm64 "$IN/linker.arm64" "${DEVID[@]}" --special-slots 65
D=$F/macho-devid.arm64
A=$F/macho-attack
run "${MUTATE[@]}" batch <<END
flip-code "$D" "$A-code-byte.arm64"
flip-code "$F/macho-devid.ppc" "$A-code-byte.ppc"
flip-code "$F/macho-adhoc.arm64" "$F/macho-adhoc-code-byte.arm64"
flip-code "$F/macho-linker.arm64" "$F/macho-linker-code-byte.arm64"
flip-code "$F/macho-fat-devid" "$F/macho-fat-attack-code-byte" --arch x86_64
flip-cd "$D" "$A-cd-ident.arm64"
flip-blob "$D" "$A-requirements.arm64" --slot 2 --old SIGTRACE42 --new SIGTRACE43
flip-blob "$F/macho-devid-apple.arm64" "$A-entitlements.arm64" --slot 5 --old allow-jit --new allow-jiT
flip-blob "$F/macho-devid-apple.arm64" "$A-der-entitlements.arm64" --slot 7 --old get-task-allow --new get-task-alloW
flip-hash "$F/macho-altcd-noattrs.arm64" "$A-altcd.arm64" --slot 0x1000 --page 1
sigthief "$D" "$IN/other.arm64" "$A-sigthief.arm64"
flip-signature "$D" "$A-signature-byte.arm64"
append "$D" "$A-trailing-data.arm64"
sig-outside "$D" "$A-sig-outside.arm64"
truncate-cms "$D" "$A-cms-truncated.arm64"
index-outside "$D" "$A-index-outside.arm64"
bad-cmdsize "$D" "$A-bad-cmdsize.arm64"
fat-truncated "$F/macho-fat-devid" "$F/macho-fat-truncated"
fat-many "$F/macho-devid.ppc" "$F/macho-limit-fat-17" --count 17
END

# --- self-checks ------------------------------------------------------------------------------------
# An independent structural verification (Python: page and special-slot
# hashes, cdhash attributes, messageDigest, `openssl cms -verify` of the CMS
# over the slot-0 CodeDirectory, team ID vs the signer's OU) must find exactly
# the integrity problems macho-cases.txt expects; LLVM's Mach-O reader must
# accept every file that is not meant to be malformed.
run "${MUTATE[@]}" check-cases "$HERE/macho-cases.txt" "$F"
parse_ok=()
for f in "$F"/*; do
    case ${f##*/} in
        macho-attack-sig-outside.arm64 | macho-attack-bad-cmdsize.arm64 | macho-fat-truncated) ;;
        *) parse_ok+=("$f") ;;
    esac
done
run "$OTOOL" -l -arch all "${parse_ok[@]}"

# --- publish ---------------------------------------------------------------------------------------------
for f in "$F"/*; do
    install -m 0644 "$f" "$OUT/$(basename "$f")"
done

# --- Apple bundles (bundle-cases.txt): tools/make-bundle.py lays them out,
# writes their seals and signs their executables with macho-sign ----------------------
run python3 "$HERE/tools/make-bundle.py" "$SIGNER" "$PKI" "$IN/linker.arm64" "$IN/other.arm64" \
    "$IN/unsigned.arm64" "$OUT/bundles"
# --- flat installer packages (pkg-cases.txt): tools/make-xar.py, with a signed
# Mach-O stored inside ----------------------------------------------------------------------------
run python3 "$HERE/tools/make-xar.py" "$PKI" "$OUT/macho-devid.arm64" "$OUT/pkg"
# --- disk images (dmg-cases.txt): tools/make-dmg.py ---------------------------------------------------
# A FAT volume (mkfs.vfat, mtools) holding a signed and a tampered program,
# for the images that carry a volume.
rm -f "$OUT/dmg-volume.fat"
run mkfs.vfat -C "$OUT/dmg-volume.fat" 4096
run mmd -i "$OUT/dmg-volume.fat" ::/Tools
run mcopy -i "$OUT/dmg-volume.fat" "$OUT/macho-devid.arm64" ::/Tools/hello
run mcopy -i "$OUT/dmg-volume.fat" "$OUT/macho-attack-code-byte.arm64" ::/Tools/tampered
run python3 "$HERE/tools/make-dmg.py" "$PKI" "$OUT/dmg" "$OUT/dmg-volume.fat"
rm -f "$OUT/dmg-volume.fat"
