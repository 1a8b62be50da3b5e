#!/usr/bin/env python3
"""make-appx.py: test-only app packages (.appx/.msix) for the end-to-end fixtures,
independent of lib/ (stdlib zipfile and hashlib). Windows' MakeAppx is not in
Debian; osslsigncode signs what this writes.

  make-appx.py package OUT --publisher DN [--hash sha256|sha384|sha512]
               [--lie NAME] [--descriptors] [--ci CATALOG] FILE...
      a package: AppxManifest.xml (Identity Publisher DN), the FILEs (a name
      ending in .txt is stored, others deflated), AppxBlockMap.xml (64 KiB block
      hashes; with --lie the first block of NAME hashed wrong), [Content_Types].xml;
      with --descriptors every entry's CRC and sizes in a data descriptor after
      its data (written as to a pipe); with --ci CATALOG stored as
      AppxMetadata/CodeIntegrity.cat (not in the block map: the AXCI record)
  make-appx.py bundle OUT --publisher DN PACKAGE...
      a bundle: AppxMetadata/AppxBundleManifest.xml and the packages, stored
  make-appx.py flip IN OUT NAME       flip a byte in the middle of stored entry NAME
  make-appx.py add IN OUT NAME        append an entry NAME after signing
  make-appx.py graft IN OUT DONOR     IN with DONOR's AppxSignature.p7x
  make-appx.py gap IN OUT             bytes inserted before the central directory (its
                                      offset in the end record moved; no digest covers them)
"""
import argparse
import base64
import hashlib
import io
import os
import struct
import sys
import zipfile
import zlib

TIME = (2024, 6, 1, 0, 0, 0)
METHODS = {"sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
           "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
           "sha512": "http://www.w3.org/2001/04/xmlenc#sha512"}


def content_types(exts, bundle):
    t = ['<?xml version="1.0" encoding="UTF-8"?>'
         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">']
    for e in sorted(exts):
        t.append('<Default Extension="%s" ContentType="application/octet-stream"/>' % e)
    t.append('<Override PartName="/AppxBlockMap.xml" '
             'ContentType="application/vnd.ms-appx.blockmap+xml"/>')
    if bundle:
        t.append('<Override PartName="/AppxMetadata/AppxBundleManifest.xml" '
                 'ContentType="application/vnd.ms-appx.bundlemanifest+xml"/>')
    else:
        t.append('<Override PartName="/AppxManifest.xml" '
                 'ContentType="application/vnd.ms-appx.manifest+xml"/>')
    t.append('</Types>')
    return "".join(t).encode()


class Unseekable:
    """A file zipfile cannot seek or tell: it then writes data descriptors."""
    def __init__(self, f):
        self.f = f

    def write(self, b):
        return self.f.write(b)

    def flush(self):
        self.f.flush()


def write(out, entries, algo, lie=None, bundle=False, descriptors=False):
    """entries: [(name, data, stored)]; the block map lists all but exempt ones."""
    sink = open(out, "wb") if descriptors else None
    z = zipfile.ZipFile(Unseekable(sink) if descriptors else out, "w")
    bm = ['<?xml version="1.0" encoding="UTF-8"?><BlockMap '
          'xmlns="http://schemas.microsoft.com/appx/2010/blockmap" HashMethod="%s">'
          % METHODS[algo]]
    for name, data, stored in entries:
        zi = zipfile.ZipInfo(name, TIME)
        zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        z.writestr(zi, data)
        if (bundle and name.endswith((".appx", ".msix"))) or \
                name == "AppxMetadata/CodeIntegrity.cat":
            continue
        bm.append('<File Name="%s" Size="%d" LfhSize="%d">'
                  % (name.replace("/", "\\"), len(data), 30 + len(name.encode())))
        for i in range(0, max(len(data), 1), 65536):
            blk = data[i:i + 65536]
            h = hashlib.new(algo, blk).digest()
            if lie == name and i == 0:
                h = hashlib.new(algo, blk + b"!").digest()
            attr = '' if stored else ' Size="%d"' % len(
                zlib.compressobj(9, zlib.DEFLATED, -15).compress(blk) + b"")
            bm.append('<Block Hash="%s"%s/>' % (base64.b64encode(h).decode(), attr))
        bm.append('</File>')
    bm.append('</BlockMap>')
    exts = {n.rsplit(".", 1)[-1] for n, _, _ in entries if "." in n}
    for name, data in (("AppxBlockMap.xml", "".join(bm).encode()),
                       ("[Content_Types].xml", content_types(exts, bundle))):
        zi = zipfile.ZipInfo(name, TIME)
        zi.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(zi, data)
    z.close()
    if sink:
        sink.close()


def manifest(publisher, bundle=False):
    if bundle:
        return ('<?xml version="1.0" encoding="utf-8"?>\r\n<Bundle xmlns='
                '"http://schemas.microsoft.com/appx/2013/bundle" SchemaVersion="5.0">'
                '<Identity Name="sigtrace.test.bundle" Publisher="%s" Version="1.0.0.0"/>'
                '</Bundle>\r\n' % publisher).encode()
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n<Package xmlns='
            '"http://schemas.microsoft.com/appx/manifest/foundation/windows10">'
            '<Identity Name="sigtrace.test" Publisher="%s" Version="1.0.0.0" '
            'ProcessorArchitecture="x64"/><Properties><DisplayName>sigtrace test</DisplayName>'
            '<PublisherDisplayName>sigtrace</PublisherDisplayName><Logo>logo.png</Logo>'
            '</Properties></Package>\r\n' % publisher).encode()


