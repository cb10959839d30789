#!/usr/bin/env python3
"""make bench: axvm measured against bare QEMU (and bare KVM) in the same run.

Parts (method: docs/BENCH.md):
  boot       Debian arm64 Linux + busybox initramfs, wall time from QEMU start
             to the guest's "AXVM-GUEST-READY" line, under axvm vs. bare QEMU
             with the DTB axvm-config generates for the VM; paired runs in
             alternating order, for 1 and 2 vCPUs; median/min/max of the ratio.
  exits      the bench guest (guests/aarch64/bench) under QEMU -icount shift=0,
             under axvm and under bare QEMU; the per-iteration difference of
             the same loop is the hypervisor's instruction count.
  footprint  image sizes, structure sizes, stage-2 table pages.
  kvm        x86 port-I/O round trip, axvm-kvm vs. a bare KVM_RUN loop (only
             with a usable /dev/kvm).
Writes bench/results/latest.json, bench/results/<UTC date-time>.json,
bench/results/latest.png and latest.md (the tables of docs/BENCH.md) (a partial run, BENCH_PARTS, writes build/bench/partial.*
instead); prints the table.

Environment: BUILD (build), AXVM_CACHE (~/.cache/axvm), BENCH_PAIRS (7),
BENCH_PARTS (boot,exits,footprint,kvm), BENCH_PIO_ITERS ("1 40000").
Exit status: 0, or 1 when a part failed (its entry in the JSON says why).
"""
import datetime
import importlib.util
import json
import math
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
BUILD = os.environ.get("BUILD", "build")
CACHE = os.path.expanduser(os.environ.get("AXVM_CACHE", "~/.cache/axvm"))
OUT = os.path.join(BUILD, "bench")
RESULTS = os.path.join("bench", "results")
PAIRS = int(os.environ.get("BENCH_PAIRS", "7"))
PARTS = os.environ.get("BENCH_PARTS", "boot,exits,footprint,kvm").split(",")
HYP = os.path.join(BUILD, "aarch64", "axvm.elf")
BENCH_ELF = os.path.join(BUILD, "guests", "aarch64", "bench.elf")
CROSS = "aarch64-linux-gnu-"
# QEMU's round-robin quantum in icount mode (TCG_KICK_PERIOD): a repetition
# in which a CPU spun until it ended is this much virtual time longer.
RR_QUANTUM_NS = 100_000_000

_spec = importlib.util.spec_from_file_location("qemu_console", os.path.join("tools", "qemu-console.py"))
qc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(qc)


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def axvm_cmd(blob, extra=()):
    """The project's QEMU command line for the hypervisor (tools/run-qemu.sh)."""
    line = sh(["tools/run-qemu.sh", "--print", "--batch", "--elf", HYP, "--blob", blob, "--", *extra])
    return shlex.split(line)


def compile_config(toml, *sets):
    outdir = os.path.join(OUT, "config")
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, AXVM_CACHE=CACHE)
    args = [a for s in sets for a in ("--set", s)]
    subprocess.run(["tools/axvm-config", "-q", toml, "-o", outdir, *args], check=True, env=env)
    stem = os.path.basename(toml)[:-len(".toml")]
    return os.path.join(outdir, stem + ".bin"), os.path.join(outdir, stem + ".linux.dtb")


# ---------------------------------------------------------------- exits

