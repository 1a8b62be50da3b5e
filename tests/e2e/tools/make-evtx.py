#!/usr/bin/env python3
"""An empty Windows event log: the EVTX file header (4,096 bytes: signature,
chunk numbers, next record number, versions 3.1, the CRC32 of its first 120
bytes) and no chunks. libevtx opens it and finds no records; the fuzz target
fuzz_evtx grows chunks and records from it.

usage: make-evtx.py OUTPUT [--chunks N]   (N: the chunk count the header claims)
"""
import struct
import sys
import zlib

out = sys.argv[1]
chunks = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--chunks" else 0
head = b"ElfFile\0" + struct.pack("<QQQIHHHH", 0, max(chunks - 1, 0), 1, 128, 1, 3, 4096, chunks)
head += b"\0" * (120 - len(head))
head += struct.pack("<II", 0, zlib.crc32(head[:120]) & 0xFFFFFFFF)
open(out, "wb").write(head + b"\0" * (4096 - len(head)))
