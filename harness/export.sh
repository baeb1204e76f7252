#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Write this repository's copy of the series from build/linux's multikernel
# branch, which is the one source of truth:
#   series/       git format-patch base..multikernel, the cover letter from
#                 the branch description (git branch --edit-description)
#   PATH          every file the branch adds, as it is there
#   PATH.patch    every upstream file it changes or deletes:
#                 git diff base multikernel -- PATH (git apply, patch -p1)
# and delete the kernel files that the branch no longer has.  Exporting
# the same branch twice writes the same bytes.
#
#   harness/export.sh [--check] [--top DIR] [--tree DIR]
#
# --check exports into a scratch directory instead and fails, naming the
# files that disagree, unless DIR (default: this repository) holds exactly
# that: series/ and the kernel files, byte for byte, and their x bits.
# --tree exports another kernel tree than build/linux.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=$top
check=0
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=1 ;;
	--top) dest=$(cd "${2:?--top DIR}" && pwd); shift ;;
	--tree) tree=$(cd "${2:?--tree DIR}" && pwd); shift ;;
	*) echo "usage: export.sh [--check] [--top DIR] [--tree DIR]" >&2; exit 2 ;;
	esac
	shift
done
. "$top/harness/serieslib.sh"
export GIT_LITERAL_PATHSPECS=1

die() { echo "export: $*" >&2; exit 1; }

[ -d "$tree/.git" ] || die "no kernel tree in $tree (run: make tree)"
base=$(kgit rev-parse -q --verify 'refs/heads/base^{commit}') || die "$tree has no base branch"
head=$(kgit rev-parse -q --verify 'refs/heads/multikernel^{commit}') ||
	die "$tree has no multikernel branch (run: make tree)"
kgit config branch.multikernel.description >/dev/null ||
	die "the multikernel branch has no description for the cover letter (git branch --edit-description multikernel)"

# The same diffs whatever git's defaults: three lines of context, Myers,
# a/ b/ prefixes, no renames (a rename is a deletion and a new file).
diffopts=(--no-color --no-ext-diff --no-textconv --no-renames --diff-algorithm=myers
	  -U3 --inter-hunk-context=0 --src-prefix=a/ --dst-prefix=b/)

