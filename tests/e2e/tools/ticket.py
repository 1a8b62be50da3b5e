#!/usr/bin/env python3
"""ticket.py -- TEST-ONLY writer of notarization tickets as Apple staples
them, signed by the test PKI's ticket-signing certificate (apple-ticket,
EC P-256, under apple-integration-ca and apple-root: make-pki.sh).
Independent of lib/; imported by make-bundle.py, make-dmg.py and
make-xar.py.

Layout (little-endian): "s8ch", u32 1, u32 chain length, u32 body length;
the chain, one DER SEQUENCE of the leaf and its CA; the body: "g8tk",
u16 2, u16 20, u32 count, u32 flags (0), u64 time, then per hash a u8
type (1 SHA-1, 2 SHA-256) and 20 bytes; an ECDSA-with-SHA-256 signature by
the leaf over all that, DER, followed by one padding byte as in public
copies of Apple's tickets.

Usage as a program: ticket.py PKIDIR OUT TYPE:HEX... writes a ticket.
"""
import os
import struct
import subprocess
import sys

TIME = 1735689600   # 2025-01-01T00:00:00Z, inside the test leaf's validity


def der_seq(content):
    n = len(content)
    if n < 0x80:
        head = bytes([0x30, n])
    elif n < 0x100:
        head = bytes([0x30, 0x81, n])
    else:
        head = bytes([0x30, 0x82, n >> 8, n & 0xFF])
    return head + content


def cert_der(path):
    return subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"], check=True,
                          capture_output=True).stdout


def ticket(pki, hashes, when=TIME, tamper=None):
    """hashes: [(type, 20 bytes)]; tamper: None, "signature" (a byte of the
    signature flipped) or "list" (a byte of the signed list flipped)."""
    chain = der_seq(cert_der(os.path.join(pki, "apple-ticket.pem")) +
                    cert_der(os.path.join(pki, "apple-integration-ca.pem")))
    body = b"g8tk" + struct.pack("<HHIIQ", 2, 20, len(hashes), 0, when)
    for t, h in hashes:
        assert len(h) == 20
        body += bytes([t]) + h
    signed = b"s8ch" + struct.pack("<III", 1, len(chain), len(body)) + chain + body
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(pki, "apple-ticket.key")],
                         input=signed, check=True, capture_output=True).stdout
    out = bytearray(signed + sig + b"\0")
    if tamper == "signature":
        out[len(signed) + 10] ^= 0x01
    elif tamper == "list":
        out[len(signed) - 5] ^= 0x01
    return bytes(out)


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    hashes = []
    for a in sys.argv[3:]:
        t, h = a.split(":", 1)
        hashes.append((int(t), bytes.fromhex(h)))
    open(sys.argv[2], "wb").write(ticket(sys.argv[1], hashes))


if __name__ == "__main__":
    main()
