#!/usr/bin/env bash
# make-pki.sh OUTDIR
#
# Generates the sigtrace end-to-end test PKI with the openssl CLI.
# Validity periods are fixed calendar dates (UTC), never relative to today;
# the e2e tests verify at the pinned time 2025-06-01T00:00:00Z.
#
# Every key is freshly generated on each run, so the bytes differ between
# runs but the file names, subjects, extensions and dates are always the same.
# Re-running replaces the previous output (idempotent).
#
# Output files (PEM; every *.pem has a matching *.key unless noted):
#
#   root.pem          Test Root CA            2020-01-01 .. 2040-01-01  (trust anchor; cert only for root.key)
#   inter.pem         Code-signing Intermediate CA   2020-01-01 .. 2035-01-01
#   tsa-inter.pem     Timestamping Intermediate CA   2020-01-01 .. 2035-01-01 (under root)
#   tsa.pem           TSA leaf, EKU timeStamping (critical)  2020-01-01 .. 2035-01-01
#   leaf.pem          code-signing leaf (EKU codeSigning, KU digitalSignature)
#                                                    2024-01-01 .. 2026-01-01
#   expired.pem       code-signing leaf              2020-01-01 .. 2021-01-01
#   notyet.pem        code-signing leaf              2026-01-01 .. 2028-01-01
#   noeku.pem         TLS-style leaf, EKU serverAuth only (no codeSigning)
#                                                    2024-01-01 .. 2026-01-01
#   badku.pem         EKU codeSigning but KU keyEncipherment only (no digitalSignature)
#                                                    2024-01-01 .. 2026-01-01
#   weak.pem          code-signing leaf with an RSA-1024 key
#                                                    2024-01-01 .. 2026-01-01
#   weak512.pem       code-signing leaf with an RSA-512 key (factorable)
#                                                    2024-01-01 .. 2026-01-01
#   lifetime.pem      EKU codeSigning + lifetime signing (1.3.6.1.4.1.311.10.3.13)
#                                                    2023-06-01 .. 2024-06-01
#   ec.pem            code-signing leaf, EC P-256 key 2024-01-01 .. 2026-01-01
#   ecexplicit.pem    code-signing leaf, EC P-256 key with explicit curve parameters
#   longlived.pem     code-signing leaf valid 2024-01-01 .. 2123-01-01 (99 years)
#   revoked.pem       code-signing leaf revoked in inter-crl.pem (CRL of the intermediate)
#   nvleaked.pem      leaf with the issuer name and serial of a leaked NVIDIA certificate
#   dupkeya/b.pem     two leaves with one subject name and issuer, different keys
#   selfsigned.pem    self-signed code-signing cert (CA:FALSE)
#                                                    2024-01-01 .. 2026-01-01
#   roguetsa.pem      self-signed TSA cert (EKU timeStamping, critical), NOT
#                     chained to root.pem        2020-01-01 .. 2035-01-01
#   msroot.pem        impostor "CN=Microsoft Root Certificate Authority 2011,
#                     O=Microsoft Corporation,L=Redmond,ST=Washington,C=US",
#                     self-made, NOT chained to root.pem
#                                                    2011-03-22 .. 2036-03-22
#   msleaf.pem        "CN=Microsoft Corporation,O=Microsoft Corporation,L=Redmond,
#                     ST=Washington,C=US" code-signing leaf issued by msroot
#                                                    2024-01-01 .. 2026-01-01
#   fakeca.pem        "CN=Code Signing Services Root CA", a private CA NOT chained
#                     to root.pem                    2020-01-01 .. 2035-01-01
#   broadcomleaf.pem  "CN=Broadcom Corporation,O=Broadcom Corporation" (Regin)
#   tencentleaf.pem   "CN=Tencent Technology (Shenzhen) Company Limited" (APT37),
#                     both issued by fakeca          2024-01-01 .. 2026-01-01
#   nobcroot.pem      self-signed root without basicConstraints or keyUsage (as
#                     Microsoft Root Authority 1997)  2020-01-01 .. 2040-01-01
#   nobcleaf.pem      code-signing leaf under nobcroot 2024-01-01 .. 2026-01-01
#   nobcinter.pem     intermediate without basicConstraints under root.pem
#   nobcinterleaf.pem code-signing leaf under nobcinter (must not chain)
#   ctlsigner.pem     root-list signer (EKU 1.3.6.1.4.1.311.10.3.9) under root.pem
#   selfexpired.pem   self-signed code-signing cert     2020-01-01 .. 2021-01-01
#   twin.pem          self-signed, the subject of leaf.pem   2024-03-01 .. 2026-03-01
#   otherroot.pem     sigtrace Other Root CA (O=sigtrace Other CA)  2020-01-01 .. 2040-01-01
#   rekey.pem         the subject of leaf.pem under otherroot  2024-03-01 .. 2026-03-01
#   root2.pem         sigtrace Test Root CA 2           2020-01-01 .. 2040-01-01
#   root2x.pem        cross-certificate: root2's subject and key issued by root.pem (no key file)
#   tsa2-inter.pem, tsa2.pem  timestamping CA and TSA under root2
#
# Chain files for `osslsigncode sign -certs` (leaf first, then issuers, root
# excluded except for the impostor which ships its fake root like an attacker
# would):
#
#   leaf-chain.pem expired-chain.pem notyet-chain.pem noeku-chain.pem
#   badku-chain.pem weak-chain.pem weak512-chain.pem lifetime-chain.pem ec-chain.pem
#                       = <leaf> + inter.pem
#   selfsigned-chain.pem = selfsigned.pem
#   msleaf-chain.pem     = msleaf.pem + msroot.pem
#   tsa-chain.pem        = tsa.pem + tsa-inter.pem   (for -TSA-certs)
#   roguetsa-chain.pem   = roguetsa.pem
#   nobcleaf-chain.pem   = nobcleaf.pem
#   nobcinterleaf-chain.pem = nobcinterleaf.pem + nobcinter.pem
#   selfexpired-chain.pem = selfexpired.pem
#   tsa2-chain.pem       = tsa2.pem + tsa2-inter.pem;  tsa2x-chain.pem adds root2x.pem
#
# Also: trust.pem = root.pem (the only trust anchor the tests pass with --trust).
#
# Apple-style test PKI (for the Mach-O fixtures of make-macho-fixtures.sh): a
# separate root, trusted by the Mach-O cases with an extra --trust; Apple's
# marker extensions (1.2.840.113635.100.6.x, value NULL) on made-up names.
# Leaves have the subject UID=<team>, CN=<kind>: sigtrace Test (<team>),
# OU=<team>, O=sigtrace Test, C=XX with team ID SIGTRACE42, EKU
# codeSigning (critical), KU digitalSignature (critical), RSA-2048,
# 2024-01-01 .. 2026-01-01 unless noted:
#
#   apple-root.pem      sigtrace Test Mac Root CA      2020-01-01 .. 2040-01-01
#   apple-devid-ca.pem  Developer ID CA, marker 6.2.6  2020-01-01 .. 2035-01-01
#   apple-wwdr-ca.pem   WWDR CA, marker 6.2.1          2020-01-01 .. 2035-01-01
#   apple-devid.pem     "Developer ID Application", 6.1.13 critical (under apple-devid-ca)
#   apple-installer.pem "Developer ID Installer", 6.1.14 critical (apple-devid-ca;
#                       EKU Apple package signing 1.2.840.113635.100.4.13 only,
#                       as Apple's: no codeSigning)
#   apple-mas.pem       "3rd Party Mac Developer Application", 6.1.7 critical (apple-wwdr-ca)
#   apple-dev.pem       "Mac Developer", 6.1.12 critical (apple-wwdr-ca)
#   apple-nomarker.pem  "Developer ID Application" name, no Apple marker (apple-devid-ca)
#   apple-expired.pem   as apple-devid.pem, 2020-01-01 .. 2021-01-01
#   apple-unkcrit.pem   as apple-devid.pem plus an unknown critical extension
#                       2.25.206602063260675950356325729895580383844 (NULL)
#   apple-integration-ca.pem  System Integration CA (apple-root), 2020 .. 2035
#   apple-ticket.pem    "Software Ticket Signing", EC P-256, 6.1.30 critical,
#                       no EKU (apple-integration-ca): signs notarization tickets
set -euo pipefail

