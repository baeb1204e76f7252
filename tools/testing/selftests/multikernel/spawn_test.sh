#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Start multikernel instances with "kexec -m" and watch the host survive:
# the instance (MK_KERNEL, default /boot/bzImage, with MK_INITRD, default
# /boot/instance.cpio) runs, reboots, halts or panics on request
# (mk.instance= on its command line), and two run at once; each time the
# host must keep its CPUs and finish a workload, and get the CPUs and
# memory back afterwards.
# The instance's console is ttyS1: whoever owns that port (a test harness)
# can check what the instance printed.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

INITRD=${MK_INITRD:-/boot/instance.cpio}
# Seconds an instance may take to boot; TCG is slow.
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
online=$mk_online

ktap_set_plan 6

state() {
	cat $MK/instances/"$1"/state 2>/dev/null
}

# wait_state ID STATE...: until the instance is in one of STATEs.
wait_state() {
	id=$1
	shift
	i=0
	while [ $i -lt "$BOOT_TIMEOUT" ]; do
		s=$(state "$id")
		for want in "$@"; do
			[ "$s" = "$want" ] && return 0
		done
		sleep 1
		i=$((i + 1))
	done
	ktap_print_msg "instance $id: state $s after ${BOOT_TIMEOUT}s, wanted $*"
	return 1
}

# A bounded workload on the host's CPUs: must finish while the instance runs.
host_works() {
	start=$(cut -d. -f1 /proc/uptime)
	n=0
	while [ $n -lt 20000 ]; do
		n=$((n + 1))
	done
	took=$(( $(cut -d. -f1 /proc/uptime) - start ))
	[ "$took" -lt 60 ] || { ktap_print_msg "host workload took ${took}s"; return 1; }
}

# spawn WHAT SYSCALL [CPU]: load (kexec -m -s or -c) and start an instance
# that will do WHAT; prints its id (and nothing else on stdout).
spawn() {
	out=$(kexec -m "$2" --cpus="${3:-$cpu}" --mem=128M --initrd="$INITRD" \
		--append="console=ttyS1 earlyprintk=serial,ttyS1,115200 mk.instance=$1" \
		"$KERNEL" 2>&1)
	id=$(echo "$out" | sed -n 's/^kexec: loaded multikernel instance \([0-9]*\)$/\1/p')
	if [ -z "$id" ]; then
		ktap_print_msg "load failed: $out" >&2
		return 1
	fi
	if ! out=$(kexec -m -e --id="$id" 2>&1); then
		ktap_print_msg "start failed: $out" >&2
		kexec -m -u --id="$id" >/dev/null 2>&1
		return 1
	fi
	echo "$id"
}

# finish ID: take everything back; the host must have all it had.
finish() {
	case "$(state "$1")" in
	starting|running|hung)
		kexec -m --kill --id="$1" || return 1 ;;
	esac
	kexec -m -u --id="$1" >/dev/null || return 1
	mk_host_unchanged
}

# since T0: seconds (one decimal) since uptime T0.
since() {
	awk -v t0="$1" '{ printf "%.1f", $1 - t0 }' /proc/uptime
}

# Starting what runs already is refused, and changes nothing.
started_once() {
	[ "$1" = running ] || return 0
	if out=$(kexec -m -e --id="$2" 2>&1); then
		ktap_print_msg "second start of instance $2 worked"
		return 1
	fi
	echo "$out" | grep -q "already running" && [ "$(state "$2")" = running ]
}

# check WHAT STATE [SYSCALL]
check() {
	what=$1
	want=$2
	syscall=${3:--s}
	desc="instance loaded with $syscall that does '$what' ends $want, host unharmed"
	id=
	t0=$(cut -d' ' -f1 /proc/uptime)
	if id=$(spawn "$what" "$syscall") && wait_state "$id" "$want" &&
	   ktap_print_msg "$what: load to $want in $(since "$t0") s" &&
	   started_once "$want" "$id" &&
	   [ "$(cat /sys/devices/system/cpu/online)" != "$online" ] && host_works &&
	   finish "$id"; then
		ktap_test_pass "$desc"
	else
		[ -n "$id" ] && finish "$id"
		ktap_test_fail "$desc"
	fi
}

check idle running
check idle running -c
check reboot stopped
check halt stopped
check panic crashed

# Two instances at once, on the last two CPUs; each is started while the
# other runs, and killing one leaves the other running.
desc="two instances run at once, each stops alone, host unharmed"
a=
b=
if [ "$cpu" -ge 3 ] && [ "$(cat $MK/pool/total)" -ge $((256 << 20)) ]; then
	if a=$(spawn idle -s "$cpu") && b=$(spawn idle -s $((cpu - 1))) &&
	   wait_state "$a" running && wait_state "$b" running && host_works &&
	   kexec -m --kill --id="$a" && [ "$(state "$b")" = running ] &&
	   kexec -m --kill --id="$b" && kexec -m -u --id="$a" >/dev/null &&
	   kexec -m -u --id="$b" >/dev/null && mk_host_unchanged; then
		ktap_test_pass "$desc"
	else
		for id in $a $b; do
			finish "$id"
		done
		ktap_test_fail "$desc"
	fi
else
	ktap_test_skip "$desc (needs 4 CPUs and a pool of 256M)"
fi

ktap_finished
