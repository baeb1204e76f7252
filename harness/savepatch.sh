#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Save a change to an upstream file as <path>.patch in this repository.
#   harness/savepatch.sh PATH [EDITED]
# PATH is relative to the kernel tree; EDITED defaults to build/linux/PATH
# (edit it there, then run this).  The patch is a plain diff against the
# file as it is on the tree's "base" branch.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
path=${1:?usage: savepatch.sh PATH [EDITED]}
edited=${2:-$top/build/linux/$path}
mkdir -p "$(dirname "$top/$path")"
git -C "$top/build/linux" show "base:$path" > "$top/build/.savepatch.orig" ||
	{ echo "savepatch: $path is not an upstream file" >&2; exit 1; }
rc=0
diff -u --label "a/$path" --label "b/$path" "$top/build/.savepatch.orig" "$edited" \
	> "$top/$path.patch" || rc=$?
[ $rc = 1 ] || { echo "savepatch: no change in $path" >&2; rm -f "$top/$path.patch"; exit 1; }
echo "savepatch: wrote $path.patch"
