#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: one QEMU run that measures
# - a cold boot of the harness bzImage: from starting QEMU to the first
#   line of its /init ("mk-harness: begin bench"), timed from outside;
# - spawning an instance from the same bzImage: start to running, as the
#   host measures it (instances/N/boot_ms), five times;
# - message round trips to the instance next to smp_call_function_single()
#   between two host CPUs, and throughput next to memcpy (the debugfs
#   bench file, CONFIG_MULTIKERNEL_DEBUG).
# Under TCG only ratios taken in one run mean anything.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/build/logs/bench.log

rm -f "$log"
start=$(date +%s%N)
"$top/harness/qemu.sh" -t 600 bench mk.run=bench kunit.enable=0 \
	multikernel_pool=512M@1G &
qemu=$!
cold=
while kill -0 $qemu 2>/dev/null; do
	if [ -z "$cold" ] && grep -q "^mk-harness: begin bench" "$log" 2>/dev/null; then
		cold=$((($(date +%s%N) - start) / 1000000))
	fi
	sleep 0.02
done
wait $qemu
[ -n "$cold" ] || { echo "bench: no begin line in $log" >&2; exit 1; }

out=$(sed -n '/^mk-harness: begin bench/,/^mk-harness: end bench/p' "$log" |
	tr -d '\r' | sed '1d;$d')
echo "$out"
spawn=$(echo "$out" | sed -n 's/^spawn [0-9]: running, start to running \([0-9]*\) ms$/\1/p' |
	sort -n | sed -n 3p)
[ -n "$spawn" ] || { echo "bench: no spawn times in $log" >&2; exit 1; }
echo "cold QEMU boot of the bzImage to /init: $cold ms"
echo "spawn (start to running), median of 5:  $spawn ms"
awk -v s="$spawn" -v c="$cold" 'BEGIN { printf "spawn / cold boot:                      %.2f (target <= 0.50)\n", s / c }'
