#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A locked-down host loads no instance: nothing verifies an instance's
# initramfs and command line, and root in an instance could map host
# memory.  kexec_file_load() with KEXEC_FILE_MULTIKERNEL (kexec -m -s)
# fails with EPERM and says why; kexec_load() (kexec -m -c) fails with
# EPERM as every kexec_load() does under lockdown.  Nothing is left
# behind.  Runs only on a host booted with lockdown=integrity or
# lockdown=confidentiality; skips elsewhere.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
lock=/sys/kernel/security/lockdown
[ -e $lock ] || mount -t securityfs none /sys/kernel/security 2>/dev/null
if ! grep -qE '\[(integrity|confidentiality)\]' $lock 2>/dev/null; then
	ktap_skip_all "the host is not locked down"
	exit "$KSFT_SKIP"
fi
mk_require_pool $((128 << 20))
mk_snapshot

ktap_set_plan 2

# refused DESC MODE LOG: kexec -m MODE fails with EPERM, the log has the
# line LOG, the host is unchanged.
refused() {
	out=$(kexec -m "$2" --cpus="$(mk_last_cpu)" --mem=128M --initrd="$INITRD" \
		--append="mk.instance=idle" "$KERNEL" 2>&1)
	rc=$?
	ktap_print_msg "kexec -m $2: exit $rc: $out"
	if [ $rc != 0 ] && echo "$out" | grep -q "Operation not permitted" &&
	   dmesg | grep -qF "$3" && mk_host_unchanged; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
	fi
}

refused "kexec_file_load of an instance refused with EPERM under lockdown" -s \
	"multikernel: load refused: the host is locked down"
refused "kexec_load of an instance refused with EPERM under lockdown" -c \
	"Lockdown: kexec: kexec of unsigned images is restricted"

ktap_finished
