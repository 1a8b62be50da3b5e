#!/usr/bin/env bash
# Command-line behaviour: exit statuses, scan walking, output formats.
# usage: test_cli.sh SIGTRACE FIXTURE_DIR PKI_DIR
set -uo pipefail
st=$1 fix=$2 pki=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z)
passed=0 failed=0
check() { # name, condition exit status
	if [ "$2" -eq 0 ]; then echo "PASS cli: $1"; passed=$((passed + 1));
	else echo "FAIL cli: $1"; failed=$((failed + 1)); fi
}

"$st" verify "${common[@]}" "$fix/sha256.dll" >"$tmp/out"; rc=$?
check "verify of a valid file exits 0" $((rc != 0))
head -1 "$tmp/out" | grep -q ": valid$"; check "text report starts with the verdict" $?
grep -q "computed:" "$tmp/out" && grep -q "signed:" "$tmp/out"; check "text report shows signed and computed digests" $?
grep -q "\[trust anchor\]" "$tmp/out"; check "text report marks the trust anchor in the chain" $?

"$st" verify "${common[@]}" "$fix/attack-code-byte.dll" >"$tmp/out"; rc=$?
check "verify of an invalid file exits 1" $((rc != 1))
grep -q "digest_mismatch:" "$tmp/out"; check "text report explains digest_mismatch" $?

"$st" verify "${common[@]}" "$fix/sha256.dll" "$tmp/does-not-exist" >/dev/null 2>"$tmp/err"; rc=$?
check "an unreadable input exits 2" $((rc != 2))
grep -q "does-not-exist" "$tmp/err"; check "the unreadable input is named on stderr" $?

"$st" verify --format xml "$fix/sha256.dll" >/dev/null 2>&1; rc=$?
check "a bad --format is a usage error (64)" $((rc != 64))
"$st" frobnicate >/dev/null 2>&1; rc=$?
check "an unknown command is a usage error (64)" $((rc != 64))
"$st" verify --at yesterday "$fix/sha256.dll" >/dev/null 2>&1; rc=$?
check "an unparsable --at is a usage error (64)" $((rc != 64))
"$st" verify --trust "$tmp" "$fix/sha256.dll" >/dev/null 2>&1; rc=$?
check "--trust with no certificate is a usage error (64)" $((rc != 64))

# Reports go to a file before grep -q reads them: a grep that stops at
# its first match would cut sigtrace's output, and pipefail would count
# the SIGPIPE as a failure (a flake under load).
# Trust anchors from a directory and in DER form.
mkdir "$tmp/anchors"
openssl x509 -in "$pki/root.pem" -outform DER -out "$tmp/anchors/root.der"
"$st" verify --format ndjson --no-default-trust --trust "$tmp/anchors" --at 2025-06-01 \
	"$fix/sha256.dll" >"$tmp/der.json"
grep -q '"verdict":"valid"' "$tmp/der.json"
check "DER anchor loaded from a --trust directory" $?
"$st" verify --format ndjson --no-default-trust --at 2025-06-01 "$fix/sha256.dll" >"$tmp/noanchor.json"
grep -q '"verdict":"untrusted"' "$tmp/noanchor.json"
check "without the anchor the same file is untrusted" $?
"$st" verify --format ndjson --no-default-trust --trust "$pki/root.pem" --at @1748736000 \
	"$fix/sha256.dll" >"$tmp/epoch.json"
grep -q '"verdict":"valid"' "$tmp/epoch.json"
check "--at accepts @EPOCH" $?

