#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Restart in place: a stopped, killed or crashed instance starts again
# from the kernel it was loaded with, without a reload, through the
# state file and through kexec -m -e, and runs (a new boot: its uptime
# starts again, its console shows its init).  An instance whose CPUs were
# moved since its load is not restarted (EINVAL) and changes nothing.
# poll() on state and crash_count wakes its caller when the instance
# crashes (sysfs_notify()).
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
mk_snapshot
LKDTM=/sys/kernel/debug/provoke-crash/DIRECT
MSG=$DIR/mk_msg

ktap_set_plan 6

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

# armed FILE: the mk_msg notify writing to FILE read its file (60 s at
# most).
armed() {
	ar_i=0
	until grep -q "armed at" "$1"; do
		ar_i=$((ar_i + 1))
		[ $ar_i -le 300 ] || return 1
		sleep 0.2
	done
}

ok=1
nok=1
if [ -n "$id" ]; then
	# Waiters that are woken by the crash, or fail after 120 s.
	cc=$(cat $MK/instances/"$id"/crash_count)
	"$MSG" notify $MK/instances/"$id"/state crashed 120 > /tmp/restart_state 2>&1 &
	ns=$!
	"$MSG" notify $MK/instances/"$id"/crash_count $((cc + 1)) 120 \
		> /tmp/restart_count 2>&1 &
	nc=$!
	armed /tmp/restart_state && armed /tmp/restart_count
	mk_inside "$id" "echo PANIC > $LKDTM" >/dev/null 2>&1 &
	pi=$!
	# The shell it asked never answers: its exit status tells nothing.
	mk_wait_state "$id" crashed && { wait $pi; true; } &&
		echo start > $MK/instances/"$id"/state && up "$id" &&
		[ "$(cat $MK/instances/"$id"/uptime_ms)" -lt 60000 ] && ok=0
	wait $pi
	wait $ns && wait $nc && nok=0
	ktap_print_msg "$(cat /tmp/restart_state)"
	ktap_print_msg "$(cat /tmp/restart_count)"
fi
mk_result "a crashed instance starts again, a new boot" $ok
mk_result "poll() on state and crash_count wakes at the crash" $nok

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
