#!/usr/bin/env bash
# make-fixtures.sh PKIDIR OUTDIR
#
# Builds and signs the sigtrace end-to-end PE fixtures into OUTDIR.
# PKIDIR is the output of make-pki.sh. The expected verdict of every file is
# in cases.txt; README.md explains the layout.
#
# Inputs:
#   - Wine's PE32+ DLLs version.dll and psapi.dll (Debian package libwine),
#     directory overridable with SIGTRACE_WINE_DIR;
#   - src/hello.c  -> x86_64-w64-mingw32-gcc            (PE32+ x86-64 console exe)
#   - src/tiny.c   -> clang --target=i686/aarch64-pc-windows-msvc + lld-link
#                                                        (PE32 x86, PE32+ ARM64)
#   - src/efi.c    -> clang --target=x86_64-pc-windows-msvc + lld-link
#                     /subsystem:efi_application          (EFI application)
#
# Fixed times (UTC): signingTime attributes and RFC 3161/legacy timestamps are
# pinned, so only the keys from make-pki.sh change between runs.
#   2024-06-01  normal signing/timestamp time (leaf.pem valid 2024..2026)
#   2020-06-01  signing/timestamp time for expired.pem (valid 2020..2021)
#   2021-06-01  a timestamp after expired.pem's notAfter
#   2024-03-01  a timestamp inside lifetime.pem's validity (2023-06..2024-06)
#   2024-08-01  a timestamp after lifetime.pem's notAfter
# The tests verify at 2025-06-01T00:00:00Z.
#
# Re-running overwrites the fixtures (idempotent).
set -euo pipefail

die() { printf 'make-fixtures.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: make-fixtures.sh PKIDIR OUTDIR"
HERE=$(cd "$(dirname "$0")" && pwd)
PKI=$(cd "$1" 2>/dev/null && pwd) || die "PKI directory $1 not found (run make-pki.sh first)"
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
WINE_DIR=${SIGTRACE_WINE_DIR:-/usr/lib/x86_64-linux-gnu/wine/x86_64-windows}

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
need osslsigncode osslsigncode
need openssl openssl
need python3 python3
need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
need date coreutils
need hash-to-efi-sig-list efitools
need gcab gcab
need wixl wixl
OSC_HELP=$(osslsigncode -h 2>&1 || true)
case $OSC_HELP in
    *-TSA-time*) ;;
    *) die "this osslsigncode has no built-in TSA (-TSA-certs/-TSA-key/-TSA-time); Debian 12 needs osslsigncode 2.9 from bookworm-backports" ;;
esac
CLANG=$(first_of clang-14 clang) || die "clang not found (apt-get install clang-14)"
LLD_LINK=$(first_of lld-link-14 lld-link) || die "lld-link not found (apt-get install lld-14)"
for f in version.dll psapi.dll; do
    [ -f "$WINE_DIR/$f" ] || die "$WINE_DIR/$f not found (apt-get install libwine, or set SIGTRACE_WINE_DIR)"
done
for f in root.pem leaf-chain.pem leaf.key expired-chain.pem notyet-chain.pem noeku-chain.pem \
         badku-chain.pem weak-chain.pem weak512-chain.pem lifetime-chain.pem ec-chain.pem selfsigned-chain.pem \
         msleaf-chain.pem tsa-chain.pem tsa.key roguetsa-chain.pem roguetsa.key inter.pem; do
    [ -f "$PKI/$f" ] || die "$PKI/$f missing (re-run make-pki.sh)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigtrace-fixtures.XXXXXX")
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
ts() { date -u -d "$1" +%s; }
MUTATE=(python3 "$HERE/tools/pe-mutate.py")

T_SIGN=$(ts 2024-06-01T00:00:00Z)
T_EXPIRED_SIGN=$(ts 2020-06-01T00:00:00Z)
T_EXPIRED_LATE=$(ts 2021-06-01T00:00:00Z)
T_LIFETIME_IN=$(ts 2024-03-01T00:00:00Z)
T_LIFETIME_AFTER=$(ts 2024-08-01T00:00:00Z)

# --- inputs -------------------------------------------------------------------
cp "$WINE_DIR/version.dll" "$IN/version.dll"
cp "$WINE_DIR/psapi.dll" "$IN/psapi.dll"
run x86_64-w64-mingw32-gcc -O2 -s -Wl,--no-insert-timestamp -o "$IN/hello.exe" "$HERE/src/hello.c"
for arch in i686 aarch64; do
    run "$CLANG" --target="$arch-pc-windows-msvc" -O2 -ffreestanding -fno-stack-protector \
        -c -o "$WORK/tiny-$arch.obj" "$HERE/src/tiny.c"
    run "$LLD_LINK" /nologo /nodefaultlib /entry:tiny_main /subsystem:console /Brepro \
        "/out:$IN/tiny-$arch.exe" "$WORK/tiny-$arch.obj"
