#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Monitoring and lifecycle of multikernel instances through sysfs
# (/sys/kernel/multikernel/instances/ID/): what a running instance shows,
# transitions that must be refused and change nothing, a graceful stop
# through the state file and through "kexec -m --stop", a start and a kill
# through the state file, a crash, a hang (and a hang the instance recovers
# from), and two instances at once of which one crashes.  After each case
# the host must have its CPUs and pool memory back.
# The instances (MK_KERNEL with MK_INITRD, see lib.sh) run on the last two
# CPUs; harness/guest/instance-init does what mk.instance= says.  The test
# sets heartbeat_timeout_ms for the hang cases and restores it.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
# One running instance (128M) and one created-only instance (64M) at once.
mk_require_pool $((256 << 20))
cpu_a=$(mk_last_cpu)
cpu_b=$((cpu_a - 1))
if [ "$cpu_a" -lt 2 ]; then
	ktap_skip_all "needs 3 CPUs"
	exit "$KSFT_SKIP"
fi
# The ids of the instances there are.
instances() {
	for in_d in "$MK"/instances/*; do
		[ -d "$in_d" ] && printf '%s ' "${in_d##*/}"
	done
}
# An instance an earlier test left behind is that test's failure, and
# would make every count here wrong: fail, do not skip.
if [ -n "$(instances)" ]; then
	ktap_set_plan 1
	ktap_test_fail "no instance exists before the test (found: $(instances))"
	ktap_finished
fi
mk_snapshot
hb_old=$(cat $MK/heartbeat_timeout_ms)
# What an instance of 128M takes from the pool (with its communication
# area); measured in case 1.
inst_cost=$((132 << 20))
# The marker harness/guest/instance-init writes to /dev/kmsg.
MARKER=" kB, will "
APPEND="${UART_ARGS:+$UART_ARGS }mk.instance="

# Whatever happens: the heartbeat timeout as it was, no instance left.
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ "$(cat "$MK"/heartbeat_timeout_ms)" != "$hb_old" ]; then
		echo "$hb_old" > "$MK"/heartbeat_timeout_ms
	fi
	for d in "$MK"/instances/*; do
		[ -d "$d" ] || continue
		ktap_print_msg "cleanup: instance ${d##*/} ($(cat "$d"/state)) left"
		reap "${d##*/}"
	done
}
trap cleanup EXIT
trap 'exit "$KSFT_FAIL"' INT TERM

ktap_set_plan 10

# within WHAT GOT LOW HIGH: GOT is an integer in LOW..HIGH.
within() {
	case "$2" in
	''|-|*[!0-9-]*|?*-*)
		ktap_print_msg "$1: '$2' is not a number"
		return 1 ;;
	esac
	[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] && return 0
	ktap_print_msg "$1: $2, wanted $3..$4"
	return 1
}

# attr ID FILE: an instance's sysfs file.
attr() {
	cat "$MK/instances/$1/$2"
}


# poll_state ID SECONDS STATE...: like mk_wait_state, every 0.2 s.
poll_state() {
	ps_id=$1
	ps_n=$(($2 * 5))
	shift 2
	while :; do
		ps_s=$(mk_state "$ps_id")
		for ps_want in "$@"; do
			[ "$ps_s" = "$ps_want" ] && return 0
		done
		[ $ps_n -gt 0 ] || break
		ps_n=$((ps_n - 1))
		sleep 0.2
	done
	ktap_print_msg "instance $ps_id: state $ps_s, wanted $*"
	return 1
}

# reap ID: take an instance back whatever its state, without checks.
reap() {
	[ -n "$1" ] && [ -d "$MK/instances/$1" ] || return 0
	case "$(mk_state "$1")" in
	starting|running|stopping|hung)
		kexec -m --kill --id="$1" >/dev/null 2>&1 ;;
	esac
	kexec -m -u --id="$1" >/dev/null 2>&1
}

# cpu_online CPU: 1 or 0.
cpu_online() {
	cat /sys/devices/system/cpu/cpu"$1"/online
}

# result DESC STATUS: one test line.
result() {
	if [ "$2" = 0 ]; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
	fi
}