def run_bench_guest(mode):
    if mode == "axvm":
        blob, _ = compile_config("configs/bench/bench.toml",
                                 "kernel.kernel_path=" + os.path.join(BUILD, "guests", "aarch64", "bench.bin"))
        cmd = axvm_cmd(blob, ["-icount", "shift=0"])
    else:
        cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-smp", "2",
               "-m", "256", "-icount", "shift=0", "-display", "none", "-serial", "stdio",
               "-monitor", "none", "-no-reboot", "-kernel", BENCH_ELF]
    t0 = time.monotonic()
    p = subprocess.run(["timeout", "-k", "5", "120", *cmd], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace")
    wall = time.monotonic() - t0
    text = p.stdout.replace("\r", "")
    with open(os.path.join(OUT, f"exits-{mode}.log"), "w") as f:
        f.write(text + p.stderr)
    res = {"env": None, "cntfrq": None, "loops": {}, "timer": [], "fail": [], "wall_s": round(wall, 2)}
    for line in text.splitlines():
        if line.startswith("BENCH env="):
            kv = dict(x.split("=", 1) for x in line.split()[1:])
            res["env"], res["cntfrq"] = kv["env"], int(kv["cntfrq"])
        elif line.startswith("BENCH op=timer "):
            kv = dict(x.split("=", 1) for x in line.split()[1:])
            res["timer"].append({k: int(kv[k]) for k in ("cval", "vct", "spins", "intid")})
        elif line.startswith("BENCH op="):
            kv = dict(x.split("=", 1) for x in line.split()[1:])
            res["loops"].setdefault(kv["op"], []).append({"iters": int(kv["iters"]), "ticks": int(kv["ticks"])})
        elif line.startswith("FAIL "):
            res["fail"].append(line)
    ok = p.returncode == 0 and re.search(r"^RESULT bench env=\S+ passed=\d+ failed=0 ", text, re.M)
    if not ok:
        res["fail"].append(f"QEMU exit {p.returncode}; no clean RESULT line (see {OUT}/exits-{mode}.log)")
    if res["env"] != mode:
        res["fail"].append(f"guest says env={res['env']}, expected {mode}")
    return res


def loop_cost(samples, ns_per_tick):
    """Instructions (= ns under -icount shift=0) per iteration, min over repetitions."""
    per = [s["ticks"] * ns_per_tick / s["iters"] for s in samples]
    return min(per), max(per), per


def timer_latency(samples, ns_per_tick):
    """Deadline -> the handler's first instruction, in instructions: the
    handler read CNTVCT = vct there and then spun `spins` times (4
    instructions each) until the counter ticked to vct + 1, which places that
    first instruction (vct + 1) * tick - 4 * spins after tick 0, to within 4
    instructions; the deadline is cval * tick."""
    return [(s["vct"] + 1 - s["cval"]) * ns_per_tick - 4 * s["spins"] for s in samples]


OPS = [
    ("empty", "empty loop (nop; subs; b.ne), baseline"),
    ("hvc", "null HVC (axvm VERSION hypercall)"),
    ("mmio", "MMIO read, test device SCRATCH (bare: RAM)"),
    ("sysreg", "trapped MRS ID_AA64PFR0_EL1 (TID3)"),
    ("sgi-self", "SGI to self, taken + IAR/EOIR/DIR"),
    ("sgi-pingpong", "SGI round trip vCPU0 -> vCPU1 -> vCPU0 (both in WFI)"),
]


def part_exits():
    runs = {m: run_bench_guest(m) for m in ("bare", "axvm")}
    out = {"method": "QEMU -icount shift=0: 1 ns of virtual time per instruction executed (any EL); "
                     "hypervisor instructions = per-iteration cost under axvm - the same loop under bare QEMU",
           "runs": runs, "ops": {}, "fail": []}
    for m, r in runs.items():
        out["fail"] += [f"{m}: {f}" for f in r["fail"]]
    if out["fail"] or not runs["axvm"]["cntfrq"] or not runs["bare"]["cntfrq"]:
        out["fail"].append("bench guest did not run cleanly")
        return out
    cal = {}
    for m, r in runs.items():
        ns_per_tick = 1e9 / r["cntfrq"]
        # The empty loop executes exactly 3 instructions per iteration; the
        # calibration run of it is long enough for a 5e-6 resolution.
        c = r["loops"]["calib"][0]
        cal[m] = {"cntfrq_hz": r["cntfrq"], "ns_per_tick": ns_per_tick, "calib_iters": c["iters"],
                  "calib_ticks": c["ticks"], "ns_per_instruction": c["ticks"] * ns_per_tick / (3.0 * c["iters"]),
                  "resolution_instr_per_iter": ns_per_tick / r["loops"]["empty"][0]["iters"]}
    out["calibration"] = cal
    for op, desc in OPS:
        entry = {"what": desc}
        for m, r in runs.items():
            ns_per_tick = 1e9 / r["cntfrq"]
            lo, hi, per = loop_cost(r["loops"][op], ns_per_tick)
            entry[m] = {"instr_per_iter": round(lo, 3), "max_instr_per_iter": round(hi, 3),
                        "raw": r["loops"][op]}
            if op == "sgi-pingpong":
                entry[m]["reps_with_rr_stall"] = sum(
                    1 for s in r["loops"][op] if (s["ticks"] * ns_per_tick - lo * s["iters"]) > RR_QUANTUM_NS / 2)
        entry["hyp_instr"] = round(entry["axvm"]["instr_per_iter"] - entry["bare"]["instr_per_iter"], 1)
        out["ops"][op] = entry
    tl = {}
    for m, r in runs.items():
        lat = timer_latency(r["timer"], 1e9 / r["cntfrq"])
        tl[m] = {"instr_min": min(lat), "instr_max": max(lat), "raw": r["timer"]}
    out["ops"]["timer"] = {"what": "virtual timer: deadline -> first instruction of the guest's handler",
                           "bare": tl["bare"], "axvm": tl["axvm"],
                           "hyp_instr": round(tl["axvm"]["instr_min"] - tl["bare"]["instr_min"], 1)}
    return out


# ---------------------------------------------------------------- boot

def proc_cpu_seconds(pid):
    """user + system CPU time of a process (all its threads), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def boot_once(cmd, logfile, timeout=180):
    """Wall seconds from starting QEMU to the marker, and QEMU's CPU seconds by then."""
    t0 = time.monotonic()
    with qc.Console(cmd, log=logfile) as c:
        c.expect(r"AXVM-GUEST-READY nproc=\d+", timeout=timeout)
        t = time.monotonic() - t0
        cpu = proc_cpu_seconds(c.proc.pid)
    return t, cpu


def part_boot():
    if not (os.path.exists(os.path.join(CACHE, "Image")) and os.path.exists(os.path.join(CACHE, "initramfs.cpio.gz"))):
        r = subprocess.run(["tools/fetch-guest.sh", CACHE], capture_output=True, text=True)
        if r.returncode != 0:
            return {"fail": [f"tools/fetch-guest.sh failed: {r.stderr[-300:]}"]}
    out = {"method": f"wall time from QEMU start to 'AXVM-GUEST-READY', {PAIRS} pairs, order alternating",
           "load_average_at_start": os.getloadavg()[0], "vcpus": {}, "fail": []}
    for n in (1, 2):
        blob, dtb = compile_config(f"configs/bench/linux-{n}cpu.toml")
        a_cmd = axvm_cmd(blob)
        b_cmd = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-smp", str(n),
                 "-m", "512", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
                 "-kernel", os.path.join(CACHE, "Image"), "-dtb", dtb,
                 "-device", f"loader,file={os.path.join(CACHE, 'initramfs.cpio.gz')},addr=0x44000000,force-raw=on"]
        pairs = []
        try:
            for i in range(PAIRS):
                order = ("axvm", "bare") if i % 2 == 0 else ("bare", "axvm")
                t, cpu = {}, {}
                for m in order:
                    t[m], cpu[m] = boot_once(a_cmd if m == "axvm" else b_cmd,
                                             os.path.join(OUT, f"boot-{n}cpu-{m}.log"))
                pairs.append({"axvm_s": round(t["axvm"], 3), "bare_s": round(t["bare"], 3),
                              "ratio": round(t["axvm"] / t["bare"], 3), "first": order[0],
                              "axvm_cpu_s": round(cpu["axvm"], 2), "bare_cpu_s": round(cpu["bare"], 2),
                              "cpu_ratio": round(cpu["axvm"] / cpu["bare"], 3) if cpu["bare"] > 0 else None})
                log(f"boot {n} vCPU pair {i + 1}/{PAIRS}: axvm {t['axvm']:.2f} s, bare {t['bare']:.2f} s")
        except qc.Timeout as e:
            out["fail"].append(f"{n} vCPU: no AXVM-GUEST-READY: {str(e)[:300]}")
            continue
        ratios = [p["ratio"] for p in pairs]
        out["vcpus"][str(n)] = {
            "pairs": pairs,
            "ratio_median": round(statistics.median(ratios), 3),
            "ratio_min": min(ratios), "ratio_max": max(ratios),
            "axvm_median_s": round(statistics.median(p["axvm_s"] for p in pairs), 3),
            "bare_median_s": round(statistics.median(p["bare_s"] for p in pairs), 3),
            "cpu_ratio_median": round(statistics.median(p["cpu_ratio"] for p in pairs if p["cpu_ratio"]), 3),
            "axvm_cpu_median_s": round(statistics.median(p["axvm_cpu_s"] for p in pairs), 2),
            "bare_cpu_median_s": round(statistics.median(p["bare_cpu_s"] for p in pairs), 2),
            "axvm_cmd": " ".join(shlex.quote(x) for x in a_cmd),
            "bare_cmd": " ".join(shlex.quote(x) for x in b_cmd),
        }
    out["load_average_at_end"] = os.getloadavg()[0]
    return out