done
run "$CLANG" --target=x86_64-pc-windows-msvc -O2 -ffreestanding -fno-stack-protector \
    -c -o "$WORK/efi.obj" "$HERE/src/efi.c"
run "$LLD_LINK" /nologo /nodefaultlib /entry:efi_main /subsystem:efi_application /Brepro \
    "/out:$IN/hello.efi" "$WORK/efi.obj"

# --- signing helpers -----------------------------------------------------------
# sign OUTNAME INPUT CERT [osslsigncode options...]
#   CERT is a PKI name: uses CERT-chain.pem and CERT.key.
sign() {
    local out=$1 in=$2 cert=$3
    shift 3
    rm -f "$F/$out"
    run osslsigncode sign -certs "$PKI/$cert-chain.pem" -key "$PKI/$cert.key" "$@" \
        -in "$in" -out "$F/$out"
}
TSA=(-TSA-certs "$PKI/tsa-chain.pem" -TSA-key "$PKI/tsa.key")
V=$IN/version.dll

# --- unsigned -------------------------------------------------------------------
cp "$V" "$F/unsigned.dll"
cp "$IN/tiny-i686.exe" "$F/unsigned-x86.exe"
printf 'sigtrace e2e fixture: plain text, not an executable\n' >"$F/not-a-pe.txt"

# --- good signatures -----------------------------------------------------------
sign sha256.dll "$V" leaf -h sha256 -time "$T_SIGN"
sign sha384.dll "$V" leaf -h sha384 -time "$T_SIGN"
sign sha512.dll "$V" leaf -h sha512 -time "$T_SIGN"
sign sha1.dll   "$V" leaf -h sha1   -time "$T_SIGN"
sign md5.dll    "$V" leaf -h md5    -time "$T_SIGN"
sign ec-p256.dll "$V" ec -h sha256 -time "$T_SIGN"
sign ec-explicit-curve.dll "$V" ecexplicit -h sha256 -time "$T_SIGN"
sign pagehash.dll "$V" leaf -h sha256 -ph -time "$T_SIGN"
sign ts-rfc3161.dll "$V" leaf -h sha256 -time "$T_SIGN" "${TSA[@]}" -TSA-time "$T_SIGN"
run "${MUTATE[@]}" legacy-timestamp "$F/sha256.dll" "$F/ts-legacy.dll" \
    --tsa-key "$PKI/tsa.key" --tsa-chain "$PKI/tsa-chain.pem" --time 2024-06-01T00:00:00Z

