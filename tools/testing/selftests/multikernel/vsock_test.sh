#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# AF_VSOCK between the host (CID 2) and its instances, over the
# multikernel transport.  The instance's init (harness/guest/instance-init)
# serves a stream echo on port 1234, a seqpacket echo on 1235 and a port
# 1236 that reads nothing; the test runs commands in the instance through
# its console (/dev/ttyMK<id>, mk_sock run).  Checked: the CID the host
# gave (vsock_cid) is the one the instance has; echoes both ways, stream
# and seqpacket, with mk_sock and with Debian's socat; credit flow control
# against a peer that reads nothing; a kill in the middle of a transfer
# gives the host's socket ECONNRESET, not a hang; two instances each at
# its own CID; every refused vsock_cid write with its errno; and ENODEV
# for a connect to a killed instance.
DIR="$(dirname "$(readlink -f "$0")")"
. "$DIR"/../kselftest/ktap_helpers.sh
. "$DIR"/lib.sh

SOCK=$DIR/mk_sock
ANY=4294967295

ktap_print_header
mk_require_instances
if [ ! -e $MK/instances ] || ! grep -q "AF_VSOCK\|vsock" /proc/net/protocols 2>/dev/null &&
   [ ! -e /dev/vsock ]; then
	ktap_skip_all "no AF_VSOCK"
	exit "$KSFT_SKIP"
fi
mk_snapshot
ktap_set_plan 10



# ready ID: the instance's services are up.
ready() {
	mk_wait_state "$1" running && console_wait "$1" "mk-instance: services up"
}


id=
cid=
up() {
	id=$(mk_spawn idle -s) && ready "$id" &&
	cid=$(cat $MK/instances/"$id"/vsock_cid) &&
	is "vsock_cid" "$cid" $((id + 2)) &&
	is "the instance's own CID" "$(mk_inside "$id" "mk_sock cid")" "$cid"
}
up
mk_result "instance $id has CID $cid, the host's default, and knows it" $?

"$SOCK" echo vsock "$cid:1234" stream 4000 200 &&
	echo mk-vsock-hello | socat - VSOCK-CONNECT:"$cid":1234 | grep -qx mk-vsock-hello
mk_result "host to instance, stream: mk_sock and socat echo" $?

"$SOCK" echo vsock "$cid:1235" seqpacket 4096 200 &&
	"$SOCK" echo vsock "$cid:1235" seqpacket 10000 20
mk_result "host to instance, seqpacket: messages of 4096 and 10000 bytes come back whole" $?

# The instance connects to the host: its server (mk_sock) and socat.
"$SOCK" serve vsock $ANY:2000 stream > /dev/null &
srv=$!
"$SOCK" serve vsock $ANY:2001 seqpacket > /dev/null &
srv="$srv $!"
socat VSOCK-LISTEN:2002,fork EXEC:cat > /dev/null 2>&1 &
srv="$srv $!"
mk_inside "$id" "mk_sock echo vsock 2:2000 stream 4000 200" &&
	mk_inside "$id" "mk_sock echo vsock 2:2001 seqpacket 4096 200" &&
	mk_inside "$id" "mk_sock echo vsock 2:2002 stream 1000 50"
mk_result "instance to host, stream and seqpacket (mk_sock and socat listening)" $?

# A peer that reads nothing: its credit stops the sender.
fill() {
	f=$("$SOCK" fill vsock "$cid:1236") || { ktap_print_msg "$f"; return 1; }
	ktap_print_msg "$f"
	n=$(echo "$f" | sed -n 's/^mk_sock: fill: \([0-9]*\) bytes.*/\1/p')
	[ -n "$n" ] && [ "$n" -ge 4096 ] && [ "$n" -le $((4 << 20)) ]
}
fill
mk_result "a peer that reads nothing takes its credit's worth, then writes wait" $?

# Two instances at once, each at its own CID.
id2=
two() {
	[ "$(mk_last_cpu)" -ge 3 ] && [ "$(cat $MK/pool/total)" -ge $((272 << 20)) ] ||
		return 2
	id2=$(mk_spawn idle -s $(($(mk_last_cpu) - 1))) && ready "$id2" &&
	cid2=$(cat $MK/instances/"$id2"/vsock_cid) &&
	[ "$cid2" != "$cid" ] && is "CID of $id2" "$(mk_inside "$id2" "mk_sock cid")" "$cid2" &&
	"$SOCK" echo vsock "$cid:1234" stream 1000 50 &&
	"$SOCK" echo vsock "$cid2:1234" stream 1000 50
}
two
rc=$?
if [ $rc = 2 ]; then
	ktap_test_skip "two instances, each at its own CID (needs 4 CPUs and 272M)"
else
	mk_result "two instances, each at its own CID" $rc
fi

# Refused writes to vsock_cid: each with its errno, none changes it.
refused() {
	f=$MK/instances/$id/vsock_cid
	writes "running" "$f" 77 EBUSY &&
	kexec -m --kill --id="$id" &&
	writes "reserved CID 0 (the hypervisor)" "$f" 0 EINVAL &&
	writes "reserved CID 1 (local)" "$f" 1 EINVAL &&
	writes "reserved CID 2 (the host)" "$f" 2 EINVAL &&
	writes "VMADDR_CID_ANY" "$f" $ANY EINVAL &&
	writes "not a number" "$f" abc EINVAL &&
	writes "too large" "$f" 4294967296 ERANGE &&
	{ [ -z "$id2" ] || writes "another's CID" "$f" "$cid2" EADDRINUSE; } &&
	is "vsock_cid after the refused writes" "$(cat "$f")" "$cid" &&
	writes "a free CID" "$f" 77 0 && is "vsock_cid" "$(cat "$f")" 77 &&
	is "mode of vsock_cid" "$(stat -c %a "$f")" 644
}
# A killed instance: its sockets are gone, its CID can be changed.
refused
mk_result "vsock_cid: refused while running, reserved, taken or bad (errno), set when stopped" $?

# A kill in the middle of a transfer: the host's socket is reset, at once.
killed() {
	mk_unload "$id" || return 1
	id=$(mk_spawn idle -s) && ready "$id" || return 1
	cid=$(cat $MK/instances/"$id"/vsock_cid)
	"$SOCK" stream vsock "$cid:1234" 100 > /tmp/mk_vsock_kill.out 2>&1 &
	client=$!
	sleep 2
	kexec -m --kill --id="$id" && mk_ends $client "the transfer" || return 1
	ktap_print_msg "$(cat /tmp/mk_vsock_kill.out)"
	grep -q "Connection reset by peer" /tmp/mk_vsock_kill.out
}
killed
mk_result "kill during a 100 MB transfer: the host's socket ends (ECONNRESET) within 10 s" $?

# Its transport is gone with it: a connect finds no device for the CID.
gone() {
	if g=$("$SOCK" echo vsock "$cid:1234" stream 100 1); then
		ktap_print_msg "a killed instance echoed: $g"
		return 1
	fi
	is "connect to a killed instance" "$g" "mk_sock: connect: No such device"
}
gone
mk_result "a killed instance's CID is unreachable: connect gives ENODEV" $?

# shellcheck disable=SC2086 # a list of pids
kill $srv 2>/dev/null
# shellcheck disable=SC2046 # the ids of the instances left
mk_finish $(for i in $id $id2; do [ -e $MK/instances/"$i" ] && echo "$i"; done)
mk_result "instances unloaded, their logs clean, host got its CPUs and memory back" $?

ktap_finished
