#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the multikernel shell selftests; sourced after ktap_helpers.sh.

MK=/sys/kernel/multikernel
KERNEL=${MK_KERNEL:-/boot/bzImage}
# The instance's initramfs (harness/guest/instance-init: mk.instance=WHAT).
INITRD=${MK_INITRD:-/boot/instance.cpio}
# Seconds an instance may take to boot; TCG is slow.
BOOT_TIMEOUT=${MK_BOOT_TIMEOUT:-120}
# MK_INSTANCE_UART=1: instances print on ttyS1 too, a debugging aid for
# a host that does not use that port (off: an instance drives no UART).
UART_ARGS=${MK_INSTANCE_UART:+multikernel_uart=ttyS1 console=ttyS1 earlyprintk=serial,ttyS1,115200}
# What no instance's kernel log may show, but for panics asked for.
SPLAT='WARNING:|BUG:|Oops|general protection fault|possible (circular|recursive) locking'
SPLAT="$SPLAT|inconsistent lock state|suspicious RCU usage|ODEBUG:|KASAN:"

# mk_host_kexec PHASE LINE: kexec the host into the same kernel, handing
# its instances over (live update): its initramfs is the root file system
# as it is now, its command line this one with mk.lu_phase=PHASE.  LINE
# is printed just before, and from then on the kernel's log goes to the
# console.  Returns only if that failed.
mk_host_kexec() {
	mhk_cmdline=$(sed 's/ *mk\.lu_phase=[0-9]*//' /proc/cmdline)
	(cd / && find . -xdev | cpio -o -H newc > /tmp/host.cpio 2>/dev/null) &&
	kexec -s -l "$KERNEL" --initrd=/tmp/host.cpio \
		--command-line="$mhk_cmdline mk.lu_phase=$1" || return 1
	echo "$2"
	# This kernel's whole log, which the harness reads (the console
	# shows only errors): the next kernel starts a log of its own.
	echo "mk-harness: begin dmesg"
	dmesg
	echo "mk-harness: end dmesg"
	# KTAP is over: let the handover's log lines through.
	dmesg -n 7
	kexec -e
	echo "mk-harness: kexec -e returned: $?"
	return 1
}

# Skip the whole test unless a kexec with -m can load kernels here.
mk_require_kexec() {
	if ! kexec --help 2>&1 | grep -q -- --multikernel; then
		ktap_skip_all "no kexec with -m in PATH"
		exit "$KSFT_SKIP"
	fi
	if [ "$(cat /proc/sys/kernel/kexec_load_disabled)" = 1 ]; then
		ktap_skip_all "kexec_load_disabled is set"
		exit "$KSFT_SKIP"
	fi
}

# mk_require_pool BYTES: skip the whole test without a pool that large.
mk_require_pool() {
	if [ "$(cat $MK/pool/total)" -lt "$1" ]; then
		ktap_skip_all "needs a pool of $(($1 >> 20))M"
		exit "$KSFT_SKIP"
	fi
}

# Highest present CPU.
mk_last_cpu() {
	sed 's/.*[-,]//' /sys/devices/system/cpu/present
}

# mk_cpulist LIST: the CPUs of a cpulist ("0-1,3"), one per line.
mk_cpulist() {
	echo "$1" | tr , '\n' | while IFS=- read -r lo hi; do
		seq "$lo" "${hi:-$lo}"
	done
}

# Every CPU the host has online runs a task pinned to it within 30 s: a
# host CPU that an instance took over, or that is stuck, does not.
mk_host_cpus_work() {
	for c in $(mk_cpulist "$(cat /sys/devices/system/cpu/online)"); do
		if ! timeout 30 taskset -c "$c" true; then
			ktap_print_msg "host CPU $c did not run a task pinned to it"
			return 1
		fi
	done
}

# Remember what the host has, to check later that it got everything back.
mk_snapshot() {
	mk_free=$(cat $MK/pool/free)
	mk_online=$(cat /sys/devices/system/cpu/online)
}

mk_host_unchanged() {
	[ "$(cat $MK/pool/free)" = "$mk_free" ] &&
	[ "$(cat /sys/devices/system/cpu/online)" = "$mk_online" ] &&
	[ -z "$(ls $MK/instances)" ]
}

