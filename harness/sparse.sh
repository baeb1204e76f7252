#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build build/sparse/sparse from Debian sid's sparse source (0.6.5~rc1;
# cached in /var/cache/multikernel, or $MK_CACHE).  Linux (since 7.2) wants a
# sparse that knows __typeof_unqual__ (scripts/checker-valid.sh), which
# bookworm's 0.6.4 does not; sid builds it, but only as a source package
# for bookworm's libc, so it is built here, without its optional parts.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/sparse
die() { echo "sparse: $*" >&2; exit 1; }

[ -x "$dir/sparse" ] && exit 0
cache=${MK_CACHE:-/var/cache/multikernel}/sparse-sid
mkdir -p "$cache" "$dir"
if ! ls "$cache"/sparse_*.dsc >/dev/null 2>&1; then
	echo "sparse: apt-get source sparse/sid"
	(cd "$cache" && apt-get source --download-only -qq sparse/sid) \
		> "$dir/fetch.log" 2>&1 || die "apt-get source sparse/sid failed, see $dir/fetch.log (run: make deps)"
fi
dsc=$(ls "$cache"/sparse_*.dsc | sort -V | tail -n1)
rm -rf "$dir/src"
dpkg-source -q -x "$dsc" "$dir/src" > "$dir/build.log" 2>&1 || die "dpkg-source -x $dsc failed"
CCACHE_BASEDIR=$top make -s -C "$dir/src" -j"$(nproc)" CC="ccache gcc" HAVE_LLVM=no HAVE_GTK=no HAVE_SQLITE=no \
	HAVE_BOOLECTOR=no sparse >> "$dir/build.log" 2>&1 || die "build failed, see $dir/build.log"
cp "$dir/src/sparse" "$dir/sparse"
echo "sparse: $dir/sparse ($("$dir/sparse" --version))"
