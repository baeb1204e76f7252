# SPDX-License-Identifier: GPL-2.0
#
# Sourced by mktree.sh, export.sh and absorb.sh: git in the kernel tree
# without the user's configuration, which files of this repository are
# kernel files, and the branch description a cover letter stands for.
# Needs $top; $tree defaults to build/linux.

tree=${tree:-$top/build/linux}

# git in $tree, as the harness runs it: no system or global configuration
# (diff.algorithm, format.*, am.messageid, rebase.* … would change what
# is written), never signing.
kgit() {
	GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
		git -C "$tree" -c commit.gpgsign=false -c core.abbrev=12 "$@"
}

# Whether PATH (relative to this repository) is a kernel file: anything
# but the harness, the series, kexec-tools' patches, CI, build output and
# the repository's own Makefile, .gitignore and top-level *.md documents.
is_kernel_path() {
	case "$1" in
	harness/* | series/* | kexec-tools/* | .ci/* | build/* | .git/* | \
	Makefile | .gitignore) return 1 ;;
	*/*) return 0 ;;
	*.md) return 1 ;;
	esac
	return 0
}

# The kernel files in checkout DIR, sorted, one per line: in a git work
# tree those git knows or does not ignore (and that exist), elsewhere
# every file under DIR.
kernel_files() {
	local dir=$1 f
	if [ -e "$dir/.git" ]; then
		git -C "$dir" ls-files --cached --others --exclude-standard
	else
		(cd "$dir" && find . -path ./.git -prune -o -path ./build -prune -o \
			\( -type f -o -type l \) -print | sed 's|^\./||')
	fi | LC_ALL=C sort -u | while IFS= read -r f; do
		if is_kernel_path "$f" && [ -e "$dir/$f" ]; then
			printf '%s\n' "$f"
		fi
	done
}

# The branch description a cover letter written by `git format-patch
# --cover-from-description=subject` stands for: its subject without the
# "[PATCH 00/NN]" prefix, a blank line, then the text up to the shortlog
# ("Author (N):" after a blank line, then indented subjects).
cover_description() {
	local cover=$1 subject
	subject=$(git mailinfo -b /dev/null /dev/null < "$cover" | sed -n 's/^Subject: //p')
	[ -n "$subject" ] || return 1
	printf '%s\n\n' "$subject"
	awk '
		!body { if ($0 == "") body = 1; next }
		{ line[++n] = $0 }
		END {
			end = n
			for (i = 2; i < n; i++)
				if (line[i - 1] == "" && line[i] ~ /^[^ \t].* \([0-9]+\):$/ &&
				    line[i + 1] ~ /^  [^ ]/) { end = i - 1; break }
			while (end > 0 && line[end] == "") end--
			for (i = 1; i <= end; i++) print line[i]
		}' "$cover"
}
