#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Live update: the host kexecs into a new kernel (the same bzImage) while
# an instance runs, twice in a row.  Not a TEST_PROGS test: it ends the
# kernel it runs in.  The harness runs it once per host kernel
# (mk.run=liveupdate, harness/guest/init), with the phase as argument:
#   1  start an instance (a counter, mk_echo, vsock servers, and a vsock
#      connection to a host listener), check that handovers the new
#      kernel cannot take, or that the instance cannot make (hung, not
#      answering), are refused with nothing lost, load a second instance
#      that does not execute, then kexec with handover;
#   2  in the second kernel: the same instance runs on, the one that did
#      not execute was left behind; then kexec again;
#   3  in the third kernel: it still runs; kill it, and the host gets
#      its CPUs (which it never booted before) and memory back.
# What a phase learned goes to the next in /lu/state, packed with the
# rest of the root file system into the next kernel's initramfs.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

phase=${1:-1}
state=/lu/state
sock=$DIR/mk_sock
cpus=2-3

ktap_print_header

# check DESC CMD...: a KTAP result, pass when CMD succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ktap_test_pass "$desc"; else ktap_test_fail "$desc"; fi
}

# waiting WHAT: KHO is on, the instance counts, and its client of the
# host's vsock listener says WHAT ("connected", "Connection reset by peer").
waiting() {
	wl=$(mk_inside "$id" "cat /tmp/wait.log" | tr -d '\r')
	ktap_print_msg "in instance $id: $(echo $wl)"
	[ -d /sys/kernel/debug/kho ] && [ -n "$(count)" ] &&
	echo "$wl" | grep -q "wait: $1"
}

# The instance's counter: "START N".  Read up to three times: right
# after an adoption the instance's kernel tells its console of the
# update, and such a line can land inside the output of the cat.
count() {
	for _ in 1 2 3; do
		c_out=$(mk_inside "$id" "cat /tmp/count" | tr -d '\r' |
			grep -E '^[0-9.]+ [0-9]+$' | tail -n 1)
		[ -n "$c_out" ] && break
	done
	echo "$c_out"
}

save() {
	mkdir -p /lu
	count=$(count)
	uptime=$(cat "$MK/instances/$id/uptime_ms")
	sent=$(cat "$MK/instances/$id/msg_sent")
	received=$(cat "$MK/instances/$id/msg_received")
	{
		echo "id=$id"
		echo "count='$count'"
		echo "uptime=$uptime"
		echo "sent=$sent"
		echo "received=$received"
		echo "free=$free"
	} > $state
	cat $state | while read -r l; do ktap_print_msg "saved: $l"; done
}

# update: kexec into the next phase with handover; returns only if that
# failed.
update() {
	mk_host_kexec $((phase + 1)) "mk-harness: end lu$phase"
}

# refusal WHY: kexec -e fails with EBUSY and the log says WHY.
refusal() {
	mk_log_mark
	out=$(kexec -e 2>&1)
	rc=$?
	ktap_print_msg "kexec -e: exit $rc: $out; $(mk_log_since | grep 'host kexec refused')"
	[ $rc != 0 ] && echo "$out" | grep -q 'Device or resource busy' &&
	mk_log_since | grep -q "host kexec refused: instance $id executes and $1"
}

# intact: nothing was lost: the instance runs and answers, the image
# stays loaded (and is unloaded for what comes next).
intact() {
	[ "$(cat /sys/kernel/kexec_loaded)" = 1 ] &&
	[ "$(mk_state "$id")" = running ] &&
	$sock echo vsock $((id + 2)):1234 stream 64 3 > /dev/null
	in_rc=$?
	kexec -u
	return $in_rc
}

# refused DESC WHY: a refusal for WHY, and nothing lost.
refused() {
	refusal "$2"
	rf_rc=$?
	intact && [ $rf_rc = 0 ]
	mk_result "$1" $?
}

