#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Messages between the host and an instance through /dev/multikernel<ID>:
# the instance runs mk_echo (mk.instance=echo), which sends every message
# of type 0x100 back, and mk_msg on the host checks that each comes back
# whole and in order, that bad requests get their errno, that sysfs counts
# the traffic, that only root opens the device, and that writing to a
# killed instance fails with ENOTCONN.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

MSG=$DIR/mk_msg
# Seconds mk_echo may take to answer once the instance runs: it starts
# after the instance's init.
READY_TIMEOUT=${MK_READY_TIMEOUT:-30}

ktap_print_header
mk_require_instances
mk_snapshot

ktap_set_plan 12

# echo_ready ID TRY TOTAL: one echo comes back within TRY seconds, tried
# again until TOTAL seconds have passed.
echo_ready() {
	t0=$(cut -d. -f1 /proc/uptime)
	until "$MSG" echo "$1" 1 8 "$2" >/dev/null 2>&1; do
		if [ $(($(cut -d. -f1 /proc/uptime) - t0)) -ge "$3" ]; then
			ktap_print_msg "instance $1: no echo in $3 s"
			return 1
		fi
		sleep 1
	done
}

# result DESC CMD...: a test that passes when CMD does; shows what CMD said.
result() {
	desc=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && ktap_print_msg "$out"
	if [ $rc = 0 ]; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# errno_is ID SIZE NAME: a write of SIZE bytes fails with errno NAME.
errno_is() {
	out=$("$MSG" errno "$1" "$2" 2>&1)
	ktap_print_msg "$out"
	[ "$out" = "mk_msg: errno=$3" ]
}

# counter NAME: the instance's message counter NAME.
counter() {
	cat "$MK/instances/$id/$1"
}

# irq_total LABEL: a line of /proc/interrupts ("MKD:", "24:"), all CPUs.
irq_total() {
	awk -v l="$1" '$1 == l { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i }
	     END { print n + 0 }' /proc/interrupts
}

# received_at_least ID N: the host took N messages from instance ID
# within 10 s.
received_at_least() {
	ra_i=0
	until [ "$(cat "$MK/instances/$1/msg_received")" -ge "$2" ]; do
		ra_i=$((ra_i + 1))
		if [ $ra_i -gt 50 ]; then
			ktap_print_msg "instance $1: msg_received" \
				"$(cat "$MK/instances/$1/msg_received"), wanted $2"
			return 1
		fi
		sleep 0.2
	done
}

# The instance sends 100 messages while it boots, before the host sees it
# running (multikernel.boot_msgs, CONFIG_MULTIKERNEL_DEBUG): the host
# takes them all once it does, although their doorbell rang too early.
id=
desc="100 messages an instance sent while booting all reach the host"
if id=$(mk_spawn echo -s "" multikernel.boot_msgs=100) && mk_wait_state "$id" running &&
   console_has "$id" "multikernel: 100 messages sent while booting: 0" &&
   received_at_least "$id" 100 && [ "$(counter msg_dropped)" = 0 ]; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

desc="instance running mk_echo answers"
if [ -n "$id" ] && echo_ready "$id" 3 "$READY_TIMEOUT"; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

# A late echo of the probes above would land in no file: let it come.
sleep 1
sent0=$(counter msg_sent)
recv0=$(counter msg_received)
dropped0=$(counter msg_dropped)
bells0=$(counter doorbells)
irq=$(counter doorbell_irq)
irq0=$(irq_total "$irq:")
mkd0=$(irq_total MKD:)

result "100 messages of 64 bytes come back in order" "$MSG" echo "$id" 100 64
result "10000 messages of 64 bytes come back in order, none lost" \
	"$MSG" echo "$id" 10000 64
result "200 messages of 4096 bytes come back in order" "$MSG" echo "$id" 200 4096
# What the three tests above sent, and got back.
n=$((100 + 10000 + 200))

desc="a message of 4097 bytes is refused with EMSGSIZE"
if errno_is "$id" 4097 EMSGSIZE; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

result "read/write before bind: EDESTADDRREQ, bind outside 0x100..0xffff or a second bind: EINVAL" \
	"$MSG" unbound "$id"

# The counters grew by at least what the tests sent and got back (the
# kernels may send messages of their own), and nothing was dropped.
counted() {
	sent=$(counter msg_sent) && recv=$(counter msg_received) &&
		dropped=$(counter msg_dropped) || return 1
	ktap_print_msg "msg_sent +$((sent - sent0)), msg_received +$((recv - recv0))," \
		"msg_dropped +$((dropped - dropped0)); wanted +$n, +$n, +0"
	[ $((sent - sent0)) -ge $n ] && [ $((recv - recv0)) -ge $n ] &&
		[ "$dropped" = "$dropped0" ]
}
desc="msg_sent and msg_received count the messages, msg_dropped none"
if [ -n "$sent0" ] && [ -n "$recv0" ] && [ -n "$dropped0" ] && counted; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

# Each instance rings an interrupt of its own; the multikernel vector
# (MKD) takes none of its doorbells on the host.
desc="/proc/interrupts counts the instance's doorbells on its own line, none on MKD"
bells=$(counter doorbells)
irqn=$(irq_total "$irq:")
mkd=$(irq_total MKD:)
ktap_print_msg "interrupt $irq +$((irqn - irq0)), MKD +$((mkd - mkd0))," \
	"doorbells +$((bells - bells0))"
if grep -q "MKD:.*Multikernel doorbells" /proc/interrupts &&
   grep -q "^ *$irq:.* multikernel$id\$" /proc/interrupts &&
   [ $((bells - bells0)) -gt 0 ] && [ $((irqn - irq0)) -gt 0 ] &&
   [ "$mkd" = "$mkd0" ]; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

result "user nobody cannot open /dev/multikernel$id" "$MSG" nobody "$id"

desc="a write to a killed instance fails with ENOTCONN"
if [ -n "$id" ] && kexec -m --kill --id="$id" && [ -e /dev/multikernel"$id" ] &&
   errno_is "$id" 8 ENOTCONN; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

desc="instance unloaded, host got its CPU and memory back"
if [ -n "$id" ] && mk_finish "$id"; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

ktap_finished
