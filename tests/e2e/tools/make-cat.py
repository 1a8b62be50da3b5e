#!/usr/bin/env python3
"""Makes Windows security catalogs (.cat) signed by the test PKI, for
sigtrace's tests. Standard library plus the openssl CLI; independent of
sigtrace's own parser and hashing.

A catalog is a PKCS#7 SignedData whose content (type szOID_CTL
1.3.6.1.4.1.311.10.1, the CTL SEQUENCE itself inside [0], as in make-ctl.py)
is a certificate trust list with subjectUsage 1.3.6.1.4.1.311.12.1.1:

  v1, --hash sha1:   subjectAlgorithm 1.3.6.1.4.1.311.12.1.2; member tag =
                     UTF-16LE upper-case hex of the SHA-1 digest + NUL;
                     attributes SpcIndirectDataContent, CAT_NAMEVALUE "File",
                     CAT_MEMBERINFO {SIP GUID, 512}
  v2, --hash sha256: subjectAlgorithm 1.3.6.1.4.1.311.12.1.3; member tag =
                     the 32 raw digest bytes; attributes CAT_MEMBERINFO2
                     (empty [0] for PE members, [2] for flat ones),
                     SpcIndirectDataContent, CAT_NAMEVALUE; plus, per PE
                     member, a companion entry tagged with the raw 20-byte
                     SHA-1 Authenticode digest holding only CAT_MEMBERINFO2 [2]

Member digests: PE files get the Authenticode image digest (computed here
section by section as the PE/COFF specification describes, and checked
against the flat computation of pecert.py), other files and files marked
flat get the hash of the whole file.

Build a catalog:

    make-cat.py OUT.cat --signer CERT.pem --key KEY.pem [--chain PEM]
                --hash sha1|sha256 --this-update 2024-06-01T00:00:00Z
                [--signing-time ISO] [--os _v100_X64]
                --member SPEC [--member SPEC ...] [--member-digest SPEC ...]
                [--tamper FILE | --malform KIND]

  --member FILE[;name=NAME][;flat]
        a file; NAME (default: the file's base name) goes into the
        CAT_NAMEVALUE "File" attribute; ";flat" hashes a PE as a flat file.
  --member-digest HEX[;name=NAME][;flat]
        a member given by its digest alone (PE member unless ;flat; no SHA-1
        companion entry).
  --os VALUE     catalog-wide name-value "OS" (a ctlExtension 12.2.1).
  --signing-time ISO  adds a PKCS#9 signingTime signed attribute.
  --tamper FILE  after signing, the first --member is replaced by FILE (same
                 name) in the CTL: the signature no longer covers the content.
  --malform KIND a catalog the parser must reject (signed over what is
                 written unless said otherwise):
                   truncated     a valid catalog cut to 60 % of its length
                   content-type  eContentType (and the contentType signed
                                 attribute) id-data 1.2.840.113549.1.7.1
                   members-set   trustedSubjects encoded as a SET, not a SEQUENCE

The signer digest is --hash (SHA-1 for v1 catalogs, as old catalogs are
signed). Signed attributes: contentType 1.3.6.1.4.1.311.10.1, messageDigest
over the CTL's value bytes (without its tag and length), SpcSpOpusInfo {},
and signingTime if asked. Timestamps are added afterwards with
`osslsigncode add -TSA-certs ... -TSA-key ... -TSA-time ...`.

Other commands:

    make-cat.py catroot DIR --count N --random-members M --seed S
                --signer ... --key ... [--chain ...] --this-update ISO
                [--extra-member SPEC --extra-index I]
        N v2 catalogs DIR/pkg-NNN.cat (OS _v100_X64) of M pseudo-random
        SHA-256 PE member digests each (deterministic for a seed, no SHA-1
        companions); catalog I also lists --extra-member. One openssl call
        per catalog, a few at a time.
    make-cat.py stamp-pe IN OUT TAG [IN OUT TAG ...]
        copy of the unsigned PE IN with "DOS mode" in the DOS stub text
        replaced by the 8-byte TAG (so copies have distinct digests),
        zero-padded to a multiple of 8 bytes (osslsigncode 2.9 hashes an
        unsigned file as if so padded, the Authenticode specification as it
        is: aligned files avoid the difference), CheckSum recomputed.
    make-cat.py digest FILE... [--hash sha1|sha256] [--flat]
        prints the member digest of each FILE (hex) and its name.
    make-cat.py dump CAT
        prints the catalog's subject algorithm, extensions and members.
    make-cat.py check [--absent] CAT FILE [CAT FILE ...]
        exits 0 if each FILE's digest is a member of its CAT (--absent: if it
        is not); also checks that every member's tag is its digest.
"""

