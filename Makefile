# SPDX-License-Identifier: GPL-2.0
#
# Multikernel for Linux: one entry point for the harness.  Run as root on
# Debian 12.  Everything is built in build/ (ignored by git).
#
#   make check   build everything, boot QEMU, run every test ("N passed, N failed")
#   make demo    boot the patched host in QEMU and show what works today
#   make shell   boot the patched host with an interactive shell
#   make bench   message round trips and throughput, spawn vs cold boot
#   make cycles  the leak check: 100 spawn/kill cycles (make check does 5)
#
# The steps, in order (each also a target):
#   deps         apt-get what the harness needs
#   tree         build/linux: base tarball as git, then `git am series/*`
#   export       series/ and the kernel files here, from build/linux's multikernel branch
#   absorb       edits to the kernel files here into that branch (git absorb), then export
#   kernel       tinyconfig + harness/config/*.config, bzImage (ccache)
#   kexec-tools  static kexec from Debian's source + kexec-tools/*.patch
#   initramfs    busybox, kexec, kselftests, packed with usr/gen_init_cpio
#   bisect       build the kernel at every patch of the series (slow)
#   configs      build with each optional part off: KEXEC_FILE, KHO, vsock, net,
#                hvc, MULTIKERNEL_DEBUG, KUnit, MULTIKERNEL itself (slow)

H := harness

.PHONY: all check demo shell bench cycles deps tree export absorb kernel kexec-tools initramfs bisect configs clean

all: check

check:
	@bash $(H)/check.sh

deps:
	@bash $(H)/deps.sh

tree: deps
	@bash $(H)/mktree.sh

export: deps
	@bash $(H)/export.sh

absorb: deps
	@bash $(H)/absorb.sh

kernel: tree
	@bash $(H)/kernel.sh

kexec-tools: deps
	@bash $(H)/kexec-tools.sh

initramfs: kernel kexec-tools
	@bash $(H)/initramfs.sh

demo: initramfs
	@bash $(H)/qemu.sh demo mk.run=demo kunit.enable=0 kho=on multikernel_pool=512M@1G
	@sed -n '/^mk-harness: begin demo/,/^mk-harness: end demo/p' build/logs/demo.log | \
		grep -v '^mk-harness: '
	@echo "(full log: build/logs/demo.log)"

bench: initramfs
	@bash $(H)/bench.sh

cycles: initramfs
	@bash $(H)/cycles.sh

shell: initramfs
	@bash $(H)/qemu.sh -i shell mk.run=shell multikernel_pool=512M@1G

bisect: tree
	@bash $(H)/bisect.sh

configs: tree
	@bash $(H)/configs.sh

clean:
	rm -rf build/obj build/kexec-tools build/kselftest build/logs build/initramfs.*
