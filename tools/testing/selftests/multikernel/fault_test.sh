#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Faults the host must survive, made with the kernel's fault injection
# (Documentation/fault-injection/; the harness's debug kernel has it):
# - every allocation that creating an instance makes fails in turn
#   (/proc/thread-self/fail-nth with failslab): each such create fails and
#   leaves nothing behind: no instance, no pool memory, no /proc/iomem or
#   /proc/interrupts entry, no device (/dev/multikernel1, /dev/ttyMK1,
#   mk1), the CPU as it was.  The CPU is offline before, so that the CPU
#   hotplug core's own unwinding is not what is tested.
# - a kill whose CPU does not prove it stopped (fail_multikernel_stop,
#   CONFIG_MULTIKERNEL_DEBUG): kill fails with ETIMEDOUT, the instance is
#   lost, destroy and unload fail with EBUSY and its CPU and memory stay
#   reserved; the next kill stops it and the host gets everything back.
# - a CPU moved out that does not prove it stopped: the move fails with
#   ETIMEDOUT and the CPU stays the instance's, until its kill.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

DBG=/sys/kernel/debug
CPU_SYS=/sys/devices/system/cpu

ktap_print_header
if [ ! -w /proc/thread-self/fail-nth ] || [ ! -d $DBG/failslab ] ||
   [ ! -d $DBG/fail_multikernel_stop ]; then
	ktap_skip_all "needs fail-nth, failslab and fail_multikernel_stop (fault injection)"
	exit "$KSFT_SKIP"
fi
mk_require_instances
cpu=$(mk_last_cpu)
mk_snapshot
ktap_set_plan 3

# No stack dump for each injected failure: it would read as a splat.
slab_wait=$(cat $DBG/failslab/ignore-gfp-wait)
slab_verbose=$(cat $DBG/failslab/verbose)
# The IRQ core creates /proc/irq/N best effort (register_irq_proc()
# ignores a failure) and warns when it removes an entry it did not
# create: no failure there (the stack filter, where the kernel has it).
irq_proc=$(sort /proc/kallsyms | awk '$3 == "register_irq_proc" { s = $1; next }
	s { print "0x" s, "0x" $1; exit }')
stop_verbose=$(cat $DBG/fail_multikernel_stop/verbose)
# shellcheck disable=SC2317 # called by the trap
restore() {
	echo 0 > /proc/thread-self/fail-nth 2>/dev/null
	echo "$slab_wait" > $DBG/failslab/ignore-gfp-wait
	echo "$slab_verbose" > $DBG/failslab/verbose
	if [ -e $DBG/failslab/reject-start ]; then
		echo 0 > $DBG/failslab/reject-start
		echo 0 > $DBG/failslab/reject-end
	fi
	echo 0 > $DBG/fail_multikernel_stop/probability
	echo "$stop_verbose" > $DBG/fail_multikernel_stop/verbose
	[ "$(cat $CPU_SYS/cpu"$cpu"/online)" = 1 ] || echo 1 > $CPU_SYS/cpu"$cpu"/online
}
trap restore EXIT
echo N > $DBG/failslab/ignore-gfp-wait
echo 0 > $DBG/failslab/verbose
if [ -e $DBG/failslab/reject-start ] && [ -n "$irq_proc" ]; then
	echo "${irq_proc% *}" > $DBG/failslab/reject-start
	echo "${irq_proc#* }" > $DBG/failslab/reject-end
fi
echo 0 > $DBG/fail_multikernel_stop/verbose

# Nothing of instance 1 anywhere, and the instances directory still there.
# Shell builtins only: it runs some 500 times, and starting a process
# costs a third of a create on the debug kernel under QEMU.
no_trace() {
	read -r nt_free < $MK/pool/free
	read -r nt_online < $CPU_SYS/cpu"$cpu"/online
	[ -d $MK/instances ] && [ ! -e $MK/instances/1 ] && [ ! -e /dev/multikernel1 ] &&
	[ ! -e /dev/ttyMK1 ] && [ ! -e /sys/class/net/mk1 ] &&
	[ "$nt_free" = "$mk_free" ] && [ "$nt_online" = 0 ] || return 1
	while read -r nt_line; do
		case $nt_line in
		*": Multikernel instance 1" | *": Multikernel instance 1 comm") return 1 ;;
		esac
	done < /proc/iomem
	while read -r nt_line; do
		case $nt_line in *" multikernel1") return 1 ;; esac
	done < /proc/interrupts
}