die() { printf 'make-pki.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: make-pki.sh OUTDIR"
command -v openssl >/dev/null 2>&1 || die "openssl not found (apt-get install openssl)"

OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigtrace-pki.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG=$WORK/log

run() {
    if ! "$@" >>"$LOG" 2>&1; then
        cat "$LOG" >&2
        die "command failed: $*"
    fi
}

CNF=$WORK/ca.cnf
cat >"$CNF" <<'EOF'
# Minimal `openssl ca` configuration; the CA database lives in $ENV::CADIR.
[ ca ]
default_ca = test_ca

[ test_ca ]
dir             = $ENV::CADIR
database        = $dir/index.txt
serial          = $dir/serial
new_certs_dir   = $dir/newcerts
default_md      = sha256
policy          = policy_any
unique_subject  = no
email_in_dn     = no
copy_extensions = none

[ policy_any ]
countryName             = optional
stateOrProvinceName     = optional
localityName            = optional
organizationName        = optional
organizationalUnitName  = optional
commonName              = supplied

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ v3_inter ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_codesign ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_selfsigned ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = codeSigning
subjectKeyIdentifier   = hash

[ v3_lifetime ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = codeSigning, 1.3.6.1.4.1.311.10.3.13
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_tls ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:www.example.test
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_badku ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, keyEncipherment
extendedKeyUsage       = codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_selftsa ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash

[ v3_tsa ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# A CA certificate as old roots were made (Microsoft Root Authority, 1997):
# no basicConstraints, no keyUsage.
[ v3_nobc ]
subjectKeyIdentifier   = hash

[ v3_nobc_inter ]
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# A cross-certificate: another root's subject and key, issued by root.pem.
[ v3_cross ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Signs Microsoft root lists (authroot.stl): EKU 1.3.6.1.4.1.311.10.3.9.
[ v3_ctlsign ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = 1.3.6.1.4.1.311.10.3.9
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF

export CADIR
newca() { # newca NAME SERIAL
    CADIR=$WORK/db-$1
    mkdir -p "$CADIR/newcerts"
    : >"$CADIR/index.txt"
    printf 'unique_subject = no\n' >"$CADIR/index.txt.attr"
    printf '%s\n' "$2" >"$CADIR/serial"
}

genkey() { # genkey FILE rsa2048|rsa1024|p256
    case $2 in
        rsa*) run openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa}" -out "$1" ;;
        p256) run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                  -pkeyopt ec_param_enc:named_curve -out "$1" ;;
        # Explicit curve parameters in the certificate's key: the
        # CVE-2020-0601 curve-spoofing shape; verifiers must reject it.
        p256x) run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                  -pkeyopt ec_param_enc:explicit -out "$1" ;;
        *) die "bad key type $2" ;;
    esac
}

