#!/usr/bin/env python3
"""Derive test fixtures from signed PE files (stdlib only; `openssl` CLI for
the two commands that must produce new signatures).

Every command reads IN and writes OUT (never in place) and recomputes the PE
CheckSum of the result, so the checksum is never what makes a fixture bad.

  sigthief SIGNED TARGET OUT     copy SIGNED's certificate table onto unsigned TARGET
  flip-code IN OUT [--page N]    change one byte of .text (middle, or in page N)
  cert-padding IN OUT            hide bytes after the PKCS#7 inside WIN_CERTIFICATE
                                 (CVE-2013-3900 style; dwLength and directory grown)
  append IN OUT                  append bytes after the certificate table
                                 (security directory unchanged)
  table-in-section IN OUT        grow the last section's raw data over the
                                 certificate table and some appended bytes
  truncate-pkcs7 IN OUT          cut the PKCS#7 DER, keep the table consistent
  secdir-outside IN OUT          point the security directory past end of file
  wincert-header IN OUT --revision R --type T
                                 rewrite the WIN_CERTIFICATE header fields
  second-entry A B OUT           append B's WIN_CERTIFICATE as a second entry of A
                                 (A and B: signatures of the same unsigned file)
  flip-signature IN OUT --which primary|nested|timestamp|countersignature
                                 change the last byte of that signer's signature
  legacy-timestamp IN OUT --tsa-key K --tsa-chain PEM --time ISO8601 [--digest D] [--bare]
                                 add a PKCS#9 countersignature (Authenticode
                                 legacy timestamp) over the signer's signature
  spc-type IN OUT --key K [--oid OID]
                                 change SpcIndirectDataContent's data type (old
                                 pesign: 1.3.6.1.4.1.311.2.1.21) and re-sign
  headers-past-section IN OUT    set SizeOfHeaders one FileAlignment past the first
                                 section's raw data (packed files do)
  pagehash-resign IN OUT --key K [--page N]
                                 change one byte in page N of .text of a
                                 page-hashed file, recompute the image digest and
                                 re-sign, keeping the old page hashes
  select-entry IN OUT --index N  keep only WIN_CERTIFICATE entry N (for checking
                                 multi-entry files with single-entry verifiers)
  info IN                        print the security directory and entries
  check-digest IN                compare the embedded image digest with the file
"""

import argparse
import datetime
import hashlib
import os
import struct
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pecert  # noqa: E402
from pecert import (PE, Node, SignedData, der_parse, der_set_of, find_attr,  # noqa: E402
                    oid_node, signer_parts, win_certificate)


def load(path):
    with open(path, "rb") as f:
        return PE(f.read())


def save(pe, path):
    pe.update_checksum()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(pe.data)
    os.replace(tmp, path)


def die(msg):
    sys.stderr.write("pe-mutate: %s\n" % msg)
    sys.exit(1)


def pad8(data):
    return data + b"\0" * (-len(data) % 8)


def parse_primary(pe):
    """(ContentInfo node, SignedData view) of entry 0, offsets absolute in pe.data."""
    off = pe.entries()[0][0] + 8
    ci = der_parse(pe.data, off)
    return ci, SignedData(ci)


def store_pkcs7(pe, der):
    """Replace the whole table by a single standard entry holding DER."""
    pe.set_cert_table(win_certificate(der))


# ---------------------------------------------------------------------------

def cmd_sigthief(a):
    src = load(a.signed)
    dst = load(a.target)
    if dst.secdir != (0, 0):
        die("target is already signed")
    table = src.cert_table()
    body = pad8(bytes(dst.data))
    dst.data = bytearray(body + table)
    dst.secdir = (len(body), len(table))
    save(dst, a.out)


def cmd_flip_code(a):
    pe = load(a.inp)
    s = pe.section(".text")
    if a.page is None:
        off = s["rawptr"] + min(s["rawsize"], s["vsize"] or s["rawsize"]) // 2
    else:
        if (a.page + 1) * 4096 > s["rawsize"]:
            die(".text has fewer than %d pages" % (a.page + 1))
        off = s["rawptr"] + a.page * 4096 + 0x123
    pe.data[off] ^= 0xFF
    save(pe, a.out)


def cmd_cert_padding(a):
    pe = load(a.inp)
    der = pe.pkcs7()
    hidden = (b"sigtrace-hidden-payload:" + b"\xcc" * 40) * 2
    pe.set_cert_table(win_certificate(der, extra=hidden))
    save(pe, a.out)


