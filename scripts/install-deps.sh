#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything eventline needs to build and test on Debian 12:
# the stock 6.1 kernel and the newest 6.12 kernel from bookworm-security
# (headers to build against, images to boot in QEMU), QEMU itself, the
# busybox initramfs tools, the libraries libeventline links against, and
# clang with libFuzzer for the decoder fuzzer, python3 and gnuplot for
# make bench's reports.
#
# Idempotent: packages already installed are left alone.  The 6.12 kernel is
# taken through Debian's linux-{headers,image}-6.12-amd64 meta-packages, which
# always point at the newest 6.12 ABI the archive carries.
set -euo pipefail

pkgs=(
	build-essential pkg-config gcc-multilib
	linux-headers-amd64 linux-image-amd64
	linux-headers-6.12-amd64 linux-image-6.12-amd64
	qemu-system-x86 busybox-static cpio kmod
	liburing-dev libnl-genl-3-dev libnl-3-dev check sparse
	clang libclang-rt-14-dev
	python3 gnuplot-nox
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
