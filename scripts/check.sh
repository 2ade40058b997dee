#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The body of `make check`, run after everything is built: the library's
# Check unit tests on the host, then the selftests in a VM for every
# supported kernel installed here (scripts/kernels.sh), each followed by a
# VM run of the benchmark's short mode (elbench --short, one test), and the
# selftests on the debug kernel (scripts/debug-kernel.sh).
#
#   scripts/check.sh [vm-run.sh options...]
#
# Options (e.g. --test-timeout 300, --filter NAME) are passed to every
# scripts/vm-run.sh run.  Set EL_KVERS="kver ..." to test only those stock
# kernels, EL_DEBUG_KERNEL=0 to leave out the debug kernel.
#
# Ends with one line per kernel/part, the list of failures, then
# "N skipped" and, as the very last line, "N passed, N failed".  Exits 1 if
# anything failed, if the unit tests or a kernel's selftests did not run at
# all, or if no supported kernel is installed.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
make=${MAKE:-make}
logdir=$root/build/check
mkdir -p "$logdir"

passed=0 failed=0 skipped=0
lines=()    # per-part summary lines
failures=() # "part: test -- why"

# fail PART WHY: a failure that has no test result of its own, e.g. a
# build that broke or a test run that never started.
fail() {
	failed=$((failed + 1))
	failures+=("$1: $2")
	lines+=("$1: $2")
}

# ---------------------------------------------------------------------------
# Library unit tests (Check).  srunner prints one
# "NN%: Checks: N, Failures: F, Errors: E" line per runner; errors are
# crashes or timeouts, so they count as failures too.

