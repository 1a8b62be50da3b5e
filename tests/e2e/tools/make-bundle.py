#!/usr/bin/env python3
"""make-bundle.py -- TEST-ONLY Apple bundle builder for the sigtrace end-to-end
fixtures (called by tests/e2e/make-macho-fixtures.sh).

Usage: make-bundle.py SIGNER PKIDIR MACHO OTHER_MACHO UNSIGNED_MACHO OUTDIR

Builds app bundles under OUTDIR the way codesign lays them out, independently
of lib/bundle: Contents/Info.plist, MacOS/<exe>, Resources/ (an .lproj folder,
a file, an internal symbolic link), a nested framework (Versions/A, Current
link, top-level links), and _CodeSignature/CodeResources written here with
codesign's default rules (rules/rules2), files (SHA-1) and files2 (SHA-1 and
SHA-256; nested code as cdhash + requirement; links as their target). The main
executables are signed by SIGNER (tests/e2e/tools/macho-sign.c) with slot 1
bound to Info.plist and slot 3 to CodeResources; nested code first, so its
cdhash is known when the outer seal is written. Then the tampered copies.

MACHO is a linker-signed thin arm64 executable, OTHER_MACHO a different one
(the dropped executable of the WindTail-style bundle), UNSIGNED_MACHO one
without a signature (the stripped main executable).
Every fixture and its expected verdict: tests/e2e/bundle-cases.txt.
"""
import hashlib
import os
import plistlib
import shutil
import struct
import subprocess
import sys

TEAM = "SIGTRACE42"

RULES = {
    "^version.plist$": True,
    "^Resources/": True,
    "^Resources/.*\\.lproj/": {"optional": True, "weight": 1000.0},
    "^Resources/.*\\.lproj/locversion.plist$": {"omit": True, "weight": 1100.0},
    "^Resources/Base\\.lproj/": {"weight": 1010.0},
}
RULES2 = {
    "^.*": True,
    "^[^/]+$": {"nested": True, "weight": 10.0},
    "^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/":
        {"nested": True, "weight": 10.0},
    ".*\\.dSYM($|/)": {"weight": 11.0},
    "^(.*/)?\\.DS_Store$": {"omit": True, "weight": 2000.0},
    "^Info\\.plist$": {"omit": True, "weight": 20.0},
    "^version\\.plist$": {"weight": 20.0},
    "^embedded\\.provisionprofile$": {"weight": 20.0},
    "^PkgInfo$": {"omit": True, "weight": 20.0},
    "^Resources/": {"weight": 20.0},
    "^Resources/.*\\.lproj/": {"optional": True, "weight": 1000.0},
    "^Resources/Base\\.lproj/": {"weight": 1010.0},
    "^Resources/.*\\.lproj/locversion.plist$": {"omit": True, "weight": 1100.0},
}
NESTED_DIRS = ("Frameworks/", "SharedFrameworks/", "PlugIns/", "Plug-ins/", "XPCServices/",
               "Helpers/", "MacOS/", "Library/Automator/", "Library/Spotlight/",
               "Library/LoginItems/")


def requirement(ident, cdh=None):
    """The designated requirement codesign writes: for ad-hoc code its
    cdhash, for Developer ID code identifier, anchor, markers and team."""
    if ident is None:
        return 'cdhash H"%s"' % cdh.hex()
    return ('identifier "%s" and anchor apple generic and certificate '
            '1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate '
            'leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate '
            'leaf[subject.OU] = %s' % (ident, TEAM))


def cdhash(path):
    """cdhash of a thin 64-bit little-endian Mach-O's slot-0 CodeDirectory."""
    return cdhash_typed(path)[1]


