#!/usr/bin/env python3
"""Generates sigtrace's built-in trust store (data/trust/) from public data.

usage: tools/make-trust-store.py [SHARED_TRUST_DIR (default ../shared/trust)] [OUT (default data/trust)]
                                [--shim "PACKAGE VERSION=PATH" ...]

Inputs (see the READMEs of SHARED_TRUST_DIR):
  microsoft-program/authroot-*.stl              Microsoft's signed Trusted Root Program CTL
  microsoft-program/microsoft-trusted-roots-*.pem   the roots it lists, with their attributes
  apple-root-ca.pem, apple-root-ca-g2.pem, apple-root-ca-g3.pem
  uefi/db-*.pem, uefi/dbx_info_msft_latest.json  Secure Boot db certificates, Microsoft's dbx list
  --shim: signed shim binaries whose .vendor_cert section holds the distribution's certificate
          and its vendor dbx (default: Debian's, "shim-signed 1.51~1+deb12u1" from
          .cache/samples/debian/shimx64.efi.signed as tests/samples/fetch.sh extracts it; without
          it the existing shim-vendors.pem and shim-dbx.tsv are kept)

Outputs (committed; embedded into the library at build time):
  authroot.stl        the CTL as published (sigtrace verifies its Microsoft signature at load time
                      and takes every root's attributes from it)
  microsoft-roots.pem the program's root certificates (the comment lines spell out each root's
                      attributes for readers; the library reads them from the CTL)
  ctl-signers.pem     Microsoft Root Certificate Authority 2010 and 2011: the only roots a root
                      list's signer chain may end at
  apple-roots.pem     Apple Root CA, G2, G3
  uefi-db.pem         the db certificates (anchors for EFI images, intermediates included)
  uefi-dbx.tsv        revoked EFI images (Authenticode SHA-256) and certificates (SHA-1)
  shim-vendors.pem    the vendor certificates of the shims the db admits: shim trusts images
                      signed under them (a distribution's boot loaders and kernels)
  shim-dbx.tsv        the images those shims refuse (their vendor dbx), same columns as uefi-dbx.tsv
  publisher-certs.pem the certificates data/publishers.tsv names, to recognise those publishers'
                      hierarchies whatever the scan trusts
  SNAPSHOT            what the store holds and when it was taken (`sigtrace trust` prints it)

A newer CTL is taken in by replacing the inputs and running the script again; the script checks
that every root certificate is listed in the CTL, and every listed root has a certificate.
Needs: python3, openssl (for reading the CTL's dates and the certificates' names).
"""
import base64
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

import struct

here = os.path.dirname(os.path.abspath(__file__))
args, shims = [], []
argv = sys.argv[1:]
while argv:
    a = argv.pop(0)
    if a == "--shim" and argv:
        shims.append(argv.pop(0).rsplit("=", 1))
    else:
        args.append(a)
shared = args[0] if len(args) > 0 else os.path.join(here, "..", "..", "shared", "trust")
out = args[1] if len(args) > 1 else os.path.join(here, "..", "data", "trust")
default_shim = os.path.join(here, "..", ".cache", "samples", "debian", "shimx64.efi.signed")
if not shims and os.path.exists(default_shim):
    shims = [["shim-signed 1.51~1+deb12u1", default_shim]]
os.makedirs(out, exist_ok=True)


def die(msg):
    sys.exit("make-trust-store: " + msg)


def pem_blocks(text):
    """(comment lines, DER) per certificate of a PEM text."""
    for m in re.finditer(r"((?:#[^\n]*\n)*)-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----", text, re.S):
        yield m.group(1), base64.b64decode("".join(m.group(2).split()))


def pem(der):
    b = base64.b64encode(der).decode()
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) + "\n-----END CERTIFICATE-----\n"


def subject(der):
    r = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject", "-nameopt", "RFC2253"],
                       input=der, capture_output=True, check=True)
    return r.stdout.decode().strip().removeprefix("subject=")


