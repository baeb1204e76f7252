#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make build/linux: the Debian linux-source-7.2 tarball as a git repository
# with a "base" branch, and a "multikernel" branch that is base plus the
# committed series (series/0*.patch) applied with `git am`, exactly as a
# maintainer would.  Both steps are skipped when nothing changed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=${LINUX_TARBALL:-/usr/src/linux-source-7.2.tar.xz}
tree=$top/build/linux

die() { echo "mktree: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball not found (run: make deps)"

git_base() {
	git -C "$tree" -c user.name=base -c user.email=base@localhost \
		-c commit.gpgsign=false "$@"
}

stamp=$(stat -c '%s %Y' "$tarball")
if [ "$(cat "$tree/.git/mk-base" 2>/dev/null)" != "$stamp" ]; then
	echo "mktree: unpacking $tarball (about a minute)"
	rm -rf "$tree"
	mkdir -p "$tree"
	tar -xaf "$tarball" -C "$tree" --strip-components=1 ||
		die "cannot unpack $tarball"
	git_base init -q -b base
	git_base add -A -f .
	GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" \
		git_base commit -q -m "base: $(basename "$tarball") ($(make -s -C "$tree" kernelversion))"
	echo "$stamp" > "$tree/.git/mk-base"
fi

[ "${1:-}" = "--base-only" ] && exit 0

patches=("$top"/series/0[0-9][0-9][0-9]-*.patch)
[ -e "${patches[0]}" ] || die "no series in $top/series (run: make series)"
want=$(cat "${patches[@]}" | sha1sum | cut -d' ' -f1)
if [ "$(git_base rev-parse -q --verify multikernel 2>/dev/null)" != "" ] &&
   [ "$(cat "$tree/.git/mk-series" 2>/dev/null)" = "$want" ] &&
   [ -z "$(git_base status --porcelain --untracked-files=no)" ]; then
	exit 0
fi

echo "mktree: applying the series with git am"
git_base am --abort >/dev/null 2>&1 || true
git_base checkout -q -f base
git_base branch -q -D multikernel >/dev/null 2>&1 || true
git_base checkout -q -b multikernel
for p in "${patches[@]}"; do
	case "$p" in */0000-cover-letter.patch) continue ;; esac
	git_base am -q "$p" || die "git am failed on $(basename "$p")"
done
echo "$want" > "$tree/.git/mk-series"
