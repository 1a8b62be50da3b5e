#!/usr/bin/env python3
"""Writes trust files in formats no Debian tool produces, for sigtrace's tests
(standard library only, independent of sigtrace):

  trust-files.py sst OUT CERT.pem...   a Windows serialized certificate store
      (CertSaveStore, CERT_STORE_SAVE_AS_STORE): u32 0, "CERT", then per
      certificate a friendly-name property (11) and the certificate (32),
      each {u32 id, u32 1, u32 length, bytes}, and an end element {0, 0, 0}
  trust-files.py authvar OUT LISTS     a dbx update as firmware takes it: an
      authenticated variable (EFI_VARIABLE_AUTHENTICATION_2: EFI_TIME, then a
      WIN_CERTIFICATE_UEFI_GUID of type 0x0EF1 with EFI_CERT_TYPE_PKCS7_GUID
      and a placeholder PKCS#7) followed by the EFI signature lists in LISTS
"""
import base64
import re
import struct
import sys

PKCS7_GUID = bytes.fromhex("9dd2af4adf68ee498aa9347d375665a7")


def pem_certs(path):
    text = open(path).read()
    return [base64.b64decode("".join(m.split()))
            for m in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)]


def element(prop, data):
    return struct.pack("<III", prop, 1, len(data)) + data


def main():
    cmd, out = sys.argv[1], sys.argv[2]
    if cmd == "sst":
        blob = struct.pack("<I", 0) + b"CERT"
        for path in sys.argv[3:]:
            for der in pem_certs(path):
                blob += element(11, "test anchor\0".encode("utf-16-le")) + element(32, der)
        blob += struct.pack("<III", 0, 0, 0)
    elif cmd == "authvar":
        lists = open(sys.argv[3], "rb").read()
        pkcs7 = b"\x30\x00"  # not checked by sigtrace: the update's signature is the firmware's business
        time = struct.pack("<HBBBBBBIhBB", 2024, 6, 1, 0, 0, 0, 0, 0, 0, 0, 0)
        cert = struct.pack("<IHH", 24 + len(pkcs7), 0x0200, 0x0EF1) + PKCS7_GUID + pkcs7
        blob = time + cert + lists
    else:
        sys.exit("usage: trust-files.py sst|authvar OUT ...")
    with open(out, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main()
