#!/usr/bin/env python3
"""Writes a directory of crafted hostile inputs for the scan robustness test.

usage: make-hostile.py SIGNED_PE OUTDIR [SIGNED_MACHO]

SIGNED_PE is a signed PE (an e2e fixture); SIGNED_MACHO a thin 64-bit
little-endian Mach-O with a code signature (an e2e fixture). Every file here must get a verdict
or a reported error from one `sigtrace scan`, with bounded time and memory.
"""
import os
import struct
import sys

src, out = sys.argv[1], sys.argv[2]
macho_src = sys.argv[3] if len(sys.argv) > 3 else None
os.makedirs(out, exist_ok=True)
data = open(src, "rb").read()


def put(name, blob):
    with open(os.path.join(out, name), "wb") as f:
        f.write(blob)


def u32(b, off):
    return struct.unpack_from("<I", b, off)[0]


lfanew = u32(data, 0x3C)
opt = lfanew + 24
magic = struct.unpack_from("<H", data, opt)[0]
dirs = opt + (112 if magic == 0x20B else 96)
secdir = dirs + 4 * 8
rsrcdir = dirs + 2 * 8
nsec_off = lfanew + 6
optsize = struct.unpack_from("<H", data, lfanew + 20)[0]
sectab = opt + optsize

# 1. The signed file truncated at every 1 KiB.
for cut in range(0, len(data), 1024):
    put(f"trunc-{cut:07d}.dll", data[:cut])

# 2. Empty, tiny and header-only files.
put("zero-length", b"")
put("mz-only", b"MZ")
put("mz-lfanew-far", b"MZ" + b"\0" * 58 + struct.pack("<I", 0x7FFFFFF0))
put("headers-only.dll", data[:0x400])

# 3. Security directory offset and size pointing everywhere.
size = len(data)
for i, (off, ln) in enumerate([(0, 8), (1, 8), (lfanew, 0x100), (size - 8, 8), (size - 8, 16),
                               (size, 8), (0xFFFFFFF8, 8), (8, 0xFFFFFFF0), (0x400, size),
                               (u32(data, secdir), 0), (0, u32(data, secdir + 4)),
                               (u32(data, secdir) + 8, u32(data, secdir + 4) - 8)]):
    b = bytearray(data)
    struct.pack_into("<II", b, secdir, off & 0xFFFFFFFF, ln & 0xFFFFFFFF)
    put(f"secdir-{i:02d}.dll", bytes(b))

# 4. Resource directory and section raw pointers pointing everywhere.
for i, rva in enumerate([0, 1, 0x1000, 0x7FFFFFFF, 0xFFFFFFFF]):
    b = bytearray(data)
    struct.pack_into("<II", b, rsrcdir, rva, 0xFFFFFFFF)
    put(f"rsrc-{i}.dll", bytes(b))
for i, (ptr, ln) in enumerate([(0xFFFFFFFF, 0x1000), (0, 0xFFFFFFFF), (size - 1, 0x10000), (0x200, 0)]):
    b = bytearray(data)
    struct.pack_into("<II", b, sectab + 16, ln, ptr)  # SizeOfRawData, PointerToRawData
    put(f"section-{i}.dll", bytes(b))
b = bytearray(data)
struct.pack_into("<I", b, opt + 60, 0xFFFFFFFF)  # SizeOfHeaders
put("sizeofheaders-huge.dll", bytes(b))
b = bytearray(data)
struct.pack_into("<H", b, lfanew + 20, 0xFFFF)  # SizeOfOptionalHeader
put("optsize-huge.dll", bytes(b))
b = bytearray(data)
struct.pack_into("<I", b, dirs - 4, 0xFFFFFFFF)  # NumberOfRvaAndSizes
put("ndirs-huge.dll", bytes(b))

