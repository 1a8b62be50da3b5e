#!/usr/bin/env python3
"""cfb-mutate.py OP IN OUT [ARG]: test-only changes to a compound file (an MSI)
for the end-to-end fixtures. Independent of lib/: it reads the header, the FAT
and the directory itself (MS-CFB), only as far as the operations need.

  stream-byte IN OUT      flip a byte in the middle of the largest stream
  clsid IN OUT            change the root storage's CLSID (hashed)
  mtime IN OUT NAME       change the modification time of root entry NAME
                          (hashed only with MsiDigitalSignatureEx)
  slack IN OUT            write bytes after the end of a stream in its last sector
  glue IN OUT PAYLOAD     append PAYLOAD (CVE-2020-1464)
  glue-fat IN OUT PAYLOAD append PAYLOAD in whole sectors and mark them in use
                          in the FAT (each an end of chain), as if allocated
  orphan-entry IN OUT     turn an unused directory entry into a stream that no
                          storage lists
  extract IN OUT NAME     write root stream NAME (4096 bytes or more) to OUT
  add-stream IN OUT       add a 4096-byte stream to the root storage (new sectors at
                          the end, chained in the FAT; a FAT sector added if needed)
"""
import struct
import sys


class Cfb:
    def __init__(self, data):
        self.d = bytearray(data)
        assert self.d[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
        self.ssz = 1 << struct.unpack_from("<H", self.d, 30)[0]
        nfat = struct.unpack_from("<I", self.d, 44)[0]
        assert nfat <= 109, "DIFAT chains are not needed by the fixtures"
        self.fat_secs = list(struct.unpack_from("<%dI" % nfat, self.d, 76))
        self.fat = []
        for s in self.fat_secs:
            self.fat += struct.unpack_from("<%dI" % (self.ssz // 4), self.d, self.off(s))
        self.dir_secs = self.chain(struct.unpack_from("<I", self.d, 48)[0])

    def off(self, s):
        return (s + 1) * self.ssz

    def chain(self, s):
        out = []
        while s < 0xFFFFFFFA:
            out.append(s)
            s = self.fat[s]
        return out

    def entries(self):
        per = self.ssz // 128
        for i in range(len(self.dir_secs) * per):
            yield i, self.off(self.dir_secs[i // per]) + (i % per) * 128

    def name(self, at):
        """The entry's name, Windows Installer's compressed table and stream
        names (UTF-16 units 0x3800..0x4840) decoded."""
        n = struct.unpack_from("<H", self.d, at + 64)[0]
        raw = self.d[at:at + max(n - 2, 0)].decode("utf-16-le", "replace")
        abc = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"
        out = ""
        for ch in raw:
            u = ord(ch)
            if 0x3800 <= u < 0x4800:
                out += abc[(u - 0x3800) & 0x3F] + abc[((u - 0x3800) >> 6) & 0x3F]
            elif 0x4800 <= u < 0x4840:
                out += abc[u - 0x4800]
            elif u == 0x4840:
                out += "!"
            else:
                out += ch
        return out

    def find(self, name):
        for _, at in self.entries():
            if self.d[at + 66] in (1, 2) and self.name(at) == name:
                return at
        raise SystemExit("no entry " + repr(name))

    def set_fat(self, s, v):
        per = self.ssz // 4
        struct.pack_into("<I", self.d, self.off(self.fat_secs[s // per]) + 4 * (s % per), v)

    def largest_stream(self):
        best = None
        for _, at in self.entries():
            if self.d[at + 66] == 2:
                size = struct.unpack_from("<I", self.d, at + 120)[0]
                if size >= 4096 and (best is None or size > best[1]):
                    best = (at, size)
        return best


def main():
    op, src, dst = sys.argv[1:4]
    c = Cfb(open(src, "rb").read())
    if op == "stream-byte":
        at, size = c.largest_stream()
        secs = c.chain(struct.unpack_from("<I", c.d, at + 116)[0])
        k = size // 2
        c.d[c.off(secs[k // c.ssz]) + k % c.ssz] ^= 0x01
    elif op == "clsid":
        _, root = next(c.entries())
        c.d[root + 80 + 15] ^= 0x01
    elif op == "mtime":
        at = c.find(sys.argv[4].replace("\\x05", "\x05"))
        c.d[at + 108] ^= 0x01
    elif op == "slack":
        for _, at in c.entries():
            size = struct.unpack_from("<I", c.d, at + 120)[0]
            if c.d[at + 66] == 2 and size >= 4096 and size % c.ssz:
                secs = c.chain(struct.unpack_from("<I", c.d, at + 116)[0])
                end = c.off(secs[-1]) + size % c.ssz
                c.d[end:end + 4] = b"HIDE"
                break
        else:
            raise SystemExit("no stream with slack")
    elif op in ("glue", "glue-fat"):
        payload = open(sys.argv[4], "rb").read()
        if op == "glue-fat":
            assert len(c.d) % c.ssz == 0
            payload += b"\0" * (-len(payload) % c.ssz)
            first = len(c.d) // c.ssz - 1
            for s in range(first, first + len(payload) // c.ssz):
                assert s < len(c.fat) and c.fat[s] == 0xFFFFFFFF, "no room in the FAT"
                c.set_fat(s, 0xFFFFFFFE)
        c.d += payload
    elif op == "extract":
        at = c.find(sys.argv[4].replace("\\x05", "\x05"))
        size = struct.unpack_from("<I", c.d, at + 120)[0]
        assert size >= 4096, "mini streams are not needed by the tests"
        data = b"".join(bytes(c.d[c.off(x):c.off(x) + c.ssz])
                        for x in c.chain(struct.unpack_from("<I", c.d, at + 116)[0]))
        open(dst, "wb").write(data[:size])
        return
    elif op == "add-stream":
        assert len(c.d) % c.ssz == 0
        data = b"A" * 4096
        first = len(c.d) // c.ssz - 1
        n = len(data) // c.ssz
        while first + n + 1 > len(c.fat):       # room for the chain (and a FAT sector)
            fs = first
            c.d += struct.pack("<%dI" % (c.ssz // 4), *([0xFFFFFFFF] * (c.ssz // 4)))
            nfat = struct.unpack_from("<I", c.d, 44)[0]
            assert nfat < 109
            struct.pack_into("<I", c.d, 76 + 4 * nfat, fs)
            struct.pack_into("<I", c.d, 44, nfat + 1)
            c.fat_secs.append(fs)
            c.fat += [0xFFFFFFFF] * (c.ssz // 4)
            c.set_fat(fs, 0xFFFFFFFD)
            c.fat[fs] = 0xFFFFFFFD
            first += 1
        for k in range(n):
            c.set_fat(first + k, first + k + 1 if k + 1 < n else 0xFFFFFFFE)
        c.d += data
        _, root = next(c.entries())
        for idx, at in c.entries():
            if c.d[at + 66] == 0:
                name = "added".encode("utf-16-le") + b"\0\0"
                c.d[at:at + 64] = name.ljust(64, b"\0")
                struct.pack_into("<HBB3I", c.d, at + 64, len(name), 2, 1,
                                 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
                struct.pack_into("<IQ", c.d, at + 116, first, len(data))
                break
        else:
            raise SystemExit("no unused directory entry")
        # link it as the right sibling at the end of the root's rightmost chain
        ent = dict(c.entries())
        node = struct.unpack_from("<I", c.d, root + 76)[0]
        while struct.unpack_from("<I", c.d, ent[node] + 72)[0] != 0xFFFFFFFF:
            node = struct.unpack_from("<I", c.d, ent[node] + 72)[0]
        struct.pack_into("<I", c.d, ent[node] + 72, idx)
    elif op == "orphan-entry":
        for _, at in c.entries():
            if c.d[at + 66] == 0:
                name = "hidden".encode("utf-16-le") + b"\0\0"
                c.d[at:at + 64] = name.ljust(64, b"\0")
                struct.pack_into("<HBB3I", c.d, at + 64, len(name), 2, 1,
                                 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
                struct.pack_into("<IQ", c.d, at + 116, 0xFFFFFFFE, 0)
                break
        else:
            raise SystemExit("no unused directory entry")
    else:
        raise SystemExit("unknown operation " + op)
    open(dst, "wb").write(c.d)


if __name__ == "__main__":
    main()