# ---------------------------------------------------------------- footprint

def part_footprint():
    out = {"fail": []}
    line = sh([CROSS + "size", HYP]).splitlines()[1].split()
    out["image"] = {"file": HYP, "text": int(line[0]), "data": int(line[1]), "bss": int(line[2])}
    sizes = {}
    for l in sh([CROSS + "nm", "-S", os.path.join(OUT, "footprint.o")]).splitlines():
        f = l.split()
        if len(f) == 4 and f[3].startswith("bench_sizeof_"):
            sizes[f[3][len("bench_sizeof_"):]] = int(f[1], 16)
    out["sizeof"] = sizes
    syms = {}
    for l in sh([CROSS + "nm", "-S", "--size-sort", HYP]).splitlines():
        f = l.split()
        if len(f) == 4 and f[2] in "bBdD":
            syms[f[3]] = int(f[1], 16)
    out["largest_static_objects"] = dict(sorted(syms.items(), key=lambda kv: -kv[1])[:8])
    page = 4096
    # Static per VM slot: struct axvm_vm (with its AXVM_MAX_VCPUS vCPU slots),
    # the backend's a64_vm and the vGIC distributor model; per running vCPU one
    # page for its a64_ctx (arch/aarch64/vcpu.c allocates it).
    out["per_vm_static_bytes"] = sizes["axvm_vm"] + sizes["a64_vm"] + sizes["vgic_dist"]
    out["per_vcpu"] = {"axvm_vcpu_bytes": sizes["axvm_vcpu"], "a64_ctx_bytes": sizes["a64_ctx"],
                       "a64_ctx_page_bytes": page, "vgic_cpu_bytes": sizes["vgic_cpu"]}
    s2 = sh([os.path.join(OUT, "s2tables"), "40000000:20000000"]).strip()
    out["stage2_linux_512MiB"] = {"table_pages": int(s2.split("=")[1]),
                                  "how": "core/pagetable.c + arch/aarch64/stage2.c hosted on the VM's layout "
                                         "(RAM 2 MiB-aligned; the hypervisor does not report it)"}
    return out


