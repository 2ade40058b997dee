#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel releases eventline supports that are installed on this
# host, one per line, oldest series first: the newest Debian 6.1 ABI
# (6.1.0-N-amd64) and the newest 6.12 ABI (6.12.N+deb12-amd64).
#
# A release counts only if both its image (/boot/vmlinuz-<kver>, which the
# VM tests boot) and its headers (/usr/src/linux-headers-<kver>, which the
# module is built against) are present: one without the other can neither
# be built for nor tested.  Versions are discovered, never hard-coded, so
# a security update that bumps the ABI is picked up without edits.
#
#   scripts/kernels.sh           all supported releases, oldest series first
#   scripts/kernels.sh --newest  only the newest one (the Makefile's default KVER)
#
# Exits 1 (with a message on stderr) when no supported release is installed.
set -euo pipefail

boot=${EL_BOOT_DIR:-/boot}
src=${EL_SRC_DIR:-/usr/src}

newest=0
case "${1:-}" in
'') ;;
--newest) newest=1 ;;
*)
	echo "usage: $0 [--newest]" >&2
	exit 2
	;;
esac

# newest_of PATTERN: newest kver whose image and headers both exist.
# The patterns are tight on purpose: -rt, -cloud and -dbg flavours and
# foreign series must not be picked as "the 6.1 kernel".
newest_of() {
	local pattern=$1 img kver best=
	for img in "$boot"/vmlinuz-*; do
		[ -e "$img" ] || continue
		kver=${img#"$boot"/vmlinuz-}
		[[ $kver =~ $pattern ]] || continue
		[ -d "$src/linux-headers-$kver" ] || continue
		best+="$kver"$'\n'
	done
	# sort -V orders 6.1.0-9 before 6.1.0-56 and 6.12.9 before 6.12.117.
	printf '%s' "$best" | sort -V | tail -n 1
}

found=()
for pattern in '^6\.1\.0-[0-9]+-amd64$' '^6\.12\.[0-9]+\+deb12-amd64$'; do
	kver=$(newest_of "$pattern")
	[ -n "$kver" ] && found+=("$kver")
done

if [ ${#found[@]} -eq 0 ]; then
	echo "kernels.sh: no supported kernel (image + headers) installed;" \
		"run scripts/install-deps.sh" >&2
	exit 1
fi

if [ $newest -eq 1 ]; then
	printf '%s\n' "${found[@]}" | sort -V | tail -n 1
else
	printf '%s\n' "${found[@]}"
fi
