#!/usr/bin/env python3
"""Marks the volumes of an APFS container as encrypted (FileVault), for
tests: mkapfs (apfsprogs) makes unencrypted volumes only, and no Debian tool
encrypts one. Each volume superblock (magic APSB at byte 32 of a block) has
the APFS_FS_UNENCRYPTED bit (0x1) of apfs_fs_flags (byte 264) cleared and
its Fletcher-64 checksum (the object header's first 8 bytes, over the rest
of the block) recomputed, as Apple's APFS reference describes both. The
volume holds no keys: a reader can tell it is encrypted, and no more.

usage: apfs-set-encrypted.py IMAGE [BLOCK_SIZE (4096)]
"""
import struct
import sys

path = sys.argv[1]
bs = int(sys.argv[2]) if len(sys.argv) > 2 else 4096


def fletcher64(data):
    s1 = s2 = 0
    for (v,) in struct.iter_unpack("<I", data):
        s1 = (s1 + v) % 0xFFFFFFFF
        s2 = (s2 + s1) % 0xFFFFFFFF
    c1 = 0xFFFFFFFF - ((s1 + s2) % 0xFFFFFFFF)
    c2 = 0xFFFFFFFF - ((s1 + c1) % 0xFFFFFFFF)
    return c1 | (c2 << 32)


done = 0
with open(path, "r+b") as f:
    f.seek(0, 2)
    blocks = f.tell() // bs
    for blk in range(blocks):
        f.seek(blk * bs + 32)
        if f.read(4) != b"APSB":
            continue
        f.seek(blk * bs)
        b = bytearray(f.read(bs))
        if struct.unpack_from("<Q", b, 0)[0] != fletcher64(bytes(b[8:])):
            continue  # not a valid superblock (stale or coincidence)
        flags = struct.unpack_from("<Q", b, 264)[0]
        struct.pack_into("<Q", b, 264, flags & ~1)
        struct.pack_into("<Q", b, 0, fletcher64(bytes(b[8:])))
        f.seek(blk * bs)
        f.write(b)
        done += 1
sys.exit(0 if done else 1)