# 5. A PE with 65,535 sections, all on the same raw data, carrying the
#    signed file's certificate table (so the digest walks every section).
cert_off, cert_len = u32(data, secdir), u32(data, secdir + 4)
table = data[cert_off:cert_off + cert_len]
nsec = 65535
hdr_end = sectab + nsec * 40
hdr_size = (hdr_end + 0x1FF) & ~0x1FF
raw_ptr = hdr_size
b = bytearray(data[:sectab])
struct.pack_into("<H", b, nsec_off, nsec)
struct.pack_into("<I", b, opt + 60, hdr_size)
secs = bytearray()
for i in range(nsec):
    secs += struct.pack("<8sIIIIIIHHI", b".s", 0x200, 0x1000 + i * 0x1000, 0x200, raw_ptr, 0, 0, 0, 0, 0x60000020)
b += secs
b += b"\0" * (hdr_size - len(b))
b += b"\xcc" * 0x200
pad = (-len(b)) % 8
b += b"\0" * pad
struct.pack_into("<II", b, secdir, len(b), len(table))
b += table
put("sections-65535.dll", bytes(b))

# 6. Deeply nested ASN.1 inside the certificate table.
depth = 100000
inner = b"\x05\x00"
# Definite lengths nested depth times: build from the inside out.
nest = inner
for _ in range(2000):
    n = len(nest)
    if n < 0x80:
        hdr = bytes([0x30, n])
    elif n < 0x100:
        hdr = bytes([0x30, 0x81, n])
    elif n < 0x10000:
        hdr = bytes([0x30, 0x82]) + struct.pack(">H", n)
    else:
        hdr = bytes([0x30, 0x83]) + struct.pack(">I", n)[1:]
    nest = hdr + nest
indef = b"\x30\x80" * depth + b"\x00\x00" * depth
for name, der in (("asn1-deep-definite.dll", nest), ("asn1-deep-indefinite.dll", indef)):
    b = bytearray(data[:cert_off])
    entry = struct.pack("<IHH", 8 + len(der), 0x0200, 0x0002) + der
    entry += b"\0" * ((-len(entry)) % 8)
    struct.pack_into("<II", b, secdir, cert_off, len(entry))
    put(name, bytes(b) + entry)

# 7. Many WIN_CERTIFICATE entries (over the limit).
b = bytearray(data[:cert_off])
entries = (table[:cert_len]) * 12
struct.pack_into("<II", b, secdir, cert_off, len(entries))
put("cert-entries-12.dll", bytes(b) + entries)

# 8. A universal (fat) Mach-O header with overlapping, out-of-file slices.
fat = struct.pack(">II", 0xCAFEBABE, 3)
for cpu, off, ln in ((0x01000007, 0x1000, 0x100000), (0x0100000C, 0x1000, 0x100000), (7, 0xFFFFF000, 0x10000)):
    fat += struct.pack(">IIIII", cpu, 3, off, ln, 12)
put("fat-overlapping", fat + b"\xcf\xfa\xed\xfe" + b"\0" * 0x2000)

# 9. An SpcIndirectDataContent whose first element is a SET, not a
#    SEQUENCE: a malformed signature, not an out-of-memory error (a parser's
#    "malformed" return once collided with ST_ENOMEM).
spc_oid = bytes.fromhex("060a2b060104018237020104")
i = data.find(spc_oid, cert_off)
if i > 0:
    j = i + len(spc_oid)          # [0] EXPLICIT
    k = j + 2 + (data[j + 1] & 0x7F if data[j + 1] & 0x80 else 0)   # SpcIndirectDataContent SEQUENCE
    m = k + 2 + (data[k + 1] & 0x7F if data[k + 1] & 0x80 else 0)   # its first element
    b = bytearray(data)
    assert b[m] == 0x30
    b[m] = 0x31
    put("spc-broken.dll", bytes(b))

# 10. Random-looking bytes after an MZ header.
put("mz-noise.dll", b"MZ" + bytes((i * 7919 + 13) & 0xFF for i in range(70000)))

