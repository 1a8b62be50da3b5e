#!/usr/bin/env python3
"""make-dmg.py -- TEST-ONLY writer of UDIF disk images (.dmg) with embedded
code signatures, for the sigtrace end-to-end fixtures (called by
make-macho-fixtures.sh). Independent of lib/dmg; Debian has no UDIF tool.

Usage: make-dmg.py PKIDIR OUTDIR [VOLUME]

An image is a data fork (here arbitrary bytes: what the signature covers
does not depend on the volume format; with VOLUME, a file system image, the
data fork holds it as hdiutil stores it: chunks of 64 sectors, raw,
zero-filled, zlib- and bzip2-compressed, mapped by a "mish" block in the
plist's blkx array), an XML resource plist, the code
signature and the 512-byte koly trailer. The signature is a SuperBlob: a
CodeDirectory (version 0x20100, SHA-256, page size 0: one code slot over
the bytes before the signature; special slot 2 = the requirements blob,
slot 6 = the trailer with signature length 0 and signature offset = the
end of the plist), an empty requirement set and a detached CMS signature
over the CodeDirectory (`openssl cms -sign -noattr`: no signing time, so the
fixtures do not depend on the day they are made; Developer ID Application
test certificate, as codesign signs images). Then the variants of
tests/e2e/dmg-cases.txt.
"""
import base64
import bz2
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zlib

KOLY = 512


def koly(data_len, xml_off, xml_len, sig_off, sig_len, sectors, crc):
    k = bytearray(KOLY)
    struct.pack_into(">4sIII", k, 0, b"koly", 4, KOLY, 1)
    struct.pack_into(">QQQ", k, 16, 0, 0, data_len)
    struct.pack_into(">II", k, 80, 2, 32)
    struct.pack_into(">I", k, 88, crc)
    struct.pack_into(">QQ", k, 216, xml_off, xml_len)
    struct.pack_into(">QQ", k, 296, sig_off, sig_len)
    struct.pack_into(">I", k, 488, 1)
    struct.pack_into(">Q", k, 492, sectors)
    return bytes(k)


def blob(magic, payload):
    return struct.pack(">II", magic, 8 + len(payload)) + payload


def code_directory(ident, code, koly_for_hash, reqs, adhoc):
    hs = 32
    ident_b = ident.encode() + b"\0"
    nspecial, ncode = 6, 1
    hdr = 48
    ident_off = hdr
    hash_off = ident_off + len(ident_b) + nspecial * hs
    total = hash_off + ncode * hs
    cd = struct.pack(">IIIIIIIIIBBBBII", 0xFADE0C02, total, 0x20100, 0x2 if adhoc else 0,
                     hash_off, ident_off, nspecial, ncode, len(code), hs, 2, 0, 0, 0, 0)
    assert len(cd) == hdr
    specials = {2: hashlib.sha256(reqs).digest(), 6: hashlib.sha256(koly_for_hash).digest()}
    slots = b"".join(specials.get(i, b"\0" * hs) for i in range(nspecial, 0, -1))
    return cd + ident_b + slots + hashlib.sha256(code).digest()


def cms(cd, pki, tmp):
    p = os.path.join(tmp, "cd")
    open(p, "wb").write(cd)
    return subprocess.run(["openssl", "cms", "-sign", "-binary", "-in", p,
                           "-signer", os.path.join(pki, "apple-devid.pem"),
                           "-inkey", os.path.join(pki, "apple-devid.key"),
                           "-certfile", os.path.join(pki, "apple-devid-ca.pem"),
                           "-outform", "DER", "-md", "sha256", "-noattr"],
                          check=True, capture_output=True).stdout


CHUNK_SECTORS = 64


def volume_fork(vol, lzfse=False):
    """The data fork and the mish block of a volume, chunk by chunk: the
    first raw, all-zero ones zero-filled (type 2), every third bzip2, the
    rest zlib (an LZFSE type on one chunk with lzfse)."""
    data, chunks = b"", []
    n = len(vol) // 512
    for i, s in enumerate(range(0, n, CHUNK_SECTORS)):
        piece = vol[s * 512:(s + CHUNK_SECTORS) * 512]
        count = len(piece) // 512
        if i == 0:
            t, enc = 0x00000001, piece
        elif piece.count(0) == len(piece):
            t, enc = 0x00000002, b""
        elif i % 3 == 0:
            t, enc = 0x80000006, bz2.compress(piece)
        else:
            t, enc = 0x80000005, zlib.compress(piece, 9)
        if lzfse and i == 1:
            t = 0x80000007
        chunks.append(struct.pack(">IIQQQQ", t, 0, s, count, len(data), len(enc)))
        data += enc
    chunks.append(struct.pack(">IIQQQQ", 0xFFFFFFFF, 0, n, 0, len(data), 0))
    mish = struct.pack(">4sIQQQII", b"mish", 1, 0, n, 0, 2048, 0) + b"\0" * 24
    mish += struct.pack(">II", 2, 32) + b"\0" * 128 + struct.pack(">I", len(chunks)) + b"".join(chunks)
    return data, mish, n


