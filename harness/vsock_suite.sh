#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own AF_VSOCK suite, tools/testing/vsock/vsock_test, between
# the host (CID 2) and an instance, in both directions, the way upstream
# runs it between a host and a VM (tools/testing/selftests/vsock/vmtest.sh):
# one end --mode=server, the other --mode=client, their TCP control channel
# over the instance's network link (mkID 10.77.ID.1 on the host, eth0
# 10.77.ID.2 in the instance).  The instance's end runs in its shell,
# through its console (mk_sock run).  harness/guest/init runs this
# (mk.run=vsock_suite).
#
# vsock_test stops at the first test that fails.  Here that test is
# reported and a new run of both ends goes on after it (--skip for what
# is done), so that each test has a result of its own.  A run that gets
# nowhere ends the direction: its tests that never ran are missing from
# its plan, and count as failed.
#
# KTAP: one subtest per direction, one result per vsock_test test (named
# "host server: ID NAME" or "instance server: ID NAME", ID being
# vsock_test's own), then one for the instance's log and the host's state.
. /kselftest/kselftest/ktap_helpers.sh
. /kselftest/multikernel/lib.sh

SOCK=/kselftest/multikernel/mk_sock
VSOCK_TEST=/bin/vsock_test
# The control channel's TCP port, and the vsock port the tests use
# (vsock_test's default 1234 is the instance's echo server).
CONTROL_PORT=15000
PEER_PORT=20000
# Seconds a run of the whole suite may take, at most (a test that hangs
# is ended by its own 10 s timeouts well before).
RUN_TIMEOUT=600
# vsock_test IDs that cannot pass here for a reason that is not a
# defect, with that reason: "ID REASON" per line.  8 wants a read(2) with
# SO_RCVTIMEO 1 s to return within 1.25 s: under QEMU's TCG on a loaded
# machine it took 1.34 and 1.99 s (af_vsock's own timeout, no transport's).
SKIPS='8 read(2) timeout overshoot bound of 250 ms, wall-clock timing that QEMU TCG does not keep'

# inside COMMAND [SECONDS]: run COMMAND in the instance's shell.
inside() {
	"$SOCK" run /dev/ttyMK"$id" "${2:-30}" "$1"
}

# sub MESSAGE...: a line of the direction's subtest.
sub() {
	echo "    $*"
}

# listens: until the host's end listens on TCP port CONTROL_PORT, for
# 30 s at most.
listens() {
	l_i=0
	until awk -v port=":$(printf %04X $CONTROL_PORT)\$" \
		'$2 ~ port && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp; do
		[ $l_i -ge 150 ] && return 1
		l_i=$((l_i + 1))
		sleep 0.2
	done
}

# ends PID: the host's end, a server, has 30 s to end after the client
# did (each end gives up 10 s after its peer went quiet), else it is
# killed: it would wait in accept() for a client that never came.
ends() {
	e_i=0
	while kill -0 "$1" 2>/dev/null && [ $e_i -lt 150 ]; do
		e_i=$((e_i + 1))
		sleep 0.2
	done
	kill "$1" 2>/dev/null
	wait "$1"
}

# run_host_server ARGS: one run, the host's end the server; the ends'
# output in /tmp/vs.host and /tmp/vs.instance.
run_host_server() {
	# shellcheck disable=SC2086 # one word per option
	timeout $RUN_TIMEOUT $VSOCK_TEST --mode=server --control-port=$CONTROL_PORT \
		--peer-cid="$cid" --peer-port=$PEER_PORT $1 > /tmp/vs.host 2>&1 < /dev/null &
	vs=$!
	listens
	inside "timeout $RUN_TIMEOUT vsock_test --mode=client --control-host=10.77.$id.1 \
--control-port=$CONTROL_PORT --peer-cid=2 --peer-port=$PEER_PORT $1 > /tmp/vs 2>&1 < /dev/null; \
cat /tmp/vs" $((RUN_TIMEOUT + 30)) > /tmp/vs.instance 2>&1
	ends $vs
}

# run_instance_server ARGS: the same, the instance's end the server.  Its
# console is busy while it runs: the client tries to connect for 30 s.
run_instance_server() {
	inside "timeout $RUN_TIMEOUT vsock_test --mode=server --control-port=$CONTROL_PORT \
--peer-cid=2 --peer-port=$PEER_PORT $1 > /tmp/vs 2>&1 < /dev/null; cat /tmp/vs" \
		$((RUN_TIMEOUT + 30)) > /tmp/vs.instance 2>&1 &
	vs=$!
	ri_i=0
	while [ $ri_i -lt 60 ]; do
		# shellcheck disable=SC2086 # one word per option
		timeout $RUN_TIMEOUT $VSOCK_TEST --mode=client --control-host=10.77."$id".2 \
			--control-port=$CONTROL_PORT --peer-cid="$cid" --peer-port=$PEER_PORT $1 \
			> /tmp/vs.host 2>&1 < /dev/null
		grep -q "^Control socket initialization failed" /tmp/vs.host || break
		ri_i=$((ri_i + 1))
		sleep 0.5
	done
	wait $vs
}