# scan: directories recursively, only executables, one record each.
mkdir -p "$tmp/tree/a/b"
cp "$fix/sha256.dll" "$tmp/tree/a/one.dll"
cp "$fix/attack-sigthief.dll" "$tmp/tree/a/b/two.bin"
cp "$fix/unsigned.dll" "$tmp/tree/three"
echo "just text" >"$tmp/tree/readme.txt"
ln -s /nonexistent "$tmp/tree/dangling"
"$st" scan "${common[@]}" "$tmp/tree" >"$tmp/scan.txt"; rc=$?
check "scan with an invalid file exits 1" $((rc != 1))
[ "$(wc -l <"$tmp/scan.txt")" -eq 3 ]; check "scan lists the three PE files and nothing else" $?
grep -q "^invalid .*digest_mismatch.*two.bin$" "$tmp/scan.txt"; check "scan finds a PE by content, not extension" $?
grep -q "^unsigned .*three$" "$tmp/scan.txt"; check "scan reports the unsigned PE" $?

"$st" scan --format ndjson "${common[@]}" "$tmp/tree" >"$tmp/scan.ndjson"
python3 - "$tmp/scan.ndjson" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ok = len(recs) == 3
by = {r["file"]["name"]: r for r in recs}
v = by["one.dll"]; i = by["two.bin"]; u = by["three"]
cs = v["file"]["code_signature"]
ok &= cs["exists"] is True and cs["valid"] is True and cs["trusted"] is True
ok &= cs["status"] == "trusted" and cs["subject_name"] == "sigtrace Test Code Signer"
ok &= cs["digest_algorithm"] == "sha256" and len(cs["thumbprint_sha256"]) == 64
ok &= len(v["file"]["hash"]["sha256"]) == 64 and v["file"]["size"] > 0
ok &= "threat" not in v and v["sigtrace"]["verdict"] == "valid"
ok &= v["file"]["x509"]["subject"]["common_name"] == ["sigtrace Test Code Signer"]
ok &= i["threat"]["technique"]["id"] == ["T1036"] and i["threat"]["technique"]["subtechnique"]["id"] == ["T1036.001"]
ok &= i["threat"]["tactic"]["id"] == ["TA0005"] and i["threat"]["tactic"]["name"] == ["Stealth"] and i["event"]["kind"] == "alert"
ok &= i["file"]["code_signature"]["status"] == "errorBadDigest"
ok &= i["file"]["code_signature"]["valid"] is False
ok &= any(r["code"] == "digest_mismatch" for r in i["sigtrace"]["reasons"])
ok &= u["file"]["code_signature"]["exists"] is False and "threat" not in u
ok &= u["file"]["pe"]["company"] == "Microsoft Corporation"
sig = v["sigtrace"]["signatures"][0]
ok &= sig["signed_digest"] == sig["computed_digest"] and len(sig["chain"]) >= 2
sys.exit(0 if ok else 1)
PY
check "NDJSON records carry the ECS fields and the threat mapping" $?

"$st" scan "${common[@]}" "$tmp/tree/readme.txt" >"$tmp/out"; rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/out" ]; check "scan of a non-executable prints nothing and exits 0" $?
"$st" verify "${common[@]}" "$tmp/tree/readme.txt" >"$tmp/readme.out"
head -1 "$tmp/readme.out" | grep -q ": not_executable$"
check "verify of a non-executable says not_executable" $?

