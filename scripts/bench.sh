#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The body of `make bench`: examples/elbench in a VM on every supported
# kernel installed here (scripts/kernels.sh), one boot per kernel, and its
# figures written to results/:
#
#   results/<date>-<kver>.json     elbench's JSON plus the run's conditions
#                                  (kernel, QEMU, vCPUs, TCG mode, guest
#                                  clocksource, module parameters)
#   results/<date>-<kver>.md       tables with same-run ratios against the
#                                  best peer, and the performance targets
#                                  marked met or missed
#   results/<date>-<kver>-w1.png   W1 events/s against payload
#   results/<date>-<kver>-w2.png   W2 producer CPU per event against N
#
#   scripts/bench.sh [--short] [--out DIR]
#
# --short runs elbench --short (seconds; the figures mean nothing) and
# writes to build/bench-short/ unless --out says otherwise.  EL_KVERS="kver
# ..." picks the kernels; EL_TCG_THREAD the QEMU TCG mode (default single).
# Each VM run holds /tmp/evl.lock (EL_LOCK=path to use another, EL_LOCK=
# for none, e.g. when the caller already holds it).
#
# These are figures, not tests: under TCG only ratios within one run mean
# anything, and nothing here fails on speed.  The exit status is non-zero
# only when a run broke (build, VM, elbench's own errors) or nothing ran.
set -uo pipefail

prog=${0##*/}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
make=${MAKE:-make}

short=0 out=''
while [ $# -gt 0 ]; do
	case $1 in
	--short) short=1 ;;
	--out) out=${2:?}; shift ;;
	*) echo "usage: $prog [--short] [--out DIR]" >&2; exit 2 ;;
	esac
	shift
done
if [ -z "$out" ]; then
	if [ $short = 1 ]; then out=$root/build/bench-short; else out=$root/results; fi
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

lock=${EL_LOCK-/tmp/evl.lock}
tcg=${EL_TCG_THREAD:-single}
program=elbench
[ $short = 1 ] && program=elbench-short

for tool in python3 gnuplot; do
	command -v $tool >/dev/null ||
		echo "$prog: $tool missing, the report will lack what needs it (scripts/install-deps.sh)" >&2
done

if [ -n "${EL_KVERS:-}" ]; then
	read -r -a kvers <<<"$EL_KVERS"
else
	mapfile -t kvers < <(scripts/kernels.sh)