# 11. Mach-O: the signed file truncated at every 512 bytes, and every size
#     and offset of the layout and the signature aimed at the limits.
if macho_src:
    mo = open(macho_src, "rb").read()
    for cut in range(0, len(mo), 512):
        put(f"macho-trunc-{cut:07d}", mo[:cut])
    ncmds, sizeofcmds = struct.unpack_from("<II", mo, 16)
    pos, cs = 32, None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", mo, pos)
        if cmd == 0x1D:
            cs = pos
        pos += size
    assert cs, "the Mach-O fixture has no LC_CODE_SIGNATURE"
    dataoff, datasize = struct.unpack_from("<II", mo, cs + 8)

    def patched(name, off, fmt, *vals):
        b = bytearray(mo)
        struct.pack_into(fmt, b, off, *vals)
        put(name, bytes(b))

    patched("macho-ncmds-huge", 16, "<I", 0xFFFFFFFF)
    patched("macho-sizeofcmds-huge", 20, "<I", 0xFFFFFFF0)
    patched("macho-cmdsize-zero", 32 + 4, "<I", 0)
    patched("macho-sig-outside", cs + 8, "<II", 0xFFFFFF00, 0x1000)
    patched("macho-sig-huge", cs + 12, "<I", 0xFFFFFFFF)
    # SuperBlob fields (big-endian).
    patched("macho-superblob-count-huge", dataoff + 8, ">I", 0xFFFFFFFF)
    patched("macho-superblob-length-huge", dataoff + 4, ">I", 0xFFFFFFFF)
    patched("macho-blob-offset-huge", dataoff + 16, ">I", 0xFFFFFFF0)
    cd = dataoff + struct.unpack_from(">I", mo, dataoff + 16)[0]
    patched("macho-cd-ncodeslots-huge", cd + 28, ">I", 0xFFFFFFFF)
    patched("macho-cd-nspecial-huge", cd + 24, ">I", 0x10000)
    patched("macho-cd-pagesize-255", cd + 39, ">B", 255)
    patched("macho-cd-hashoffset-huge", cd + 16, ">I", 0xFFFFFFF0)
    patched("macho-cd-codelimit-huge", cd + 32, ">I", 0xFFFFFFFF)
    patched("macho-cd-identoffset-huge", cd + 20, ">I", 0xFFFFFFFF)
    patched("macho-cd-version-future", cd + 8, ">I", 0x30000)
    # 17 architectures (over the limit), a fat64 header with offsets past
    # 2^63, and a Java class file (0xcafebabe, major version 52).
    fat = struct.pack(">II", 0xCAFEBABE, 17) + b"".join(
        struct.pack(">IIIII", 0x0100000C, 0, 0x4000 * (i + 1), len(mo), 14) for i in range(17))
    put("macho-fat-17", fat + b"\0" * (0x4000 - len(fat)) + mo * 17)
    fat64 = struct.pack(">II", 0xCAFEBABF, 2) + b"".join(
        struct.pack(">IIQQII", 0x0100000C, 0, off, len(mo), 14, 0)
        for off in (0x4000, 0xFFFFFFFFFFFFF000))
    put("macho-fat64-wild", fat64 + b"\0" * (0x4000 - len(fat64)) + mo)
    put("java.class", struct.pack(">IHH", 0xCAFEBABE, 0, 52) + b"\0" * 64)

# Compound files (Windows Installer, lib/msi): a minimal version-3 file, 512-
# byte sectors, sector 0 the FAT, directory sectors from 1, entry 0 the root.
CFB_FREE, CFB_END, CFB_FATSECT, CFB_NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MSI_CLSID = bytes.fromhex("84100c0000000000c000000000000046")


def cfb_entry(name, typ, left=CFB_NONE, right=CFB_NONE, child=CFB_NONE, start=CFB_END,
              size=0, clsid=bytes(16)):
    n = (name.encode("utf-16-le") + b"\0\0") if name else b""
    return (n.ljust(64, b"\0") + struct.pack("<HBB3I", len(n), typ, 1, left, right, child)
            + clsid + bytes(4 + 16) + struct.pack("<IQ", start, size))


