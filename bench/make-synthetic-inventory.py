#!/usr/bin/env python3
"""A synthetic fleet inventory for the outliers benchmark (bench/inventory.sh).

HOSTS hosts with FILES files each: the same FILES applications on every host
(400 vendors, certificate chains of three under 10 intermediates and 2
roots, most timestamped), plus on each host one application signed by a
certificate found nowhere else, and on 10 hosts a copy of a signature onto
a file it does not fit. Writes CSV files for the tables of the inventory
schema into OUTDIR, to be loaded into a database whose schema a scan made.

usage: make-synthetic-inventory.py OUTDIR [HOSTS] [FILES]
"""
import csv
import os
import sys

out = sys.argv[1]
hosts = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
files = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
os.makedirs(out, exist_ok=True)


def hx(*parts):
    """A 64-digit hex value made from the parts (deterministic)."""
    return ("%x" % (hash(parts) & ((1 << 256) - 1))).rjust(64, "0")[:64]


def writer(name):
    f = open(os.path.join(out, name + ".csv"), "w", newline="")
    return f, csv.writer(f)


certs = []
roots = [("root%d" % r, "CN=Synthetic Root %d" % r, None) for r in range(2)]
inters = [("int%d" % k, "CN=Synthetic CA %d" % k, "root%d" % (k % 2)) for k in range(10)]
vendors = [("v%d" % v, "CN=Vendor %d,O=Vendor %d" % (v, v), "int%d" % (v % 10)) for v in range(400)]
local = [("h%d" % h, "CN=Local Tool %d" % h, "int%d" % (h % 10)) for h in range(hosts)]
sha = {}
cf, cw = writer("certificates")
for key, subject, issuer in roots + inters + vendors + local:
    sha[key] = ("%064x" % (abs(hash(("cert", key))) * 7919))[-64:]
for key, subject, issuer in roots + inters + vendors + local:
    cn = subject.split(",")[0][3:]
    isca = 1 if issuer is None or key.startswith("int") else 0
    cw.writerow([sha[key], sha[key][:40], subject, issuer and dict((k, s) for k, s, _ in roots + inters)[issuer] or subject,
                 cn, "", key, "2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "rsa", 2048, "sha256WithRSAEncryption",
                 1 if issuer is None else 0, "" if isca else "1.3.6.1.5.5.7.3.3", "", "", isca, sha[key][::-1]])
cf.close()
parent = {k: i for k, _, i in roots + inters + vendors + local}

ff, fw = writer("files")
sf, sw = writer("signatures")
lf, lw = writer("chain_links")
pf, pw = writer("properties")
af, aw = writer("parts")
fid = 0
for h in range(hosts):
    for j in range(files):
        fid += 1
        signer = "h%d" % h if j == files - 1 else "v%d" % (j % 400)
        digest = hx("digest", j if j != files - 1 else (h, j))
        verdict, reasons, computed = "valid", "", digest
        if j == 5 and h % 100 == 0:
            verdict, reasons, computed = "invalid", "digest_mismatch", hx("other", h)
        path = "/opt/vendor%d/app%d.exe" % (j % 400, j)
        fw.writerow([fid, "host%04d" % h, path, 100000 + j, 1700000000, hx("file", j, h if verdict != "valid" else 0),
                     "pe", "PE32+", "x64", verdict, reasons, "success" if verdict == "valid" else "errorBadDigest",
                     "", "2026-12-01T00:00:00Z", ""])
        aw.writerow([fid, 0, "", "file", "", "", 100000 + j, "pe", "PE32+", "x64", verdict, reasons])
        vnum = int(signer[1:]) if signer.startswith("v") else -1
        stamped = not (vnum >= 0 and vnum % 7 == 0 and j % 3 == 0)
        sw.writerow([fid, 0, 0, "", 0, verdict, "sha256", digest, computed, "2025-01-01T00:00:00Z",
                     "rfc3161" if stamped else "", "2025-01-01T00:00:00Z" if stamped else "",
                     1 if stamped else "", "", sha[signer], 1, "2026-12-01T00:00:00Z", reasons, "embedded"])
        k, pos = signer, 0
        while k:
            lw.writerow([fid, 0, pos, sha[k]])
            k, pos = parent[k], pos + 1
        pw.writerow([fid, 0, "", "pe.company", "Vendor %d" % (j % 400) if j != files - 1 else "Local"])
for f in (ff, sf, lf, pf, af):
    f.close()
