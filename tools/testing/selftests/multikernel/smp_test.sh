#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Instances on several CPUs: every CPU list the host must refuse, two- and
# three-CPU instances that see exactly their CPUs (nproc, numbering from
# 0), a parallel workload that runs faster on two CPUs than on one, and
# kill, stop, and a panic and a hard lockup on a CPU other than the boot
# CPU, each giving every CPU back.  An instance on the two CPUs with the
# highest APIC ids brings both up (above 255 on a host that has such:
# QEMU with 128 cores a socket).  Needs a host with CPUs 1-3 (QEMU -smp 4).
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
if [ "$(mk_last_cpu)" -lt 3 ]; then
	ktap_skip_all "needs CPUs 0-3"
	exit "$KSFT_SKIP"
fi
mk_snapshot
# In the instance (its init mounts debugfs).
LKDTM=/sys/kernel/debug/provoke-crash/DIRECT

ktap_set_plan 10

# refuses LIST ERRNO: creating an instance on LIST fails with ERRNO and
# changes nothing.
refuses() {
	writes "CPUs $1" $MK/create "9 $1 2M" "$2" && mk_host_unchanged
}

ok=0
refuses 0-1 EINVAL || ok=1		# the boot CPU
refuses 1,1 EINVAL || ok=1		# twice
refuses 2-1 EINVAL || ok=1		# backwards
refuses 1,,2 EINVAL || ok=1
refuses "" EINVAL || ok=1
refuses 1-40 E2BIG || ok=1		# more than 32
refuses 1,4095 ENODEV || ok=1		# absent
mk_result "bad CPU lists are refused, nothing changes" $ok

# A CPU another instance owns, alone or in a list.
ok=1
if echo "8 3 2M" > $MK/create; then
	writes "owned" $MK/create "9 2-3 2M" EBUSY &&
	writes "owned" $MK/create "9 3 2M" EBUSY &&
	[ "$(ls $MK/instances)" = 8 ] && ok=0
	echo 8 > $MK/destroy
fi
mk_host_unchanged || ok=1
mk_result "a list with an owned CPU is refused, nothing changes" $ok

# smp_boots LIST N: an instance on LIST reaches running and sees N CPUs,
# numbered 0..N-1, and the host sees it report N online; prints its id.
smp_boots() {
	sb_id=$(mk_spawn idle -s "$1") || return 1
	echo "$sb_id"
	mk_wait_state "$sb_id" running >&2 &&
		console_wait "$sb_id" "mk-instance: services up" >&2 || return 1
	sb_cpus=$(cat $MK/instances/"$sb_id"/cpus)
	sb_n=$(mk_inside "$sb_id" nproc | tr -d '\r')
	sb_on=$(mk_inside "$sb_id" "cat /sys/devices/system/cpu/online" | tr -d '\r')
	sb_want=0-$(($2 - 1))
	# Reported with the heartbeat: one more beat after services up.
	sleep 0.3
	sb_rep=$(cat $MK/instances/"$sb_id"/cpus_online)
	[ "$sb_cpus" = "$1" ] && [ "$sb_n" = "$2" ] && [ "$sb_on" = "$sb_want" ] &&
		[ "$sb_rep" = "$2" ] && return 0
	ktap_print_msg >&2 "instance on $1: cpus '$sb_cpus', nproc '$sb_n',"
	ktap_print_msg >&2 "  online '$sb_on', cpus_online '$sb_rep'"
	return 1
}

id=$(smp_boots 1-3 3)
mk_result "a three-CPU instance runs and sees CPUs 0-2" $?
[ -n "$id" ] && mk_finish "$id"
mk_result "killing it gives all three CPUs back" $?

id=$(smp_boots 2-3 2)
mk_result "a two-CPU instance runs and sees CPUs 0-1" $?

