/* sysreg: system register traps. Identification registers must be readable
 * and describe only what the VM really has; implementation-defined and
 * nonexistent registers must be UNDEFINED; architected registers a
 * hypervisor commonly traps (cache ID, set/way maintenance, ACTLR, debug)
 * must behave as on hardware. Runs on 2 vCPUs. */
#include "cpu.h"
#include "exc.h"
#include "printf.h"
#include "psci.h"
#include "sysreg.h"
#include "test.h"
#include "timer.h"

const char guest_name[] = "sysreg";

#define FIELD(v, lo) (((v) >> (lo)) & 0xf)

#define EXPECT_UNDEF(name, stmt)                                                                     \
    do {                                                                                             \
        struct fault_info f_;                                                                        \
        fault_expect();                                                                              \
        stmt;                                                                                        \
        if (!fault_collect(&f_))                                                                     \
            test_fail(name, "executed without an exception, want UNDEFINED");                        \
        else                                                                                         \
            test_check(name, ESR_EC(f_.esr) == EC_UNKNOWN, "ESR %#lx (EC %#lx), want EC 0x00",       \
                       f_.esr, ESR_EC(f_.esr));                                                      \
    } while (0)

/* IMPLEMENTATION DEFINED registers trap only where the CPU model implements
 * HCR_EL2.TIDCP (axvm sets it). QEMU 7.2's TCG ignores the bit, so there the
 * access completes and the case can only be skipped; a trap with the wrong
 * answer is still a failure. */
#define EXPECT_UNDEF_IMPDEF(name, stmt)                                                              \
    do {                                                                                             \
        struct fault_info f_;                                                                        \
        fault_expect();                                                                              \
        stmt;                                                                                        \
        if (!fault_collect(&f_))                                                                     \
            test_skip(name, "no trap: this CPU model ignores HCR_EL2.TIDCP (QEMU < 8.1)");           \
        else                                                                                         \
            test_check(name, ESR_EC(f_.esr) == EC_UNKNOWN, "ESR %#lx (EC %#lx), want EC 0x00",       \
                       f_.esr, ESR_EC(f_.esr));                                                      \
    } while (0)

#define EXPECT_NO_FAULT(name, stmt)                                                                  \
    do {                                                                                             \
        struct fault_info f_;                                                                        \
        fault_expect();                                                                              \
        stmt;                                                                                        \
        if (fault_collect(&f_))                                                                      \
            test_fail(name, "exception ESR %#lx (EC %#lx) ELR %#lx", f_.esr, ESR_EC(f_.esr), f_.elr);\
        else                                                                                         \
            test_pass(name);                                                                         \
    } while (0)

static bool mpidr_ok(uint64_t m, unsigned idx)
{
    return (m & (1ull << 31)) && !(m & (1ull << 30)) && (m & 0xff) == idx && ((m >> 8) & 0xffff) == 0 &&
           ((m >> 32) & 0xff) == 0;
}

static volatile uint64_t cpu1_mpidr;
static volatile int cpu1_done;

static void cpu1_main(unsigned cpu, uint64_t ctx)
{
    (void)cpu;
    (void)ctx;
    cpu1_mpidr = read_sysreg(mpidr_el1);
    dsb_sy();
    cpu1_done = 1;
}

static bool cpu1_finished(void) { return cpu1_done != 0; }

static void mpidr_cases(void)
{
    uint64_t m = read_sysreg(mpidr_el1);
    test_check("mpidr.cpu0", mpidr_ok(m, 0), "MPIDR %#lx: want bit 31 set, U = 0, Aff0 = 0, other Aff 0", m);
    int64_t r = cpu_start(1, cpu1_main, 0);
    if (r != PSCI_SUCCESS) {
        test_fail("mpidr.cpu1", "CPU_ON of vCPU 1 returned %ld", r);
        return;
    }
    if (!wait_until(cpu1_finished, 2000)) {
        test_fail("mpidr.cpu1", "vCPU 1 did not run within 2 s");
        return;
    }
    test_check("mpidr.cpu1", mpidr_ok(cpu1_mpidr, 1), "MPIDR %#lx: want bit 31 set, Aff0 = 1", cpu1_mpidr);
    if (!cpu_wait_off(1, 2000))
        test_fail("mpidr.cpu1-off", "vCPU 1 not OFF 2 s after CPU_OFF");
}