echo "check: lib unit tests"
log=$logdir/lib-check.log
$make --no-print-directory -C lib check 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary=$(grep -Eo '[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" |
	awk -F '[:,] *' '{ n += $3; f += $5; e += $7; r++ }
		END { if (r) printf "%d %d\n", n - f - e, f + e }')
if [ -z "$summary" ]; then
	fail lib "no Check summary (make -C lib check exited $rc, see ${log#"$root"/})"
else
	read -r p f <<<"$summary"
	passed=$((passed + p))
	failed=$((failed + f))
	lines+=("lib: $p passed, $f failed")
	# Check names each failure as file:line:F|E:suite:test:iteration: message.
	while IFS= read -r l; do
		failures+=("lib: $l")
	done < <(grep -E '^[^ :]+:[0-9]+:[FE]:' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail lib "make -C lib check exited $rc with no failed test (see ${log#"$root"/})"
	fi
fi

# ---------------------------------------------------------------------------
# libFuzzer on the library's record decoder: a short run bounded by
# iterations (make -C lib fuzz-run), counted as one test.

echo "check: lib fuzz-run"
log=$logdir/lib-fuzz.log
if $make --no-print-directory -C lib fuzz-run >"$log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	passed=$((passed + 1))
	lines+=("lib fuzz: ${runs:-?} runs, no crash")
else
	tail -n 20 "$log"
	fail "lib fuzz" "make -C lib fuzz-run failed (see ${log#"$root"/})"
fi

# ---------------------------------------------------------------------------
# Selftests in a VM, one run per kernel.

# vm_suite KVER KDIR [vm-run.sh options...]: build the module for KVER
# against KDIR and run the selftests on it.
vm_suite() {
	local k=$1 kdir=$2 sum err rc p f s ran l
	shift 2

	echo "check: $k"
	if ! $make --no-print-directory module KVER="$k" KDIR="$kdir" \
		>"$logdir/module-$k.log" 2>&1; then
		tail -n 20 "$logdir/module-$k.log"
		fail "$k" "module build failed (see build/check/module-$k.log)"
		return
	fi
	# The module must build clean: no warning at W=1, nothing from sparse;
	# so must evl_kpost, the test module, built as `make module` builds it.
	# Their objects go first so that the compiler and sparse (C=1) see every
	# file even when the modules were already up to date.
	rm -f "$root/build/$k/module/"*.o "$root/build/$k/selftests/kmod/"*.o
	if { $make --no-print-directory -C "$kdir" M="$root/build/$k" W=1 C=1 \
		modules &&
		$make --no-print-directory -C "$kdir" \
			M="$root/build/$k/selftests/kmod" W=1 C=1 \
			KBUILD_EXTRA_SYMBOLS="$root/build/$k/Module.symvers" modules; } \
		>"$logdir/sparse-$k.log" 2>&1 &&
		! grep -E 'warning:|error:' "$logdir/sparse-$k.log"; then
		passed=$((passed + 1))
		lines+=("$k: modules W=1 and sparse clean")
	else
		fail "$k" "modules not clean at W=1/sparse (see build/check/sparse-$k.log)"
	fi
	sum=$root/build/$k/vm/summary.env
	rm -f "$sum"
	# vm-run.sh only writes to stderr when it gives up; keep that for the summary.
	err=$logdir/vm-run-$k.err
	scripts/vm-run.sh --kver "$k" --mode test "$@" 2>"$err"
	rc=$?
	cat "$err" >&2
	if [ ! -f "$sum" ]; then
		fail "$k" "vm-run.sh exited $rc before running the VM: $(tail -n 1 "$err")"
		return
	fi
	# summary.env is plain key=value lines written by vm-run.sh.
	p=$(sed -n 's/^passed=//p' "$sum")
	f=$(sed -n 's/^failed=//p' "$sum")
	s=$(sed -n 's/^skipped=//p' "$sum")
	ran=$(sed -n 's/^selftests_ran=//p' "$sum")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	lines+=("$k: $p passed, $f failed, $s skipped")
	while IFS= read -r l; do
		failures+=("$k: $l")
	done <"$root/build/$k/vm/failures.txt"
	if [ "${ran:-0}" -eq 0 ]; then
		fail "$k" "no selftest ran"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$k" "vm-run.sh exited $rc with no failed test"
	fi
}

if [ -n "${EL_KVERS:-}" ]; then
	read -r -a kvers <<<"$EL_KVERS"
else
	mapfile -t kvers < <(scripts/kernels.sh)
fi
[ ${#kvers[@]} -gt 0 ] || fail kernels "no supported kernel installed (scripts/install-deps.sh)"

# bench_short KVER KDIR: examples/elbench --short in a VM on KVER, counted
# as one test.  elbench reports figures and fails only on real errors (a
# call that fails, events lost where loss is impossible, a report it cannot
# write), so this keeps the benchmark from rotting without judging speed.
# vm-run.sh's verdict also covers insmod/rmmod and a clean kernel log.
bench_short() {
	local k=$1 kdir=$2 out=$root/build/$1/vm-bench log=$logdir/bench-short-$1.log

	# A module that did not build was counted by vm_suite already.
	$make --no-print-directory module KVER="$k" KDIR="$kdir" >/dev/null 2>&1 || return
	echo "check: $k: elbench --short"
	if scripts/vm-run.sh --kver "$k" --mode demo --program elbench-short \
		--out "$out" --test-timeout 300 >"$log" 2>&1; then
		passed=$((passed + 1))
		lines+=("$k: elbench --short ran clean")
	else
		tail -n 20 "$log"
		fail "$k" "elbench --short failed: $(head -n 1 "$out/failures.txt" 2>/dev/null) (see build/check/bench-short-$k.log)"
	fi
}

for k in "${kvers[@]}"; do
	vm_suite "$k" "/lib/modules/$k/build" "$@"
	bench_short "$k" "/lib/modules/$k/build"
done

# The reliability gate: the same suite on a KASAN/lockdep/kmemleak/UBSAN
# kernel built from Debian's 6.1 source (once per machine, then cached).
# vm-run.sh scans kmemleak after the module is unloaded.  EL_DEBUG_KERNEL=0
# skips it for a quick run; it is on in CI.
if [ "${EL_DEBUG_KERNEL:-1}" != 0 ]; then
	echo "check: debug kernel"
	if dbg=$(scripts/debug-kernel.sh >"$logdir/debug-kernel.log" 2>&1 &&
		scripts/debug-kernel.sh --print-dir); then
		# Everything runs several times slower under KASAN and lockdep.
		vm_suite "$(cat "$dbg/kernelrelease")" "$dbg/build" \
			--kernel "$dbg/bzImage" --timeout 2400 --test-timeout 900 "$@"
	else
		tail -n 20 "$logdir/debug-kernel.log"
		fail debug-kernel "build failed (see build/check/debug-kernel.log)"
	fi
fi

# ---------------------------------------------------------------------------

echo
echo "==== check summary ===="
printf '%s\n' "${lines[@]}"
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