def latest(pattern):
    files = sorted(glob.glob(os.path.join(shared, pattern)))
    if not files:
        die("no " + pattern + " in " + shared)
    return files[-1]


# ---- Microsoft Trusted Root Program ----------------------------------------------------------------
stl_path = latest("microsoft-program/authroot-*.stl")
roots_path = latest("microsoft-program/microsoft-trusted-roots-*.pem")
stl = open(stl_path, "rb").read()
asn = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", stl_path],
                     capture_output=True, check=True).stdout.decode()
times = re.findall(r"(?:UTCTIME|GENERALIZEDTIME)\s*:(\S+)", asn)
if not times:
    die("cannot read the CTL's thisUpdate")
t = times[0].rstrip("Z")
if len(t) == 12:  # UTCTime: YYMMDDHHMMSS
    t = ("19" if int(t[:2]) >= 50 else "20") + t
this_update = "%s-%s-%sT%s:%s:%sZ" % (t[0:4], t[4:6], t[6:8], t[8:10], t[10:12], t[12:14])
roots_text = open(roots_path).read()
roots = list(pem_blocks(roots_text))
listed = set(m.group(1) for m in re.finditer(rb"\x04\x14(.{20})", stl, re.S))
for comment, der in roots:
    sha1 = hashlib.sha1(der).digest()
    if sha1 not in listed:
        die("root %s is not listed in %s" % (sha1.hex(), stl_path))
    if ("# Subject Identifier: " + sha1.hex()) not in comment:
        die("root %s: its comment lines name another certificate" % sha1.hex())
with open(os.path.join(out, "authroot.stl"), "wb") as f:
    f.write(stl)
with open(os.path.join(out, "microsoft-roots.pem"), "w") as f:
    f.write("# Microsoft Trusted Root Program: the %d roots of %s (thisUpdate %s),\n"
            "# from %s. Generated by tools/make-trust-store.py; do not edit.\n\n"
            % (len(roots), os.path.basename(stl_path), this_update, os.path.basename(roots_path)))
    for comment, der in roots:
        f.write(comment + pem(der) + "\n")

# The roots that may sign a root list (Microsoft Root Certificate Authority
# 2010 and 2011): a CTL given to sigtrace is used only when its signer chain
# ends at one of them, whatever else is trusted.
with open(os.path.join(out, "ctl-signers.pem"), "w") as f:
    f.write("# Roots whose chains may sign a Microsoft root list (CTL): Microsoft Root\n"
            "# Certificate Authority 2010 and 2011, from ../shared/trust. Generated by\n"
            "# tools/make-trust-store.py; do not edit.\n\n")
    for name in ("microsoft-root-certificate-authority-2010.pem",
                 "microsoft-root-certificate-authority-2011.pem"):
        (_, der), = list(pem_blocks(open(os.path.join(shared, name)).read()))
        f.write("# %s\n# SHA-256 %s\n%s\n" % (subject(der), hashlib.sha256(der).hexdigest(), pem(der)))

# ---- Apple ---------------------------------------------------------------------------------------
apple = []
with open(os.path.join(out, "apple-roots.pem"), "w") as f:
    f.write("# Apple's code-signing roots, from ../shared/trust (its README gives sources and\n"
            "# cross-checks). Generated by tools/make-trust-store.py; do not edit.\n\n")
    for name in ("apple-root-ca.pem", "apple-root-ca-g2.pem", "apple-root-ca-g3.pem"):
        (_, der), = list(pem_blocks(open(os.path.join(shared, name)).read()))
        apple.append(der)
        f.write("# %s\n# SHA-256 %s\n%s\n" % (subject(der), hashlib.sha256(der).hexdigest(), pem(der)))

