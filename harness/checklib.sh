# SPDX-License-Identifier: GPL-2.0
#
# What harness/check.sh counts with, sourced by it and by the fixtures in
# harness/tests/.  Needs $top (the checkout) and $logs (the boot logs).
# Everything here fails closed: a result that cannot be read is a failure.

h=$top/harness
pass=${pass:-0}
fail=${fail:-0}
skip=${skip:-0}
t0=${t0:-$(date +%s)}

ok()   { pass=$((pass + 1)); echo "check: PASS $*"; }
bad()  { fail=$((fail + 1)); echo "check: FAIL $*"; }
step() { echo "check: == $* ($(( $(date +%s) - t0 ))s)"; }

# What fails a boot whatever its tests say: in the host's log, a warning,
# an oops, a lockdep, RCU, debug-objects, KASAN, lockup or hung-task
# report, a leak; in the second serial port's log (instances print there
# with mk.instance_uart=1), the same but for the traces of the panics
# that the tests ask for.  The tests check each instance's own log
# (mk_finish in lib.sh).
host_splat='WARNING:|BUG:|Oops|Call Trace:|general protection fault|possible circular locking'
host_splat+='|possible recursive locking|inconsistent lock state|suspicious RCU usage|ODEBUG:'
host_splat+='|KASAN:|unreferenced object|blocked for more than|soft lockup|hard LOCKUP'
host_splat+='|Kernel panic|stack-protector|UBSAN:|kernel stack overflow'
instance_splat='WARNING:|BUG:|Oops|general protection fault|possible circular locking'
instance_splat+='|possible recursive locking|inconsistent lock state|suspicious RCU usage'
instance_splat+='|ODEBUG:|KASAN:|soft lockup'

# dumped NAME: each kernel of the boot dumped its whole log at the end
# (harness/guest/init, lib.sh's mk_host_kexec): the console shows only
# errors once /init runs, and warnings, lockdep and RCU reports are
# KERN_WARNING.  A dump must reach back to "Linux version" (the buffer
# did not wrap), and there must be one per kernel that booted.
dumped() {
	local log=$logs/$1.log dumps whole kernels
	dumps=$(grep -ac '^mk-harness: begin dmesg' "$log")
	whole=$(grep -aA1 '^mk-harness: begin dmesg' "$log" | grep -ac 'Linux version')
	kernels=$(( $(grep -ac 'Linux version' "$log") - whole ))
	[ "$dumps" -gt 0 ] && [ "$whole" = "$dumps" ] && [ "$kernels" = "$dumps" ] && return 0
	echo "check: $1: $kernels kernels booted, $dumps dumped their log, $whole of it whole"
	return 1
}

# clean NAME: neither log of the boot has such a report, and the host's
# has every kernel's whole log.
clean() {
	local hits
	hits=$(grep -aE -- "$host_splat" "$logs/$1.log" 2>/dev/null | head -n 5)
	hits+=$(grep -aE -- "$instance_splat" "$logs/$1.ttyS1.log" 2>/dev/null | head -n 5)
	if [ ! -s "$logs/$1.log" ]; then
		bad "boot $1: no log"
	elif ! dumped "$1"; then
		bad "boot $1: the whole kernel log of each kernel is in the boot's log"
	elif [ -n "$hits" ]; then
		echo "$hits"
		bad "boot $1: no warning, oops, lockdep/RCU/debug-objects/KASAN/lockup report or leak in its logs"
	else
		ok "boot $1: no warning, oops, lockdep/RCU/debug-objects/KASAN/lockup report or leak in its logs"
	fi
}

# launch [-x] [-d] [-T] [-tSECONDS] NAME KERNEL-ARGS...: queue a boot
# (-x x2APIC, -d the debug kernel, -T SMT: qemu.sh's options) for
# run_boots.  The arguments are kept in $logs/NAME.args for ksft.
queued=()
launch() {
	local opts=() name
	while [ "${1#-}" != "$1" ]; do opts+=("$1"); shift; done
	name=$1; shift
	mkdir -p "$logs"
	echo "$*" > "$logs/$name.args"
	rm -f "$logs/$name.rc" "$logs/$name.out"
	printf '%q ' "${QEMU_SH:-$h/qemu.sh}" ${opts[@]+"${opts[@]}"} "$name" "$@" \
		> "$logs/$name.cmd"
	queued+=("$name")
}