# Skip the whole test unless instances can be started here.
mk_require_instances() {
	mk_require_kexec
	mk_require_pool $((128 << 20))
	if [ ! -r "$INITRD" ]; then
		ktap_skip_all "no instance initramfs $INITRD"
		exit "$KSFT_SKIP"
	fi
}

# console_has ID TEXT / console_lacks ID TEXT: the instance's kernel log
# (binary: the console file as the host keeps it).
console_has() {
	grep -aqF -- "$2" "$MK/instances/$1/console" && return 0
	ktap_print_msg "instance $1: no '$2' in its console"
	return 1
}

console_lacks() {
	grep -aqF -- "$2" "$MK/instances/$1/console" || return 0
	ktap_print_msg "instance $1: '$2' in its console"
	return 1
}

# console_wait ID TEXT [SECONDS]: until the instance's console has TEXT,
# for SECONDS (60) at most.
console_wait() {
	cw_n=0
	until grep -aqF -- "$2" "$MK/instances/$1/console"; do
		cw_n=$((cw_n + 1))
		if [ $cw_n -gt $((${3:-60} * 5)) ]; then
			ktap_print_msg "instance $1: no '$2' in its console after ${3:-60} s"
			return 1
		fi
		sleep 0.2
	done
}

# mk_inside ID COMMAND: run COMMAND in instance ID's shell, through its
# console (/dev/ttyMK<ID>); its output, and its status.  Each call has a
# nonce of its own in its markers: a late answer to an earlier call that
# timed out is not taken for its own.
mk_inside() {
	"$(dirname "$(readlink -f "$0")")"/mk_sock run /dev/ttyMK"$1" 30 "$2"
}

# mk_ends PID WHAT [SECONDS]: process PID ends within SECONDS (10); else
# it is killed and WHAT (what it does) is reported.
mk_ends() {
	me_n=0
	while kill -0 "$1" 2>/dev/null && [ $me_n -lt $((${3:-10} * 5)) ]; do
		sleep 0.2
		me_n=$((me_n + 1))
	done
	kill -0 "$1" 2>/dev/null || return 0
	kill "$1"
	ktap_print_msg "$2 still goes on after ${3:-10} s"
	return 1
}

# mk_result DESC STATUS: a KTAP result, pass when STATUS is 0.
mk_result() {
	if [ "$2" = 0 ]; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
	fi
}

# mk_state ID: the state of instance ID, empty when there is none.
mk_state() {
	cat $MK/instances/"$1"/state 2>/dev/null
}

# mk_wait_state ID STATE...: until the instance is in one of STATEs
# (polled every 0.2 s, with a builtin: no process per look).
mk_wait_state() {
	ws_id=$1
	shift
	ws_i=0
	while [ $ws_i -lt $((BOOT_TIMEOUT * 5)) ]; do
		ws_s=
		{ read -r ws_s < $MK/instances/"$ws_id"/state; } 2>/dev/null
		for ws_want in "$@"; do
			[ "$ws_s" = "$ws_want" ] && return 0
		done
		sleep 0.2
		ws_i=$((ws_i + 1))
	done
	ktap_print_msg "instance $ws_id: state $ws_s after ${BOOT_TIMEOUT}s, wanted $*"
	return 1
}

# mk_load WHAT SYSCALL [CPU [ARGS]]: load (kexec -m -s or -c) an instance
# that will do WHAT, with ARGS added to its command line; prints its id
# (and nothing else on stdout).
mk_load() {
	out=$(kexec -m "$2" --cpus="${3:-$(mk_last_cpu)}" --mem=128M --initrd="$INITRD" \
		--append="${UART_ARGS:+$UART_ARGS }mk.instance=$1${4:+ $4}" \
		"$KERNEL" 2>&1)
	id=$(echo "$out" | sed -n 's/^kexec: loaded multikernel instance \([0-9]*\)$/\1/p')
	if [ -z "$id" ]; then
		ktap_print_msg "load failed: $out" >&2
		return 1
	fi
	echo "$id"
}

# mk_start ID: start a loaded instance; unload it if that fails.
mk_start() {
	if ! out=$(kexec -m -e --id="$1" 2>&1); then
		ktap_print_msg "start failed: $out" >&2
		mk_unload "$1" >&2
		return 1
	fi
}

# mk_spawn WHAT SYSCALL [CPU [ARGS]]: mk_load, then mk_start; prints the id.
mk_spawn() {
	id=$(mk_load "$@") && mk_start "$id" && echo "$id"
}