def rewrite(src, out, change):
    """Copies src's entries (as stored) into out, through change(list)."""
    zin = zipfile.ZipFile(src)
    items = [(i, zin.read(i.filename)) for i in zin.infolist()]
    items = change(items)
    with zipfile.ZipFile(out, "w") as z:
        for info, data in items:
            z.writestr(info, data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("op")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--publisher")
    ap.add_argument("--hash", default="sha256")
    ap.add_argument("--lie")
    ap.add_argument("--descriptors", action="store_true")
    ap.add_argument("--ci")
    a = ap.parse_intermixed_args()
    if a.op == "package":
        out, files = a.args[0], a.args[1:]
        entries = [("AppxManifest.xml", manifest(a.publisher), False)]
        for f in files:
            name = os.path.basename(f)
            entries.append((name, open(f, "rb").read(), name.endswith(".txt")))
        if a.ci:
            entries.append(("AppxMetadata/CodeIntegrity.cat", open(a.ci, "rb").read(), True))
        write(out, entries, a.hash, a.lie, descriptors=a.descriptors)
    elif a.op == "bundle":
        out, pkgs = a.args[0], a.args[1:]
        entries = [("AppxMetadata/AppxBundleManifest.xml", manifest(a.publisher, True), False)]
        entries += [(os.path.basename(p), open(p, "rb").read(), True) for p in pkgs]
        write(out, entries, a.hash, bundle=True)
    elif a.op == "flip":
        src, out, name = a.args
        d = bytearray(open(src, "rb").read())
        z = zipfile.ZipFile(io.BytesIO(bytes(d)))
        info = z.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED
        nl, xl = struct.unpack_from("<HH", d, info.header_offset + 26)
        d[info.header_offset + 30 + nl + xl + info.file_size // 2] ^= 0x01
        open(out, "wb").write(d)
    elif a.op == "add":
        src, out, name = a.args
        open(out, "wb").write(open(src, "rb").read())
        with zipfile.ZipFile(out, "a") as z:
            z.writestr(zipfile.ZipInfo(name, TIME), b"added after signing\r\n")
    elif a.op == "graft":
        src, out, donor = a.args
        p7x = zipfile.ZipFile(donor).read("AppxSignature.p7x")
        rewrite(src, out, lambda items: [(i, p7x if i.filename == "AppxSignature.p7x" else d)
                                         for i, d in items])
    elif a.op == "gap":
        src, out = a.args
        d = bytearray(open(src, "rb").read())
        eocd = d.rindex(b"PK\x05\x06")
        cd = struct.unpack_from("<I", d, eocd + 16)[0]
        junk = b"hidden payload outside every record\r\n"
        struct.pack_into("<I", d, eocd + 16, cd + len(junk))
        open(out, "wb").write(bytes(d[:cd]) + junk + bytes(d[cd:]))
    else:
        sys.exit("unknown operation " + a.op)


if __name__ == "__main__":
    main()
