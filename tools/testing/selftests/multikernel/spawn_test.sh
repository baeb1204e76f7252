#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Start multikernel instances with "kexec -m" and watch the host survive:
# the instance (MK_KERNEL, default /boot/bzImage, with MK_INITRD, default
# /boot/instance.cpio) runs, reboots, halts or panics on request
# (mk.instance= on its command line), and two run at once; each time every
# CPU the host kept must run a task pinned to it, and the host gets the
# CPUs and memory back afterwards; the instance's kernel log (its console
# file) shows that its init ran (or the panic asked for), and no report.
# In x2APIC mode the instance is too.  Instance mode wins over acpi=force,
# pci=conf1, earlyprintk= and console=ttyS1 on the instance's command
# line: it drives no UART but the one multikernel_uart= gives it.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
cpu=$(mk_last_cpu)
mk_snapshot

ktap_set_plan 8

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
	echo "$out" | grep -q "already running" && [ "$(mk_state "$2")" = running ]
}

# check WHAT STATE [SYSCALL]
check() {
	what=$1
	want=$2
	syscall=${3:--s}
	desc="instance loaded with $syscall that does '$what' ends $want, host unharmed"
	id=
	t0=$(cut -d' ' -f1 /proc/uptime)
	if id=$(mk_spawn "$what" "$syscall") && mk_wait_state "$id" "$want" &&
	   ktap_print_msg "$what: load to $want in $(since "$t0") s" &&
	   started_once "$want" "$id" && ran "$id" "$what" &&
	   [ "$(cat /sys/devices/system/cpu/online)" != "$mk_online" ] && mk_host_cpus_work &&
	   mk_finish "$id"; then
		ktap_test_pass "$desc"
	else
		[ -n "$id" ] && mk_finish "$id"
		ktap_test_fail "$desc"
	fi
}

# ran ID WHAT: the instance's init ran, on one CPU, in the host's APIC
# mode, and did WHAT; a panic says so.
ran() {
	console_wait "$1" "mk-instance: up, kernel $(uname -r), 1 CPU, " &&
	console_wait "$1" " kB, will $2" || return 1
	if dmesg | grep -q "x2apic enabled"; then
		console_has "$1" "x2apic: enabled by BIOS, switching to x2apic ops" ||
			return 1
	fi
	[ "$2" != panic ] ||
		console_wait "$1" "Kernel panic - not syncing: Attempted to kill init!"
}

check idle running
check idle running -c
check reboot stopped
check halt stopped
check panic crashed

# kexec_load() (-c) of an instance on two CPUs: kexec -m builds the boot
# parameters with the host's boot record, the host starts both CPUs, and
# the instance sees both.
desc="instance on two CPUs loaded with -c runs on both, host unharmed"
id=
if [ "$cpu" -ge 2 ]; then
	two=$((cpu - 1))-$cpu
	if id=$(mk_spawn idle -c "$two") && mk_wait_state "$id" running &&
	   console_wait "$id" "mk-instance: up, kernel $(uname -r), 2 CPU, " &&
	   is cpus "$(cat $MK/instances/"$id"/cpus)" "$two" &&
	   is pool/cpus "$(cat $MK/pool/cpus)" "$two" &&
	   mk_host_cpus_work && mk_finish "$id"; then
		ktap_test_pass "$desc"
	else
		[ -n "$id" ] && mk_finish "$id"
		ktap_test_fail "$desc"
	fi
else
	ktap_test_skip "$desc (needs 3 CPUs)"
fi

# paging [ID]: "5-level" or "4-level", what the host (or instance ID,
# once its services are up) runs; /proc/cpuinfo shows la57 only while
# 5-level paging is on.
paging() {
	pg_cmd="grep -q '^flags.* la57' /proc/cpuinfo && echo 5-level || echo 4-level"
	if [ -n "$1" ]; then
		mk_inside "$1" "$pg_cmd"
	else
		eval "$pg_cmd"
	fi
}

# Instance mode wins over the instance's command line, which nothing
# verified: with acpi=force and pci=conf1 it still finds neither ACPI
# tables nor PCI buses, and says that it ignored them.  It runs its
# host's paging mode, whatever no5lvl says: switching would take the
# host's memory below 1 MiB (on a 4-level host, a CPU with 5-level paging
# makes an instance without no5lvl want to switch too).
desc="acpi=, pci=, earlyprintk=, console=ttyS1 and no5lvl on an instance's command line are ignored"
id=
ignored="acpi=force pci=conf1 earlyprintk=serial,ttyS1 console=ttyS1 no5lvl"
host_paging=$(paging)
if [ "$host_paging" = 5-level ]; then
	no5lvl="multikernel: instance: no5lvl ignored: the host runs 5-level paging"
else
	no5lvl=
fi
if id=$(mk_spawn idle -s "$cpu" "$ignored") &&
   mk_wait_state "$id" running &&
   console_has "$id" "multikernel: instance: acpi= on the command line ignored: no ACPI" &&
   console_has "$id" "multikernel: instance: pci= on the command line ignored: no PCI" &&
   console_has "$id" "multikernel: instance: earlyprintk= ignored: no multikernel_uart=" &&
   { [ -z "$no5lvl" ] || console_has "$id" "$no5lvl"; } &&
   console_wait "$id" "mk-instance: services up" &&
   is paging "$(paging "$id")" "$host_paging" &&
   console_lacks "$id" "ACPI: RSDP" && console_lacks "$id" "ACPI: Core revision" &&
   console_lacks "$id" "PCI: Using configuration type" &&
   console_lacks "$id" "bootconsole [earlyser" && console_lacks "$id" "ttyS1 at I/O" &&
   mk_finish "$id"; then
	ktap_test_pass "$desc"
else
	[ -n "$id" ] && mk_finish "$id"
	ktap_test_fail "$desc"
fi

# Two instances at once, on the last two CPUs; each is started while the
# other runs, and killing one leaves the other running.
desc="two instances run at once, each stops alone, host unharmed"
a=
b=
if [ "$cpu" -ge 3 ] && [ "$(cat $MK/pool/total)" -ge $((264 << 20)) ]; then
	if a=$(mk_spawn idle -s "$cpu") && b=$(mk_spawn idle -s $((cpu - 1))) &&
	   mk_wait_state "$a" running && mk_wait_state "$b" running && mk_host_cpus_work &&
	   kexec -m --kill --id="$a" && [ "$(mk_state "$b")" = running ] &&
	   kexec -m --kill --id="$b" && mk_unload "$a" && mk_unload "$b" && mk_host_unchanged; then
		ktap_test_pass "$desc"
	else
		for id in $a $b; do
			mk_finish "$id"
		done
		ktap_test_fail "$desc"
	fi
else
	ktap_test_skip "$desc (needs 4 CPUs and a pool of 264M)"
fi

ktap_finished