fi
if [ ${#kvers[@]} -eq 0 ]; then
	echo "$prog: no supported kernel installed (scripts/install-deps.sh)" >&2
	exit 1
fi

# locked CMD...: run CMD holding the VM lock.
locked() {
	if [ -n "$lock" ]; then
		flock "$lock" "$@"
	else
		"$@"
	fi
}

date=$(date +%Y-%m-%d)
qemu=$(qemu-system-x86_64 --version | head -n 1)
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
failed=0 done_runs=0

for k in "${kvers[@]}"; do
	vmdir=$root/build/$k/vm-bench
	echo "$prog: $k: building the module"
	if ! locked $make --no-print-directory module KVER="$k" \
		KDIR="/lib/modules/$k/build" >"$root/build/bench-module-$k.log" 2>&1; then
		tail -n 20 "$root/build/bench-module-$k.log"
		echo "$prog: $k: module build failed" >&2
		failed=$((failed + 1))
		continue
	fi
	echo "$prog: $k: running $program in a VM (logs in ${vmdir#"$root"/})"
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	# The full run takes several minutes under TCG; allow well beyond.
	if ! locked scripts/vm-run.sh --kver "$k" --mode demo --program "$program" \
		--out "$vmdir" --tcg-thread "$tcg" --test-timeout 1500 --timeout 1800 \
		>"$vmdir.log" 2>&1; then
		tail -n 30 "$vmdir.log"
		echo "$prog: $k: the VM run failed (see ${vmdir#"$root"/}.log)" >&2
		failed=$((failed + 1))
		continue
	fi
	tail -n 1 "$vmdir.log"
	base=$out/$date-$k
	if ! python3 - "$vmdir/demo.log" "$base" "$k" "$qemu" "$tcg" "$host_cpu" \
		"$(nproc)" "$load" <<'PY'; then
import json, sys

log, base, kver, qemu, tcg, host_cpu, host_cpus, load = sys.argv[1:]
lines, on = [], False
for line in open(log, errors="replace"):
    line = line.rstrip("\r\n")
    if line == "#### ELBENCH-JSON-BEGIN":
        on, lines = True, []
    elif line == "#### ELBENCH-JSON-END":
        on = False
    elif on:
        lines.append(line)
doc = json.loads("\n".join(lines))
doc["conditions"] = {
    "kernel": kver,
    "qemu": qemu,
    "accel": "tcg",
    "tcg_thread": tcg,
    "vcpus": doc["guest"]["cpus"],
    "guest_memory": "1G",
    "clocksource": doc["guest"]["clocksource"],
    "module_params": doc["guest"]["module_params"],
    "host_cpu": host_cpu,
    "host_cpus": int(host_cpus),
    "host_loadavg_before": load,
}
with open(base + ".json", "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
PY
		echo "$prog: $k: no JSON report in ${vmdir#"$root"/}/demo.log" >&2
		failed=$((failed + 1))
		continue
	fi
	python3 - "$base.json" "$base" <<'PY' || failed=$((failed + 1))
import json, os, subprocess, sys

src, base = sys.argv[1:]
doc = json.load(open(src))
rows = doc["rows"]
c = doc["conditions"]
PEERS = {"W1": ["pipe", "unix-seqpacket", "eventfd+shm"],
         "W2": ["pipe", "unix-seqpacket"],
         "W3": ["pipe", "eventfd"]}
# The ways eventline's W1 consumer can read: read(), or the mapped ring.
OURS = {"W1": ["eventline", "eventline-mmap"]}


def med(r, m):
    v = r["metrics"].get(m)
    return v["median"] if v else None


def find(workload, mech=None, **params):
    for r in rows:
        if r["workload"] != workload or (mech and r["mechanism"] != mech):
            continue
        if all(r["params"].get(k) == v for k, v in params.items()):
            yield r


def one(workload, mech, **params):
    return next(find(workload, mech, **params), None)


def fmt(v):
    if v is None:
        return "–"
    if abs(v) >= 1e6:
        return "%.3gM" % (v / 1e6)
    if abs(v) >= 1e4:
        return "%.3gk" % (v / 1e3)
    return "%.3g" % v


def cell(r, m):
    v = r["metrics"].get(m)
    if not v:
        return "–"
    return "%s [%s–%s]" % (fmt(v["median"]), fmt(v["min"]), fmt(v["max"]))


def best_of(mechs, workload, metric, higher, **params):
    """The row among mechs with the best median of metric, same parameters."""
    best = None
    for mech in mechs:
        r = one(workload, mech, **params)
        if r is None or med(r, metric) is None:
            continue
        if best is None or (med(r, metric) > med(best, metric)) == higher:
            best = r
    return best


def best_peer(workload, metric, higher, **params):
    return best_of(PEERS[workload], workload, metric, higher, **params)


def best_ours(workload, metric, higher, **params):
    return best_of(OURS[workload], workload, metric, higher, **params)


out = []
w = out.append
w("# elbench, %s, %s\n" % (c["kernel"], os.path.basename(base)[:10]))
w("Figures from one VM boot, %s mode, median [min–max] of %d repetitions "
  "with rows interleaved. **Measured under QEMU TCG: only ratios between rows "
  "of this run mean anything**; absolute figures are not comparable with "
  "hardware or with other runs.\n" % (doc["mode"], doc["reps"]))
w("| condition | value |\n|---|---|")
for k in ("kernel", "qemu", "accel", "tcg_thread", "vcpus", "guest_memory",
          "clocksource", "host_cpu", "host_cpus", "host_loadavg_before"):
    w("| %s | %s |" % (k, c[k]))
w("| module parameters | %s |" % ", ".join(
    "%s=%s" % kv for kv in sorted(c["module_params"].items())))
w("")

# Targets --------------------------------------------------------------
targets = []


def target(name, ours, ref, refname, limit, higher, oursname=None):
    if ours is None or ref is None or ref == 0:
        targets.append((name, "–", "–", "–", "not measured"))
        return
    ratio = ours / ref
    met = ratio >= limit if higher else ratio <= limit
    targets.append((name, "%s (%s)" % (fmt(ours), oursname) if oursname else fmt(ours),
                    "%s (%s)" % (fmt(ref), refname),
                    "%.2fx" % ratio, "**met**" if met else "**missed**"))


# W1 targets: eventline's best consumer variant, named, on the target's metric.
r = best_ours("W1", "events_per_s", True, payload=64, batch=64)
p = best_peer("W1", "events_per_s", True, payload=64, batch=64)
target("W1 batch 64, 64 B: events/s >= 1.5x best peer",
       r and med(r, "events_per_s"), p and med(p, "events_per_s"),
       p and p["mechanism"], 1.5, True, r and r["mechanism"])
r = best_ours("W1", "cpu_ns_per_event", False, payload=64, batch=1)
e = one("calib", "eventfd")
target("W1 batch 1, 64 B: CPU/event (producer + consumer) <= 1.3x eventfd write+read",
       r and med(r, "cpu_ns_per_event"), e and med(e, "ns_per_write_read"),
       "eventfd write+read", 1.3, False, r and r["mechanism"])
for b in (1, 64):
    r = best_ours("W1", "mbytes_per_s", True, payload=4096, batch=b)
    p = best_peer("W1", "mbytes_per_s", True, payload=4096, batch=b)
    target("W1 4 KiB, batch %d: bytes/s >= best peer" % b,
           r and med(r, "mbytes_per_s"), p and med(p, "mbytes_per_s"),
           p and p["mechanism"], 1.0, True, r and r["mechanism"])
for mode in ("busy", "asleep", "epoll"):
    r = one("W2", "eventline", n=8, mode=mode)
    p = best_peer("W2", "prod_cpu_ns_per_event", False, n=8, mode=mode)
    target("W2 N=8 %s: producer CPU/event <= 0.3x best peer writing N times" % mode,
           r and med(r, "prod_cpu_ns_per_event"),
           p and med(p, "prod_cpu_ns_per_event"), p and p["mechanism"], 0.3, False)
r = one("W2", "eventline", n=1024, mode="asleep")
r1 = one("W2", "eventline", n=1, mode="asleep")
target("W2 readers asleep: post cost at N=1024 <= 20x N=1",
       r and med(r, "prod_cpu_ns_per_event"), r1 and med(r1, "prod_cpu_ns_per_event"),
       "eventline N=1", 20, False)
r = one("W3", "eventline")
e = one("W3", "eventfd")
target("W3 p50 post-to-read <= 1.2x eventfd", r and med(r, "p50_ns"),
       e and med(e, "p50_ns"), "eventfd", 1.2, False)

w("## Targets\n")
w("| target | eventline | reference | ratio | verdict |\n|---|---|---|---|---|")
for t in targets:
    w("| %s |" % " | ".join(t))
w("")

# Tables ----------------------------------------------------------------
w("## Calibration (this VM's own limits)\n")
w("| row | params | figures |\n|---|---|---|")
for r in find("calib"):
    w("| %s | %s | %s |" % (r["mechanism"],
      ", ".join("%s=%s" % kv for kv in r["params"].items()),
      "; ".join("%s %s" % (m, cell(r, m)) for m in r["metrics"])))
w("")

w("## W1: one producer process, one consumer process\n")
w("Ratios are against the best peer (pipe, unix-seqpacket, eventfd+shm) of the "
  "same payload and batch: events/s (higher is better) and CPU ns per event, "
  "producer + consumer (lower is better). eventline's consumer read()s "
  "(eventline, eventline-post) or reads its register's mapped ring in place "
  "(eventline-mmap); the targets take the better of eventline and "
  "eventline-mmap.\n")
w("| payload | batch | mechanism | events/s | MB/s | producer CPU ns/ev | "
  "consumer CPU ns/ev | events/s vs best peer | CPU/ev vs best peer |")
w("|---|---|---|---|---|---|---|---|---|")
for r in find("W1"):
    pr = r["params"]
    pe = best_peer("W1", "events_per_s", True, **pr)
    pc = best_peer("W1", "cpu_ns_per_event", False, **pr)
    w("| %d | %d | %s | %s | %s | %s | %s | %.2fx (%s) | %.2fx (%s) |" % (
        pr["payload"], pr["batch"], r["mechanism"], cell(r, "events_per_s"),
        cell(r, "mbytes_per_s"), cell(r, "prod_cpu_ns_per_event"),
        cell(r, "cons_cpu_ns_per_event"),
        med(r, "events_per_s") / med(pe, "events_per_s"), pe["mechanism"],
        med(r, "cpu_ns_per_event") / med(pc, "cpu_ns_per_event"), pc["mechanism"]))
w("")

w("## W2: fan-out to N readers\n")
w("Producer CPU per event is measured over the posting loops only "
  "(bursts of 64 that every queue holds); the ratio is against the best peer "
  "writing each event N times, same N and reader mode (lower is better).\n")
w("| N | readers | mechanism | producer CPU ns/event | deliveries/s | "
  "producer CPU vs best peer |\n|---|---|---|---|---|---|")
for r in sorted(find("W2"), key=lambda r: (r["params"]["mode"], r["params"]["n"],
                                           r["mechanism"])):
    pr = r["params"]
    p = best_peer("W2", "prod_cpu_ns_per_event", False, n=pr["n"], mode=pr["mode"])
    ratio = "%.2fx (%s)" % (med(r, "prod_cpu_ns_per_event") /
                            med(p, "prod_cpu_ns_per_event"), p["mechanism"]) if p else "–"
    w("| %d | %s | %s | %s | %s | %s |" % (pr["n"], pr["mode"], r["mechanism"],
      cell(r, "prod_cpu_ns_per_event"), cell(r, "deliveries_per_s"), ratio))
w("")
w("Marginal producer cost per subscriber (least-squares slope over N <= 64):\n")
w("| mechanism | readers | ns per extra subscriber |\n|---|---|---|")
for r in find("W2-marginal"):
    w("| %s | %s | %s |" % (r["mechanism"], r["params"]["mode"],
                            fmt(med(r, "marginal_prod_ns_per_subscriber"))))
w("")

w("## W2-iso: 8 registers, one never reads\n")
a = one("W2-iso", "eventline", stalled=0)
s = one("W2-iso", "eventline", stalled=1)
if a and s:
    w("| variant | others' deliveries/s | producer CPU ns/event | stalled: received | "
      "stalled: lost (OVERFLOW) |\n|---|---|---|---|---|")
    w("| all 8 reading | %s | %s | – | – |" % (cell(a, "others_deliveries_per_s"),
                                               cell(a, "prod_cpu_ns_per_event")))
    w("| one stalled | %s | %s | %s | %s |" % (cell(s, "others_deliveries_per_s"),
      cell(s, "prod_cpu_ns_per_event"), cell(s, "stalled_received"),
      cell(s, "stalled_lost")))
    w("\nOthers' throughput with one stalled: %.2fx of all reading. The stalled "
      "register's loss count equalled posted - received exactly in every "
      "repetition (elbench fails otherwise).\n" %
      (med(s, "others_deliveries_per_s") / med(a, "others_deliveries_per_s")))

w("## W3: latency, one event in flight (post to read, ns)\n")
w("| mechanism | p50 | p99 | p99.9 | max | p50 vs eventfd |\n|---|---|---|---|---|---|")
e = one("W3", "eventfd")
for r in find("W3"):
    w("| %s | %s | %s | %s | %s | %.2fx |" % (r["mechanism"], cell(r, "p50_ns"),
      cell(r, "p99_ns"), cell(r, "p99.9_ns"), cell(r, "max_ns"),
      med(r, "p50_ns") / med(e, "p50_ns")))
w("")

w("## W6: kernel memory\n")
w("| object | method | figures |\n|---|---|---|")
for r in find("W6"):
    w("| %s | %s | %s |" % (r["params"]["object"], r["params"]["method"],
      "; ".join("%s %s" % (m, cell(r, m)) for m in r["metrics"])))
w("\nmemcg: memory.current of a cgroup holding only the creating process; it "
  "moves in steps of the per-CPU charge cache, hence the resolution column. "
  "meminfo: MemTotal - MemFree of the whole guest.\n")

name = os.path.basename(base)
w("## Plots\n\n![W1](%s-w1.png)\n![W2](%s-w2.png)\n" % (name, name))
open(base + ".md", "w").write("\n".join(out))

# Plots -------------------------------------------------------------------
tmp = base + ".plotdata"
os.makedirs(tmp, exist_ok=True)
w1mechs = ["eventline", "eventline-mmap", "eventline-post", "pipe", "unix-seqpacket",
           "eventfd+shm"]
for b in (1, 64):
    for m in w1mechs:
        with open("%s/w1-%d-%s.dat" % (tmp, b, m), "w") as f:
            for r in find("W1", m, batch=b):
                f.write("%d %g\n" % (r["params"]["payload"], med(r, "events_per_s")))
w2mechs = ["eventline", "pipe", "unix-seqpacket"]
modes = ["busy", "asleep", "epoll"]
for mode in modes:
    for m in w2mechs:
        with open("%s/w2-%s-%s.dat" % (tmp, mode, m), "w") as f:
            for r in sorted(find("W2", m, mode=mode), key=lambda r: r["params"]["n"]):
                f.write("%d %g\n" % (r["params"]["n"], med(r, "prod_cpu_ns_per_event")))


def plots(panels):
    return ", ".join('"%s" using 1:2 with linespoints title "%s"' % p for p in panels)


gp = ['set terminal png size 1200,500 noenhanced',
      'set output "%s-w1.png"' % base,
      'set multiplot layout 1,2 title "W1 one producer -> one consumer, %s (TCG)"' % c["kernel"],
      'set logscale xy', 'set grid', 'set xlabel "payload (bytes)"',
      'set ylabel "events/s"', 'set key top right']
for b in (1, 64):
    gp.append('set title "batch %d"' % b)
    gp.append("plot " + plots([("%s/w1-%d-%s.dat" % (tmp, b, m), m) for m in w1mechs
                              if b == 64 or m != "eventline-post"]))
gp += ['unset multiplot',
       'set terminal png size 1500,500 noenhanced',
       'set output "%s-w2.png"' % base,
       'set multiplot layout 1,3 title "W2 fan-out: producer CPU per event, %s (TCG)"' % c["kernel"],
       'set xlabel "N readers"', 'set ylabel "producer CPU ns/event"', 'set key top left']
for mode in modes:
    gp.append('set title "readers %s"' % mode)
    gp.append("plot " + plots([("%s/w2-%s-%s.dat" % (tmp, mode, m), m) for m in w2mechs]))
gp.append("unset multiplot")
try:
    subprocess.run(["gnuplot"], input="\n".join(gp) + "\n", text=True, check=True)
except (OSError, subprocess.CalledProcessError) as e:
    print("bench.sh: gnuplot: %s" % e, file=sys.stderr)
for fn in os.listdir(tmp):
    os.unlink(os.path.join(tmp, fn))
os.rmdir(tmp)

print("%s: wrote %s.{json,md} and %s-{w1,w2}.png" % (c["kernel"], base, base))
for t in targets:
    print("  %-80s %s %s %s" % (t[0], t[1], t[3], t[4].strip("*")))
PY
	done_runs=$((done_runs + 1))
done

echo "$prog: $done_runs of ${#kvers[@]} kernels benchmarked, $failed failed"
[ $failed -eq 0 ] && [ $done_runs -gt 0 ]
