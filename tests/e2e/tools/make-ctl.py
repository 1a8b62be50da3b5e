#!/usr/bin/env python3
"""Makes a Microsoft root list (a certificate trust list, szOID_CTL
1.3.6.1.4.1.311.10.1, subject usage 1.3.6.1.4.1.311.10.3.9, as authroot.stl)
signed by a test signer, for sigtrace's tests. Standard library plus the
openssl CLI; independent of sigtrace's own parser.

    make-ctl.py OUT.stl --signer CERT.pem --key KEY.pem [--chain PEM]
                --this-update 2024-01-01T00:00:00Z --entry SPEC [--entry SPEC ...]

An entry SPEC is a PEM certificate file, then ';'-separated attributes:

    root.pem;name=Test Root;eku=code_signing,time_stamping;
        disallowed=2025-01-01T00:00:00Z;disallowed_eku=code_signing;
        not_before=2024-03-01T00:00:00Z;not_before_eku=time_stamping

eku, disallowed_eku and not_before_eku take dotted OIDs or the names
code_signing, time_stamping, server_auth. Without eku the entry carries no
EKU property (trusted for every use). Attributes are the CERT_*_PROP_ID
properties of wincrypt.h as attributes 1.3.6.1.4.1.311.10.11.<id>: EKU 9,
friendly name 11 (UTF-16LE), SHA-256 98, disallowed FILETIME 104,
disallowed EKU 122, not-before FILETIME 126, not-before EKU 127.
"""

import argparse
import calendar
import datetime
import hashlib
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pecert  # noqa: E402
from pecert import Node, oid_node, der_set_of  # noqa: E402

OID_CTL = "1.3.6.1.4.1.311.10.1"
OID_ROOT_LIST = "1.3.6.1.4.1.311.10.3.9"
OID_SHA1 = "1.3.14.3.2.26"
OID_SHA256 = "2.16.840.1.101.3.4.2.1"
EKUS = {"code_signing": "1.3.6.1.5.5.7.3.3", "time_stamping": "1.3.6.1.5.5.7.3.8",
        "server_auth": "1.3.6.1.5.5.7.3.1"}
PROP = {"eku": 9, "name": 11, "sha256": 98, "disallowed": 104, "disallowed_eku": 122,
        "not_before": 126, "not_before_eku": 127}


def parse_time(iso):
    return datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")


def filetime(iso):
    secs = calendar.timegm(parse_time(iso).timetuple())
    return struct.pack("<Q", (secs + 11644473600) * 10000000)


def eku_value(text):
    oids = [EKUS.get(x, x) for x in text.split(",") if x]
    return Node(0x30, children=[oid_node(o) for o in oids]).encode()


def prop_attr(prop, value):
    return Node(0x30, children=[oid_node("1.3.6.1.4.1.311.10.11.%d" % PROP[prop]),
                                Node(0x31, children=[Node(0x04, value)])])


def entry(spec):
    fields = spec.split(";")
    der = pecert.pem_certs(fields[0])[0]
    attrs = [prop_attr("sha256", hashlib.sha256(der).digest())]
    for f in fields[1:]:
        key, _, val = f.partition("=")
        if key == "name":
            attrs.append(prop_attr(key, (val + "\0").encode("utf-16-le")))
        elif key in ("eku", "disallowed_eku", "not_before_eku"):
            attrs.append(prop_attr(key, eku_value(val)))
        elif key in ("disallowed", "not_before"):
            attrs.append(prop_attr(key, filetime(val)))
        else:
            sys.exit("make-ctl.py: unknown attribute %r" % key)
    return Node(0x30, children=[Node(0x04, hashlib.sha1(der).digest()), der_set_of(attrs)])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--signer", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--chain", help="PEM: certificates to carry besides the signer")
    ap.add_argument("--this-update", required=True)
    ap.add_argument("--sequence", type=int, default=1)
    ap.add_argument("--entry", action="append", default=[])
    a = ap.parse_args()

    this_update = Node(0x17, parse_time(a.this_update).strftime("%y%m%d%H%M%SZ").encode())
    ctl = Node(0x30, children=[
        Node(0x30, children=[oid_node(OID_ROOT_LIST)]),
        Node(0x02, struct.pack(">I", a.sequence).lstrip(b"\0") or b"\0"),
        this_update,
        Node(0x30, children=[oid_node(OID_SHA1), Node(0x05, b"")]),
        Node(0x30, children=[entry(s) for s in a.entry]),
    ])
    # PKCS#7 digests the content's value, without its tag and length.
    value = b"".join(c.encode() for c in ctl.children)
    signer = pecert.pem_certs(a.signer)[0]
    certs = [signer] + (pecert.pem_certs(a.chain) if a.chain else [])
    auth = der_set_of([
        Node(0x30, children=[oid_node(pecert.OID_CONTENT_TYPE), Node(0x31, children=[oid_node(OID_CTL)])]),
        Node(0x30, children=[oid_node(pecert.OID_MESSAGE_DIGEST),
                             Node(0x31, children=[Node(0x04, hashlib.sha256(value).digest())])]),
    ])
    signature = pecert.openssl_sign(a.key, "sha256", auth.encode())
    sha256_alg = Node(0x30, children=[oid_node(OID_SHA256), Node(0x05, b"")])
    signer_info = Node(0x30, children=[
        Node(0x02, b"\x01"),
        pecert.cert_issuer_and_serial(signer),
        sha256_alg,
        Node(0xA0, children=auth.children),
        Node(0x30, children=[oid_node(pecert.OID_RSA), Node(0x05, b"")]),
        Node(0x04, signature),
    ])
    signed_data = Node(0x30, children=[
        Node(0x02, b"\x01"),
        Node(0x31, children=[sha256_alg]),
        Node(0x30, children=[oid_node(OID_CTL), Node(0xA0, children=[ctl])]),
        Node(0xA0, children=[pecert.der_parse(c) for c in certs]),
        Node(0x31, children=[signer_info]),
    ])
    ci = Node(0x30, children=[oid_node(pecert.OID_SIGNED_DATA), Node(0xA0, children=[signed_data])])
    with open(a.out, "wb") as f:
        f.write(ci.encode())


if __name__ == "__main__":
    main()