def image(pki, signed=True, adhoc=False, ticket=False, tamper=None, volume=None, lzfse=False):
    tmp = tempfile.mkdtemp()
    data = zlib.compress(bytes(range(256)) * 256, 9) + b"\0" * 1000
    blkx, sectors = b"<array/>", 128
    if volume is not None:
        data, mish, sectors = volume_fork(volume, lzfse)
        blkx = (b"<array><dict><key>Name</key><string>disk image (DOS_FAT_12 : 0)</string>"
                b"<key>Data</key><data>" + base64.b64encode(mish) + b"</data></dict></array>")
    plist = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
             b'<key>resource-fork</key><dict><key>blkx</key>' + blkx + b'</dict></dict></plist>\n')
    xml_off, xml_len = len(data), len(plist)
    body = data + plist
    crc = zlib.crc32(data) & 0xFFFFFFFF
    if not signed:
        return body + koly(len(data), xml_off, xml_len, 0, 0, sectors, crc)
    sig_off = len(body)
    hashed_koly = koly(len(data), xml_off, xml_len, sig_off, 0, sectors, crc)
    reqs = struct.pack(">III", 0xFADE0C01, 12, 0)
    cd = code_directory("org.sigtrace.e2e.image", body, hashed_koly, reqs, adhoc)
    blobs = [(0, cd), (2, reqs)]
    if not adhoc:
        blobs.append((0x10000, blob(0xFADE0B01, cms(cd, pki, tmp))))
    if ticket:
        # A stapled ticket, wrapped as stapler wraps it: Apple's (the test
        # PKI's) naming the image's CodeDirectory, or other code only.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import ticket as tk
        own = (2, hashlib.sha256(cd).digest()[:20])
        other = (2, hashlib.sha256(b"other image").digest()[:20])
        blobs.append((0x10002, blob(0xFADE0B01, tk.ticket(pki, [other] if ticket == "other" else [other, own]))))
    n = len(blobs)
    off = 12 + 8 * n
    index, payload = b"", b""
    for t, b in blobs:
        index += struct.pack(">II", t, off + len(payload))
        payload += b
    sb = struct.pack(">III", 0xFADE0CC0, 12 + 8 * n + len(payload), n) + index + payload
    out = bytearray(body + sb + koly(len(data), xml_off, xml_len, sig_off, len(sb), sectors, crc))
    if tamper == "data":
        out[100] ^= 0x01
    elif tamper == "koly":
        struct.pack_into(">Q", out, len(out) - KOLY + 492, sectors + 8)
    elif tamper == "cms":
        i = out.find(b"sigtrace Test", sig_off)
        out[i + 20] ^= 0x01 if i > 0 else 0
    return bytes(out)


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    pki, out = sys.argv[1:3]
    os.makedirs(out, exist_ok=True)
    P = lambda n: os.path.join(out, n)
    open(P("dmg-devid.dmg"), "wb").write(image(pki))
    open(P("dmg-ticket.dmg"), "wb").write(image(pki, ticket=True))
    open(P("dmg-ticket-other.dmg"), "wb").write(image(pki, ticket="other"))
    open(P("dmg-adhoc.dmg"), "wb").write(image(pki, adhoc=True))
    open(P("dmg-unsigned.dmg"), "wb").write(image(pki, signed=False))
    open(P("dmg-data-byte.dmg"), "wb").write(image(pki, tamper="data"))
    open(P("dmg-koly-modified.dmg"), "wb").write(image(pki, tamper="koly"))
    open(P("dmg-encrypted.dmg"), "wb").write(b"encrcdsa" + bytes(range(256)) * 8)
    open(P("dmg-raw.dmg"), "wb").write(b"\0" * 1024 + b"H+" + b"\0" * 4000)
    if len(sys.argv) == 4:
        vol = open(sys.argv[3], "rb").read()
        open(P("dmg-volume.dmg"), "wb").write(image(pki, volume=vol))
        open(P("dmg-volume-lzfse.dmg"), "wb").write(image(pki, volume=vol, lzfse=True))
        v = bytearray(image(pki, volume=vol, signed=False))
        # A zlib chunk's stream broken (in the second chunk, past the
        # raw first one).
        v[CHUNK_SECTORS * 512 + 40] ^= 0xFF
        open(P("dmg-volume-broken.dmg"), "wb").write(bytes(v))
    good = open(P("dmg-devid.dmg"), "rb").read()
    open(P("dmg-truncated.dmg"), "wb").write(good[:len(good) - 700] + good[-KOLY:])


if __name__ == "__main__":
    main()