# issue NAME ISSUER|self KEYTYPE EXT START END SUBJECT
#   START/END are UTCTime strings (YYMMDDHHMMSSZ).
issue() {
    local name=$1 issuer=$2 ktype=$3 ext=$4 start=$5 end=$6 subj=$7
    genkey "$WORK/$name.key" "$ktype"
    run openssl req -new -config "$CNF" -key "$WORK/$name.key" -subj "$subj" \
        -out "$WORK/$name.csr"
    if [ "$issuer" = self ]; then
        run openssl ca -batch -config "$CNF" -selfsign -keyfile "$WORK/$name.key" \
            -in "$WORK/$name.csr" -out "$WORK/$name.pem" -extensions "$ext" \
            -startdate "$start" -enddate "$end" -notext -preserveDN -md sha256
    else
        run openssl ca -batch -config "$CNF" -cert "$WORK/$issuer.pem" \
            -keyfile "$WORK/$issuer.key" -in "$WORK/$name.csr" -out "$WORK/$name.pem" \
            -extensions "$ext" -startdate "$start" -enddate "$end" -notext -preserveDN \
            -md sha256
    fi
}

# --- test root and its intermediates --------------------------------------
newca root 1000
issue root self rsa2048 v3_root 200101000000Z 400101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test Root CA"
issue inter root rsa2048 v3_inter 200101000000Z 350101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test Code Signing CA"
issue tsa-inter root rsa2048 v3_inter 200101000000Z 350101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test Timestamping CA"

