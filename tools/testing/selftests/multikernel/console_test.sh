#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The interactive console of an instance: /dev/hvc0 in the instance, with
# a shell on it (harness/guest/instance-init), and /dev/ttyMK<id> on the
# host.  Checked: the device exists while the instance does; commands run
# in the instance and their output and status come back (mk_sock run),
# also through busybox microcom as a user would; a long output comes back
# whole; a late answer to a call that timed out is not taken for the
# next call's; a kill hangs the console up; the read-only console file keeps
# the instance's log; writes to a console whose instance does not run go
# nowhere and do not block.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

SOCK=$DIR/mk_sock

ktap_print_header
mk_require_instances
mk_snapshot
ktap_set_plan 8



id=
setup() {
	id=$(mk_load idle -s) && [ -c /dev/ttyMK"$id" ] &&
	# Nobody listens yet: the bytes go nowhere, the write does not block.
	timeout 5 sh -c "echo lost > /dev/ttyMK$id" &&
	mk_start "$id" && mk_wait_state "$id" running &&
	console_wait "$id" "mk-instance: services up"
}
setup
mk_result "/dev/ttyMK$id exists from the load; a write before the start does not block" $?

run() {
	out=$("$SOCK" run /dev/ttyMK"$id" 30 "$1")
	rc=$?
	[ "$out" = "$2" ] && [ $rc = "$3" ] && return 0
	ktap_print_msg "'$1': '$out' (status $rc), wanted '$2' (status $3)"
	return 1
}
run "uname -r" "$(uname -r)" 0 && run 'echo $((6 * 7))' 42 0 && run "false" "" 1 &&
	run "cat /proc/cmdline | grep -o mk.instance=idle" mk.instance=idle 0
mk_result "commands run in the instance: output and status come back" $?

# Every line, in order: what comes back is what seq printed there.
long() {
	if ! "$SOCK" run /dev/ttyMK"$id" 30 "seq 1 5000" > /tmp/mk_console_seq; then
		ktap_print_msg "seq 1 5000: $(tail -n 1 /tmp/mk_console_seq)"
		return 1
	fi
	d=$(seq 1 5000 | cmp - /tmp/mk_console_seq 2>&1) && return 0
	ktap_print_msg "seq 1 5000 came back changed: $d"
	return 1
}
long
mk_result "5000 lines of output come back whole" $?

# A call that timed out answers late, while the next one waits: each call
# has its own markers, so the next one takes its own answer, not that.
late() {
	"$SOCK" run /dev/ttyMK"$id" 2 "sleep 4; echo mk-late-first" > /dev/null &&
		{ ktap_print_msg "a 4 s command answered within 2 s"; return 1; }
	run "echo mk-late-second" mk-late-second 0
}
late
mk_result "a late answer to an earlier call is not taken for the next one's" $?

out=$(printf 'echo mk-micro-$((6 * 7))\n' | timeout 10 microcom -t 3000 /dev/ttyMK"$id")
echo "$out" | grep -q mk-micro-42
mk_result "busybox microcom drives the console" $?

console_has "$id" "mk-instance: up, kernel " && console_lacks "$id" "mk-micro-42"
mk_result "the console file keeps the kernel log, not what the shell printed" $?

hangup() {
	cat /dev/ttyMK"$id" > /dev/null 2>&1 &
	reader=$!
	sleep 1
	kexec -m --kill --id="$id" && mk_ends $reader "a reader of /dev/ttyMK$id"
}
hangup
mk_result "a kill hangs up /dev/ttyMK$id: its reader ends" $?

mk_finish "$id" && [ ! -e /dev/ttyMK"$id" ]
mk_result "instance unloaded: /dev/ttyMK$id gone, host got everything back" $?

ktap_finished