# Create instance 1 with the Nth fallible call of this shell failing, for
# N = 1, 2, ... until one where that call is never reached.  A create may
# also survive a failure (an allocation whose failure it tolerates).
each_allocation() {
	echo 0 > $CPU_SYS/cpu"$cpu"/online || return 1
	ea_n=1
	ea_failed=0
	ea_survived=0
	while [ $ea_n -le 3000 ]; do
		# In this shell, not a subshell: fail-nth is the task's.
		{ echo $ea_n > /proc/thread-self/fail-nth &&
		  echo "1 $cpu 2M" > $MK/create; } 2>/dev/null
		ea_rc=$?
		# What is left of N: 0 once the failure fired.  Opening the
		# file counts too; it fails when it was the Nth.
		ea_left=unread
		{ read -r ea_left < /proc/thread-self/fail-nth; } 2>/dev/null
		echo 0 > /proc/thread-self/fail-nth 2>/dev/null
		if [ "$ea_left" != 0 ]; then
			ktap_print_msg "create failed at $ea_failed calls and survived" \
				"$ea_survived; call $ea_n is past its end"
			[ $ea_rc = 0 ] && writes "destroy 1" $MK/destroy 1 0 && no_trace &&
				echo 1 > $CPU_SYS/cpu"$cpu"/online && [ $ea_failed -ge 10 ]
			return
		fi
		if [ $ea_rc = 0 ]; then
			ea_survived=$((ea_survived + 1))
			if ! { echo 1 > $MK/destroy; } 2>/dev/null; then
				ktap_print_msg "destroy 1 after call $ea_n failed failed"
				return 1
			fi
		else
			ea_failed=$((ea_failed + 1))
		fi
		if ! no_trace; then
			ktap_print_msg "call $ea_n failed: the create left something behind"
			return 1
		fi
		ea_n=$((ea_n + 1))
	done
	ktap_print_msg "create still reaching call $ea_n"
	return 1
}

if each_allocation; then
	ktap_test_pass "each allocation of a create fails in turn: nothing is left behind"
else
	ktap_test_fail "each allocation of a create fails in turn: nothing is left behind"
fi

# The next stop of an instance's CPU fails as if the CPU never proved it
# stopped.
lost() {
	id=$(mk_spawn idle -s "$cpu") && mk_wait_state "$id" running || return 1
	lo_free=$(cat $MK/pool/free)
	echo 1 > $DBG/fail_multikernel_stop/times &&
	echo 100 > $DBG/fail_multikernel_stop/probability &&
	writes "kill" $MK/instances/"$id"/state kill ETIMEDOUT &&
	is "state" "$(mk_state "$id")" lost &&
	dmesg | grep -q "instance $id: CPU $cpu did not stop" &&
	dmesg | grep -q "instance $id: lost: its CPUs and memory stay reserved" &&
	writes "destroy" $MK/destroy "$id" EBUSY &&
	! kexec -m -u --id="$id" >/dev/null 2>&1 &&
	is "state after destroy and unload" "$(mk_state "$id")" lost &&
	is "pool/free" "$(cat $MK/pool/free)" "$lo_free" &&
	grep -q "Multikernel instance $id\$" /proc/iomem &&
	is "CPU $cpu online" "$(cat $CPU_SYS/cpu"$cpu"/online)" 0 &&
	is "pool/cpus" "$(cat $MK/pool/cpus)" "$cpu" &&
	writes "start" $MK/instances/"$id"/state start EBUSY &&
	writes "second kill" $MK/instances/"$id"/state kill 0 &&
	is "state" "$(mk_state "$id")" stopped &&
	mk_finish "$id"
}

id=
desc="a CPU that does not prove it stopped: lost, nothing reclaimed until a kill works"
if lost; then
	ktap_test_pass "$desc"
else
	# A lost instance is killed again, or every later test fails.
	[ "$(mk_state "$id")" = lost ] && echo kill > $MK/instances/"$id"/state
	[ -n "$id" ] && [ -e $MK/instances/"$id" ] && mk_finish "$id"
	ktap_test_fail "$desc"
fi

# A CPU moved out (-N) whose stop is not proven stays the instance's; the
# kill stops it with proof and gives it back.
move_unproven() {
	[ "$cpu" -ge 3 ] || { ktap_print_msg "needs CPUs 0-3"; return 1; }
	id=$(mk_spawn idle -s "$((cpu - 1))-$cpu") && mk_wait_state "$id" running &&
		console_wait "$id" "mk-instance: services up" || return 1
	echo 1 > $DBG/fail_multikernel_stop/times &&
	echo 100 > $DBG/fail_multikernel_stop/probability &&
	writes "move out" $MK/instances/"$id"/cpus -"$cpu" ETIMEDOUT &&
	dmesg | grep -q "instance $id: CPU $cpu did not stop" &&
	dmesg | grep -q "instance $id: CPU $cpu stays the instance's" &&
	is "its CPUs" "$(cat $MK/instances/"$id"/cpus)" "$((cpu - 1))-$cpu" &&
	is "CPU $cpu online" "$(cat $CPU_SYS/cpu"$cpu"/online)" 0 &&
	is "state" "$(mk_state "$id")" running &&
	mk_finish "$id"
}

id=
desc="a CPU moved out that does not prove it stopped: ETIMEDOUT, it stays the instance's"
if move_unproven; then
	ktap_test_pass "$desc"
else
	echo 0 > $DBG/fail_multikernel_stop/probability
	[ -n "$id" ] && [ -e $MK/instances/"$id" ] && mk_finish "$id"
	ktap_test_fail "$desc"
fi

ktap_finished
