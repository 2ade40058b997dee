#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a stock Debian kernel in QEMU with eventline loaded and run the
# selftests (or the demo) inside it.  This host cannot load modules, so the
# VM is the only place the module ever runs.
#
#   scripts/vm-run.sh --kver KVER --mode test|demo [--program NAME] [--out DIR]
#                     [--timeout SECS] [--test-timeout SECS]
#                     [--filter NAME]... [--module FILE] [--kpost FILE]
#                     [--kernel IMAGE] [--tcg-thread single|multi]
#
#   --kver KVER         kernel release to boot, as printed by scripts/kernels.sh
#   --mode test         insmod, every selftest, rmmod (the default)
#   --mode demo         insmod, /examples/demo, rmmod; the demo's output is
#                       copied to stdout
#   --program NAME      in demo mode, run /examples/NAME instead (e.g. elbench)
#   --out DIR           work and log directory (default build/KVER/vm)
#   --timeout SECS      hard limit for the whole VM run (default 600)
#   --test-timeout SECS limit for each selftest binary in the guest (default 180)
#   --filter NAME       run only selftests whose name contains NAME (or matches
#                       it as a shell glob); may be given more than once
#   --module FILE       module to load instead of build/KVER/module/eventline.ko
#                       (e.g. one built for the debug kernel)
#   --kpost FILE        test module for kpost_test instead of
#                       build/KVER/selftests/kmod/evl_kpost.ko
#   --kernel IMAGE      kernel to boot instead of /boot/vmlinuz-KVER (e.g. the
#                       debug kernel's bzImage; KVER is then its release and
#                       the module's dependencies, if any, must be built in)
#   --tcg-thread MODE   QEMU TCG threading (default single, or $EL_TCG_THREAD);
#                       see the note at the qemu command below
#
# Inputs come from the build tree: build/KVER/module/eventline.ko,
# lib/libeventline.so*, the selftests named by `make -s -C selftests list`,
# the executables in examples/ and, when kpost_test is to run, its test
# module build/KVER/selftests/kmod/evl_kpost.ko.  Nothing is built here; a
# missing input is an error.
#
# Outputs in DIR: initramfs/ and initramfs.cpio.gz, console.log (ttyS0: the
# kernel console), results.log (ttyS1: all the guest harness and tests print),
# dmesg.log (the guest's full kernel log), summary.env (counts for
# scripts/check.sh) and failures.txt.
#
# Verdict: TAP results of every selftest, plus insmod/rmmod, plus "kernel log
# clean" (no WARNING/BUG/Oops/lockdep/KASAN/UBSAN/kmemleak report and no
# taint flag that such a report sets), plus the end sentinel that proves the
# guest did not crash or hang.  Exit status 0 only when nothing failed.
set -euo pipefail

prog=${0##*/}
root=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "$prog: $*" >&2
	exit 2
}

usage() {
	sed -n '/^#   scripts\/vm-run.sh/,/see the note/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

kver='' mode=test program=demo out='' timeout=600 test_timeout=180 module='' kernel=''
kpost=''
tcg_thread=${EL_TCG_THREAD:-single}
filters=()
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=${2:?}; shift ;;
	--mode) mode=${2:?}; shift ;;
	--program) program=${2:?}; shift ;;
	--out) out=${2:?}; shift ;;
	--timeout) timeout=${2:?}; shift ;;
	--test-timeout) test_timeout=${2:?}; shift ;;
	--filter) filters+=("${2:?}"); shift ;;
	--module) module=${2:?}; shift ;;
	--kpost) kpost=${2:?}; shift ;;
	--kernel) kernel=${2:?}; shift ;;
	--tcg-thread) tcg_thread=${2:?}; shift ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done

[ -n "$kver" ] || usage
# The kver ends up in paths and in the guest's shell config: keep it tame.
[[ $kver =~ ^[A-Za-z0-9._+-]+$ ]] || die "bad kernel release '$kver'"
[[ $mode == test || $mode == demo ]] || die "--mode must be test or demo"
[[ $program =~ ^[A-Za-z0-9._-]+$ ]] || die "bad --program '$program'"
[[ $tcg_thread == single || $tcg_thread == multi ]] ||
	die "--tcg-thread must be single or multi"