def cmd_append(a):
    pe = load(a.inp)
    pe.cert_table()  # must be signed
    pe.data += b"sigtrace-trailing-data\0" * 8
    save(pe, a.out)


def cmd_table_in_section(a):
    pe = load(a.inp)
    off, size = pe.secdir
    if off + size != len(pe.data):
        die("table is not at the end of the file")
    falign = struct.unpack_from("<I", pe.data, pe.opt_off + 36)[0]
    last = max(pe.sections(), key=lambda s: s["rawptr"] + s["rawsize"])
    if last["rawptr"] + last["rawsize"] > off:
        die("last section already overlaps the table")
    extra = 64
    newend = off + size + extra
    newend += -(newend - last["rawptr"]) % falign
    pe.data += b"\x90" * (newend - len(pe.data))
    struct.pack_into("<I", pe.data, last["hdr"] + 16, newend - last["rawptr"])
    save(pe, a.out)


def cmd_truncate_pkcs7(a):
    pe = load(a.inp)
    der = pe.pkcs7()
    cut = der[:len(der) * 3 // 5]
    pe.set_cert_table(win_certificate(cut))
    save(pe, a.out)


def cmd_secdir_outside(a):
    pe = load(a.inp)
    off, size = pe.secdir
    pe.secdir = (len(pe.data) + 0x10000, size)
    save(pe, a.out)


def cmd_wincert_header(a):
    pe = load(a.inp)
    entries = pe.entries()
    if len(entries) != 1:
        die("expected exactly one WIN_CERTIFICATE entry")
    off = entries[0][0]
    if a.revision is not None:
        struct.pack_into("<H", pe.data, off + 4, int(a.revision, 0))
    if a.type is not None:
        struct.pack_into("<H", pe.data, off + 6, int(a.type, 0))
    save(pe, a.out)


def cmd_second_entry(a):
    pa, pb = load(a.a), load(a.b)
    if pa.authenticode_digest("sha256") != pb.authenticode_digest("sha256"):
        die("the two inputs are not signatures of the same image")
    ta, tb = pa.cert_table(), pb.cert_table()
    if len(ta) % 8 or len(tb) % 8:
        die("entries are not 8-byte aligned")
    pa.set_cert_table(ta + tb)
    save(pa, a.out)


def cmd_select_entry(a):
    pe = load(a.inp)
    entries = pe.entries()
    if not 0 <= a.index < len(entries):
        die("no entry %d" % a.index)
    off, length, rev, typ, payload = entries[a.index]
    pe.set_cert_table(bytes(pe.data[off:off + ((length + 7) & ~7)]))
    save(pe, a.out)


def signature_node(pe, which):
    """The OCTET STRING node holding the chosen signer's signature value."""
    ci, sd = parse_primary(pe)
    primary = signer_parts(sd.signer)
    if which == "primary":
        return primary["signature"]
    unauth = primary.get("unauth_attrs")
    if which == "nested":
        attr = find_attr(unauth, pecert.OID_NESTED_SIGNATURE)
        if attr is None:
            die("no nested signature")
        return signer_parts(SignedData(attr[1][0]).signer)["signature"]
    if which == "timestamp":
        attr = find_attr(unauth, pecert.OID_RFC3161_TIMESTAMP)
        if attr is None:
            die("no RFC 3161 timestamp")
        return signer_parts(SignedData(attr[1][0]).signer)["signature"]
    if which == "countersignature":
        attr = find_attr(unauth, pecert.OID_COUNTERSIGNATURE)
        if attr is None:
            die("no PKCS#9 countersignature")
        return signer_parts(attr[1][0])["signature"]
    die("unknown signer %s" % which)


def cmd_flip_signature(a):
    pe = load(a.inp)
    node = signature_node(pe, a.which)
    pe.data[node.end - 1] ^= 0x01
    save(pe, a.out)


def utctime(iso):
    t = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    if not 1950 <= t.year < 2050:
        die("time out of UTCTime range")
    return Node(0x17, t.strftime("%y%m%d%H%M%SZ").encode())


def cmd_legacy_timestamp(a):
    pe = load(a.inp)
    ci, sd = parse_primary(pe)
    si = sd.signer
    parts = signer_parts(si)
    if "unauth_attrs" in parts and find_attr(parts["unauth_attrs"], pecert.OID_COUNTERSIGNATURE):
        die("already countersigned")
    chain = pecert.pem_certs(a.tsa_chain)
    tsa_cert = chain[0]
    sig_value = parts["signature"].value
    null = Node(0x05, b"")
    attrs = [
        Node(0x30, children=[oid_node(pecert.OID_CONTENT_TYPE),
                             Node(0x31, children=[oid_node(pecert.OID_DATA)])]),
        Node(0x30, children=[oid_node(pecert.OID_SIGNING_TIME),
                             Node(0x31, children=[utctime(a.time)])]),
        Node(0x30, children=[oid_node(pecert.OID_MESSAGE_DIGEST),
                             Node(0x31, children=[Node(0x04, hashlib.new(a.digest, sig_value).digest())])]),
    ]
    attr_set = der_set_of(attrs)
    if a.bare:
        signature = pecert.openssl_sign_bare(a.tsa_key, a.digest, attr_set.encode())
    else:
        signature = pecert.openssl_sign(a.tsa_key, a.digest, attr_set.encode())
    counter = Node(0x30, children=[
        Node(0x02, b"\x01"),
        pecert.cert_issuer_and_serial(tsa_cert),
        Node(0x30, children=[oid_node(pecert.DIGEST_OIDS[a.digest]), null]),
        Node(0xA0, children=attr_set.children),
        Node(0x30, children=[oid_node(pecert.OID_RSA), null]),
        Node(0x04, signature),
    ])
    attr = Node(0x30, children=[oid_node(pecert.OID_COUNTERSIGNATURE), Node(0x31, children=[counter])])
    if "unauth_attrs" in parts:
        ua = parts["unauth_attrs"]
        ua.children = der_set_of(ua.children + [attr]).children
    else:
        si.children.append(Node(0xA1, children=[attr]))
    certs = sd.certificates
    have = {c.encode() for c in certs.children}
    for der in chain:
        if der not in have:
            certs.children.append(der_parse(der))
    certs.children = der_set_of(certs.children).children
    store_pkcs7(pe, ci.encode())
    save(pe, a.out)


def cmd_pagehash_resign(a):
    pe = load(a.inp)
    ci, sd = parse_primary(pe)
    parts = signer_parts(sd.signer)
    content = sd.content_info[1][0]          # SpcIndirectDataContent
    digest_info = content[1]
    algo = pecert.digest_name(digest_info[0])
    if pe.authenticode_digest(algo) != digest_info[1].value:
        die("input digest does not match; refusing to re-sign")
    spc = content[0].encode()
    if not any(pecert.oid_encode(o) in spc for o in (pecert.OID_PAGE_HASHES_V1, pecert.OID_PAGE_HASHES_V2)):
        die("input has no page hashes")
    s = pe.section(".text")
    page = a.page
    if (page + 1) * 4096 > s["rawsize"]:
        die(".text has fewer than %d pages" % (page + 1))
    pe.data[s["rawptr"] + page * 4096 + 0x123] ^= 0xFF
    # new image digest, old page hashes
    digest_info[1].value = pe.authenticode_digest(algo)
    spc_digest = hashlib.new(algo, b"".join(c.encode() for c in content.children)).digest()
    auth = parts["auth_attrs"]
    md = find_attr(auth, pecert.OID_MESSAGE_DIGEST)
    md[1][0].value = spc_digest
    sign_algo = pecert.digest_name(parts["digest_alg"])
    signed = Node(0x31, children=auth.children).encode()
    parts["signature"].value = pecert.openssl_sign(a.key, sign_algo, signed)
    if "unauth_attrs" in parts:
        sd.signer.children.remove(parts["unauth_attrs"])
    store_pkcs7(pe, ci.encode())
    save(pe, a.out)


def cmd_spc_type(a):
    """Replaces the data type of SpcIndirectDataContent's SpcAttributeTypeAndOptionalValue
    (1.3.6.1.4.1.311.2.1.15 for PE images) and re-signs, as old pesign wrote
    1.3.6.1.4.1.311.2.1.21. The image digest is untouched."""
    pe = load(a.inp)
    ci, sd = parse_primary(pe)
    parts = signer_parts(sd.signer)
    content = sd.content_info[1][0]          # SpcIndirectDataContent
    algo = pecert.digest_name(content[1][0])
    content[0].children[0] = oid_node(a.oid)
    spc_digest = hashlib.new(algo, b"".join(c.encode() for c in content.children)).digest()
    auth = parts["auth_attrs"]
    find_attr(auth, pecert.OID_MESSAGE_DIGEST)[1][0].value = spc_digest
    signed = Node(0x31, children=auth.children).encode()
    parts["signature"].value = pecert.openssl_sign(a.key, pecert.digest_name(parts["digest_alg"]), signed)
    if "unauth_attrs" in parts:
        sd.signer.children.remove(parts["unauth_attrs"])
    store_pkcs7(pe, ci.encode())
    save(pe, a.out)


def cmd_headers_past_section(a):
    """SizeOfHeaders reaching one FileAlignment unit into the first section's
    raw data, as some packers write it (unsigned input)."""
    pe = load(a.inp)
    if pe.secdir[0]:
        die("input is signed")
    align = struct.unpack_from("<I", pe.data, pe.opt_off + 36)[0]
    first = min((s for s in pe.sections() if s["rawsize"]), key=lambda s: s["rawptr"])
    if first["rawsize"] < 2 * align:
        die("first section too small")
    struct.pack_into("<I", pe.data, pe.opt_off + 60, first["rawptr"] + align)
    save(pe, a.out)


def cmd_info(a):
    pe = load(a.inp)
    off, size = pe.secdir
    print("file size %d, security directory offset %d size %d" % (len(pe.data), off, size))
    if off and off + size <= len(pe.data):
        for (eoff, length, rev, typ, payload) in pe.entries():
            dl = pecert.der_total_length(payload) if payload[:1] == b"\x30" else -1
            print("  entry @%d dwLength %d revision %#06x type %#06x der %d" % (eoff, length, rev, typ, dl))


def cmd_check_digest(a):
    pe = load(a.inp)
    ci, sd = parse_primary(pe)
    di = sd.content_info[1][0][1]
    algo = pecert.digest_name(di[0])
    ok = pe.authenticode_digest(algo) == di[1].value
    print("%s %s" % (algo, "match" if ok else "MISMATCH"))
    sys.exit(0 if ok else 1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn, *args):
        sp = sub.add_parser(name)
        for arg in args:
            sp.add_argument(arg)
        sp.set_defaults(fn=fn)
        return sp

    add("sigthief", cmd_sigthief, "signed", "target", "out")
    add("headers-past-section", cmd_headers_past_section, "inp", "out")
    sp = add("spc-type", cmd_spc_type, "inp", "out")
    sp.add_argument("--key", required=True, help="the signer's key, to re-sign")
    sp.add_argument("--oid", default="1.3.6.1.4.1.311.2.1.21")
    sp = add("flip-code", cmd_flip_code, "inp", "out")
    sp.add_argument("--page", type=int, help="4 KiB page of .text to change (default: middle)")
    add("cert-padding", cmd_cert_padding, "inp", "out")
    add("append", cmd_append, "inp", "out")
    add("table-in-section", cmd_table_in_section, "inp", "out")
    add("truncate-pkcs7", cmd_truncate_pkcs7, "inp", "out")
    add("secdir-outside", cmd_secdir_outside, "inp", "out")
    sp = add("wincert-header", cmd_wincert_header, "inp", "out")
    sp.add_argument("--revision")
    sp.add_argument("--type")
    add("second-entry", cmd_second_entry, "a", "b", "out")
    sp = add("flip-signature", cmd_flip_signature, "inp", "out")
    sp.add_argument("--which", required=True,
                    choices=["primary", "nested", "timestamp", "countersignature"])
    sp = add("legacy-timestamp", cmd_legacy_timestamp, "inp", "out")
    sp.add_argument("--tsa-key", required=True)
    sp.add_argument("--tsa-chain", required=True, help="PEM: TSA cert first, then its issuers")
    sp.add_argument("--time", required=True, help="signingTime, e.g. 2024-06-01T00:00:00Z")
    sp.add_argument("--digest", default="sha256", choices=sorted(pecert.DIGEST_OIDS))
    sp.add_argument("--bare", action="store_true",
                    help="RSA block holds the bare digest, without DigestInfo")
    sp = add("pagehash-resign", cmd_pagehash_resign, "inp", "out")
    sp.add_argument("--key", required=True)
    sp.add_argument("--page", type=int, default=2)
    sp = add("select-entry", cmd_select_entry, "inp", "out")
    sp.add_argument("--index", type=int, required=True)
    add("info", cmd_info, "inp")
    add("check-digest", cmd_check_digest, "inp")

    a = p.parse_args()
    try:
        a.fn(a)
    except pecert.PEError as e:
        die(str(e))


if __name__ == "__main__":
    main()