# --- timestamping authority -------------------------------------------------
newca tsa-inter 3000
issue tsa tsa-inter rsa2048 v3_tsa 200101000000Z 350101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test TSA"

# --- code-signing leaves (and wrong ones) -----------------------------------
newca inter 2000
issue leaf     inter rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test Code Signer"
issue expired  inter rsa2048 v3_codesign 200101000000Z 210101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Expired Code Signer"
issue notyet   inter rsa2048 v3_codesign 260101000000Z 280101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Not Yet Valid Code Signer"
issue noeku    inter rsa2048 v3_tls      240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=www.example.test"
issue badku    inter rsa2048 v3_badku    240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Bad Key Usage Code Signer"
issue weak     inter rsa1024 v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace RSA-1024 Code Signer"
issue weak512  inter rsa512  v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace RSA-512 Code Signer"
issue lifetime inter rsa2048 v3_lifetime 230601000000Z 240601000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Lifetime Signing Code Signer"
issue ec       inter p256    v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace EC P-256 Code Signer"
issue ecexplicit inter p256x v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace EC Explicit-Curve Code Signer"
# A code-signing certificate valid for 99 years (an outlier to hunt).
issue longlived inter rsa2048 v3_codesign 240101000000Z 21230101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Long-Lived Code Signer"
# Two certificates with one subject name and issuer but different keys.
issue dupkeya inter rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Twin Code Signer"
issue dupkeyb inter rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Twin Code Signer"
# Revoked by the intermediate: listed in inter-crl.pem.
issue revoked  inter rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Revoked Code Signer"
run openssl ca -batch -config "$CNF" -cert "$WORK/inter.pem" -keyfile "$WORK/inter.key" \
    -revoke "$WORK/revoked.pem" -crl_reason keyCompromise
run openssl ca -batch -config "$CNF" -cert "$WORK/inter.pem" -keyfile "$WORK/inter.key" \
    -gencrl -crldays 3650 -md sha256 -out "$WORK/inter-crl.pem"

# --- self-signed leaf ---------------------------------------------------------
newca selfsigned 4000
issue selfsigned self rsa2048 v3_selfsigned 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Self-Signed Code Signer"

# --- timestamping authority that no trusted root vouches for ---------------
newca roguetsa 6000
issue roguetsa self rsa2048 v3_selftsa 200101000000Z 350101000000Z "/C=XX/O=sigtrace rogue/CN=sigtrace Rogue TSA"

# --- Microsoft impostor: same names as the real root, made here ------------
newca msroot 5000
issue msroot self rsa2048 v3_root 110322000000Z 360322000000Z "/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft Root Certificate Authority 2011"
issue msleaf msroot rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft Corporation"

# --- T1036.001 procedure examples (sigtrace explain): Regin's fake
# "Broadcom Corporation" and APT37's "Tencent" certificates, both under a
# private CA that no trusted root vouches for.
newca fakeca 7000
issue fakeca self rsa2048 v3_root 200101000000Z 350101000000Z "/C=US/O=Code Signing Services/CN=Code Signing Services Root CA"
issue broadcomleaf fakeca rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=US/ST=California/O=Broadcom Corporation/CN=Broadcom Corporation"
issue tencentleaf fakeca rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=CN/ST=Guangdong/L=Shenzhen/O=Tencent Technology (Shenzhen) Company Limited/CN=Tencent Technology (Shenzhen) Company Limited"

# --- on sigtrace's deny-list: issuer name and serial of one of the NVIDIA
# certificates leaked in 2022 (data/denylist.tsv), made here under a
# look-alike CA; the CA takes serial ...F4, the leaf ...F5.
newca vs2010 43BB437D609866286DD839E1D00309F4
issue vs2010 self rsa2048 v3_root 100101000000Z 300101000000Z "/C=US/O=VeriSign, Inc./OU=VeriSign Trust Network/CN=VeriSign Class 3 Code Signing 2010 CA"
issue nvleaked vs2010 rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=US/ST=California/L=Santa Clara/O=NVIDIA Corporation/CN=NVIDIA Corporation"

