/* sgi: software-generated interrupts written to ICC_SGI1R_EL1 (trapped by
 * the hypervisor) on a 2-vCPU VM: to self, to the other vCPU in both
 * directions, to both, to all-but-self (IRM), to vCPUs that do not exist,
 * and to a vCPU with that SGI disabled (held pending until enabled). Every
 * SGI is counted by the receiver, so the counts must match exactly. */
#include "cpu.h"
#include "exc.h"
#include "gic.h"
#include "printf.h"
#include "psci.h"
#include "sysreg.h"
#include "test.h"
#include "timer.h"

const char guest_name[] = "sgi";

#define NCPU 2
#define ROUNDS 20

static volatile unsigned count[NCPU][16];
static volatile unsigned spurious[NCPU], other[NCPU];

static bool irq(struct exc_frame *frame)
{
    (void)frame;
    unsigned cpu = cpu_index();
    uint32_t intid = gic_ack();
    if (intid == GIC_SPURIOUS) {
        spurious[cpu]++;
        return false;
    }
    if (intid < 16)
        count[cpu][intid]++;
    else
        other[cpu]++;
    gic_end(intid);
    return true;
}

/* vCPU 1 sleeps in WFI between commands; CPU 0 kicks it with SGI 0
 * (not counted in any check) after posting one. */
static volatile int cpu1_ready, cpu1_send, cpu1_stop, cpu1_cmd_done;
static volatile int cpu1_init_rc = 1;

static void cpu1_main(unsigned cpu, uint64_t ctx)
{
    (void)cpu;
    (void)ctx;
    cpu1_init_rc = gic_init_cpu();
    if (cpu1_init_rc == 0) {
        exc_set_irq_handler(irq);
        for (unsigned i = 0; i < 16; i++)
            gic_private_enable(i, true);
        irq_enable();
    }
    dsb_sy();
    cpu1_ready = 1;
    uint64_t t0 = time_ns();
    while (time_ns() - t0 < 20000000000ull) {
        if (cpu1_stop)
            break;
        if (cpu1_send) {
            for (unsigned i = 0; i < ROUNDS; i++) {
                unsigned before = count[0][3];
                gic_send_sgi(3, 1u << 0);
                uint64_t t1 = time_ns();
                while (count[0][3] == before && time_ns() - t1 < 1000000000ull)
                    cpu_relax();
            }
            cpu1_send = 0;
            dsb_sy();
            cpu1_cmd_done = 1;
            continue;
        }
        wfi();
    }
    irq_disable();
}

static bool cpu1_is_ready(void) { return cpu1_ready != 0; }

/* Wait (CPU 0 idles with IRQs on) until count[cpu][sgi] reaches want. */
static bool wait_count(unsigned cpu, unsigned sgi, unsigned want, uint64_t ms)
{
    uint64_t t0 = time_ns();
    while (count[cpu][sgi] < want) {
        if (time_ns() - t0 > ms * 1000000ull)
            return count[cpu][sgi] >= want;
        cpu_relax();
    }
    return true;
}

static void settle(void)
{
    uint64_t t0 = time_ns();
    while (time_ns() - t0 < 30000000ull)
        cpu_relax();
}

static bool all_zero(unsigned sgi)
{
    return count[0][sgi] == 0 && count[1][sgi] == 0;
}

void guest_main(void)
{
    if (gic_init_dist() < 0 || gic_init_cpu() < 0) {
        test_fail("gic-init", "distributor or redistributor not responding");
        return;
    }
    exc_set_irq_handler(irq);
    for (unsigned i = 0; i < 16; i++)
        gic_private_enable(i, true);
    irq_enable();

    /* To self, one at a time. */
    bool ok = true;
    for (unsigned i = 0; i < ROUNDS && ok; i++) {
        gic_send_sgi(1, 1u << 0);
        ok = wait_count(0, 1, i + 1, 1000);
    }
    test_check("self", ok && count[0][1] == ROUNDS, "%u of %u SGI 1 received", count[0][1], ROUNDS);

    int64_t r = cpu_start(1, cpu1_main, 0);
    if (r != PSCI_SUCCESS || !wait_until(cpu1_is_ready, 2000) || cpu1_init_rc != 0) {
        test_fail("cpu1-start", "CPU_ON %ld, ready %d, GIC init %d", r, cpu1_ready, cpu1_init_rc);
        return;
    }
    test_pass("cpu1-start");

    /* CPU 0 -> CPU 1. */
    ok = true;
    for (unsigned i = 0; i < ROUNDS && ok; i++) {
        gic_send_sgi(2, 1u << 1);
        ok = wait_count(1, 2, i + 1, 1000);
    }
    settle();
    test_check("to-other", ok && count[1][2] == ROUNDS && count[0][2] == 0,
               "vCPU1 got %u of %u, vCPU0 got %u", count[1][2], ROUNDS, count[0][2]);

    /* CPU 1 -> CPU 0. */
    cpu1_send = 1;
    dsb_sy();
    gic_send_sgi(0, 1u << 1);
    ok = wait_count(0, 3, ROUNDS, 5000);
    settle();
    test_check("from-other", ok && count[0][3] == ROUNDS && count[1][3] == 0 && cpu1_cmd_done,
               "vCPU0 got %u of %u, vCPU1 got %u", count[0][3], ROUNDS, count[1][3]);

    /* Both in one write. */
    gic_send_sgi(5, (1u << 0) | (1u << 1));
    ok = wait_count(0, 5, 1, 1000) && wait_count(1, 5, 1, 1000);
    settle();
    test_check("target-list-both", ok && count[0][5] == 1 && count[1][5] == 1, "vCPU0 %u, vCPU1 %u",
               count[0][5], count[1][5]);

    /* IRM = 1: everyone but the sender. */
    gic_send_sgi_others(4);
    ok = wait_count(1, 4, 1, 1000);
    settle();
    test_check("all-but-self", ok && count[1][4] == 1 && count[0][4] == 0, "vCPU0 %u, vCPU1 %u", count[0][4],
               count[1][4]);

    /* Targets that do not exist: nothing is delivered, nothing breaks. */
    gic_send_sgi(6, 1u << 5);
    gic_send_sgi(6, 1u << 15);
    write_sysreg(icc_sgi1r_el1, (6ull << 24) | (1ull << 16) | 1); /* Aff1 = 1 */
    isb();
    settle();
    test_check("nonexistent-targets", all_zero(6) && other[0] == 0 && other[1] == 0,
               "SGI 6 counts %u/%u, other interrupts %u/%u", count[0][6], count[1][6], other[0], other[1]);

    /* Disabled at the target: held pending, delivered once enabled. */
    gic_private_enable_on(1, 7, false);
    gic_send_sgi(7, 1u << 1);
    settle();
    test_eq("disabled-held", count[1][7], 0);
    gic_private_enable_on(1, 7, true);
    gic_send_sgi(0, 1u << 1); /* wake vCPU 1 from WFI in case it sleeps */
    ok = wait_count(1, 7, 1, 1000);
    test_check("disabled-then-enabled", ok && count[1][7] == 1, "SGI 7 at vCPU1: %u", count[1][7]);

    cpu1_stop = 1;
    dsb_sy();
    gic_send_sgi(0, 1u << 1);
    test_check("cpu1-off", cpu_wait_off(1, 2000), "vCPU 1 not OFF after stop");
    test_check("no-stray", other[0] == 0 && other[1] == 0, "non-SGI interrupts: %u on vCPU0, %u on vCPU1",
               other[0], other[1]);
    test_note("spurious acks: %u on vCPU0, %u on vCPU1", spurious[0], spurious[1]);
    irq_disable();
}
