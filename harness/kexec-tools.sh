#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a static build/kexec-tools/kexec: the upstream source of Debian
# sid's kexec-tools (2.0.32; cached in /var/cache/multikernel, or
# $MK_CACHE) plus every kexec-tools/*.patch of this repository, applied
# in name order.
# Rebuilt only when the patches change.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/kexec-tools
die() { echo "kexec-tools: $*" >&2; exit 1; }

mkdir -p "$dir"
patches=()
for p in "$top"/kexec-tools/*.patch; do [ -e "$p" ] && patches+=("$p"); done
want=$({ echo v2; cat ${patches[@]+"${patches[@]}"} </dev/null; } | sha1sum | cut -d' ' -f1)
if [ -x "$dir/kexec" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$want" ]; then
	exit 0
fi

# The source of sid's kexec-tools package, the newest Debian has, kept
# outside the checkout like ccache, so that fresh clones on this machine do
# not depend on the mirror.  Only its upstream tarball (.orig) is used:
# Debian's own patches are packaging and distribution fixes the harness
# does not need, and the mirror has been seen without sid's .debian.tar.xz.
cache=${MK_CACHE:-/var/cache/multikernel}/kexec-tools-sid
mkdir -p "$cache"
orig() { ls "$cache"/kexec-tools_*.orig.tar.* 2>/dev/null | sort -V | tail -n1; }
if [ -z "$(orig)" ]; then
	echo "kexec-tools: apt-get source kexec-tools/sid"
	for try in 1 2 3; do
		# It fails when a part other than the .orig is missing.
		(cd "$cache" && apt-get source --download-only -qq kexec-tools/sid) \
			> "$dir/fetch.log" 2>&1 || true
		[ -n "$(orig)" ] && break
		[ $try = 3 ] && die "apt-get source kexec-tools/sid gave no .orig tarball, see $dir/fetch.log (deb-src line for sid? network? run: make deps)"
		sleep 10
	done
fi
cd "$dir"
rm -rf src
mkdir src
tar -xaf "$(orig)" -C src --strip-components=1 || die "cannot unpack $(orig)"

cd src
for p in ${patches[@]+"${patches[@]}"}; do
	echo "kexec-tools: applying $(basename "$p")"
	patch -p1 -s --no-backup-if-mismatch < "$p" || die "$(basename "$p") does not apply"
done

echo "kexec-tools: building static kexec"
(export CCACHE_BASEDIR=$top
	./configure -q --without-zlib --without-lzma --without-xen CC="ccache gcc" LDFLAGS=-static &&
	make -s -j"$(nproc)") > ../build.log 2>&1 ||
	die "build failed, see $dir/build.log"
strip -o "$dir/kexec" build/sbin/kexec
echo "$want" > "$dir/.stamp"
echo "kexec-tools: $dir/kexec ($(./build/sbin/kexec --version 2>&1 | head -n1))"