# ---------------------------------------------------------------- kvm

def part_kvm():
    if not (os.path.exists("/dev/kvm") and os.access("/dev/kvm", os.R_OK | os.W_OK)):
        return {"skipped": "no usable /dev/kvm"}
    axvm_kvm = os.path.join(BUILD, "kvm", "axvm-kvm")
    bare = os.path.join(OUT, "kvm_bare")
    iters = [int(x) for x in os.environ.get("BENCH_PIO_ITERS", "1 40000").split()]
    lo, hi = min(iters), max(iters)
    img = {n: os.path.join(OUT, "kvm", f"pio-{n}.bin") for n in (lo, hi)}
    cmds = {"axvm": lambda n: [axvm_kvm, "--mode", "real", "--image", img[n]],
            "bare": lambda n: [bare, img[n]]}
    per = {"axvm": [], "bare": []}
    rounds = 9
    for i in range(rounds):
        order = ("axvm", "bare") if i % 2 == 0 else ("bare", "axvm")
        for m in order:
            t = {}
            for n in (hi, lo):
                t0 = time.monotonic()
                p = subprocess.run(["timeout", "60", *cmds[m](n)], capture_output=True, text=True)
                t[n] = time.monotonic() - t0
                if p.returncode != 0:
                    return {"fail": [f"{m} {n} iterations: exit {p.returncode}: {(p.stdout + p.stderr)[-300:]}"]}
            per[m].append((t[hi] - t[lo]) / (hi - lo) * 1e6)
    res = {"method": f"process wall time with {hi} minus {lo} port reads, / {hi - lo}; {rounds} rounds alternating",
           "fail": []}
    for m in per:
        res[m] = {"us_per_io_median": round(statistics.median(per[m]), 2), "min": round(min(per[m]), 2),
                  "max": round(max(per[m]), 2), "raw_us": [round(x, 2) for x in per[m]]}
    ratios = [a / b for a, b in zip(per["axvm"], per["bare"]) if b > 0]
    res["ratio_median"] = round(statistics.median(ratios), 3)
    res["ratio_min"], res["ratio_max"] = round(min(ratios), 3), round(max(ratios), 3)
    return res


# ---------------------------------------------------------------- output