sign "nested-sha1-sha256.dll.tmp" "$V" leaf -h sha1 -time "$T_SIGN"
sign nested-sha1-sha256.dll "$F/nested-sha1-sha256.dll.tmp" leaf -nest -h sha256 -time "$T_SIGN"
sign "nested-sha256-sha384.dll.tmp" "$V" leaf -h sha256 -time "$T_SIGN"
sign nested-sha256-sha384.dll "$F/nested-sha256-sha384.dll.tmp" leaf -nest -h sha384 -time "$T_SIGN"
rm -f "$F"/*.tmp

# Two WIN_CERTIFICATE entries (like signed UEFI shims): two separate signatures
# of the same image, the second entry appended after the first.
sign "two-a.tmp" "$V" leaf -h sha256 -time "$T_SIGN"
sign "two-b.tmp" "$V" ec -h sha384 -time "$T_SIGN"
run "${MUTATE[@]}" second-entry "$F/two-a.tmp" "$F/two-b.tmp" "$F/two-entries.dll"
rm -f "$F"/*.tmp

# Other architectures / image kinds.
sign pe32-x86.exe  "$IN/tiny-i686.exe"    leaf -h sha256 -time "$T_SIGN"
sign longlived.exe "$IN/tiny-i686.exe" longlived -h sha256 -time "$T_SIGN"
sign revoked.exe "$IN/tiny-i686.exe" revoked -h sha256 -time "$T_SIGN"
sign nv-leaked.exe "$IN/tiny-i686.exe" nvleaked -h sha256 -time "$T_SIGN"
sign nv-leaked-ts.exe "$IN/tiny-i686.exe" nvleaked -h sha256 -time "$T_SIGN" "${TSA[@]}" -TSA-time "$T_SIGN"
sign dupkey-a.exe "$IN/tiny-i686.exe" dupkeya -h sha256 -time "$T_SIGN"
sign dupkey-b.exe "$IN/tiny-i686.exe" dupkeyb -h sha256 -time "$T_SIGN"
sign arm64.exe     "$IN/tiny-aarch64.exe" leaf -h sha256 -time "$T_SIGN"
sign mingw-x64.exe "$IN/hello.exe"        leaf -h sha256 -time "$T_SIGN" "${TSA[@]}" -TSA-time "$T_SIGN"
sign efi-app.efi   "$IN/hello.efi"        leaf -h sha256 -time "$T_SIGN"

# --- certificate validity and timestamps ---------------------------------------
sign expired.dll "$V" expired -h sha256 -time "$T_EXPIRED_SIGN"
sign expired-ts-rfc3161.dll "$V" expired -h sha256 -time "$T_EXPIRED_SIGN" \
    "${TSA[@]}" -TSA-time "$T_EXPIRED_SIGN"
run "${MUTATE[@]}" legacy-timestamp "$F/expired.dll" "$F/expired-ts-legacy.dll" \
    --tsa-key "$PKI/tsa.key" --tsa-chain "$PKI/tsa-chain.pem" --time 2020-06-01T00:00:00Z
sign expired-ts-late.dll "$V" expired -h sha256 -time "$T_EXPIRED_LATE" \
    "${TSA[@]}" -TSA-time "$T_EXPIRED_LATE"
sign notyet.dll "$V" notyet -h sha256 -time "$T_SIGN"
sign lifetime-ts-inside.dll "$V" lifetime -h sha256 -time "$T_LIFETIME_IN" \
    "${TSA[@]}" -TSA-time "$T_LIFETIME_IN"
sign lifetime-ts-after.dll "$V" lifetime -h sha256 -time "$T_LIFETIME_AFTER" \
    "${TSA[@]}" -TSA-time "$T_LIFETIME_AFTER"
sign ts-rogue-tsa.dll "$V" leaf -h sha256 -time "$T_SIGN" \
    -TSA-certs "$PKI/roguetsa-chain.pem" -TSA-key "$PKI/roguetsa.key" -TSA-time "$T_SIGN"

# --- certificate policy and trust ----------------------------------------------------
sign noeku.dll "$V" noeku -h sha256 -time "$T_SIGN"
sign badku.dll "$V" badku -h sha256 -time "$T_SIGN"
sign weak-rsa1024.dll "$V" weak -h sha256 -time "$T_SIGN"
sign weak-rsa512.dll "$V" weak512 -h sha256 -time "$T_SIGN"
sign selfsigned.dll "$V" selfsigned -h sha256 -time "$T_SIGN"
sign ms-impostor.dll "$V" msleaf -h sha256 -time "$T_SIGN"
# Regin's fake "Broadcom Corporation" and APT37's fake "Tencent" signers
# (sigtrace explain), on Wine's unsigned tiny program.
sign regin-broadcom.exe "$IN/tiny-i686.exe" broadcomleaf -h sha256 -time "$T_SIGN"
sign apt37-tencent.exe "$IN/tiny-i686.exe" tencentleaf -h sha256 -time "$T_SIGN"
# A root without basicConstraints (anchors, as on Windows); an intermediate
# without them (never a CA).
sign nobc-root.dll "$V" nobcleaf -h sha256 -time "$T_SIGN"
sign nobc-intermediate.dll "$V" nobcinterleaf -h sha256 -time "$T_SIGN"
# The name of leaf.pem, self-signed (an impostor twin) and from another CA
# (re-keying): for `sigtrace outliers`.
sign twin.dll "$IN/psapi.dll" twin -h sha256 -time "$T_SIGN"
sign rekeyed.dll "$IN/psapi.dll" rekey -h sha256 -time "$T_SIGN"
# Self-signed, and expired at the verification time; the same as a nested
# signature beside a good primary one.
sign selfsigned-expired.dll "$V" selfexpired -h sha256 -time "$T_EXPIRED_SIGN"
sign nested-selfsigned-expired.dll "$F/sha256.dll" selfexpired -nest -h sha256 -time "$T_EXPIRED_SIGN"

# --- platform rules --------------------------------------------------------------------
# Legacy countersignatures whose RSA block holds the bare digest, without
# DigestInfo (VeriSign/Symantec-era timestamp authorities), on the expired signer.
for d in sha1 md5; do
    run "${MUTATE[@]}" legacy-timestamp "$F/expired.dll" "$F/expired-ts-bare-$d.dll" \
        --tsa-key "$PKI/tsa.key" --tsa-chain "$PKI/tsa-chain.pem" --time 2020-06-01T00:00:00Z \
        --digest "$d" --bare
done
# SizeOfHeaders one FileAlignment past the first section's raw data (packed
# files), signed by osslsigncode, which hashes every byte once as Windows does.
run "${MUTATE[@]}" headers-past-section "$V" "$IN/headers-past-section.dll"
sign headers-past-section.dll "$IN/headers-past-section.dll" leaf -h sha256 -time "$T_SIGN"
# SpcIndirectDataContent data type 1.3.6.1.4.1.311.2.1.21, as old pesign wrote it.
run "${MUTATE[@]}" spc-type "$F/efi-app.efi" "$F/pesign-oid.efi" --key "$PKI/leaf.key"
run "${MUTATE[@]}" spc-type "$F/efi-app.efi" "$F/unknown-spc-type.efi" --key "$PKI/leaf.key" \
    --oid 1.3.6.1.4.1.311.2.1.99
# UEFI dbx lists made by efitools (its own Authenticode hash of the image):
# the image, the intermediate CA of its chain, and the image as a machine's
# efivarfs variable shows it (4 bytes of attributes first).
run hash-to-efi-sig-list "$F/efi-app.efi" "$F/dbx-efi-app.esl"
run cert-to-efi-sig-list "$PKI/inter.pem" "$F/dbx-inter.esl"
{ printf '\047\000\000\000'; cat "$F/dbx-efi-app.esl"; } >"$F/dbx-efivarfs.bin"
# Microsoft root lists made and signed by the test PKI (root-list signer under
# root.pem), each listing root.pem with one of the program's attributes.
CTL=(python3 "$HERE/tools/make-ctl.py" --signer "$PKI/ctlsigner.pem" --key "$PKI/ctlsigner.key"
     --this-update 2024-01-01T00:00:00Z)
R="$PKI/root.pem;name=sigtrace Test Root CA"
run "${CTL[@]}" "$F/ctl-codesign-only.stl" --entry "$R;eku=code_signing"
run "${CTL[@]}" "$F/ctl-timestamp-only.stl" --entry "$R;eku=time_stamping"
run "${CTL[@]}" "$F/ctl-disallowed-2025.stl" --entry "$R;eku=code_signing,time_stamping;disallowed=2025-01-01T00:00:00Z"
run "${CTL[@]}" "$F/ctl-disallowed-ts-2024.stl" \
    --entry "$R;eku=code_signing,time_stamping;disallowed=2024-03-01T00:00:00Z;disallowed_eku=time_stamping"
run "${CTL[@]}" "$F/ctl-notbefore-2023.stl" --entry "$R;not_before=2023-06-01T00:00:00Z"
run "${CTL[@]}" "$F/ctl-notbefore-2024-06.stl" --entry "$R;not_before=2024-06-01T00:00:00Z"
run "${CTL[@]}" "$F/ctl-notbefore-ts-2023.stl" \
    --entry "$R;not_before=2023-06-01T00:00:00Z;not_before_eku=time_stamping"
# root2 trusted for code signing only: a timestamp under it chains, through the
# cross-certificate its token carries, to root.pem instead (Windows takes the
# path valid for time stamping); without the cross-certificate it cannot.
run "${CTL[@]}" "$F/ctl-root2-codesign.stl" --entry "$R;eku=code_signing,time_stamping" \
    --entry "$PKI/root2.pem;name=sigtrace Test Root CA 2;eku=code_signing"
sign ts-cross.dll "$V" leaf -h sha256 -time "$T_SIGN" \
    -TSA-certs "$PKI/tsa2x-chain.pem" -TSA-key "$PKI/tsa2.key" -TSA-time "$T_SIGN"
sign ts-nocross.dll "$V" leaf -h sha256 -time "$T_SIGN" \
    -TSA-certs "$PKI/tsa2-chain.pem" -TSA-key "$PKI/tsa2.key" -TSA-time "$T_SIGN"
# Signed by a certificate that is no root-list signer (the code-signing leaf).
run python3 "$HERE/tools/make-ctl.py" --signer "$PKI/leaf.pem" --key "$PKI/leaf.key" \
    --chain "$PKI/inter.pem" --this-update 2024-01-01T00:00:00Z "$F/ctl-wrong-signer.stl" --entry "$R"

# Leaf only, the intermediate CA left out of the signature.
rm -f "$F/no-intermediate.dll"
run osslsigncode sign -certs "$PKI/leaf.pem" -key "$PKI/leaf.key" -h sha256 -time "$T_SIGN" \
    -in "$V" -out "$F/no-intermediate.dll"

# --- attacks derived from good files ---------------------------------------------
run "${MUTATE[@]}" sigthief "$F/sha256.dll" "$IN/psapi.dll" "$F/attack-sigthief.dll"
run "${MUTATE[@]}" flip-code "$F/sha256.dll" "$F/attack-code-byte.dll"
run "${MUTATE[@]}" flip-signature "$F/sha256.dll" "$F/attack-signature-byte.dll" --which primary
run "${MUTATE[@]}" flip-signature "$F/ts-rfc3161.dll" "$F/attack-timestamp-byte.dll" --which timestamp
run "${MUTATE[@]}" flip-signature "$F/ts-legacy.dll" "$F/attack-countersig-byte.dll" --which countersignature
run "${MUTATE[@]}" flip-signature "$F/nested-sha256-sha384.dll" "$F/attack-nested-byte.dll" --which nested
run "${MUTATE[@]}" cert-padding "$F/sha256.dll" "$F/attack-cert-padding.dll"
run "${MUTATE[@]}" append "$F/sha256.dll" "$F/attack-trailing-data.dll"
run "${MUTATE[@]}" table-in-section "$F/mingw-x64.exe" "$F/attack-table-in-section.exe"
run "${MUTATE[@]}" truncate-pkcs7 "$F/sha256.dll" "$F/attack-truncated-pkcs7.dll"
run "${MUTATE[@]}" secdir-outside "$F/sha256.dll" "$F/attack-secdir-outside.dll"
run "${MUTATE[@]}" wincert-header "$F/sha256.dll" "$F/attack-bad-revision.dll" --revision 0x0100
run "${MUTATE[@]}" wincert-header "$F/sha256.dll" "$F/attack-bad-type.dll" --type 0x0001
run "${MUTATE[@]}" flip-code "$F/pagehash.dll" "$F/attack-pagehash-byte.dll" --page 2
run "${MUTATE[@]}" pagehash-resign "$F/pagehash.dll" "$F/attack-pagehash-resigned.dll" \
    --key "$PKI/leaf.key" --page 2

# --- kernel drivers (pe.driver_signing): version.dll with the native
# subsystem, signed with a kernel cross-certificate in the signature
# (signer issued before / after 2015-07-29) and without one ----------------------------
python3 - "$V" "$WORK/driver.sys" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", d, 0x3c)[0]
struct.pack_into("<H", d, pe + 24 + 68, 1)  # Subsystem: IMAGE_SUBSYSTEM_NATIVE
open(sys.argv[2], "wb").write(bytes(d))
PY
sign driver-cross-2014.sys "$WORK/driver.sys" oldsigner -h sha256 -time "$(ts 2015-01-01T00:00:00Z)"
sign driver-cross.sys "$WORK/driver.sys" leafkx -h sha256 -time "$T_SIGN"
sign driver-plain.sys "$WORK/driver.sys" leaf -h sha256 -time "$T_SIGN"

# --- PowerShell scripts: the signature in a comment block, the digest over the
# text as UTF-16LE (UTF-8, UTF-8 with BOM, UTF-16LE; an XML file) ------------------------
printf 'Write-Host "sigtrace test script"\r\nGet-Date\r\n' >"$IN/script.ps1"
printf '\xef\xbb\xbfWrite-Host "caf\xc3\xa9 \xe2\x82\xac"\r\n' >"$IN/script-utf8bom.ps1"
python3 -c 'import sys; open(sys.argv[1], "wb").write(b"\xff\xfe" + "Write-Host \"caf\u00e9\"\r\n".encode("utf-16-le"))' \
    "$IN/script-utf16.ps1"
printf '<?xml version="1.0" encoding="utf-8"?>\r\n<Configuration>\r\n</Configuration>\r\n' >"$IN/script.ps1xml"
for s in script.ps1 script-utf8bom.ps1 script-utf16.ps1 script.ps1xml; do
    sign "$s" "$IN/$s" leaf -h sha256 -time "$T_SIGN"
done
cp "$IN/script.ps1" "$F/script-unsigned.ps1"
python3 - "$F/script.ps1" "$F" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
d = open(src, "rb").read()
# One character of the signed text changed.
open(out + "/script-modified.ps1", "wb").write(d.replace(b"Get-Date", b"Get-Data", 1))
# Text after the block: it runs, and no digest covers it.
open(out + "/script-appended.ps1", "wb").write(d + b"Invoke-Expression $payload\r\n")
# The block of script.ps1 pasted under another script's text (a copied signature).
i = d.index(b"\r\n# SIG # Begin signature block")
open(out + "/script-copied-block.ps1", "wb").write(b"Remove-Item -Recurse C:\\Users\r\n" + d[i + 2:])
# A base64 line broken by a character outside the alphabet.
lines = d.split(b"\r\n")
i = next(k for k, l in enumerate(lines) if l.startswith(b"# SIG # Begin")) + 3
lines[i] = b"# " + b"*" + lines[i][3:]
open(out + "/script-bad-base64.ps1", "wb").write(b"\r\n".join(lines))
PY

# --- cabinets: the signature's place in the header's reserve ----------------------------
mkdir -p "$WORK/cab"
printf 'sigtrace test cabinet\r\n' >"$WORK/cab/readme.txt"
cp "$V" "$WORK/cab/version.dll"
cp "$F/sha256.dll" "$WORK/cab/signed.dll"
(cd "$WORK/cab" && run gcab -c -z "$IN/test.cab" readme.txt version.dll signed.dll)
cp "$IN/test.cab" "$F/cab-unsigned.cab"
sign cab-signed.cab "$IN/test.cab" leaf -h sha256 -time "$T_SIGN"
sign cab-ts.cab "$IN/test.cab" leaf -h sha256 -time "$T_SIGN" "${TSA[@]}" -TSA-time "$T_SIGN"
python3 - "$F/cab-signed.cab" "$F" <<'PY'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
d = bytearray(open(src, "rb").read())
sigoff, siglen = struct.unpack_from("<II", d, 44)
def put(name, b):
    open(out + "/" + name, "wb").write(bytes(b))
m = bytearray(d); m[sigoff - 10] ^= 0x01; put("cab-modified.cab", m)      # compressed data
m = bytearray(d); m[32] ^= 0x01; put("cab-setid.cab", m)                  # setID: hashed
m = bytearray(d); m[34] ^= 0x01; put("cab-icabinet.cab", m)               # iCabinet: not hashed
put("cab-appended.cab", d + b"appended after the signature")
m = bytearray(d); struct.pack_into("<I", m, 44, len(d) + 16); put("cab-sig-outside.cab", m)
PY

# --- Windows Script Host files: the block in their comment style, the digest over the
# text around it and its position (tools/wsh-sign.py: osslsigncode 2.9 signs none) -------
WSH=(python3 "$HERE/tools/wsh-sign.py" --template "$F/script.ps1" --key "$PKI/leaf.key")
printf 'WScript.Echo("sigtrace test");\r\n' >"$IN/wsh.js"
printf 'WScript.Echo "sigtrace test caf\xc3\xa9"\r\n' >"$IN/wsh.vbs"
printf '<package>\r\n<job id="main">\r\n<script language="JScript">WScript.Echo("wsf");</script>\r\n</job>\r\n</package>\r\n' >"$IN/wsh.wsf"
run "${WSH[@]}" "$IN/wsh.js" "$F/wsh-signed.js"
run "${WSH[@]}" "$IN/wsh.js" "$F/wsh-utf16le.js" --encoding utf-16le
run "${WSH[@]}" "$IN/wsh.vbs" "$F/wsh-utf16be.vbs" --encoding utf-16be
run "${WSH[@]}" "$IN/wsh.vbs" "$F/wsh-utf8bom.vbs" --encoding utf-8-bom
run "${WSH[@]}" "$IN/wsh.vbs" "$F/wsh-cp1252.vbs" --encoding cp1252
run "${WSH[@]}" "$IN/wsh.vbs" "$F/wsh-utf8.vbs"
run "${WSH[@]}" "$IN/wsh.wsf" "$F/wsh-signed.wsf"
python3 - "$F" <<'PY'
import sys
out = sys.argv[1]
def get(n):
    return open(out + "/" + n, "rb").read()
def put(n, b):
    open(out + "/" + n, "wb").write(b)
js, vbs, wsf = get("wsh-signed.js"), get("wsh-utf8.vbs"), get("wsh-signed.wsf")
put("wsh-modified.js", js.replace(b"sigtrace test", b"sigtrace TEST", 1))
# Script Host hashes the text after the block too: no trailing_data, a digest mismatch
put("wsh-appended.vbs", vbs + b'CreateObject("WScript.Shell").Run "calc"\r\n')
put("wsh-after-block.wsf", wsf.replace(b"</package>", b"</package><!-- x -->", 1))
# the block of the JScript file pasted under a VBScript text (a copied signature)
block = js[js.index(b"\r\n// SIG // Begin"):]
put("wsh-copied-block.js", b'WScript.Echo("not what was signed");\r\n' + block)
# the footer line cut off
put("wsh-truncated.js", js[:js.index(b"// SIG // End")])
put("wsh-unsigned.js", b'WScript.Echo("unsigned");\r\n')
# <signature> in ordinary XML is no signature block
put("wsh-signature-element.xml", b"<doc>\r\n<signature>\r\nJohn\r\n</signature>\r\n</doc>\r\n")
PY

# --- Windows Installer: the \x05DigitalSignature stream, the digest over the streams --------
mkdir -p "$WORK/msi"
printf 'sigtrace test package\r\n' >"$WORK/msi/readme.txt"
cp "$F/sha256.dll" "$WORK/msi/signed.dll"
sed 's/@MANUFACTURER@/sigtrace test vendor/' "$HERE/src/package.wxs" >"$WORK/msi/package.wxs"
sed 's/@MANUFACTURER@/Microsoft Corporation/' "$HERE/src/package.wxs" >"$WORK/msi/claims-ms.wxs"
(cd "$WORK/msi" && run wixl -o "$IN/test.msi" package.wxs && run wixl -o "$IN/claims-ms.msi" claims-ms.wxs)
CFB=(python3 "$HERE/tools/cfb-mutate.py")
cp "$IN/test.msi" "$F/msi-unsigned.msi"
cp "$IN/claims-ms.msi" "$F/msi-claims-microsoft.msi"
sign msi-signed.msi "$IN/test.msi" leaf -h sha256 -time "$T_SIGN"
sign msi-dse.msi "$IN/test.msi" leaf -h sha256 -add-msi-dse -time "$T_SIGN"
sign msi-ts.msi "$IN/test.msi" leaf -h sha256 -time "$T_SIGN" "${TSA[@]}" -TSA-time "$T_SIGN"
sign msi-sha1.msi "$IN/test.msi" leaf -h sha1 -time "$T_SIGN"
sign msi-expired.msi "$IN/test.msi" expired -h sha256 -time "$T_EXPIRED_SIGN"
run "${CFB[@]}" stream-byte "$F/msi-signed.msi" "$F/msi-stream-byte.msi"
run "${CFB[@]}" clsid "$F/msi-signed.msi" "$F/msi-clsid.msi"
run "${CFB[@]}" mtime "$F/msi-signed.msi" "$F/msi-mtime.msi" '\x05SummaryInformation'
run "${CFB[@]}" mtime "$F/msi-dse.msi" "$F/msi-dse-mtime.msi" '\x05SummaryInformation'
run "${CFB[@]}" slack "$F/msi-signed.msi" "$F/msi-slack.msi"
run "${CFB[@]}" orphan-entry "$F/msi-signed.msi" "$F/msi-orphan-entry.msi"
run "${CFB[@]}" add-stream "$F/msi-signed.msi" "$F/msi-stream-added.msi"
run "${CFB[@]}" clsid "$IN/test.msi" "$F/cfb-other.msi"
cp "$F/cfb-other.msi" "$F/cfb-other.doc"
# CVE-2020-1464: a JAR (a ZIP, read from its end) appended to a signed MSI
python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: Payload\r\n")
    z.writestr("Payload.class", b"\xca\xfe\xba\xbe" + bytes(1000))
' "$IN/payload.jar"
run "${CFB[@]}" glue "$F/msi-signed.msi" "$F/msi-glueball.msi" "$IN/payload.jar"
run "${CFB[@]}" glue-fat "$F/msi-signed.msi" "$F/msi-glueball-fat.msi" "$IN/payload.jar"
# SigThief for installers: another package's signature stream, attached
run osslsigncode extract-signature -in "$F/msi-signed.msi" -out "$IN/msi.sig"
# (osslsigncode writes the file, then fails its own check of it: expected)
osslsigncode attach-signature -sigin "$IN/msi.sig" -in "$IN/claims-ms.msi" \
    -out "$F/msi-copied-signature.msi" >>"$LOG" 2>&1 || true
[ -s "$F/msi-copied-signature.msi" ] || die "attach-signature wrote no msi-copied-signature.msi"
head -c 3000 "$F/msi-signed.msi" >"$F/msi-truncated.msi"

# --- app packages: AppxSignature.p7x, the APPX digest over the ZIP records ----------------
APPX=(python3 "$HERE/tools/make-appx.py")
PUB="CN=sigtrace Test Code Signer, O=sigtrace test PKI, C=XX"
MSPUB="CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"
mkdir -p "$WORK/appx"
printf 'sigtrace test package\r\n' >"$WORK/appx/readme.txt"
cp "$F/sha256.dll" "$WORK/appx/app.dll"
run "${APPX[@]}" package "$IN/test.appx" --publisher "$PUB" "$WORK/appx/app.dll" "$WORK/appx/readme.txt"
printf 'a stand-in for a code integrity catalog\r\n' >"$WORK/appx/ci.cat"
run "${APPX[@]}" package "$IN/ci.appx" --ci "$WORK/appx/ci.cat" --publisher "$PUB" "$WORK/appx/app.dll" "$WORK/appx/readme.txt"
run "${APPX[@]}" package "$IN/descriptors.appx" --descriptors --publisher "$PUB" "$WORK/appx/app.dll" "$WORK/appx/readme.txt"
run "${APPX[@]}" package "$IN/test384.appx" --hash sha384 --publisher "$PUB" "$WORK/appx/app.dll" "$WORK/appx/readme.txt"
run "${APPX[@]}" package "$IN/claims-ms.appx" --publisher "$MSPUB" "$WORK/appx/app.dll" "$WORK/appx/readme.txt"
run "${APPX[@]}" package "$IN/expired.appx" --publisher "CN=sigtrace Expired Code Signer, O=sigtrace test PKI, C=XX" \
    "$WORK/appx/app.dll" "$WORK/appx/readme.txt"
run "${APPX[@]}" package "$IN/lie.appx" --lie app.dll --publisher "$PUB" "$WORK/appx/app.dll" "$WORK/appx/readme.txt"
cp "$IN/test.appx" "$F/appx-unsigned.appx"
sign appx-signed.appx "$IN/test.appx" leaf -h sha256 -time "$T_SIGN"
sign appx-ts.msix "$IN/test.appx" leaf -h sha256 -time "$T_SIGN" "${TSA[@]}" -TSA-time "$T_SIGN"
sign appx-sha384.appx "$IN/test384.appx" leaf -h sha384 -time "$T_SIGN"
sign appx-descriptors.appx "$IN/descriptors.appx" leaf -h sha256 -time "$T_SIGN"
sign appx-ci.appx "$IN/ci.appx" leaf -h sha256 -time "$T_SIGN"
sign appx-expired.appx "$IN/expired.appx" expired -h sha256 -time "$T_EXPIRED_SIGN"
sign appx-publisher.appx "$IN/claims-ms.appx" leaf -h sha256 -time "$T_SIGN"
sign appx-blockmap-lie.appx "$IN/lie.appx" leaf -h sha256 -time "$T_SIGN"
run "${APPX[@]}" flip "$F/appx-signed.appx" "$F/appx-file-byte.appx" readme.txt
run "${APPX[@]}" flip "$F/appx-descriptors.appx" "$F/appx-descriptors-byte.appx" readme.txt
run "${APPX[@]}" flip "$F/appx-ci.appx" "$F/appx-ci-byte.appx" AppxMetadata/CodeIntegrity.cat
run "${APPX[@]}" add "$F/appx-signed.appx" "$F/appx-added.appx" extra.dll
run "${APPX[@]}" gap "$F/appx-signed.appx" "$F/appx-gap.appx"
run "${APPX[@]}" graft "$F/appx-publisher.appx" "$F/appx-copied-signature.appx" "$F/appx-signed.appx"
run "${APPX[@]}" bundle "$IN/test.appxbundle" --publisher "$PUB" "$F/appx-signed.appx"
sign appx-bundle.appxbundle "$IN/test.appxbundle" leaf -h sha256 -time "$T_SIGN"
head -c 2000 "$F/appx-signed.appx" >"$F/appx-truncated.appx"
python3 -c '
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("hello.txt", "a ZIP file that is no app package\r\n")
' "$F/not-appx.zip"

# --- self-checks: the image digest of intact files must match --------------------------
for f in sha256.dll ts-legacy.dll expired-ts-legacy.dll two-entries.dll \
         attack-cert-padding.dll attack-pagehash-resigned.dll; do
    run "${MUTATE[@]}" check-digest "$F/$f"
done
for f in attack-sigthief.dll attack-code-byte.dll attack-pagehash-byte.dll; do
    if "${MUTATE[@]}" check-digest "$F/$f" >/dev/null 2>&1; then
        die "$f: image digest unexpectedly matches"
    fi
done

# --- publish -------------------------------------------------------------------------
for f in "$F"/*; do
    install -m 0644 "$f" "$OUT/$(basename "$f")"
done
