#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A locked-down host loads no instance: nothing verifies an instance's
# initramfs and command line, and root in an instance could map host
# memory.  The refusal is the multikernel one (kernel/multikernel/load.c),
# which upstream does not make: without CONFIG_KEXEC_SIG kexec_file_load()
# has no lockdown check of its own, and with it a signed kernel passes.
# Checked: kexec_file_load() with KEXEC_FILE_MULTIKERNEL (kexec -m -s),
# into a new instance and into one created through sysfs, fails with
# EPERM and the log line only that check prints; an unload is not refused,
# so the host takes everything back.  kexec_load() (kexec -m -c) fails with
# EPERM at upstream's check, which every kexec_load() meets under lockdown
# before the multikernel code runs.  Nothing is left behind.  Runs only on
# a host booted with lockdown=integrity or lockdown=confidentiality; skips
# elsewhere.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

OURS="multikernel: load refused: the host is locked down"
UPSTREAM="Lockdown: kexec: kexec of unsigned images is restricted"

ktap_print_header
lock=/sys/kernel/security/lockdown
[ -e $lock ] || mount -t securityfs none /sys/kernel/security 2>/dev/null
if ! grep -qE '\[(integrity|confidentiality)\]' $lock 2>/dev/null; then
	ktap_skip_all "the host is not locked down"
	exit "$KSFT_SKIP"
fi
mk_require_pool $((128 << 20))
mk_snapshot

ktap_set_plan 3

# eperm ARGS...: kexec -m ARGS fails with EPERM; the kernel log then has
# what this call printed only (in $log).
eperm() {
	mk_log_mark
	out=$(kexec -m "$@" --initrd="$INITRD" --append="mk.instance=idle" "$KERNEL" 2>&1)
	rc=$?
	log=$(mk_log_since)
	ktap_print_msg "kexec -m $*: exit $rc: $(echo "$out" | head -n 1)"
	[ $rc != 0 ] && echo "$out" | grep -q "Operation not permitted"
}

# logs LINE / lacks LINE: the log of the last eperm has LINE, or not.
logs() {
	echo "$log" | grep -qF -- "$1" && return 0
	ktap_print_msg "no '$1' in the log"
	return 1
}

lacks() {
	echo "$log" | grep -qF -- "$1" || return 0
	ktap_print_msg "'$1' in the log"
	return 1
}

eperm -s --cpus="$(mk_last_cpu)" --mem=128M && logs "$OURS" && mk_host_unchanged
mk_result "kexec_file_load into a new instance: EPERM from the multikernel check" $?

# An instance made through sysfs, no kexec in it: the load by id is
# refused, the instance stays empty; its unload is not refused.
by_id() {
	writes "create" $MK/create "7 $(mk_last_cpu) 128M" 0 || return 1
	eperm -s --id=7 && logs "$OURS" && is "state after the refused load" "$(mk_state 7)" empty
	by_rc=$?
	mk_unload 7 && mk_host_unchanged && [ $by_rc = 0 ]
}
by_id
mk_result "kexec_file_load into an empty instance: EPERM from our check; unload works" $?

# Upstream refuses every kexec_load() first: the multikernel check is not
# reached.
eperm -c --cpus="$(mk_last_cpu)" --mem=128M && logs "$UPSTREAM" && lacks "$OURS" &&
	mk_host_unchanged
mk_result "kexec_load of an instance: EPERM from upstream's check, before the multikernel one" $?

ktap_finished
