#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Recovery: with recovery "restart" a crashed or hung instance is started
# again in place by itself, crash_count counts, crash_log keeps the log
# of the last crash; after three restarts in a row it stays crashed.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
mk_snapshot
LKDTM=/sys/kernel/debug/provoke-crash/DIRECT

ktap_set_plan 5

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

# The third crash in a row is restarted, the fourth is not.
ok=1
if [ -n "$id" ]; then
	mk_inside "$id" "echo PANIC > $LKDTM" >/dev/null 2>&1 &
	again "$id" 3 && ok=0
	wait
	mk_inside "$id" "echo PANIC > $LKDTM" >/dev/null 2>&1 &
	crashes "$id" 4 || ok=1
	wait
	sleep 10
	is state "$(mk_state "$id")" crashed || ok=1
fi
mk_result "after three restarts in a row it stays crashed" $ok

ok=1
[ -n "$id" ] && mk_finish "$id" && ok=0
mk_result "its unload gives everything back" $ok

ktap_finished
