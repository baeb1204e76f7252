#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make cycles: the leak check with 100 spawn/kill cycles (make check does
# 20 on the plain kernel and 5 on the debug one).  Counted as make check
# counts (harness/checklib.sh); exits non-zero on any failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/logs
. "$top/harness/checklib.sh"

if boot -t3600 cycles mk.run=test kunit.enable=0 mk.tests=cycle_test.sh mk.cycles=100 \
	multikernel_pool=512M@1G; then
	ksft cycles
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
