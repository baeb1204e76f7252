#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Moving CPUs into and out of a running instance ("+N" and "-N" written
# to instances/<id>/cpus) while a workload runs in it: the instance sees
# the CPU come and go (nproc), the host sees it go and come back, and
# the workload goes on.  Every refused move changes nothing, and an
# instance that does not answer leaves every CPU where it was: the host
# gets back a CPU it was moving in, the instance keeps one it was asked
# for.  An answer that comes late is not lost: the CPU ends up in one
# kernel, running.  Moves do not disturb a CPU the instance has not woken
# yet.  A move that waits for one instance holds up no other.  Needs a
# host with CPUs 1-3 (QEMU -smp 4).
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
LKDTM=/sys/kernel/debug/provoke-crash/DIRECT
CPU=/sys/devices/system/cpu

ktap_set_plan 10

# sees ID CPUS N: the host lists CPUS for instance ID, which has N online.
sees() {
	s_cpus=$(cat $MK/instances/"$1"/cpus)
	s_n=$(mk_inside "$1" nproc | tr -d '\r')
	[ "$s_cpus" = "$2" ] && [ "$s_n" = "$3" ] && return 0
	ktap_print_msg "instance $1: cpus '$s_cpus', nproc '$s_n'; wanted '$2', $3"
	cat $MK/instances/"$1"/console | tail -n 5 | while read -r l; do
		ktap_print_msg "instance $1: $l"
	done
	return 1
}

# host_cpu N STATE: host CPU N is online (1) or not (0).
host_cpu() {
	is "host CPU $1 online" "$(cat $CPU/cpu"$1"/online)" "$2"
}

# working ID: the workload started in instance ID still runs.
working() {
	mk_inside "$1" 'kill -0 $(cat /tmp/work) && echo alive' | grep -q alive && return 0
	ktap_print_msg "instance $1: the workload is gone"
	return 1
}

# working_start ID: start a workload in instance ID (see working).
working_start() {
	mk_inside "$1" \
		"sh -c 'while :; do :; done' >/dev/null 2>&1 & echo \$! > /tmp/work" >/dev/null
}

id=$(mk_spawn idle -s 2) && mk_wait_state "$id" running &&
	console_wait "$id" "mk-instance: services up" || id=
working_start "$id"

ok=1
[ -n "$id" ] && writes "move in" $MK/instances/"$id"/cpus +3 0 &&
	sees "$id" 2-3 2 && host_cpu 3 0 && working "$id" && ok=0
mk_result "a CPU moves into a running instance, which brings it up" $ok

ok=1
[ -n "$id" ] && writes "move out" $MK/instances/"$id"/cpus -3 0 &&
	sees "$id" 2 1 && host_cpu 3 1 && working "$id" &&
	timeout 30 taskset -c 3 true && ok=0
mk_result "the CPU moves back out: online in the host again, runs a task" $ok

# The same CPU in, out and in again, then its kill takes both back.
ok=1
[ -n "$id" ] && writes "in" $MK/instances/"$id"/cpus +3 0 &&
	writes "out" $MK/instances/"$id"/cpus -3 0 &&
	writes "in again" $MK/instances/"$id"/cpus +3 0 &&
	sees "$id" 2-3 2 && working "$id" && ok=0
# A task runs on the CPU moved in: the highest online one.
mk_inside "$id" "taskset -c \$(sed 's/.*[-,]//' $CPU/online) echo ran" | grep -q ran || ok=1
[ -n "$id" ] && { mk_finish "$id" || ok=1; }
mk_result "in, out and in again; killing it gives both CPUs back" $ok

# refused VALUE ERRNO: moving VALUE fails with ERRNO and changes nothing.
refused() {
	r_on=$(cat $CPU/online)
	writes "move" $MK/instances/"$id"/cpus "$1" "$2" &&
		is "host CPUs after '$1'" "$(cat $CPU/online)" "$r_on" &&
		is "its CPUs after '$1'" "$(cat $MK/instances/"$id"/cpus)" 2
}

ok=1
if id=$(mk_spawn idle -s 2) && mk_wait_state "$id" running; then
	ok=0
	refused 3 EINVAL || ok=1		# no sign
	refused +x EINVAL || ok=1
	refused +0 EINVAL || ok=1		# the host's boot CPU
	refused -2 EINVAL || ok=1		# the instance's boot CPU
	refused +2 EBUSY || ok=1		# its own
	refused -3 ENXIO || ok=1		# not its
	refused +4095 ENODEV || ok=1
	if echo "8 1 2M" > $MK/create; then	# another instance's
		refused +1 EBUSY || ok=1
		echo 8 > $MK/destroy
	else
		ok=1
	fi
	mk_finish "$id" || ok=1
