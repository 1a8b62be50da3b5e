#!/usr/bin/env python3
"""Embeds a text data file into a C source as a NUL-terminated string.

usage: embed.py INPUT OUTPUT SYMBOL
"""
import sys

src, out, sym = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, "rb").read()
with open(out, "w") as f:
    f.write("/* Generated from %s by tools/embed.py; do not edit. */\n" % src.split("/")[-1])
    f.write("const char %s[] =\n" % sym)
    for line in data.decode("utf-8").splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
        f.write('\t"%s"\n' % esc)
    f.write("\t;\n")