# ---- UEFI -----------------------------------------------------------------------------------------
db = sorted(glob.glob(os.path.join(shared, "uefi", "db-*.pem")))
with open(os.path.join(out, "uefi-db.pem"), "w") as f:
    f.write("# UEFI Secure Boot db certificates (Microsoft), from ../shared/trust/uefi\n"
            "# (microsoft/secureboot_objects). Anchors for EFI images: firmware trusts an\n"
            "# image whose chain holds one of them. Generated by tools/make-trust-store.py.\n\n")
    for p in db:
        (_, der), = list(pem_blocks(open(p).read()))
        f.write("# %s\n# SHA-256 %s\n%s\n" % (subject(der), hashlib.sha256(der).hexdigest(), pem(der)))
dbx_path = os.path.join(shared, "uefi", "dbx_info_msft_latest.json")
dbx = json.load(open(dbx_path))
nimg = 0


def clean(s):
    return " ".join(str(s or "").split()).replace("\t", " ") or "-"


with open(os.path.join(out, "uefi-dbx.tsv"), "w") as f:
    f.write("# Revoked UEFI boot components: Microsoft's dbx list (%s,\n"
            "# microsoft/secureboot_objects). Generated by tools/make-trust-store.py.\n"
            "# Columns: kind (image: Authenticode SHA-256 of an EFI image; certificate: SHA-1\n"
            "# thumbprint of a certificate), architecture, hash, name, date added, description.\n"
            % os.path.basename(dbx_path))
    seen = set()
    for arch, images in sorted(dbx["images"].items()):
        for im in images:
            h = (im.get("authenticodeHash") or "").lower()
            if not re.fullmatch(r"[0-9a-f]{64}", h) or (arch, h) in seen:
                continue
            seen.add((arch, h))
            nimg += 1
            f.write("image\t%s\t%s\t%s\t%s\t%s\n" % (arch, h, clean(im.get("filename")),
                                                     clean(im.get("dateOfAddition")),
                                                     clean(im.get("description") or im.get("companyName"))))
    for c in dbx.get("certificates", []):
        t = (c.get("thumbprint") or "").lower()
        if re.fullmatch(r"[0-9a-f]{40}", t):
            f.write("certificate\t-\t%s\t%s\t%s\t%s\n" % (t, clean(c.get("subjectName")),
                                                         clean(c.get("dateOfAddition")),
                                                         clean(c.get("description"))))

# ---- shim vendor certificates and vendor dbx -----------------------------------------------------
def vendor_cert_section(path):
    """The .vendor_cert section of a PE file: shim's cert_table (four little-endian
    uint32: authorized size, deauthorized size, authorized offset, deauthorized
    offset, relative to the section) and the data."""
    d = open(path, "rb").read()
    pe = struct.unpack_from("<I", d, 0x3C)[0]
    nsec, optsize = struct.unpack_from("<H", d, pe + 6)[0], struct.unpack_from("<H", d, pe + 20)[0]
    sec = pe + 24 + optsize
    symptr, nsyms = struct.unpack_from("<II", d, pe + 12)
    for i in range(nsec):
        name = d[sec + 40 * i:sec + 40 * i + 8].rstrip(b"\0")
        if name.startswith(b"/"):  # a long name, in the COFF string table
            o = symptr + 18 * nsyms + int(name[1:])
            name = d[o:d.index(b"\0", o)]
        rawsize, rawptr = struct.unpack_from("<II", d, sec + 40 * i + 16)
        if name == b".vendor_cert":
            return d[rawptr:rawptr + rawsize]
    die("%s has no .vendor_cert section" % path)


def signature_lists(blob):
    """SHA-256 entries of EFI_SIGNATURE_LISTs (UEFI 2.10 32.4.1)."""
    sha256_guid = bytes.fromhex("2616c4c14c509240aca941f936934328")
    o, hashes = 0, []
    while o + 28 <= len(blob):
        guid = blob[o:o + 16]
        lsize, hsize, ssize = struct.unpack_from("<III", blob, o + 16)
        if lsize < 28 or o + lsize > len(blob) or ssize <= 16:
            die("malformed vendor dbx")
        if guid == sha256_guid and ssize == 48:
            for p in range(o + 28 + hsize, o + lsize, ssize):
                hashes.append(blob[p + 16:p + 48].hex())
        o += lsize
    return hashes


