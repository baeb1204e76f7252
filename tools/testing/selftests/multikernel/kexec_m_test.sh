#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# "kexec -m" (kexec-tools with multikernel support) against this kernel:
# create an instance and load a kernel into it with kexec_file_load (-s)
# and kexec_load (-c), unload and destroy it, and refuse bad requests
# without leaving anything behind.  The kernel loaded is MK_KERNEL
# (default /boot/bzImage).
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ktap_print_header
mk_require_kexec
mk_require_pool $((64 << 20))
cpu=$(mk_last_cpu)
mk_snapshot

ktap_set_plan 5

for syscall in -s -c; do
	out=$(kexec -m $syscall --cpus="$cpu" --mem=64M --append=mk.instance=idle \
		"$KERNEL" 2>&1)
	id=$(echo "$out" | sed -n 's/^kexec: loaded multikernel instance \([0-9]*\)$/\1/p')
	if [ -n "$id" ] &&
	   [ "$(cat $MK/instances/"$id"/state)" = loaded ] &&
	   [ "$(cat $MK/instances/"$id"/cpus)" = "$cpu" ] &&
	   mk_unload "$id" && mk_host_unchanged; then
		ktap_test_pass "kexec -m $syscall loads into a new instance, -u gives it back"
	else
		ktap_print_msg "$out"
		ktap_test_fail "kexec -m $syscall loads into a new instance, -u gives it back"
	fi
done

# refused DESC WHY ARGS...: kexec -m -s ARGS fails, says WHY (the kernel's
# errno for the create, as kexec-tools explains it), and leaves nothing.
refused() {
	rf_desc=$1
	rf_why=$2
	shift 2
	if out=$(kexec -m -s "$@" "$KERNEL" 2>&1); then
		ktap_print_msg "kexec -m -s $*: worked: $out"
		ktap_test_fail "$rf_desc"
	elif ! echo "$out" | grep -qF -- "$rf_why"; then
		ktap_print_msg "kexec -m -s $*: '$out', wanted '$rf_why'"
		ktap_test_fail "$rf_desc"
	else
		mk_host_unchanged
		mk_result "$rf_desc" $?
	fi
}

# More than the pool: the create fails with ENOMEM.
big=$((($(cat $MK/pool/total) >> 20) + 2))M
refused "kexec -m with more memory than the pool: ENOMEM, nothing left" \
	"kexec: not enough multikernel memory reserved for $big" \
	--cpus="$cpu" --mem="$big"

# The host's boot CPU: the create fails with EINVAL.
refused "kexec -m on the boot CPU: EINVAL, nothing left" \
	"kexec: cannot create a multikernel instance on CPU 0 with 64M: invalid argument" \
	--cpus=0 --mem=64M

# CPU lists that kexec itself refuses, before anything is created.
bad=
for list in 3-1 1,,2 1- ,1 "1 2" ""; do
	out=$(kexec -m -s --cpus="$list" --mem=64M "$KERNEL" 2>&1)
	if [ $? -eq 0 ] || ! echo "$out" | grep -q "^Bad option value in --cpus="; then
		ktap_print_msg "--cpus=$list: $(echo "$out" | head -n 1)"
		bad=1
	fi
done
if [ -z "$bad" ] && mk_host_unchanged; then
	ktap_test_pass "kexec -m refuses malformed CPU lists, nothing left"
else
	ktap_test_fail "kexec -m refuses malformed CPU lists, nothing left"
fi

ktap_finished