def table(r):
    L = []
    b = r.get("boot", {})
    L.append("== Linux boot to userspace (wall s, QEMU start -> AXVM-GUEST-READY)")
    for n, v in sorted(b.get("vcpus", {}).items()):
        L.append(f"  {n} vCPU: axvm {v['axvm_median_s']:.2f} s  bare {v['bare_median_s']:.2f} s  "
                 f"ratio median {v['ratio_median']:.2f} (min {v['ratio_min']:.2f}, max {v['ratio_max']:.2f}), "
                 f"{len(v['pairs'])} pairs")
        L.append(f"          QEMU CPU time by then: axvm {v['axvm_cpu_median_s']:.2f} s  bare {v['bare_cpu_median_s']:.2f} s  "
                 f"ratio median {v['cpu_ratio_median']:.2f}")
    for f in b.get("fail", []):
        L.append(f"  FAILED: {f}")
    e = r.get("exits", {})
    if "calibration" in e:
        c = e["calibration"]
        L.append("== Exit costs (QEMU -icount shift=0; instructions)")
        L.append(f"  counter: CNTFRQ {c['axvm']['cntfrq_hz'] / 1e6:g} MHz = {c['axvm']['ns_per_tick']:g} ns/tick; "
                 f"{c['axvm']['calib_iters']} x empty loop {c['bare']['ns_per_instruction']:.5f} (bare) / "
                 f"{c['axvm']['ns_per_instruction']:.5f} (axvm) ns per instruction")
        L.append(f"  {'operation':<58} {'axvm/iter':>10} {'bare/iter':>10} {'hypervisor':>10}")
        for op, desc in OPS:
            o = e["ops"][op]
            L.append(f"  {desc:<58} {o['axvm']['instr_per_iter']:>10.1f} {o['bare']['instr_per_iter']:>10.1f} "
                     f"{o['hyp_instr']:>10.1f}")
        t = e["ops"]["timer"]
        L.append(f"  {t['what']:<58} {t['axvm']['instr_min']:>10.1f} {t['bare']['instr_min']:>10.1f} "
                 f"{t['hyp_instr']:>10.1f}")
    for f in e.get("fail", []):
        L.append(f"  FAILED: {f}")
    fp = r.get("footprint", {})
    if "image" in fp:
        i = fp["image"]
        L.append("== Footprint")
        L.append(f"  axvm.elf: text {i['text']} B, data {i['data']} B, bss {i['bss']} B")
        L.append(f"  per VM (static slot): {fp['per_vm_static_bytes']} B "
                 f"(axvm_vm {fp['sizeof']['axvm_vm']} incl. 8 vCPU slots of {fp['sizeof']['axvm_vcpu']}, "
                 f"a64_vm {fp['sizeof']['a64_vm']}, vgic_dist {fp['sizeof']['vgic_dist']})")
        L.append(f"  per vCPU: a64_ctx {fp['sizeof']['a64_ctx']} B in its own 4 KiB page; "
                 f"stage-2 tables of the 512 MiB Linux VM: {fp['stage2_linux_512MiB']['table_pages']} pages")
    k = r.get("kvm", {})
    L.append("== x86 port-I/O round trip (KVM)")
    if "skipped" in k:
        L.append(f"  skipped: {k['skipped']}")
    elif "axvm" in k:
        L.append(f"  axvm-kvm {k['axvm']['us_per_io_median']:.2f} us  bare KVM_RUN loop {k['bare']['us_per_io_median']:.2f} us  "
                 f"ratio median {k['ratio_median']:.2f} (min {k['ratio_min']:.2f}, max {k['ratio_max']:.2f})")
    for f in k.get("fail", []):
        L.append(f"  FAILED: {f}")
    return "\n".join(L)