def cdhash_typed(path):
    """(hash type, cdhash) of a thin Mach-O's slot-0 CodeDirectory."""
    data = open(path, "rb").read()
    ncmds = struct.unpack_from("<I", data, 16)[0]
    off = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd == 0x1D:
            dataoff = struct.unpack_from("<I", data, off + 8)[0]
            count = struct.unpack_from(">I", data, dataoff + 8)[0]
            for i in range(count):
                typ, boff = struct.unpack_from(">II", data, dataoff + 12 + 8 * i)
                if typ == 0:
                    cd = dataoff + boff
                    length = struct.unpack_from(">I", data, cd + 4)[0]
                    htype = data[cd + 37]
                    blob = data[cd:cd + length]
                    h = hashlib.sha1(blob) if htype == 1 else hashlib.sha256(blob)
                    return htype, h.digest()[:20]
        off += size
    raise SystemExit("make-bundle.py: %s has no code signature" % path)


def info_plist(path, ident, exe, pkg="APPL"):
    with open(path, "wb") as f:
        plistlib.dump({"CFBundleExecutable": exe, "CFBundleIdentifier": ident,
                       "CFBundleName": exe, "CFBundlePackageType": pkg,
                       "CFBundleShortVersionString": "1.0", "CFBundleVersion": "1"}, f)


