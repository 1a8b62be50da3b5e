#!/usr/bin/env bash
# The Debian package builds from the tree (debian/, dpkg-buildpackage) and
# holds a working program, its manual page and its completion.
# usage: test_package.sh FIXTURE_DIR PKI_DIR
set -uo pipefail
fix=$1 pki=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS package: $1"; passed=$((passed + 1));
	else echo "FAIL package: $1"; failed=$((failed + 1)); fi
}
# The tree as a clone has it (tracked and new files, no build directories
# or caches), so that the package does not depend on what was built here.
mkdir "$tmp/sigtrace"
(cd "$top" && git ls-files -co --exclude-standard | grep -v '^\.cache/' | tar -cf - -T -) |
	tar -xf - -C "$tmp/sigtrace"
(cd "$tmp/sigtrace" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$tmp/build.log" 2>&1
rc=$?
deb=$(ls "$tmp"/sigtrace_*_*.deb 2>/dev/null | head -1)
why=
[ $rc -eq 0 ] || why=": $(grep -m1 -E 'error' "$tmp/build.log")"
[ $rc -eq 0 ] && [ -n "$deb" ]
check "dpkg-buildpackage -us -uc -b builds the package$why" $?
dpkg -c "$deb" 2>/dev/null | awk '{print $6}' >"$tmp/contents"
grep -qx './usr/bin/sigtrace' "$tmp/contents" && grep -qx './usr/share/man/man1/sigtrace.1.gz' "$tmp/contents" &&
	grep -qx './usr/share/bash-completion/completions/sigtrace' "$tmp/contents" &&
	grep -qx './usr/share/zsh/site-functions/_sigtrace' "$tmp/contents"
check "it installs the program, sigtrace(1) and the bash and zsh completions" $?
depends=$(dpkg-deb -f "$deb" Depends 2>/dev/null)
[[ $depends == *libpq5* && $depends == *libssl3* ]]
check "its dependencies are the shared libraries it links" $?
dpkg -x "$deb" "$tmp/root" 2>/dev/null
"$tmp/root/usr/bin/sigtrace" verify --no-default-trust --trust "$pki/root.pem" --at 2025-06-01T00:00:00Z \
	"$fix/sha256.dll" >"$tmp/out" 2>&1
rc=$?
"$tmp/root/usr/bin/sigtrace" trust >"$tmp/trust" 2>&1
[ $rc -eq 0 ] && grep -q valid "$tmp/out" && grep -q 'Microsoft Trusted Root Program' "$tmp/trust"
check "the packaged program verifies a file and carries its built-in trust store wherever it is unpacked" $?
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
