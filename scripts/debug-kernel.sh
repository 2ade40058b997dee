#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once per machine) the debug kernel that is eventline's reliability
# gate: Debian's linux-source-6.1 with a minimal config for the test VM plus
# KASAN, lockdep, kmemleak, UBSAN, debugobjects and fault injection.  The
# options live in scripts/debug-kernel.config; see the comments there.
#
#   scripts/debug-kernel.sh              build if needed; print the cache dir
#   scripts/debug-kernel.sh --force      throw the cached build away, rebuild
#   scripts/debug-kernel.sh --print-dir  print the cache dir if a finished
#                                        build is there, else exit 1
#
# The cache dir is the last line of stdout; build progress goes to stderr
# and the full make output to <dir>/build.log.  Inside the cache dir:
#
#   bzImage        the kernel QEMU boots (-kernel)
#   build/         the configured and built tree; use it as KDIR:
#                  make -C <dir>/build M=$PWD/module modules
#   kernelrelease  `make kernelrelease` (what `uname -r` says in the guest)
#   config         the final .config, for reference
#   stamp          written last and atomically: the build is complete
#
# The build lives outside the clone, under ${EVENTLINE_CACHE:-/var/cache/
# eventline}/debug-kernel/<key>/, because it takes minutes and is the same
# for every checkout on the machine.  <key> is the linux-source package
# version plus a hash of the fragment's option lines, of RECIPE below and of
# the compiler version, so a new source package, a config change or a
# compiler update each get their own fresh build and nothing stale is ever
# reused.
# Old keys are not removed automatically.
#
# Environment: EVENTLINE_CACHE (cache root), EVENTLINE_JOBS (make -j,
# default nproc).
set -euo pipefail

# Bump when the steps below change in a way that changes the result.
RECIPE=1

SRC_PKG=linux-source-6.1
SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
# Packages a kernel build needs on Debian 12.  dwarves (pahole) is only
# needed for BTF, which this config does not enable.
BUILD_DEPS=(bc bison flex libelf-dev libssl-dev cpio kmod make gcc xz-utils)

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug-kernel.config
cache_root=${EVENTLINE_CACHE:-/var/cache/eventline}/debug-kernel
jobs=${EVENTLINE_JOBS:-$(nproc)}

die() {
	echo "$prog: $*" >&2
	exit 1
}

note() {
	echo "$prog: $*" >&2
}

usage() {
	echo "usage: $prog [--print-dir] [--force]" >&2
	exit 2
}

print_dir=0
force=0
for arg in "$@"; do
	case $arg in
	--print-dir) print_dir=1 ;;
	--force) force=1 ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
[ "$print_dir" -eq 1 ] && [ "$force" -eq 1 ] && usage

# Settings from the caller's environment must not leak into the kernel
# build: the config and the result would no longer match the cache key.
unset ARCH SUBARCH CROSS_COMPILE O KBUILD_OUTPUT KBUILD_EXTMOD KCONFIG_CONFIG \
	KCONFIG_ALLCONFIG KCFLAGS KCPPFLAGS KAFLAGS LOCALVERSION CC LD \
	CFLAGS CPPFLAGS LDFLAGS MAKEFLAGS MFLAGS
export LC_ALL=C

[ -f "$fragment" ] || die "missing $fragment"

is_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# Install what is missing, and only that: apt is slow even when there is
# nothing to do, and the index is refreshed only if the first try fails.
ensure_packages() {
	local p missing=()
	for p in "$@"; do
		is_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages (run as root): ${missing[*]}"
	note "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update >&2 &&
			apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
		die "apt-get install ${missing[*]} failed"
}

# The key is computed from what is installed, so --print-dir (which must
# not install anything) can only answer once the source package is there.
# Only the fragment's option lines are hashed: rewording a comment must not
# cost every machine a rebuild.
compute_key() {
	local ver sum
	ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) || return 1
	[ -n "$ver" ] || return 1
	sum=$({
		echo "recipe $RECIPE"
		gcc --version 2>/dev/null | head -n1
		grep -E '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)' "$fragment"
	} | sha256sum | cut -c1-16)
	# Epochs (':') and other odd characters would break make's paths.
	echo "${ver//[^A-Za-z0-9.+~-]/_}-$sum"
}

if [ "$print_dir" -eq 1 ]; then
	key=$(compute_key) || die "$SRC_PKG is not installed; nothing built"
	dir=$cache_root/$key
	[ -f "$dir/stamp" ] || die "no finished build in $dir (run $prog)"
	echo "$dir"
	exit 0
fi

# Fast path, also for users who cannot write the cache: nothing to do.
if [ "$force" -eq 0 ] && key=$(compute_key) && [ -f "$cache_root/$key/stamp" ]; then
	echo "$cache_root/$key"
	exit 0
fi

ensure_packages "$SRC_PKG" "${BUILD_DEPS[@]}"
[ -f "$SRC_TARBALL" ] || die "$SRC_TARBALL missing although $SRC_PKG is installed"
# Again: installing the source package or gcc may have changed the key.
key=$(compute_key) || die "cannot read the version of $SRC_PKG"
dir=$cache_root/$key

mkdir -p "$cache_root" 2>/dev/null && [ -w "$cache_root" ] ||
	die "cannot write $cache_root (run as root or set EVENTLINE_CACHE)"

# One build per key at a time: a second caller (another checkout, a parallel
# test run) waits here and then finds the finished build.
exec 9>"$cache_root/$key.lock"
if ! flock -n 9; then
	note "another build of $key is running; waiting for it"
	flock 9
fi