fi
mk_result "bad moves are refused with their errno, nothing changes" $ok

ok=1
if id=$(mk_spawn idle -s 2); then
	kexec -m --kill --id="$id" && writes "stopped" $MK/instances/"$id"/cpus +3 EINVAL && ok=0
	mk_finish "$id" || ok=1
fi
mk_result "an instance that does not run takes no CPU" $ok

# CPU 2 waits in the park area (maxcpus=1) while CPU 3 moves in and out:
# the moves must not write the loop it runs, and it must still wake.
ok=1
if id=$(mk_spawn idle -s 1-2 maxcpus=1) && mk_wait_state "$id" running &&
   console_wait "$id" "mk-instance: services up"; then
	ok=0
	# The host sees the CPU the instance did not bring up.
	is "cpus_online, maxcpus=1" "$(cat $MK/instances/"$id"/cpus_online)" 1 ||
		ok=1
	for round in 1 2 3 4 5; do
		writes "in, round $round" $MK/instances/"$id"/cpus +3 0 &&
			writes "out, round $round" $MK/instances/"$id"/cpus -3 0 ||
			{ ok=1; break; }
	done
	mk_inside "$id" "echo 1 > $CPU/cpu1/online" >/dev/null
	sees "$id" 1-2 2 || ok=1
	sleep 0.3
	is "cpus_online" "$(cat $MK/instances/"$id"/cpus_online)" 2 || ok=1
	is "state" "$(mk_state "$id")" running || ok=1
fi
[ -n "$id" ] && { mk_finish "$id" || ok=1; }
mk_result "moves leave a CPU parked since the start alone: it wakes after 5 rounds" $ok

# inject_late ID MS: instance ID answers its next move MS ms late.
inject_late() {
	mk_inside "$1" "echo 'move_late $2' > /sys/kernel/debug/multikernel/inject && echo set" |
		grep -q set
}

# The instance brings the CPU up but answers after the host's 10 s: the
# host must not INIT a CPU the instance runs on, but ask for it back.
ok=1
if id=$(mk_spawn idle -s 2) && mk_wait_state "$id" running &&
   console_wait "$id" "mk-instance: services up" && working_start "$id"; then
	inject_late "$id" 13000 &&
		writes "late in" $MK/instances/"$id"/cpus +3 ETIMEDOUT &&
		host_cpu 3 1 && sees "$id" 2 1 && working "$id" &&
		is "state" "$(mk_state "$id")" running && ok=0
	if ! grep -aq "CPU [0-9]* (0x3) given back to the host" $MK/instances/"$id"/console; then
		ktap_print_msg "the instance never gave CPU 3 back"
		ok=1
	fi
fi
[ -n "$id" ] && { mk_finish "$id" || ok=1; }
mk_result "a move in answered late: the CPU comes back to the host, the instance runs on" $ok

# The instance gives the CPU up but answers late: the CPU stays its own
# until a second "-3", which it answers with "not mine", takes it back.
ok=1
if id=$(mk_spawn idle -s 2) && mk_wait_state "$id" running &&
   console_wait "$id" "mk-instance: services up" && working_start "$id"; then
	writes "in" $MK/instances/"$id"/cpus +3 0 && inject_late "$id" 13000 &&
		writes "late out" $MK/instances/"$id"/cpus -3 ETIMEDOUT &&
		host_cpu 3 0 && is "its CPUs" "$(cat $MK/instances/"$id"/cpus)" 2-3 &&
		writes "out again" $MK/instances/"$id"/cpus -3 0 &&
		host_cpu 3 1 && sees "$id" 2 1 && working "$id" && ok=0
fi
[ -n "$id" ] && { mk_finish "$id" || ok=1; }
mk_result "a move out answered late: a second one takes the CPU back" $ok

# silent_done ID: kill instance ID, which answers nothing, wait for the
# commands that spin in it, unload it; the host must have all it had.
silent_done() {
	sd_rc=0
	kexec -m --kill --id="$1" || sd_rc=1
	wait
	mk_unload "$1" || sd_rc=1
	mk_host_unchanged || sd_rc=1
	return $sd_rc
}