# --- a root without basicConstraints (anchors, as Windows takes old roots) and
# an intermediate without them under root.pem (never a CA) --------------------
newca nobcroot 8000
issue nobcroot self rsa2048 v3_nobc 200101000000Z 400101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test Root Without Basic Constraints"
issue nobcleaf nobcroot rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Code Signer Under An Old-Style Root"
CADIR=$WORK/db-root
issue nobcinter root rsa2048 v3_nobc_inter 200101000000Z 350101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Intermediate Without Basic Constraints"
# The root-list signer (for test root lists made by tools/make-ctl.py).
issue ctlsigner root rsa2048 v3_ctlsign 200101000000Z 350101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test Root List Signer"
newca nobcinter 8100
issue nobcinterleaf nobcinter rsa2048 v3_codesign 240101000000Z 260101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Code Signer Under A Non-CA"

# --- a second root with a TSA, and a cross-certificate of it from root.pem:
# with a root list that trusts root2 for code signing only, a timestamp
# whose token carries the cross-certificate chains (as on Windows) through it
# to root.pem ------------------------------------------------------------------
R2_DN="/C=XX/O=sigtrace test PKI/CN=sigtrace Test Root CA 2"
newca root2 9000
issue root2 self rsa2048 v3_root 200101000000Z 400101000000Z "$R2_DN"
CADIR=$WORK/db-root
run openssl req -new -config "$CNF" -key "$WORK/root2.key" -subj "$R2_DN" -out "$WORK/root2x.csr"
run openssl ca -batch -config "$CNF" -cert "$WORK/root.pem" -keyfile "$WORK/root.key" \
    -in "$WORK/root2x.csr" -out "$WORK/root2x.pem" -extensions v3_cross \
    -startdate 200101000000Z -enddate 350101000000Z -notext -preserveDN -md sha256
CADIR=$WORK/db-root2
issue tsa2-inter root2 rsa2048 v3_inter 200101000000Z 350101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test Timestamping CA 2"
newca tsa2-inter 9100
issue tsa2 tsa2-inter rsa2048 v3_tsa 200101000000Z 350101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Test TSA 2"

# --- the name of leaf.pem on other certificates (for `sigtrace outliers`): a
# self-signed impostor twin, and a certificate from another CA family valid
# at the same time (re-keying) --------------------------------------------------
LEAF_DN="/C=XX/O=sigtrace test PKI/CN=sigtrace Test Code Signer"
newca twin 8300
issue twin self rsa2048 v3_selfsigned 240301000000Z 260301000000Z "$LEAF_DN"
newca otherroot 8400
issue otherroot self rsa2048 v3_root 200101000000Z 400101000000Z "/C=XX/O=sigtrace Other CA/CN=sigtrace Other Root CA"
issue rekey otherroot rsa2048 v3_codesign 240301000000Z 260301000000Z "$LEAF_DN"

# --- kernel-mode cross-signing (pe.driver_signing): a stand-in for Microsoft
# Code Verification Root, the kernel's own root, and its cross-certificate for
# root.pem, which signtool added to drivers' signatures; a code signer issued
# before 2015-07-29, the end of Windows 10's kernel-mode exception ------------
newca mcvr 9300
issue mcvr self rsa2048 v3_root 060101000000Z 250101000000Z "/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft Code Verification Root"
CADIR=$WORK/db-mcvr
run openssl req -new -config "$CNF" -key "$WORK/root.key" \
    -subj "/C=XX/O=sigtrace test PKI/CN=sigtrace Test Root CA" -out "$WORK/rootkx.csr"
run openssl ca -batch -config "$CNF" -cert "$WORK/mcvr.pem" -keyfile "$WORK/mcvr.key" \
    -in "$WORK/rootkx.csr" -out "$WORK/rootkx.pem" -extensions v3_cross \
    -startdate 110101000000Z -enddate 210101000000Z -notext -preserveDN -md sha256
CADIR=$WORK/db-inter
issue oldsigner inter rsa2048 v3_codesign 140101000000Z 160101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Pre-2015 Driver Signer"

