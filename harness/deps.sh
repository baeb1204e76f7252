#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the harness needs on a Debian 12 machine (run as root).
# Idempotent: apt is only run when something is missing.
#
# Three things come from newer suites, each pinned so that nothing else
# does:
#   linux-source-7.3   trixie-backports (arch all; needs binutils, xz-utils)
#   kexec-tools source sid, for `apt-get source` only (harness/kexec-tools.sh)
#   sparse source      sid, likewise (harness/sparse.sh)
#   qemu-system-x86    bookworm-backports (10.x: x2APIC under TCG)
set -euo pipefail

pkgs=(
	build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils lz4
	ccache python3 python3-ply python3-git perl git rsync kmod
	busybox-static dpkg-dev file socat
	git-absorb stgit b4
)
linux_suite=trixie-backports
linux_pkg=linux-source-7.3
qemu_suite=bookworm-backports
qemu_major=10

die() { echo "deps: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get install)"
command -v apt-get >/dev/null || die "needs a Debian system with apt-get"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
need_linux=0
installed "$linux_pkg" || need_linux=1
need_qemu=0
# No QEMU yet is not an error (set -e would end the script here).
v=$(qemu-system-x86_64 --version 2>/dev/null |
    sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p' || true)
[ "${v:-0}" -ge $qemu_major ] || need_qemu=1

# The extra suites.  Priority 1: apt takes nothing from trixie-backports or
# sid unless asked by name; bookworm-backports is not-automatic already.
list=/etc/apt/sources.list.d/multikernel.sources
pin=/etc/apt/preferences.d/multikernel
want_list="Types: deb
URIs: http://deb.debian.org/debian
Suites: $linux_suite $qemu_suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
want_pin="Package: *
Pin: release n=$linux_suite
Pin-Priority: 1

Package: *
Pin: release n=sid
Pin-Priority: 1"
need_update=0
if [ "$(cat "$list" 2>/dev/null)" != "$want_list" ] || [ "$(cat "$pin" 2>/dev/null)" != "$want_pin" ]; then
	echo "$want_list" > "$list"
	echo "$want_pin" > "$pin"
	need_update=1
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_linux = 1 ] || [ $need_qemu = 1 ] || [ $need_update = 1 ]; then
	export DEBIAN_FRONTEND=noninteractive
	echo "deps: installing: ${missing[*]} $([ $need_linux = 1 ] && echo "$linux_pkg/$linux_suite") $([ $need_qemu = 1 ] && echo "qemu-system-x86/$qemu_suite")"
	apt-get update -qq || die "apt-get update failed"
	if [ ${#missing[@]} -gt 0 ] || [ $need_linux = 1 ]; then
		extra=()
		[ $need_linux = 1 ] && extra+=("$linux_pkg/$linux_suite")
		apt-get install -y -qq --no-install-recommends ${missing[@]+"${missing[@]}"} \
			${extra[@]+"${extra[@]}"} >/dev/null ||
			die "apt-get install failed for: ${missing[*]} ${extra[*]}"
	fi
	if [ $need_qemu = 1 ]; then
		apt-get install -y -qq --no-install-recommends -t "$qemu_suite" \
			qemu-system-x86 >/dev/null ||
			die "apt-get install -t $qemu_suite qemu-system-x86 failed"
	fi
fi

ls /usr/src/$linux_pkg.tar.xz >/dev/null 2>&1 ||
	die "$linux_pkg installed but /usr/src/$linux_pkg.tar.xz is missing"
echo "deps: ok"
