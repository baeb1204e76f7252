#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make configs: build the kernel with each optional part turned off, one
# at a time, starting from the harness's configuration (tinyconfig +
# harness/config/*.config): Kconfig must say what the code needs.  The
# variants share build/obj-configs, so that make and ccache reuse what a
# variant does not change; vmlinux only, and a warning fails the variant
# (W=1 and sparse are check.sh's).  Prints one line per variant and exits
# non-zero when one fails.
#   harness/configs.sh [OPTION...]   only the variants that turn OPTION off
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
obj=$top/build/obj-configs
log=$top/build/configs.log
jobs=${JOBS:-$(nproc)}
export CCACHE_BASEDIR=$top
mk() { make -s -C "$tree" O="$obj" ARCH=x86_64 CC="ccache gcc" "$@"; }

# OPTIONS (all turned off, comma-separated): what that leaves out.
variants=(
	"KEXEC_FILE,KEXEC_HANDOVER kexec_file_load() and its multikernel loads (KHO selects it)"
	"KEXEC_HANDOVER live update (KHO)"
	"MULTIKERNEL_VSOCKETS the AF_VSOCK transport"
	"VSOCKETS AF_VSOCK itself"
	"MULTIKERNEL_NET the Ethernet link"
	"HVC_MULTIKERNEL the instance console"
	"MULTIKERNEL_DEBUG the debugfs benchmark and fault injection"
	"KUNIT KUnit"
	"MULTIKERNEL the whole series"
)

"$top/harness/mktree.sh"
mkdir -p "$obj"
: > "$log"
fail=0
for v in "${variants[@]}"; do
	opt=${v%% *}
	what=${v#* }
	# Arguments: only the variants whose first option they name.
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "${opt%%,*}"; then
		continue
	fi
	frag=$obj/off.config
	for o in ${opt//,/ }; do echo "# CONFIG_$o is not set"; done > "$frag"
	if ! { mk tinyconfig &&
	       (cd "$tree" && KCONFIG_CONFIG="$obj/.config" scripts/kconfig/merge_config.sh \
			-m -O "$obj" "$obj/.config" "$top"/harness/config/*.config "$frag") &&
	       mk olddefconfig; } >> "$log" 2>&1; then
		echo "configs: FAIL $opt=n: cannot configure (see $log)"
		fail=1
		continue
	fi
	want=y
	[ "$opt" = MULTIKERNEL ] && want=n
	back=
	for o in ${opt//,/ }; do
		grep -qx "CONFIG_$o=[ym]" "$obj/.config" && back+=" $o"
	done
	if [ -n "$back" ]; then
		echo "configs: FAIL $opt=n: Kconfig turned$back back on"
		fail=1
	elif [ "$want" = y ] && ! grep -qx "CONFIG_MULTIKERNEL=y" "$obj/.config"; then
		echo "configs: FAIL $opt=n: CONFIG_MULTIKERNEL went off with it"
		fail=1
	elif ! mk -j"$jobs" vmlinux > "$obj/build.log" 2>&1; then
		cat "$obj/build.log" >> "$log"
		echo "configs: FAIL $opt=n ($what off): the build fails (see $log)"
		fail=1
	elif cat "$obj/build.log" >> "$log" && grep -q "warning:" "$obj/build.log"; then
		grep -A3 "warning:" "$obj/build.log" | head -n 20
		echo "configs: FAIL $opt=n ($what off): the build warns"
		fail=1
	elif [ "$want" = n ] && nm "$obj/vmlinux" | grep -qi multikernel; then
		echo "configs: FAIL MULTIKERNEL=n: vmlinux still has multikernel symbols"
		nm "$obj/vmlinux" | grep -i multikernel | head -n 5
		fail=1
	else
		echo "configs: PASS $opt=n ($what off) builds"
	fi
done
exit $fail
