#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The host may not kexec or suspend while an instance executes: after a
# kexec the instance's CPU would go on writing memory that the next host
# kernel takes as free, and suspend stops the machine under it.  Both
# fail with EBUSY, say why in the log, and change nothing: the instance
# runs on, the host's kexec image stays loaded.  (Were either accepted,
# this boot would end or sleep here, and the harness counts that as
# failed.)
# Nor may the instance itself be destroyed, unloaded, loaded or started
# again while it executes: each fails with EBUSY in each such state
# (starting, running, stopping, hung), and a stop whose request does not
# fit into the instance's ring fails with EBUSY.  An instance that hangs
# with interrupts off (mk.instance=hang) stays in each state long enough,
# and takes nothing from its ring.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
mk_snapshot
MSG=$DIR/mk_msg
hb_old=$(cat $MK/heartbeat_timeout_ms)
# shellcheck disable=SC2317 # called by the trap
restore() {
	echo "$hb_old" > $MK/heartbeat_timeout_ms
}
trap restore EXIT

ktap_set_plan 6

# refused DESC WHAT CHECK CMD...: CMD fails with EBUSY, the log says
# "host WHAT refused: instance ID executes", the instance still runs and
# the shell command CHECK succeeds.
refused() {
	desc=$1
	what=$2
	check=$3
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	ktap_print_msg "$*: exit $rc: $out"
	if [ $rc != 0 ] && echo "$out" | grep -q "Device or resource busy" &&
	   dmesg | grep -q "multikernel: host $what refused: instance $id executes" &&
	   [ "$(mk_state "$id")" = running ] && eval "$check"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# The host's kexec -e and suspend, while instance $id runs.
host_refuses() {
	if kexec -s -l "$KERNEL" --append="console=ttyS0" &&
	   [ "$(cat /sys/kernel/kexec_loaded)" = 1 ]; then
		refused "host kexec -e refused with EBUSY while an instance runs" \
			kexec '[ "$(cat /sys/kernel/kexec_loaded)" = 1 ]' kexec -e
		kexec -u
	else
		ktap_test_fail "host kexec -e refused with EBUSY while an instance runs"
	fi

	if grep -qw freeze /sys/power/state; then
		refused "host suspend refused with EBUSY while an instance runs" \
			suspend true sh -c 'echo freeze > /sys/power/state'
	else
		ktap_test_fail "host suspend refused with EBUSY while an instance runs"
		ktap_print_msg "no /sys/power/state with freeze (CONFIG_SUSPEND)"
	fi
	mk_finish "$id" || ktap_print_msg "instance $id: not given back cleanly"
}

id=
if id=$(mk_spawn idle -s) && mk_wait_state "$id" running; then
	host_refuses
else
	[ -n "$id" ] && mk_finish "$id"
	ktap_test_fail "host kexec -e refused with EBUSY while an instance runs"
	ktap_test_fail "host suspend refused with EBUSY while an instance runs"
fi

# refused_in ID STATE [LATER]: instance ID is in STATE; start, destroy,
# both unloads and a load fail with EBUSY, and leave it in STATE (or in
# LATER, where it may go meanwhile by itself).
refused_in() {
	ri_s=$(mk_state "$1")
	is "state" "$ri_s" "$2" &&
	writes "start while $2" $MK/instances/"$1"/state start EBUSY &&
	writes "destroy while $2" $MK/destroy "$1" EBUSY &&
	mk_busy "kexec_file_load unload while $2" kexec -m -u -s --id="$1" &&
	mk_busy "kexec_load unload while $2" kexec -m -u -c --id="$1" &&
	mk_busy "load while $2" kexec -m -s --id="$1" --initrd="$INITRD" \
		--append="mk.instance=idle" "$KERNEL" || return 1
	ri_s=$(mk_state "$1")
	[ "$ri_s" = "$2" ] || [ "$ri_s" = "${3:-$2}" ] && return 0
	ktap_print_msg "state after the refusals: $ri_s, wanted $2"
	return 1
}

# hanging ID: instance ID runs and spins with interrupts off: its
# heartbeat has stood still for 1 s (60 s at most).
hanging() {
	mk_wait_state "$1" running && console_wait "$1" "mk-instance: services up" ||
		return 1
	mk_silent "$1" 1000
}

# A hung instance stays running (not hung) for a minute: time to fill
# its ring.
echo 60000 > $MK/heartbeat_timeout_ms
hid=$(mk_load hang -s) && writes start $MK/instances/"$hid"/state start 0 &&
	refused_in "$hid" starting running
mk_result "start, destroy, unload and load refused with EBUSY while starting" $?

[ -n "$hid" ] && hanging "$hid" && "$MSG" fill "$hid" 60 &&
	writes "stop with a full ring" $MK/instances/"$hid"/state stop EBUSY &&
	is "state after stop" "$(mk_state "$hid")" running
mk_result "stop refused with EBUSY while the instance's ring is full, it runs on" $?

[ -n "$hid" ] && echo 1000 > $MK/heartbeat_timeout_ms &&
	mk_wait_state "$hid" hung && refused_in "$hid" hung
mk_result "start, destroy, unload and load refused with EBUSY while hung" $?

# Restarted in place, it hangs again; asked to stop, it never does.
[ -n "$hid" ] && echo 60000 > $MK/heartbeat_timeout_ms &&
	kexec -m --kill --id="$hid" && is state "$(mk_state "$hid")" stopped &&
	writes restart $MK/instances/"$hid"/state start 0 && hanging "$hid" &&
	writes stop $MK/instances/"$hid"/state stop 0 && refused_in "$hid" stopping
mk_result "start, destroy, unload and load refused with EBUSY while stopping" $?

[ -n "$hid" ] && { mk_finish "$hid" || ktap_print_msg "instance $hid: not given back cleanly"; }
ktap_finished