[[ $timeout =~ ^[0-9]+$ && $timeout -gt 0 ]] || die "bad --timeout '$timeout'"
[[ $test_timeout =~ ^[0-9]+$ && $test_timeout -gt 0 ]] ||
	die "bad --test-timeout '$test_timeout'"

kernel=${kernel:-/boot/vmlinuz-$kver}
[ -r "$kernel" ] || die "no kernel image $kernel (see scripts/kernels.sh)"
kernel=$(realpath "$kernel")
module=${module:-$root/build/$kver/module/eventline.ko}
[ -f "$module" ] || die "module $module not built (make module KVER=$kver)"
kpost=${kpost:-$root/build/$kver/selftests/kmod/evl_kpost.ko}
out=${out:-$root/build/$kver/vm}
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/install-deps.sh)"
busybox=/bin/busybox
# Only the static busybox works in an initramfs without its libraries.
{ ldd "$busybox" 2>&1 || true; } | grep -q 'not a dynamic' ||
	die "$busybox is not busybox-static (scripts/install-deps.sh)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$out/initramfs
rm -rf "$stage"
rm -f "$out"/{console,results,dmesg,demo,qemu}.log "$out"/summary.env "$out"/failures.txt
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,usr/lib,etc,dev,proc,sys,tmp,run,root,modules,selftests,examples}

is_elf() {
	[ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]
}

# ---------------------------------------------------------------------------
# Initramfs contents

cp "$busybox" "$stage/bin/busybox"
# /init is a shell script; the remaining applet links are made by the guest
# itself with `busybox --install -s`.
ln -s busybox "$stage/bin/sh"

# A root and an unprivileged user so tests can check permission handling
# with `su -s /bin/sh nobody -c ...`.
cat >"$stage/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
EOF
cat >"$stage/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo eventline-vm >"$stage/etc/hostname"

cp "$module" "$stage/eventline.ko"

# Stock Debian kernels build most subsystems as modules.  If eventline ever
# depends on one, load it first: modprobe resolves the chain against the
# target kernel's modules.dep, and the .ko.xz/.ko.zst files are unpacked here
# because busybox insmod takes plain .ko files only.
deps=$(modinfo -F depends "$module" 2>/dev/null | tr ',' ' ')
declare -A have_dep=()
n=0
for dep in $deps; do
	chain=$(modprobe -S "$kver" --show-depends "$dep") ||
		die "module dependency '$dep' not found for $kver"
	while read -r cmd path _; do
		if [ "$cmd" != insmod ] || [ -n "${have_dep[$path]:-}" ]; then
			continue
		fi
		have_dep[$path]=1
		n=$((n + 1))
		name=$(basename "$path")
		dst=$stage/modules/$(printf '%02d' "$n")-${name%%.ko*}.ko
		case $path in
		*.xz) xz -dc "$path" >"$dst" ;;
		*.zst) zstd -qdc "$path" >"$dst" ;;
		*.gz) gzip -dc "$path" >"$dst" ;;
		*) cp "$path" "$dst" ;;
		esac
	done <<<"$chain"
done

elves=()

# Library: keep the soname symlinks as they are.
shopt -s nullglob
for f in "$root"/lib/libeventline.so*; do
	cp -P "$f" "$stage/usr/lib/"
	[ -L "$f" ] || elves+=("$f")
done

