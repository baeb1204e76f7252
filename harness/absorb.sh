#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Take edits made to this repository's kernel files (new files and
# PATH.patch files) into build/linux's multikernel branch, then export.
# Each file is written into the tree's working copy (PATH.patch applied to
# base's PATH), `git absorb` makes each changed hunk a fixup! of the commit
# that last touched its lines and `git rebase --autosquash` folds them in,
# each commit is committed again by its author at its date (as mktree.sh
# commits them), then export.sh writes series/ and the files here again.
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

# The kernel files here into the working copy: a new file as it is, a
# PATH.patch applied to base's PATH; what the branch changes and that is
# not here any more goes back to base.  Batched: few processes.
declare -A here=()
paths=() patches=() news=() frombase=() gone=()
while IFS= read -r f; do
	case "$f" in
	*.patch) p=${f%.patch}; patches+=("$src/$f"); frombase+=("$p") ;;
	*) p=$f; news+=("$f") ;;
	esac
	here[$p]=1
	paths+=("$p")
done < <(kernel_files "$src")
while IFS= read -r -d '' st && IFS= read -r -d '' p; do
	[ -n "${here[$p]:-}" ] && continue
	case "$st" in
	A) gone+=("$p") ;;
	*) frombase+=("$p") ;;
	esac
	paths+=("$p")
done < <(kgit diff --no-renames --name-status -z base HEAD)
[ ${#paths[@]} -gt 0 ] || die "no kernel files in $src, and the branch changes nothing"
(cd "$tree" && rm -f -- ${frombase[@]+"${frombase[@]}"} ${news[@]+"${news[@]}"} \
	${gone[@]+"${gone[@]}"})
if [ ${#frombase[@]} -gt 0 ]; then
	kgit -c tar.umask=022 archive base -- "${frombase[@]}" | tar -x -m -C "$tree" ||
		die "a PATH.patch here is for a file that base does not have"
fi
if [ ${#news[@]} -gt 0 ]; then
	(cd "$src" && tar -cf - -- "${news[@]}") | tar -x -m -C "$tree"
fi
if [ ${#patches[@]} -gt 0 ]; then
	kgit apply -p1 -- "${patches[@]}" || die "the PATH.patch files here do not apply to base"
fi
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
if kgit log --format=%s base..HEAD | grep -E '^(fixup|squash|amend)! ' >/dev/null; then
	agit rebase -q -i --autosquash base ||
		die "the rebase stopped in build/linux: resolve it (git rebase --continue) or abort it, then run this again"
fi
[ $left = 0 ] || kgit reset -q --soft HEAD^

# Each commit committed by its author at its author date, as mktree.sh
# commits the patches: the same commit ids as a tree made from the
# exported series, whoever ran this.  The trees do not change, nor the
# index or the working copy.
old=$(kgit rev-parse HEAD)
new=$(kgit rev-parse base)
[ -z "$(kgit rev-list --min-parents=2 base..HEAD)" ] || die "the multikernel branch has merges"
for c in $(kgit rev-list --reverse base..HEAD); do
	kgit cat-file commit "$c" > "$home/commit"
	while IFS= read -r line && [ -n "$line" ]; do
		case "$line" in author\ *) author=${line#author } ;; esac
	done < "$home/commit"
	name=${author%% <*}
	email=${author#* <}; email=${email%%> *}
	date=${author##*> }
	new=$(GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date \
	      GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$date \
	      kgit commit-tree "$c^{tree}" -p "$new" -F <(sed '1,/^$/d' "$home/commit"))
done
[ "$new" = "$old" ] ||
	kgit update-ref -m "absorb: each commit by its author" refs/heads/multikernel "$new" "$old"

if [ $left = 1 ]; then
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
