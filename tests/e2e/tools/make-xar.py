#!/usr/bin/env python3
"""make-xar.py -- TEST-ONLY writer of xar archives (flat installer packages)
for the sigtrace end-to-end fixtures (called by make-macho-fixtures.sh).
Independent of lib/xar; Debian has no xar tool.

Usage: make-xar.py PKIDIR MACHO OUTDIR

Writes OUTDIR/pkg-*.pkg: a product-archive-like layout (Distribution, a
component folder with PackageInfo, Bom and a Payload that is a gzip'd cpio
archive holding a Mach-O tool, a stored Mach-O tool),
the zlib table of contents with a SHA-1 (or SHA-256) checksum at heap
offset 0, an RSA <signature> (PKCS#1 v1.5 over the checksum as a digest,
`openssl pkeyutl`) and a CMS <x-signature> (detached over the checksum
bytes, `openssl cms -sign`), each listing its certificates leaf first.
Signed with the Apple-style test PKI's Developer ID Installer certificate;
then the variants of tests/e2e/pkg-cases.txt.
"""
import base64
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zlib

MD = {"sha1": (hashlib.sha1, 1), "sha256": (hashlib.sha256, 3)}


def pem_der(path):
    out = subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return out


def keyinfo(certs):
    xs = "".join("<X509Certificate>%s</X509Certificate>" % base64.b64encode(c).decode()
                 for c in certs)
    return ('<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data>%s</X509Data></KeyInfo>'
            % xs)


def rsa_sign(key, digest, style, tmp):
    p = os.path.join(tmp, "digest")
    open(p, "wb").write(digest)
    return subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-in", p,
                           "-pkeyopt", "digest:" + style], check=True, capture_output=True).stdout


def cms_sign(cert, key, chain, digest, tmp):
    p = os.path.join(tmp, "digest")
    open(p, "wb").write(digest)
    return subprocess.run(["openssl", "cms", "-sign", "-binary", "-in", p, "-signer", cert,
                           "-inkey", key, "-certfile", chain, "-outform", "DER", "-md", "sha256",
                           "-nosmimecap"], check=True, capture_output=True).stdout


GZIPPED = ("Distribution",)
import bz2


