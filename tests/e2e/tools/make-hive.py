#!/usr/bin/env python3
"""Makes a Windows registry hive holding certificate stores, for sigtrace's
host-trust tests. Standard library plus hivexsh (Debian package
libhivex-bin); independent of sigtrace's own reader (libregf).

    make-hive.py OUT.hive [--root-name NAME] [--cert KEYPATH=CERT.pem ...]
                 [--value KEYPATH:NAME=hex:TYPE:BYTES ...]
                 [--binary KEYPATH:NAME=FILE ...]

--cert puts a certificate in a store the way Windows does:
KEYPATH\\<SHA-1 thumbprint, upper case>\\Blob, a REG_BINARY of serialized
certificate properties (u32 property ID 32, u32 1, u32 length, the DER),
e.g. Microsoft\\SystemCertificates\\ROOT\\Certificates=root.pem for a
SOFTWARE hive, Software\\Microsoft\\SystemCertificates\\Disallowed\\Certificates=x.pem
for an NTUSER.DAT. --binary stores a file's bytes as a REG_BINARY value (the AuthRoot list
Windows keeps in Microsoft\SystemCertificates\AuthRoot\AutoUpdate:EncodedCtl).
Key paths use backslashes or slashes.

hivex cannot create a hive, only change one, so the empty hive is written
here: a base block (regf, with its XOR checksum) and one 4 KiB bin holding
the root key (nk), its security descriptor (sk) and a free cell; hivexsh
then adds the keys and values.
"""

import argparse
import hashlib
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pecert  # noqa: E402

FILETIME_2024 = (1717200000 + 11644473600) * 10000000  # 2024-06-01


def cell(payload):
    size = (len(payload) + 4 + 7) & ~7
    return struct.pack("<i", -size) + payload + b"\0" * (size - 4 - len(payload))


def empty_hive(root_name):
    name = root_name.encode("ascii")
    # A self-relative security descriptor with no owner, group or ACLs.
    sd = struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 0)
    nk_off = 0x20
    # nk: signature, flags (hive entry, no delete, ASCII name), last
    # written, access bits, parent, subkeys, volatile subkeys, their lists,
    # values, value list, security cell, class name, four maxima, work var,
    # name and class name lengths.
    nk = struct.pack("<2sHQ15IHH", b"nk", 0x2C, FILETIME_2024, 0, 0, 0, 0, 0xFFFFFFFF,
                     0xFFFFFFFF, 0, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0, 0, 0, 0, 0,
                     len(name), 0) + name
    nk_cell = cell(nk)
    sk_off = nk_off + len(nk_cell)
    nk = nk[:0x2C] + struct.pack("<I", sk_off) + nk[0x30:]  # the security cell
    nk_cell = cell(nk)
    sk = struct.pack("<2sHIIII", b"sk", 0, sk_off, sk_off, 1, len(sd)) + sd
    sk_cell = cell(sk)
    used = 0x20 + len(nk_cell) + len(sk_cell)
    free = 0x1000 - used
    hbin = (struct.pack("<4sIIQQI", b"hbin", 0, 0x1000, 0, FILETIME_2024, 0) + nk_cell + sk_cell +
            struct.pack("<i", free) + b"\0" * (free - 4))
    assert len(hbin) == 0x1000
    base = bytearray(0x1000)
    struct.pack_into("<4sIIQIIIIIII", base, 0, b"regf", 1, 1, FILETIME_2024, 1, 3, 0, 1,
                     nk_off, 0x1000, 1)
    checksum = 0
    for i in range(0, 0x1FC, 4):
        checksum ^= struct.unpack_from("<I", base, i)[0]
    struct.pack_into("<I", base, 0x1FC, checksum)
    return bytes(base) + hbin


def blob(der):
    return struct.pack("<III", 32, 1, len(der)) + der


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--root-name", default="ROOT")
    ap.add_argument("--cert", action="append", default=[])
    ap.add_argument("--value", action="append", default=[])
    ap.add_argument("--binary", action="append", default=[])
    a = ap.parse_args()
    with open(a.out, "wb") as f:
        f.write(empty_hive(a.root_name))
    values = {}  # key path (tuple) -> list of (name, value)
    for spec in a.cert:
        path, _, pem = spec.partition("=")
        for der in pecert.pem_certs(pem):
            thumb = hashlib.sha1(der).hexdigest().upper()
            key = tuple(p for p in path.replace("/", "\\").split("\\") if p) + (thumb,)
            hexbytes = ",".join("%02x" % b for b in blob(der))
            values.setdefault(key, []).append(("Blob", "hex:3:" + hexbytes))
    for spec in a.value:
        path, _, rest = spec.partition(":")
        name, _, val = rest.partition("=")
        key = tuple(p for p in path.replace("/", "\\").split("\\") if p)
        values.setdefault(key, []).append((name, val))
    for spec in a.binary:
        path, _, rest = spec.partition(":")
        name, _, fname = rest.partition("=")
        key = tuple(p for p in path.replace("/", "\\").split("\\") if p)
        with open(fname, "rb") as f:
            data = f.read()
        values.setdefault(key, []).append((name, "hex:3:" + ",".join("%02x" % b for b in data)))
    script, made = [], set()
    for key in sorted(values):
        script.append("cd \\")
        for i, part in enumerate(key):
            if key[:i + 1] not in made:
                script.append("add " + part)
                made.add(key[:i + 1])
            script.append("cd " + part)
        script.append("setval %d" % len(values[key]))
        for name, val in values[key]:
            script += [name, val]
    script.append("commit")
    p = subprocess.run(["hivexsh", "-w", a.out], input="\n".join(script) + "\n", text=True,
                       capture_output=True)
    if p.returncode != 0 or p.stderr.strip():
        sys.exit("make-hive.py: hivexsh failed: " + p.stderr.strip())


if __name__ == "__main__":
    main()