# Examples: every executable in examples/ (demo, elcat, elpost, ...).
for f in "$root"/examples/*; do
	if [ ! -f "$f" ] || [ ! -x "$f" ]; then
		continue
	fi
	cp "$f" "$stage/examples/"
	is_elf "$f" && elves+=("$f")
done
shopt -u nullglob

match_filter() {
	local name=$1 f
	[ ${#filters[@]} -eq 0 ] && return 0
	for f in "${filters[@]}"; do
		# shellcheck disable=SC2053 # glob match on purpose
		[[ $name == *"$f"* || $name == $f ]] && return 0
	done
	return 1
}

if [ "$mode" = test ]; then
	[ -f "$root/selftests/Makefile" ] || die "no selftests/Makefile"
	list=$(make -s --no-print-directory -C "$root/selftests" list) ||
		die "'make -C selftests list' failed"
	: >"$stage/selftests/.list"
	for t in $list; do
		[ -f "$root/selftests/$t" ] ||
			die "selftest $t not built (make -C selftests)"
		match_filter "$t" || continue
		mkdir -p "$stage/selftests/$(dirname "$t")"
		cp "$root/selftests/$t" "$stage/selftests/$t"
		is_elf "$root/selftests/$t" && elves+=("$root/selftests/$t")
		echo "$t" >>"$stage/selftests/.list"
	done
	[ -s "$stage/selftests/.list" ] ||
		die "no selftests to run${filters[*]:+ (filter: ${filters[*]})}"
	if grep -qx kpost_test "$stage/selftests/.list"; then
		[ -f "$kpost" ] ||
			die "test module $kpost not built (make module KVER=$kver)"
		cp "$kpost" "$stage/evl_kpost.ko"
	fi
else
	[ -x "$stage/examples/$program" ] ||
		die "examples/$program not built (make -C examples)"
fi

# Shared libraries the binaries need, at the same paths as on the host so the
# dynamic loader finds them by its built-in search path.  libeventline itself
# is resolved from lib/ and already copied to /usr/lib.
copy_libs() {
	local f=$1 line lib
	while read -r line; do
		case $line in
		*'not found'*) die "$f: ${line%% =>*} not found" ;;
		*'=> /'*) lib=${line#*=> }; lib=${lib%% (*} ;;
		/*) lib=${line%% (*} ;;
		*) continue ;;
		esac
		case $lib in "$root"/lib/*) continue ;; esac
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done < <(LD_LIBRARY_PATH=$root/lib ldd "$f" 2>/dev/null || true)
}
for f in "${elves[@]}"; do
	copy_libs "$f"
done

# Settings for the guest, read by /init.
cat >"$stage/etc/eventline-vm.conf" <<EOF
EL_MODE=$mode
EL_PROGRAM=$program
EL_TEST_TIMEOUT=$test_timeout
EOF

# The guest side.  Results go to ttyS1, the kernel console to ttyS0, so
# printk output can never split a TAP line in two.
cat >"$stage/init" <<'EOF'
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the eventline test VM, generated by scripts/vm-run.sh.
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
# Debian kernels do not auto-mount devtmpfs.
mount -t devtmpfs devtmpfs /dev
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
hostname -F /etc/hostname
. /etc/eventline-vm.conf

kmemleak=/sys/kernel/debug/kmemleak

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

load_module() {
	for m in /modules/*.ko; do
		[ -e "$m" ] || continue
		insmod "$m" || echo "# insmod $m failed"
	done
	if insmod /eventline.ko; then
		echo "ok - insmod"
		return 0
	fi
	echo "not ok - insmod"
	return 1
}

unload_module() {
	if rmmod eventline && [ ! -d /sys/module/eventline ]; then
		echo "ok - rmmod"
	else
		echo "not ok - rmmod"
	fi
}

# kpost_test drives evl_kpost, a test module that owns a kernel line.  It
# is loaded for that program only, so no other test sees its line and
# module_test finds nothing but its own references on eventline.  Unloading
# it is kpost_test's last check; if the program did not get that far, the
# module is removed here, before the next test runs.
run_kpost_test() {
	if insmod /evl_kpost.ko; then
		echo "ok - insmod evl_kpost"
	else
		echo "not ok - insmod evl_kpost"
	fi
	run_prog "$@"
	if [ -d /sys/module/evl_kpost ]; then
		echo "# kpost_test left evl_kpost loaded; removing it"
		rmmod evl_kpost || echo "not ok - rmmod evl_kpost"
	fi
}

# run_prog LABEL DIR PROG: run one program under its own timeout, its output
# framed by BEGIN/END lines.  The leading newline keeps the END marker on a
# line of its own even if the program's last line had none.
run_prog() {
	printf '\n#### EL-BEGIN %s\n' "$1"
	t0=$(uptime_s)
	(cd "$2" && exec timeout -s TERM -k 10 "$EL_TEST_TIMEOUT" "./$3" </dev/null 2>&1)
	rc=$?
	t1=$(uptime_s)
	# busybox timeout leaves the signal status (128+TERM/KILL) of the program
	# it killed; the elapsed time tells that apart from a test's own crash.
	set -- "$1" "$(awk -v a="$t0" -v b="$t1" -v t="$EL_TEST_TIMEOUT" -v rc="$rc" \
		'BEGIN {
			to = 0
			if ((rc == 143 || rc == 137) && b - a >= t)
				to = 1
			printf "elapsed=%.1f timeout=%d", b - a, to
		}')"
	printf '\n#### EL-END %s rc=%s %s\n' "$1" "$rc" "$2"
}

main() {
	echo "#### EL-START kver=$(uname -r) mode=$EL_MODE uptime=$(uptime_s)"
	# Forget leaks from boot (the kernel's own): only the module's count.
	# "clear" only forgets objects a scan has already reported, so scan first.
	if [ -w "$kmemleak" ]; then
		echo scan >"$kmemleak"
		echo clear >"$kmemleak"
	fi
	if load_module; then
		if [ "$EL_MODE" = demo ]; then
			run_prog "$EL_PROGRAM" /examples "$EL_PROGRAM"
		else
			while IFS= read -r t; do
				case $t in
				'') ;;
				kpost_test) run_kpost_test "$t" /selftests "$t" ;;
				*) run_prog "$t" /selftests "$t" ;;
				esac
			done </selftests/.list
		fi
		unload_module
	fi
	if [ -w "$kmemleak" ]; then
		# An object must be unreferenced for two scans 5 s apart to count.
		echo scan >"$kmemleak"
		sleep 6
		echo scan >"$kmemleak"
		echo "#### EL-KMEMLEAK-BEGIN"
		cat "$kmemleak"
		echo "#### EL-KMEMLEAK-END"
	fi
	echo "#### EL-TAINT $(cat /proc/sys/kernel/tainted)"
	echo "#### EL-DMESG-BEGIN"
	dmesg
	echo "#### EL-DMESG-END"
	echo "#### EL-FINISH uptime=$(uptime_s)"
}

out=/dev/console
(: >/dev/ttyS1) 2>/dev/null && out=/dev/ttyS1
# Closing the tty on leaving main waits for its output to drain, so the end
# sentinel is out before the power goes.
main >"$out" 2>&1
sync
# QEMU runs with -no-reboot, so a reset ends it.  Reboot rather than power
# off: a reset works whatever ACPI support a (debug) kernel was built with.
reboot -f
# Never let init exit: that panics and would hide what went wrong.
echo o >/proc/sysrq-trigger
sleep 10
EOF
chmod +x "$stage/init"

# Owners are forced to root so the archive is the same whoever builds it.
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out/initramfs.cpio.gz"

# ---------------------------------------------------------------------------
# Boot

nsel=''
if [ "$mode" = test ]; then
	nsel=$(wc -l <"$stage/selftests/.list")
fi
echo "$prog: $kver: booting ($mode mode${nsel:+, $nsel selftests}," \
	"logs in ${out#"$root"/})"

# oops=panic + panic=-1 + -no-reboot: a dead kernel ends QEMU at once instead
# of idling until the timeout.  loglevel=5 puts warnings and their traces on
# the console, so they survive even when the guest hangs before the dmesg
# dump.  The big log buffer keeps the boot log from being overwritten.
#
# Single-threaded TCG by default: with multi-threaded TCG (QEMU 7.2) a vCPU
# can still run a stale translation of kernel text the other vCPU has just
# re-patched, so every runtime static-key flip (tracepoint enable/disable,
# the TSC-unstable switch at boot) may die with "Oops: int3".  That is a
# QEMU bug, not ours, and a tracepoint source would hit it constantly.  The
# guest still has two CPUs and preemptive interleaving; they just share one
# host thread.
append="console=ttyS0 panic=-1 oops=panic loglevel=5 log_buf_len=4M"
t0=$(date +%s.%N)
qemu_rc=0
# QEMU runs in DIR so the -serial file: paths need no escaping.
(cd "$out" && timeout -k 10 "$timeout" qemu-system-x86_64 \
	-accel "tcg,thread=$tcg_thread" -cpu max -smp 2 -m 1G -nographic -no-reboot -nic none \
	-monitor none -serial file:console.log -serial file:results.log \
	-kernel "$kernel" -initrd initramfs.cpio.gz -append "$append" \
	</dev/null >"$out/qemu.log" 2>&1) || qemu_rc=$?
t1=$(date +%s.%N)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
# timeout(1) says 124 when it sent TERM, 137 when it had to KILL.
killed=''
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	killed=$timeout
fi

# ---------------------------------------------------------------------------
# Verdict

touch "$out/console.log" "$out/results.log"
results=$out/results.log
# Fallback if ttyS1 could not be opened in the guest.
grep -q '#### EL-START' "$results" || results=$out/console.log

# One record per check: "PASS|FAIL|SKIP <tab> name <tab> detail <tab> binary"
# (binary: the selftest the check belongs to, if any), plus
# "META <tab> key <tab> value".  Also writes dmesg.log and, in demo mode,
# the demo's output.
records=$(tr -d '\r' <"$results" | awk -v dmesg="$out/dmesg.log" -v demo="$out/demo.log" \
	-v listfile="$stage/selftests/.list" -v mode="$mode" -v killed="$killed" '
function rec(kind, name, detail) { printf "%s\t%s\t%s\t%s\n", kind, name, detail, cur }
function tap(line, prefix,   ok, rest, num, desc, directive) {
	ok = (line ~ /^ok/)
	rest = line; sub(/^(not )?ok */, "", rest)
	num = ""
	if (match(rest, /^[0-9]+/)) { num = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1) }
	directive = ""
	if (match(rest, /[ \t]#[ \t]*([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo]|XFAIL)/)) {
		directive = substr(rest, RSTART); rest = substr(rest, 1, RSTART - 1)
		sub(/^[ \t]#[ \t]*/, "", directive)
	}
	sub(/^[ \t]*-?[ \t]*/, "", rest); sub(/[ \t]+$/, "", rest)
	desc = rest != "" ? rest : "#" num
	if (directive ~ /^[Ss][Kk][Ii][Pp]|^[Tt][Oo][Dd][Oo]/) { rec("SKIP", prefix desc, directive); return "skip" }
	if (ok) { rec("PASS", prefix desc, ""); return "pass" }
	rec("FAIL", prefix desc, "not ok"); return "fail"
}
function end_section(rc, elapsed, timedout,   why, total) {
	if (mode == "demo") {
		# The demo is an example, not a TAP test: its exit status is the verdict.
		if (timedout) rec("FAIL", cur, "timed out after " elapsed " s")
		else if (rc != 0) rec("FAIL", cur, "exited with status " rc)
		else rec("PASS", cur, "")
		cur = ""
		return
	}
	total = npass + nfail + nskip
	why = ""
	if (timedout) why = "timed out after " elapsed " s"
	else if (rc >= 128) why = "killed by signal " (rc - 128)
	else if (rc != 0 && rc != 1 && rc != 4) why = "exited with status " rc
	else if (rc == 1 && nfail == 0) why = "exited with status 1 but reported no failure"
	if (why == "" && plan >= 0 && total != plan)
		why = "planned " plan " tests but reported " total
	if (why == "" && plan < 0 && total == 0 && rc == 0)
		why = "printed no TAP results"
	if (why != "") {
		if (total < plan) why = why " (" total "/" plan " reported)"
		rec("FAIL", cur, why)
	} else if (total == 0 && (rc == 4 || plan == 0)) {
		rec("SKIP", cur, skipwhy != "" ? skipwhy : "skipped")
	}
	cur = ""
}
BEGIN { cur = ""; indmesg = 0; inleak = 0; started = 0; finished = 0 }
{
	line = $0
	if (indmesg) {
		if (line ~ /^#### EL-DMESG-END/) { indmesg = 0; next }
		print line > dmesg; next
	}
	if (inleak) {
		if (line ~ /^#### EL-KMEMLEAK-END/) { inleak = 0; next }
		print line > dmesg; next
	}
	if (cur != "" && (p = index(line, "#### EL-END ")) > 0) {
		pre = substr(line, 1, p - 1)
		if (pre ~ /^(not )?ok/) r = tap(pre, cur ": ")
		n = split(substr(line, p + 12), f, " ")
		rc = 0; el = 0; to = 0
		for (i = 2; i <= n; i++) {
			if (f[i] ~ /^rc=/) rc = substr(f[i], 4) + 0
			if (f[i] ~ /^elapsed=/) el = substr(f[i], 9)
			if (f[i] ~ /^timeout=/) to = substr(f[i], 9) + 0
		}
		end_section(rc, el, to)
		next
	}
	if (line ~ /^#### EL-START/) { started = 1; for (i = 1; i <= split(line, f, " "); i++) if (f[i] ~ /^uptime=/) rec("META", "boot", substr(f[i], 8)); next }
	if (line ~ /^#### EL-BEGIN /) {
		cur = substr(line, 15); npass = nfail = nskip = 0; plan = -1; skipwhy = ""
		began[cur] = 1; next
	}
	if (line ~ /^#### EL-DMESG-BEGIN/) { indmesg = 1; next }
	if (line ~ /^#### EL-KMEMLEAK-BEGIN/) { inleak = 1; next }
	if (line ~ /^#### EL-TAINT /) { rec("META", "taint", substr(line, 15)); next }
	if (line ~ /^#### EL-FINISH/) { finished = 1; next }
	if (cur == "") {
		# Harness checks: insmod, rmmod.
		if (line ~ /^(not )?ok - /) tap(line, "vm: ")
		if (line ~ /^(not )?ok - insmod/) insmod_seen = 1
		next
	}
	if (mode == "demo") print line > demo
	if (line ~ /^1\.\.[0-9]+/) {
		plan = substr(line, 4) + 0
		if (match(line, /#[ \t]*[Ss][Kk][Ii][Pp].*/)) skipwhy = substr(line, RSTART)
		next
	}
	if (line ~ /^(not )?ok([ \t]|$)/) {
		r = tap(line, cur ": ")
		if (r == "pass") npass++; else if (r == "fail") nfail++; else nskip++
	}
}
END {
	if (cur != "") rec("FAIL", cur, "did not finish (guest crashed or hung)")
	cur = ""
	if (mode == "test") {
		while ((getline t < listfile) > 0)
			if (t != "" && !(t in began)) rec("FAIL", t, "did not run")
	}
	if (started && !insmod_seen) rec("FAIL", "vm: insmod", "did not return")
	if (!started) rec("FAIL", "vm: harness started", "no start sentinel, see console.log")
	else if (!finished) rec("FAIL", "vm: end sentinel", killed ? "VM killed by the " killed " s limit" : "guest crashed or hung before the end")
	rec("META", "started", started)
	rec("META", "finished", finished)
	rec("META", "ran", length(began) + 0)
}')

meta() {
	awk -F '\t' -v k="$1" '$1 == "META" && $2 == k { v = $3 } END { print v }' <<<"$records"
}
boot=$(meta boot)
taint=$(meta taint)
ran=$(meta ran)

# Kernel log scan.  Patterns are case-sensitive on purpose: kernel reports
# use these exact spellings, while lower-case "bug"/"warning" appear in
# harmless boot lines.  kmemleak's own start-up lines are not reports, so
# only its leak reports are matched.
scan_re='WARNING:|BUG:|Oops|general protection|possible circular locking|inconsistent lock state|suspicious RCU usage|INFO: |KASAN|UBSAN|suspected memory leak|unreferenced object|Call Trace|Kernel panic|soft lockup|hard LOCKUP|rcu_.*stall|refcount_t:|list_(add|del) corruption'
# Known-harmless lines of the stock kernels under TCG; each entry says why.
allow_re='^$'
touch "$out/dmesg.log"
bad=$( { sed 's/^/console: /' "$out/console.log"; sed 's/^/dmesg: /' "$out/dmesg.log"; } |
	tr -d '\r' | grep -E -- "$scan_re" | grep -Ev -- "$allow_re" || true)
# Taint flags that only a kernel report sets: W (warning), D (oops),
# B (bad page), L (soft lockup), M (machine check).  Out-of-tree (O) and
# unsigned (E) are expected for our module.
taint_bad=
if [ -n "$taint" ]; then
	for b in 9:W 7:D 5:B 14:L 4:M; do
		(((taint >> ${b%%:*}) & 1)) && taint_bad+=${b#*:}
	done
fi
if [ -n "$bad" ] || [ -n "$taint_bad" ]; then
	# Name the first report in the failure itself, for summaries and CI mail.
	what=$(head -n 1 <<<"$bad" | sed -E 's/^[a-z]+: (\[[ 0-9.]+\] )?//' | cut -c 1-140)
	records+=$'\n'"FAIL	vm: kernel log clean	${what:+$what; }${taint_bad:+taint $taint_bad; }see dmesg.log	"
elif [ "$(meta finished)" = 1 ]; then
	# Clean only counts as a pass when the whole dmesg was seen.
	records+=$'\n'"PASS	vm: kernel log clean		"
fi

passed=$(grep -c '^PASS' <<<"$records" || true)
failed=$(grep -c '^FAIL' <<<"$records" || true)
skipped=$(grep -c '^SKIP' <<<"$records" || true)
grep '^FAIL' <<<"$records" | awk -F '\t' '{ print $2 ($3 != "" ? " -- " $3 : "") }' >"$out/failures.txt" || true

cat >"$out/summary.env" <<EOF
passed=$passed
failed=$failed
skipped=$skipped
selftests_ran=${ran:-0}
boot_seconds=${boot:-}
wall_seconds=$wall
EOF

if [ "$mode" = demo ]; then
	touch "$out/demo.log"
	# Drop the blank line the guest puts before its END marker.
	sed -i '${/^$/d}' "$out/demo.log"
	echo "---- demo output ($kver) ----"
	cat "$out/demo.log"
	echo "---- end of demo output ----"
fi

echo "$kver: $passed passed, $failed failed, $skipped skipped" \
	"(boot ${boot:-?} s, total $wall s)"
if [ "$failed" -gt 0 ]; then
	echo "$kver: failed:"
	sed 's/^/  /' "$out/failures.txt"
	if [ -n "$bad" ]; then
		echo "$kver: kernel log reports (first 20 lines):"
		awk '!seen[$0]++ && n++ < 20 { print "  " $0 }' <<<"$bad"
		# The first report with its stack, where the cause usually is; from
		# the console when the guest died before dumping dmesg.
		for log in dmesg.log console.log; do
			first=$(tr -d '\r' <"$out/$log" | grep -nE -- "$scan_re" |
				grep -Ev -- "$allow_re" | head -n 1 | cut -d: -f1 || true)
			[ -n "$first" ] || continue
			echo "$kver: first report in context ($log line $first):"
			tr -d '\r' <"$out/$log" | sed -n "${first},$((first + 24))p" | sed 's/^/  | /'
			break
		done
	fi
	# Output of each failed selftest binary, so CI logs are enough to start.
	grep '^FAIL' <<<"$records" | cut -f4 | awk 'NF && !seen[$0]++' |
	while IFS= read -r t; do
		echo "$kver: output of $t (last 30 lines):"
		awk -v t="$t" '
			{ sub(/\r$/, "") }
			$0 == "#### EL-BEGIN " t { on = 1; next }
			on && index($0, "#### EL-END " t " ") { on = 0 }
			on' "$results" | tail -n 30 | sed 's/^/  | /'
	done
	if [ "$(meta started)" != 1 ]; then
		# Never reached the harness: QEMU or the early boot is the suspect.
		echo "$kver: qemu exit status $qemu_rc; qemu.log and end of console.log:"
		tail -n 5 "$out/qemu.log" | sed 's/^/  | /'
		tr -d '\r' <"$out/console.log" | tail -n 15 | sed 's/^/  | /'
	fi
	echo "$kver: logs: ${out#"$root"/}/{results,console,dmesg}.log"
	exit 1
fi
exit 0