# Every CPU of the instance spins with interrupts off: it answers nothing.
# The heartbeat timeout is raised so that it stays running meanwhile.
ok=1
hb=$(cat $MK/heartbeat_timeout_ms)
echo 60000 > $MK/heartbeat_timeout_ms
if id=$(mk_spawn idle -s 2-3) && mk_wait_state "$id" running &&
   console_wait "$id" "mk-instance: services up"; then
	spin="sh -c 'echo HARDLOCKUP > $LKDTM'"
	mk_inside "$id" "(taskset -c 1 $spin &); taskset -c 0 $spin" >/dev/null 2>&1 &
	mk_silent "$id" 2000 &&
		writes "silent, in" $MK/instances/"$id"/cpus +1 ETIMEDOUT &&
		host_cpu 1 1 &&
		writes "silent, out" $MK/instances/"$id"/cpus -3 ETIMEDOUT &&
		host_cpu 3 0 && is "its CPUs" "$(cat $MK/instances/"$id"/cpus)" 2-3 &&
		is "state" "$(mk_state "$id")" running && ok=0
	silent_done "$id" || ok=1
fi
echo "$hb" > $MK/heartbeat_timeout_ms
mk_result "an instance that does not answer: ETIMEDOUT, every CPU where it was" $ok

# ms: the host's uptime in ms.
ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# quick WHAT CMD...: CMD succeeds in under 5 s.  It takes 40-120 ms on
# the plain kernel under QEMU, up to 2.1 s on the debug kernel while the
# silent instance's CPU spins (starting processes, taking a CPU offline
# and online); a wait for the other instance's move takes 9 s or more.
quick() {
	q_what=$1
	shift
	q_t0=$(ms)
	if ! "$@"; then
		ktap_print_msg "$q_what failed"
		return 1
	fi
	q_ms=$(($(ms) - q_t0))
	ktap_print_msg "$q_what: $q_ms ms"
	[ "$q_ms" -lt 5000 ] && return 0
	ktap_print_msg "$q_what waited: another instance's move holds it up"
	return 1
}

# reads ID: read instance ID's state, cpus and heartbeat_age_ms.
reads() {
	cat $MK/instances/"$1"/state $MK/instances/"$1"/cpus \
		$MK/instances/"$1"/heartbeat_age_ms > /dev/null
}

# Instance A does not answer, and three moves into it wait for it, 10 s
# each.  Meanwhile instance B is created, loaded, started, read, killed
# and destroyed, and A's files are read: each step but the load at once
# (quick), while A's moves still wait.  Nothing waits for A under a lock
# that B needs.
ok=1
echo 60000 > $MK/heartbeat_timeout_ms
if a=$(mk_spawn idle -s 2) && mk_wait_state "$a" running &&
   console_wait "$a" "mk-instance: services up"; then
	mk_inside "$a" "sh -c 'echo HARDLOCKUP > $LKDTM'" >/dev/null 2>&1 &
	if mk_silent "$a" 2000; then
		(for i in 1 2 3; do mk_write $MK/instances/"$a"/cpus +3; done) \
			> /tmp/move_a &
		moves=$!
		sleep 1
		b=$((a + 1))
		quick "create B" writes "create B" $MK/create "$b 1 128M" 0 &&
			kexec -m -s --id="$b" --initrd="$INITRD" \
				--append="${UART_ARGS:+$UART_ARGS }mk.instance=idle" \
				"$KERNEL" > /dev/null &&
			quick "start B" kexec -m -e --id="$b" &&
			quick "read B" reads "$b" &&
			quick "read A" reads "$a" &&
			quick "kill B" kexec -m --kill --id="$b" &&
			quick "destroy B" mk_unload "$b" &&
			is "A's moves still wait" "$(kill -0 $moves && echo yes)" yes &&
			ok=0
		[ -d $MK/instances/"$b" ] && { mk_finish "$b" || ok=1; }
		wait $moves
		is "A's moves" "$(tr '\n' ' ' < /tmp/move_a)" \
			"ETIMEDOUT ETIMEDOUT ETIMEDOUT " ||
			ok=1
	fi
	silent_done "$a" || ok=1
fi
echo "$hb" > $MK/heartbeat_timeout_ms
mk_result "a move that waits for one instance holds up no other" $ok

ktap_finished
