#!/usr/bin/env python3
"""Embeds a data file into a C source.

usage: embed.py INPUT OUTPUT SYMBOL [--binary | --der-bundle]

Text (default): `const char SYMBOL[]`, NUL-terminated.
--binary: `const unsigned char SYMBOL[]` and `const size_t SYMBOL_len`.
--der-bundle: the certificates of a PEM file (comments dropped) as their DER
    encodings one after the other, embedded like --binary: the library
    decodes each certificate only when a chain needs it.
"""
import base64
import re
import sys

src, out, sym = sys.argv[1], sys.argv[2], sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else ""
binary = mode in ("--binary", "--der-bundle")
data = open(src, "rb").read()
if mode == "--der-bundle":
    data = b"".join(base64.b64decode(b"".join(m.split()))
                    for m in re.findall(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", data, re.S))
with open(out, "w") as f:
    f.write("/* Generated from %s by tools/embed.py; do not edit. */\n" % src.split("/")[-1])
    f.write("#include <stddef.h>\n")
    if binary:
        f.write("const unsigned char %s[] = {\n" % sym)
        for i in range(0, len(data), 16):
            f.write("\t" + ", ".join("0x%02x" % b for b in data[i:i + 16]) + ",\n")
        f.write("};\nconst size_t %s_len = %d;\n" % (sym, len(data)))
    else:
        f.write("const char %s[] =\n" % sym)
        for line in data.decode("utf-8").splitlines(keepends=True):
            esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
            f.write('\t"%s"\n' % esc)
        f.write("\t;\n")
