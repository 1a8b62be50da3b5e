#!/usr/bin/env python3
"""Mach-O fixture helpers for the sigtrace e2e tests (python3 stdlib only).

Test-only, like macho-sign.c. Subcommands:

  synth-ppc OUT [--64]          synthetic big-endian ppc / ppc64 MH_EXECUTE,
                                unsigned, with room for LC_CODE_SIGNATURE
  der-entitlements PLIST OUT    XML plist -> Apple's DER entitlements encoding
  fat64 IN OUT                  fat (0xcafebabe) -> fat64 (0xcafebabf), slices unchanged
  strip-signature IN OUT        drop LC_CODE_SIGNATURE and the signature bytes (thin)

  flip-code IN OUT [--arch A]   change one byte of __TEXT,__text
  flip-cd IN OUT [--slot N] [--arch A]
                                change one character of a CodeDirectory's identifier
  flip-blob IN OUT --slot N --old S --new S [--arch A]
                                replace S by an equally long S inside the blob of slot N
  flip-hash IN OUT --slot N [--page K] [--arch A]
                                change one byte of code slot K's hash in the CD at slot N
  flip-signature IN OUT [--arch A]
                                change one byte of the CMS SignerInfo's signature value
  truncate-cms IN OUT           cut the DER inside the CMS blob in half (blob and
                                SuperBlob lengths stay consistent with the cut)
  index-outside IN OUT          point a SuperBlob index entry past the SuperBlob
  sigthief SRC DST OUT          copy SRC's signature onto DST (fix LC_CODE_SIGNATURE
                                and __LINKEDIT), SigThief-style
  append IN OUT                 append bytes after the end of the file
  sig-outside IN OUT            LC_CODE_SIGNATURE dataoff beyond the end of the file
  bad-cmdsize IN OUT            a load command with cmdsize 0
  fat-truncated IN OUT          fat file whose last slice runs past the end of the file
  fat-many IN OUT --count N     fat file of N copies of thin IN (cpusubtypes 0..N-1)

  info IN                       print the signature layout
  extract IN --cd OUT [--cms OUT] [--arch A]
                                write the slot-0 CodeDirectory / CMS DER
  check FILE...                 independent structural verification; prints the
                                reason codes it finds per file
  check-cases CASES FIXDIR      run `check` on every file of a cases list and
                                compare with the structural reasons it expects
  batch                         run one of the above per line of standard input
                                (one interpreter start for many edits)
"""

import argparse
import base64
import concurrent.futures
import hashlib
import os
import plistlib
import shlex
import struct
import subprocess
import sys
import tempfile

LC_SEGMENT = 0x1
LC_SEGMENT_64 = 0x19
LC_CODE_SIGNATURE = 0x1D
LC_UNIXTHREAD = 0x5
LC_SYMTAB = 0x2
LC_MAIN = 0x80000028

CS_SUPERBLOB = 0xFADE0CC0
CS_CD = 0xFADE0C02
CS_REQS = 0xFADE0C01
CS_ENTS = 0xFADE7171
CS_DER_ENTS = 0xFADE7172
CS_WRAPPER = 0xFADE0B01

HASHES = {1: ("sha1", 20), 2: ("sha256", 32), 3: ("sha256", 20), 4: ("sha384", 48)}
HASH_OIDS = {"1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.1": "sha256",
             "2.16.840.1.101.3.4.2.2": "sha384"}
ARCHES = {
    "i386": (7, 3), "x86_64": (0x01000007, 3), "armv7": (12, 9), "arm64": (0x0100000C, 0),
    "ppc": (18, None), "ppc64": (0x01000012, None),
}


class Bad(Exception):
    """A structural problem; .reason is a sigtrace reason code."""

    def __init__(self, reason, msg):
        super().__init__(msg)
        self.reason = reason


def die(msg):
    sys.stderr.write("macho-mutate.py: %s\n" % msg)
    sys.exit(1)


def rd(path):
    with open(path, "rb") as f:
        return bytearray(f.read())


def wr(path, data):
    with open(path, "wb") as f:
        f.write(bytes(data))


# ---- Mach-O parsing ---------------------------------------------------------

