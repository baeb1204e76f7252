#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Restart in place: a stopped, killed or crashed instance starts again
# from the kernel it was loaded with, without a reload, through the
# state file and through kexec -m -e, and runs (a new boot: its uptime
# starts again, its console shows its init).  An instance whose CPUs were
# moved since its load is not restarted (EINVAL) and changes nothing.
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

id=$(mk_spawn idle -s) && up "$id" || id=

ok=1
if [ -n "$id" ]; then
	echo stop > $MK/instances/"$id"/state && mk_wait_state "$id" stopped &&
		echo start > $MK/instances/"$id"/state && up "$id" && ok=0
fi
mk_result "a stopped instance starts again in place" $ok

ok=1
if [ -n "$id" ]; then
	kexec -m --kill --id="$id" && is state "$(mk_state "$id")" stopped &&
		kexec -m -e --id="$id" && up "$id" && ok=0
fi
mk_result "a killed instance starts again with kexec -m -e" $ok

ok=1
if [ -n "$id" ]; then
	mk_inside "$id" "echo PANIC > $LKDTM" >/dev/null 2>&1 &
	mk_wait_state "$id" crashed && wait &&
		echo start > $MK/instances/"$id"/state && up "$id" &&
		[ "$(cat $MK/instances/"$id"/uptime_ms)" -lt 60000 ] && ok=0
	wait
fi
mk_result "a crashed instance starts again, a new boot" $ok

ok=1
if [ -n "$id" ]; then
	mk_finish "$id" && ok=0
fi
mk_result "after three restarts, its unload gives everything back" $ok

# Its boot record names the CPUs it was loaded for.
ok=1
last=$(mk_last_cpu)
if id=$(mk_spawn idle -s $((last - 1))) && up "$id" &&
   writes "move in" $MK/instances/"$id"/cpus +"$last" 0; then
	kexec -m --kill --id="$id" &&
		writes "restart" $MK/instances/"$id"/state start EINVAL &&
		is state "$(mk_state "$id")" stopped && ok=0
fi
[ -n "$id" ] && { mk_finish "$id" || ok=1; }
mk_result "after a CPU moved in, a restart is refused (EINVAL), nothing changes" $ok

ktap_finished