# --- self-signed and expired (2020 .. 2021) ------------------------------------
newca selfexpired 8200
issue selfexpired self rsa2048 v3_selfsigned 200101000000Z 210101000000Z "/C=XX/O=sigtrace test PKI/CN=sigtrace Self-Signed Expired Code Signer"

# --- chain files ----------------------------------------------------------------
for l in leaf expired notyet noeku badku weak weak512 lifetime ec ecexplicit longlived revoked dupkeya dupkeyb; do
    cat "$WORK/$l.pem" "$WORK/inter.pem" >"$WORK/$l-chain.pem"
done
cp "$WORK/selfsigned.pem" "$WORK/selfsigned-chain.pem"
cat "$WORK/msleaf.pem" "$WORK/msroot.pem" >"$WORK/msleaf-chain.pem"
cat "$WORK/broadcomleaf.pem" "$WORK/fakeca.pem" >"$WORK/broadcomleaf-chain.pem"
cat "$WORK/tencentleaf.pem" "$WORK/fakeca.pem" >"$WORK/tencentleaf-chain.pem"
cat "$WORK/nvleaked.pem" "$WORK/vs2010.pem" >"$WORK/nvleaked-chain.pem"
cat "$WORK/tsa.pem" "$WORK/tsa-inter.pem" >"$WORK/tsa-chain.pem"
cp "$WORK/roguetsa.pem" "$WORK/roguetsa-chain.pem"
cp "$WORK/root.pem" "$WORK/trust.pem"
cp "$WORK/nobcleaf.pem" "$WORK/nobcleaf-chain.pem"
cat "$WORK/nobcinterleaf.pem" "$WORK/nobcinter.pem" >"$WORK/nobcinterleaf-chain.pem"
cp "$WORK/selfexpired.pem" "$WORK/selfexpired-chain.pem"
cat "$WORK/tsa2.pem" "$WORK/tsa2-inter.pem" >"$WORK/tsa2-chain.pem"
cp "$WORK/twin.pem" "$WORK/twin-chain.pem"
cp "$WORK/rekey.pem" "$WORK/rekey-chain.pem"
cat "$WORK/tsa2.pem" "$WORK/tsa2-inter.pem" "$WORK/root2x.pem" >"$WORK/tsa2x-chain.pem"
cat "$WORK/oldsigner.pem" "$WORK/inter.pem" "$WORK/rootkx.pem" >"$WORK/oldsigner-chain.pem"
cat "$WORK/leaf.pem" "$WORK/inter.pem" "$WORK/rootkx.pem" >"$WORK/leafkx-chain.pem"
cp "$WORK/leaf.key" "$WORK/leafkx.key"
cp "$WORK/leaf.pem" "$WORK/leafkx.pem"

# --- sanity checks ----------------------------------------------------------
check_chain() { # check_chain LEAF UNTRUSTED... (verified at 2025-06-01 unless -attime given)
    local leaf=$1; shift
    run openssl verify -CAfile "$WORK/root.pem" "$@" "$WORK/$leaf.pem"
}
at() { date -u -d "$1" +%s; }
check_chain inter     -attime "$(at 2025-06-01)"
check_chain tsa-inter -attime "$(at 2025-06-01)"
check_chain tsa  -untrusted "$WORK/tsa-inter.pem" -purpose timestampsign -attime "$(at 2025-06-01)"
check_chain leaf -untrusted "$WORK/inter.pem" -attime "$(at 2025-06-01)"
check_chain expired  -untrusted "$WORK/inter.pem" -attime "$(at 2020-06-01)"
check_chain lifetime -untrusted "$WORK/inter.pem" -attime "$(at 2024-03-01)"
check_chain ec       -untrusted "$WORK/inter.pem" -attime "$(at 2025-06-01)"
check_chain weak     -untrusted "$WORK/inter.pem" -attime "$(at 2025-06-01)"
if openssl verify -CAfile "$WORK/root.pem" -untrusted "$WORK/inter.pem" \
        -attime "$(at 2025-06-01)" "$WORK/expired.pem" >/dev/null 2>&1; then
    die "expired.pem unexpectedly valid at 2025-06-01"
fi

