#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel style checks for the module: checkpatch --strict over the module
# and the uapi header, and sparse over a full rebuild.
#
#   scripts/style.sh KDIR KBUILD_DIR
#
# checkpatch.pl is not shipped in Debian's header packages, so it is taken
# from the linux-source-6.1 package (installed here if missing) and cached
# under build/checkpatch.
set -euo pipefail

kdir=$1
kbuild_dir=$2
top=$(cd "$(dirname "$0")/.." && pwd)
cp_dir=$top/build/checkpatch

if [ ! -x "$cp_dir/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
	if [ -z "$tarball" ]; then
		apt-get install -y -qq linux-source-6.1 >/dev/null
		tarball=/usr/src/linux-source-6.1.tar.xz
	fi
	mkdir -p "$cp_dir"
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
fi

cd "$top"
"$cp_dir/checkpatch.pl" --no-tree --strict --no-signoff --quiet -f \
	module/*.c module/*.h include/uapi/linux/eventline.h
echo "checkpatch: clean"

# C=2 checks every file, not only the ones rebuilt.
out=$(make -s -C "$kdir" M="$kbuild_dir" C=2 W=1 modules 2>&1 | grep -v '^  ' || true)
if [ -n "$out" ]; then
	echo "$out"
	exit 1
fi
echo "sparse: clean"