if shims:
    with open(os.path.join(out, "shim-vendors.pem"), "w") as fc, open(os.path.join(out, "shim-dbx.tsv"), "w") as fd:
        fc.write("# The vendor certificates of signed shims the UEFI db admits: shim loads what\n"
                 "# is signed under them. Extracted from each shim's .vendor_cert section by\n"
                 "# tools/make-trust-store.py; do not edit.\n\n")
        fd.write("# The images those shims refuse (their vendor dbx, .vendor_cert), same\n"
                 "# columns as uefi-dbx.tsv. Generated by tools/make-trust-store.py.\n")
        for label, path in shims:
            sec = vendor_cert_section(path)
            asize, dsize, aoff, doff = struct.unpack_from("<IIII", sec, 0)
            der = sec[aoff:aoff + asize]
            shim_sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
            fc.write("# %s\n# SHA-256 %s\n# from %s (shimx64.efi.signed, SHA-256 %s)\n%s\n"
                     % (subject(der), hashlib.sha256(der).hexdigest(), label, shim_sha, pem(der)))
            for h in sorted(set(signature_lists(sec[doff:doff + dsize]))):
                fd.write("image\tx64\t%s\t-\t-\tvendor dbx of %s\n" % (h, label))
elif not os.path.exists(os.path.join(out, "shim-vendors.pem")):
    die("no shim given and no shim-vendors.pem to keep (run tests/samples/fetch.sh .cache/samples first)")
shim_vendors = list(pem_blocks(open(os.path.join(out, "shim-vendors.pem")).read()))
shim_dbx = sum(1 for line in open(os.path.join(out, "shim-dbx.tsv")) if line.startswith("image"))

# ---- Publishers' certificates --------------------------------------------------------------
# The certificates data/publishers.tsv names by SHA-256, found among the inputs: sigtrace
# recognises a publisher's hierarchy by them (a chain through one of them, or through a
# certificate one of them issued) whatever trust anchors a scan uses.
pubs_tsv = os.path.join(os.path.dirname(__file__), "..", "data", "publishers.tsv")
wanted = set()
for line in open(pubs_tsv):
    if line.startswith("#") or not line.strip():
        continue
    cols = line.rstrip("\n").split("\t")
    if len(cols) >= 3 and cols[2] != "public":
        wanted.update(c.lower() for c in cols[2].split("|"))
found = {}
sources = [roots_path] + glob.glob(os.path.join(shared, "*.pem")) + glob.glob(os.path.join(shared, "uefi", "*.pem"))
for src in sources:
    for _, der in pem_blocks(open(src).read()):
        h = hashlib.sha256(der).hexdigest()
        if h in wanted:
            found[h] = der
if set(found) != wanted:
    die("publishers.tsv names certificates not found in %s: %s" % (shared, sorted(wanted - set(found))))
with open(os.path.join(out, "publisher-certs.pem"), "w") as f:
    f.write("# The certificates data/publishers.tsv names (publishers' roots and\n"
            "# intermediates), from ../shared/trust. Generated by tools/make-trust-store.py.\n\n")
    for h in sorted(found):
        f.write("# %s\n# SHA-256 %s\n%s\n" % (subject(found[h]), h, pem(found[h])))

with open(os.path.join(out, "SNAPSHOT"), "w") as f:
    f.write("Microsoft Trusted Root Program: %s, thisUpdate %s, %d roots\n"
            % (os.path.basename(stl_path), this_update, len(roots)))
    f.write("Apple roots: %d (Apple Root CA, G2, G3)\n" % len(apple))
    f.write("UEFI db: %d certificates; dbx: %d images, %d certificates (%s)\n"
            % (len(db), nimg, len(dbx.get("certificates", [])), os.path.basename(dbx_path)))
    f.write("shim vendors: %s; their vendor dbx: %d images\n"
            % (", ".join(subject(der).split(",")[0].removeprefix("CN=") for _, der in shim_vendors), shim_dbx))
print("make-trust-store: wrote %s" % out)