# 1. What a running instance shows.  It stays for cases 2 and 3.
inst=
running_files() {
	inst=$(mk_spawn idle -s "$cpu_a") && mk_wait_state "$inst" running ||
		return 1
	rf_cost=$((mk_free - $(cat $MK/pool/free)))
	[ "$rf_cost" -gt 0 ] && inst_cost=$rf_cost
	rf_timeout=$(cat $MK/heartbeat_timeout_ms)
	rf_up0=$(attr "$inst" uptime_ms)
	sleep 1
	rf_up1=$(attr "$inst" uptime_ms)
	is state "$(attr "$inst" state)" running &&
	is cpus "$(attr "$inst" cpus)" "$cpu_a" &&
	is pool/cpus "$(cat $MK/pool/cpus)" "$cpu_a" &&
	is memory_size "$(attr "$inst" memory_size)" $((128 << 20)) &&
	is release "$(attr "$inst" release)" "$(uname -r)" &&
	within boot_ms "$(attr "$inst" boot_ms)" 1 119999 &&
	within "uptime_ms growth over 1 s ($rf_up0 to $rf_up1)" \
		$((rf_up1 - rf_up0)) 500 3000 &&
	within heartbeat_age_ms "$(attr "$inst" heartbeat_age_ms)" 0 "$rf_timeout" &&
	is crash_reason "$(attr "$inst" crash_reason)" "" &&
	is msg_dropped "$(attr "$inst" msg_dropped)" 0 &&
	console_wait "$inst" "${MARKER}idle" 30 &&
	console_has "$inst" "Linux version" &&
	console_has "$inst" "multikernel: instance $inst, "
}
running_files
result "running instance: its sysfs files, pool/cpus and console show it" $?

# 2. Requests that must be refused, and change nothing.
refused_running() {
	if [ -z "$inst" ] || [ "$(mk_state "$inst")" != running ]; then
		ktap_print_msg "no running instance from case 1"
		return 1
	fi
	writes "start running instance" "$MK/instances/$inst/state" start EBUSY &&
	is "state after start" "$(mk_state "$inst")" running &&
	mk_busy "load into the running instance" kexec -m -s --id="$inst" \
		--initrd="$INITRD" --append="${APPEND}idle" "$KERNEL" &&
	is "state after load" "$(mk_state "$inst")" running &&
	# The central refusal: nothing takes an executing instance's memory.
	writes "destroy running instance" $MK/destroy "$inst" EBUSY &&
	mk_busy "kexec_file_load unload of the running instance" \
		kexec -m -u -s --id="$inst" &&
	mk_busy "kexec_load unload of the running instance" \
		kexec -m -u -c --id="$inst" &&
	is "state after destroy and unloads" "$(mk_state "$inst")" running &&
	is "pool/cpus after destroy and unloads" "$(cat $MK/pool/cpus)" "$cpu_a"
}

refused_empty() {
	writes "create" $MK/create "5 $cpu_b 64M" 0 || return 1
	re_f=$MK/instances/5/state
	is "created state" "$(mk_state 5)" empty &&
	writes "start empty" "$re_f" start ENOEXEC &&
	writes "stop empty" "$re_f" stop EINVAL &&
	writes "kill empty" "$re_f" kill EINVAL &&
	writes "bogus to empty" "$re_f" bogus EINVAL &&
	is "state after the writes" "$(mk_state 5)" empty
	re_ret=$?
	writes "destroy" $MK/destroy 5 0 || return 1
	if [ -e $MK/instances/5 ]; then
		ktap_print_msg "instance 5 still there after destroy"
		return 1
	fi
	is "CPU $cpu_b online" "$(cpu_online "$cpu_b")" 1 && return $re_ret
}

refused_timeout() {
	rt_old=$(cat $MK/heartbeat_timeout_ms)
	rl_old=$(cat $MK/doorbell_limit)
	writes heartbeat_timeout_ms $MK/heartbeat_timeout_ms 50 ERANGE &&
	writes heartbeat_timeout_ms $MK/heartbeat_timeout_ms abc EINVAL &&
	writes doorbell_limit $MK/doorbell_limit 99 ERANGE &&
	writes doorbell_limit $MK/doorbell_limit 10000001 ERANGE &&
	writes doorbell_limit $MK/doorbell_limit -1 EINVAL &&
	writes doorbell_limit $MK/doorbell_limit abc EINVAL &&
	writes heartbeat_timeout_ms $MK/heartbeat_timeout_ms 60001 ERANGE
	rt_ret=$?
	rt_now=$(cat $MK/heartbeat_timeout_ms)
	rl_now=$(cat $MK/doorbell_limit)
	# Taken after all: put it back before it makes the instance hung.
	[ "$rt_now" = "$rt_old" ] || echo "$rt_old" > $MK/heartbeat_timeout_ms
	[ "$rl_now" = "$rl_old" ] || echo "$rl_old" > $MK/doorbell_limit
	is "heartbeat_timeout_ms after the writes" "$rt_now" "$rt_old" &&
		is "doorbell_limit after the writes" "$rl_now" "$rl_old" &&
		[ $rt_ret = 0 ] || return 1
	# 60000 is taken (the top of the range), and doorbell_limit 0 (no
	# limit).
	writes heartbeat_timeout_ms $MK/heartbeat_timeout_ms 60000 0 &&
	is heartbeat_timeout_ms "$(cat $MK/heartbeat_timeout_ms)" 60000 &&
	writes doorbell_limit $MK/doorbell_limit 0 0 &&
	is doorbell_limit "$(cat $MK/doorbell_limit)" 0
	rt_ret=$?
	echo "$rt_old" > $MK/heartbeat_timeout_ms
	echo "$rl_old" > $MK/doorbell_limit
	return $rt_ret
}