import argparse
import concurrent.futures
import datetime
import functools
import hashlib
import os
import random
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pecert  # noqa: E402
from pecert import Node, oid_node, der_set_of, der_parse, is_oid  # noqa: E402

OID_CTL = "1.3.6.1.4.1.311.10.1"
OID_CATALOG_LIST = "1.3.6.1.4.1.311.12.1.1"
OID_CATALOG_MEMBER_V1 = "1.3.6.1.4.1.311.12.1.2"
OID_CATALOG_MEMBER_V2 = "1.3.6.1.4.1.311.12.1.3"
OID_NAMEVALUE = "1.3.6.1.4.1.311.12.2.1"
OID_MEMBERINFO = "1.3.6.1.4.1.311.12.2.2"
OID_MEMBERINFO2 = "1.3.6.1.4.1.311.12.2.3"
OID_SPC_INDIRECT_DATA = "1.3.6.1.4.1.311.2.1.4"
OID_SPC_PE_IMAGE_DATA = "1.3.6.1.4.1.311.2.1.15"
OID_SPC_CAB_DATA = "1.3.6.1.4.1.311.2.1.25"  # used by catalogs for flat files
OID_SPC_SP_OPUS_INFO = "1.3.6.1.4.1.311.2.1.12"
OID_DATA = "1.2.840.113549.1.7.1"
GUID_PE = "{C689AAB8-8E78-11D0-8C47-00C04FC295EE}"
GUID_FLAT = "{DE351A42-8E59-11D0-8C47-00C04FC295EE}"
NAMEVALUE_FLAGS = 0x10010001  # AUTHENTICATED | DATAASCII | NAMEASCII
HASHES = {"sha1": 20, "sha256": 32}


def die(msg):
    sys.stderr.write("make-cat.py: %s\n" % msg)
    sys.exit(1)


def parse_time(iso):
    return datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")


def utc_time(iso):
    return Node(0x17, parse_time(iso).strftime("%y%m%d%H%M%SZ").encode())