# outcome FILE: "ID ok|skipped|failed" for each test an end's output
# shows.  A test's output runs from its "ID - NAME..." to the next one;
# it passed when that ends in "ok" (what the test printed on stderr, if
# anything, comes before it), it was skipped when that is "skipped".
outcome() {
	awk 'function done() {
		if (id == "")
			return
		if (last ~ /(^|\.\.\.)ok$/)
			print id, "ok"
		else if (last ~ /\.\.\.skipped$/)
			print id, "skipped"
		else
			print id, "failed"
	}
	/^[0-9]+ - .*\.\.\./ { done(); id = $1; last = $0; next }
	id != "" && NF { last = $0 }
	END { done() }' "$1"
}

# said FILE ID WHO: what an end (WHO) printed for test ID or, if it never
# got there, its last lines, as KTAP comments.
said() {
	if grep -q "^$2 - " "$1"; then
		awk -v id="$2" '/^[0-9]+ - / { on = ($1 == id) } on' "$1"
	else
		tail -n 3 "$1"
	fi | sed "/^\$/d; s/^/    # $3: /"
}

# direction SERVER CLIENT RUN: the whole suite, SERVER and CLIENT the
# ends' names, RUN the function that runs both ends once; a KTAP subtest.
direction() {
	d_done=
	d_fail=0
	d_n=0
	sub "KTAP version 1"
	sub "1..$count"
	sub "# $1 server from $(cut -d' ' -f1 /proc/uptime) s"
	while [ "$d_n" -lt "$count" ]; do
		d_args=
		for t in $d_done $(echo "$SKIPS" | cut -d' ' -f1); do
			d_args="$d_args --skip=$t"
		done
		"$3" "$d_args"
		outcome /tmp/vs.host > /tmp/vs.host.res
		outcome /tmp/vs.instance > /tmp/vs.instance.res
		d_went=0
		while [ "$d_n" -lt "$count" ]; do
			t=$d_n
			name=$(awk -F'\t' -v t="$t" '$1 == t { print $2 }' /tmp/vs.list)
			h=$(sed -n "s/^$t //p" /tmp/vs.host.res)
			i=$(sed -n "s/^$t //p" /tmp/vs.instance.res)
			why=$(echo "$SKIPS" | sed -n "s/^$t //p")
			[ -z "$h$i" ] && break
			d_n=$((d_n + 1))
			d_went=1
			if [ -n "$why" ] && [ "$h $i" = "skipped skipped" ]; then
				sub "ok $d_n $1 server: $t $name # SKIP $why"
			elif [ -z "$why" ] && [ "$h $i" = "ok ok" ]; then
				sub "ok $d_n $1 server: $t $name"
			else
				said /tmp/vs.host "$t" host
				said /tmp/vs.instance "$t" instance
				sub "not ok $d_n $1 server: $t $name"
				d_fail=1
				d_done="$d_done $t"
				break
			fi
			[ -z "$why" ] && d_done="$d_done $t"
		done
		[ $d_went = 1 ] && continue
		# Neither end got to the next test: no new run would either.
		said /tmp/vs.host "$d_n" host
		said /tmp/vs.instance "$d_n" instance
		sub "# vsock_test got no further than test $d_n: instance $id $(mk_state "$id"), its log ends:"
		tail -n 20 "$MK"/instances/"$id"/console | sed "s/^/    # /"
		d_fail=1
		break
	done
	sub "# $1 server until $(cut -d' ' -f1 /proc/uptime) s"
	mk_result "$1 server, $2 client" $d_fail
}

ktap_print_header
mk_require_instances
mk_snapshot
ktap_set_plan 3

# The suite's tests, "ID<tab>NAME" ("--list" exits 1 after listing).
$VSOCK_TEST --list | awk -F'\t' '$1 ~ /^[0-9]+$/' > /tmp/vs.list
count=$(wc -l < /tmp/vs.list)

id=
cid=
setup() {
	id=$(mk_spawn idle -s) && mk_wait_state "$id" running &&
	console_wait "$id" "mk-instance: services up" &&
	ip addr add 10.77."$id".1/24 dev mk"$id" && ip link set mk"$id" up &&
	ping -c 3 -W 10 10.77."$id".2 > /dev/null &&
	cid=$(cat "$MK"/instances/"$id"/vsock_cid) &&
	is "the instance's vsock_test" "$(inside "vsock_test --list | wc -l")" "$((count + 1))"
}
if ! setup || [ "$count" -lt 1 ]; then
	ktap_print_msg "no instance to run vsock_test with (id $id, $count tests)"
	ktap_finished
fi

direction host instance run_host_server
direction instance host run_instance_server

mk_finish "$id"
mk_result "the instance's log is clean, the host got everything back" $?
ktap_finished
