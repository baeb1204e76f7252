#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a static build/kexec-tools/kexec: Debian's kexec-tools source
# (apt-get source kexec-tools, 2.0.25 with Debian's patches; cached in
# /var/cache/multikernel, or $MK_CACHE) plus every
# kexec-tools/*.patch of this repository, applied in name order.
# Rebuilt only when the patches change.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/kexec-tools
die() { echo "kexec-tools: $*" >&2; exit 1; }

mkdir -p "$dir"
patches=()
for p in "$top"/kexec-tools/*.patch; do [ -e "$p" ] && patches+=("$p"); done
want=$({ echo v1; cat ${patches[@]+"${patches[@]}"} </dev/null; } | sha1sum | cut -d' ' -f1)
if [ -x "$dir/kexec" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$want" ]; then
	exit 0
fi

# The Debian source package is kept outside the checkout, like ccache, so
# fresh clones on this machine do not depend on the mirror.
cache=${MK_CACHE:-/var/cache/multikernel}/kexec-tools
mkdir -p "$cache"
if ! ls "$cache"/kexec-tools_*.dsc >/dev/null 2>&1; then
	echo "kexec-tools: apt-get source kexec-tools"
	for try in 1 2 3; do
		(cd "$cache" && apt-get source --download-only -qq kexec-tools) \
			> "$dir/fetch.log" 2>&1 && break
		[ $try = 3 ] && die "apt-get source kexec-tools failed 3 times, see $dir/fetch.log (deb-src line? network? run: make deps)"
		sleep 10
	done
fi
dsc=$(ls "$cache"/kexec-tools_*.dsc | head -n1)
cd "$dir"
rm -rf src
dpkg-source -q -x "$dsc" src >> fetch.log 2>&1 || die "dpkg-source -x $dsc failed"

cd src
for p in ${patches[@]+"${patches[@]}"}; do
	echo "kexec-tools: applying $(basename "$p")"
	patch -p1 -s --no-backup-if-mismatch < "$p" || die "$(basename "$p") does not apply"
done

echo "kexec-tools: building static kexec"
(./configure -q --without-zlib --without-lzma --without-xen LDFLAGS=-static &&
	make -s -j"$(nproc)") > ../build.log 2>&1 ||
	die "build failed, see $dir/build.log"
strip -o "$dir/kexec" build/sbin/kexec
echo "$want" > "$dir/.stamp"
echo "kexec-tools: $dir/kexec ($(./build/sbin/kexec --version 2>&1 | head -n1))"