def build(out, files, signer=None, style="sha1", rsa=True, cms=True, rename=None,
          flip_heap=None, flip_rsa=False, ticket=None, compress=None, bad_extracted=None):
    """files: list of (path, bytes). signer: (cert, key, chain) or None.
    Distribution is stored gzip-encoded as pkgbuild and productbuild store
    it (<length> the archived bytes, <size> the extracted ones). ticket:
    None, "own" (a notarization ticket naming the package's TOC checksum,
    stapled after it) or "other" (naming other code only). compress: {path:
    "gzip" or "bzip2"} for more files stored compressed; bad_extracted: a
    path whose extracted checksum is given wrong (its decoded bytes differ
    from what the table of contents says)."""
    h, alg = MD[style]
    dsize = h().digest_size
    tmp = tempfile.mkdtemp()
    certs = [pem_der(signer[0]), pem_der(signer[2])] if signer else []
    rsa_size = 256 if signer and rsa else 0
    cms_size = 0
    if signer and cms:
        cms_size = len(cms_sign(signer[0], signer[1], signer[2], b"\0" * dsize, tmp)) + 64
    heap = bytearray(b"\0" * (dsize + rsa_size + cms_size))
    # The files, stored as they are (Distribution zlib-compressed).
    entries = {}
    how = dict((p, "gzip") for p in GZIPPED)
    how.update(compress or {})
    for path, data in files:
        if path in how:
            z = zlib.compress(data, 9) if how[path] == "gzip" else bz2.compress(data)
            xck = h(data + b"x").hexdigest() if path == bad_extracted else h(data).hexdigest()
            entries[path] = (len(heap), len(z), h(z).hexdigest(), len(data), xck,
                             "application/x-gzip" if how[path] == "gzip" else "application/x-bzip2")
            heap += z
        else:
            entries[path] = (len(heap), len(data), h(data).hexdigest(), len(data), h(data).hexdigest(),
                             "application/octet-stream")
            heap += data

    def toc(names, rename=None):
        def file_xml(name, children, fid):
            return fid
        tree = {}
        for path in names:
            node = tree
            parts = path.split("/")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = path
        ids = [0]

        def emit(node):
            s = ""
            for name in sorted(node):
                ids[0] += 1
                v = node[name]
                shown = rename.get(name, name) if rename else name
                if isinstance(v, dict):
                    s += ('<file id="%d"><name>%s</name><type>directory</type>%s</file>'
                          % (ids[0], shown, emit(v)))
                else:
                    off, length, ck, size, xck, enc = entries[v]
                    s += ('<file id="%d"><name>%s</name><type>file</type><data><length>%d</length>'
                          '<offset>%d</offset><size>%d</size>'
                          '<encoding style="%s"/>'
                          '<extracted-checksum style="%s">%s</extracted-checksum>'
                          '<archived-checksum style="%s">%s</archived-checksum></data></file>'
                          % (ids[0], shown, length, off, size, enc, style, xck, style, ck))
            return s
        sig = ""
        if signer and rsa:
            sig += ('<signature style="RSA"><offset>%d</offset><size>%d</size>%s</signature>'
                    % (dsize, rsa_size, keyinfo(certs)))
        if signer and cms:
            sig += ('<x-signature style="CMS"><offset>%d</offset><size>%d</size>%s</x-signature>'
                    % (dsize + rsa_size, cms_size, keyinfo(certs)))
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<xar><toc>'
               '<checksum style="%s"><offset>0</offset><size>%d</size></checksum>'
               '<creation-time>2024-06-01T00:00:00</creation-time>%s%s</toc></xar>\n'
               % (style, dsize, sig, emit(tree)))
        return xml.encode()

    names = [p for p, _ in files]
    xml = toc(names)
    ctoc = zlib.compress(xml, 9)
    digest = h(ctoc).digest()
    heap[0:dsize] = digest
    if signer and rsa:
        s = rsa_sign(signer[1], digest, style, tmp)
        assert len(s) == rsa_size
        heap[dsize:dsize + rsa_size] = s
        if flip_rsa:
            heap[dsize + 10] ^= 0x01
    if signer and cms:
        c = cms_sign(signer[0], signer[1], signer[2], digest, tmp)
        assert len(c) <= cms_size
        heap[dsize + rsa_size:dsize + rsa_size + len(c)] = c
    if rename:
        # The table of contents edited after signing: the heap (checksum,
        # signatures) stays as it was.
        xml = toc(names, rename)
        ctoc = zlib.compress(xml, 9)
    if flip_heap is not None:
        off = entries[flip_heap][0] + 5
        heap[off] ^= 0x01
    hdr = struct.pack(">4sHHQQI", b"xar!", 28, 1, len(ctoc), len(xml), alg)
    tail = b""
    if ticket:
        # Stapled as stapler does: a terminator trailer, the ticket, a
        # ticket trailer ("t8lr", version 1, type, length, reserved).
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import ticket as tk
        own = (1 if style == "sha1" else 2, h(ctoc).digest()[:20])
        other = (2, hashlib.sha256(b"other package").digest()[:20])
        t = tk.ticket(os.path.dirname(signer[0]), [other] if ticket == "other" else [other, own])
        tail = (b"t8lr" + struct.pack("<HHII", 1, 1, 0, 0) + t +
                b"t8lr" + struct.pack("<HHII", 1, 2, len(t), 0))
    with open(out, "wb") as f:
        f.write(hdr + ctoc + bytes(heap) + tail)


def cpio_odc(entries):
    out = b""
    for i, (name, data) in enumerate(entries + [("TRAILER!!!", b"")]):
        nb = name.encode() + b"\0"
        mode = 0o100755 if data else 0
        out += b"070707" + b"%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o" % (
            0, i + 1, mode, 0, 0, 1, 0, 0, len(nb), len(data)) + nb + data
    return out


def cpio_gz(entries):
    """A gzip'd odc cpio archive, the form of older packages' Payload."""
    import gzip
    return gzip.compress(cpio_odc(entries), mtime=0)


