#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make build/linux: the Debian linux-source-7.3 tarball as a git repository
# with a "base" branch, and a "multikernel" branch that is base plus the
# committed series (series/0*.patch) applied with `git am`, exactly as a
# maintainer would.  Both steps are skipped when nothing changed.
#
# The commits are the same on every machine: each patch is committed by its
# author at its author date.  The branch description is the cover letter's
# subject and text, from which export.sh writes the cover letter again.
#
# The multikernel branch is where the series is edited (README.md,
# "Changing the code"): a branch with commits that are not in series/ yet,
# or uncommitted changes, is never thrown away (run make export first).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/harness/serieslib.sh"
tarball=${LINUX_TARBALL:-/usr/src/linux-source-7.3.tar.xz}

die() { echo "mktree: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball not found (run: make deps)"

git_base() {
	kgit -c user.name=base -c user.email=base@localhost "$@"
}

# The base commit is the same on every machine (fixed dates and names).
# It is kept outside the checkout, like ccache and the kexec-tools source
# (a bare repository per tarball), so that a fresh clone on this machine
# checks it out instead of unpacking and hashing the tarball again.
stamp=$(stat -c '%s %Y' "$tarball")
store=${MK_CACHE:-/var/cache/multikernel}/linux-base/$(basename "$tarball" | sed 's/\.tar\..*//')-${stamp// /-}.git
if [ "$(cat "$tree/.git/mk-base" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$tree"
	if [ -f "$store/mk-done" ]; then
		echo "mktree: checking out the base from $store"
		mkdir -p "$(dirname "$tree")"
		git clone -q --no-checkout --local "$store" "$tree" ||
			die "cannot clone $store (remove it to unpack the tarball again)"
		git_base remote remove origin
		git_base checkout -q -f -B base "$(cat "$store/mk-done")"
	else
		echo "mktree: unpacking $tarball (about two minutes)"
		mkdir -p "$tree"
		tar -xaf "$tarball" -C "$tree" --strip-components=1 ||
			die "cannot unpack $tarball"
		git_base init -q -b base
		git_base add -A -f .
		GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" \
			git_base commit -q -m "base: $(basename "$tarball") ($(make -s -C "$tree" kernelversion))"
		rm -rf "$store" "$store.new"
		mkdir -p "$(dirname "$store")"
		git clone -q --bare --local "$tree" "$store.new" &&
			git_base rev-parse base > "$store.new/mk-done" &&
			mv "$store.new" "$store" || echo "mktree: could not keep the base in $store" >&2
	fi
	echo "$stamp" > "$tree/.git/mk-base"
fi

[ "${1:-}" = "--base-only" ] && exit 0

patches=("$top"/series/0[0-9][0-9][0-9]-*.patch)
cover=$top/series/0000-cover-letter.patch
[ -e "${patches[0]}" ] || die "no series in $top/series"
[ -e "$cover" ] || die "no cover letter in $top/series"

# The description, for export.sh's cover letter.
describe() {
	local d
	d=$(cover_description "$cover") || die "cannot read the subject of $cover"
	git_base config branch.multikernel.description "$d"$'\n'
}

want=$(cat "${patches[@]}" | sha1sum | cut -d' ' -f1)
head=$(git_base rev-parse -q --verify refs/heads/multikernel || true)
if [ -n "$head" ]; then
	dirty=$(git_base status --porcelain --untracked-files=no)
	if [ "$(cat "$tree/.git/mk-series" 2>/dev/null)" = "$want" ] && [ -z "$dirty" ]; then
		git_base config branch.multikernel.description >/dev/null || describe
		exit 0
	fi
	[ -z "$dirty" ] ||
		die "build/linux has uncommitted changes: commit them (git commit --fixup=COMMIT, then make export) or drop them (git -C build/linux reset --hard)"
	made=$(cat "$tree/.git/mk-head" 2>/dev/null || true)
	[ -z "$made" ] || [ "$made" = "$head" ] ||
		die "build/linux's multikernel branch has commits that are not in series/: make export saves them; git -C build/linux checkout -f base && git -C build/linux branch -D multikernel drops them"
fi

echo "mktree: applying the series with git am"
git_base am --abort >/dev/null 2>&1 || true
git_base checkout -q -f base
git_base branch -q -D multikernel >/dev/null 2>&1 || true
git_base checkout -q -b multikernel
for p in "${patches[@]}"; do
	[ "$p" = "$cover" ] && continue
	# Committed by its author, at its date: the same commit ids everywhere.
	info=$(git mailinfo /dev/null /dev/null < "$p")
	name=$(sed -n 's/^Author: //p' <<< "$info")
	email=$(sed -n 's/^Email: //p' <<< "$info")
	if ! GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		git_base am -q --committer-date-is-author-date "$p"; then
		# What is on the branch now came from series/ only.
		git_base rev-parse HEAD > "$tree/.git/mk-head"
		die "git am failed on $(basename "$p")"
	fi
done
describe
git_base rev-parse HEAD > "$tree/.git/mk-head"
echo "$want" > "$tree/.git/mk-series"