# stalled DESC WHY STATE TIMEOUT: while the instance spins 4 s with
# interrupts off on its first CPU (its heartbeat stops), in STATE with a
# heartbeat timeout of TIMEOUT ms, the handover is refused for WHY; once
# the spin is over, nothing was lost.
stalled() {
	st_old=$(cat $MK/heartbeat_timeout_ms)
	echo "$4" > $MK/heartbeat_timeout_ms
	kexec -s -l "$KERNEL" --append="$(cat /proc/cmdline)" > /dev/null
	# On its first CPU, which takes the host's doorbells.
	st_inject=/sys/kernel/debug/multikernel/inject
	mk_inside "$id" "taskset -c 0 sh -c 'echo stall 4000 > $st_inject'" > /dev/null 2>&1 &
	st_pid=$!
	mk_silent "$id" 500 && mk_wait_state "$id" "$3" && refusal "$2"
	st_rc=$?
	echo "$st_old" > $MK/heartbeat_timeout_ms
	# Not the vsock listener the host holds for the whole phase.
	wait $st_pid
	mk_wait_state "$id" running && intact && [ $st_rc = 0 ]
	mk_result "$1" $?
}

# adopted N: the instance of the last kernel is here, running, handed
# over N times, on its CPUs, which the host did not bring up.
adopted() {
	[ -d "$MK/instances/$id" ] &&
	[ "$(mk_state "$id")" = running ] &&
	[ "$(cat "$MK/instances/$id/handovers")" = "$1" ] &&
	[ "$(cat "$MK/instances/$id/cpus")" = $cpus ] &&
	[ "$(cat "$MK/pool/cpus")" = $cpus ] &&
	[ "$(cat /sys/devices/system/cpu/online)" = 0-1 ]
}

# ran_on: its uptime went on, and its counter did not start over.
ran_on() {
	now=$(count)
	up=$(cat "$MK/instances/$id/uptime_ms")
	ktap_print_msg "before: uptime $uptime ms, count $count; now: uptime $up ms, count $now"
	[ "$up" -gt "$uptime" ] && [ "${now% *}" = "${count% *}" ] &&
	[ "${now#* }" -gt "${count#* }" ]
}

# counted: before any traffic here, the message counters are at least
# what the last kernel saved (reset, they would start over from 0); then
# 3 messages there and back add to them.
counted() {
	s0=$(cat "$MK/instances/$id/msg_sent")
	r0=$(cat "$MK/instances/$id/msg_received")
	ktap_print_msg "msg_sent $sent -> $s0, msg_received $received -> $r0"
	[ "$s0" -ge "$sent" ] && [ "$r0" -ge "$received" ] &&
	"$DIR"/mk_msg echo "$id" 3 64 3 > /dev/null &&
	[ "$(cat "$MK/instances/$id/msg_sent")" -ge $((s0 + 3)) ] &&
	[ "$(cat "$MK/instances/$id/msg_received")" -ge $((r0 + 3)) ] &&
	[ "$(cat "$MK/instances/$id/host_away_ms")" -gt 0 ]
}

