#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Leak check: start and kill an instance MK_CYCLES times (default 20), on
# two CPUs when the host has CPUs 2 and 3; the pool's free bytes, the
# host's online CPUs and the list of instances must be the same afterwards
# as before, and every cycle must reach running.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

CYCLES=${MK_CYCLES:-20}
CPUS=$(mk_last_cpu)
[ "$CPUS" -ge 3 ] && CPUS=2-3

ktap_print_header
mk_require_instances
mk_snapshot

ktap_set_plan 2

# One cycle: load, start, wait for running, kill, unload and destroy.
cycle() {
	id=$(mk_spawn idle -s "$CPUS") && mk_wait_state "$id" running && mk_finish "$id"
}

n=0
while [ $n -lt "$CYCLES" ] && cycle; do
	n=$((n + 1))
done
if [ $n -eq "$CYCLES" ]; then
	ktap_test_pass "$CYCLES start/kill cycles on CPUs $CPUS reached running"
else
	ktap_print_msg "cycle $((n + 1)) failed"
	ktap_test_fail "$CYCLES start/kill cycles on CPUs $CPUS reached running"
fi

if mk_host_unchanged; then
	ktap_test_pass "pool bytes, online CPUs and instances as before"
else
	ktap_print_msg "pool free $(cat $MK/pool/free) (was $mk_free)"
	ktap_print_msg "online $(cat /sys/devices/system/cpu/online) (was $mk_online)"
	ktap_test_fail "pool bytes, online CPUs and instances as before"
fi

ktap_finished
