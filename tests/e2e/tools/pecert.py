"""Small stdlib-only helpers for the sigtrace e2e fixture tools.

PE: locate the optional header, the CheckSum field, the security data
directory (IMAGE_DIRECTORY_ENTRY_SECURITY) and the section table; read and
rewrite the attribute certificate table; recompute the PE checksum; compute
the Authenticode image digest the way signing tools do for a file whose
certificate table sits at the end.

DER: a minimal TLV parser that keeps absolute offsets (for in-place byte
edits) and can re-encode a modified tree.
"""

import base64
import hashlib
import os
import struct
import subprocess
import tempfile

# ---------------------------------------------------------------------------
# PE

WIN_CERT_REVISION_2_0 = 0x0200
WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002


class PEError(Exception):
    pass


class PE:
    """Offsets of the structures that Authenticode cares about."""

    def __init__(self, data):
        self.data = bytearray(data)
        d = self.data
        if len(d) < 0x40 or d[:2] != b"MZ":
            raise PEError("not an MZ file")
        self.pe_off = struct.unpack_from("<I", d, 0x3C)[0]
        if d[self.pe_off:self.pe_off + 4] != b"PE\0\0":
            raise PEError("no PE signature")
        coff = self.pe_off + 4
        self.machine, self.nsections = struct.unpack_from("<HH", d, coff)
        self.opt_size = struct.unpack_from("<H", d, coff + 16)[0]
        self.opt_off = coff + 20
        self.magic = struct.unpack_from("<H", d, self.opt_off)[0]
        if self.magic == 0x10B:
            dd = self.opt_off + 96
        elif self.magic == 0x20B:
            dd = self.opt_off + 112
        else:
            raise PEError("bad optional header magic %#x" % self.magic)
        self.checksum_off = self.opt_off + 64
        self.num_rva = struct.unpack_from("<I", d, dd - 4)[0]
        if self.num_rva < 5:
            raise PEError("no security directory")
        self.secdir_off = dd + 4 * 8
        self.sizeof_headers = struct.unpack_from("<I", d, self.opt_off + 60)[0]
        self.sections_off = self.opt_off + self.opt_size

    # -- sections --
    def sections(self):
        out = []
        for i in range(self.nsections):
            o = self.sections_off + 40 * i
            name = bytes(self.data[o:o + 8]).rstrip(b"\0").decode("latin-1")
            vsize, va, rawsize, rawptr = struct.unpack_from("<IIII", self.data, o + 8)
            out.append({"name": name, "hdr": o, "vsize": vsize, "va": va,
                        "rawsize": rawsize, "rawptr": rawptr})
        return out

    def section(self, name):
        for s in self.sections():
            if s["name"] == name:
                return s
        raise PEError("no section %s" % name)

    # -- security directory --
    @property
    def secdir(self):
        return struct.unpack_from("<II", self.data, self.secdir_off)

    @secdir.setter
    def secdir(self, value):
        struct.pack_into("<II", self.data, self.secdir_off, value[0], value[1])

    def cert_table(self):
        off, size = self.secdir
        if off == 0 or size == 0:
            raise PEError("file is not signed")
        return bytes(self.data[off:off + size])

    def entries(self):
        """[(offset, dwLength, wRevision, wCertificateType, payload)] of the table."""
        off, size = self.secdir
        end = off + size
        out = []
        while off + 8 <= end:
            length, rev, typ = struct.unpack_from("<IHH", self.data, off)
            if length < 8:
                break
            out.append((off, length, rev, typ, bytes(self.data[off + 8:off + length])))
            off += (length + 7) & ~7
        return out

    def pkcs7(self, index=0):
        """DER of the PKCS#7 in entry INDEX (trailing alignment zeros removed)."""
        payload = self.entries()[index][4]
        return payload[:der_total_length(payload)]

    def set_cert_table(self, table):
        """Replace the certificate table (which must be at the end of the file)."""
        off, size = self.secdir
        if off + size != len(self.data):
            raise PEError("certificate table is not at the end of the file")
        del self.data[off:]
        self.data += table
        self.secdir = (off, len(table))

    def update_checksum(self):
        struct.pack_into("<I", self.data, self.checksum_off, pe_checksum(self.data, self.checksum_off))

    def authenticode_digest(self, algo):
        """Image digest over [0, table offset) minus CheckSum and the security
        directory entry; the table itself is excluded and must end the file."""
        off, size = self.secdir
        end = off if off else len(self.data)
        h = hashlib.new(algo)
        d = self.data
        h.update(d[:self.checksum_off])
        h.update(d[self.checksum_off + 4:self.secdir_off])
        h.update(d[self.secdir_off + 8:end])
        return h.digest()


