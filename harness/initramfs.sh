#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build build/initramfs.cpio for the QEMU host: busybox, static kexec,
# harness/guest/init, the installed kselftests, the kernel's AF_VSOCK suite
# (vsock_test, and harness/vsock_suite.sh that runs it) and the bzImage
# itself (the kernel the host loads into instances), packed with the kernel's
# own usr/gen_init_cpio.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
obj=$top/build/obj
ksft=$top/build/kselftest
out=$top/build/initramfs.cpio
die() { echo "initramfs: $*" >&2; exit 1; }

gen=$obj/usr/gen_init_cpio
[ -x "$gen" ] || die "$gen missing (run: make kernel)"
[ -x "$top/build/kexec-tools/kexec" ] || die "no static kexec (run: make kexec-tools)"
busybox=$(command -v busybox) || die "busybox missing (run: make deps)"
file -L "$busybox" | grep -q 'statically linked' || die "$busybox is not static (busybox-static)"

echo "initramfs: building kselftests"
rm -rf "$ksft"
make -s -C "$tree/tools/testing/selftests" O="$obj" TARGETS=multikernel \
	LDFLAGS=-static INSTALL_PATH="$ksft" install > "$top/build/kselftest.log" 2>&1 ||
	die "kselftest build failed, see build/kselftest.log"

# The kernel's own AF_VSOCK suite (tools/testing/vsock/vsock_test), run by
# harness/vsock_suite.sh between the host and an instance.  Its Makefile
# builds where its sources are, with the uapi headers of the tree's
# usr/include: so it builds in a copy of them (build/vsock-src), next to
# links to the tree's tools/include and to the headers of this tree
# (installed in build/vsock-hdr).
echo "initramfs: building vsock_test"
vsrc=$top/build/vsock-src
vsock_test=$vsrc/tools/testing/vsock/vsock_test
{
	make -C "$tree" O="$top/build/vsock-hdr" ARCH=x86_64 headers &&
	rm -rf "$vsrc" && mkdir -p "$vsrc/tools/testing" "$vsrc/usr" &&
	cp -a "$tree/tools/testing/vsock" "$vsrc/tools/testing/" &&
	ln -s "$tree/tools/include" "$vsrc/tools/include" &&
	ln -s "$top/build/vsock-hdr/usr/include" "$vsrc/usr/include" &&
	make -C "$vsrc/tools/testing/vsock" vsock_test LDFLAGS=-static
} > "$top/build/vsock_test.log" 2>&1 || die "vsock_test build failed, see build/vsock_test.log"
file "$vsock_test" | grep -q 'statically linked' || die "$vsock_test is not static"

# The instance's own initramfs: busybox, harness/guest/instance-init,
# mk_echo and mk_sock (from the kselftests just built), the other ends of
# the message, vsock, network and console tests, and vsock_test.
mk_echo=$ksft/multikernel/mk_echo
mk_sock=$ksft/multikernel/mk_sock
[ -x "$mk_echo" ] && [ -x "$mk_sock" ] || die "mk_echo or mk_sock missing, see build/kselftest.log"
cat > "$top/build/instance.list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /bin 0755 0 0
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
file /bin/busybox $busybox 0755 0 0
slink /bin/sh busybox 0777 0 0
file /bin/mk_echo $mk_echo 0755 0 0
file /bin/mk_sock $mk_sock 0755 0 0
file /bin/vsock_test $vsock_test 0755 0 0
file /init $top/harness/guest/instance-init 0755 0 0
LIST
"$gen" "$top/build/instance.list" > "$top/build/instance.cpio" ||
	die "gen_init_cpio failed for the instance"

# Debian's socat, as users have it (dynamically linked: with its
# libraries and loader), for the vsock tests on the host.
socat=$(command -v socat) || die "socat missing (run: make deps)"
socat_libs=$(ldd "$socat" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }')
[ -n "$socat_libs" ] || die "cannot list socat's libraries"

list=$top/build/initramfs.list
{
	cat <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /bin 0755 0 0
dir /sbin 0755 0 0
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
dir /root 0700 0 0
file /bin/busybox $busybox 0755 0 0
slink /bin/sh busybox 0777 0 0
file /init $top/harness/guest/init 0755 0 0
file /sbin/kexec $top/build/kexec-tools/kexec 0755 0 0
dir /boot 0755 0 0
file /boot/bzImage $obj/arch/x86/boot/bzImage 0644 0 0
file /boot/instance.cpio $top/build/instance.cpio 0644 0 0
file /bin/socat $socat 0755 0 0
file /bin/vsock_test $vsock_test 0755 0 0
file /bin/vsock_suite $top/harness/vsock_suite.sh 0755 0 0
LIST
	# Each directory once, parents first, then the libraries.
	for lib in $socat_libs; do
		d=$(dirname "$lib")
		while [ "$d" != / ]; do
			echo "$d"
			d=$(dirname "$d")
		done
	done | sort -u | sed 's/.*/dir & 0755 0 0/'
	for lib in $socat_libs; do
		echo "file $lib $(readlink -f "$lib") 0755 0 0"
	done
	(cd "$ksft" && find . -mindepth 1 | sort) | while read -r f; do
		p=${f#.}
		if [ -d "$ksft/$f" ]; then
			echo "dir /kselftest$p 0755 0 0"
		else
			echo "file /kselftest$p $ksft/$f $(stat -c %a "$ksft/$f") 0 0"
		fi
	done | sed '1i dir /kselftest 0755 0 0'
} > "$list"
"$gen" "$list" > "$out" || die "gen_init_cpio failed"
echo "initramfs: $out ($(( $(stat -c %s "$out") / 1024 )) KiB)"