def cpio_pbzx(entries, chunk=4096):
    """The same archive as pbzx, the form of modern packages' Payload: the
    magic, the chunk size, then per chunk its decoded size (0x01000000 set
    while more chunks follow, as Apple's writer does), its length and an
    xz stream, or the bytes as they are for the second chunk (a chunk that
    did not compress)."""
    import lzma
    data = cpio_odc(entries)
    out = b"pbzx" + struct.pack(">Q", chunk)
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    for i, piece in enumerate(pieces):
        body = piece if i == 1 else lzma.compress(piece, format=lzma.FORMAT_XZ)
        flags = len(piece) | (0x01000000 if i + 1 < len(pieces) else 0)
        out += struct.pack(">QQ", flags, len(body)) + body
    return out


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    pki, macho, out = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    k = lambda n: os.path.join(pki, n)
    inst = (k("apple-installer.pem"), k("apple-installer.key"), k("apple-devid-ca.pem"))
    app = (k("apple-devid.pem"), k("apple-devid.key"), k("apple-devid-ca.pem"))
    expired = (k("apple-expired.pem"), k("apple-expired.key"), k("apple-devid-ca.pem"))
    tool = open(macho, "rb").read()
    payload = cpio_gz([("./usr/local/bin/demo-tool", tool), ("./usr/local/share/demo.txt", b"demo\n")])
    files = [
        ("Distribution", b'<?xml version="1.0"?><installer-gui-script minSpecVersion="1">'
                         b'<pkg-ref id="org.sigtrace.e2e.demo"/></installer-gui-script>\n'),
        ("demo.pkg/PackageInfo", b'<pkg-info identifier="org.sigtrace.e2e.demo" version="1.0"/>\n'),
        ("demo.pkg/Bom", b"BOMStore" + b"\0" * 200),
        ("demo.pkg/Payload", payload),
        ("demo.pkg/Scripts", cpio_gz([("./postinstall", b"#!/bin/sh\nexit 0\n")])),
        ("Resources/tool", tool),
    ]
    P = lambda n: os.path.join(out, n)
    build(P("pkg-devid-installer.pkg"), files, inst)
    build(P("pkg-sha256.pkg"), files, inst, style="sha256")
    build(P("pkg-rsa-only.pkg"), files, inst, cms=False)
    build(P("pkg-cms-only.pkg"), files, inst, rsa=False)
    build(P("pkg-unsigned.pkg"), files, None)
    build(P("pkg-devid-application.pkg"), files, app)
    build(P("pkg-expired.pkg"), files, expired)
    build(P("pkg-payload-modified.pkg"), files, inst, flip_heap="demo.pkg/Payload")
    build(P("pkg-toc-modified.pkg"), files, inst, rename={"tool": "tooI"})
    build(P("pkg-rsa-byte.pkg"), files, inst, cms=False, flip_rsa=True)
    pbzx = cpio_pbzx([("./usr/local/bin/demo-tool", tool), ("./usr/local/share/demo.txt", b"demo\n")])
    # The Mach-O tool stored compressed, as the xar tool stores files: it
    # is decoded and verified as a member (gzip, bzip2); one whose
    # extracted checksum disagrees with its decoded bytes; one compressed
    # from a tampered copy of the tool (its code page hash fails).
    build(P("pkg-tool-gzip.pkg"), files, inst, compress={"Resources/tool": "gzip"})
    build(P("pkg-tool-bzip2.pkg"), files, inst, compress={"Resources/tool": "bzip2"})
    build(P("pkg-tool-extracted-differs.pkg"), files, inst, compress={"Resources/tool": "gzip"},
          bad_extracted="Resources/tool")
    bad = bytearray(tool)
    bad[len(bad) // 3] ^= 0x01
    build(P("pkg-tool-gzip-tampered.pkg"), [(n, bytes(bad) if n == "Resources/tool" else d) for n, d in files],
          inst, compress={"Resources/tool": "gzip"})
    build(P("pkg-ticket.pkg"), files, inst, ticket="own")
    build(P("pkg-ticket-other.pkg"), files, inst, ticket="other")
    build(P("pkg-pbzx.pkg"), [(n, pbzx if n == "demo.pkg/Payload" else d) for n, d in files], inst)
    data = open(P("pkg-devid-installer.pkg"), "rb").read()
    open(P("pkg-truncated.pkg"), "wb").write(data[:60])


if __name__ == "__main__":
    main()
