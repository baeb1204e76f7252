#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# An instance never shares a core with the host: threads of a core share
# caches, branch predictors and microcode.  Creating an instance on a CPU
# whose core has a thread online in the host fails with EXDEV and changes
# nothing; once the host took that thread offline it works, the thread
# cannot come online while the instance owns its sibling (EBUSY), and it
# can again afterwards.  Two instances may share a core, and one instance
# may have both threads.  An instance started on such a CPU runs.  A CPU
# moved into a running instance obeys the same rule: a thread of the boot
# CPU's core is refused (EXDEV) and nothing changes, the other thread of
# the instance's own core moves in.
# Needs SMT: QEMU -smp ...,threads=2
# (harness/qemu.sh -T).
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

CPU_SYS=/sys/devices/system/cpu

ktap_print_header
cpu=$(mk_last_cpu)
# The other thread of the last CPU's core.
sib=$(mk_cpulist "$(cat $CPU_SYS/cpu"$cpu"/topology/thread_siblings_list 2>/dev/null)" |
      grep -vx "$cpu" | head -n 1)
boot_sib=$(mk_cpulist "$(cat $CPU_SYS/cpu0/topology/thread_siblings_list)" | grep -vx 0 |
	   head -n 1)
if [ -z "$sib" ] || [ -z "$boot_sib" ] || [ "$sib" = 0 ]; then
	ktap_skip_all "needs two cores of two threads"
	exit "$KSFT_SKIP"
fi
mk_require_pool $((132 << 20))
mk_snapshot
ktap_set_plan 7

online() {
	cat $CPU_SYS/cpu"$1"/online
}

# create ID CPU ERRNO: creating instance ID (2M) on CPU gives ERRNO.
create() {
	writes "create $1 on CPU $2" $MK/create "$1 $2 2M" "$3"
}

# unchanged: what the host has is as before, and says so.
unchanged() {
	mk_host_unchanged && return 0
	ktap_print_msg "host changed: pool free $(cat $MK/pool/free) (was $mk_free)," \
		"online $(cat $CPU_SYS/online) (was $mk_online)"
	return 1
}

# result DESC STATUS
result() {
	if [ "$2" = 0 ]; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
	fi
}

create 1 "$boot_sib" EXDEV && unchanged
result "CPU $boot_sib, a thread of the boot CPU's core: EXDEV, nothing changed" $?

create 1 "$cpu" EXDEV && unchanged &&
	dmesg | grep -q "CPU $cpu shares its core with host CPU $sib"
result "CPU $cpu while its thread $sib is online: EXDEV, nothing changed, a log line" $?

# The host gives up the core's other thread first.
both() {
	writes "offline CPU $sib" $CPU_SYS/cpu"$sib"/online 0 0 &&
	create 1 "$cpu" 0 &&
	writes "online CPU $sib" $CPU_SYS/cpu"$sib"/online 1 EBUSY &&
	is "CPU $sib online" "$(online "$sib")" 0 &&
	writes "destroy 1" $MK/destroy 1 0 &&
	is "CPU $cpu online" "$(online "$cpu")" 1 &&
	writes "online CPU $sib" $CPU_SYS/cpu"$sib"/online 1 0 && unchanged
}
both
result "with thread $sib offline: created; $sib stays offline meanwhile; all back after" $?

# Two instances on one core: neither thread is the host's.
shared() {
	writes "offline CPU $sib" $CPU_SYS/cpu"$sib"/online 0 0 &&
	create 1 "$cpu" 0 && create 2 "$sib" 0 &&
	writes "destroy 1" $MK/destroy 1 0 &&
	is "CPU $cpu online while instance 2 has $sib" "$(online "$cpu")" 0 &&
	dmesg | grep -q "instance 1: CPU $cpu stays offline: its core's CPU $sib belongs" &&
	writes "destroy 2" $MK/destroy 2 0 &&
	writes "online CPU $sib" $CPU_SYS/cpu"$sib"/online 1 0 &&
	writes "online CPU $cpu" $CPU_SYS/cpu"$cpu"/online 1 0 && unchanged
}
shared
result "two instances share a core; its threads come back to the host with the last" $?

id=
ran() {
	writes "offline CPU $sib" $CPU_SYS/cpu"$sib"/online 0 0 &&
	id=$(mk_spawn idle -s "$cpu") && mk_wait_state "$id" running &&
	mk_host_cpus_work && kexec -m --kill --id="$id" && mk_unload "$id" &&
	writes "online CPU $sib" $CPU_SYS/cpu"$sib"/online 1 0 && unchanged
}
ran
result "an instance on CPU $cpu, with thread $sib offline, runs" $?

# count TEXT: lines of the host's log with TEXT.
count() {
	dmesg | grep -cF -- "$1"
}

id=
moves() {
	mv_log="CPU $boot_sib shares its core with host CPU 0"
	mv_seen=$(count "$mv_log")
	writes "offline CPU $sib" $CPU_SYS/cpu"$sib"/online 0 0 &&
	id=$(mk_spawn idle -s "$cpu") && mk_wait_state "$id" running &&
	console_wait "$id" "mk-instance: services up" &&
	mv_on=$(cat $CPU_SYS/online) &&
	writes "move CPU $boot_sib in" $MK/instances/"$id"/cpus +"$boot_sib" EXDEV &&
	is "host CPUs" "$(cat $CPU_SYS/online)" "$mv_on" &&
	is "its CPUs" "$(cat $MK/instances/"$id"/cpus)" "$cpu" &&
	is "log lines '$mv_log'" "$(count "$mv_log")" $((mv_seen + 1)) &&
	writes "move CPU $sib in" $MK/instances/"$id"/cpus +"$sib" 0 &&
	is "nproc" "$(mk_inside "$id" nproc | tr -d '\r')" 2 &&
	kexec -m --kill --id="$id" && mk_unload "$id" &&
	writes "online CPU $sib" $CPU_SYS/cpu"$sib"/online 1 0 && unchanged
}
moves
ok=$?
# What a failed check left behind: the next test needs both threads.
if [ $ok != 0 ] && [ -n "$id" ] && [ -e $MK/instances/"$id" ]; then
	kexec -m --kill --id="$id" >/dev/null 2>&1
	kexec -m -u --id="$id" >/dev/null 2>&1
	[ "$(online "$sib")" = 1 ] || echo 1 > $CPU_SYS/cpu"$sib"/online
fi
result "moves into an instance on CPU $cpu: $boot_sib EXDEV, nothing changed; $sib moves in" $ok

# One instance on both threads of a core: no thread is the host's, and
# both come back online.
whole() {
	lo=$sib hi=$cpu
	[ "$sib" -gt "$cpu" ] && lo=$cpu hi=$sib
	id=$(mk_spawn idle -s "$lo,$hi") && mk_wait_state "$id" running &&
	want="$lo,$hi"
	[ "$hi" = $((lo + 1)) ] && want="$lo-$hi"
	is "its CPUs" "$(cat $MK/instances/"$id"/cpus)" "$want" &&
	mk_host_cpus_work && mk_finish "$id"
}
whole
result "an instance on both threads of a core ($sib and $cpu) runs; both come back" $?

# Whatever failed: no instance left, every CPU back.
for d in "$MK"/instances/*; do
	[ -d "$d" ] || continue
	echo kill > "$d"/state 2>/dev/null
	echo "${d##*/}" > $MK/destroy
done
for c in "$sib" "$cpu"; do
	[ "$(online "$c")" = 1 ] || echo 1 > $CPU_SYS/cpu"$c"/online
done

ktap_finished