static void id_cases(void)
{
    uint64_t pfr0 = 0, pfr1 = 0, dfr0 = 0, isar0 = 0, isar1 = 0, mmfr0 = 0, mmfr1 = 0, mmfr2 = 0;
    EXPECT_NO_FAULT("id.readable", {
        pfr0 = read_sysreg(id_aa64pfr0_el1);
        pfr1 = read_sysreg(id_aa64pfr1_el1);
        dfr0 = read_sysreg(id_aa64dfr0_el1);
        isar0 = read_sysreg(id_aa64isar0_el1);
        isar1 = read_sysreg(id_aa64isar1_el1);
        mmfr0 = read_sysreg(id_aa64mmfr0_el1);
        mmfr1 = read_sysreg(id_aa64mmfr1_el1);
        mmfr2 = read_sysreg(s3_0_c0_c7_2);
    });
    test_note("PFR0 %#lx PFR1 %#lx DFR0 %#lx ISAR0 %#lx ISAR1 %#lx MMFR0 %#lx MMFR1 %#lx MMFR2 %#lx", pfr0,
              pfr1, dfr0, isar0, isar1, mmfr0, mmfr1, mmfr2);
    test_check("id.pfr0-el0-el1", FIELD(pfr0, 0) >= 1 && FIELD(pfr0, 4) >= 1, "EL0 %lu EL1 %lu",
               FIELD(pfr0, 0), FIELD(pfr0, 4));
    test_eq("id.pfr0-sve", FIELD(pfr0, 32), 0);
    test_eq("id.pfr0-gic-sysregs", FIELD(pfr0, 24), 1);
    test_check("id.dfr0-debugver", FIELD(dfr0, 0) >= 6, "DebugVer %lu", FIELD(dfr0, 0));
    if (test_need_axvm("id.dfr0-pmu-hidden"))
        test_eq("id.dfr0-pmu-hidden", FIELD(dfr0, 8), 0);
    else
        test_note("PMUVer (not checked here) %lu", FIELD(dfr0, 8));
    test_check("id.mmfr0-4k-parange", FIELD(mmfr0, 28) == 0 && FIELD(mmfr0, 0) <= 6,
               "TGran4 %lu PARange %lu", FIELD(mmfr0, 28), FIELD(mmfr0, 0));
    /* Stable: a trap handler must answer the same every time. */
    bool stable = true;
    for (int i = 0; i < 16; i++)
        stable = stable && read_sysreg(id_aa64pfr0_el1) == pfr0 && read_sysreg(id_aa64dfr0_el1) == dfr0 &&
                 read_sysreg(id_aa64isar0_el1) == isar0 && read_sysreg(id_aa64mmfr0_el1) == mmfr0;
    test_check("id.stable", stable, "an ID register changed between reads");
    uint64_t midr = read_sysreg(midr_el1);
    test_check("id.midr", midr != 0 && (midr >> 24) != 0, "MIDR %#lx", midr);
}

static void undef_cases(void)
{
    uint64_t v = 0;
    /* Cortex-A72's CPUACTLR_EL1 encoding: real on the host CPU, so it is
     * UNDEFINED for the guest only if the hypervisor traps impl-defined
     * registers (HCR_EL2.TIDCP) and refuses them. */
    if (test_need_axvm("undef.impdef-s3_1_c15_c2_0"))
        EXPECT_UNDEF_IMPDEF("undef.impdef-s3_1_c15_c2_0", __asm__ volatile("mrs %0, s3_1_c15_c2_0" : "=r"(v)::"memory"));
    if (test_need_axvm("undef.impdef-write-s3_1_c15_c2_1"))
        EXPECT_UNDEF_IMPDEF("undef.impdef-write-s3_1_c15_c2_1",
                     __asm__ volatile("msr s3_1_c15_c2_1, %0" ::"r"(v) : "memory"));
    EXPECT_UNDEF("undef.unallocated-s3_1_c15_c15_7",
                 __asm__ volatile("mrs %0, s3_1_c15_c15_7" : "=r"(v)::"memory"));
    EXPECT_UNDEF("undef.el2-reg-hcr_el2", __asm__ volatile("mrs %0, hcr_el2" : "=r"(v)::"memory"));
    EXPECT_UNDEF("undef.write-midr", __asm__ volatile("msr s3_0_c0_c0_0, %0" ::"r"(v) : "memory"));
    if (test_need_axvm("undef.pmu-pmcr"))
        EXPECT_UNDEF("undef.pmu-pmcr", __asm__ volatile("mrs %0, pmcr_el0" : "=r"(v)::"memory"));
    (void)v;
}

