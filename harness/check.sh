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
pass=0
fail=0
skip=0
t0=$(date +%s)

ok()   { pass=$((pass + 1)); echo "check: PASS $*"; }
bad()  { fail=$((fail + 1)); echo "check: FAIL $*"; }
step() { echo "check: == $* ($(( $(date +%s) - t0 ))s)"; }
finish() {
	echo "check: finished in $(( $(date +%s) - t0 ))s"
	[ "$skip" -gt 0 ] && echo "check: $skip skipped"
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

step "series"
must "base tree" "$h/mktree.sh" --base-only
if python3 "$h/series.py" --check; then ok "series/ is up to date with the sources"
else bad "series/ is stale or the manifest is wrong"; fi
must "series applies to the base with git am" "$h/mktree.sh"

for p in "$top"/series/0*.patch; do
	n=$(basename "$p")
	[ "$n" = 0000-cover-letter.patch ] && continue
	# MAINTAINERS is updated once, in the first patch, for every file of
	# the series; later patches that add files would only repeat the
	# "does MAINTAINERS need updating?" question.
	ignore=FILE_PATH_CHANGES
	grep -q '^+++ b/MAINTAINERS' "$p" && ignore=
	# Debian's python3 (python3-ply, python3-git) for spdxcheck.py,
	# whatever python3 comes first in PATH.
	if out=$(cd "$tree" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict --quiet --show-types \
			${ignore:+--ignore $ignore} "$p" 2>&1); then
		ok "checkpatch --strict $n"
	else
		echo "$out"
		bad "checkpatch --strict $n"
	fi
done

step "kernel"
must "kernel builds" "$h/kernel.sh"

# sparse and W=1 over the files the series adds (C=2: check all of them,
# not only those recompiled).
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
# Back to the normal flags for the objects linked into the bzImage.
must "kernel rebuilds after the W=1 pass" "$h/kernel.sh"

step "userspace"
must "static kexec-tools builds" "$h/kexec-tools.sh"
must "initramfs builds (busybox, kexec, kselftests)" "$h/initramfs.sh"
if grep -q "warning:" "$top/build/kselftest.log"; then
	grep -B2 -A6 "warning:" "$top/build/kselftest.log"
	bad "kselftests build without warnings"
else
	ok "kselftests build without warnings"
fi

# What fails a boot whatever its tests say: in the host's log, a warning,
# an oops, a lockdep, RCU, debug-objects or KASAN report, a leak; in the
# second serial port's log (instances print there with mk.instance_uart=1),
# the same but for the traces of the panics that the tests ask for.  The
# tests check each instance's own log (mk_finish in lib.sh).
host_splat='WARNING:|BUG:|Oops|Call Trace:|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|ODEBUG:|KASAN:|unreferenced object|blocked for more than'
instance_splat='WARNING:|BUG:|Oops|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|ODEBUG:|KASAN:'

# clean NAME: neither log of the boot has such a report.
clean() {
	local hits
	hits=$(grep -aE -- "$host_splat" "$logs/$1.log" | head -n 5)
	hits+=$(grep -aE -- "$instance_splat" "$logs/$1.ttyS1.log" 2>/dev/null | head -n 5)
	if [ -n "$hits" ]; then
		echo "$hits"
		bad "boot $1: no warning, oops, lockdep/RCU/debug-objects/KASAN report or leak in its logs"
	else
		ok "boot $1: no warning, oops, lockdep/RCU/debug-objects/KASAN report or leak in its logs"
	fi
}

# boot [-x] [-d] [-T] NAME KERNEL-ARGS...: boot once (-x x2APIC, -d the
# debug kernel, -T SMT: qemu.sh's options), and check its logs for reports.
boot() {
	local opts=()
	while [ "${1#-}" != "$1" ]; do opts+=("$1"); shift; done
	local name=$1; shift
	step "boot $name ${opts[*]}: $*"
	if ! "$h/qemu.sh" ${opts[@]+"${opts[@]}"} "$name" "$@"; then
		bad "boot $name reaches the end of /init"
		clean "$name"
		return 1
	fi
	ok "boot $name reaches the end of /init"
	clean "$name"
}

# ktap NAME SECTION: add the section's results to the totals.
ktap() {
	local out counts p f s
	out=$(python3 "$h/ktap.py" "$logs/$1.log" "$2")
	counts=$(echo "$out" | tail -n 1)
	echo "$out" | sed '$d'
	read -r p f s <<< "$counts"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	echo "check: $1/$2: $p passed, $f failed, $s skipped"
}

# log_has NAME TEXT: the boot's console log shows TEXT.
log_has() {
	if grep -qF -- "$2" "$logs/$1.log"; then ok "$1: kernel log has \"$2\""
	else bad "$1: kernel log has \"$2\""; fi
}

# Where the pool lies matters only to the pool, the loads and a spawn.
# It also leaves two instances running into the final reboot, which asks
# both to stop and kills the one that does not within 5 s.
if boot anywhere mk.run=test kunit.enable=0 multikernel_pool=256M mk.final_instance=1 \
	mk.tests=pool_test,instance_test,load_test,spawn_test.sh; then
	ktap anywhere kselftest
	log_has anywhere "multikernel: pool reserved: "
	log_has anywhere "mk-harness: instance 1 (idle) running into the reboot"
	log_has anywhere "mk-harness: instance 2 (hang) running into the reboot"
	log_has anywhere "multikernel: instance 1: stopped for the host's restart"
	log_has anywhere "multikernel: instance 2: did not stop in time: killed for the host's restart"
fi
# x2APIC: the host and its instances in x2APIC mode (ICR by MSR), running
# what sends IPIs: spawn, messages, lifecycle, floods; and the 20-cycle
# leak check, which the slower debug boot runs 5 times.
if boot -x x2apic mk.run=test kunit.enable=0 multikernel_pool=512M@1G \
	mk.tests=spawn_test.sh,cycle_test.sh,msg_test.sh,lifecycle_test.sh,hostile_test.sh,smp_test.sh,move_test.sh; then
	ktap x2apic kselftest
	# The instances' x2APIC mode: spawn_test.sh checks their logs.
	log_has x2apic "x2apic enabled"
fi
# SMT: two threads per core; an instance never shares a core with the host.
if boot -T smt mk.run=test kunit.enable=0 multikernel_pool=512M@1G mk.tests=smt_test.sh; then
	ktap smt kselftest
fi
# Lockdown: no instance loads, with either syscall.
if boot lockdown mk.run=test kunit.enable=0 lockdown=integrity multikernel_pool=512M@1G \
	mk.tests=lockdown_test.sh; then
	ktap lockdown kselftest
	# Ran, not skipped: the test checks the log lines itself (dmesg).
	log_has lockdown "ok 2 kexec_load of an instance refused with EPERM under lockdown"
fi
# kexec_load_disabled stays set until reboot: a boot of its own.
if boot disabled mk.run=test kunit.enable=0 mk.kexec_load_disabled=1 multikernel_pool=512M@1G; then
	ktap disabled kselftest
fi
if boot nopool mk.run=test kunit.enable=0; then
	ktap nopool kselftest
fi
# Requests the kernel must refuse, each with its own message.
if boot bad-syntax mk.run=test kunit.enable=0 mk.expect_pool=none multikernel_pool=3M@1G; then
	ktap bad-syntax kselftest
	log_has bad-syntax "multikernel: ignoring multikernel_pool=3M@1G: want SIZE[@ADDR]"
fi
if boot bad-notram mk.run=test kunit.enable=0 mk.expect_pool=none multikernel_pool=512M@3G; then
	ktap bad-notram kselftest
	log_has bad-notram "multikernel: ignoring multikernel_pool=512M@3G: [0xc0000000-0xdfffffff] is not all RAM"
fi
if boot bad-overlap mk.run=test kunit.enable=0 mk.expect_pool=none multikernel_pool=64M@16M; then
	ktap bad-overlap kselftest
	log_has bad-overlap "multikernel: ignoring multikernel_pool=64M@16M: [0x1000000-0x4ffffff] overlaps memory already in use"
fi
# The debug kernel runs every test (KUnit and the whole kselftest suite),
# then looks for leaks: any lockdep, RCU, sleep-in-atomic, debug-objects or
# kmemleak report fails.  The same suite on the plain kernel would add only
# time: the boots above run what depends on the configuration there.
step "debug kernel"
mkdir -p "$logs"
if "$h/kernel.sh" --debug > "$logs/kernel-debug.log" 2>&1; then
	ok "debug kernel builds (harness/debug.config)"
	if boot -d -t1800 debug mk.run=test mk.kmemleak=1 mk.cycles=5 multikernel_pool=512M@1G; then
		ktap debug kunit
		ktap debug kselftest
		log_has debug "mk-harness: kmemleak scanned"
	fi
	# Live update: the host kexecs twice while an instance runs
	# (liveupdate_test.sh, a KTAP section per host kernel).  The first
	# host, which refuses three handovers and hands the instance over,
	# is the debug kernel; the next two are the bzImage of the
	# initramfs, which adopt it.
	if boot -d liveupdate mk.run=liveupdate kho=on multikernel_pool=512M@1G; then
		for s in lu1 lu2 lu3; do ktap liveupdate $s; done
		log_has liveupdate "multikernel: instance 1: handed over to the next kernel"
		log_has liveupdate "multikernel: instance 1: adopted, running on CPUs 2-3"
	fi
else
	tail -n 20 "$logs/kernel-debug.log"
	bad "debug kernel builds (harness/debug.config)"
fi

finish
