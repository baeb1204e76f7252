#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build build/obj/arch/x86/boot/bzImage from build/linux: tinyconfig plus
# harness/config/*.config merged with the tree's merge_config.sh, compiled
# through ccache.  The same bzImage is the QEMU host and the instance.
# Also installs the UAPI headers (build/obj/usr/include) for the selftests.
#   harness/kernel.sh [--debug] [--prepare]
# --debug:   the debug kernel, with harness/debug.config on top, in
#            build/obj-debug (same tree, same ccache).
# --prepare: configure and `make prepare` only, so that single objects
#            can be built (check.sh's W=1 pass, before the one link).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
obj=$top/build/obj
frags=("$top"/harness/config/*.config)
prepare=0
for a in "$@"; do
	case "$a" in
	--debug) obj=$top/build/obj-debug; frags+=("$top/harness/debug.config") ;;
	--prepare) prepare=1 ;;
	*) echo "usage: kernel.sh [--debug] [--prepare]" >&2; exit 2 ;;
	esac
done
jobs=${JOBS:-$(nproc)}

die() { echo "kernel: $*" >&2; exit 1; }
[ -f "$tree/Makefile" ] || die "no tree in $tree (run: make tree)"
command -v ccache >/dev/null || die "ccache missing (run: make deps)"

# The cache lives outside the checkout (ccache's default directory), so a
# fresh clone reuses it; BASEDIR makes the clone's path not matter.
export CCACHE_BASEDIR=$top
ccache -M 5G >/dev/null
# Same objects whatever the checkout path or build time.
export KBUILD_BUILD_TIMESTAMP="2026-11-01" KBUILD_BUILD_USER=mk KBUILD_BUILD_HOST=mk
mk() { make -s -C "$tree" O="$obj" ARCH=x86_64 CC="ccache gcc" "$@"; }

mkdir -p "$obj"
want=$({ cat "${frags[@]}"; cat "$tree/.git/mk-series" 2>/dev/null || true; } |
	sha1sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.mk-config" 2>/dev/null)" != "$want" ]; then
	echo "kernel: configuring (tinyconfig + ${frags[*]##*/})"
	mk tinyconfig >/dev/null
	(cd "$tree" && KCONFIG_CONFIG="$obj/.config" \
		scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "${frags[@]}") \
		> "$obj/merge_config.log" 2>&1 || die "merge_config.sh failed, see $obj/merge_config.log"
	mk olddefconfig
	# Every option we asked for must have survived olddefconfig.
	bad=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		grep -qxF "$line" "$obj/.config" || { echo "kernel: $line did not stick" >&2; bad=1; }
	done < <(cat "${frags[@]}")
	[ $bad = 0 ] || die "config fragment options missing (dependencies?)"
	echo "$want" > "$obj/.mk-config"
fi

if [ $prepare = 1 ]; then
	mk -j"$jobs" prepare || die "make prepare failed"
	exit 0
fi
echo "kernel: building bzImage with $jobs jobs"
mk -j"$jobs" bzImage || die "kernel build failed"
mk headers >/dev/null || die "make headers failed"
echo "kernel: $obj/arch/x86/boot/bzImage"
