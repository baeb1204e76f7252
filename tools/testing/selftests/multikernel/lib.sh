#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the multikernel shell selftests; sourced after ktap_helpers.sh.

MK=/sys/kernel/multikernel
KERNEL=${MK_KERNEL:-/boot/bzImage}

# Skip the whole test unless a kexec with -m can load kernels here.
mk_require_kexec() {
	if ! kexec --help 2>&1 | grep -q -- --multikernel; then
		ktap_skip_all "no kexec with -m in PATH"
		exit "$KSFT_SKIP"
	fi
	if [ "$(cat /proc/sys/kernel/kexec_load_disabled)" = 1 ]; then
		ktap_skip_all "kexec_load_disabled is set"
		exit "$KSFT_SKIP"
	fi
}

# mk_require_pool BYTES: skip the whole test without a pool that large.
mk_require_pool() {
	if [ "$(cat $MK/pool/total)" -lt "$1" ]; then
		ktap_skip_all "needs a pool of $(($1 >> 20))M"
		exit "$KSFT_SKIP"
	fi
}

# Highest present CPU.
mk_last_cpu() {
	sed 's/.*[-,]//' /sys/devices/system/cpu/present
}

# Remember what the host has, to check later that it got everything back.
mk_snapshot() {
	mk_free=$(cat $MK/pool/free)
	mk_online=$(cat /sys/devices/system/cpu/online)
}

mk_host_unchanged() {
	[ "$(cat $MK/pool/free)" = "$mk_free" ] &&
	[ "$(cat /sys/devices/system/cpu/online)" = "$mk_online" ] &&
	[ -z "$(ls $MK/instances)" ]
}
