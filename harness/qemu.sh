#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the harness kernel and initramfs in QEMU.
#   harness/qemu.sh [-t SECONDS] [-i] [-x] [-d] [-T] [-A] NAME [KERNEL-ARGS...]
# -i: interactive, console on this terminal (for mk.run=shell).
# -d: boot the debug kernel (harness/kernel.sh --debug) as the host; its
#     instances run the normal kernel, the one in the initramfs.
# -x: x2APIC: q35 with an intel-iommu doing interrupt remapping (eim=on),
#     which QEMU 10 offers under TCG; without it Linux stays in xAPIC mode.
# -T: SMT: two cores of two threads each (the firmware's ACPI MADT lists
#     every thread).
# -A: APIC ids above 255 (implies -x): 4 sockets of 128 cores, CPUs 0-3 on
#     the first, CPUs 4 and 5 added at APIC ids 256 and 391 (the last
#     socket's core 7): 6 CPUs present out of 512 possible.
# Otherwise the first serial port (host console) goes to build/logs/NAME.log
# and the second (instances' UART with mk.instance_uart=1, a debugging aid)
# to build/logs/NAME.ttyS1.log.
# Exit status: 0 when the guest reached "mk-harness: done" and QEMU exited
# 0, 1 when either did not (panic, hang, crash, QEMU error: read the log
# and build/logs/NAME.qemu.log), 124 on timeout.
#
# TCG by default: KVM hangs on the machines this was written on.  KVM is used
# only when /dev/kvm exists and a probe boot under KVM finishes (MK_KVM=0
# skips the probe, MK_KVM=1 forces KVM).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bz=$top/build/obj/arch/x86/boot/bzImage
initrd=$top/build/initramfs.cpio
logs=$top/build/logs
timeout=${MK_TIMEOUT:-900}
interactive=0
x2apic=0
# sockets=4: SeaBIOS lists only the first CPU of each package in its MP
# table, which a kernel without ACPI reads.
smp=4,sockets=4,cores=1,threads=1
extra=()

while getopts "t:ixdTA" o; do
	case $o in
	t) timeout=$OPTARG ;;
	i) interactive=1 ;;
	x) x2apic=1 ;;
	d) bz=$top/build/obj-debug/arch/x86/boot/bzImage ;;
	T) smp=4,sockets=2,cores=1,threads=2 ;;
	A) x2apic=1
	   smp=4,sockets=4,cores=128,threads=1,maxcpus=512
	   extra=(-device max-x86_64-cpu,socket-id=2,core-id=0,thread-id=0
		  -device max-x86_64-cpu,socket-id=3,core-id=7,thread-id=0) ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
name=${1:?usage: qemu.sh [-t SECONDS] [-i] [-x] [-d] [-T] [-A] NAME [KERNEL-ARGS...]}
shift

[ -f "$bz" ] || { echo "qemu: $bz missing (run: make kernel)" >&2; exit 2; }
[ -f "$initrd" ] || { echo "qemu: $initrd missing (run: make initramfs)" >&2; exit 2; }
mkdir -p "$logs"

machine=(-M pc -cpu max)
[ $x2apic = 1 ] && machine=(-M q35 -cpu max,+x2apic
			    -device intel-iommu,intremap=on,eim=on)
base=(qemu-system-x86_64 "${machine[@]}" -smp "$smp" "${extra[@]}" -m 2G -no-reboot
      -kernel "$bz" -initrd "$initrd" -display none -monitor none)

# The probe's answer is kept in build/logs/accel: a probe that hangs costs
# its 30 s timeout, once per build directory rather than once per boot.
accel() {
	local probe=$logs/kvm-probe.log cached=$logs/accel
	case "${MK_KVM:-auto}" in
	0) echo "tcg,thread=multi"; return ;;
	1) echo kvm; return ;;
	esac
	if [ -s "$cached" ]; then
		cat "$cached"
		return
	fi
	if [ -w /dev/kvm ] && timeout 30 "${base[@]}" -accel kvm \
		-serial "file:$probe" -append "console=ttyS0 mk.run=probe" \
		>/dev/null 2>&1 && grep -q "mk-harness: done" "$probe"; then
		echo kvm | tee "$cached"
	else
		echo "tcg,thread=multi" | tee "$cached"
	fi
}
acc=${MK_ACCEL:-$(accel)}

append="console=ttyS0 earlyprintk=serial,ttyS0 panic=-1 $*"
if [ $interactive = 1 ]; then
	exec "${base[@]}" -accel "$acc" -serial mon:stdio \
		-serial "file:$logs/$name.ttyS1.log" -append "$append"
fi

log=$logs/$name.log
# silent: the last kernel to start ran /init, which has printed nothing.
silent() {
	awk '/Run \/init as init process/ { r = NR } /^mk-harness:/ { m = NR }
	     END { exit !(r > m) }' "$log" 2>/dev/null
}

# run: one boot.  Sets rc, and early=1 when /init printed nothing for 60 s
# after it started (the guest idles: seen once in about 50 boots on
# 2026-12-06, cause unknown; build/logs/NAME.hung.log keeps the log).
run() {
	rm -f "$log" "$logs/$name.ttyS1.log"
	timeout "$timeout" "${base[@]}" -accel "$acc" -serial "file:$log" \
		-serial "file:$logs/$name.ttyS1.log" -append "$append" \
		> "$logs/$name.qemu.log" 2>&1 &
	qemu=$!
	# A halted guest (mk.final=halt) stops its CPUs but not QEMU: that
	# is the end of it.
	halted=0
	early=0
	quiet=0
	while kill -0 $qemu 2>/dev/null; do
		if grep -q "^reboot: System halted" "$log" 2>/dev/null; then
			halted=1
			kill $qemu
			break
		fi
		if silent; then
			quiet=$((quiet + 1))
		else
			quiet=0
		fi
		if [ $quiet -ge 60 ]; then
			early=1
			kill $qemu
			break
		fi
		sleep 1
	done
	wait $qemu
	rc=$?
	[ $halted = 1 ] && rc=0
}

start=$(date +%s.%N)
run
if [ $early = 1 ]; then
	cp "$log" "$logs/$name.hung.log"
	echo "qemu: $name: /init printed nothing in 60 s (see $logs/$name.hung.log): booting once more" >&2
	run
	[ $early = 1 ] && echo "qemu: $name: /init printed nothing in 60 s again" >&2
fi
secs=$(echo "$(date +%s.%N) - $start" | bc)
if [ $rc = 124 ]; then
	echo "qemu: $name: timed out after ${timeout}s ($acc), see $log" >&2
	exit 124
fi
if ! grep -q "^mk-harness: done" "$log"; then
	echo "qemu: $name: guest did not finish (qemu exit $rc, $acc), see $log" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
if [ $rc != 0 ]; then
	echo "qemu: $name: QEMU exited $rc after the guest finished, see $logs/$name.qemu.log" >&2
	tail -n 5 "$logs/$name.qemu.log" >&2
	exit 1
fi
printf 'qemu: %s: done in %.1fs (%s)\n' "$name" "$secs" "$acc"