# mk_clean ID: the instance's kernel log shows no warning, oops, lockdep,
# RCU, debug-objects or KASAN report.
mk_clean() {
	mc_hits=$(grep -aE -- "$SPLAT" "$MK/instances/$1/console" 2>/dev/null | head -n 5)
	[ -z "$mc_hits" ] && return 0
	ktap_print_msg "instance $1 reported: $mc_hits"
	return 1
}

# mk_unload ID: unload and destroy instance ID, which does not execute
# (kexec -m -u); fails, too, when its kernel log has a report (mk_clean).
# Every test unloads through this or mk_finish.
mk_unload() {
	mk_clean "$1"
	mu_clean=$?
	kexec -m -u --id="$1" > /dev/null || return 1
	return $mu_clean
}

# mk_finish ID...: take everything back; the host must have all it had,
# and the instances' logs no report.
mk_finish() {
	mf_rc=0
	for mf_id in "$@"; do
		case "$(mk_state "$mf_id")" in
		starting|running|stopping|hung)
			kexec -m --kill --id="$mf_id" > /dev/null || mf_rc=1 ;;
		esac
		mk_unload "$mf_id" || mf_rc=1
	done
	mk_host_unchanged && [ $mf_rc = 0 ]
}

# mk_write FILE VALUE: write VALUE to FILE, print the errno name or 0.
# dd tells the errno (strerror) with busybox and coreutils alike, where a
# shell's echo may not (dash says "I/O error").
mk_write() {
	if mk_err=$(echo "$2" | dd of="$1" 2>&1); then
		echo 0
		return
	fi
	case "$mk_err" in
	*"Device or resource busy"*)	echo EBUSY ;;
	*"Invalid argument"*)		echo EINVAL ;;
	*"Exec format error"*)		echo ENOEXEC ;;
	*"Numerical result out of range"*) echo ERANGE ;;
	*"Invalid cross-device link"*)	echo EXDEV ;;
	*"Connection timed out"*)	echo ETIMEDOUT ;;
	*"Cannot allocate memory"*)	echo ENOMEM ;;
	*"No such device or address"*)	echo ENXIO ;;
	*"No such device"*)		echo ENODEV ;;
	*"Remote I/O error"*)		echo EREMOTEIO ;;
	*"Argument list too long"*)	echo E2BIG ;;
	*"File exists"*)		echo EEXIST ;;
	*"Address already in use"*)	echo EADDRINUSE ;;
	*"Operation not permitted"*)	echo EPERM ;;
	*"Permission denied"*)		echo EACCES ;;
	*"No such file or directory"*)	echo ENOENT ;;
	*)				echo "unknown($mk_err)" ;;
	esac
}

# writes WHAT FILE VALUE ERRNO: writing VALUE to FILE gives ERRNO (or 0).
writes() {
	w_got=$(mk_write "$2" "$3")
	[ "$w_got" = "$4" ] && return 0
	ktap_print_msg "$1: writing '$3' gave $w_got, wanted $4"
	return 1
}

# is WHAT GOT WANT
is() {
	[ "$2" = "$3" ] && return 0
	ktap_print_msg "$1: '$2', wanted '$3'"
	return 1
}

# mk_busy WHAT CMD...: CMD (a kexec) fails with EBUSY.
mk_busy() {
	bu_what=$1
	shift
	if bu_out=$("$@" 2>&1); then
		ktap_print_msg "$bu_what worked"
		return 1
	fi
	echo "$bu_out" | grep -q "Device or resource busy" && return 0
	ktap_print_msg "$bu_what: $bu_out"
	return 1
}

# mk_silent ID MS: within 60 s, instance ID's heartbeat (every 100 ms)
# stood still for MS ms: a CPU of it spins with interrupts off.
mk_silent() {
	si_n=0
	until [ "$(cat $MK/instances/"$1"/heartbeat_age_ms)" -ge "$2" ]; do
		si_n=$((si_n + 1))
		if [ $si_n -gt 300 ]; then
			ktap_print_msg "instance $1: heartbeat still goes after 60 s"
			return 1
		fi
		sleep 0.2
	done
}

# mk_log_mark, then mk_log_since: the kernel log's lines since the mark.
# (The harness reads the whole log at the end: nothing clears it.)
mk_log_mark() {
	mk_log_n=$(dmesg | wc -l)
}

mk_log_since() {
	dmesg | tail -n +$((mk_log_n + 1))
}