refused_running; r1=$?
refused_empty; r2=$?
refused_timeout; r3=$?
[ $r1 = 0 ] && [ $r2 = 0 ] && [ $r3 = 0 ]
result "refused requests get their errno and change nothing" $?

# 3. Graceful stop through the state file.
stop_by_state() {
	if [ -z "$inst" ] || [ "$(mk_state "$inst")" != running ]; then
		ktap_print_msg "no running instance from case 1"
		return 1
	fi
	writes stop "$MK/instances/$inst/state" stop 0 || return 1
	sb_s=$(mk_state "$inst")
	case "$sb_s" in
	stopping|stopped) ;;
	*)	ktap_print_msg "state after stop: $sb_s"
		return 1 ;;
	esac
	mk_wait_state "$inst" stopped &&
	is heartbeat_age_ms "$(attr "$inst" heartbeat_age_ms)" -1 &&
	is "CPU $cpu_a online" "$(cpu_online "$cpu_a")" 0 &&
	is pool/cpus "$(cat $MK/pool/cpus)" "$cpu_a" &&
	writes "kill stopped" "$MK/instances/$inst/state" kill EINVAL &&
	mk_busy "load into the stopped instance" kexec -m -s --id="$inst" \
		--initrd="$INITRD" --append="${APPEND}idle" "$KERNEL" &&
	is "state after kill and load" "$(mk_state "$inst")" stopped &&
	mk_finish "$inst"
}
stop_by_state
r=$?
reap "$inst"
result "stop through the state file: stopped, CPU owned until unloaded" $r

# 4. Graceful stop with kexec -m --stop.
stop_by_kexec() {
	sk_id=$(mk_spawn idle -s "$cpu_a") && mk_wait_state "$sk_id" running &&
	kexec -m --stop --id="$sk_id" && mk_wait_state "$sk_id" stopped &&
	mk_finish "$sk_id"
}
sk_id=
stop_by_kexec
r=$?
reap "$sk_id"
result "stop with kexec -m --stop: stopped, host got all back" $r

# 5. Load with kexec -m, start and kill through the state file.
start_kill_by_state() {
	sv_out=$(kexec -m -s --cpus="$cpu_a" --mem=128M --initrd="$INITRD" \
		--append="${APPEND}idle" "$KERNEL" 2>&1)
	sv_id=$(echo "$sv_out" |
		sed -n 's/^kexec: loaded multikernel instance \([0-9]*\)$/\1/p')
	if [ -z "$sv_id" ]; then
		ktap_print_msg "load failed: $sv_out"
		return 1
	fi
	sv_f=$MK/instances/$sv_id
	is "state after load" "$(mk_state "$sv_id")" loaded &&
	writes start "$sv_f/state" start 0 &&
	mk_wait_state "$sv_id" running &&
	console_wait "$sv_id" "${MARKER}idle" 30 &&
	writes kill "$sv_f/state" kill 0 &&
	is "state after kill" "$(mk_state "$sv_id")" stopped || return 1
	if ! cat "$sv_f/console" >/dev/null; then
		ktap_print_msg "console of the killed instance not readable"
		return 1
	fi
	console_has "$sv_id" "${MARKER}idle" &&
	mk_finish "$sv_id"
}
sv_id=
start_kill_by_state
r=$?
reap "$sv_id"
result "start and kill through the state file: running, stopped, console kept, host got all back" $r