static void trapped_arch_cases(void)
{
    uint64_t ctr = 0, clidr = 0, ccsidr = 0, csselr = 1, actlr = 0, mdscr = 1;
    EXPECT_NO_FAULT("cache.id-regs", {
        ctr = read_sysreg(ctr_el0);
        clidr = read_sysreg(clidr_el1);
        write_sysreg(csselr_el1, 0);
        isb();
        csselr = read_sysreg(csselr_el1);
        ccsidr = read_sysreg(ccsidr_el1);
    });
    test_check("cache.id-values", ctr != 0 && (clidr & 7) != 0 && ccsidr != 0 && csselr == 0,
               "CTR %#lx CLIDR %#lx CCSIDR %#lx CSSELR %#lx", ctr, clidr, ccsidr, csselr);
    EXPECT_NO_FAULT("cache.dc-cisw", __asm__ volatile("dc cisw, %0" ::"r"(0ul) : "memory"));
    EXPECT_NO_FAULT("cache.dc-isw", __asm__ volatile("dc isw, %0" ::"r"(0ul) : "memory"));
    EXPECT_NO_FAULT("actlr.read", actlr = read_sysreg(actlr_el1));
    (void)actlr;
    /* TDCC (bit 12) only affects EL0: safe to toggle, and it must stick. */
    uint64_t mdscr_set = 0;
    EXPECT_NO_FAULT("debug.mdscr-rw", {
        write_sysreg(mdscr_el1, 1ul << 12);
        isb();
        mdscr_set = read_sysreg(mdscr_el1);
        write_sysreg(mdscr_el1, 0);
        isb();
        mdscr = read_sysreg(mdscr_el1);
    });
    test_check("debug.mdscr-value", (mdscr_set & (1ul << 12)) && !(mdscr & (1ul << 12)),
               "MDSCR_EL1 read %#lx after setting TDCC, %#lx after clearing", mdscr_set, mdscr);
    uint64_t oslsr = 0;
    EXPECT_NO_FAULT("debug.oslsr-read", oslsr = read_sysreg(oslsr_el1));
    test_check("debug.oslsr-oslm", (oslsr & 0x9) != 0, "OSLSR %#lx: OSLM must say the OS lock is implemented",
               oslsr);
    /* A local event is pending after SEVL, so WFE must return (trapped or not). */
    EXPECT_NO_FAULT("wfe.returns", __asm__ volatile("sevl\n\twfe" ::: "memory"));
}

static void timer_cases(void)
{
    uint64_t f = timer_freq();
    test_check("cntfrq.sane", f >= 1000000 && f <= 1000000000, "CNTFRQ_EL0 %lu Hz", f);
    uint64_t t0 = timer_vcount(), prev = t0;
    bool mono = true;
    for (int i = 0; i < 1000; i++) {
        uint64_t t = timer_vcount();
        mono = mono && t >= prev;
        prev = t;
    }
    /* ~2 ms of spinning must show on the counter. */
    uint64_t until = t0 + f / 500;
    for (uint64_t i = 0; i < 400000000 && timer_vcount() < until; i++)
        ;
    uint64_t t1 = timer_vcount();
    test_check("cntvct.advances", mono && t1 >= until, "monotonic %d, t0 %lu t1 %lu (want >= %lu)", mono, t0,
               t1, until);
    uint64_t p0 = 0, p1 = 0;
    EXPECT_NO_FAULT("cntpct.readable", {
        isb();
        p0 = read_sysreg(cntpct_el0);
        for (volatile int i = 0; i < 10000; i++)
            ;
        isb();
        p1 = read_sysreg(cntpct_el0);
    });
    test_check("cntpct.advances", p1 > p0, "CNTPCT %lu then %lu", p0, p1);
}

void guest_main(void)
{
    mpidr_cases();
    id_cases();
    undef_cases();
    trapped_arch_cases();
    timer_cases();
}
