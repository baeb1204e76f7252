#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Leak check: start and kill an instance MK_CYCLES times (default 20); the
# pool's free bytes, the host's online CPUs and the list of instances must
# be the same afterwards as before, and every cycle must reach running.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

INITRD=${MK_INITRD:-/boot/instance.cpio}
CYCLES=${MK_CYCLES:-20}
BOOT_TIMEOUT=${MK_BOOT_TIMEOUT:-120}

ktap_print_header
mk_require_kexec
mk_require_pool $((128 << 20))
if [ ! -r "$INITRD" ]; then
	ktap_skip_all "no instance initramfs $INITRD"
	exit "$KSFT_SKIP"
fi
cpu=$(mk_last_cpu)
mk_snapshot

ktap_set_plan 2

# One cycle: load, start, wait for running, kill, unload and destroy.
cycle() {
	out=$(kexec -m -s --cpus="$cpu" --mem=128M --initrd="$INITRD" \
		--append="console=ttyS1 mk.instance=idle" "$KERNEL" 2>&1) || {
		ktap_print_msg "load: $out"
		return 1
	}
	id=$(echo "$out" | sed -n 's/^kexec: loaded multikernel instance \([0-9]*\)$/\1/p')
	kexec -m -e --id="$id" || return 1
	i=0
	while [ "$(cat $MK/instances/"$id"/state)" != running ]; do
		i=$((i + 1))
		if [ $i -gt "$BOOT_TIMEOUT" ]; then
			ktap_print_msg "instance $id not running after ${BOOT_TIMEOUT}s"
			kexec -m --kill --id="$id"
			kexec -m -u --id="$id" >/dev/null
			return 1
		fi
		sleep 1
	done
	kexec -m --kill --id="$id" && kexec -m -u --id="$id" >/dev/null
}

n=0
while [ $n -lt "$CYCLES" ] && cycle; do
	n=$((n + 1))
done
if [ $n -eq "$CYCLES" ]; then
	ktap_test_pass "$CYCLES start/kill cycles all reached running"
else
	ktap_test_fail "$CYCLES start/kill cycles all reached running (cycle $((n + 1)) failed)"
fi

if mk_host_unchanged; then
	ktap_test_pass "pool bytes, online CPUs and instances as before"
else
	ktap_print_msg "pool free $(cat $MK/pool/free) (was $mk_free)"
	ktap_print_msg "online $(cat /sys/devices/system/cpu/online) (was $mk_online)"
	ktap_test_fail "pool bytes, online CPUs and instances as before"
fi

ktap_finished