# One process verifying many files (chain results cached across files, one
# scan with several workers) must give each file the verdict and reasons it
# gets alone.
for f in "$fix"/*; do
	"$st" verify --format ndjson "${common[@]}" "$f"
done >"$tmp/single.ndjson" 2>/dev/null
for j in 1 2 4; do
	"$st" scan --format ndjson -j "$j" "${common[@]}" "$fix" >"$tmp/scan-j$j.ndjson" 2>/dev/null
	python3 - "$tmp/single.ndjson" "$tmp/scan-j$j.ndjson" <<'PY'
import json, sys
def load(p):
    out = {}
    for line in open(p):
        r = json.loads(line)
        if r["sigtrace"]["verdict"] in ("not_executable", "error"):
            continue
        out[r["file"]["path"]] = (r["sigtrace"]["verdict"], sorted(x["code"] for x in r["sigtrace"]["reasons"]))
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if a == b and len(a) > 40 else 1)
PY
	check "scan -j $j gives every file the same verdict and reasons as verify alone" $?
done
"$st" scan -j 2 "${common[@]}" "$fix" >"$tmp/a.txt" 2>/dev/null
"$st" scan -j 1 "${common[@]}" "$fix" >"$tmp/b.txt" 2>/dev/null
cmp -s "$tmp/a.txt" "$tmp/b.txt"; check "scan output order does not depend on -j" $?

# --files-from, --all, limits and odd files.
printf '%s\n' "$fix/sha256.dll" "$tmp/tree/readme.txt" "$tmp/vanished.dll" >"$tmp/list"
"$st" scan "${common[@]}" --files-from "$tmp/list" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "sha256.dll$" "$tmp/out" && grep -q "vanished.dll: No such file" "$tmp/err"
check "--files-from: listed files scanned, a vanished one reported, exit 2" $?
printf '%s\n' "$fix/sha256.dll" | "$st" scan "${common[@]}" --files-from - >"$tmp/out" 2>/dev/null
[ "$(wc -l <"$tmp/out")" -eq 1 ]; check "--files-from - reads stdin" $?
"$st" scan --all -q --format ndjson "${common[@]}" "$tmp/tree" >"$tmp/out" 2>"$tmp/err"
grep -q '"verdict":"not_executable"' "$tmp/out" && [ "$(wc -l <"$tmp/out")" -eq 4 ] && [ ! -s "$tmp/err" ]
check "--all lists non-executables too; --quiet keeps stderr empty" $?
"$st" scan "${common[@]}" "$tmp/tree" >/dev/null 2>"$tmp/err"
grep -q "files: 1 valid, 0 untrusted, 1 invalid" "$tmp/err" && grep -q "1 symbolic links not followed" "$tmp/err"
check "scan prints a summary with counts per verdict on stderr" $?
mkfifo "$tmp/tree/a/fifo"
timeout 20 "$st" scan -q "${common[@]}" "$tmp/tree" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "fifo: a FIFO" "$tmp/err" && [ "$(wc -l <"$tmp/out")" -eq 3 ]
check "a FIFO in the tree is reported, the scan goes on, exit 2" $?
rm "$tmp/tree/a/fifo"
"$st" scan -q --max-file-size 1000 "${common[@]}" "$fix/sha256.dll" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "exceeds --max-file-size" "$tmp/err"
check "a file over --max-file-size is reported, not skipped silently" $?
deep=$tmp/deep
mkdir -p "$deep"
python3 -c "
import os, sys
p = sys.argv[1]
for i in range(260):
    p = os.path.join(p, 'd')
    os.mkdir(p)
" "$deep"
timeout 60 "$st" scan -q "${common[@]}" "$deep" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "nesting exceeds 256 levels" "$tmp/err"
check "a tree deeper than 256 levels is reported, not descended" $?
if command -v script >/dev/null; then
	script -qec "$st scan ${common[*]} $fix" /dev/null >"$tmp/tty" 2>&1
	grep -q "files/s" "$tmp/tty" && grep -q "findings" "$tmp/tty"
	check "progress line on a terminal" $?
fi

"$st" verify --no-file-hash --format ndjson "${common[@]}" "$fix/sha256.dll" >"$tmp/out"
grep -q '"verdict":"valid"' "$tmp/out" && ! grep -q '"hash"' "$tmp/out"
check "--no-file-hash: same verdict, no file.hash" $?

# A file over the in-memory limit (8 MiB, read in windows) that shrinks
# while it is hashed: the short read is reported as a changed file and the
# process exits 2; nothing catches a signal (the library never maps files).
# gdb stops the verifier at the hash pass, truncates the file, and lets it
# go on.
if command -v gdb >/dev/null; then
	cp "$fix/sha256.dll" "$tmp/big.dll"
	truncate -s 20M "$tmp/big.dll"
	# LeakSanitizer cannot run under ptrace, and the interrupted
	# verification's memory is knowingly lost: no leak check here.
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
	gdb -q -batch -ex 'break st_hash_pass' -ex run \
		-ex "shell truncate -s 100000 $tmp/big.dll" -ex continue \
		--args "$st" scan -j 1 -q "${common[@]}" "$tmp/big.dll" >"$tmp/gdb.out" 2>&1
	grep -q "big.dll: file changed (shrank) while it was being read" "$tmp/gdb.out" &&
		grep -q "exited with code 02" "$tmp/gdb.out" &&
	! grep -q SIGBUS "$tmp/gdb.out"
	check "a file truncated during the scan is reported (no SIGBUS), exit 2" $?
fi

# Streaming: with paths arriving slowly on stdin, each record is written as
# soon as its file is done, not when the input ends.
{ printf '%s\n' "$fix/sha256.dll"; sleep 3; printf '%s\n' "$fix/sha1.dll"; } |
	"$st" scan -q "${common[@]}" --files-from - >"$tmp/stream.txt" 2>/dev/null &
sleep 1.5
[ "$(wc -l <"$tmp/stream.txt")" -eq 1 ]; check "records stream out while input is still arriving" $?
wait
[ "$(wc -l <"$tmp/stream.txt")" -eq 2 ]; check "the streamed scan completes" $?

# Details that name the right certificate and reason.
"$st" verify "${common[@]}" "$fix/attack-nested-byte.dll" >"$tmp/out"
grep -q "nested_signature_invalid: nested signature 1 (sha384) is invalid: signature_invalid:" "$tmp/out"
check "nested_signature_invalid names the nested signature's own reason" $?
"$st" verify "${common[@]}" "$fix/attack-timestamp-byte.dll" >"$tmp/out"
grep -q "timestamp_invalid: RFC 3161 timestamp: the signature does not verify with the public key of 'sigtrace Test TSA'" "$tmp/out"
check "timestamp_invalid names the timestamp authority's certificate" $?
# A lifetime-signing signer is checked at --at even with a valid timestamp:
# the time is not labelled as the timestamp's.
"$st" verify "${common[@]}" "$fix/lifetime-ts-inside.dll" >"$tmp/out"
grep -q "checked at:   2025-06-01T00:00:00Z$" "$tmp/out" && ! grep -q "(timestamp time)" "$tmp/out"
check "the text report does not call --at the timestamp time for lifetime signers" $?
"$st" verify "${common[@]}" "$fix/ts-rfc3161.dll" >"$tmp/out"
grep -q "checked at:   2024-06-01T00:00:00Z (timestamp time)" "$tmp/out" &&
	grep -q "trusted:      yes (judged as Windows does)" "$tmp/out"
check "the text report names the timestamp time and the judging platform" $?
"$st" verify "${common[@]}" "$fix/efi-app.efi" >"$tmp/out"
grep -q "trusted:      yes (judged as UEFI firmware does)" "$tmp/out"
check "an EFI image is judged as UEFI firmware does" $?

# ---- trust options (docs/trust.md) ----
tools=$(dirname "$0")/../e2e/tools
# The same anchor three times, two of them in one file, and in a serialized
# store (.sst) too: no error.
cat "$pki/root.pem" "$pki/root.pem" >"$tmp/twice.pem"
python3 "$tools/trust-files.py" sst "$tmp/anchors.sst" "$pki/root.pem" "$pki/inter.pem"
"$st" verify --format ndjson --no-default-trust --trust "$pki/root.pem" --trust "$tmp/twice.pem" \
	--trust "$tmp/anchors.sst" --at 2025-06-01 "$fix/sha256.dll" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] && grep -q '"verdict":"valid"' "$tmp/out" && [ ! -s "$tmp/err" ]
check "an anchor given again (and in a .sst) is not an error" $?
"$st" verify --format ndjson --no-default-trust --trust "$tmp/anchors.sst" --at 2025-06-01 "$fix/sha256.dll" >"$tmp/sst.json"
grep -q '"verdict":"valid"' "$tmp/sst.json"
check "a Windows serialized store (.sst) gives anchors" $?
# A root list whose signer chain ends at no root given before it, or whose
# signer lacks the root-list EKU: refused with the reason, exit 64.
"$st" verify --no-default-trust --trust "$fix/ctl-codesign-only.stl" "$fix/sha256.dll" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 64 ] && grep -q "does not end at a Microsoft root" "$tmp/err"
check "a root list signed under no known root is refused (64)" $?
"$st" verify --no-default-trust --trust "$pki/root.pem" --trust "$fix/ctl-wrong-signer.stl" \
	"$fix/sha256.dll" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 64 ] && grep -q "lacks the extended key usage 1.3.6.1.4.1.311.10.3.9" "$tmp/err"
check "a root list whose signer is no root-list signer is refused (64)" $?
# The root list's certificates (its signer's) never become anchors.
"$st" trust --no-default-trust --trust "$pki/root.pem" --trust "$fix/ctl-disallowed-2025.stl" >"$tmp/out"
grep -q "^1 trust anchors:" "$tmp/out" && grep -q "microsoft-program" "$tmp/out" &&
	grep -q "disallowed 2025-01-01" "$tmp/out"
check "sigtrace trust shows a root list's attributes on the root it names" $?
# --dbx: signature lists (bare, efivarfs, authenticated variable); errors.
python3 "$tools/trust-files.py" authvar "$tmp/dbxupdate.bin" "$fix/dbx-efi-app.esl"
"$st" verify --format ndjson "${common[@]}" --dbx "$tmp/dbxupdate.bin" "$fix/efi-app.efi" >"$tmp/out"; rc=$?
[ $rc -eq 1 ] && grep -q '"verdict":"invalid".*uefi_revoked' "$tmp/out"
check "--dbx takes an authenticated-variable dbx update" $?
"$st" verify "${common[@]}" --dbx "$pki/root.pem" "$fix/efi-app.efi" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 64 ] && grep -q "not an EFI signature list" "$tmp/err"
check "--dbx with something else is a usage error (64)" $?
head -c 100 "$fix/dbx-inter.esl" >"$tmp/cut.esl"
"$st" verify "${common[@]}" --dbx "$tmp/cut.esl" "$fix/efi-app.efi" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 64 ] && grep -q "malformed" "$tmp/err"
check "--dbx with a cut signature list is a usage error (64)" $?
"$st" trust --no-default-trust --dbx "$fix/dbx-efi-app.esl" --dbx "$fix/dbx-inter.esl" >"$tmp/dbx.txt"
grep -q "dbx entries in use (built in and --dbx): 2" "$tmp/dbx.txt"
check "sigtrace trust counts the dbx entries" $?
# The built-in store: its snapshot, its anchors, one in full, NDJSON.
"$st" trust >"$tmp/out"
grep -q "Microsoft Trusted Root Program: authroot-.*515 roots" "$tmp/out" &&
	grep -q "Apple Root CA" "$tmp/out" && grep -q "uefi-db" "$tmp/out" &&
	grep -q "shim-vendor .*Debian Secure Boot CA" "$tmp/out"
check "sigtrace trust prints the built-in snapshot and anchors" $?
"$st" trust show 885de64c340e3ea7 >"$tmp/out"
grep -q "Microsoft Root Certificate Authority" "$tmp/out" && grep -q "disallowed:  from 2021-08-01" "$tmp/out"
check "sigtrace trust show FINGERPRINT prints one anchor in full" $?
"$st" trust --format ndjson | python3 -c "import json,sys; a=[json.loads(l) for l in sys.stdin]; sys.exit(not (len(a) > 500 and all('sha256' in x for x in a)))"
check "sigtrace trust --format ndjson: one object per anchor" $?
# --system-trust: the bundle's TLS roots join (when the machine has one).
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
	"$st" trust --no-default-trust --system-trust >"$tmp/out"
	grep -q "^system " "$tmp/out"
	check "--system-trust adds the system bundle as source 'system'" $?
fi

# Kernel drivers: what Windows' driver signing policy sees (pe.driver_signing).
ds() {
	"$st" verify --format ndjson "${common[@]}" "$fix/$1" | python3 -c 'import json,sys
r=json.loads(sys.stdin.readline())
print(r["sigtrace"]["parts"][0]["properties"].get("pe.driver_signing", "-"))'
}
[ "$(ds driver-cross-2014.sys)" = cross_signed_before_2015 ]
check "a driver cross-signed by a signer issued before 2015-07-29 is cross_signed_before_2015" $?
[ "$(ds driver-cross.sys)" = cross_signed ]
check "a driver cross-signed by a later signer is cross_signed" $?
[ "$(ds driver-plain.sys)" = other ]
check "a driver with an ordinary code-signing signature is other" $?
[ "$(ds sha256.dll)" = - ]
check "a DLL (not native subsystem) has no driver_signing property" $?

# The files inside a cabinet are records of their own, named CABINET//FILE.
"$st" scan --format ndjson "${common[@]}" "$fix/cab-signed.cab" >"$tmp/cab.json" 2>/dev/null
python3 -c 'import json,sys
v={json.loads(l)["file"]["path"].split("/")[-1]: json.loads(l)["sigtrace"]["verdict"] for l in open(sys.argv[1])}
assert v.get("cab-signed.cab")=="valid" and v.get("signed.dll")=="valid" and v.get("version.dll")=="unsigned", v
r=[json.loads(l) for l in open(sys.argv[1])]
assert any(x["file"]["path"].endswith("cab-signed.cab//signed.dll") for x in r)' "$tmp/cab.json"
check "scan: a cabinet's files are verified as members (CAB//FILE): signed, unsigned" $?

# The manual page (built from docs/sigtrace.1.in and the usage text) and the
# bash and zsh completions know every option of the usage text, and `meson
# install` puts the program, the page and the completions in place.
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$(cd "$(dirname "$st")/.." && pwd)
missing=""
for o in $("$st" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	grep -qF -- "\\fB$(sed 's/-/\\-/g' <<<"$o")\\fR" "$builddir/sigtrace.1" || missing="$missing man:$o"
	[ "$o" = --help ] || [ "$o" = --version ] || grep -qw -- "$o" "$top/data/completion/sigtrace.bash" ||
		missing="$missing completion:$o"
	grep -q -- "$o\\[" "$top/data/completion/_sigtrace" || grep -q -- "$o}" "$top/data/completion/_sigtrace" ||
		missing="$missing zsh:$o"
done
[ -z "$missing" ]
check "sigtrace(1) and the bash and zsh completions cover every option${missing:+ (missing:$missing)}" $?
bash -n "$top/data/completion/sigtrace.bash" &&
	( source "$top/data/completion/sigtrace.bash"; COMP_WORDS=(sigtrace sc); COMP_CWORD=1; _sigtrace
	  [ "${COMPREPLY[*]}" = scan ] )
check "the bash completion loads and completes a command" $?
meson install -C "$builddir" --destdir "$tmp/dest" --no-rebuild >/dev/null 2>&1 &&
	[ -x "$(find "$tmp/dest" -path '*/bin/sigtrace' | head -1)" ] &&
	[ -f "$(find "$tmp/dest" -path '*/man1/sigtrace.1*' | head -1)" ] &&
	[ -f "$(find "$tmp/dest" -path '*/bash-completion/completions/sigtrace' | head -1)" ] &&
	[ -f "$(find "$tmp/dest" -path '*/zsh/site-functions/_sigtrace' | head -1)" ]
check "meson install puts the program, the manual page and the completions in place" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
