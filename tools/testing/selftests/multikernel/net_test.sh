#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Ethernet link between the host and an instance: mk<id> on the host
# (here 10.77.<id>.1/24), eth0 in the instance (harness/guest/instance-init:
# 10.77.<id>.2/24, a TCP echo on port 5000).  Checked: the MAC addresses
# of both ends (02:4d:4b:HH:LL:00 and :01); the carrier follows the
# instance (off until it runs, off again when it is killed); ping and TCP
# both ways; the MTU range (a frame of up to 64 KiB takes several ring
# slots); two instances at once, each with its own
# netdev; and after a kill in the middle of a transfer the link is down
# and the host's socket, stalled, ends and closes by itself.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

SOCK=$DIR/mk_sock

ktap_print_header
mk_require_instances
mk_snapshot
ktap_set_plan 8




# carrier DEV: 1 with a carrier, 0 without (the device must be up).
carrier() {
	cat /sys/class/net/"$1"/carrier 2>/dev/null || echo 0
}

# link_up ID: the host's end of instance ID, configured.
link_up() {
	ip addr add 10.77."$1".1/24 dev mk"$1" && ip link set mk"$1" up
}

id=
setup() {
	id=$(mk_load idle -s) || return 1
	is "mk$id MAC" "$(cat /sys/class/net/mk"$id"/address)" \
		"$(printf '02:4d:4b:%02x:%02x:00' $((id >> 8)) $((id & 255)))" &&
	link_up "$id" && is "carrier before the start" "$(carrier mk"$id")" 0 &&
	mk_start "$id" && mk_wait_state "$id" running &&
	console_wait "$id" "mk-instance: services up" &&
	is "carrier once running" "$(carrier mk"$id")" 1 &&
	is "the instance's MAC" "$(mk_inside "$id" "cat /sys/class/net/eth0/address")" \
		"$(printf '02:4d:4b:%02x:%02x:01' $((id >> 8)) $((id & 255)))"
}
setup
mk_result "mk$id and the instance's eth0: stable MACs, carrier off until it runs" $?

ping -c 3 -W 5 10.77."$id".2 > /dev/null && mk_inside "$id" "ping -c 3 -W 5 10.77.$id.1 > /dev/null"
mk_result "ping both ways" $?

"$SOCK" echo tcp 10.77."$id".2:5000 stream 1400 200 && "$SOCK" stream tcp 10.77."$id".2:5000 20
mk_result "TCP to the instance: echo and 20 MB" $?

"$SOCK" serve tcp 0.0.0.0:5001 stream > /dev/null &
srv=$!
mk_inside "$id" "mk_sock echo tcp 10.77.$id.1:5001 stream 1400 200"
mk_result "TCP from the instance to the host" $?
kill $srv

mtu() {
	writes "MTU 67" /sys/class/net/mk"$id"/mtu 67 EINVAL &&
	writes "MTU 65536" /sys/class/net/mk"$id"/mtu 65536 EINVAL &&
	writes "MTU 65535" /sys/class/net/mk"$id"/mtu 65535 0 &&
	mk_inside "$id" "ip link set eth0 mtu 65535" &&
	ping -c 1 -W 5 -s 60000 10.77."$id".2 > /dev/null &&
	"$SOCK" stream tcp 10.77."$id".2:5000 20 &&
	writes "MTU 1500" /sys/class/net/mk"$id"/mtu 1500 0 &&
	mk_inside "$id" "ip link set eth0 mtu 1500"
}
mtu
mk_result "MTU 68 to 65535 (67 and 65536: EINVAL); 60000-byte pings and TCP at 65535" $?

id2=
two() {
	[ "$(mk_last_cpu)" -ge 3 ] && [ "$(cat $MK/pool/total)" -ge $((272 << 20)) ] ||
		return 2
	id2=$(mk_load idle -s $(($(mk_last_cpu) - 1))) && link_up "$id2" &&
	mk_start "$id2" && mk_wait_state "$id2" running &&
	console_wait "$id2" "mk-instance: services up" &&
	ping -c 2 -W 5 10.77."$id2".2 > /dev/null && ping -c 2 -W 5 10.77."$id".2 > /dev/null
}
two
rc=$?
if [ $rc = 2 ]; then
	ktap_test_skip "two instances, each with its own netdev (needs 4 CPUs and 272M)"
else
	mk_result "two instances, each with its own netdev" $rc
fi

# A kill during a transfer: no carrier; the transfer, caught in the middle
# (some bytes back, not all), gets nothing more; its client sees no
# progress for 10 s, says so and ends by itself, closing its socket.
killed() {
	"$SOCK" stream tcp 10.77."$id".2:5000 100 > /tmp/mk_net_kill.out 2>&1 &
	client=$!
	sleep 2
	kexec -m --kill --id="$id" && is "carrier after the kill" "$(carrier mk"$id")" 0 &&
	mk_ends $client "the transfer to a killed instance" 30 || return 1
	ktap_print_msg "$(cat /tmp/mk_net_kill.out)"
	n=$(sed -n 's/^mk_sock: stream: stalled at \([0-9]*\) of 104857600 bytes$/\1/p' \
		/tmp/mk_net_kill.out)
	[ -n "$n" ] && [ "$n" -gt 0 ]
}
killed
mk_result "kill during a 100 MB transfer: carrier off, the stalled socket ends and closes" $?

# shellcheck disable=SC2046 # the ids of the instances left
mk_finish $(for i in $id $id2; do [ -e $MK/instances/"$i" ] && echo "$i"; done) &&
	[ ! -e /sys/class/net/mk"$id" ]
mk_result "instances unloaded: netdevs gone, host got its CPUs and memory back" $?

ktap_finished
