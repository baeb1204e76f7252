#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kernel at every patch of the series, as `git bisect` would:
# each step must compile (with the harness config) on its own.  Uses the
# multikernel branch of build/linux and build/obj; puts the tree back on
# the branch's head when done.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
"$top/harness/mktree.sh"
head=$(git -C "$tree" rev-parse multikernel)
fail=0
trap 'git -C "$tree" checkout -q -f multikernel' EXIT
for c in $(git -C "$tree" rev-list --reverse base..multikernel); do
	git -C "$tree" checkout -q -f "$c"
	subject=$(git -C "$tree" log -1 --format=%s "$c")
	if "$top/harness/kernel.sh" > "$top/build/bisect.log" 2>&1; then
		echo "bisect: builds: $subject"
	else
		echo "bisect: BROKEN: $subject (see build/bisect.log)"
		fail=1
		break
	fi
done
git -C "$tree" checkout -q -f multikernel
[ "$(git -C "$tree" rev-parse HEAD)" = "$head" ]
exit $fail