def is_macho(path):
    with open(path, "rb") as f:
        return f.read(4) in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def seal(root, exe_rel, nested_idents):
    """Writes root/_CodeSignature/CodeResources over the files under root."""
    files, files2 = {}, {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        for d in list(dirnames):
            rel = rel_dir + d
            full = os.path.join(dirpath, d)
            if rel in ("_CodeSignature", "_MASReceipt"):
                dirnames.remove(d)
            elif os.path.islink(full):
                files2[rel] = {"symlink": os.readlink(full)}
                dirnames.remove(d)
            elif rel in nested_idents:
                files2[rel] = {"cdhash": nested_idents[rel][1],
                               "requirement": requirement(nested_idents[rel][0],
                                                          nested_idents[rel][1])}
                dirnames.remove(d)
        for n in filenames:
            rel = rel_dir + n
            full = os.path.join(dirpath, n)
            if rel in (exe_rel, "CodeResources", "Info.plist", "PkgInfo") or n == ".DS_Store":
                continue
            if os.path.islink(full):
                files2[rel] = {"symlink": os.readlink(full)}
                continue
            data = open(full, "rb").read()
            if rel.startswith(NESTED_DIRS) and is_macho(full) and rel in nested_idents:
                files2[rel] = {"cdhash": nested_idents[rel][1],
                               "requirement": requirement(nested_idents[rel][0])}
                continue
            entry = {"hash": hashlib.sha1(data).digest(), "hash2": hashlib.sha256(data).digest()}
            if "/" in rel and rel.startswith("Resources/") and ".lproj/" in rel:
                entry["optional"] = True
                files[rel] = {"hash": entry["hash"], "optional": True}
            elif rel.startswith("Resources/"):
                files[rel] = entry["hash"]
            files2[rel] = entry
    os.makedirs(os.path.join(root, "_CodeSignature"), exist_ok=True)
    with open(os.path.join(root, "_CodeSignature", "CodeResources"), "wb") as f:
        plistlib.dump({"files": files, "files2": files2, "rules": RULES, "rules2": RULES2}, f)


def detached_signature(root, pki, ident, plist_path, code_path=None, tmp=None):
    """Writes root/_CodeSignature/{CodeDirectory,CodeRequirements,CodeSignature}
    as codesign does for a bundle without a main executable: a SHA-256
    CodeDirectory (version 0x20200, team SIGTRACE42, page size 0: one code
    slot over the code, here Info.plist), special slots 1 (Info.plist), 2
    (the requirements blob, an empty set) and 3 (CodeResources), and the
    raw CMS signature (no blob wrapper) over the CodeDirectory."""
    code = open(code_path or plist_path, "rb").read()
    sig = os.path.join(root, "_CodeSignature")
    reqs = struct.pack(">III", 0xFADE0C01, 12, 0)
    specials = {1: hashlib.sha256(open(plist_path, "rb").read()).digest(),
                2: hashlib.sha256(reqs).digest(),
                3: hashlib.sha256(open(os.path.join(sig, "CodeResources"), "rb").read()).digest()}
    hs, nspecial, hdr = 32, 3, 52
    ident_b, team_b = ident.encode() + b"\0", TEAM.encode() + b"\0"
    hash_off = hdr + len(ident_b) + len(team_b) + nspecial * hs
    total = hash_off + hs
    cd = struct.pack(">IIIIIIIIIBBBBIII", 0xFADE0C02, total, 0x20200, 0, hash_off, hdr, nspecial, 1,
                     len(code), hs, 2, 0, 0, 0, 0, hdr + len(ident_b))
    assert len(cd) == hdr
    cd += ident_b + team_b + b"".join(specials[i] for i in range(nspecial, 0, -1))
    cd += hashlib.sha256(code).digest()
    open(os.path.join(sig, "CodeDirectory"), "wb").write(cd)
    open(os.path.join(sig, "CodeRequirements"), "wb").write(reqs)
    cdp = os.path.join(tmp, "cd")
    open(cdp, "wb").write(cd)
    cms = subprocess.run(["openssl", "cms", "-sign", "-binary", "-in", cdp,
                          "-signer", os.path.join(pki, "apple-devid.pem"),
                          "-inkey", os.path.join(pki, "apple-devid.key"),
                          "-certfile", os.path.join(pki, "apple-devid-ca.pem"),
                          "-outform", "DER", "-md", "sha256", "-noattr"],
                         check=True, capture_output=True).stdout
    open(os.path.join(sig, "CodeSignature"), "wb").write(cms)


class Maker:
    def __init__(self, signer, pki, macho, other):
        self.signer, self.pki, self.macho, self.other = signer, pki, macho, other

    def sign(self, exe, ident, info, resources, adhoc=False, team=TEAM, requirement_team=None):
        args = [self.signer, "--identifier", ident]
        if requirement_team:
            args += ["--requirement-team", requirement_team]
        if not adhoc:
            args += ["--team-id", team, "--cert", os.path.join(self.pki, "apple-devid.pem"),
                     "--key", os.path.join(self.pki, "apple-devid.key"),
                     "--chain", os.path.join(self.pki, "apple-devid-ca.pem"),
                     "--signing-time", "2024-06-01", "--designated-requirement",
                     "--flags", "0x10000", "--cd-version", "0x20500",
                     "--runtime-version", "0x000e0000"]
        else:
            args += ["--requirements"]
        if info:
            args += ["--info-plist", info]
        if resources:
            args += ["--resources", resources]
        tmp = exe + ".signed"
        subprocess.run(args + [exe, tmp], check=True)
        os.replace(tmp, exe)
        os.chmod(exe, 0o755)

    def framework(self, parent, name="Kit", adhoc=False, sign=True):
        """parent/Name.framework, signed; returns (ident, cdhash)."""
        fw = os.path.join(parent, name + ".framework")
        ver = os.path.join(fw, "Versions", "A")
        os.makedirs(os.path.join(ver, "Resources"))
        ident = "org.sigtrace.e2e.%s" % name.lower()
        info_plist(os.path.join(ver, "Resources", "Info.plist"), ident, name, "FMWK")
        shutil.copyfile(self.macho, os.path.join(ver, name))
        with open(os.path.join(ver, "Resources", "kit.txt"), "w") as f:
            f.write("framework resource\n")
        os.symlink("A", os.path.join(fw, "Versions", "Current"))
        os.symlink("Versions/Current/" + name, os.path.join(fw, name))
        os.symlink("Versions/Current/Resources", os.path.join(fw, "Resources"))
        if sign:
            seal(ver, name, {})
            self.sign(os.path.join(ver, name), ident, os.path.join(ver, "Resources", "Info.plist"),
                      os.path.join(ver, "_CodeSignature", "CodeResources"), adhoc=adhoc)
        return (None if adhoc else ident), cdhash(os.path.join(ver, name)) if sign else b""

    def app(self, path, adhoc=False, sign=True, extra=None, exe=None, requirement_team=None):
        c = os.path.join(path, "Contents")
        for d in ("MacOS", "Resources/en.lproj", "Frameworks"):
            os.makedirs(os.path.join(c, d))
        ident = "org.sigtrace.e2e.demo"
        info_plist(os.path.join(c, "Info.plist"), ident, "Demo")
        with open(os.path.join(c, "PkgInfo"), "w") as f:
            f.write("APPL????")
        shutil.copyfile(exe or self.macho, os.path.join(c, "MacOS", "Demo"))
        with open(os.path.join(c, "Resources", "icon.icns"), "wb") as f:
            f.write(b"icns" + bytes(range(256)) * 4)
        with open(os.path.join(c, "Resources", "en.lproj", "InfoPlist.strings"), "w") as f:
            f.write('CFBundleName = "Demo";\n')
        os.symlink("en.lproj/InfoPlist.strings", os.path.join(c, "Resources", "strings-link"))
        if extra:
            extra(c)
        nested = {}
        if sign:
            kid, kh = self.framework(os.path.join(c, "Frameworks"), adhoc=adhoc)
            nested["Frameworks/Kit.framework"] = (kid, kh)
            seal(c, "MacOS/Demo", nested)
            self.sign(os.path.join(c, "MacOS", "Demo"), ident, os.path.join(c, "Info.plist"),
                      os.path.join(c, "_CodeSignature", "CodeResources"), adhoc=adhoc,
                      requirement_team=requirement_team)
        else:
            self.framework(os.path.join(c, "Frameworks"), sign=False)


    def resource_bundle(self, path, exe=None):
        """A bundle without a main executable (resources and a plug-in
        descriptor only), its signature detached into _CodeSignature/;
        exe: a CFBundleExecutable that names no file."""
        c = os.path.join(path, "Contents")
        os.makedirs(os.path.join(c, "Resources"))
        ident = "org.sigtrace.e2e.resources"
        with open(os.path.join(c, "Info.plist"), "wb") as f:
            info = {"CFBundleIdentifier": ident, "CFBundlePackageType": "BNDL",
                    "CFBundleShortVersionString": "1.0", "CFBundleVersion": "1"}
            if exe:
                info["CFBundleExecutable"] = exe
            plistlib.dump(info, f)
        with open(os.path.join(c, "Resources", "module.plist"), "w") as f:
            f.write("<plist><dict/></plist>\n")
        with open(os.path.join(c, "Resources", "MainMenu.nib"), "wb") as f:
            f.write(b"NIBArchive" + bytes(range(64)))
        seal(c, None, {})
        tmp = path + ".tmp"
        os.makedirs(tmp)
        detached_signature(c, self.pki, ident, os.path.join(c, "Info.plist"), tmp=tmp)
        shutil.rmtree(tmp)


def main():
    if len(sys.argv) != 7:
        raise SystemExit(__doc__)
    signer, pki, macho, other, unsigned, out = sys.argv[1:]
    m = Maker(signer, pki, macho, other)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    P = lambda n: os.path.join(out, n)
    good = P("bundle-devid.app")
    m.app(good)
    m.app(P("bundle-adhoc.app"), adhoc=True)
    # Signed by team SIGTRACE42 with a designated requirement naming
    # another team: the code does not satisfy its own requirement.
    m.app(P("bundle-dr-other-team.app"), requirement_team="OTHERTEAM1")
    m.app(P("bundle-unsigned.app"), sign=False, exe=unsigned)
    # Built but never signed: the linker's ad-hoc signature alone.
    m.app(P("bundle-linker.app"), sign=False)
    # A link out of the bundle, sealed as such when the bundle was signed.
    m.app(P("bundle-symlink-out.app"),
          extra=lambda c: os.symlink("../../../../etc/passwd", os.path.join(c, "Resources", "escape")))

    def copy(name):
        shutil.copytree(good, P(name), symlinks=True)
        return os.path.join(P(name), "Contents")

    # WindTail-style: an executable dropped next to the signed one.
    c = copy("bundle-windtail.app")
    shutil.copyfile(other, os.path.join(c, "MacOS", "Dropper"))
    c = copy("bundle-resource-modified.app")
    with open(os.path.join(c, "Resources", "icon.icns"), "r+b") as f:
        f.seek(10)
        f.write(b"\xff")
    c = copy("bundle-resource-removed.app")
    os.remove(os.path.join(c, "Resources", "icon.icns"))
    c = copy("bundle-resource-added.app")
    with open(os.path.join(c, "Resources", "payload.txt"), "w") as f:
        f.write("added after signing\n")
    c = copy("bundle-infoplist.app")
    with open(os.path.join(c, "Info.plist"), "ab") as f:
        f.write(b"\n")
    c = copy("bundle-seal-modified.app")
    cr = os.path.join(c, "_CodeSignature", "CodeResources")
    data = open(cr, "rb").read()
    open(cr, "wb").write(data.replace(b"<key>Resources/icon.icns</key>",
                                      b"<key>Resources/icon.icnz</key>", 1))
    c = copy("bundle-bundle-root.app")
    shutil.copyfile(other, os.path.join(os.path.dirname(c), "beside-contents"))
    # The nested framework replaced by one signed ad hoc (another signer).
    c = copy("bundle-nested-foreign.app")
    shutil.rmtree(os.path.join(c, "Frameworks", "Kit.framework"))
    m.framework(os.path.join(c, "Frameworks"), adhoc=True)
    # The framework's own resource modified: the framework is invalid, so
    # the app is (nested_code_invalid).
    c = copy("bundle-nested-modified.app")
    with open(os.path.join(c, "Frameworks", "Kit.framework", "Versions", "A", "Resources",
                           "kit.txt"), "a") as f:
        f.write("x")
    # A deep bundle's main executable stripped of its signature.
    c = copy("bundle-exe-unsigned.app")
    shutil.copyfile(unsigned, os.path.join(c, "MacOS", "Demo"))
    # Stapled notarization tickets (Contents/CodeResources, outside the
    # seal): one naming the main executable's CDHash; one naming other
    # code only (a ticket copied from another app); one whose signature
    # was broken (a ticket edited to name this code).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ticket
    own = cdhash_typed(os.path.join(good, "Contents", "MacOS", "Demo"))
    other = [(2, hashlib.sha256(b"other code %d" % i).digest()[:20]) for i in range(3)]
    c = copy("bundle-ticket.app")
    open(os.path.join(c, "CodeResources"), "wb").write(ticket.ticket(pki, other[:1] + [own]))
    c = copy("bundle-ticket-other.app")
    open(os.path.join(c, "CodeResources"), "wb").write(ticket.ticket(pki, other))
    c = copy("bundle-ticket-forged.app")
    open(os.path.join(c, "CodeResources"), "wb").write(ticket.ticket(pki, [own], tamper="signature"))
    # Bundles without a main executable, their signature detached into
    # _CodeSignature/ (codesign's way; a real one: dwt 19.3.3's
    # dwt_19.3.2.0306.bundle, whose CFBundleExecutable names no file).
    m.resource_bundle(P("bundle-detached.bundle"))
    m.resource_bundle(P("bundle-detached-noexe.bundle"), exe="${EXECUTABLE_NAME}")
    def copy_res(name):
        shutil.copytree(P("bundle-detached.bundle"), P(name), symlinks=True)
        return os.path.join(P(name), "Contents")
    c = copy_res("bundle-detached-infoplist.bundle")
    with open(os.path.join(c, "Info.plist"), "ab") as f:
        f.write(b"\n")
    c = copy_res("bundle-detached-resource.bundle")
    with open(os.path.join(c, "Resources", "module.plist"), "a") as f:
        f.write("x")
    c = copy_res("bundle-detached-nocms.bundle")
    os.remove(os.path.join(c, "_CodeSignature", "CodeSignature"))
    c = copy_res("bundle-detached-cd.bundle")
    cd = os.path.join(c, "_CodeSignature", "CodeDirectory")
    data = bytearray(open(cd, "rb").read())
    data[60] ^= 0x01   # the identifier: the CMS no longer signs this CodeDirectory
    open(cd, "wb").write(bytes(data))


if __name__ == "__main__":
    main()