def markdown(r):
    """The results as the Markdown tables of docs/BENCH.md and README."""
    L = [f"Run of {r['date'][:16].replace('T', ' ')} UTC, commit {r['commit']}, {r['qemu']}, "
         f"{r['nproc']} host cores shared with other work (load average {r.get('boot', {}).get('load_average_at_start', float('nan')):.1f} at the start of the boots).", ""]
    b = r.get("boot", {}).get("vcpus", {})
    if b:
        L += ["| Linux boot to `AXVM-GUEST-READY` | bare QEMU | axvm | axvm / bare, median of pairs (min - max) | QEMU CPU time at the marker: bare / axvm = ratio |",
              "|---|---|---|---|---|"]
        for n, v in sorted(b.items()):
            L.append(f"| {n} vCPU, {len(v['pairs'])} pairs | {v['bare_median_s']:.2f} s | {v['axvm_median_s']:.2f} s | "
                     f"**{v['ratio_median']:.2f}** ({v['ratio_min']:.2f} - {v['ratio_max']:.2f}) | "
                     f"{v['bare_cpu_median_s']:.2f} s / {v['axvm_cpu_median_s']:.2f} s = {v['cpu_ratio_median']:.2f} |")
        L.append("")
    e = r.get("exits", {})
    if "ops" in e:
        L += ["| operation (QEMU -icount shift=0) | axvm: instr. per iteration | bare QEMU | **hypervisor instructions** | raw (axvm): ticks / iterations |",
              "|---|---|---|---|---|"]
        for op, desc in OPS + [("timer", "virtual timer: deadline -> first instruction of the guest's handler")]:
            o = e["ops"][op]
            if op == "timer":
                t = o["axvm"]["raw"][0]
                raw = f"CVAL {t['cval']}, handler read {t['vct']}, {t['spins']} spins ({len(o['axvm']['raw'])} samples, all equal)" \
                    if o["axvm"]["instr_min"] == o["axvm"]["instr_max"] else f"{len(o['axvm']['raw'])} samples, spread {o['axvm']['instr_max'] - o['axvm']['instr_min']:.0f}"
                L.append(f"| {desc} | {o['axvm']['instr_min']:.0f} | {o['bare']['instr_min']:.0f} | **{o['hyp_instr']:.0f}** | {raw} |")
                continue
            raw = ", ".join(str(x["ticks"]) for x in o["axvm"]["raw"])
            L.append(f"| {desc} | {o['axvm']['instr_per_iter']:.1f} | {o['bare']['instr_per_iter']:.1f} | "
                     f"**{o['hyp_instr']:.0f}** | {raw} / {o['axvm']['raw'][0]['iters']} |")
        c = e["calibration"]
        L += ["", f"Counter: CNTFRQ {c['axvm']['cntfrq_hz'] / 1e6:g} MHz, {c['axvm']['ns_per_tick']:g} ns per tick; "
              f"the empty loop (3 instructions) run {c['axvm']['calib_iters']} times measures {c['bare']['ns_per_instruction']:.5f} ns per instruction "
              f"under bare QEMU and {c['axvm']['ns_per_instruction']:.5f} under axvm ({c['bare']['calib_ticks']} and {c['axvm']['calib_ticks']} ticks).", ""]
    fp = r.get("footprint", {})
    if "image" in fp:
        i, z = fp["image"], fp["sizeof"]
        L += ["| footprint | bytes |", "|---|---|",
              f"| `axvm.elf` text / data / bss | {i['text']} / {i['data']} / {i['bss']} |",
              f"| per VM slot (static): `struct axvm_vm` (with 8 `axvm_vcpu` of {z['axvm_vcpu']}) + `a64_vm` + `vgic_dist` | "
              f"{z['axvm_vm']} + {z['a64_vm']} + {z['vgic_dist']} = {fp['per_vm_static_bytes']} |",
              f"| per vCPU (allocated): one page for its `a64_ctx` ({z['a64_ctx']} used) | 4096 |",
              f"| stage-2 tables of the 512 MiB Linux VM | {fp['stage2_linux_512MiB']['table_pages']} pages |", ""]
    k = r.get("kvm", {})
    if "axvm" in k:
        L += ["| x86 port-I/O round trip (`in` from the debug port) | median | min - max |", "|---|---|---|",
              f"| bare `KVM_RUN` loop (`bench/kvm_bare.c`) | {k['bare']['us_per_io_median']:.2f} us | {k['bare']['min']:.2f} - {k['bare']['max']:.2f} us |",
              f"| `axvm-kvm` | {k['axvm']['us_per_io_median']:.2f} us | {k['axvm']['min']:.2f} - {k['axvm']['max']:.2f} us |",
              f"| ratio axvm-kvm / bare, median of rounds | **{k['ratio_median']:.2f}** | {k['ratio_min']:.2f} - {k['ratio_max']:.2f} |", ""]
    elif "skipped" in k:
        L += [f"x86/KVM: skipped ({k['skipped']}).", ""]
    L.append(f"`make bench` took {r['total_seconds']:.0f} s.")
    return "\n".join(L) + "\n"