# The same CPU-bound work, two jobs: both on CPU 0, then on CPUs 0 and 1.
# Median of 5 of each, in ms, in the same instance.
work='i=0; while [ $i -lt 60000 ]; do i=$((i+1)); done'
up="cut -d' ' -f1 /proc/uptime"
job="t0=\$($up); (taskset -c 0 sh -c '$work' & taskset -c %s sh -c '$work' & wait)"
job="$job; echo \$t0 \$($up)"
ms() {
	mk_inside "$id" "$(printf "$job" "$1")" | tr -d '\r' |
		awk 'NF == 2 { printf "%d\n", ($2 - $1) * 1000 }'
}
median5() {
	sort -n | sed -n 3p
}
# Interleaved, so that what else the machine does weighs on both alike.
if [ -n "$id" ]; then
	times=$(for i in 1 2 3 4 5; do
		echo "one $(ms 0)"
		echo "two $(ms 1)"
	done)
	one=$(echo "$times" | sed -n 's/^one //p' | median5)
	two=$(echo "$times" | sed -n 's/^two //p' | median5)
fi
ktap_print_msg "two jobs on one CPU: ${one:-?} ms, on two CPUs: ${two:-?} ms (medians of 5)"
# Both CPUs run at once: time is the feature here.  Two CPUs that run at
# once take 0.5x; one CPU, or two that QEMU runs by turns, 1.0x or more.
# Under QEMU on two host cores the ratio here spreads from 0.4 to 0.7
# (make bench's target is 0.6x); the bound, 0.9x, leaves 0.2 above that
# for a busier machine and still fails when the second CPU does not run.
[ -n "$one" ] && [ -n "$two" ] && [ "$one" -gt 0 ] && [ $((two * 10)) -le $((one * 9)) ]
mk_result "a parallel workload on two CPUs takes at most 0.9x its time on one" $?

# A panic on the instance's second CPU: crashed, its log kept.
ok=1
if [ -n "$id" ]; then
	mk_inside "$id" "taskset -c 1 sh -c 'echo PANIC > $LKDTM'" >/dev/null 2>&1 &
	mk_wait_state "$id" crashed && ok=0
	wait
	grep -aq "Kernel panic" $MK/instances/"$id"/console || ok=1
	mk_finish "$id" || ok=1
fi
mk_result "a panic on its second CPU: crashed, every CPU back" $ok

# A hard lockup on the instance's second CPU stops its heartbeat: hung.
ok=1
if id=$(smp_boots 2-3 2); then
	mk_inside "$id" "(taskset -c 1 sh -c 'echo HARDLOCKUP > $LKDTM' &)" >/dev/null 2>&1
	mk_wait_state "$id" hung && ok=0
	mk_finish "$id" || ok=1
fi
mk_result "a hard lockup on its second CPU: hung, killed, every CPU back" $ok

# The two CPUs with the highest APIC ids, the boot CPU aside.
hi=$(awk '/^processor/ { p = $3 } /^apicid/ && p != 0 { print $3, p }' /proc/cpuinfo |
	sort -n | tail -n 2)
hi_apic=$(echo "$hi" | awk '{ printf "%s%s", s, $1; s = " " }')
hi_list=$(echo "$hi" | awk '{ print $2 }' | sort -n | tr '\n' ' ' |
	awk '{ print ($2 == $1 + 1) ? $1 "-" $2 : $1 "," $2 }')
ktap_print_msg "CPUs $hi_list have APIC ids $hi_apic"
ok=1
if id=$(smp_boots "$hi_list" 2); then
	mk_finish "$id" && ok=0
else
	[ -n "$id" ] && mk_finish "$id"
fi
mk_result "an instance on the CPUs with the highest APIC ids brings both up" $ok

# A graceful stop parks both CPUs.
ok=1
if id=$(smp_boots 2-3 2); then
	echo stop > $MK/instances/"$id"/state
	mk_wait_state "$id" stopped && mk_finish "$id" && ok=0
fi
mk_result "a stopped two-CPU instance gives both CPUs back" $ok

ktap_finished