# Write the series and the kernel files into OUT; print the kernel files.
# Few processes: on a busy machine each one costs more than what it does.
export_to() {
	local out=$1 st path line mode an ae ad
	# What the branch does to each path, refusing what a file here
	# cannot say.
	local -a added=() changed=() dirs=()
	while IFS= read -r -d '' st && IFS= read -r -d '' path; do
		case "$st" in
		A)
			case "$path" in *.patch)
				die "$path: a new file named *.patch cannot be told from a change to an upstream file" ;;
			esac
			is_kernel_path "$path" ||
				die "$path: a new file where this repository keeps its own files"
			added+=("$path") ;;
		M | D)
			is_kernel_path "$path.patch" ||
				die "$path.patch: would be where this repository keeps its own files"
			changed+=("$path") ;;
		*) die "$path: a change of type $st (only additions, changes and deletions)" ;;
		esac
		case "$path" in */*) dirs+=("$out/${path%/*}") ;; esac
	done < <(kgit diff --no-renames --name-status -z "$base" "$head")
	[ ${#added[@]} -gt 0 ] || [ ${#changed[@]} -gt 0 ] || die "the multikernel branch changes nothing"
	while IFS= read -r -d '' line; do
		mode=${line%% *}
		case "$mode" in 100644 | 100755) ;;
		*) die "${line#*$'\t'}: a new file of mode $mode (only plain files can be kept here)" ;;
		esac
	done < <([ ${#added[@]} = 0 ] || kgit ls-tree -z "$head" -- "${added[@]}")

	mkdir -p "$out/series" ${dirs[@]+"${dirs[@]}"}
	rm -f "$out"/series/*.patch
	# The cover letter's From: and Date: are the committer's: the tip's
	# author, so that they change only with the branch.
	IFS=$'\t' read -r an ae ad < <(kgit log -1 --format=$'%an\t%ae\t%aI' "$head")
	GIT_COMMITTER_NAME=$an GIT_COMMITTER_EMAIL=$ae GIT_COMMITTER_DATE=$ad \
		kgit format-patch -q -o "$out/series" --cover-letter \
		--cover-from-description=subject --base="$base" --zero-commit \
		--no-signature --numbered --subject-prefix=PATCH --no-thread \
		--no-attach --no-notes "${diffopts[@]}" "$base..refs/heads/multikernel" >/dev/null

	# The new files, with their x bits (tar as root keeps the modes).
	if [ ${#added[@]} -gt 0 ]; then
		(cd "$out" && rm -f -- "${added[@]}")
		kgit -c tar.umask=022 archive --format=tar "$head" -- "${added[@]}" |
			tar -x -m -C "$out"
		printf '%s\n' "${added[@]}"
	fi
	# One diff, cut at each "diff --git a/P b/P" into P.patch.
	if [ ${#changed[@]} -gt 0 ]; then
		kgit diff "${diffopts[@]}" "$base" "$head" -- "${changed[@]}" | awk -v out="$out" '
			/^diff --git a\// {
				if (f != "") close(f)
				p = substr($0, 14, (length($0) - 16) / 2)
				f = out "/" p ".patch"
			}
			/^Binary files / { print p ": a binary file changes (a .patch cannot say how)" > "/dev/stderr"; exit 1 }
			{ print > f }' || die "cannot write the changes to upstream files"
		(cd "$out" && printf '%s.patch\n' "${changed[@]}" | xargs -d '\n' chmod 644)
		printf '%s.patch\n' "${changed[@]}"
	fi
}

if [ $check = 0 ]; then
	[ -z "$(kgit status --porcelain --untracked-files=no)" ] ||
		echo "export: uncommitted changes in $tree are not exported" >&2
	keep=$(export_to "$dest" | LC_ALL=C sort)
	# The kernel files the branch no longer has (those git knows of:
	# a file nobody added yet is left, and named).
	while IFS= read -r f; do
		if git -C "$dest" ls-files --error-unmatch -- "$f" >/dev/null 2>&1; then
			rm -f "$dest/$f"
			echo "export: removed $f (not in the branch)"
		else
			echo "export: $f is not in the branch (make absorb takes it in)" >&2
		fi
	done < <(LC_ALL=C comm -13 <(echo "$keep") <(kernel_files "$dest"))
	# build/linux is what series/ says now: mktree.sh keeps it.
	if [ "$dest" = "$top" ]; then
		cat "$dest"/series/0[0-9][0-9][0-9]-*.patch | sha1sum | cut -d' ' -f1 > "$tree/.git/mk-series"
		echo "$head" > "$tree/.git/mk-head"
	fi
	echo "export: $(($(ls "$dest"/series/*.patch | wc -l) - 1)) patches in series/, $(wc -l <<< "$keep") kernel files"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export_to "$tmp/out" | LC_ALL=C sort > "$tmp/want"
kernel_files "$dest" > "$tmp/have"
(cd "$tmp/out" && ls series/*.patch) | LC_ALL=C sort >> "$tmp/want"
(cd "$dest" && ls series/*.patch 2>/dev/null || true) | LC_ALL=C sort >> "$tmp/have"
bad=0
while IFS= read -r f; do
	echo "export: $f: not in the branch"; bad=$((bad + 1))
done < <(LC_ALL=C comm -13 <(LC_ALL=C sort "$tmp/want") <(LC_ALL=C sort "$tmp/have"))
while IFS= read -r f; do
	echo "export: $f: missing (the branch has it)"; bad=$((bad + 1))
done < <(LC_ALL=C comm -23 <(LC_ALL=C sort "$tmp/want") <(LC_ALL=C sort "$tmp/have"))
# "x SHA1  PATH" (or "-" when not executable) for the files in list $2.
digest() {
	(cd "$1" && paste -d' ' <(xargs -r -d '\n' stat -c '%A' -- < "$2" | cut -c4) \
		<(xargs -r -d '\n' sha1sum -- < "$2"))
}
LC_ALL=C comm -12 <(LC_ALL=C sort "$tmp/want") <(LC_ALL=C sort "$tmp/have") > "$tmp/both"
while IFS= read -r f; do
	echo "export: $f"; bad=$((bad + 1))
done < <(paste -d'|' <(digest "$tmp/out" "$tmp/both") <(digest "$dest" "$tmp/both") | awk -F'|' '
	$1 != $2 {
		split($1, w, " "); split($2, h, " ")
		if (w[2] != h[2]) print w[3] ": differs from the branch"
		else print w[3] ": " (h[1] == "x" ? "executable" : "not executable") ", not in the branch"
	}')
n=$(sort -u "$tmp/want" "$tmp/have" | wc -l)
if [ $bad -gt 0 ]; then
	echo "export: $bad of $n files disagree with $tree's multikernel branch" \
		"(make export writes them from the branch; make absorb takes edits made here into it)"
	exit 1
fi
echo "export: series/ and the kernel files are the multikernel branch's ($n files)"