# --- publish ----------------------------------------------------------------------
names="root inter tsa-inter tsa leaf expired notyet noeku badku weak weak512 lifetime ec ecexplicit longlived revoked dupkeya dupkeyb selfsigned roguetsa msroot msleaf fakeca broadcomleaf tencentleaf vs2010 nvleaked nobcroot nobcleaf nobcinter nobcinterleaf ctlsigner selfexpired root2 tsa2-inter tsa2 twin otherroot rekey mcvr oldsigner leafkx"
for n in $names; do
    install -m 0644 "$WORK/$n.pem" "$OUT/$n.pem"
    install -m 0600 "$WORK/$n.key" "$OUT/$n.key"
done
for n in leaf expired notyet noeku badku weak weak512 lifetime ec ecexplicit longlived revoked dupkeya dupkeyb selfsigned msleaf broadcomleaf tencentleaf nvleaked tsa roguetsa nobcleaf nobcinterleaf selfexpired tsa2 tsa2x twin rekey oldsigner leafkx; do
    install -m 0644 "$WORK/$n-chain.pem" "$OUT/$n-chain.pem"
done
install -m 0644 "$WORK/trust.pem" "$OUT/trust.pem"
install -m 0644 "$WORK/inter-crl.pem" "$OUT/inter-crl.pem"
install -m 0644 "$WORK/root2x.pem" "$OUT/root2x.pem"
install -m 0644 "$WORK/rootkx.pem" "$OUT/rootkx.pem"

# --- Apple-style test PKI (Mach-O fixtures) ------------------------------------
cat >>"$CNF" <<'EOF'

# Apple-style certificates keep UID (userId) in the subject.
[ policy_apple ]
userId                  = optional
commonName              = supplied
organizationalUnitName  = optional
organizationName        = optional
countryName             = optional

