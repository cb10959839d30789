#!/usr/bin/env bash
# The benchmark guest (guests/aarch64/bench, docs/BENCH.md) runs once under
# axvm with QEMU -icount shift=0, as make bench runs it, and its numbers are
# sane: every loop reported for every operation, all tick counts positive,
# the empty loop 3 instructions per iteration to within one counter tick
# (the counter/instruction relation the benchmark relies on), each trapping
# operation costlier than the empty loop, the timer handler never before its
# deadline. Not a benchmark.
set -u
cd "$(dirname "$0")/../.."
b=${BUILD:-build}
out=$b/tests/bench-smoke
mkdir -p "$out"

if ! command -v qemu-system-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    echo "SKIP bench-smoke: qemu-system-aarch64 or aarch64-linux-gnu-gcc missing (make deps)"
    exit 0
fi
if ! blog=$(make -s -j2 hyp-aarch64 guests-aarch64 2>&1); then
    echo "$blog" | tail -20
    echo "FAIL bench-smoke/build: make hyp-aarch64 guests-aarch64 failed"
    exit 1
fi
if ! clog=$(tools/axvm-config -q configs/bench/bench.toml -o "$out" \
        --set "kernel.kernel_path=$b/guests/aarch64/bench.bin" 2>&1); then
    echo "$clog" | sed 's/^/# /'
    echo "FAIL bench-smoke/config: axvm-config configs/bench/bench.toml"
    exit 1
fi
echo "PASS bench-smoke/build"

log=$out/console.log
# --print quotes for the shell (printf %q): eval turns it back into words.
eval "cmd=($(tools/run-qemu.sh --print --batch --blob "$out/bench.bin" -- -icount shift=0))"
timeout -k 2 60 "${cmd[@]}" </dev/null 2>&1 | tr -d '\r' >"$log"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ] || ! grep -q '^RESULT bench env=axvm passed=[0-9]* failed=0 ' "$log" \
        || ! grep -q '^axvm: vm bench exit status 0' "$log"; then
    grep -E '^(FAIL|RESULT)' "$log" | sed 's/^/# /'
    tail -5 "$log" | sed 's/^/# /'
    echo "FAIL bench-smoke/run: QEMU status $rc, no clean RESULT/exit (see $log)"
    exit 1
fi
echo "PASS bench-smoke/run"

# Sanity of the numbers (awk: per-iteration instructions = ticks * 1e9 / CNTFRQ / iters).
why=$(awk '
    /^BENCH env=/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "cntfrq") f = kv[2] } }
    /^BENCH op=/ && !/op=timer/ {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        if (v["ticks"] + 0 <= 0) { print v["op"] ": ticks " v["ticks"]; bad = 1 }
        c = v["ticks"] * 1e9 / f / v["iters"]
        tick[v["op"]] = 1e9 / f / v["iters"]
        if (!(v["op"] in best) || c < best[v["op"]]) best[v["op"]] = c
    }
    /^BENCH op=timer/ {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        nt++
        if (v["vct"] + 0 < v["cval"] + 0) { print "timer handler ran before its deadline"; bad = 1 }
    }
    END {
        if (f + 0 <= 0) { print "no CNTFRQ"; exit }
        n = split("empty hvc mmio sysreg sgi-self sgi-pingpong", ops, " ")
        for (i = 1; i <= n; i++) if (!(ops[i] in best)) { print "no " ops[i] " loop"; bad = 1 }
        if (nt == 0) print "no timer samples"
        if (bad || nt == 0) exit
        # Exactly 3, give or take one counter tick spread over the iterations.
        d = best["empty"] - 3
        if (d < 0) d = -d
        if (d > tick["empty"] + 1e-9) print "empty loop " best["empty"] " instructions per iteration, want 3"
        for (i = 2; i <= n; i++) if (best[ops[i]] <= best["empty"]) print ops[i] " not costlier than the empty loop"
    }' "$log")
if [ -n "$why" ]; then
    echo "$why" | sed 's/^/# /'
    echo "FAIL bench-smoke/numbers: $(echo "$why" | head -1)"
    exit 1
fi
echo "PASS bench-smoke/numbers"