# 6. An instance that panics.
crash() {
	cr_id=$(mk_spawn panic -s "$cpu_a") && mk_wait_state "$cr_id" crashed ||
		return 1
	cr_reason=$(attr "$cr_id" crash_reason)
	ktap_print_msg "crash_reason: $cr_reason"
	case "$cr_reason" in
	*init*) ;;
	*)	ktap_print_msg "crash_reason does not mention init"
		return 1 ;;
	esac
	console_has "$cr_id" "Kernel panic" &&
	is heartbeat_age_ms "$(attr "$cr_id" heartbeat_age_ms)" -1 &&
	writes "stop crashed" "$MK/instances/$cr_id/state" stop EINVAL &&
	writes "kill crashed" "$MK/instances/$cr_id/state" kill EINVAL &&
	mk_busy "load into the crashed instance" kexec -m -c --id="$cr_id" \
		--initrd="$INITRD" --append="${APPEND}idle" "$KERNEL" &&
	is "state after the writes" "$(mk_state "$cr_id")" crashed &&
	mk_finish "$cr_id"
}
cr_id=
crash
r=$?
reap "$cr_id"
result "panicking instance: crashed, crash_reason and console tell why" $r

# 7. An instance that hangs for good: hung, killed.
hang() {
	writes heartbeat_timeout_ms $MK/heartbeat_timeout_ms 1000 0 || return 1
	hg_id=$(mk_spawn hang -s "$cpu_a") &&
	mk_wait_state "$hg_id" running hung && poll_state "$hg_id" 20 hung &&
	within heartbeat_age_ms "$(attr "$hg_id" heartbeat_age_ms)" 1000 999999999 &&
	mk_host_cpus_work &&
	writes kill "$MK/instances/$hg_id/state" kill 0 &&
	is "state after kill" "$(mk_state "$hg_id")" stopped &&
	mk_finish "$hg_id"
}
hg_id=
hang
r=$?
reap "$hg_id"
result "hanging instance: hung after heartbeat_timeout_ms, host works, killed" $r

# 8. An instance whose heartbeat stops for 5 s: hung, then running again.
stall() {
	writes heartbeat_timeout_ms $MK/heartbeat_timeout_ms 1000 0 || return 1
	st_id=$(mk_spawn stall -s "$cpu_a") &&
	mk_wait_state "$st_id" running hung && poll_state "$st_id" 20 hung &&
	poll_state "$st_id" 30 running &&
	within "heartbeat_age_ms after" "$(attr "$st_id" heartbeat_age_ms)" 0 999 &&
	mk_finish "$st_id"
}
st_id=
stall
r=$?
reap "$st_id"
writes "restore heartbeat_timeout_ms" $MK/heartbeat_timeout_ms "$hb_old" 0 || r=1
result "stalling instance: hung, then running again when the heartbeat moves" $r

# 9. Two instances at once, on the last two CPUs: each has its own console;
# the second panics after it ran, the first keeps running.
two() {
	tw_a=$(mk_spawn idle -s "$cpu_b") && mk_wait_state "$tw_a" running &&
	tw_b=$(mk_spawn panic -s "$cpu_a") && mk_wait_state "$tw_b" crashed &&
	within "instance $tw_b boot_ms (it ran)" "$(attr "$tw_b" boot_ms)" 1 119999 &&
	is pool/cpus "$(cat $MK/pool/cpus)" "$cpu_b-$cpu_a" &&
	console_has "$tw_a" "multikernel: instance $tw_a, " &&
	console_lacks "$tw_a" "multikernel: instance $tw_b, " &&
	console_has "$tw_b" "multikernel: instance $tw_b, " &&
	console_lacks "$tw_b" "multikernel: instance $tw_a, " || return 1
	tw_timeout=$(cat $MK/heartbeat_timeout_ms)
	for tw_i in 1 2 3; do
		is "instance $tw_a state" "$(mk_state "$tw_a")" running &&
		within "instance $tw_a heartbeat_age_ms" \
			"$(attr "$tw_a" heartbeat_age_ms)" 0 $((tw_timeout - 1)) ||
			return 1
		[ $tw_i = 3 ] || sleep 0.5
	done
	mk_unload "$tw_b" && mk_finish "$tw_a"
}
tw_a=
tw_b=
# The pool's size, not what is free: memory an earlier case did not give
# back fails this case, it does not skip it.
if [ "$(cat $MK/pool/total)" -ge $((2 * inst_cost)) ]; then
	two
	r=$?
	reap "$tw_b"
	reap "$tw_a"
	result "two instances: own CPUs and consoles, one crashes, the other runs on" $r
else
	ktap_test_skip "two instances (needs a pool of $((2 * inst_cost >> 20))M)"
fi

# 10. Nothing leaked.
if mk_host_unchanged; then
	ktap_test_pass "pool bytes, online CPUs and instances as before"
else
	ktap_print_msg "pool free $(cat $MK/pool/free) (was $mk_free)"
	ktap_print_msg "online $(cat /sys/devices/system/cpu/online) (was $mk_online)"
	ktap_print_msg "instances: $(instances)"
	ktap_test_fail "pool bytes, online CPUs and instances as before"
fi

ktap_finished
