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
obj=$top/build/obj
# Configure once, at the head (its fragments name options that earlier
# patches do not have yet).  Each step starts from that .config, and
# Kconfig drops the options the step does not know yet; the head's is put
# back at the end.
"$top/harness/kernel.sh" > "$top/build/bisect.log" 2>&1 ||
	{ echo "bisect: the head does not build (see build/bisect.log)"; exit 1; }
cp "$obj/.config" "$obj/.config.head"
done_() {
	git -C "$tree" checkout -q -f multikernel
	cp "$obj/.config.head" "$obj/.config"
}
trap done_ EXIT
for c in $(git -C "$tree" rev-list --reverse base..multikernel); do
	git -C "$tree" checkout -q -f "$c"
	cp "$obj/.config.head" "$obj/.config"
	subject=$(git -C "$tree" log -1 --format=%s "$c")
	if "$top/harness/kernel.sh" > "$top/build/bisect.log" 2>&1; then
		echo "bisect: builds: $subject"
	else
		echo "bisect: BROKEN: $subject (see build/bisect.log)"
		fail=1
		break
	fi
done
done_
[ "$(git -C "$tree" rev-parse HEAD)" = "$head" ]
exit $fail