class Slice:
    """One thin Mach-O inside DATA at [off, off+size)."""

    def __init__(self, data, off, size):
        self.data, self.off, self.size = data, off, size
        if size < 28:
            raise Bad("malformed_macho", "slice too short")
        magic = data[off:off + 4]
        if magic in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"):
            self.e = ">"
        elif magic in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
            self.e = "<"
        else:
            raise Bad("malformed_macho", "bad Mach-O magic")
        self.is64 = magic in (b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
        self.hdr = 32 if self.is64 else 28
        (self.cputype, self.cpusubtype, self.filetype, self.ncmds,
         self.sizeofcmds) = self.u32s(4, 5)
        if self.hdr + self.sizeofcmds > size:
            raise Bad("malformed_macho", "load commands past the end of the slice")
        self.cmds = []  # (offset within slice, cmd, cmdsize)
        self.segments = {}  # name -> dict
        self.sections = []
        pos, end = self.hdr, self.hdr + self.sizeofcmds
        for _ in range(self.ncmds):
            if end - pos < 8:
                raise Bad("malformed_macho", "load command header past sizeofcmds")
            cmd, cmdsize = self.u32s(pos, 2)
            if cmdsize < 8 or cmdsize > end - pos:
                raise Bad("malformed_macho", "bad cmdsize %d" % cmdsize)
            self.cmds.append((pos, cmd, cmdsize))
            if cmd in (LC_SEGMENT, LC_SEGMENT_64):
                s64 = cmd == LC_SEGMENT_64
                shdr, ssz = (72, 80) if s64 else (56, 68)
                if cmdsize < shdr:
                    raise Bad("malformed_macho", "segment command too short")
                name = bytes(self.data[off + pos + 8:off + pos + 24]).rstrip(b"\0").decode("latin-1")
                if s64:
                    vmaddr, vmsize, fileoff, filesize = self.u64s(pos + 24, 4)
                    nsects = self.u32s(pos + 64, 1)[0]
                else:
                    vmaddr, vmsize, fileoff, filesize = self.u32s(pos + 24, 4)
                    nsects = self.u32s(pos + 48, 1)[0]
                if nsects * ssz > cmdsize - shdr:
                    raise Bad("malformed_macho", "sections past cmdsize")
                if fileoff + filesize > size:
                    raise Bad("malformed_macho", "segment %s past the end of the slice" % name)
                self.segments[name] = dict(lc=pos, s64=s64, vmaddr=vmaddr, vmsize=vmsize,
                                           fileoff=fileoff, filesize=filesize)
                for j in range(nsects):
                    sp = pos + shdr + j * ssz
                    sname = bytes(self.data[off + sp:off + sp + 16]).rstrip(b"\0").decode("latin-1")
                    if s64:
                        ssize = self.u64s(sp + 40, 1)[0]
                        soff = self.u32s(sp + 48, 1)[0]
                    else:
                        ssize, soff = self.u32s(sp + 36, 2)
                    self.sections.append(dict(seg=name, name=sname, offset=soff, size=ssize))
            pos += cmdsize
        sigs = [c for c in self.cmds if c[1] == LC_CODE_SIGNATURE]
        if len(sigs) > 1:
            raise Bad("malformed_macho", "two LC_CODE_SIGNATURE")
        self.lc_sig = sigs[0][0] if sigs else None
        if self.lc_sig is not None:
            if sigs[0][2] < 16:
                raise Bad("malformed_macho", "LC_CODE_SIGNATURE too short")
            self.dataoff, self.datasize = self.u32s(self.lc_sig + 8, 2)

    def u32s(self, pos, n):
        return struct.unpack_from(self.e + "%dI" % n, self.data, self.off + pos)

    def u64s(self, pos, n):
        return struct.unpack_from(self.e + "%dQ" % n, self.data, self.off + pos)

    def put32(self, pos, v):
        struct.pack_into(self.e + "I", self.data, self.off + pos, v)

    def put64(self, pos, v):
        struct.pack_into(self.e + "Q", self.data, self.off + pos, v)

    def bytes(self):
        return self.data[self.off:self.off + self.size]

    def arch_name(self):
        for name, (ct, st) in ARCHES.items():
            if ct == self.cputype and (st is None or st == self.cpusubtype & 0xFFFFFF):
                return name
        return "cpu%d" % self.cputype


def fat_entries(data):
    """[(cputype, cpusubtype, offset, size, align)] or None for a thin file."""
    if len(data) < 8:
        return None
    magic, n = struct.unpack_from(">II", data, 0)
    if magic not in (0xCAFEBABE, 0xCAFEBABF):
        return None
    is64 = magic == 0xCAFEBABF
    esz = 32 if is64 else 20
    if n == 0 or n > 64 or 8 + n * esz > len(data):
        raise Bad("malformed_macho", "bad fat header")
    out = []
    for i in range(n):
        if is64:
            ct, st, off, size, align, _ = struct.unpack_from(">IIQQII", data, 8 + i * esz)
        else:
            ct, st, off, size, align = struct.unpack_from(">IIIII", data, 8 + i * esz)
        if off + size > len(data) or off < 8 + n * esz:
            raise Bad("malformed_macho", "fat slice %d outside the file" % i)
        out.append((ct, st, off, size, align))
    return out


def slices(data):
    fe = fat_entries(data)
    if fe is None:
        return [Slice(data, 0, len(data))]
    return [Slice(data, off, size) for (_, _, off, size, _) in fe]


def pick(data, arch=None):
    sl = slices(data)
    if arch is None:
        return sl[0]
    for s in sl:
        if s.arch_name() == arch:
            return s
    die("no %s slice" % arch)


# ---- signature parsing -------------------------------------------------------

class Sig:
    def __init__(self, s):
        """Parse slice S's SuperBlob; raises Bad."""
        self.s = s
        if s.dataoff > s.size or s.datasize > s.size - s.dataoff:
            raise Bad("malformed_macho", "LC_CODE_SIGNATURE outside the slice")
        lo = s.off + s.dataoff
        self.base = lo
        d = s.data
        if s.datasize < 12:
            raise Bad("malformed_signature", "signature area too small")
        magic, length, count = struct.unpack_from(">III", d, lo)
        if magic != CS_SUPERBLOB or length < 12 or length > s.datasize:
            raise Bad("malformed_signature", "bad SuperBlob header")
        if count > (length - 12) // 8:
            raise Bad("malformed_signature", "SuperBlob index too long")
        self.length = length
        self.blobs = {}  # slot -> (offset from superblob start, bytes)
        for i in range(count):
            typ, boff = struct.unpack_from(">II", d, lo + 12 + 8 * i)
            if boff < 12 + 8 * count or boff > length - 8:
                raise Bad("malformed_signature", "blob %#x outside the SuperBlob" % typ)
            bmagic, blen = struct.unpack_from(">II", d, lo + boff)
            if blen < 8 or blen > length - boff:
                raise Bad("malformed_signature", "blob %#x length" % typ)
            if typ in self.blobs:
                raise Bad("malformed_signature", "duplicate slot %#x" % typ)
            self.blobs[typ] = (boff, bytes(d[lo + boff:lo + boff + blen]), bmagic)
        if 0 not in self.blobs or self.blobs[0][2] != CS_CD:
            raise Bad("malformed_signature", "no CodeDirectory in slot 0")
        self.cds = []  # (slot, parsed dict)
        for slot in sorted(self.blobs):
            if slot == 0 or 0x1000 <= slot < 0x1005:
                if self.blobs[slot][2] != CS_CD:
                    raise Bad("malformed_signature", "slot %#x is not a CodeDirectory" % slot)
                self.cds.append((slot, parse_cd(self.blobs[slot][1])))

    def blob(self, slot):
        return self.blobs[slot][1] if slot in self.blobs else None


def parse_cd(b):
    if len(b) < 44:
        raise Bad("malformed_signature", "CodeDirectory too short")
    (magic, length, version, flags, hash_off, ident_off, nspecial, ncode,
     code_limit) = struct.unpack_from(">9I", b, 0)
    hs, ht, platform, pagelog = b[36], b[37], b[38], b[39]
    if ht not in HASHES or HASHES[ht][1] != hs:
        raise Bad("malformed_signature", "unknown hash type %d/%d" % (ht, hs))
    team = None
    if version >= 0x20200 and len(b) >= 52:
        team_off = struct.unpack_from(">I", b, 48)[0]
        if team_off:
            team = b[team_off:b.index(b"\0", team_off)].decode()
    exec_seg = None
    if version >= 0x20400 and len(b) >= 88:
        exec_seg = struct.unpack_from(">QQQ", b, 64)
    if hash_off < nspecial * hs or hash_off + ncode * hs > len(b) or ident_off >= len(b):
        raise Bad("malformed_signature", "CodeDirectory hashes outside the blob")
    ident = b[ident_off:b.index(b"\0", ident_off)].decode()
    return dict(raw=b, version=version, flags=flags, hash_off=hash_off, nspecial=nspecial,
                ncode=ncode, code_limit=code_limit, hs=hs, ht=ht, pagelog=pagelog,
                ident=ident, team=team, exec_seg=exec_seg, platform=platform)


def cd_hash(cd, data):
    name, size = HASHES[cd["ht"]]
    return hashlib.new(name, data).digest()[:size]


def cdhash_full(cd):
    return hashlib.new(HASHES[cd["ht"]][0], cd["raw"]).digest()


# ---- minimal DER ---------------------------------------------------------------

def der_tlv(b, pos, end):
    if end - pos < 2:
        raise Bad("malformed_signature", "DER: truncated")
    tag = b[pos]
    l = b[pos + 1]
    p = pos + 2
    if l >= 0x80:
        n = l & 0x7F
        if n == 0 or n > 4 or p + n > end:
            raise Bad("malformed_signature", "DER: bad length")
        l = int.from_bytes(b[p:p + n], "big")
        p += n
    if l > end - p:
        raise Bad("malformed_signature", "DER: length past the end")
    return tag, p, p + l  # tag, content start, content end


def der_children(b, start, end):
    out = []
    while start < end:
        tag, cs, ce = der_tlv(b, start, end)
        out.append((tag, start, cs, ce))
        start = ce
    return out


def der_oid(b):
    vals, acc = [], 0
    for x in b:
        acc = acc << 7 | (x & 0x7F)
        if not x & 0x80:
            vals.append(acc)
            acc = 0
    first = min(vals[0] // 40, 2)
    return ".".join(str(v) for v in [first, vals[0] - 40 * first] + vals[1:])


def subject_ou(cert):
    """The subject's organizationalUnitName (2.5.4.11) of a DER certificate."""
    _, cs, ce = der_tlv(cert, 0, len(cert))
    tbs = der_children(cert, cs, ce)[0]
    fields = der_children(cert, tbs[2], tbs[3])
    if fields[0][0] == 0xA0:  # version
        fields = fields[1:]
    subject = fields[4]  # serial, signature, issuer, validity, subject
    for rdn in der_children(cert, subject[2], subject[3]):
        for atv in der_children(cert, rdn[2], rdn[3]):
            oid, val = der_children(cert, atv[2], atv[3])[:2]
            if der_oid(cert[oid[2]:oid[3]]) == "2.5.4.11":
                return cert[val[2]:val[3]].decode()
    return None


class Cms:
    """Just enough of a CMS SignedData: the first SignerInfo's attributes and signature."""

    def __init__(self, der):
        self.der = der
        tag, cs, ce = der_tlv(der, 0, len(der))
        if tag != 0x30 or ce != len(der):
            raise Bad("malformed_signature", "CMS: not one SEQUENCE")
        top = der_children(der, cs, ce)
        if len(top) < 2 or top[1][0] != 0xA0:
            raise Bad("malformed_signature", "CMS: no content")
        sd = der_children(der, top[1][2], top[1][3])
        if not sd or sd[0][0] != 0x30:
            raise Bad("malformed_signature", "CMS: no SignedData")
        sdc = der_children(der, sd[0][2], sd[0][3])
        sis = sdc[-1]
        if sis[0] != 0x31:
            raise Bad("malformed_signature", "CMS: no signerInfos")
        si = der_children(der, sis[2], sis[3])
        if not si:
            raise Bad("malformed_signature", "CMS: no SignerInfo")
        parts = der_children(der, si[0][2], si[0][3])
        self.attrs = {}
        self.attr_order = []
        self.sig = None
        for tag, start, cs2, ce2 in parts:
            if tag == 0xA0:
                for _, _, acs, ace in der_children(der, cs2, ce2):
                    a = der_children(der, acs, ace)
                    oid = der_oid(der[a[0][2]:a[0][3]])
                    vals = [der[v[1]:v[3]] for v in der_children(der, a[1][2], a[1][3])]
                    self.attrs[oid] = vals
                    self.attr_order.append(oid)
                self.attr_tlv = (start, ce2)
            elif tag == 0x04:
                self.sig = (cs2, ce2)
        if self.sig is None:
            raise Bad("malformed_signature", "CMS: no signature value")

    def octets(self, oid):
        """Contents of the first OCTET STRING value of attribute OID."""
        if oid not in self.attrs:
            return None
        v = self.attrs[oid][0]
        tag, cs, ce = der_tlv(v, 0, len(v))
        return v[cs:ce]


# ---- checking -------------------------------------------------------------------

def check_slice(s, reasons, notes, openssl_check=True):
    """Structural verification of one slice; adds reason codes to REASONS.
    Returns 'unsigned', 'adhoc', 'linker', 'cms'."""
    if s.lc_sig is None:
        return "unsigned"
    sig = Sig(s)
    end = s.dataoff + s.datasize
    if s.size > end:
        reasons.add("trailing_data")
    le = s.segments.get("__LINKEDIT")
    if le is None or not (le["fileoff"] <= s.dataoff and end <= le["fileoff"] + le["filesize"]):
        reasons.add("malformed_macho")
        notes.append("signature not inside __LINKEDIT")
    code = s.data[s.off:s.off + s.dataoff]
    for slot, cd in sig.cds:
        if cd["code_limit"] != s.dataoff:
            notes.append("slot %#x codeLimit %d != dataoff %d" % (slot, cd["code_limit"], s.dataoff))
        page = 1 << cd["pagelog"] if cd["pagelog"] else max(cd["code_limit"], 1)
        limit = min(cd["code_limit"], len(code))
        want = (limit + page - 1) // page if limit else 0
        if cd["ncode"] != want:
            reasons.add("page_hash_mismatch")
            notes.append("slot %#x: %d code slots, expected %d" % (slot, cd["ncode"], want))
        for k in range(min(cd["ncode"], want)):
            h = cd_hash(cd, code[k * page:min((k + 1) * page, limit)])
            at = cd["hash_off"] + k * cd["hs"]
            if cd["raw"][at:at + cd["hs"]] != h:
                reasons.add("page_hash_mismatch")
                notes.append("slot %#x page %d hash mismatch" % (slot, k))
        for i in range(1, cd["nspecial"] + 1):
            at = cd["hash_off"] - i * cd["hs"]
            stored = cd["raw"][at:at + cd["hs"]]
            blob = sig.blob(i)
            if blob is None:
                if stored != bytes(cd["hs"]):
                    reasons.add("special_slot_mismatch")
                    notes.append("slot %#x special %d bound but absent" % (slot, i))
            elif cd_hash(cd, blob) != stored:
                reasons.add("special_slot_mismatch")
                notes.append("slot %#x special %d mismatch" % (slot, i))
        for i in range(1, 8):
            if sig.blob(i) is not None and i > cd["nspecial"]:
                reasons.add("special_slot_mismatch")
                notes.append("blob %d present but not bound by slot %#x" % (i, slot))
    cd0 = sig.cds[0][1]
    wrapper = sig.blob(0x10000)
    if wrapper is None or len(wrapper) == 8:
        if cd0["flags"] & 0x20000:
            reasons.add("linker_signed")
            return "linker"
        if cd0["flags"] & 0x2:
            reasons.add("adhoc")
            return "adhoc"
        reasons.add("malformed_signature")
        notes.append("no CMS and not ad-hoc")
        return "adhoc"
    der = bytes(wrapper[8:])
    cms = Cms(der)
    md = cms.octets("1.2.840.113549.1.9.4")
    cd0_raw = sig.blob(0)
    if md is None or md != hashlib.sha256(cd0_raw).digest():
        reasons.add("digest_mismatch")
        notes.append("messageDigest does not match the slot-0 CodeDirectory")
    plist = cms.octets("1.2.840.113635.100.9.1")
    want = [cdhash_full(cd)[:20] for _, cd in sig.cds]
    if plist is not None:
        got = plistlib.loads(plist).get("cdhashes", [])
        if got != want:
            reasons.add("cdhash_mismatch")
            notes.append("cdhashes plist does not match")
    elif len(sig.cds) > 1:
        reasons.add("cdhash_mismatch")
        notes.append("alternate CodeDirectory not bound by any signed attribute")
    if "1.2.840.113635.100.9.2" in cms.attrs:
        got2 = {}
        for v in cms.attrs["1.2.840.113635.100.9.2"]:
            c = der_children(v, der_tlv(v, 0, len(v))[1], len(v))
            got2[HASH_OIDS.get(der_oid(v[c[0][2]:c[0][3]]), "?")] = v[c[1][2]:c[1][3]]
        for _, cd in sig.cds:
            if got2.get(HASHES[cd["ht"]][0]) != cdhash_full(cd):
                reasons.add("cdhash_mismatch")
                notes.append("cdhash digest attribute does not match")
    if openssl_check:
        openssl_verify(der, cd0_raw, cd0, reasons, notes)
    return "cms"


def openssl_verify(der, cd0_raw, cd0, reasons, notes):
    """Signature check with `openssl cms -verify -noverify`, and the team ID
    against the signer certificate's OU."""
    with tempfile.TemporaryDirectory() as t:
        pc, pd, ps = (os.path.join(t, n) for n in ("cms.der", "cd.bin", "signer.pem"))
        wr(pc, der)
        wr(pd, cd0_raw)
        r = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", pc,
                            "-content", pd, "-noverify", "-signer", ps, "-out", os.devnull],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            if "digest_mismatch" not in reasons:
                reasons.add("signature_invalid")
            notes.append("openssl cms -verify: " + r.stdout.decode(errors="replace").strip().splitlines()[-1])
            return
        with open(ps) as f:
            pem = f.read()
        body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
        ou = subject_ou(base64.b64decode(body))
        if cd0["team"] is not None and ou is not None and cd0["team"] != ou:
            reasons.add("team_id_mismatch")
            notes.append("team %s != leaf OU %s" % (cd0["team"], ou))


def check_file(path, openssl_check=True):
    """Returns (set of reason codes, notes)."""
    data = rd(path)
    reasons, notes = set(), []
    try:
        fe = fat_entries(data)
        if fe is None:
            if len(data) < 4 or data[:4] not in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                                                 b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
                return {"not_executable"}, notes
            sl = [Slice(data, 0, len(data))]
        else:
            sl = [Slice(data, off, size) for (_, _, off, size, _) in fe]
            end = max(off + size for (_, _, off, size, _) in fe)
            if len(data) > end:
                reasons.add("trailing_data")
        kinds = []
        for s in sl:
            try:
                kinds.append(check_slice(s, reasons, notes, openssl_check))
            except Bad as e:
                reasons.add(e.reason)
                notes.append("%s: %s" % (s.arch_name(), e))
                kinds.append("broken")
        if all(k == "unsigned" for k in kinds):
            reasons.add("unsigned")
        elif "unsigned" in kinds:
            reasons.add("partially_signed")
    except Bad as e:
        reasons.add(e.reason)
        notes.append(str(e))
    return reasons, notes


# What `check` can see: integrity reasons it must find (when expected) and
# must not find (in files expected valid/untrusted).
STRUCTURAL = {"adhoc", "linker_signed", "page_hash_mismatch", "digest_mismatch",
              "cdhash_mismatch", "special_slot_mismatch", "team_id_mismatch",
              "partially_signed", "signature_invalid", "malformed_signature",
              "malformed_macho", "trailing_data"}
INTEGRITY = STRUCTURAL - {"adhoc", "linker_signed"}


def cmd_check(a):
    bad = 0
    for p in a.files:
        reasons, notes = check_file(p)
        print("%s: %s" % (os.path.basename(p), ",".join(sorted(reasons)) or "-"))
        for n in notes:
            print("    " + n)
        bad |= bool(reasons & INTEGRITY)
    return 1 if bad else 0


def cmd_check_cases(a):
    cases = []
    with open(a.cases) as f:
        for line in f:
            parts = shlex.split(line, comments=True)
            if len(parts) < 3:
                continue
            name, verdict, reasons = parts[0], parts[1], parts[2]
            exp = set() if reasons == "-" else set(reasons.split(","))
            cases.append((name, verdict, reasons, exp, os.path.join(a.fixdir, name)))
    paths = sorted({c[4] for c in cases if os.path.exists(c[4])})
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        seen = dict(zip(paths, pool.map(check_file, paths)))
    failures = []
    for name, verdict, reasons, exp, path in cases:
        if path not in seen:
            failures.append("%s: missing" % name)
            continue
        got, notes = seen[path]
        missing = (exp & STRUCTURAL) - got
        if verdict in ("unsigned", "not_executable"):
            missing |= {verdict} - got
        extra = set()
        if verdict in ("valid", "untrusted", "unsigned"):
            extra = got & INTEGRITY
        if verdict == "valid":
            extra |= got & {"adhoc", "linker_signed", "unsigned"}
        if missing or extra:
            failures.append("%s (%s %s): structural check found %s%s" % (
                name, verdict, reasons, ",".join(sorted(got)) or "-",
                "".join("\n    " + n for n in notes)))
    for f in failures:
        sys.stderr.write("check-cases: %s\n" % f)
    return 1 if failures else 0


# ---- info / extract ---------------------------------------------------------------

def cmd_info(a):
    data = rd(a.file)
    for s in slices(data):
        print("%s slice at %#x size %#x (%s, %s-bit)" % (
            s.arch_name(), s.off, s.size, "big-endian" if s.e == ">" else "little-endian",
            64 if s.is64 else 32))
        if s.lc_sig is None:
            print("  unsigned")
            continue
        sig = Sig(s)
        print("  signature at %#x, datasize %#x, SuperBlob length %#x" % (s.dataoff, s.datasize, sig.length))
        for slot in sorted(sig.blobs):
            off, b, magic = sig.blobs[slot]
            print("  slot %#07x at %#06x magic %#x length %d" % (slot, off, magic, len(b)))
        for slot, cd in sig.cds:
            print("  CD %#x: version %#x flags %#x hashType %d pageSize %s nSpecial %d nCode %d "
                  "codeLimit %#x ident %r team %r execSeg %s cdhash %s" % (
                      slot, cd["version"], cd["flags"], cd["ht"],
                      1 << cd["pagelog"] if cd["pagelog"] else "single", cd["nspecial"],
                      cd["ncode"], cd["code_limit"], cd["ident"], cd["team"], cd["exec_seg"],
                      cdhash_full(cd)[:20].hex()))
        w = sig.blob(0x10000)
        if w is not None and len(w) > 8:
            cms = Cms(bytes(w[8:]))
            print("  CMS signed attributes (as encoded): " + ", ".join(cms.attr_order))
    return 0


def cmd_extract(a):
    s = pick(rd(a.file), a.arch)
    sig = Sig(s)
    wr(a.cd, sig.blob(0))
    if a.cms:
        w = sig.blob(0x10000)
        if w is None or len(w) <= 8:
            die("no CMS signature")
        wr(a.cms, w[8:])
    return 0


# ---- generators -------------------------------------------------------------------

def cmd_synth_ppc(a):
    """Big-endian PowerPC MH_EXECUTE: __PAGEZERO, __TEXT (one 4 KiB page holding the
    header and a `li r3,0; blr` __text), __LINKEDIT (symbol + string table),
    LC_SYMTAB, and LC_UNIXTHREAD (ppc) or LC_MAIN (ppc64). No LC_CODE_SIGNATURE;
    the load commands are followed by zeros so that the signer can add one."""
    is64 = a.is64
    e = ">"
    page = 0x1000
    code = struct.pack(">II", 0x38600000, 0x4E800020) * 4  # li r3,0 ; blr (x4)
    text_off = 0x800
    base = 0x100000000 if is64 else 0x1000
    entry = base + text_off
    cmds = []

    def seg(name, vmaddr, vmsize, fileoff, filesize, maxprot, initprot, sects):
        if is64:
            hdr = struct.pack(e + "II16sQQQQiiII", LC_SEGMENT_64, 72 + 80 * len(sects), name,
                              vmaddr, vmsize, fileoff, filesize, maxprot, initprot, len(sects), 0)
            body = b"".join(struct.pack(e + "16s16sQQIIIIIIII", sn, name, addr, size, off, 2, 0,
                                        0, 0x80000400, 0, 0, 0) for (sn, addr, size, off) in sects)
        else:
            hdr = struct.pack(e + "II16sIIIIiiII", LC_SEGMENT, 56 + 68 * len(sects), name,
                              vmaddr, vmsize, fileoff, filesize, maxprot, initprot, len(sects), 0)
            body = b"".join(struct.pack(e + "16s16sIIIIIIIII", sn, name, addr, size, off, 2, 0,
                                        0, 0x80000400, 0, 0) for (sn, addr, size, off) in sects)
        return hdr + body

    linkedit_off = page
    strtab = b"\0_main\0\0"
    if is64:
        nlist = struct.pack(e + "IBBHQ", 1, 0x0F, 1, 0, entry)
    else:
        nlist = struct.pack(e + "IBBhI", 1, 0x0F, 1, 0, entry)
    linkedit = nlist + strtab
    cmds.append(seg(b"__PAGEZERO", 0, base, 0, 0, 0, 0, []))
    cmds.append(seg(b"__TEXT", base, page, 0, page, 5, 5, [(b"__text", entry, len(code), text_off)]))
    cmds.append(seg(b"__LINKEDIT", base + page, page, linkedit_off, len(linkedit), 1, 1, []))
    cmds.append(struct.pack(e + "6I", LC_SYMTAB, 24, linkedit_off, 1, linkedit_off + len(nlist),
                            len(strtab)))
    if is64:  # LC_MAIN (LLVM's tools reject a ppc64 LC_UNIXTHREAD)
        cmds.append(struct.pack(e + "IIQQ", LC_MAIN, 24, text_off, 0))
    else:  # PPC_THREAD_STATE (1): srr0, srr1, r0..r31, cr, xer, lr, ctr, mq, vrsave
        state = struct.pack(e + "40I", entry, *([0] * 39))
        cmds.append(struct.pack(e + "IIII", LC_UNIXTHREAD, 16 + len(state), 1, len(state) // 4) + state)
    lc = b"".join(cmds)
    cputype = 0x01000012 if is64 else 18
    if is64:
        header = struct.pack(e + "8I", 0xFEEDFACF, cputype, 0, 2, len(cmds), len(lc), 0x1, 0)
    else:
        header = struct.pack(e + "7I", 0xFEEDFACE, cputype, 0, 2, len(cmds), len(lc), 0x1)
    out = bytearray(page + len(linkedit))
    out[0:len(header) + len(lc)] = header + lc
    assert len(header) + len(lc) + 16 <= text_off
    out[text_off:text_off + len(code)] = code
    out[linkedit_off:] = linkedit
    wr(a.out, out)
    return 0


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def der_value(v):
    """Apple's DER entitlements value encoding (CoreEntitlements)."""
    if isinstance(v, bool):
        return der(0x01, b"\xff" if v else b"\x00")
    if isinstance(v, int):
        n = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True)
        return der(0x02, n)
    if isinstance(v, str):
        return der(0x0C, v.encode())
    if isinstance(v, list):
        return der(0x30, b"".join(der_value(x) for x in v))
    if isinstance(v, dict):  # [CONTEXT 16] of SEQUENCE { key, value }, sorted by key
        return der(0xB0, b"".join(der(0x30, der_value(k) + der_value(v[k])) for k in sorted(v)))
    die("unsupported entitlement value %r" % (v,))


def cmd_der_entitlements(a):
    with open(a.plist, "rb") as f:
        d = plistlib.load(f)
    # [APPLICATION 16] { INTEGER 1, dict }
    wr(a.out, der(0x70, der(0x02, b"\x01") + der_value(d)))
    return 0


def cmd_fat64(a):
    data = rd(a.input)
    fe = fat_entries(data)
    if fe is None or struct.unpack_from(">I", data, 0)[0] != 0xCAFEBABE:
        die("not a 32-bit fat file")
    n = len(fe)
    hdr = struct.pack(">II", 0xCAFEBABF, n) + b"".join(
        struct.pack(">IIQQII", ct, st, off, size, align, 0) for (ct, st, off, size, align) in fe)
    if len(hdr) > min(off for (_, _, off, _, _) in fe):
        die("fat64 header would overlap the first slice")
    data[0:len(hdr)] = hdr
    wr(a.out, data)
    return 0


def cmd_strip_signature(a):
    data = rd(a.input)
    s = pick(data)
    if s.off != 0 or s.lc_sig is None:
        die("needs a signed thin file")
    pos = s.lc_sig
    end = s.hdr + s.sizeofcmds
    dataoff = s.dataoff
    le = s.segments["__LINKEDIT"]
    data[pos:end - 16] = data[pos + 16:end]
    data[end - 16:end] = bytes(16)
    s.put32(16, s.ncmds - 1)
    s.put32(20, s.sizeofcmds - 16)
    s2 = Slice(data, 0, len(data))
    le = s2.segments["__LINKEDIT"]
    if le["s64"]:
        s2.put64(le["lc"] + 48, dataoff - le["fileoff"])
    else:
        s2.put32(le["lc"] + 36, dataoff - le["fileoff"])
    wr(a.out, data[:dataoff])
    return 0


# ---- mutations --------------------------------------------------------------------

def flip(data, pos):
    data[pos] ^= 0x01


def cmd_flip_code(a):
    data = rd(a.input)
    s = pick(data, a.arch)
    t = [x for x in s.sections if x["seg"] == "__TEXT" and x["name"] == "__text"]
    if not t or t[0]["size"] == 0:
        die("no __text")
    flip(data, s.off + t[0]["offset"] + t[0]["size"] // 2)
    wr(a.out, data)
    return 0


def cmd_flip_cd(a):
    data = rd(a.input)
    s = pick(data, a.arch)
    sig = Sig(s)
    off, b, _ = sig.blobs[a.slot]
    ident_off = struct.unpack_from(">I", b, 20)[0]
    flip(data, sig.base + off + ident_off)  # first identifier character
    wr(a.out, data)
    return 0


def cmd_flip_blob(a):
    data = rd(a.input)
    s = pick(data, a.arch)
    sig = Sig(s)
    off, b, _ = sig.blobs[a.slot]
    old, new = a.old.encode(), a.new.encode()
    if len(old) != len(new) or b.count(old) != 1:
        die("--old must occur exactly once and --new have the same length")
    at = sig.base + off + b.index(old)
    data[at:at + len(new)] = new
    wr(a.out, data)
    return 0


def cmd_flip_hash(a):
    data = rd(a.input)
    s = pick(data, a.arch)
    sig = Sig(s)
    off, b, _ = sig.blobs[a.slot]
    cd = parse_cd(b)
    if a.page >= cd["ncode"]:
        die("no code slot %d" % a.page)
    flip(data, sig.base + off + cd["hash_off"] + a.page * cd["hs"])
    wr(a.out, data)
    return 0


def cmd_flip_signature(a):
    data = rd(a.input)
    s = pick(data, a.arch)
    sig = Sig(s)
    off, w, _ = sig.blobs[0x10000]
    cms = Cms(bytes(w[8:]))
    cs, ce = cms.sig
    flip(data, sig.base + off + 8 + (cs + ce) // 2)
    wr(a.out, data)
    return 0


def cmd_truncate_cms(a):
    data = rd(a.input)
    s = pick(data)
    sig = Sig(s)
    off, w, _ = sig.blobs[0x10000]
    if off + len(w) != sig.length:
        die("the CMS blob is not the last blob")
    keep = 8 + (len(w) - 8) // 2
    lo = sig.base
    struct.pack_into(">I", data, lo + off + 4, keep)
    struct.pack_into(">I", data, lo + 4, off + keep)
    data[lo + off + keep:lo + off + len(w)] = bytes(len(w) - keep)
    wr(a.out, data)
    return 0


def cmd_index_outside(a):
    data = rd(a.input)
    s = pick(data)
    sig = Sig(s)
    count = struct.unpack_from(">I", data, sig.base + 8)[0]
    # the last index entry (the CMS blob) points 64 KiB past the SuperBlob
    struct.pack_into(">I", data, sig.base + 12 + 8 * (count - 1) + 4, sig.length + 0x10000)
    wr(a.out, data)
    return 0


def cmd_sigthief(a):
    src = rd(a.src)
    dst = rd(a.dst)
    ss, ds = pick(src), pick(dst)
    if ss.off != 0 or ds.off != 0:
        die("thin files only")
    blob = src[ss.dataoff:ss.dataoff + ss.datasize]
    if ds.lc_sig is None:
        die("the target needs LC_CODE_SIGNATURE")
    dataoff = ds.dataoff
    out = dst[:dataoff] + blob
    d2 = Slice(out, 0, len(out))
    d2.put32(d2.lc_sig + 12, len(blob))
    le = d2.segments["__LINKEDIT"]
    fs = len(out) - le["fileoff"]
    vm = (fs + 0x3FFF) // 0x4000 * 0x4000
    if le["s64"]:
        d2.put64(le["lc"] + 48, fs)
        d2.put64(le["lc"] + 32, vm)
    else:
        d2.put32(le["lc"] + 36, fs)
        d2.put32(le["lc"] + 28, vm)
    cd = parse_cd(Sig(ss).blob(0))
    if cd["code_limit"] != dataoff:
        die("source and target have different code limits (%d, %d)" % (cd["code_limit"], dataoff))
    wr(a.out, out)
    return 0


def cmd_append(a):
    data = rd(a.input)
    data += b"sigtrace e2e: data appended after the code signature\n" + bytes(11)  # 64 bytes
    wr(a.out, data)
    return 0


def cmd_sig_outside(a):
    data = rd(a.input)
    s = pick(data)
    s.put32(s.lc_sig + 8, len(data) + 0x1000)
    wr(a.out, data)
    return 0


def cmd_bad_cmdsize(a):
    data = rd(a.input)
    s = pick(data)
    # the load command after the segments: LC_DYLD_INFO_ONLY / LC_SYMTAB, whatever is 4th
    pos = s.cmds[3][0]
    s.put32(pos + 4, 0)
    wr(a.out, data)
    return 0


def cmd_fat_truncated(a):
    data = rd(a.input)
    fe = fat_entries(data)
    if fe is None:
        die("not a fat file")
    last = max(fe, key=lambda e: e[2])
    wr(a.out, data[:last[2] + last[3] // 2])
    return 0


def cmd_fat_many(a):
    """A fat file holding COUNT copies of a thin file, cpusubtype 0..COUNT-1."""
    thin = rd(a.input)
    s = Slice(thin, 0, len(thin))
    align = 12
    pos, entries = 8 + 20 * a.count, []
    for i in range(a.count):
        pos = (pos + (1 << align) - 1) >> align << align
        entries.append((s.cputype, i, pos, len(thin), align))
        pos += len(thin)
    out = bytearray(pos)
    struct.pack_into(">II", out, 0, 0xCAFEBABE, a.count)
    for i, (ct, st, off, size, al) in enumerate(entries):
        struct.pack_into(">IIIII", out, 8 + 20 * i, ct, st, off, size, al)
        out[off:off + size] = thin
    wr(a.out, out)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def io(name, fn, arch=False):
        p = sub.add_parser(name)
        p.add_argument("input")
        p.add_argument("out")
        if arch:
            p.add_argument("--arch")
        p.set_defaults(fn=fn)
        return p

    p = sub.add_parser("synth-ppc")
    p.add_argument("out")
    p.add_argument("--64", dest="is64", action="store_true")
    p.set_defaults(fn=cmd_synth_ppc)
    p = sub.add_parser("der-entitlements")
    p.add_argument("plist")
    p.add_argument("out")
    p.set_defaults(fn=cmd_der_entitlements)
    io("fat64", cmd_fat64)
    io("strip-signature", cmd_strip_signature)
    io("flip-code", cmd_flip_code, arch=True)
    io("flip-cd", cmd_flip_cd, arch=True).add_argument("--slot", type=lambda x: int(x, 0), default=0)
    p = io("flip-blob", cmd_flip_blob, arch=True)
    p.add_argument("--slot", type=lambda x: int(x, 0), required=True)
    p.add_argument("--old", required=True)
    p.add_argument("--new", required=True)
    p = io("flip-hash", cmd_flip_hash, arch=True)
    p.add_argument("--slot", type=lambda x: int(x, 0), required=True)
    p.add_argument("--page", type=int, default=0)
    io("flip-signature", cmd_flip_signature, arch=True)
    io("truncate-cms", cmd_truncate_cms)
    io("index-outside", cmd_index_outside)
    p = sub.add_parser("sigthief")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("out")
    p.set_defaults(fn=cmd_sigthief)
    io("append", cmd_append)
    io("sig-outside", cmd_sig_outside)
    io("bad-cmdsize", cmd_bad_cmdsize)
    io("fat-truncated", cmd_fat_truncated)
    io("fat-many", cmd_fat_many).add_argument("--count", type=int, required=True)
    p = sub.add_parser("info")
    p.add_argument("file")
    p.set_defaults(fn=cmd_info)
    p = sub.add_parser("extract")
    p.add_argument("file")
    p.add_argument("--cd", required=True)
    p.add_argument("--cms")
    p.add_argument("--arch")
    p.set_defaults(fn=cmd_extract)
    p = sub.add_parser("check")
    p.add_argument("files", nargs="+")
    p.set_defaults(fn=cmd_check)
    p = sub.add_parser("check-cases")
    p.add_argument("cases")
    p.add_argument("fixdir")
    p.set_defaults(fn=cmd_check_cases)
    p = sub.add_parser("batch", help="run one subcommand per line of standard input")
    p.set_defaults(fn=None)
    a = ap.parse_args()
    if a.cmd != "batch":
        return run(a)
    for line in sys.stdin:
        words = shlex.split(line, comments=True)
        if words:
            b = ap.parse_args(words)
            if b.cmd == "batch" or run(b) != 0:
                die("batch: failed: %s" % line.strip())
    return 0


def run(a):
    try:
        return a.fn(a)
    except Bad as e:
        die(str(e))


if __name__ == "__main__":
    sys.exit(main())
