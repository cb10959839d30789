/* bench: the exit-cost benchmark guest (docs/BENCH.md, bench/run.py).
 *
 * Times loops of one operation each with the virtual counter and prints the
 * raw numbers as "BENCH ..." lines; bench/run.py turns them into
 * instructions. Run under QEMU -icount shift=0 (1 ns of virtual time per
 * instruction executed, at any exception level), the ticks of a loop count
 * every instruction executed during it: the guest's and the hypervisor's.
 * The same image runs under bare QEMU (no EL2), where the same loops cost
 * only the guest's own instructions; the difference is the hypervisor's.
 *
 *   calib       the empty loop, 10^6 times: instructions per counter tick
 *   empty       nop; subs; b.ne                   (the baseline shape)
 *   hvc         axvm VERSION hypercall            (bare: QEMU's PSCI answers)
 *   mmio        8-byte load of the test device's SCRATCH (bare: a RAM word)
 *   sysreg      mrs ID_AA64PFR0_EL1               (trapped by HCR_EL2.TID3)
 *   sgi-self    SGI 1 to itself, taken, acknowledged, deactivated, counted
 *   sgi-pingpong SGI 2 to vCPU 1, which wakes from WFI, takes it and answers
 *               with SGI 2 to vCPU 0, which waits for it in WFI: one round
 *               trip between two vCPUs (every CPU's instructions count)
 *   timer       virtual timer deadline -> first instruction of the handler
 * Also a correctness check of each loop (counts, INTIDs), as PASS/FAIL lines. */
#include "cpu.h"
#include "gic.h"
#include "printf.h"
#include "sysreg.h"
#include "test.h"
#include "testdev.h"
#include "timer.h"

const char guest_name[] = "bench";

#define ITERS 10000u
#define REPS 3u
/* The round trip waits in WFI on both sides. QEMU's icount mode runs the CPUs
 * round-robin, and a CPU that spin-waits for another one (a lock held by a
 * CPU QEMU switched away from) keeps running until the 100 ms round-robin
 * quantum ends: such a repetition is 100 ms of virtual time longer. Short,
 * repeated runs keep most repetitions clean; bench/run.py takes the minimum. */
#define PP_ITERS 1000u
#define PP_REPS 7u
#define CALIB_ITERS 1000000u
#define TIMER_REPS 10u
#define TIMER_DELTA 2000u /* ticks ahead: far beyond the arming code */
#define SGI_SELF 1u
#define SGI_OTHER 2u

uint64_t bl_empty(uint64_t n);
uint64_t bl_hvc(uint64_t n);
uint64_t bl_mmio(uint64_t n, uint64_t addr);
uint64_t bl_sysreg(uint64_t n);
uint64_t bl_sgi(uint64_t n, uint64_t sgi1r, volatile uint32_t *count);
uint64_t bl_pingpong(uint64_t n, uint64_t sgi1r, volatile uint32_t *count);
void bl_serve(volatile uint32_t *count, volatile uint32_t *stop, uint64_t sgi1r);
void bl_timer(uint64_t delta, uint64_t out[4]);

static volatile uint32_t self_count, pong_count, ping_count, other_stop, other_ready;
static volatile uint64_t ram_word;

static uint64_t sgi1r(unsigned intid, unsigned target_list)
{
    return ((uint64_t)intid << 24) | (target_list & 0xffffu);
}

static void report_n(const char *op, unsigned iters, uint64_t ticks)
{
    g_printf("BENCH op=%s iters=%u ticks=%lu\n", op, iters, ticks);
}

static void report(const char *op, uint64_t ticks) { report_n(op, ITERS, ticks); }

static void cpu1_main(unsigned cpu, uint64_t ctx)
{
    (void)cpu;
    (void)ctx;
    if (gic_init_cpu() != 0)
        return;
    gic_private_enable(SGI_OTHER, true);
    other_ready = 1;
    dsb_sy();
    bl_serve(&ping_count, &other_stop, sgi1r(SGI_OTHER, 1u << 0));
}