[ v3_apple_devid_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.2.840.113635.100.6.2.6 = DER:05:00

[ v3_apple_wwdr_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.2.840.113635.100.6.2.1 = DER:05:00

[ v3_apple_nomarker ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_apple_devid ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.2.840.113635.100.6.1.13 = critical, DER:05:00

[ v3_apple_integration_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_apple_ticket ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.2.840.113635.100.6.1.30 = critical, DER:05:00

[ v3_apple_installer ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
# Apple's package signing, the only usage of real Developer ID Installer
# certificates (no codeSigning).
extendedKeyUsage       = critical, 1.2.840.113635.100.4.13
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.2.840.113635.100.6.1.14 = critical, DER:05:00

[ v3_apple_mas ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.2.840.113635.100.6.1.7 = critical, DER:05:00

[ v3_apple_dev ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.2.840.113635.100.6.1.12 = critical, DER:05:00

[ v3_apple_unkcrit ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.2.840.113635.100.6.1.13 = critical, DER:05:00
2.25.206602063260675950356325729895580383844 = critical, DER:05:00
EOF

# apple_issue NAME ISSUER EXT START END SUBJECT
#   like issue (RSA-2048), with policy_apple so that UID stays in the subject.
apple_issue() {
    local name=$1 issuer=$2 ext=$3 start=$4 end=$5 subj=$6 key=${7:-rsa2048}
    genkey "$WORK/$name.key" "$key"
    run openssl req -new -config "$CNF" -key "$WORK/$name.key" -subj "$subj" \
        -out "$WORK/$name.csr"
    run openssl ca -batch -config "$CNF" -policy policy_apple -cert "$WORK/$issuer.pem" \
        -keyfile "$WORK/$issuer.key" -in "$WORK/$name.csr" -out "$WORK/$name.pem" \
        -extensions "$ext" -startdate "$start" -enddate "$end" -notext -preserveDN \
        -md sha256
}
TEAM=SIGTRACE42
apple_dn() { # apple_dn KIND -> Apple-style leaf subject
    printf '/UID=%s/CN=%s: sigtrace Test (%s)/OU=%s/O=sigtrace Test/C=XX' \
        "$TEAM" "$1" "$TEAM" "$TEAM"
}
APPLE_CA_DN="/C=XX/O=sigtrace test PKI/OU=sigtrace Test Mac Certification Authority"
newca apple-root 7000
issue apple-root self rsa2048 v3_root 200101000000Z 400101000000Z "$APPLE_CA_DN/CN=sigtrace Test Mac Root CA"
apple_issue apple-devid-ca apple-root v3_apple_devid_ca 200101000000Z 350101000000Z \
    "$APPLE_CA_DN/CN=sigtrace Test Developer ID Certification Authority"
apple_issue apple-wwdr-ca apple-root v3_apple_wwdr_ca 200101000000Z 350101000000Z \
    "$APPLE_CA_DN/CN=sigtrace Test Mac Developer Relations CA"
newca apple-devid-ca 7100
apple_issue apple-devid     apple-devid-ca v3_apple_devid     240101000000Z 260101000000Z "$(apple_dn 'Developer ID Application')"
apple_issue apple-installer apple-devid-ca v3_apple_installer 240101000000Z 260101000000Z "$(apple_dn 'Developer ID Installer')"
apple_issue apple-nomarker  apple-devid-ca v3_apple_nomarker  240101000000Z 260101000000Z "$(apple_dn 'Developer ID Application')"
apple_issue apple-expired   apple-devid-ca v3_apple_devid     200101000000Z 210101000000Z "$(apple_dn 'Developer ID Application')"
apple_issue apple-unkcrit   apple-devid-ca v3_apple_unkcrit   240101000000Z 260101000000Z "$(apple_dn 'Developer ID Application')"
newca apple-wwdr-ca 7200
apple_issue apple-mas apple-wwdr-ca v3_apple_mas 240101000000Z 260101000000Z "$(apple_dn '3rd Party Mac Developer Application')"
apple_issue apple-dev apple-wwdr-ca v3_apple_dev 240101000000Z 260101000000Z "$(apple_dn 'Mac Developer')"
# Notarization tickets (tests/e2e/tools/ticket.py): an EC P-256 leaf under
# an integration CA under the root, as Apple's "Software Ticket Signing"
# under Apple System Integration CA 4 and Apple Root CA - G3.
newca apple-root 7300
apple_issue apple-integration-ca apple-root v3_apple_integration_ca 200101000000Z 350101000000Z \
    "$APPLE_CA_DN/CN=sigtrace Test System Integration CA"
newca apple-integration-ca 7400
apple_issue apple-ticket apple-integration-ca v3_apple_ticket 240101000000Z 260101000000Z \
    "/CN=sigtrace Test Software Ticket Signing/O=sigtrace Test/C=XX" p256

# The chains verify (the expired leaf inside its validity). OpenSSL does not
# know Apple's critical markers, hence -ignore_critical.
apple_check() { # apple_check LEAF CA [openssl verify options...]
    local leaf=$1 ca=$2
    shift 2
    run openssl verify -CAfile "$WORK/apple-root.pem" -untrusted "$WORK/$ca.pem" \
        -ignore_critical "$@" "$WORK/$leaf.pem"
}
for l in apple-devid apple-installer apple-nomarker apple-unkcrit; do
    apple_check "$l" apple-devid-ca -attime "$(at 2025-06-01)"
done
for l in apple-mas apple-dev; do
    apple_check "$l" apple-wwdr-ca -attime "$(at 2025-06-01)"
done
apple_check apple-ticket apple-integration-ca -attime "$(at 2025-06-01)"
apple_check apple-expired apple-devid-ca -attime "$(at 2020-06-01)"
if openssl verify -CAfile "$WORK/apple-root.pem" -untrusted "$WORK/apple-devid-ca.pem" \
        -ignore_critical -attime "$(at 2025-06-01)" "$WORK/apple-expired.pem" >/dev/null 2>&1; then
    die "apple-expired.pem unexpectedly valid at 2025-06-01"
fi
case $(openssl x509 -in "$WORK/apple-devid.pem" -noout -subject -nameopt RFC2253) in
    *OU=$TEAM*UID=$TEAM*) ;;
    *) die "apple-devid.pem: team ID missing from the subject" ;;
esac

for n in apple-root apple-devid-ca apple-wwdr-ca apple-devid apple-installer apple-mas \
         apple-dev apple-nomarker apple-expired apple-unkcrit apple-integration-ca apple-ticket; do
    install -m 0644 "$WORK/$n.pem" "$OUT/$n.pem"
    install -m 0600 "$WORK/$n.key" "$OUT/$n.key"
done