# boots_at_once: how many boots run_boots runs at a time: MK_BOOTS, else
# one per two CPUs of this machine, as far as memory allows (a guest has
# 2G, and the debug kernel's QEMU takes about 2.5G of the host).  A boot
# keeps two host CPUs busy while its instances run, and the tests that
# compare times (hostile_test.sh's flood, smp_test.sh's parallel work)
# need them: two debug boots on a 2-CPU machine took as long together as
# one after the other, and failed both.
boots_at_once() {
	local mem cpus=$(( $(nproc) / 2 ))
	mem=$(awk '/^MemAvailable:/ { print int($2 / (3 * 1024 * 1024)) }' /proc/meminfo)
	[ "$mem" -ge 1 ] || mem=1
	[ "$cpus" -ge 1 ] || cpus=1
	echo "${MK_BOOTS:-$(( cpus < mem ? cpus : mem ))}"
}

# run_boots: run the queued boots, boots_at_once at a time, in the order
# queued.  Each boot's exit status goes to $logs/NAME.rc and qemu.sh's
# messages to $logs/NAME.out.
run_boots() {
	local n name
	n=$(boots_at_once)
	for name in ${queued[@]+"${queued[@]}"}; do
		while [ "$(jobs -rp | wc -l)" -ge "$n" ]; do wait -n || true; done
		( eval "$(cat "$logs/$name.cmd")" > "$logs/$name.out" 2>&1
		  echo $? > "$logs/$name.rc" ) &
	done
	wait
	queued=()
}

# booted NAME: count a boot that ran: it must have reached the end of
# /init (qemu.sh's status; no status is a failure), and its logs must be
# clean.  Returns non-zero when the boot did not end, so that its tests
# are not read.
booted() {
	local name=$1
	step "boot $name: $(cat "$logs/$name.args" 2>/dev/null)"
	cat "$logs/$name.out" 2>/dev/null
	if [ "$(cat "$logs/$name.rc" 2>/dev/null)" != 0 ]; then
		bad "boot $name reaches the end of /init"
		clean "$name"
		return 1
	fi
	ok "boot $name reaches the end of /init"
	clean "$name"
}

# boot [-x] [-d] [-T] [-tSECONDS] NAME KERNEL-ARGS...: one boot, now.
boot() {
	local a
	for a in "$@"; do [ "${a#-}" = "$a" ] && break; done
	launch "$@"
	run_boots
	booted "$a"
}

# ktap NAME SECTION [ktap.py OPTIONS]: add the section's results to the
# totals.  ktap.py must end with "P F S"; anything else is a failure.
ktap() {
	local name=$1 section=$2 out counts p f s
	shift 2
	out=$(python3 "${KTAP_PY:-$h/ktap.py}" "$logs/$name.log" "$section" "$@" 2>&1)
	counts=$(echo "$out" | tail -n 1)
	echo "$out" | sed '$d'
	if ! [[ $counts =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]; then
		echo "$out" | tail -n 1
		bad "$name/$section: ktap.py gave no count"
		return
	fi
	read -r p f s <<< "$counts"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	echo "check: $name/$section: $p passed, $f failed, $s skipped"
}

# kunit NAME [ktap.py OPTIONS]: the boot's KUnit results; every suite of
# the series (kernel/multikernel/*_kunit.c, arch/x86/kernel/*_kunit.c)
# must have run.
kunit() {
	local name=$1 e=() s
	shift
	for s in $(sed -n 's/^\t\.name = "\(multikernel_[a-z0-9_]*\)",$/\1/p' \
			"$top"/kernel/multikernel/*_kunit.c "$top"/arch/x86/kernel/*_kunit.c); do
		e+=(--expect "$s")
	done
	[ ${#e[@]} -gt 0 ] || { bad "$name/kunit: no KUnit suite found in the sources"; return; }
	ktap "$name" kunit "${e[@]}" "$@"
}

# ksft NAME [ktap.py OPTIONS]: the boot's kselftest results; every test
# it was to run (mk.tests=, else every test the suite installs) must have
# reported.
ksft() {
	local name=$1 e=() t tests
	shift
	tests=$(sed -n 's/.*mk\.tests=\([^ ]*\).*/\1/p' "$logs/$name.args" 2>/dev/null | tr , ' ')
	if [ -z "$tests" ]; then
		tests=$(sed -n 's/^multikernel://p' "${KSFT_LIST:-$top/build/kselftest/kselftest-list.txt}")
	fi
	for t in $tests; do
		e+=(--expect "selftests: multikernel: $t")
	done
	[ ${#e[@]} -gt 0 ] || { bad "$name/kselftest: no list of tests"; return; }
	ktap "$name" kselftest "${e[@]}" "$@"
}

# log_has NAME TEXT: the boot's console log shows TEXT.
log_has() {
	if grep -qF -- "$2" "$logs/$1.log" 2>/dev/null; then ok "$1: kernel log has \"$2\""
	else bad "$1: kernel log has \"$2\""; fi
}
