#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Recovery: with recovery "restart" a crashed or hung instance is started
# again in place by itself, crash_count counts, crash_log keeps the log
# of the last crash; after three restarts in a row it stays crashed.  An
# instance on two CPUs that crashes or hangs on its second CPU restarts
# on both.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
mk_snapshot
LKDTM=/sys/kernel/debug/provoke-crash/DIRECT

ktap_set_plan 7

# up ID: instance ID runs its init: running, and its services are up.
up() {
	mk_wait_state "$1" running && console_wait "$1" "mk-instance: services up"
}

# crashes ID N: instance ID's crash_count reaches N within 60 s.
crashes() {
	c_i=0
	until [ "$(cat $MK/instances/"$1"/crash_count)" = "$2" ]; do
		c_i=$((c_i + 1))
		if [ $c_i -gt 300 ]; then
			c_n=$(cat $MK/instances/"$1"/crash_count)
			ktap_print_msg "crash_count $c_n, wanted $2"
			return 1
		fi
		sleep 0.2
	done
}

# again ID N: crash N was followed by a restart: a new boot that runs.
again() {
	crashes "$1" "$2" && up "$1" &&
		[ "$(cat $MK/instances/"$1"/uptime_ms)" -lt 30000 ]
}

id=$(mk_spawn idle -s) && up "$id" || id=
[ -z "$id" ] && ktap_print_msg "no instance"

ok=1
if [ -n "$id" ]; then
	is recovery "$(cat $MK/instances/"$id"/recovery)" off &&
		is crash_count "$(cat $MK/instances/"$id"/crash_count)" 0 &&
		writes recovery $MK/instances/"$id"/recovery maybe EINVAL &&
		is recovery "$(cat $MK/instances/"$id"/recovery)" off && ok=0
	echo restart > $MK/instances/"$id"/recovery
fi
mk_result "recovery is off by default; a bad value is refused" $ok

ok=1
if [ -n "$id" ]; then
	mk_inside "$id" "echo PANIC > $LKDTM" >/dev/null 2>&1 &
	again "$id" 1 && grep -aq "Kernel panic" $MK/instances/"$id"/crash_log && ok=0
	wait
fi
mk_result "a crashed instance restarts by itself; crash_log keeps the panic" $ok

ok=1
if [ -n "$id" ]; then
	mk_inside "$id" "echo HARDLOCKUP > $LKDTM" >/dev/null 2>&1 &
	again "$id" 2 && ok=0
	wait
fi
mk_result "a hung instance is killed and restarts by itself" $ok

# logged TEXT: the host's log has TEXT within 10 s.
logged() {
	l_i=0
	until dmesg | grep -qF -- "$1"; do
		l_i=$((l_i + 1))
		if [ $l_i -gt 50 ]; then
			ktap_print_msg "no '$1' in the log"
			return 1
		fi
		sleep 0.2
	done
}

# The third crash in a row is restarted, the fourth is not: the host
# decides when it counts the crash, and says so; no restart is queued.
ok=1
if [ -n "$id" ]; then
	mk_inside "$id" "echo PANIC > $LKDTM" >/dev/null 2>&1 &
	again "$id" 3 && ok=0
	wait
	mk_inside "$id" "echo PANIC > $LKDTM" >/dev/null 2>&1 &
	crashes "$id" 4 || ok=1
	wait
	logged "instance $id: 3 restarts in a row did not help: not restarted" || ok=1
	if dmesg | grep -q "instance $id: .*: restart 4 of"; then
		ktap_print_msg "a fourth restart was queued"
		ok=1
	fi
	is state "$(mk_state "$id")" crashed || ok=1
fi
mk_result "after three restarts in a row it stays crashed" $ok

ok=1
[ -n "$id" ] && mk_finish "$id" && ok=0
mk_result "its unload gives everything back" $ok

# on_cpus ID N: instance ID runs again on all its N CPUs.
on_cpus() {
	oc_n=$(mk_inside "$1" nproc | tr -d '\r')
	is "instance $1: nproc" "$oc_n" "$2"
}

id=
if [ "$(mk_last_cpu)" -ge 3 ]; then
	id=$(mk_spawn idle -s 2-3) && up "$id" && on_cpus "$id" 2 &&
		echo restart > $MK/instances/"$id"/recovery || id=
	[ -z "$id" ] && ktap_print_msg "no instance on CPUs 2-3"
fi

desc="a two-CPU instance that panicked on its second CPU restarts on both"
ok=1
if [ "$(mk_last_cpu)" -lt 3 ]; then
	ktap_test_skip "$desc (needs CPUs 2-3)"
else
	if [ -n "$id" ]; then
		mk_inside "$id" "taskset -c 1 sh -c 'echo PANIC > $LKDTM'" >/dev/null 2>&1 &
		again "$id" 1 && on_cpus "$id" 2 &&
			grep -aq "Kernel panic" $MK/instances/"$id"/crash_log && ok=0
		wait
	fi
	mk_result "$desc" $ok
fi

desc="hung on its second CPU: killed, restarts on both; its unload gives both back"
ok=1
if [ "$(mk_last_cpu)" -lt 3 ]; then
	ktap_test_skip "$desc (needs CPUs 2-3)"
else
	if [ -n "$id" ]; then
		mk_inside "$id" "(taskset -c 1 sh -c 'echo HARDLOCKUP > $LKDTM' &)" >/dev/null 2>&1
		again "$id" 2 && on_cpus "$id" 2 && ok=0
		mk_finish "$id" || ok=1
	fi
	mk_result "$desc" $ok
fi

ktap_finished