def der_int(v):
    return Node(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big"))


def bmp(text):
    return Node(0x1E, text.encode("utf-16-be"))


def alg(name):
    return Node(0x30, children=[oid_node(pecert.DIGEST_OIDS[name]), Node(0x05, b"")])


def attr(oid, value):
    return Node(0x30, children=[oid_node(oid), Node(0x31, children=[value])])


class Raw(Node):
    """An already encoded element (large member lists are encoded once)."""

    def __init__(self, der):
        super().__init__(der[0], children=[])
        self.der = der

    def encode(self):
        return self.der


# ---------------------------------------------------------------------------
# Digests

def authenticode_digest(data, algo):
    """Authenticode image digest as the PE/COFF specification describes it:
    the headers (SizeOfHeaders bytes) without CheckSum and the security
    directory entry, then the sections' raw data in file order, then the rest
    of the file up to the attribute certificate table (which must end the
    file)."""
    pe = pecert.PE(data)
    d = pe.data
    cert_off, cert_size = pe.secdir
    if cert_off and cert_off + cert_size != len(d):
        raise pecert.PEError("certificate table is not at the end of the file")
    end = len(d) - (cert_size if cert_off else 0)
    h = hashlib.new(algo)
    h.update(d[:pe.checksum_off])
    h.update(d[pe.checksum_off + 4:pe.secdir_off])
    h.update(d[pe.secdir_off + 8:pe.sizeof_headers])
    done = pe.sizeof_headers
    for s in sorted((s for s in pe.sections() if s["rawsize"]), key=lambda s: s["rawptr"]):
        if s["rawptr"] < done:
            raise pecert.PEError("section %s overlaps the headers or another section" % s["name"])
        if s["rawptr"] + s["rawsize"] > end:
            raise pecert.PEError("section %s runs past the end of the image" % s["name"])
        h.update(d[s["rawptr"]:s["rawptr"] + s["rawsize"]])
        done = s["rawptr"] + s["rawsize"]
    h.update(d[done:end])
    padded = False
    # What a catalog lists is the hash Windows computes for it
    # (CryptCATAdminCalcHashFromFileHandle): data after the last section is
    # zero-padded to a multiple of 8 bytes (pbatard/libwdi's cathash.c,
    # checked there against wintrust.dll). Signed files end 8-aligned.
    if end > done and end % 8:
        h.update(b"\0" * (8 - end % 8))
        padded = True
    digest = h.digest()
    # The flat computation (every byte once, pecert.py) must agree on the
    # well-formed files used here.
    if not padded and pe.authenticode_digest(algo) != digest:
        raise pecert.PEError("section-wise and flat image digests differ")
    return digest


def is_pe(data):
    try:
        pecert.PE(data)
        return True
    except (pecert.PEError, struct.error):
        return False


def file_digest(path, algo, flat=False):
    """(digest, is_pe_member) of a member file."""
    with open(path, "rb") as f:
        data = f.read()
    if not flat and is_pe(data):
        return authenticode_digest(data, algo), True
    return hashlib.new(algo, data).digest(), False


# ---------------------------------------------------------------------------
# Catalog structure

class Member:
    def __init__(self, name, digest, pe, sha1=None):
        self.name = name
        self.digest = digest  # in the catalog's hash
        self.pe = pe
        self.sha1 = sha1  # v2: SHA-1 Authenticode digest for the companion entry


def parse_member(spec, algo):
    fields = spec.split(";")
    path, opts = fields[0], fields[1:]
    name, flat = os.path.basename(path), False
    for o in opts:
        key, _, val = o.partition("=")
        if key == "name":
            name = val
        elif key == "flat":
            flat = True
        else:
            die("unknown member option %r in %r" % (key, spec))
    if not os.path.isfile(path):
        die("member %s not found" % path)
    digest, pe = file_digest(path, algo, flat)
    sha1 = file_digest(path, "sha1", flat)[0] if pe and algo != "sha1" else None
    return Member(name, digest, pe, sha1)


def parse_member_digest(spec, algo):
    fields = spec.split(";")
    try:
        digest = bytes.fromhex(fields[0])
    except ValueError:
        die("bad digest %r" % fields[0])
    if len(digest) != HASHES[algo]:
        die("digest %s is not a %s digest" % (fields[0], algo))
    name, flat = fields[0].lower()[:16], False
    for o in fields[1:]:
        key, _, val = o.partition("=")
        if key == "name":
            name = val
        elif key == "flat":
            flat = True
        else:
            die("unknown member option %r in %r" % (key, spec))
    return Member(name, digest, not flat)


def namevalue(name, value):
    return Node(0x30, children=[bmp(name), der_int(NAMEVALUE_FLAGS),
                                Node(0x04, (value + "\0").encode("utf-16-le"))])


@functools.lru_cache(maxsize=None)
def const(what, *args):
    """Encoded constant parts of member entries (encoded once: a CatRoot
    fixture has 60,000 members)."""
    if what == "oid":
        node = oid_node(args[0])
    elif what == "alg":
        node = alg(args[0])
    elif what == "spc-data":
        if args[0]:  # PE
            # SpcPeImageData {flags BIT STRING {}, file [0] SpcLink file [2] unicode [0] ""}
            node = Node(0x30, children=[
                oid_node(OID_SPC_PE_IMAGE_DATA),
                Node(0x30, children=[Node(0x03, b"\x00"),
                                     Node(0xA0, children=[Node(0xA2, children=[Node(0x80, b"")])])]),
            ])
        else:  # flat file: 1.3.6.1.4.1.311.2.1.25 with SpcLink file [2] unicode [0] ""
            node = Node(0x30, children=[oid_node(OID_SPC_CAB_DATA),
                                        Node(0xA2, children=[Node(0x80, b"")])])
    elif what == "memberinfo":  # v1: {SIP GUID, 512}
        node = attr(OID_MEMBERINFO, Node(0x30, children=[bmp(GUID_PE if args[0] else GUID_FLAT),
                                                         der_int(512)]))
    elif what == "memberinfo2":  # v2: empty [0] for PE members, [2] otherwise
        node = attr(OID_MEMBERINFO2, Node(0x80 if args[0] else 0x82, b""))
    return Raw(node.encode())


def spc_indirect_data(m, algo):
    return Node(0x30, children=[const("spc-data", m.pe),
                                Node(0x30, children=[const("alg", algo), Node(0x04, m.digest)])])


def entries(members, algo):
    out, companions = [], []
    for m in members:
        attrs = [Node(0x30, children=[const("oid", OID_SPC_INDIRECT_DATA),
                                      Node(0x31, children=[spc_indirect_data(m, algo)])]),
                 Node(0x30, children=[const("oid", OID_NAMEVALUE),
                                      Node(0x31, children=[namevalue("File", m.name)])])]
        if algo == "sha1":
            tag = (m.digest.hex().upper() + "\0").encode("utf-16-le")
            attrs.append(const("memberinfo", m.pe))
        else:
            tag = m.digest
            attrs.append(const("memberinfo2", m.pe))
            if m.sha1 is not None:
                companions.append(Node(0x30, children=[Node(0x04, m.sha1),
                                                       der_set_of([const("memberinfo2", False)])]))
        attrs = [Raw(x.encode()) for x in attrs]
        out.append(Raw(Node(0x30, children=[Node(0x04, tag), der_set_of(attrs)]).encode()))
    return out + [Raw(c.encode()) for c in companions]


def ctl(members, algo, this_update, os_value=None, list_tag=0x30):
    subjects = Raw(Node(list_tag, children=entries(members, algo)).encode())
    ident = hashlib.sha256(subjects.encode() + this_update.encode()).digest()[:16]
    children = [
        Node(0x30, children=[oid_node(OID_CATALOG_LIST)]),
        Node(0x04, ident),
        utc_time(this_update),
        Node(0x30, children=[oid_node(OID_CATALOG_MEMBER_V1 if algo == "sha1" else OID_CATALOG_MEMBER_V2),
                             Node(0x05, b"")]),
        subjects,
    ]
    if os_value:
        ext = Node(0x30, children=[oid_node(OID_NAMEVALUE),
                                   Node(0x04, namevalue("OS", os_value).encode())])
        children.append(Node(0xA0, children=[Node(0x30, children=[ext])]))
    return Node(0x30, children=children)


def signed_attrs(signed_ctl, algo, signing_time=None, content_type=OID_CTL):
    """The SignerInfo's signed attributes (SET OF, DER order) for SIGNED_CTL:
    PKCS#7 digests the content's value, without its tag and length."""
    value = b"".join(c.encode() for c in signed_ctl.children)
    attrs = [
        attr(pecert.OID_CONTENT_TYPE, oid_node(content_type)),
        attr(pecert.OID_MESSAGE_DIGEST, Node(0x04, hashlib.new(algo, value).digest())),
        attr(OID_SPC_SP_OPUS_INFO, Node(0x30, children=[])),
    ]
    if signing_time:
        attrs.append(attr(pecert.OID_SIGNING_TIME, utc_time(signing_time)))
    return der_set_of(attrs)


def assemble(auth, signature, content_ctl, signer_pem, chain, algo, content_type=OID_CTL):
    """DER ContentInfo(SignedData) carrying CONTENT_CTL."""
    signer = pecert.pem_certs(signer_pem)[0]
    certs = [signer] + (pecert.pem_certs(chain) if chain else [])
    signer_info = Node(0x30, children=[
        Node(0x02, b"\x01"),
        pecert.cert_issuer_and_serial(signer),
        alg(algo),
        Node(0xA0, children=auth.children),
        Node(0x30, children=[oid_node(pecert.OID_RSA), Node(0x05, b"")]),
        Node(0x04, signature),
    ])
    signed_data = Node(0x30, children=[
        Node(0x02, b"\x01"),
        Node(0x31, children=[alg(algo)]),
        Node(0x30, children=[oid_node(content_type), Node(0xA0, children=[content_ctl])]),
        Node(0xA0, children=[der_parse(c) for c in certs]),
        Node(0x31, children=[signer_info]),
    ])
    return Node(0x30, children=[oid_node(pecert.OID_SIGNED_DATA),
                                Node(0xA0, children=[signed_data])]).encode()


def signed_catalog(signed_ctl, content_ctl, signer_pem, key, chain, algo, signing_time=None,
                   content_type=OID_CTL):
    """ContentInfo(SignedData) carrying CONTENT_CTL, signed over SIGNED_CTL."""
    auth = signed_attrs(signed_ctl, algo, signing_time, content_type)
    signature = pecert.openssl_sign(key, algo, auth.encode())
    return assemble(auth, signature, content_ctl, signer_pem, chain, algo, content_type)


def openssl_sign_many(key, algo, inputs):
    """pecert.openssl_sign for many inputs: one `openssl dgst -sign` per input
    (data on stdin, signature on stdout), a few at a time."""
    def one(data):
        return subprocess.run(["openssl", "dgst", "-" + algo, "-sign", key], input=data,
                              stdout=subprocess.PIPE, check=True).stdout
    with concurrent.futures.ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as ex:
        return list(ex.map(one, inputs))


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def add_signer_args(ap):
    ap.add_argument("--signer", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--chain", help="PEM: certificates to carry besides the signer")
    ap.add_argument("--this-update", required=True)
    ap.add_argument("--signing-time")


def cmd_build(argv):
    ap = argparse.ArgumentParser(prog="make-cat.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    add_signer_args(ap)
    ap.add_argument("--hash", choices=sorted(HASHES), default="sha256")
    ap.add_argument("--member", action="append", default=[])
    ap.add_argument("--member-digest", action="append", default=[])
    ap.add_argument("--os")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--tamper", metavar="FILE")
    g.add_argument("--malform", choices=["truncated", "content-type", "members-set"])
    a = ap.parse_args(argv)
    members = [parse_member(s, a.hash) for s in a.member] + \
        [parse_member_digest(s, a.hash) for s in a.member_digest]
    if not members:
        die("no members")
    list_tag = 0x31 if a.malform == "members-set" else 0x30
    signed = ctl(members, a.hash, a.this_update, a.os, list_tag)
    content = signed
    if a.tamper:
        if not a.member:
            die("--tamper needs a --member to replace")
        swapped = parse_member(a.tamper + ";name=" + members[0].name, a.hash)
        if swapped.digest == members[0].digest:
            die("--tamper: %s has the digest of the member it replaces" % a.tamper)
        content = ctl([swapped] + members[1:], a.hash, a.this_update, a.os)
        # Keep listIdentifier: only the member changes.
        content.children[1] = signed.children[1]
    ctype = OID_DATA if a.malform == "content-type" else OID_CTL
    der = signed_catalog(signed, content, a.signer, a.key, a.chain, a.hash, a.signing_time, ctype)
    if a.malform == "truncated":
        der = der[:len(der) * 3 // 5]
    write(a.out, der)


def cmd_catroot(argv):
    ap = argparse.ArgumentParser(prog="make-cat.py catroot")
    ap.add_argument("dir")
    add_signer_args(ap)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--random-members", type=int, default=200)
    ap.add_argument("--seed", default="sigtrace-catroot")
    ap.add_argument("--extra-member")
    ap.add_argument("--extra-index", type=int, default=0)
    a = ap.parse_args(argv)
    os.makedirs(a.dir, exist_ok=True)
    rng = random.Random(a.seed)
    extra = parse_member(a.extra_member, "sha256") if a.extra_member else None
    ctls, auths = [], []
    for i in range(a.count):
        members = [Member("file-%03d-%03d.dll" % (i, j), rng.randbytes(32), True)
                   for j in range(a.random_members)]
        if extra is not None and i == a.extra_index:
            members.insert(a.random_members // 2, extra)
        ctls.append(ctl(members, "sha256", a.this_update, "_v100_X64"))
        auths.append(signed_attrs(ctls[-1], "sha256", a.signing_time))
    signatures = openssl_sign_many(a.key, "sha256", [x.encode() for x in auths])
    for i, (c, auth, sig) in enumerate(zip(ctls, auths, signatures)):
        write(os.path.join(a.dir, "pkg-%03d.cat" % i),
              assemble(auth, sig, c, a.signer, a.chain, "sha256"))


def cmd_stamp_pe(argv):
    ap = argparse.ArgumentParser(prog="make-cat.py stamp-pe")
    ap.add_argument("triples", nargs="+", metavar="IN OUT TAG")
    a = ap.parse_args(argv)
    if len(a.triples) % 3:
        die("stamp-pe takes IN OUT TAG triples")
    for inp, out, tag in zip(*[iter(a.triples)] * 3):
        tag = tag.encode("ascii")
        if len(tag) != 8:
            die("TAG must be 8 ASCII characters")
        with open(inp, "rb") as f:
            pe = pecert.PE(f.read())
        if pe.secdir != (0, 0):
            die("%s is signed" % inp)
        pos = pe.data.find(b"DOS mode", 0x40, pe.pe_off)
        if pos < 0:
            die("%s: no DOS stub text" % inp)
        pe.data[pos:pos + 8] = tag
        pe.data += b"\0" * (-len(pe.data) % 8)
        pe.update_checksum()
        write(out, bytes(pe.data))


def cmd_digest(argv):
    ap = argparse.ArgumentParser(prog="make-cat.py digest")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--hash", choices=sorted(HASHES), default="sha256")
    ap.add_argument("--flat", action="store_true")
    a = ap.parse_args(argv)
    for f in a.files:
        print("%s  %s" % (file_digest(f, a.hash, a.flat)[0].hex(), f))


def oid_text(node):
    v = node.value
    parts = [str(v[0] // 40 if v[0] < 80 else 2), str(v[0] % 40 if v[0] < 80 else v[0] - 80)]
    n = 0
    for b in v[1:]:
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(str(n))
            n = 0
    return ".".join(parts)


def read_catalog(path):
    """(subject algorithm OID, ctlExtensions node or None, [(tag, {attr OID: value node})])."""
    with open(path, "rb") as f:
        data = f.read()
    ci = der_parse(data)
    sd = pecert.SignedData(ci)
    eci = sd.content_info
    if not is_oid(eci[0], OID_CTL):
        raise ValueError("content type is not szOID_CTL")
    c = eci[1][0]
    i = 0
    if c[i].tag == 0x02:  # version
        i += 1
    if not is_oid(c[i][0], OID_CATALOG_LIST):
        raise ValueError("subjectUsage is not a catalog list")
    i += 1
    while c[i].tag in (0x04, 0x02):  # listIdentifier, sequenceNumber
        i += 1
    i += 1  # thisUpdate
    if c[i].tag in (0x17, 0x18):
        i += 1  # nextUpdate
    subj_alg = oid_text(c[i][0])
    subjects = c[i + 1]
    if subjects.tag != 0x30:
        raise ValueError("trustedSubjects is not a SEQUENCE")
    exts = c[i + 2] if len(c) > i + 2 else None
    members = []
    for e in subjects.children:
        attrs = {}
        if len(e) > 1:
            for a in e[1].children:
                attrs[oid_text(a[0])] = a[1][0]
        members.append((e[0].value, attrs))
    return subj_alg, exts, members


def describe_member(tag, attrs, v1):
    out = []
    if v1:
        out.append("tag " + tag.decode("utf-16-le").rstrip("\0"))
    else:
        out.append("tag " + tag.hex())
    ind = attrs.get(OID_SPC_INDIRECT_DATA)
    if ind is not None:
        out.append("type " + oid_text(ind[0][0]))
        out.append("%s %s" % (pecert.digest_name(ind[1][0]), ind[1][1].value.hex()))
    nv = attrs.get(OID_NAMEVALUE)
    if nv is not None:
        out.append("%s=%s" % (nv[0].value.decode("utf-16-be"),
                              nv[2].value.decode("utf-16-le").rstrip("\0")))
    mi = attrs.get(OID_MEMBERINFO)
    if mi is not None:
        out.append("memberinfo " + mi[0].value.decode("utf-16-be"))
    mi2 = attrs.get(OID_MEMBERINFO2)
    if mi2 is not None:
        out.append("memberinfo2 [%d]" % (mi2.tag & 0x1F))
    return " ".join(out)


def cmd_dump(argv):
    ap = argparse.ArgumentParser(prog="make-cat.py dump")
    ap.add_argument("cat")
    a = ap.parse_args(argv)
    try:
        subj_alg, exts, members = read_catalog(a.cat)
    except (ValueError, IndexError, TypeError) as e:
        die("%s: %s" % (a.cat, e or "malformed"))
    v1 = subj_alg == OID_CATALOG_MEMBER_V1
    print("subjectAlgorithm %s (%s), %d entries" % (subj_alg, "v1" if v1 else "v2", len(members)))
    if exts is not None:
        for e in exts[0].children:
            nv = der_parse(e[-1].value)
            print("extension %s %s=%s" % (oid_text(e[0]), nv[0].value.decode("utf-16-be"),
                                          nv[2].value.decode("utf-16-le").rstrip("\0")))
    for tag, attrs in members:
        print(describe_member(tag, attrs, v1))


def listed(cat, path):
    """Descriptions of CAT's members whose digest is PATH's."""
    subj_alg, _, members = read_catalog(cat)
    v1 = subj_alg == OID_CATALOG_MEMBER_V1
    with open(path, "rb") as f:
        data = f.read()
    pe = is_pe(data)
    found = []
    for tag, attrs in members:
        ind = attrs.get(OID_SPC_INDIRECT_DATA)
        if ind is None:
            continue
        algo = pecert.digest_name(ind[1][0])
        digest = ind[1][1].value
        want_tag = (digest.hex().upper() + "\0").encode("utf-16-le") if v1 else digest
        if tag != want_tag:
            die("%s: a member's tag does not match its SpcIndirectData digest" % cat)
        member_pe = is_oid(ind[0][0], OID_SPC_PE_IMAGE_DATA)
        if member_pe and not pe:
            continue
        have = authenticode_digest(data, algo) if member_pe else hashlib.new(algo, data).digest()
        if have == digest:
            found.append(describe_member(tag, attrs, v1))
    return found


def cmd_check(argv):
    ap = argparse.ArgumentParser(prog="make-cat.py check")
    ap.add_argument("pairs", nargs="+", metavar="CAT FILE")
    ap.add_argument("--absent", action="store_true")
    a = ap.parse_args(argv)
    if len(a.pairs) % 2:
        die("check takes CAT FILE pairs")
    for cat, path in zip(*[iter(a.pairs)] * 2):
        found = listed(cat, path)
        if a.absent and found:
            die("%s is listed in %s: %s" % (path, cat, found[0]))
        if not a.absent and not found:
            die("%s is not listed in %s" % (path, cat))
        for f in found:
            print("%s: %s" % (os.path.basename(path), f))


COMMANDS = {"catroot": cmd_catroot, "stamp-pe": cmd_stamp_pe, "digest": cmd_digest,
            "dump": cmd_dump, "check": cmd_check}


def main():
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    else:
        cmd_build(sys.argv[1:])


if __name__ == "__main__":
    main()
