#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command: build what is needed, boot the host in QEMU in several
# configurations, collect KUnit and kselftest KTAP, check the series, and
# end with one line "N passed, N failed".  Exit status 0 only when nothing
# failed and every step ran.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
h=$top/harness
tree=$top/build/linux
logs=$top/build/logs
t0=$(date +%s)
. "$h/checklib.sh"

finish() {
	echo "check: finished in $(( $(date +%s) - t0 ))s"
	[ "$skip" -gt 0 ] && echo "check: $skip skipped, each one this boot expects"
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}
# A step that everything after it needs: stop here when it fails.
must() {
	local what=$1; shift
	if "$@"; then ok "$what"; else bad "$what"; finish; fi
}

step "dependencies"
must "dependencies installed" "$h/deps.sh"

# The fixtures: the counting (ktap.py, checklib.sh, qemu.sh's status)
# fails on every broken log we know of.
step "harness fixtures"
if python3 -m unittest discover -s "$h/tests" -q 2>&1 | tail -n 3; then
	ok "harness fixtures: the counting fails closed"
else
	bad "harness fixtures: the counting fails closed"
fi

step "series"
must "base tree" "$h/mktree.sh" --base-only
must "series applies to the base with git am" "$h/mktree.sh"
if "$h/export.sh" --check; then ok "series/ and the kernel files are what the multikernel branch exports"
else bad "series/ and the kernel files are what the multikernel branch exports"; fi

# checkpatch --strict on each patch, as many at a time as there are
# CPUs, counted in order.  Its verdict depends only on the patch, the
# options, checkpatch.pl and the files it reads (its spelling and struct
# lists, MAINTAINERS): keyed by all of them, a verdict is kept outside the
# checkout, as ccache keeps objects, and a patch that did not change is
# not checked again (MK_CHECKPATCH_CACHE=none checks every one).
cpd=$logs/checkpatch
cpc=${MK_CHECKPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multikernel-checkpatch}
rm -rf "$cpd"
mkdir -p "$cpd"
[ "$cpc" = none ] || mkdir -p "$cpc" || cpc=none
cpinputs=$(cd "$tree" && cat Makefile scripts/checkpatch.pl scripts/spdxcheck.py scripts/spelling.txt \
	   scripts/const_structs.checkpatch MAINTAINERS | sha256sum | cut -d' ' -f1)
checkpatch() {
	# MAINTAINERS is updated once, in the first patch, for every file of
	# the series; later patches that add files would only repeat the
	# "does MAINTAINERS need updating?" question.
	local ignore=FILE_PATH_CHANGES out=$cpd/$(basename "$1") key
	grep -q '^+++ b/MAINTAINERS' "$1" && ignore=
	key=$( { echo "--strict --quiet --show-types ignore=$ignore $cpinputs"; cat "$1"; } |
	      sha256sum | cut -d' ' -f1)
	if [ "$cpc" != none ] && [ -f "$cpc/$key.rc" ]; then
		cp "$cpc/$key" "$out" && cp "$cpc/$key.rc" "$out.rc" &&
			touch "$out.cached" && return
	fi
	# Debian's python3 (python3-ply, python3-git) for spdxcheck.py,
	# whatever python3 comes first in PATH.
	(cd "$tree" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict --quiet --show-types \
		${ignore:+--ignore $ignore} "$1") > "$out" 2>&1
	echo $? > "$out.rc"
	if [ "$cpc" != none ]; then
		cp "$out" "$cpc/$key.tmp$$" && mv "$cpc/$key.tmp$$" "$cpc/$key" &&
			cp "$out.rc" "$cpc/$key.rc.tmp$$" && mv "$cpc/$key.rc.tmp$$" "$cpc/$key.rc"
	fi
}
patches=()
for p in "$top"/series/0*.patch; do
	[ "$(basename "$p")" = 0000-cover-letter.patch ] || patches+=("$p")
done
for p in "${patches[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
	checkpatch "$p" &
