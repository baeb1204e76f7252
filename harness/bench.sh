#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: one QEMU run that measures
# - a cold boot of the harness bzImage: from starting QEMU to the first
#   line of its /init ("mk-harness: begin bench"), timed from outside;
# - spawning an instance from the same bzImage: start to running, as the
#   host measures it (instances/N/boot_ms), five times on one CPU and five
#   times on three;
# - two CPU-bound jobs in a three-CPU instance, on one of its CPUs and on
#   two, five times each (its console runs them);
# - message round trips to the instance next to smp_call_function_single()
#   between two host CPUs, and throughput next to memcpy (the debugfs
#   bench file, CONFIG_MULTIKERNEL_DEBUG);
# - sockets, five times each: a vsock stream to the instance next to an
#   AF_UNIX stream between two host CPUs, TCP over the instance's link next
#   to TCP over the host's loopback, and 64-byte vsock round trips next to
#   AF_UNIX SOCK_SEQPACKET ones and, for scale, vsock loopback ones
#   (median, and the spread min..max).
# and a second QEMU run (kho=on) with five live updates in a row: how long
# the instance saw the host away (host_away_ms) next to how long each new
# host took from its start to adopting the instance.
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
spawn3=$(echo "$out" | sed -n 's/^spawn3 [0-9]: running, start to running \([0-9]*\) ms$/\1/p' |
	sort -n | sed -n 3p)
[ -n "$spawn3" ] || { echo "bench: no three-CPU spawn times in $log" >&2; exit 1; }
echo "cold QEMU boot of the bzImage to /init: $cold ms"
echo "spawn (start to running), median of 5:  $spawn ms"
echo "spawn on 3 CPUs, median of 5:           $spawn3 ms"
awk -v s="$spawn" -v c="$cold" 'BEGIN { printf "spawn / cold boot:                      %.2f (target <= 0.50)\n", s / c }'
awk -v s="$spawn" -v t="$spawn3" 'BEGIN { printf "spawn on 3 CPUs / on 1:                 %.2f (target <= 1.20)\n", t / s }'
# Two CPU-bound jobs in an instance: on two of its CPUs / both on one.
par() {
	echo "$out" | sed -n "s/^parallel $1: \([0-9]*\) ms$/\1/p" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 5) printf "%s %s %s", v[3], v[1], v[5] }'
}
read -r one one_lo one_hi <<< "$(par one)" || true
read -r two two_lo two_hi <<< "$(par two)" || true
[ -n "${one:-}" ] && [ -n "${two:-}" ] ||
	{ echo "bench: no parallel workload times in $log" >&2; exit 1; }
echo "two jobs in an instance, both on one CPU: $one ms ($one_lo..$one_hi), median of 5"
echo "the same on two CPUs:                    $two ms ($two_lo..$two_hi)"
awk -v a="$two" -v b="$one" 'BEGIN { printf "on two CPUs / on one:                   %.2f (target <= 0.60)\n", a / b }'

# io NAME: the five values of one socket measurement (MB/s, or the rr
# median in microseconds), one per line.
io() {
	echo "$out" | sed -n "s/^io $1 mk_sock: .* \([0-9.]*\) MB\/s$/\1/p;
		s/^io $1 mk_sock: rr: .* median \([0-9.]*\) us, .*/\1/p"
}
# stat NAME: "median (min..max)" of its values.
stat() {
	io "$1" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR < 5) { print "missing"; exit 1 }
		printf "%s (%s..%s)", v[3], v[1], v[NR] }'
}
median() {
	io "$1" | sort -n | sed -n 3p
}
echo
printf '%-44s %-26s %-26s %s\n' "sockets, median of 5 (min..max)" instance host ratio
row() {
	awk -v a="$(median "$2")" -v b="$(median "$3")" -v what="$1" -v sa="$(stat "$2")" \
		-v sb="$(stat "$3")" -v t="$4" \
		'BEGIN { printf "%-44s %-26s %-26s %.2f (target %s)\n", what, sa, sb, b ? a / b : 0, t }'
}
row "stream MB/s: vsock to instance / AF_UNIX" vsock_stream unix_stream ">= 0.5"
row "stream MB/s: TCP over mk1 / TCP loopback" tcp_link tcp_loopback ">= 0.5"
row "64 B round trip us: vsock / AF_UNIX seqpkt" vsock_rr unix_rr "<= 2"
# For scale: the kernel's own vsock loopback (a work item per packet, as
# every vsock transport) next to AF_UNIX, between the same host CPUs.
row "64 B round trip us: vsock loopback / AF_UNIX" loopback_rr unix_rr "none"

# Live update: five in a row, one QEMU run.
"$top/harness/qemu.sh" -t 900 lubench mk.run=lubench kunit.enable=0 kho=on \
	multikernel_pool=512M@1G > /dev/null
lu=$(tr -d '\r' < "$top/build/logs/lubench.log" |
	sed -n 's/^lubench [0-9]: running, host away \([0-9]*\) ms, adopted \([0-9]*\) ms after.*/\1 \2/p')
echo "$lu" | awk 'NF == 2 { printf "live update %d: host away %s ms, new host adopted at %s ms\n", NR, $1, $2 }'
lustat() {
	echo "$lu" | cut -d' ' -f"$1" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR < 5) { print "missing"; exit 1 }
		printf "%s (%s..%s)", v[3], v[1], v[NR] }'
}
away=$(lustat 1) || { echo "bench: fewer than 5 live updates in build/logs/lubench.log" >&2; exit 1; }
adopt=$(lustat 2)
echo "live update, the instance's view of the host away, median of 5: $away ms"
echo "the new host's own start to adoption, median of 5:              $adopt ms"
awk -v a="${away%% *}" -v b="${adopt%% *}" 'BEGIN { printf "start to adoption / host away:                                 %.2f\n", b / a }'