def pe_checksum(data, checksum_off):
    buf = bytes(data[:checksum_off]) + b"\0\0\0\0" + bytes(data[checksum_off + 4:])
    if len(buf) % 2:
        buf += b"\0"
    total = sum(struct.unpack("<%dH" % (len(buf) // 2), buf))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (total + len(data)) & 0xFFFFFFFF


def win_certificate(der, revision=WIN_CERT_REVISION_2_0, ctype=WIN_CERT_TYPE_PKCS_SIGNED_DATA,
                    extra=b""):
    """One WIN_CERTIFICATE entry: header + DER + EXTRA, zero-padded to 8 bytes;
    dwLength covers the padding (as signing tools write it)."""
    body = der + extra
    pad = (-(8 + len(body))) % 8
    return struct.pack("<IHH", 8 + len(body) + pad, revision, ctype) + body + b"\0" * pad


# ---------------------------------------------------------------------------
# DER

class Node:
    """A DER TLV. `start` is the absolute offset of the tag byte, `hlen` the
    header length, `value` the content bytes, `children` the parsed content of
    constructed types (None for primitives)."""

    def __init__(self, tag, value=b"", children=None, start=-1, hlen=0):
        self.tag = tag
        self.value = value
        self.children = children
        self.start = start
        self.hlen = hlen

    @property
    def cstart(self):
        return self.start + self.hlen

    @property
    def end(self):
        return self.start + self.hlen + len(self.value)

    def __getitem__(self, i):
        return self.children[i]

    def __len__(self):
        return len(self.children)

    def encode(self):
        if self.children is not None:
            content = b"".join(c.encode() for c in self.children)
        else:
            content = self.value
        return bytes([self.tag]) + der_len(len(content)) + content


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _header(data, off):
    tag = data[off]
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte tags are not supported")
    first = data[off + 1]
    if first < 0x80:
        return tag, 2, first
    n = first & 0x7F
    if n == 0 or n > 4:
        raise ValueError("unsupported DER length at %d" % off)
    return tag, 2 + n, int.from_bytes(data[off + 2:off + 2 + n], "big")


def der_total_length(data, off=0):
    _, hlen, length = _header(data, off)
    return hlen + length


def der_parse(data, off=0, end=None):
    """Parse one TLV at offset OFF of DATA; node offsets are offsets in DATA."""
    tag, hlen, length = _header(data, off)
    cend = off + hlen + length
    if cend > len(data) or (end is not None and cend > end):
        raise ValueError("DER element overruns its container at %d" % off)
    value = bytes(data[off + hlen:cend])
    children = None
    if tag & 0x20:
        children = []
        p = off + hlen
        while p < cend:
            c = der_parse(data, p, cend)
            children.append(c)
            p = c.end
    return Node(tag, value, children, off, hlen)


def oid_encode(dotted):
    parts = [int(x) for x in dotted.split(".")]
    body = bytearray()
    first = parts[0] * 40 + parts[1]
    for v in [first] + parts[2:]:
        chunk = [v & 0x7F]
        v >>= 7
        while v:
            chunk.append(0x80 | (v & 0x7F))
            v >>= 7
        body += bytes(reversed(chunk))
    return bytes(body)


def oid_node(dotted):
    return Node(0x06, oid_encode(dotted))


def is_oid(node, dotted):
    return node.tag == 0x06 and node.value == oid_encode(dotted)


OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_DATA = "1.2.840.113549.1.7.1"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"
OID_COUNTERSIGNATURE = "1.2.840.113549.1.9.6"
OID_RSA = "1.2.840.113549.1.1.1"
OID_NESTED_SIGNATURE = "1.3.6.1.4.1.311.2.4.1"
OID_RFC3161_TIMESTAMP = "1.3.6.1.4.1.311.3.3.1"
OID_PAGE_HASHES_V1 = "1.3.6.1.4.1.311.2.3.1"  # SHA-1 page hashes
OID_PAGE_HASHES_V2 = "1.3.6.1.4.1.311.2.3.2"  # SHA-256 page hashes
DIGEST_OIDS = {
    "md5": "1.2.840.113549.2.5",
    "sha1": "1.3.14.3.2.26",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
}


def digest_name(alg_node):
    for name, oid in DIGEST_OIDS.items():
        if is_oid(alg_node[0], oid):
            return name
    raise ValueError("unknown digest algorithm")


class SignedData:
    """View on a parsed PKCS#7 ContentInfo(SignedData)."""

    def __init__(self, ci):
        if not is_oid(ci[0], OID_SIGNED_DATA):
            raise ValueError("not a PKCS#7 SignedData")
        self.ci = ci
        self.sd = ci[1][0]

    def _find(self, tag):
        for c in self.sd.children[3:]:
            if c.tag == tag:
                return c
        return None

    @property
    def content_info(self):
        return self.sd[2]

    @property
    def certificates(self):
        return self._find(0xA0)

    @property
    def signer_infos(self):
        return self.sd.children[-1]

    @property
    def signer(self):
        return self.signer_infos[0]


def signer_parts(si):
    """dict with the SignerInfo fields (Node objects)."""
    out = {"version": si[0], "sid": si[1], "digest_alg": si[2]}
    i = 3
    if si[i].tag == 0xA0:
        out["auth_attrs"] = si[i]
        i += 1
    out["sig_alg"] = si[i]
    out["signature"] = si[i + 1]
    if len(si) > i + 2 and si[i + 2].tag == 0xA1:
        out["unauth_attrs"] = si[i + 2]
    return out


def find_attr(attrs, dotted):
    if attrs is None:
        return None
    for a in attrs.children:
        if is_oid(a[0], dotted):
            return a
    return None


def pem_certs(path):
    """DER certificates of a PEM file, in file order."""
    out = []
    with open(path) as f:
        text = f.read()
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    while begin in text:
        a = text.index(begin) + len(begin)
        b = text.index(end, a)
        out.append(base64.b64decode("".join(text[a:b].split())))
        text = text[b + len(end):]
    return out


def cert_issuer_and_serial(cert_der):
    cert = der_parse(cert_der)
    tbs = cert[0]
    i = 1 if tbs[0].tag == 0xA0 else 0
    serial, issuer = tbs[i], tbs[i + 2]
    return Node(0x30, children=[issuer, serial])


def openssl_sign(key, digest, data):
    """PKCS#1 v1.5 (RSA) or ECDSA signature over DATA with the openssl CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in")
        out = os.path.join(tmp, "sig")
        with open(inp, "wb") as f:
            f.write(data)
        subprocess.run(["openssl", "dgst", "-" + digest, "-sign", key, "-out", out, inp],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            return f.read()


def openssl_sign_bare(key, digest, data):
    """RSA PKCS#1 v1.5 signature block holding the bare digest of DATA, without
    the DigestInfo wrapper (as VeriSign-era timestamp authorities wrote it):
    openssl pkeyutl signs its input as is when no digest is set."""
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in")
        out = os.path.join(tmp, "sig")
        with open(inp, "wb") as f:
            f.write(hashlib.new(digest, data).digest())
        subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key, "-pkeyopt",
                        "rsa_padding_mode:pkcs1", "-in", inp, "-out", out],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            return f.read()


def der_set_of(nodes):
    """SET OF with DER ordering of the encoded members."""
    return Node(0x31, children=sorted(nodes, key=lambda n: n.encode()))