if [ "$force" -eq 1 ]; then
	note "--force: removing $dir"
	rm -rf "$dir"
fi

if [ -f "$dir/stamp" ]; then
	echo "$dir"
	exit 0
fi

# The finished tree is about 1.8 GiB; fail now rather than after minutes of
# compiling into a full disk.
need_kb=$((3 * 1024 * 1024))
avail_kb=$(df -Pk "$cache_root" | awk 'NR == 2 { print $4 }')
[ "$avail_kb" -ge "$need_kb" ] ||
	die "need 3 GiB free in $cache_root, have $((avail_kb / 1024)) MiB"

tree=$dir/build
log=$dir/build.log
mkdir -p "$dir"
t_start=$(date +%s)

# run_make TARGET...: make in the tree, output to the log; on failure show
# the end of the log, which is where the error is.
run_make() {
	if ! make -C "$tree" -j"$jobs" "$@" >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "make $* failed; full log: $log"
	fi
}

# A build interrupted earlier is resumed, not restarted: the key pins the
# source, config and recipe, so whatever make already built is still
# valid.  The tree appears under its final name only once fully extracted,
# because objtool, fixdep and the .cmd files record absolute paths.
if [ ! -d "$tree" ]; then
	note "extracting $SRC_TARBALL"
	rm -rf "$tree.tmp"
	mkdir "$tree.tmp"
	tar -xJf "$SRC_TARBALL" -C "$tree.tmp" --strip-components=1
	mv "$tree.tmp" "$tree"
else
	note "resuming the unfinished build in $dir"
fi
: >"$log"

# Configure: allnoconfig, then the fragment, then defaults for whatever the
# fragment's options newly made visible.  Done into a scratch file so an
# unchanged config does not touch .config and force a rebuild on resume.
note "configuring"
cfg=$dir/config.new
KCONFIG_CONFIG=$cfg run_make allnoconfig
(cd "$tree" && KCONFIG_CONFIG=$cfg scripts/kconfig/merge_config.sh -m \
	"$cfg" "$fragment") >>"$log" 2>&1 || die "merge_config.sh failed; see $log"
KCONFIG_CONFIG=$cfg run_make olddefconfig
rm -f "$cfg.old"

# Kconfig drops an option whose dependencies are not met without saying so,
# and merge_config.sh -m does not resolve dependencies at all: check that
# every line of the fragment is in the result exactly as written.
bad=()
while IFS= read -r line; do
	case $line in
	'# CONFIG_'*' is not set')
		sym=${line#\# }
		sym=${sym%% *}
		got=$(grep -E "^$sym=" "$cfg" || true)
		[ -z "$got" ] || bad+=("want: $line  got: $got")
		;;
	CONFIG_*=*)
		grep -qxF -- "$line" "$cfg" || {
			sym=${line%%=*}
			got=$(grep -E "^$sym=|^# $sym is not set" "$cfg" || true)
			bad+=("want: $line  got: ${got:-(absent)}")
		}
		;;
	esac
done <"$fragment"
# Modules built in tree would have to be shipped into the VM; none are
# wanted, which also keeps `make modules` down to generating Module.symvers.
while IFS= read -r line; do
	bad+=("in-tree module not wanted: $line")
done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=m$' "$cfg" || true)
if [ ${#bad[@]} -gt 0 ]; then
	printf '%s: %s\n' "$prog" "${bad[@]}" >&2
	die "config check failed: fix $fragment (a dependency is probably missing)"
fi

if ! cmp -s "$cfg" "$tree/.config"; then
	mv "$cfg" "$tree/.config"
else
	rm -f "$cfg"
fi
cp "$tree/.config" "$dir/config"

# bzImage for QEMU; `modules` although no in-tree module is configured,
# because it is the step that writes Module.symvers (the exports of
# vmlinux), which out-of-tree modules are linked against.
note "building bzImage (jobs=$jobs, log: $log)"
run_make bzImage modules
[ -s "$tree/Module.symvers" ] || die "no Module.symvers in $tree"
krel=$(make -s --no-print-directory -C "$tree" kernelrelease)
[ -n "$krel" ] || die "make kernelrelease printed nothing"

# Prove the tree works as KDIR before declaring it done: build a trivial
# out-of-tree module exactly the way the project's module is built.
smoke=$(mktemp -d)
trap 'rm -rf "$smoke"' EXIT
cat >"$smoke/elsmoke.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
static int __init elsmoke_init(void) { return 0; }
static void __exit elsmoke_exit(void) { }
module_init(elsmoke_init);
module_exit(elsmoke_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := elsmoke.o' >"$smoke/Kbuild"
if ! make -C "$tree" M="$smoke" modules >>"$log" 2>&1 || [ ! -f "$smoke/elsmoke.ko" ]; then
	tail -n 20 "$log" >&2
	die "an out-of-tree module does not build against $tree; see $log"
fi

cp "$tree/arch/x86/boot/bzImage" "$dir/bzImage.tmp"
mv "$dir/bzImage.tmp" "$dir/bzImage"
echo "$krel" >"$dir/kernelrelease.tmp"
mv "$dir/kernelrelease.tmp" "$dir/kernelrelease"

# The stamp goes last, by rename, so a reader sees it only when everything
# above is in place.
t_end=$(date +%s)
{
	echo "key=$key"
	echo "kernelrelease=$krel"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "seconds=$((t_end - t_start))"
	echo "jobs=$jobs"
} >"$dir/stamp.tmp"
mv "$dir/stamp.tmp" "$dir/stamp"
note "built $krel in $((t_end - t_start)) s"
echo "$dir"
