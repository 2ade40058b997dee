#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# symcheck.sh HEADER LIBRARY
#
# The shared library must export exactly the functions the header marks
# EL_API (each under its default version node), plus the version nodes
# themselves: a public function missing from the .so breaks every caller at
# link time, and an extra export becomes ABI by accident.  A function may
# also keep older versions ("name@NODE") for programs linked against an
# earlier release, but only beside a default one.
set -eu

header=$1
lib=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prototypes are "EL_API <type> <name>(": take the identifier before "(".
sed -n 's/^EL_API[^(]*[^a-zA-Z0-9_]\([a-zA-Z_][a-zA-Z0-9_]*\)(.*/\1/p' "$header" |
	sort -u > "$tmp/header"

# nm -D prints "ADDR TYPE NAME[@@NODE]" for a default version, "NAME@NODE"
# for an older one; version nodes are absolute (A).
nm -D --defined-only "$lib" | awk '$2 != "A" && $3 ~ /@@/ { sub(/@.*/, "", $3); print $3 }' |
	sort -u > "$tmp/exported"
nm -D --defined-only "$lib" | awk '$2 != "A" && $3 !~ /@@/ { sub(/@.*/, "", $3); print $3 }' |
	sort -u > "$tmp/compat"
nm -D --defined-only "$lib" | awk '$2 == "A" { print $3 }' | sort -u > "$tmp/nodes"

status=0
if [ ! -s "$tmp/header" ]; then
	echo "symcheck: no EL_API prototypes found in $header" >&2
	exit 1
fi
missing=$(comm -23 "$tmp/header" "$tmp/exported")
extra=$(comm -13 "$tmp/header" "$tmp/exported")
if [ -n "$missing" ]; then
	echo "symcheck: declared EL_API but not exported:" $missing >&2
	status=1
fi
if [ -n "$extra" ]; then
	echo "symcheck: exported but not declared EL_API:" $extra >&2
	status=1
fi
orphans=$(comm -23 "$tmp/compat" "$tmp/exported")
if [ -n "$orphans" ]; then
	echo "symcheck: older version exported without a default one:" $orphans >&2
	status=1
fi
unversioned=$(nm -D --defined-only "$lib" | awk '$2 != "A" && $3 !~ /@@?EVENTLINE_/ { print $3 }')
if [ -n "$unversioned" ]; then
	echo "symcheck: exported without a version node:" $unversioned >&2
	status=1
fi
if [ "$status" -eq 0 ]; then
	echo "symcheck: $(wc -l < "$tmp/header") symbols exported," \
		"$(wc -l < "$tmp/compat") older versions kept," \
		"nodes: $(tr '\n' ' ' < "$tmp/nodes")"
fi
exit "$status"
