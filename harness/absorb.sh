#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Take edits made to this repository's kernel files (new files and
# PATH.patch files) into build/linux's multikernel branch, then export.
# Each file is written into the tree's working copy (PATH.patch applied to
# base's PATH), `git absorb` makes each changed hunk a fixup! of the commit
# that last touched its lines and `git rebase --autosquash` folds them in,
# then export.sh writes series/ and the files here again from the branch.
#
# What git absorb cannot place (a new file, lines that no patch touched)
# stays staged in build/linux and is printed, and nothing is exported:
# commit it there (git commit --fixup=COMMIT, or a commit of its own for
# a new patch) and run this again.
#
#   harness/absorb.sh [--top DIR] [--tree DIR]
#
# --top takes the files from another checkout of this repository, --tree
# edits another kernel tree than build/linux (as export.sh's).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$top
while [ $# -gt 0 ]; do
	case "$1" in
	--top) src=$(cd "${2:?--top DIR}" && pwd); shift ;;
	--tree) tree=$(cd "${2:?--tree DIR}" && pwd); shift ;;
	*) echo "usage: absorb.sh [--top DIR] [--tree DIR]" >&2; exit 2 ;;
	esac
	shift
done
. "$top/harness/serieslib.sh"
export GIT_LITERAL_PATHSPECS=1

die() { echo "absorb: $*" >&2; exit 1; }

git absorb --version >/dev/null 2>&1 || die "git-absorb is not installed (run: make deps)"
[ -d "$tree/.git" ] || die "no kernel tree in $tree (run: make tree)"
[ "$(kgit symbolic-ref -q HEAD || true)" = refs/heads/multikernel ] ||
	die "build/linux is not on the multikernel branch (git -C build/linux checkout multikernel)"
[ ! -d "$tree/.git/rebase-merge" ] && [ ! -d "$tree/.git/rebase-apply" ] ||
	die "a rebase or git am is in progress in build/linux: finish it (git rebase --continue) or abort it"
[ -z "$(kgit status --porcelain --untracked-files=no)" ] ||
	die "build/linux has uncommitted changes: commit them (git commit --fixup=COMMIT) or drop them (git -C build/linux reset --hard), then run this again"

# The fixups and the rebase are committed as the tip's author (a folded
# commit keeps its own author and message), with none of the user's
# configuration; git absorb reads only $HOME's.
IFS=$'\t' read -r an ae < <(kgit log -1 --format=$'%an\t%ae' HEAD)
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
printf '[user]\n\tname = %s\n\temail = %s\n' "$an" "$ae" > "$home/.gitconfig"
agit() {
	HOME=$home GIT_CONFIG_NOSYSTEM=1 GIT_SEQUENCE_EDITOR=: GIT_EDITOR=: \
		git -C "$tree" -c commit.gpgsign=false "$@"
}
n0=$(kgit rev-list --count base..HEAD)

# Base's version of PATH, with its mode, into the working copy.
from_base() {
	local p=$1 mode
	mode=$(kgit ls-tree base -- "$p" | cut -d' ' -f1)
	[ -n "$mode" ] || return 1
	mkdir -p "$(dirname "$tree/$p")"
	rm -f "$tree/$p"
	kgit cat-file blob "base:$p" > "$tree/$p"
	if [ "$mode" = 100755 ]; then chmod 755 "$tree/$p"; else chmod 644 "$tree/$p"; fi
}

# The kernel files here into the working copy.
declare -A here=()
paths=()
while IFS= read -r f; do
	case "$f" in
	*.patch)
		p=${f%.patch}
		from_base "$p" || die "$f: base has no $p to apply it to"
		kgit apply -p1 "$src/$f" || die "$f does not apply to base's $p"
		;;
	*)
		p=$f
		mkdir -p "$(dirname "$tree/$p")"
		rm -f "$tree/$p"
		cp "$src/$f" "$tree/$p"
		if [ -x "$src/$f" ]; then chmod 755 "$tree/$p"; else chmod 644 "$tree/$p"; fi
		;;
	esac
	here[$p]=1
	paths+=("$p")
done < <(kernel_files "$src")
# What the branch changes and this repository no longer has: back to base.
while IFS= read -r -d '' st && IFS= read -r -d '' p; do
	[ -n "${here[$p]:-}" ] && continue
	case "$st" in
	A) rm -f "$tree/$p" ;;
	*) from_base "$p" ;;
	esac
	paths+=("$p")
done < <(kgit diff --no-renames --name-status -z base HEAD)
kgit update-index --add --remove -- "${paths[@]}"

if ! kgit diff --cached --quiet; then
	kgit diff --cached --stat=72 | sed 's/^/absorb: /'
	agit absorb --base base --and-rebase
fi
# git absorb 0.6.9 exits 0 without rebasing when hunks are left over (the
# index is not clean): park them in a commit of their own, rebase, and
# give them back staged.  Fixups committed by hand are folded here too.
left=0
if ! kgit diff --cached --quiet; then
	left=1
	agit commit -q --no-verify -m "absorb: not placed"
fi
if kgit log --format=%s base..HEAD | grep -qE '^(fixup|squash|amend)! '; then
	agit rebase -q -i --autosquash base ||
		die "the rebase stopped in build/linux: resolve it (git rebase --continue) or abort it, then run this again"
fi
if [ $left = 1 ]; then
	kgit reset -q --soft HEAD^
	echo "absorb: git absorb could not tell which patch these hunks belong to:"
	kgit diff --cached --no-color
	echo "absorb: they are staged in build/linux; commit each to its patch there,"
	echo "absorb: then run make absorb again:"
	kgit diff --cached --name-only | while IFS= read -r p; do
		c=$(kgit log -1 --format='%h %s' base..HEAD -- "$p")
		if [ -n "$c" ]; then
			echo "absorb:   git -C build/linux commit --fixup=${c%% *} -- $p   # ${c#* }, or another of: git log --oneline base.. -- $p"
		else
			echo "absorb:   $p: no patch has it yet: git -C build/linux commit --fixup=COMMIT -- $p, or a commit of its own"
		fi
	done
	exit 1
fi
n1=$(kgit rev-list --count base..HEAD)
echo "absorb: the multikernel branch has $n1 commits (it had $n0)"
"$top/harness/export.sh" --top "$src" --tree "$tree"
