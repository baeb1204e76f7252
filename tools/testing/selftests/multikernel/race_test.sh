#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Races the host must win: readers of every file of an instance while it
# is destroyed, and instances created and destroyed in a loop on several
# CPUs at once.  No instance is started; what is checked is the host's
# bookkeeping: every request gets a proper answer, and the pool, the
# CPUs and the instance list are as before (in the debug kernel, lockdep
# and kmemleak watch too).
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

ROUNDS=${MK_RACE_ROUNDS:-20}

ktap_print_header
mk_require_pool $((24 << 20))
cpu=$(mk_last_cpu)
if [ "$cpu" -lt 3 ]; then
	ktap_skip_all "needs 4 CPUs"
	exit "$KSFT_SKIP"
fi
mk_snapshot

ktap_set_plan 2

# readers ID: read every file of instance ID, again and again, until killed.
readers() {
	while :; do
		for f in "$MK/instances/$1"/*; do
			cat "$f" >/dev/null 2>&1
		done
	done
}

desc="$ROUNDS destroys race readers of every file, host unchanged"
ok=1
i=0
while [ $i -lt "$ROUNDS" ]; do
	if ! echo "1 $cpu 2M" > $MK/create; then
		ktap_print_msg "round $i: create failed"
		ok=0
		break
	fi
	readers 1 &
	r1=$!
	readers 1 &
	r2=$!
	sleep 0.1
	echo 1 > $MK/destroy || { ktap_print_msg "round $i: destroy failed"; ok=0; }
	kill $r1 $r2
	wait $r1 $r2 2>/dev/null
	[ $ok = 1 ] || break
	i=$((i + 1))
done
if [ $ok = 1 ] && mk_host_unchanged; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

# churn ID CPU: create and destroy instance ID on CPU, ROUNDS times.
churn() {
	n=0
	while [ $n -lt "$ROUNDS" ]; do
		echo "$1 $2 2M" > $MK/create || return 1
		echo "$1" > $MK/destroy || return 1
		n=$((n + 1))
	done
}

desc="3 x $ROUNDS creates and destroys on three CPUs at once, host unchanged"
churn 1 "$cpu" &
c1=$!
churn 2 $((cpu - 1)) &
c2=$!
churn 3 $((cpu - 2)) &
c3=$!
ok=1
for c in $c1 $c2 $c3; do
	wait $c || ok=0
done
if [ $ok = 1 ] && mk_host_unchanged; then
	ktap_test_pass "$desc"
else
	ktap_print_msg "a create or destroy failed, or the host did not get everything back"
	ktap_test_fail "$desc"
fi

ktap_finished