case $phase in
1)
	ktap_set_plan 8
	mk_require_instances
	if ! id=$(mk_spawn counter -s $cpus) || ! mk_wait_state "$id" running ||
	   ! console_wait "$id" "mk-instance: services up"; then
		ktap_test_fail "an instance with a counter and a vsock connection to the host runs"
		ktap_finished
		exit
	fi
	# The instance connects once the host listens (instance-init).
	"$sock" hold vsock 4294967295:7000 > /dev/null 2>&1 &
	sleep 3
	check "an instance with a counter and a vsock connection to the host runs" \
		waiting connected

	# kexec-tools tries kexec_file_load() first: -c is kexec_load().
	kexec -c -l "$KERNEL" --append="$(cat /proc/cmdline)" > /dev/null
	refused "handover refused: a kernel loaded with kexec_load()" \
		"the new kernel was loaded with kexec_load()"
	kexec -s -l "$KERNEL" --append="console=ttyS0" > /dev/null
	refused "handover refused: a kernel whose command line names no pool" \
		"the new kernel.s command line does not name this pool"
	# The same kernel, its header saying it adopts nothing: xloadflags
	# (0x236) without bit 8, XLF_MULTIKERNEL.
	cp "$KERNEL" /tmp/noadopt.bzImage
	b=$(dd if=/tmp/noadopt.bzImage bs=1 skip=$((0x237)) count=1 2>/dev/null | od -An -tu1)
	printf "\\$(printf %o $((b & ~1)))" |
		dd of=/tmp/noadopt.bzImage bs=1 seek=$((0x237)) conv=notrunc 2>/dev/null
	kexec -s -l /tmp/noadopt.bzImage --append="$(cat /proc/cmdline)" > /dev/null
	refused "handover refused: a kernel that does not adopt instances" \
		"the new kernel cannot adopt instances"
	rm -f /tmp/noadopt.bzImage
	# The same kernel in the other paging mode: the instance keeps the
	# mode of the host that started it, and that host parks its CPUs in
	# its own.  A 4-level host on a CPU with 5-level paging says no5lvl;
	# without it, the CPU has no 5-level paging.
	other=
	no5lvl=0
	for w in $(cat /proc/cmdline); do
		if [ "$w" = no5lvl ]; then
			no5lvl=1
		else
			other="${other:+$other }$w"
		fi
	done
	grep -q '^flags.* la57' /proc/cpuinfo && other="$other no5lvl" && no5lvl=1
	desc="handover refused: a kernel that would run the other paging mode"
	if [ $no5lvl = 1 ]; then
		kexec -s -l "$KERNEL" --append="$other" > /dev/null
		refused "$desc" "the new kernel would run another paging mode"
	else
		ktap_test_skip "$desc (the CPU has no 5-level paging)"
	fi
	stalled "handover refused: an instance that does not answer" \
		"it does not answer" running 60000
	stalled "handover refused: an instance that is not running (hung)" \
		"it is not running" hung 1000

	# A second instance, loaded but never started, on CPU 1: it does not
	# execute, so it is not handed over and ends with this kernel.
	free=$(cat $MK/pool/free)
	left=$(mk_load idle -s 1)
	[ "$left" = 2 ] || ktap_print_msg "the second instance is '$left', not 2"

	# Messages before the handover: counters it reset would show less.
	m=$("$DIR"/mk_msg echo "$id" 50 64)
	rc=$?
	ktap_print_msg "$m"
	save
	check "50 messages there and back; state saved for the next kernel" \
		sh -c "[ $rc = 0 ] && [ $sent -ge 50 ] && [ $received -ge 50 ]"
	ktap_print_totals
	update
	ktap_finished
	;;
2|3)
	. $state
	ktap_set_plan 7
	n=$((phase - 1))
	check "instance $id adopted: running, $n handover(s), its CPUs never up here" adopted $n
	check "its uptime went on and its counter did not restart" ran_on
	check "its console kept its history and tells of the update" sh -c "
		grep -aq 'will counter' $MK/instances/$id/console &&
		[ \$(grep -ac 'host kernel updated' $MK/instances/$id/console) = $n ]"
	ktap_print_msg "host_away_ms $(cat "$MK/instances/$id/host_away_ms")"
	check "messages: counters continued, a round trip adds to them" counted
	check "vsock: an echo to its listener works" \
		sh -c "$sock echo vsock $((id + 2)):1234 stream 64 10 > /dev/null"
	if [ "$phase" = 2 ]; then
		check "vsock: its connection to the old host was reset (ECONNRESET)" \
			waiting "Connection reset by peer"
		# Its CPU 1 is up here (adopted checks), its memory free.
		check "the instance that did not execute was not handed over" sh -c "
			[ ! -e $MK/instances/2 ] && [ \"\$(cat $MK/pool/free)\" = $free ]"
		save
		ktap_print_totals
		update
		ktap_finished
	else
		ip addr add 10.77.$id.1/24 dev mk$id && ip link set mk$id up
		check "the network link works" ping -c 2 -W 10 10.77.$id.2
		# Its CPUs never came up in this kernel: the kill's proof of
		# stop is their first boot here, into the host's stub.
		kexec -m --kill --id="$id" && mk_unload "$id"
		rc=$?
		check "killed, unloaded, log clean: the host gets its CPUs and memory back" sh -c "
			[ $rc = 0 ] && [ \"\$(cat /sys/devices/system/cpu/online)\" = 0-3 ] &&
			[ \"\$(cat $MK/pool/free)\" = \"\$(cat $MK/pool/total)\" ] &&
			[ \"\$(cat $MK/pool/cpus)\" = '' ]"
		ktap_finished
	fi
	;;
esac