def cfb(entries, fat_patch=None, extra_sectors=0):
    """FAT sectors first, then the directory, then extra_sectors of data."""
    entries = entries + [cfb_entry("", 0)] * (-len(entries) % 4)
    ndir = len(entries) // 4
    nfat = 1
    while nfat * 128 < nfat + ndir + extra_sectors:
        nfat += 1
    d0 = nfat
    fat = [CFB_FATSECT] * nfat + [d0 + i + 1 for i in range(ndir - 1)] + [CFB_END]
    fat += [CFB_END] * extra_sectors
    for k, v in (fat_patch or {}).items():
        fat[k] = v
    fat += [CFB_FREE] * (nfat * 128 - len(fat))
    assert nfat <= 109
    hdr = (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + struct.pack(
        "<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, nfat, d0, 0, 4096, CFB_END, 0,
        CFB_END, 0) + struct.pack("<109I", *(list(range(nfat)) + [CFB_FREE] * (109 - nfat))))
    body = struct.pack("<%dI" % len(fat), *fat) + b"".join(entries)
    return hdr + body + b"\x41" * 512 * extra_sectors


root = lambda child=1: cfb_entry("Root Entry", 5, child=child, clsid=MSI_CLSID)
put("cfb-ok.msi", cfb([root(), cfb_entry("a", 2)]))
# the directory's chain points back at itself
put("cfb-fat-loop.msi", cfb([root(), cfb_entry("a", 2)], fat_patch={1: 1}))
# a sibling link back to the entry: a loop in the tree
put("cfb-dir-cycle.msi", cfb([root(), cfb_entry("a", 2, right=1)]))
# a stream that claims 2 GiB in a one-sector chain
put("cfb-stream-huge.msi", cfb([root(), cfb_entry("a", 2, start=2, size=0x7FFFFFFF)],
                              extra_sectors=1))
# two streams sharing one sector
put("cfb-cross-link.msi", cfb([root(), cfb_entry("a", 2, right=2, start=2, size=4096),
                               cfb_entry("b", 2, start=2, size=4096)], extra_sectors=8,
                              fat_patch={k: k + 1 for k in range(2, 9)}))
# storages nested 40 deep
deep = [root()] + [cfb_entry("s%d" % i, 1, child=i + 1 if i < 40 else CFB_NONE)
                   for i in range(1, 41)]
put("cfb-deep.msi", cfb(deep))
# a sibling list 2000 long (osslsigncode writes siblings as a list)
wide = [root()] + [cfb_entry("e%04d" % i, 2, right=i + 1 if i < 2000 else CFB_NONE)
                   for i in range(1, 2001)]
put("cfb-wide.msi", cfb(wide))

# ZIP files named as app packages (lib/appx).
import io
import zipfile as _zf


def small_zip(entries):
    b = io.BytesIO()
    with _zf.ZipFile(b, "w", _zf.ZIP_DEFLATED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return bytearray(b.getvalue())


base = small_zip([("AppxManifest.xml", b"<Package/>"), ("a.txt", b"x" * 100)])
eocd = base.rindex(b"PK\x05\x06")
z = bytearray(base)
struct.pack_into("<HH", z, eocd + 8, 0xFFFF, 0xFFFF)        # 65535 entries claimed
put("zip-count-huge.appx", bytes(z))
z = bytearray(base)
struct.pack_into("<I", z, eocd + 16, 0xFFFFFF00)            # directory outside the file
put("zip-cd-outside.appx", bytes(z))
cd = base.index(b"PK\x01\x02")
cd2 = base.index(b"PK\x01\x02", cd + 4)
z = bytearray(base)
struct.pack_into("<I", z, cd2 + 42, 0)                      # second entry's local header = first's
put("zip-overlap.appx", bytes(z))
z = bytearray(base)
locator = struct.pack("<IIQI", 0x07064B50, 0, 0xFFFFFFFFFFFF0000, 1)
put("zip64-wild.appx", bytes(z[:eocd] + locator + z[eocd:]))
# 512 MiB of zeros deflated (about 500 KiB): only its first bytes are inflated
b = io.BytesIO()
with _zf.ZipFile(b, "w", _zf.ZIP_DEFLATED) as zz:
    with zz.open("AppxManifest.xml", "w") as f:
        f.write(b"<Package/>")
    with zz.open("bomb.bin", "w", force_zip64=True) as f:
        chunk = bytes(1 << 20)
        for _ in range(512):
            f.write(chunk)
put("zip-bomb.appx", b.getvalue())