static bool cpu1_ready(void) { return other_ready != 0; }

static void run_loops(void)
{
    uint64_t mmio_addr = g_env == ENV_AXVM ? TESTDEV_BASE + TESTDEV_SCRATCH : (uint64_t)(uintptr_t)&ram_word;
    bool ok = true;
    for (unsigned r = 0; r < REPS; r++) {
        uint64_t t;
        report("empty", t = bl_empty(ITERS));
        ok &= t > 0;
        report("hvc", t = bl_hvc(ITERS));
        ok &= t > 0;
        report("mmio", t = bl_mmio(ITERS, mmio_addr));
        ok &= t > 0;
        report("sysreg", t = bl_sysreg(ITERS));
        ok &= t > 0;
        uint32_t before = self_count;
        report("sgi-self", t = bl_sgi(ITERS, sgi1r(SGI_SELF, 1u << 0), &self_count));
        ok &= t > 0;
        test_check("sgi-self-count", self_count - before == ITERS, "%u SGIs counted, want %u",
                   self_count - before, ITERS);
    }
    test_check("loops-ticks", ok, "a loop took 0 ticks");
}

static void run_sgi_other(void)
{
    int64_t r = cpu_start(1, cpu1_main, 0);
    if (r != 0 || !wait_until(cpu1_ready, 2000)) {
        test_fail("sgi-other-start", "CPU_ON %ld, ready %u", r, other_ready);
        return;
    }
    gic_private_enable(SGI_OTHER, true);
    for (unsigned i = 0; i < PP_REPS; i++) {
        uint32_t before = pong_count, before1 = ping_count;
        report_n("sgi-pingpong", PP_ITERS, bl_pingpong(PP_ITERS, sgi1r(SGI_OTHER, 1u << 1), &pong_count));
        test_check("sgi-pingpong-count", pong_count - before == PP_ITERS && ping_count - before1 == PP_ITERS,
                   "vCPU 1 counted %u, vCPU 0 %u, want %u each", ping_count - before1, pong_count - before,
                   PP_ITERS);
    }
    /* A last round trip wakes vCPU 1, which then sees the stop; its answer
     * is taken here, so no SGI is left pending for the timer cases. */
    other_stop = 1;
    dsb_sy();
    bl_pingpong(1, sgi1r(SGI_OTHER, 1u << 1), &pong_count);
    test_check("sgi-other-off", cpu_wait_off(1, 2000), "vCPU 1 did not power off");
}

static void run_timer(void)
{
    gic_private_enable(TIMER_VIRT_INTID, true);
    bool ok = true;
    for (unsigned i = 0; i < TIMER_REPS; i++) {
        uint64_t out[4];
        bl_timer(TIMER_DELTA, out);
        g_printf("BENCH op=timer cval=%lu vct=%lu spins=%lu intid=%lu\n", out[0], out[1], out[2], out[3]);
        ok &= out[3] == TIMER_VIRT_INTID && out[1] >= out[0] && out[2] >= 1;
    }
    gic_private_enable(TIMER_VIRT_INTID, false);
    test_check("timer", ok, "handler saw a wrong INTID, fired before CVAL or did not spin");
}

void guest_main(void)
{
    if (gic_init_dist() < 0 || gic_init_cpu() < 0) {
        test_fail("gic-init", "distributor or redistributor not responding");
        return;
    }
    gic_private_enable(SGI_SELF, true);
    g_printf("BENCH env=%s cntfrq=%lu iters=%u\n", env_name(), timer_freq(), ITERS);
    /* The counter/instruction relation: 3 000 000 instructions, so one
     * counter tick is 5e-6 of the result. */
    report_n("calib", CALIB_ITERS, bl_empty(CALIB_ITERS));
    run_loops();
    run_sgi_other();
    run_timer();
}