def chart(r, png):
    if not shutil.which("gnuplot"):
        log("gnuplot missing: no chart")
        return False
    dat = os.path.join(OUT, "chart")
    os.makedirs(dat, exist_ok=True)
    b = r.get("boot", {}).get("vcpus", {})
    with open(os.path.join(dat, "boot.dat"), "w") as f:
        for n, v in sorted(b.items()):
            f.write(f'"{n} vCPU" {v["bare_median_s"]} {v["axvm_median_s"]} {v["ratio_median"]}\n')
    e = r.get("exits", {}).get("ops", {})
    with open(os.path.join(dat, "exits.dat"), "w") as f:
        for op in ("hvc", "mmio", "sysreg", "sgi-self", "timer", "sgi-pingpong"):
            if op in e:
                f.write(f'"{op}" {e[op]["hyp_instr"]}\n')
    have_boot, have_exits = bool(b), bool(e)
    if not (have_boot or have_exits):
        log("no boot or exit numbers: no chart")
        return False
    date = r["date"][:16].replace("T", " ")
    panels = int(have_boot) + int(have_exits)
    script = f"""
set terminal pngcairo size {550 * panels + 100},460 font ",10"
set output "{png}"
set multiplot layout 1,{panels} title "axvm vs. bare QEMU ({date} UTC, commit {r['commit']})"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
"""
    if have_boot:
        script += f"""
set title "Linux boot to userspace (median wall time, {PAIRS} pairs)"
set offsets 0, 0, graph 0.1, 0
set ylabel "seconds"
set yrange [0:*]
set key top left
plot "{dat}/boot.dat" using 2:xtic(1) title "bare QEMU", "" using 3 title "axvm", \\
     "" using ($0 + 0.2):3:(sprintf("x%.2f", $4)) with labels offset 0,0.8 notitle
"""
    if have_exits:
        script += f"""
set title "Hypervisor instructions per operation (QEMU -icount)"
set offsets 0, 0, 0, 0
set ylabel "instructions (axvm - bare QEMU)"
set logscale y
set yrange [100:100000]
set key off
set xtics rotate by -20
plot "{dat}/exits.dat" using 2:xtic(1) lc rgb "#d95f02", \\
     "" using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.8 notitle
"""
    script += "unset multiplot\n"
    sf = os.path.join(dat, "chart.gp")
    with open(sf, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", sf], capture_output=True, text=True)
    if p.returncode != 0:
        log(f"gnuplot failed: {p.stderr[-500:]}")
        return False
    return True


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    t0 = time.monotonic()
    now = datetime.datetime.now(datetime.timezone.utc)
    r = {"date": now.isoformat(timespec="seconds"), "host": os.uname().nodename,
         "qemu": sh(["qemu-system-aarch64", "--version"]).splitlines()[0],
         "commit": sh(["git", "rev-parse", "--short", "HEAD"]).strip(), "nproc": os.cpu_count()}
    funcs = {"exits": part_exits, "footprint": part_footprint, "boot": part_boot, "kvm": part_kvm}
    for part in ("exits", "footprint", "boot", "kvm"):
        if part not in PARTS:
            continue
        log(f"{part}...")
        s = time.monotonic()
        try:
            r[part] = funcs[part]()
        except Exception as ex:  # a broken part is reported, the others still run
            r[part] = {"fail": [f"{type(ex).__name__}: {ex}"]}
        r[part]["seconds"] = round(time.monotonic() - s, 1)
    r["total_seconds"] = round(time.monotonic() - t0, 1)
    if set(PARTS) >= set(funcs):
        latest, png = os.path.join(RESULTS, "latest.json"), os.path.join(RESULTS, "latest.png")
    else:  # a partial run (BENCH_PARTS) does not replace the published results
        latest, png = os.path.join(OUT, "partial.json"), os.path.join(OUT, "partial.png")
    with open(latest, "w") as f:
        json.dump(r, f, indent=1)
        f.write("\n")
    if latest.startswith(RESULTS):
        shutil.copy(latest, os.path.join(RESULTS, now.strftime("%Y-%m-%dT%H%M%SZ") + ".json"))
    with open(latest[:-len(".json")] + ".md", "w") as f:
        f.write(markdown(r))
    chart(r, png)
    print(table(r))
    print(f"({latest}, {png}; {r['total_seconds']:.0f} s)")
    failed = any(r.get(p, {}).get("fail") for p in PARTS)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
