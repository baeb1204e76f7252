#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the harness needs on a Debian 12 machine (run as root).
# Idempotent: packages already installed are not touched, apt is only run
# when something is missing.
set -euo pipefail

pkgs=(
	build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils
	ccache sparse python3 python3-ply python3-git perl git rsync kmod
	linux-source-6.12 qemu-system-x86 busybox-static
	dpkg-dev file
)

die() { echo "deps: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get install)"
command -v apt-get >/dev/null || die "needs a Debian system with apt-get"

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done

# `apt-get source kexec-tools` needs a deb-src line for the main suite.
src_list=/etc/apt/sources.list.d/multikernel-src.sources
need_src=0
if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	. /etc/os-release
	cat > "$src_list" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: ${VERSION_CODENAME:-bookworm}
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_src=1
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_src = 1 ]; then
	echo "deps: installing: ${missing[*]:-(deb-src index only)}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	if [ ${#missing[@]} -gt 0 ]; then
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install failed for: ${missing[*]}"
	fi
fi

ls /usr/src/linux-source-6.12.tar.xz >/dev/null 2>&1 ||
	die "linux-source-6.12 installed but /usr/src/linux-source-6.12.tar.xz is missing"
echo "deps: ok"