done
wait
echo "check: checkpatch: $(ls "$cpd" | grep -c '\.cached$') of ${#patches[@]} verdicts from $cpc"
for p in "${patches[@]}"; do
	n=$(basename "$p")
	if [ "$(cat "$cpd/$n.rc" 2>/dev/null)" = 0 ]; then
		ok "checkpatch --strict $n"
	else
		cat "$cpd/$n" 2>/dev/null
		bad "checkpatch --strict $n"
	fi
done

step "kernel"
# sparse and W=1 over the files the series adds (C=2: check all of them,
# not only those recompiled), before the build: their objects are then
# compiled again with the normal flags (ccache has them), and vmlinux is
# linked once.
must "kernel configures" "$h/kernel.sh" --prepare
ours=$(cd "$tree" && git diff --name-only --diff-filter=A base -- '*.c' |
       grep -v '^tools/' | sed 's/\.c$/.o/')
must "sparse builds (sid's source)" "$h/sparse.sh"
if [ -n "$ours" ]; then
	out=$(make -s -C "$tree" O="$top/build/obj" ARCH=x86_64 CC="ccache gcc" \
		CCACHE_BASEDIR="$top" C=2 CHECK="$top/build/sparse/sparse" W=1 $ours 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		bad "sparse (C=2) and W=1 clean: $(echo $ours)"
	else
		ok "sparse (C=2) and W=1 clean: $(echo $ours)"
	fi
fi
must "kernel builds" "$h/kernel.sh"

step "userspace"
must "static kexec-tools builds" "$h/kexec-tools.sh"
must "initramfs builds (busybox, kexec, kselftests)" "$h/initramfs.sh"
if grep -q "warning:" "$top/build/kselftest.log"; then
	grep -B2 -A6 "warning:" "$top/build/kselftest.log"
	bad "kselftests build without warnings"
else
	ok "kselftests build without warnings"
fi

# The debug kernel is built before the boots.  They are queued, longest
# first, and run one per two CPUs of the machine (boots_at_once in
# checklib.sh: one on a 2-CPU machine), then counted in the order queued.
step "debug kernel"
debug=0
mkdir -p "$logs"
if "$h/kernel.sh" --debug > "$logs/kernel-debug.log" 2>&1; then
	ok "debug kernel builds (harness/debug.config)"
	debug=1
else
	tail -n 20 "$logs/kernel-debug.log"
	bad "debug kernel builds (harness/debug.config)"
fi

# Skips each boot expects (ktap.py --skip: "DESCRIPTION # SKIP REASON");
# any other skip fails.  A test may skip only for what the machine of
# that boot lacks.
no_pool_skips=(--skip '# SKIP (needs a pool|no pool to create an instance in)')
pool_skips=(--skip 'no_pool.* # SKIP only without a pool'
	    --skip 'kexec_load_disabled # SKIP kexec_load_disabled is not set')
# Report every KASAN finding and warning, not only the first: nothing
# panics on them, and check.sh reads them all from the log.  The debug
# hosts run 4-level paging on a CPU that has 5-level (no5lvl): 7.3's
# identify_cpu() clears the LA57 capability for a moment with interrupts
# on, and KASAN then takes a 5-level host's direct map for wild addresses
# (README).  Their instances run 4-level too, whatever the CPU offers
# (spawn_test.sh), and the live update refuses a 5-level next host
# (liveupdate_test.sh); the plain boots keep 5-level paging, and the
# `anywhere` boot runs KUnit for it: the park tables' cases walk a
# 5-level table there, and its instances start with them.
debug_args="kasan.fault=report panic_on_warn=0 no5lvl"

# The debug kernel runs every test but the two that need a machine of
# their own (lockdown, SMT), split in two boots of about the same
# length, each of which ends looking for leaks: any lockdep, RCU,
# sleep-in-atomic, debug-objects, KASAN, lockup, hung-task or kmemleak
# report fails.  The first also runs KUnit.  The second is an x2APIC
# host (ICR by MSR, interrupt remapping) whose instances are in x2APIC
# mode too, and it ends with a power off with two instances running into
# it.  The plain kernel's boots below run what depends on the
# configuration.  cycle_test.sh does 5 cycles here, not its 20: a leak of
# pool bytes or CPUs shows after one, kmemleak reads every object, and
# `make cycles` does 100 for what only repetition finds.
if [ $debug = 1 ]; then
	launch -d -t1800 debug-a mk.run=test mk.kmemleak=1 multikernel_pool=512M@1G mk.cycles=5 $debug_args \
		mk.tests=pool_test,instance_test,load_test,start_test,kexec_m_test.sh,cycle_test.sh,msg_test.sh,hostile_test.sh,lifecycle_test.sh,host_busy_test.sh,race_test.sh,smp_test.sh,restart_test.sh,recovery_test.sh
	launch -d -x -t1800 debug-b mk.run=test kunit.enable=0 mk.kmemleak=1 multikernel_pool=512M@1G \
		mk.final_instance=1 mk.final=poweroff $debug_args \
		mk.tests=spawn_test.sh,fault_test.sh,vsock_test.sh,net_test.sh,console_test.sh,move_test.sh,timeout_test.sh
fi
# Where the pool lies matters only to the pool, the loads and a spawn.
# It also leaves two instances running into the final reboot, which asks
# both to stop and kills the one that does not within 5 s.
launch anywhere mk.run=test multikernel_pool=256M mk.final_instance=1 \
	mk.tests=pool_test,instance_test,load_test,spawn_test.sh
# A halt, with two instances running into it.
launch halt mk.run=test kunit.enable=0 multikernel_pool=512M@1G mk.final_instance=1 \
	mk.final=halt mk.tests=kexec_m_test.sh
# The kernel's own AF_VSOCK suite (tools/testing/vsock/vsock_test) between
# the host and an instance, both ways, its TCP control channel over the
# instance's link (harness/vsock_suite.sh).  Test 8 bounds how late a 1 s
# SO_RCVTIMEO may end by 250 ms of wall-clock time, which TCG does not
# keep (the admin guide says so).
launch vsock mk.run=vsock_suite kunit.enable=0 multikernel_pool=512M@1G
# SMT: two threads per core; an instance never shares a core with the host.
launch -T smt mk.run=test kunit.enable=0 multikernel_pool=512M@1G mk.tests=smt_test.sh
# APIC ids above 255 (x2APIC, 128 cores a socket): smp_test.sh runs an
# instance on the two CPUs with the highest ones, 256 and 391.
launch -A apic mk.run=test kunit.enable=0 multikernel_pool=512M@1G mk.tests=smp_test.sh
# Lockdown: no instance loads, with either syscall.
launch lockdown mk.run=test kunit.enable=0 lockdown=integrity multikernel_pool=512M@1G \
	mk.tests=lockdown_test.sh
# kexec_load_disabled stays set until reboot: a boot of its own, for the
# tests that load.
launch disabled mk.run=test kunit.enable=0 mk.kexec_load_disabled=1 multikernel_pool=512M@1G \
	mk.tests=load_test,start_test
# No pool, and pools the kernel must refuse, each with its own message:
# the tests that read the pool.
launch nopool mk.run=test kunit.enable=0 mk.tests=pool_test,instance_test,load_test,start_test
bad_pools=("syntax 3M@1G want SIZE[@ADDR]"
	   "notram 512M@3G [0xc0000000-0xdfffffff] is not all RAM"
	   "overlap 64M@16M [0x1000000-0x4ffffff] overlaps memory already in use")
for bad_pool in "${bad_pools[@]}"; do
	read -r what spec why <<< "$bad_pool"
	launch bad-$what mk.run=test kunit.enable=0 mk.expect_pool=none multikernel_pool=$spec \
		mk.tests=pool_test,instance_test
done
if [ $debug = 1 ]; then
	# The debug kernel's detectors see real bugs: LKDTM provokes one
	# each (mk.run=detectors), and clean() must flag every report.
	launch -d detectors mk.run=detectors kunit.enable=0 $debug_args
	# Live update: the host kexecs twice while an instance runs
	# (liveupdate_test.sh, a KTAP section per host kernel).  The first
	# host, which refuses five handovers and hands the instance over,
	# is the debug kernel; the next two are the bzImage of the
	# initramfs, which adopt it.
	# KHO's scratch areas are by default twice what the kernel used at
	# boot, which KASAN's shadow makes too large to fit next to the
	# pool in 2G: fixed sizes, enough for the next kernel to boot in.
	launch -d liveupdate mk.run=liveupdate kho=on kho_scratch=16M,256M,64M \
		multikernel_pool=512M@1G $debug_args
fi
step "boots, $(boots_at_once) at a time: ${queued[*]}"
run_boots

if [ $debug = 1 ]; then
	if booted debug-a; then
		kunit debug-a
		ksft debug-a "${pool_skips[@]}"
		log_has debug-a "mk-harness: kmemleak scanned"
	fi
	if booted debug-b; then
		ksft debug-b
		log_has debug-b "mk-harness: kmemleak scanned"
		# The instances' x2APIC mode: spawn_test.sh checks their logs.
		log_has debug-b "x2apic enabled"
		log_has debug-b "multikernel: instance 1: stopped for the host's power off"
		log_has debug-b "multikernel: instance 2: did not stop in time: killed for the host's power off"
	fi
fi
if booted anywhere; then
	kunit anywhere
	ksft anywhere "${pool_skips[@]}" --skip '\(needs 4 CPUs and a pool of 264M\) # SKIP'
	log_has anywhere "multikernel: pool reserved: "
	log_has anywhere "mk-harness: instance 1 (idle) running into the reboot"
	log_has anywhere "mk-harness: instance 2 (hang) running into the reboot"
	log_has anywhere "multikernel: instance 1: stopped for the host's restart"
	log_has anywhere "multikernel: instance 2: did not stop in time: killed for the host's restart"
fi
if booted halt; then
	ksft halt
	log_has halt "multikernel: instance 1: stopped for the host's halt"
	log_has halt "multikernel: instance 2: did not stop in time: killed for the host's halt"
fi
if booted vsock; then
	ktap vsock vsock_suite --skip ': 8 SOCK_SEQPACKET timeout # SKIP ' \
		--expect 'host server, instance client' --expect 'instance server, host client'
fi
booted smt && ksft smt
if booted apic; then
	ksft apic
	log_has apic "CPUs 4-5 have APIC ids 256 391"
fi
booted lockdown && ksft lockdown
booted disabled && ksft disabled --skip '# SKIP kexec_load_disabled is set'
if booted nopool; then
	ksft nopool "${no_pool_skips[@]}" --skip '# SKIP needs a pool of 64M' \
		--skip 'kexec_load_disabled # SKIP kexec_load_disabled is not set'
fi
for bad_pool in "${bad_pools[@]}"; do
	read -r what spec why <<< "$bad_pool"
	if booted bad-$what; then
		ksft bad-$what "${no_pool_skips[@]}"
		log_has bad-$what "multikernel: ignoring multikernel_pool=$spec: $why"
	fi
done
if [ $debug = 1 ]; then
	# Not booted(): the detectors' reports are the point of this boot.
	step "boot detectors: $(cat "$logs/detectors.args")"
	cat "$logs/detectors.out" 2>/dev/null
	if [ "$(cat "$logs/detectors.rc" 2>/dev/null)" = 0 ]; then
		for d in "READ_AFTER_FREE KASAN: slab-use-after-free" "WARNING at lkdtm_WARNING" \
			 "HUNG_TASK blocked for more than" "SOFTLOCKUP soft lockup" \
			 "HARDLOCKUP hard LOCKUP"; do
			read -r what report <<< "$d"
			if grep -q "^mk-harness: detector $what reported" "$logs/detectors.log" &&
			   grep -aE -- "$host_splat" "$logs/detectors.log" | grep -qF -- "$report"; then
				ok "detectors: $what is reported (\"$report\") and fails a boot"
			else
				bad "detectors: $what is reported (\"$report\") and fails a boot"
			fi
		done
	else
		bad "boot detectors reaches the end of /init"
	fi
	if booted liveupdate; then
		for s in lu1 lu2 lu3; do ktap liveupdate $s; done
		log_has liveupdate "multikernel: instance 1: handed over to the next kernel"
		log_has liveupdate "multikernel: instance 1: adopted, running on CPUs 2-3"
	fi
fi

finish
