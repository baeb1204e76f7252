#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The start and stop timeouts: an instance that does not report running
# within start_timeout_ms of its start, or stopped within stop_timeout_ms
# of a stop request, is stopped without its help and is crashed, with
# the reason.  Out-of-range settings are refused and change nothing.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
mk_snapshot
LKDTM=/sys/kernel/debug/provoke-crash/DIRECT

ktap_set_plan 3

start0=$(cat $MK/start_timeout_ms)
stop0=$(cat $MK/stop_timeout_ms)
hb0=$(cat $MK/heartbeat_timeout_ms)
restore() {
	echo "$start0" > $MK/start_timeout_ms
	echo "$stop0" > $MK/stop_timeout_ms
	echo "$hb0" > $MK/heartbeat_timeout_ms
}

ok=0
for f in start_timeout_ms stop_timeout_ms; do
	was=$(cat $MK/$f)
	writes "$f" $MK/$f 99 ERANGE || ok=1
	writes "$f" $MK/$f 600001 ERANGE || ok=1
	writes "$f" $MK/$f 0 ERANGE || ok=1
	writes "$f" $MK/$f x EINVAL || ok=1
	is "$f" "$(cat $MK/$f)" "$was" || ok=1
done
mk_result "out-of-range timeouts are refused, nothing changes" $ok

# 100 ms is less than any boot to running takes here (seconds under QEMU).
ok=1
echo 100 > $MK/start_timeout_ms
if id=$(mk_spawn idle -s); then
	mk_wait_state "$id" crashed &&
		is "crash_reason" "$(cat $MK/instances/"$id"/crash_reason)" "start timeout" &&
		ok=0
	restore
	mk_finish "$id" || ok=1
fi
restore
mk_result "an instance not running within start_timeout_ms: crashed, start timeout" $ok

# Its only CPU spins with interrupts off: the stop request is never read.
ok=1
echo 60000 > $MK/heartbeat_timeout_ms
if id=$(mk_spawn idle -s) && mk_wait_state "$id" running &&
   console_wait "$id" "mk-instance: services up"; then
	mk_inside "$id" "echo HARDLOCKUP > $LKDTM" >/dev/null 2>&1 &
	mk_silent "$id" 2000 && echo 1000 > $MK/stop_timeout_ms &&
		echo stop > $MK/instances/"$id"/state &&
		is "state" "$(mk_state "$id")" stopping &&
		mk_wait_state "$id" crashed &&
		is "crash_reason" "$(cat $MK/instances/"$id"/crash_reason)" "stop timeout" &&
		ok=0
	wait
	restore
	mk_finish "$id" || ok=1
fi
restore
mk_result "an instance not stopped within stop_timeout_ms: crashed, stop timeout" $ok

ktap_finished
