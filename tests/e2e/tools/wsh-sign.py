#!/usr/bin/env python3
"""wsh-sign.py IN OUT --template SIGNED.ps1 --key KEY [--encoding E]: signs a
Windows Script Host file (.js, .vbs, .wsf) for the end-to-end fixtures.
Test-only and independent of lib/ (stdlib, pecert.py, the openssl CLI):
Debian's osslsigncode 2.9 signs no Script Host file.

The signature is TEMPLATE's (a PowerShell script signed by osslsigncode with
KEY's certificate) with its SpcIndirectDataContent rewritten for Script Host
and signed again with KEY: SpcSipInfo {1, the file type's SIP GUID, 0 x5}
and the digest Windows' wshext.dll takes (docs/scripts.md): SHA-256 of the
text without the block as UTF-16LE, then the block's position in UTF-16
units as a 32-bit little-endian number. The block is appended (.js, .vbs) or
put before the last </job> (.wsf), each line CRLF-terminated, 64 base64
characters a line.

IN is UTF-8 text; OUT is written in E: utf-8 (no BOM), utf-8-bom, utf-16le,
utf-16be (both with their BOM) or cp1252. The digest is over the text as
Windows reads OUT: a BOM's encoding, else the ANSI code page (Windows-1252,
bytes it leaves undefined kept as the same code point) for .js and .vbs and
UTF-8 for .wsf, so BOM-less UTF-8 JScript with non-ASCII text hashes its
bytes as Windows-1252 characters.
"""
import argparse
import base64
import hashlib
import os
import re
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pecert  # noqa: E402
from pecert import Node, SignedData, der_parse, find_attr, oid_node  # noqa: E402

OID_SIPINFO = "1.3.6.1.4.1.311.2.1.30"
STYLES = {  # extension: (SIP GUID as stored, header, line prefix, footer)
    ".js": ("10e0c906ce38d411a2a300104bd35090", "// SIG // Begin signature block",
            "// SIG // ", "// SIG // End signature block"),
    ".vbs": ("4ef029169927b54d8fe5ace10f17ebab", "'' SIG '' Begin signature block",
             "'' SIG '' ", "'' SIG '' End signature block"),
    ".wsf": ("7005611ace38d411a2a300104bd35090", "<signature>", "** SIG ** ", "</signature>"),
}
BOMS = {"utf-8": ("utf-8", b""), "utf-8-bom": ("utf-8", b"\xef\xbb\xbf"),
        "utf-16le": ("utf-16-le", b"\xff\xfe"), "utf-16be": ("utf-16-be", b"\xfe\xff"),
        "cp1252": ("cp1252", b"")}


def ansi(data):
    """Windows-1252 as MultiByteToWideChar reads it: 0x81, 0x8D, 0x8F, 0x90 and
    0x9D, which the code page leaves undefined, become the same code point."""
    return "".join(bytes([b]).decode("cp1252") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
                   else chr(b) for b in data)


def as_windows_reads(text, encoding, ext):
    codec, bom = BOMS[encoding]
    if bom or ext == ".wsf":
        return text
    return ansi(text.encode(codec))


def der_int(v):
    return Node(0x02, bytes([v]))


def template_signature(path):
    text = open(path, "rb").read().decode("utf-8", "replace")
    lines = re.findall(r"^# ([A-Za-z0-9+/=]+)\r?$", text, re.M)
    return der_parse(base64.b64decode("".join(lines)))


def sign(ci, key, guid, digest):
    sd = SignedData(ci)
    parts = pecert.signer_parts(sd.signer)
    content = sd.content_info[1][0]          # SpcIndirectDataContent
    sip = Node(0x30, children=[der_int(1), Node(0x04, bytes.fromhex(guid))] +
               [der_int(0) for _ in range(5)])
    content.children[0] = Node(0x30, children=[oid_node(OID_SIPINFO), sip])
    content[1][1].value = digest
    spc_digest = hashlib.sha256(b"".join(c.encode() for c in content.children)).digest()
    auth = parts["auth_attrs"]
    find_attr(auth, pecert.OID_MESSAGE_DIGEST)[1][0].value = spc_digest
    signed = Node(0x31, children=auth.children).encode()
    parts["signature"].value = pecert.openssl_sign(key, "sha256", signed)
    if "unauth_attrs" in parts:
        sd.signer.children.remove(parts["unauth_attrs"])
    return ci.encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--template", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--encoding", default="utf-8", choices=sorted(BOMS))
    a = ap.parse_args()
    ext = os.path.splitext(a.out)[1].lower()
    guid, header, prefix, footer = STYLES[ext]
    text = open(a.inp, "rb").read().decode("utf-8")
    at = text.rindex("</job>") if ext == ".wsf" else len(text)
    before = as_windows_reads(text[:at], a.encoding, ext)
    after = as_windows_reads(text[at:], a.encoding, ext)
    pos = len(before.encode("utf-16-le")) // 2
    digest = hashlib.sha256((before + after).encode("utf-16-le") + struct.pack("<I", pos)).digest()
    der = sign(template_signature(a.template), a.key, guid, digest)
    b64 = base64.b64encode(der).decode()
    block = "\r\n" + header + "\r\n" + "".join(
        prefix + b64[i:i + 64] + "\r\n" for i in range(0, len(b64), 64)) + footer + "\r\n"
    codec, bom = BOMS[a.encoding]
    with open(a.out, "wb") as f:
        f.write(bom + (text[:at] + block + text[at:]).encode(codec))


if __name__ == "__main__":
    main()
