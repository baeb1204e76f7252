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
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_instances
mk_snapshot

ktap_set_plan 2

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

id=
if ! id=$(mk_spawn idle -s) || ! mk_wait_state "$id" running; then
	[ -n "$id" ] && mk_finish "$id"
	ktap_test_fail "host kexec -e refused with EBUSY while an instance runs"
	ktap_test_fail "host suspend refused with EBUSY while an instance runs"
	ktap_finished
	exit
fi

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
ktap_finished
