/* hostile: a guest that does what broken or malicious guests do, one case at
 * a time, and checks that it gets the architecturally right answer and
 * carries on (docs/HOSTILE.md has the table; tests/suites/55-hostile.sh runs
 * it beside the heartbeat VM, configs/hostile/).
 *
 * The same image runs twice: as VM "hostile" (id 20, 2 vCPUs, 2 MiB of RAM so
 * that the hypervisor's physical range and the page pool holding the other
 * VMs are unmapped guest-physical addresses) and as VM "hostile-reset"
 * (id 22), which resets itself HOSTILE_RESETS times and then powers off its
 * last vCPU: cases that end a VM cannot run inside the main one. */
#include "axvm/hypercall.h"
#include "asm.h"
#include "cpu.h"
#include "exc.h"
#include "gic.h"
#include "mmio.h"
#include "mmu.h"
#include "printf.h"
#include "psci.h"
#include "shared.h"
#include "smccc.h"
#include "sysreg.h"
#include "test.h"
#include "testdev.h"
#include "timer.h"
#include "uart.h"

const char guest_name[] = "hostile";

#define RAM_BASE 0x40000000ul
#define RAM_SIZE 0x00200000ul
#define TD(off) (TESTDEV_BASE + (off))
#define HYP_IMAGE 0x40200000ul  /* the hypervisor's ELF, physically */
#define HYP_STACKS 0x47FFF000ul /* still the hypervisor's 128 MiB */
#define HYP_BLOB 0x48000000ul   /* the configuration blob */
#define POOL 0x50000000ul       /* page pool: the other VMs' RAM and stage-2 tables */
#define POOL_TOP 0xBFFFFFF8ul   /* last word of the host's RAM */
#define IPA_TOP 0x7FFFFFFFF8ul  /* last word of the 39-bit IPA space */
#define PA40_TOP 0xFFFFFFF000ul /* inside the 40-bit PARange, beyond the IPA space */

/* Extra stage-1 blocks (1 GiB, L1 index = VA >> 30). */
#define VA_IPA_TOP 0x7FC0000000ul   /* -> PA 0x7F_C000_0000, Device */
#define VA_PA40 0x7F80000000ul      /* -> PA 0xFF_C000_0000, Device */
#define VA_EXEC_DEV 0x4800000000ul  /* -> PA 0, Normal NC, executable: fetch from MMIO */
extern uint64_t mmu_l1_table[512];

#ifndef HOSTILE_SKIP
#define HOSTILE_SKIP 0u
#endif

/* ---- verdict helpers ---------------------------------------------------- */

static bool exc_ok(const char *name, bool taken, const struct fault_info *f, unsigned ec, uint64_t pc)
{
    if (!taken) {
        test_fail(name, "completed without an exception, want EC %#x", ec);
        return false;
    }
    if (ESR_EC(f->esr) != ec) {
        test_fail(name, "ESR %#lx: EC %#lx, want %#x (ELR %#lx FAR %#lx)", f->esr, ESR_EC(f->esr), ec, f->elr,
                  f->far);
        return false;
    }
    if (f->elr != pc) {
        test_fail(name, "ELR %#lx, want %#lx (ESR %#lx)", f->elr, pc, f->esr);
        return false;
    }
    return true;
}

/* A data abort reflected by the hypervisor: EC 0x25 on the instruction,
 * FAR = the address (unless FnV; far2 is a second acceptable FAR for
 * accesses that straddle), not a stage-1 alignment fault, WnR right
 * (wnr < 0: not checked). */
static bool dabt_ok(const char *name, bool taken, const struct fault_info *f, uint64_t pc, uint64_t far,
                    uint64_t far2, int wnr)
{
    if (!exc_ok(name, taken, f, EC_DABT_CUR, pc))
        return false;
    if (!(f->esr & ESR_FNV) && f->far != far && f->far != far2) {
        test_fail(name, "FAR %#lx, want %#lx (ESR %#lx)", f->far, far, f->esr);
        return false;
    }
    if (ESR_DFSC(f->esr) == DFSC_ALIGN) {
        test_fail(name, "stage-1 alignment fault (ESR %#lx): never reached the hypervisor", f->esr);
        return false;
    }
    if (wnr >= 0 && !!(f->esr & ESR_WNR) != wnr) {
        test_fail(name, "ESR %#lx: WnR %d, want %d", f->esr, !!(f->esr & ESR_WNR), wnr);
        return false;
    }
    return true;
}

/* Runs `insn` with x1 = addr, x0 = val; pc_ = its address. */
#define RUN_AT(pc_, addr, val, insn)                                                                 \
    __asm__ volatile("mov x1, %1\n\tmov x0, %2\n\tadr %0, 1f\n1:\t" insn "\n\t"                      \
                     : "=&r"(pc_)                                                                    \
                     : "r"((uint64_t)(addr)), "r"((uint64_t)(val))                                   \
                     : "x0", "x1", "x2", "x3", "memory")

#define EXPECT_DABT2(name, addr, far2, wnr, insn)                                                    \
    do {                                                                                             \
        uint64_t pc_;                                                                                \
        struct fault_info f_;                                                                        \
        fault_expect();                                                                              \
        RUN_AT(pc_, addr, 0x5a5a5a5a5a5a5a5aull, insn);                                              \
        bool t_ = fault_collect(&f_);                                                                \
        if (dabt_ok(name, t_, &f_, pc_, (uint64_t)(addr), (uint64_t)(far2), wnr))                    \
            test_pass(name);                                                                         \
    } while (0)
#define EXPECT_DABT(name, addr, wnr, insn) EXPECT_DABT2(name, addr, addr, wnr, insn)
#define DABT_READ(name, addr) EXPECT_DABT(name, addr, 0, "ldr x0, [x1]")
#define DABT_WRITE(name, addr) EXPECT_DABT(name, addr, 1, "str x0, [x1]")

/* An instruction that must be UNDEFINED (EC 0) at its own address. */
#define EXPECT_UNDEF(name, insn)                                                                     \
    do {                                                                                             \
        uint64_t pc_;                                                                                \
        struct fault_info f_;                                                                        \
        fault_expect();                                                                              \
        RUN_AT(pc_, 0, 0, insn);                                                                     \
        bool t_ = fault_collect(&f_);                                                                \
        if (exc_ok(name, t_, &f_, EC_UNKNOWN, pc_))                                                  \
            test_pass(name);                                                                         \
    } while (0)

/* An instruction that must complete without an exception. */
#define EXPECT_NO_EXC(name, addr, insn)                                                              \
    do {                                                                                             \
        uint64_t pc_;                                                                                \
        struct fault_info f_;                                                                        \
        fault_expect();                                                                              \
        RUN_AT(pc_, addr, 0, insn);                                                                  \
        bool t_ = fault_collect(&f_);                                                                \
        (void)pc_;                                                                                   \
        test_check(name, !t_, "ESR %#lx FAR %#lx ELR %#lx", f_.esr, f_.far, f_.elr);                \
    } while (0)

/* Cache maintenance by VA on an address with nothing behind it: a no-op or
 * a data abort on that instruction and address; nothing else. */
#define EXPECT_CMO(name, addr, insn)                                                                 \
    do {                                                                                             \
        uint64_t pc_;                                                                                \
        struct fault_info f_;                                                                        \
        fault_expect();                                                                              \
        RUN_AT(pc_, addr, 0, insn);                                                                  \
        bool t_ = fault_collect(&f_);                                                                \
        if (!t_ || dabt_ok(name, t_, &f_, pc_, (uint64_t)(addr), (uint64_t)(addr), -1))              \
            test_pass(name);                                                                         \
    } while (0)

static int64_t hc(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
    struct smccc_res r;
    smccc_call(SMCCC_HVC, AXVM_HC_FID(nr), a1, a2, a3, a4, a5, a6, &r);
    return (int64_t)r.a0;
}

static int64_t hvc3(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return smccc_call3(SMCCC_HVC, fid, a1, a2, a3);
}

/* ---- stage-1 additions -------------------------------------------------- */

static void mmu_extend(void)
{
    const uint64_t blk = 1, af = 1ull << 10, xn = (3ull << 53);
    mmu_l1_table[VA_IPA_TOP >> 30] = 0x7FC0000000ull | blk | (0ull << 2) | af | xn;
    mmu_l1_table[VA_PA40 >> 30] = 0xFFC0000000ull | blk | (0ull << 2) | af | xn;
    mmu_l1_table[VA_EXEC_DEV >> 30] = 0 | blk | (2ull << 2) | af; /* Normal NC, executable */
    /* IPS 40 bits (the PARange axvm offers), so 40-bit output addresses reach stage 2. */
    uint64_t tcr = read_sysreg(tcr_el1);
    tcr = (tcr & ~(7ull << 32)) | (2ull << 32);
    __asm__ volatile("dsb ishst\n\tmsr tcr_el1, %0\n\tisb\n\ttlbi vmalle1\n\tdsb ish\n\tisb" ::"r"(tcr) : "memory");
}

/* Vectors that send "current EL with SP_EL0" exceptions to the runtime's
 * SP_ELx entry (the SP-alignment case runs with SPSel = 0); the rest go to
 * the runtime's own entries. */
__asm__(".pushsection .text\n"
        ".balign 0x800\n"
        ".global hostile_vectors\n"
        "hostile_vectors:\n"
        "b exc_vectors + 0x200\n"
        ".balign 0x80\n b exc_vectors + 0x080\n .balign 0x80\n b exc_vectors + 0x100\n"
        ".balign 0x80\n b exc_vectors + 0x180\n .balign 0x80\n b exc_vectors + 0x200\n"
        ".balign 0x80\n b exc_vectors + 0x280\n .balign 0x80\n b exc_vectors + 0x300\n"
        ".balign 0x80\n b exc_vectors + 0x380\n .balign 0x80\n b exc_vectors + 0x400\n"
        ".balign 0x80\n b exc_vectors + 0x480\n .balign 0x80\n b exc_vectors + 0x500\n"
        ".balign 0x80\n b exc_vectors + 0x580\n .balign 0x80\n b exc_vectors + 0x600\n"
        ".balign 0x80\n b exc_vectors + 0x680\n .balign 0x80\n b exc_vectors + 0x700\n"
        ".balign 0x80\n b exc_vectors + 0x780\n"
        ".popsection\n");
extern char hostile_vectors[];

/* ---- interrupts --------------------------------------------------------- */

static volatile unsigned sgi_count[GUEST_MAX_CPUS][16];
static volatile unsigned ppi_count[GUEST_MAX_CPUS];
static volatile unsigned spi_seen[1024];
static volatile unsigned spurious_irqs;

static bool irq(struct exc_frame *frame)
{
    (void)frame;
    unsigned cpu = cpu_index();
    uint32_t intid = gic_ack();
    if (intid >= 1020) {
        spurious_irqs++;
        return false;
    }
    if (intid < 16)
        sgi_count[cpu][intid]++;
    else if (intid < 32)
        ppi_count[cpu]++;
    else
        spi_seen[intid]++;
    gic_end(intid);
    return true;
}

/* ---- vCPU 1: an SGI sink ---------------------------------------------------- */

static volatile int cpu1_ready, cpu1_stop;
static volatile uint64_t cpu1_context;

static void cpu1_main(unsigned cpu, uint64_t ctx)
{
    (void)cpu;
    cpu1_context = ctx;
    if (gic_init_cpu() == 0) {
        exc_set_irq_handler(irq);
        for (unsigned i = 0; i < 16; i++)
            gic_private_enable(i, true);
        irq_enable();
    }
    dsb_sy();
    cpu1_ready = 1;
    uint64_t t0 = time_ns();
    while (!cpu1_stop && time_ns() - t0 < 30000000000ull)
        wfi();
    irq_disable();
}

static bool cpu1_is_ready(void) { return cpu1_ready != 0; }
static bool cpu1_is_off(void) { return psci_affinity_info(cpu_mpidr(1), 0) == PSCI_AFF_OFF; }

/* ---- memory: unmapped guest-physical addresses --------------------------- */

static void mem_cases(void)
{
    DABT_READ("mem.below-ram.read-0", 0x0ul);
    DABT_WRITE("mem.below-ram.write", 0x3FFFF000ul);
    DABT_READ("mem.hyp-image.read", HYP_IMAGE);
    DABT_WRITE("mem.hyp-image.write", HYP_IMAGE + 0x100);
    DABT_READ("mem.hyp-stacks.read", HYP_STACKS);
    DABT_READ("mem.config-blob.read", HYP_BLOB);
    DABT_READ("mem.other-vms.pool-read", POOL);
    DABT_WRITE("mem.other-vms.pool-write", POOL + 0x1000);
    DABT_WRITE("mem.other-vms.pool-write-mid", POOL + 0x08000000);
    DABT_READ("mem.host-ram-top.read", POOL_TOP);
    DABT_READ("mem.above-4g.read", 0x100000000ul);
    DABT_WRITE("mem.above-4g.write", 0x123456780ul);
    DABT_READ("mem.ipa-top.read", VA_IPA_TOP + (IPA_TOP - 0x7FC0000000ul));
    DABT_WRITE("mem.ipa-top.write", VA_IPA_TOP + (IPA_TOP - 0x7FC0000000ul));
    DABT_READ("mem.beyond-ipa.read", VA_PA40 + (PA40_TOP - 0xFFC0000000ul));
    /* 8 bytes at the last 4 of RAM: the half beyond the end faults (FAR either address). */
    EXPECT_DABT2("mem.ram-end-straddle", RAM_BASE + RAM_SIZE - 4, RAM_BASE + RAM_SIZE, 0, "ldr x0, [x1]");
    /* Narrow widths to the hypervisor's range too. */
    EXPECT_DABT("mem.hyp-image.read-w1", HYP_IMAGE + 3, 0, "ldrb w0, [x1]");
    EXPECT_DABT("mem.hyp-image.write-w2", HYP_IMAGE + 6, 1, "strh w0, [x1]");
}

/* ---- emulated devices: wrong widths, misalignment, holes ---------------- */

static void dev_cases(void)
{
    EXPECT_DABT("dev.strict.read-w1", TD(0x104), 0, "ldrb w0, [x1]");
    EXPECT_DABT("dev.strict.read-w2", TD(0x106), 0, "ldrh w0, [x1]");
    EXPECT_DABT("dev.strict.write-w8", TD(0x108), 1, "str x0, [x1]");
    EXPECT_DABT("dev.strict.misaligned-w4", MMU_ALIAS_NC + TD(0x102), 0, "ldr w0, [x1]");
    EXPECT_DABT("dev.scratch.misaligned-w8", MMU_ALIAS_NC + TD(0x009), 1, "str x0, [x1]");
    EXPECT_DABT("dev.pattern.write", TD(TESTDEV_PATTERN), 1, "str x0, [x1]");
    EXPECT_DABT("dev.count.write-w1", TD(TESTDEV_COUNT), 1, "strb w0, [x1]");
    DABT_READ("dev.hole.read", TD(0x800));
    DABT_WRITE("dev.hole.write", TD(0xFF8));
    /* 8 bytes at the device window's last 4 bytes: into the unmapped page after it. */
    EXPECT_DABT2("dev.window-end-straddle", MMU_ALIAS_NC + TD(0xFFC), MMU_ALIAS_NC + TD(0x1000), 0,
                 "ldr x0, [x1]");
    /* One frame beyond the 2 vCPUs' redistributors. */
    DABT_READ("dev.gicr.beyond-last", GICR_BASE + 2 * GICR_STRIDE);

    /* GIC and PL011 registers at widths they do not support: a value or an
     * abort at that address (CONSTRAINED UNPREDICTABLE), and the device
     * still works. */
    static const struct {
        const char *name;
        uint64_t addr;
        unsigned width;
        bool write;
    } odd[] = {
        { "dev.gicd.ctlr-w8-read", GICD_BASE + GICD_CTLR, 8, false },
        { "dev.gicd.typer-w1-read", GICD_BASE + GICD_TYPER + 1, 1, false },
        { "dev.gicd.pidr2-w2-read", GICD_BASE + GICD_PIDR2, 2, false },
        { "dev.gicd.typer-w4-write", GICD_BASE + GICD_TYPER, 4, true },
        { "dev.gicr.typer-w1-read", GICR_BASE + GICR_TYPER + 3, 1, false },
        { "dev.pl011.dr-w8-read", UART_BASE + 0x0, 8, false },
        { "dev.pl011.fr-w2-write", UART_BASE + 0x18, 2, true },
        { "dev.pl011.id-w1-read", UART_BASE + 0xFE0, 1, false },
    };
    for (unsigned i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        struct fault_info f;
        uint64_t pc;
        fault_expect();
        switch (odd[i].width * 2 + odd[i].write) {
        case 2: RUN_AT(pc, odd[i].addr, 0, "ldrb w0, [x1]"); break;
        case 4: RUN_AT(pc, odd[i].addr, 0, "ldrh w0, [x1]"); break;
        case 5: RUN_AT(pc, odd[i].addr, 0, "strh w0, [x1]"); break;
        case 9: RUN_AT(pc, odd[i].addr, 0, "str w0, [x1]"); break;
        default: RUN_AT(pc, odd[i].addr, 0, "ldr x0, [x1]"); break;
        }
        bool t = fault_collect(&f);
        if (!t || dabt_ok(odd[i].name, t, &f, pc, odd[i].addr, odd[i].addr, odd[i].write))
            test_pass(odd[i].name);
    }
    uint64_t typer = mmio_read32(GICD_BASE + GICD_TYPER);
    test_check("dev.gic-still-works", (mmio_read32(GICD_BASE + GICD_PIDR2) >> 4 & 0xf) == 3 && typer != 0 &&
                                          (mmio_read32(GICD_BASE + GICD_CTLR) & GICD_CTLR_ARE),
               "GICD_PIDR2 %#lx TYPER %#lx CTLR %#lx", mmio_read32(GICD_BASE + GICD_PIDR2), typer,
               mmio_read32(GICD_BASE + GICD_CTLR));
}

/* ---- accesses without a valid syndrome, exclusives ----------------------- */

static void nosyndrome_cases(void)
{
    testdev_write64(TESTDEV_SCRATCH, 0x1111222233334444ull);
    EXPECT_DABT("nosyn.ldp-mmio", TD(TESTDEV_SCRATCH), 0, "ldp x2, x3, [x1]");
    EXPECT_DABT("nosyn.stp-mmio", TD(TESTDEV_SCRATCH), 1, "stp x0, x0, [x1]");
    test_eq("nosyn.stp-mmio-no-effect", testdev_read64(TESTDEV_SCRATCH), 0x1111222233334444ull);
    EXPECT_DABT("nosyn.ldp-w-mmio", TD(TESTDEV_SCRATCH), 0, "ldp w2, w3, [x1]");
    EXPECT_DABT("nosyn.ldp-unmapped", POOL, 0, "ldp x2, x3, [x1]");
    EXPECT_DABT("nosyn.stp-hyp-image", HYP_IMAGE, 1, "stp x0, x0, [x1]");

    /* Writeback forms: an abort leaves the base register as it was; a
     * hypervisor that emulates them must do all of it. */
    {
        uint64_t base = TD(TESTDEV_SCRATCH), val = 0, pc;
        struct fault_info f;
        fault_expect();
        __asm__ volatile("mov x1, %1\n\tmov x0, #0\n\tadr %0, 1f\n1:\tldr x0, [x1], #8\n\tmov %1, x1\n\tmov %2, x0"
                         : "=&r"(pc), "+r"(base), "+r"(val)
                         :
                         : "x0", "x1", "memory");
        bool t = fault_collect(&f);
        if (t) {
            if (dabt_ok("nosyn.ldr-post-mmio", t, &f, pc, TD(TESTDEV_SCRATCH), TD(TESTDEV_SCRATCH), 0))
                test_check("nosyn.ldr-post-mmio", base == TD(TESTDEV_SCRATCH), "aborted, base %#lx changed", base);
        } else {
            test_check("nosyn.ldr-post-mmio", base == TD(TESTDEV_SCRATCH) + 8 && val == 0x1111222233334444ull,
                       "emulated: base %#lx value %#lx", base, val);
        }
    }
    {
        uint64_t base = POOL, pc;
        struct fault_info f;
        fault_expect();
        __asm__ volatile("mov x1, %1\n\tadr %0, 1f\n1:\tstr xzr, [x1, #16]!\n\tmov %1, x1"
                         : "=&r"(pc), "+r"(base)
                         :
                         : "x1", "memory");
        bool t = fault_collect(&f);
        if (dabt_ok("nosyn.str-pre-unmapped", t, &f, pc, POOL + 16, POOL + 16, 1))
            test_check("nosyn.str-pre-unmapped", base == POOL, "base %#lx changed by an aborted store", base);
    }

    /* SIMD loads/stores have no syndrome either (FP switched on for them). */
    uint64_t cpacr = read_sysreg(cpacr_el1);
    write_sysreg(cpacr_el1, cpacr | (3ull << 20));
    isb();
    EXPECT_DABT("nosyn.simd-ld1-mmio", TD(TESTDEV_SCRATCH), 0, "ld1 {v0.2d}, [x1]");
    EXPECT_DABT("nosyn.simd-str-q-unmapped", POOL, 1, "str q0, [x1]");
    write_sysreg(cpacr_el1, cpacr);
    isb();

    /* Exclusives to MMIO: an abort, or an exclusive pair that is consistent
     * (STXR status 0 only if the store happened). */
    {
        uint64_t pc, v = 0, status = 9;
        struct fault_info f;
        testdev_write64(TESTDEV_SCRATCH, 0xABCDull);
        fault_expect();
        __asm__ volatile("mov x1, %3\n\tmov x0, #0\n\tadr %0, 1f\n1:\tldxr x0, [x1]\n\tmov %1, x0\n\t"
                         "mov x0, #0x77\n\tstxr w2, x0, [x1]\n\tmov %2, x2"
                         : "=&r"(pc), "=&r"(v), "=&r"(status)
                         : "r"(TD(TESTDEV_SCRATCH))
                         : "x0", "x1", "x2", "memory");
        bool t = fault_collect(&f);
        uint64_t after = testdev_read64(TESTDEV_SCRATCH);
        if (t) {
            if (dabt_ok("excl.ldxr-stxr-mmio", t, &f, pc, TD(TESTDEV_SCRATCH), TD(TESTDEV_SCRATCH), 0))
                test_check("excl.ldxr-stxr-mmio", after == 0xABCD, "aborted, but SCRATCH is %#lx", after);
        } else {
            test_check("excl.ldxr-stxr-mmio",
                       v == 0xABCD && ((status == 0 && after == 0x77) || (status == 1 && after == 0xABCD)),
                       "ldxr %#lx, stxr status %lu, SCRATCH after %#lx", v, status, after);
        }
    }
    {
        uint64_t pc, status = 9;
        struct fault_info f;
        testdev_write64(TESTDEV_SCRATCH, 0xABCDull);
        fault_expect();
        __asm__ volatile("mov x1, %2\n\tmov x0, #0x99\n\tmov x2, #5\n\tclrex\n\tadr %0, 1f\n1:\tstxr w2, x0, [x1]\n\t"
                         "mov %1, x2"
                         : "=&r"(pc), "=&r"(status)
                         : "r"(TD(TESTDEV_SCRATCH))
                         : "x0", "x1", "x2", "memory");
        bool t = fault_collect(&f);
        uint64_t after = testdev_read64(TESTDEV_SCRATCH);
        /* With no exclusive monitor set, STXR must fail (status 1) and store nothing. */
        if (t) {
            if (dabt_ok("excl.stxr-unarmed-mmio", t, &f, pc, TD(TESTDEV_SCRATCH), TD(TESTDEV_SCRATCH), 1))
                test_check("excl.stxr-unarmed-mmio", after == 0xABCD, "aborted, but SCRATCH is %#lx", after);
        } else {
            test_check("excl.stxr-unarmed-mmio", status == 1 && after == 0xABCD,
                       "stxr status %lu, SCRATCH after %#lx", status, after);
        }
    }
    EXPECT_DABT("excl.ldxp-mmio", TD(TESTDEV_PATTERN), 0, "ldxp x2, x3, [x1]"); /* 16-byte aligned */
    EXPECT_DABT("excl.ldaxr-unmapped", POOL, 0, "ldaxr x0, [x1]");
    {
        /* A store-exclusive with no monitor armed may fail (status 1) without
         * translating the address, or abort. */
        uint64_t pc, status = 9;
        struct fault_info f;
        fault_expect();
        __asm__ volatile("mov x1, %2\n\tmov x2, #5\n\tclrex\n\tadr %0, 1f\n1:\tstlxr w2, xzr, [x1]\n\tmov %1, x2"
                         : "=&r"(pc), "=&r"(status)
                         : "r"(HYP_IMAGE)
                         : "x1", "x2", "memory");
        bool t = fault_collect(&f);
        if (!t)
            test_check("excl.stlxr-hyp-image", status == 1, "no abort, but store-exclusive status %lu", status);
        else if (dabt_ok("excl.stlxr-hyp-image", t, &f, pc, HYP_IMAGE, HYP_IMAGE, 1))
            test_pass("excl.stlxr-hyp-image");
    }

    /* DC ZVA: a store without syndrome (FAR: the address or the block start). */
    uint64_t dczid = read_sysreg(dczid_el0);
    if (dczid & 0x10) {
        test_skip("nosyn.dc-zva-mmio", "DC ZVA prohibited (DCZID_EL0.DZP)");
    } else {
        uint64_t blk = 4ull << (dczid & 0xf);
        uint64_t a = MMU_ALIAS_NC + TD(0x040);
        EXPECT_DABT2("nosyn.dc-zva-mmio", a, a & ~(blk - 1), 1, "dc zva, x1");
        EXPECT_DABT2("nosyn.dc-zva-unmapped", MMU_EXEC_HOLE + 0x40, MMU_EXEC_HOLE, 1, "dc zva, x1");
    }
    testdev_write64(TESTDEV_SCRATCH, 42);
    test_eq("nosyn.scratch-still-works", testdev_read64(TESTDEV_SCRATCH), 42);
}

/* ---- instruction fetch from MMIO / unmapped ------------------------------ */

static void ifetch_case(const char *name, uint64_t target)
{
    struct fault_info f;
    fault_expect_return();
    __asm__ volatile("blr %0" ::"r"(target) : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
                     "x11", "x12", "x13", "x14", "x15", "x16", "x17", "x30", "memory");
    bool t = fault_collect(&f);
    if (exc_ok(name, t, &f, EC_IABT_CUR, target))
        test_check(name, f.far == target, "FAR %#lx, want %#lx (ESR %#lx)", f.far, target, f.esr);
}

static void ifetch_cases(void)
{
    ifetch_case("ifetch.testdev", VA_EXEC_DEV + TD(TESTDEV_SCRATCH));
    ifetch_case("ifetch.gicd", VA_EXEC_DEV + GICD_BASE);
    ifetch_case("ifetch.hyp-image", HYP_IMAGE);
    ifetch_case("ifetch.other-vms-pool", POOL + 0x200000);
    ifetch_case("ifetch.above-4g", MMU_EXEC_HOLE + 0x1000);
}

/* ---- system registers --------------------------------------------------- */

static void sysreg_cases(void)
{
    /* EL2 and EL3 registers and operations from EL1. */
    EXPECT_UNDEF("sysreg.el2.hcr-read", "mrs x0, hcr_el2");
    EXPECT_UNDEF("sysreg.el2.vttbr-read", "mrs x0, vttbr_el2");
    EXPECT_UNDEF("sysreg.el2.vttbr-write", "msr vttbr_el2, x0");
    EXPECT_UNDEF("sysreg.el2.sctlr-write", "msr sctlr_el2, x0");
    EXPECT_UNDEF("sysreg.el2.vbar-write", "msr vbar_el2, x0");
    EXPECT_UNDEF("sysreg.el2.elr-read", "mrs x0, elr_el2");
    EXPECT_UNDEF("sysreg.el2.cnthctl-write", "msr cnthctl_el2, x0");
    EXPECT_UNDEF("sysreg.el2.cntvoff-write", "msr cntvoff_el2, x0");
    EXPECT_UNDEF("sysreg.el2.ich-hcr-read", "mrs x0, s3_4_c12_c11_0");
    EXPECT_UNDEF("sysreg.el2.ich-lr0-write", "msr s3_4_c12_c12_0, x0");
    EXPECT_UNDEF("sysreg.el2.mdcr-write", "msr mdcr_el2, x0");
    EXPECT_UNDEF("sysreg.el2.sp-el1-write", "msr sp_el1, x0");
    EXPECT_UNDEF("sysreg.el2.tlbi-alle2", "tlbi alle2");
    EXPECT_UNDEF("sysreg.el2.at-s1e2r", "at s1e2r, x1");
    EXPECT_UNDEF("sysreg.el3.scr-read", "mrs x0, scr_el3");
    EXPECT_UNDEF("sysreg.el3.sctlr-write", "msr sctlr_el3, x0");
    EXPECT_UNDEF("sysreg.el3.tlbi-alle3", "tlbi alle3");
    EXPECT_UNDEF("sysreg.el12.sctlr-el12", "mrs x0, s3_5_c1_c0_0");

    /* ID registers are read-only; a write changes nothing. */
    uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1), mmfr0 = read_sysreg(id_aa64mmfr0_el1);
    EXPECT_UNDEF("sysreg.id.write-aa64pfr0", "msr s3_0_c0_c4_0, x0");
    EXPECT_UNDEF("sysreg.id.write-aa64mmfr0", "msr s3_0_c0_c7_0, x0");
    EXPECT_UNDEF("sysreg.id.write-aa64dfr0", "msr s3_0_c0_c5_0, x0");
    EXPECT_UNDEF("sysreg.id.write-pfr0", "msr s3_0_c0_c1_0, x0");
    EXPECT_UNDEF("sysreg.id.write-midr", "msr s3_0_c0_c0_0, x0");
    EXPECT_UNDEF("sysreg.id.write-mpidr", "msr s3_0_c0_c0_5, x0");
    test_check("sysreg.id.unchanged",
               read_sysreg(id_aa64pfr0_el1) == pfr0 && read_sysreg(id_aa64mmfr0_el1) == mmfr0,
               "PFR0 %#lx -> %#lx, MMFR0 %#lx -> %#lx", pfr0, read_sysreg(id_aa64pfr0_el1), mmfr0,
               read_sysreg(id_aa64mmfr0_el1));
    /* Reserved encodings of the ID space read as zero (and leak nothing). */
    uint64_t r1 = read_sysreg(s3_0_c0_c4_3), r2 = read_sysreg(s3_0_c0_c5_2), r3 = read_sysreg(s3_0_c0_c6_7),
             r4 = read_sysreg(s3_0_c0_c7_7);
    test_check("sysreg.id.reserved-raz", (r1 | r2 | r3 | r4) == 0, "c4_3 %#lx c5_2 %#lx c6_7 %#lx c7_7 %#lx", r1,
               r2, r3, r4);

    /* Set/way maintenance with garbage operands: trapped, done as no-ops. */
    EXPECT_NO_EXC("sysreg.setway.dc-isw-garbage", ~0ull, "dc isw, x1");
    EXPECT_NO_EXC("sysreg.setway.dc-csw-garbage", 0xFFFFFFFEull, "dc csw, x1");
    EXPECT_NO_EXC("sysreg.setway.dc-cisw-level7", 0xEull, "dc cisw, x1");

    /* IMPLEMENTATION DEFINED space: axvm sets HCR_EL2.TIDCP; a CPU model
     * that ignores it (QEMU < 8.1) executes them, which only a SKIP can say:
     * any exception other than UNDEFINED at the instruction still fails. */
    static const struct {
        const char *name;
        bool write;
    } impdef[] = { { "sysreg.impdef.cpuactlr-read", false }, { "sysreg.impdef.cpuectlr-write", true } };
    for (unsigned i = 0; i < 2; i++) {
        if (!test_need_axvm(impdef[i].name))
            continue;
        uint64_t pc;
        struct fault_info f;
        fault_expect();
        if (impdef[i].write)
            RUN_AT(pc, 0, 0, "msr s3_1_c15_c2_1, x0");
        else
            RUN_AT(pc, 0, 0, "mrs x0, s3_1_c15_c2_0");
        bool t = fault_collect(&f);
        if (!t)
            test_skip(impdef[i].name, "no trap: this CPU model ignores HCR_EL2.TIDCP (QEMU < 8.1)");
        else if (exc_ok(impdef[i].name, t, &f, EC_UNKNOWN, pc))
            test_pass(impdef[i].name);
    }
    EXPECT_UNDEF("sysreg.impdef.unallocated-read", "mrs x0, s3_1_c15_c15_7");
    EXPECT_UNDEF("sysreg.impdef.el0-space-write", "msr s3_3_c15_c15_7, x0");
    EXPECT_UNDEF("sysreg.impdef.sys-c15", "sys #0, c15, c15, #7, x1");
    EXPECT_UNDEF("sysreg.nonexistent.s3_2_c11_c3_5", "mrs x0, s3_2_c11_c3_5");
    EXPECT_UNDEF("sysreg.nonexistent.s2_7_c15_c15_7", "mrs x0, s2_7_c15_c15_7");
    EXPECT_UNDEF("sysreg.nonexistent.s3_6_c9_c9_3-write", "msr s3_6_c9_c9_3, x0");

    /* PMU: none offered (PMUVer 0), so every PMU register is UNDEFINED. */
    uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);
    if (test_need_axvm("sysreg.pmu.pmuver-0")) {
        test_eq("sysreg.pmu.pmuver-0", (dfr0 >> 8) & 0xf, 0);
        EXPECT_UNDEF("sysreg.pmu.pmcr-read", "mrs x0, pmcr_el0");
        EXPECT_UNDEF("sysreg.pmu.pmcr-write", "msr pmcr_el0, x0");
        EXPECT_UNDEF("sysreg.pmu.pmccntr-read", "mrs x0, pmccntr_el0");
        EXPECT_UNDEF("sysreg.pmu.pmcntenset-write", "msr pmcntenset_el0, x0");
        EXPECT_UNDEF("sysreg.pmu.pmevtyper0-write", "msr pmevtyper0_el0, x0");
        EXPECT_UNDEF("sysreg.pmu.pmuserenr-read", "mrs x0, pmuserenr_el0");
        EXPECT_UNDEF("sysreg.pmu.pmintenset-write", "msr pmintenset_el1, x0");
    }
    /* Trace, SPE, AMU: absent from the virtual CPU (hidden ID fields). */
    EXPECT_UNDEF("sysreg.trace.trcprgctlr", "mrs x0, s2_1_c0_c1_0");
    EXPECT_UNDEF("sysreg.spe.pmscr", "mrs x0, s3_0_c9_c9_0");
    EXPECT_UNDEF("sysreg.amu.amcr", "mrs x0, s3_3_c13_c2_0");

    /* Debug registers (not trapped): they behave. */
    uint64_t old_bvr = read_sysreg(dbgbvr0_el1);
    write_sysreg(dbgbvr0_el1, 0x40001000ull);
    isb();
    uint64_t bvr = read_sysreg(dbgbvr0_el1);
    write_sysreg(dbgbvr0_el1, old_bvr);
    test_eq("sysreg.debug.dbgbvr0-roundtrip", bvr, 0x40001000ull);
    uint64_t mdscr = read_sysreg(mdscr_el1);
    EXPECT_NO_EXC("sysreg.debug.oslar-write", 0, "msr oslar_el1, xzr");
    EXPECT_NO_EXC("sysreg.debug.dbgwcr0-write-disabled", 0, "msr dbgwcr0_el1, xzr");
    write_sysreg(mdscr_el1, mdscr);

    /* Physical timer: axvm does not offer it (CNTHCTL_EL2.EL1PCEN = 0): UNDEFINED; the counter is readable. */
    if (test_need_axvm("sysreg.ptimer.cntp-ctl-read")) {
        EXPECT_UNDEF("sysreg.ptimer.cntp-ctl-read", "mrs x0, cntp_ctl_el0");
        EXPECT_UNDEF("sysreg.ptimer.cntp-cval-write", "msr cntp_cval_el0, x0");
    }
    uint64_t p0 = read_sysreg(cntpct_el0);
    test_check("sysreg.ptimer.cntpct-readable", read_sysreg(cntpct_el0) >= p0, "CNTPCT went backwards");

    /* GIC CPU interface oddities. */
    EXPECT_UNDEF("sysreg.icc.sgi1r-read", "mrs x0, s3_0_c12_c11_5");
    EXPECT_NO_EXC("sysreg.icc.sgi0r-write", 0x0000FFFFull, "msr icc_sgi0r_el1, x1");
    EXPECT_NO_EXC("sysreg.icc.asgi1r-write", 0x0000FFFFull, "msr icc_asgi1r_el1, x1");
    {
        struct fault_info f;
        uint64_t pc;
        fault_expect();
        RUN_AT(pc, 0, 0, "msr icc_sre_el1, xzr");
        bool t = fault_collect(&f);
        isb();
        uint64_t sre = read_sysreg(icc_sre_el1);
        if (!t || exc_ok("sysreg.icc.sre-disable", t, &f, EC_UNKNOWN, pc))
            test_check("sysreg.icc.sre-disable", sre & 1, "ICC_SRE_EL1 %#lx: SRE cleared by the guest", sre);
    }
}

/* ---- HVC / SMC ---------------------------------------------------------- */

static void smccc_cases(void)
{
    static const struct {
        const char *name;
        uint32_t fid;
    } unknown[] = {
        { "smccc.unknown.arch32", 0x80001234u },  { "smccc.unknown.psci32", 0x8400001Fu },
        { "smccc.unknown.std64", 0xC400FF00u },   { "smccc.unknown.sip64", 0xC2001234u },
        { "smccc.unknown.oem32", 0x83000042u },   { "smccc.unknown.vendor-hyp32", 0x86000006u },
        { "smccc.unknown.tos64", 0xF2000001u },   { "smccc.unknown.tapp32", 0xB0000001u },
        { "smccc.unknown.yielding", 0x24000001u }, { "smccc.unknown.mbz-bits", 0x84FF0000u },
    };
    for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        int64_t hv = hvc3(unknown[i].fid, ~0ull, ~0ull, ~0ull);
        int64_t sm = smccc_call3(SMCCC_SMC, unknown[i].fid, 1, 2, 3);
        test_check(unknown[i].name, hv == SMCCC_NOT_SUPPORTED && sm == SMCCC_NOT_SUPPORTED,
                   "fid %#x: HVC %ld, SMC %ld, want -1", unknown[i].fid, hv, sm);
    }

    /* SMCCC 1.1: x4..x17 survive even an unknown call. */
    {
        uint64_t out[14];
        register uint64_t x0 __asm__("x0") = 0xC400FF01u;
        __asm__ volatile("mov x4, #4\n\tmov x5, #5\n\tmov x6, #6\n\tmov x7, #7\n\tmov x8, #8\n\tmov x9, #9\n\t"
                         "mov x10, #10\n\tmov x11, #11\n\tmov x12, #12\n\tmov x13, #13\n\tmov x14, #14\n\t"
                         "mov x15, #15\n\tmov x16, #16\n\tmov x17, #17\n\thvc #0\n\t"
                         "stp x4, x5, [%1]\n\tstp x6, x7, [%1, #16]\n\tstp x8, x9, [%1, #32]\n\t"
                         "stp x10, x11, [%1, #48]\n\tstp x12, x13, [%1, #64]\n\tstp x14, x15, [%1, #80]\n\t"
                         "stp x16, x17, [%1, #96]"
                         : "+r"(x0)
                         : "r"(out)
                         : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
                           "x14", "x15", "x16", "x17", "memory");
        bool ok = (int64_t)x0 == -1;
        for (unsigned i = 0; i < 14; i++)
            ok = ok && out[i] == i + 4;
        test_check("smccc.unknown.regs-preserved", ok, "x0 %ld x4 %lu x17 %lu", (int64_t)x0, out[0], out[13]);
    }

    /* HVC with a non-zero immediate: answered or NOT_SUPPORTED, never an exception. */
    {
        register uint64_t x0 __asm__("x0") = PSCI_VERSION;
        struct fault_info f;
        fault_expect();
        __asm__ volatile("hvc #0x1234" : "+r"(x0)::"x1", "x2", "x3", "memory");
        uint64_t r = x0;
        bool t = fault_collect(&f);
        test_check("smccc.hvc-nonzero-imm", !t && (r == 0x10001 || (int64_t)r == -1),
                   "exception %d (ESR %#lx), x0 %#lx", t, t ? f.esr : 0, r);
    }
    /* SMC32: the upper halves of the arguments are ignored (AFFINITY_INFO of self, level 0). */
    test_eq("smccc.smc32-upper-halves-ignored",
            (uint64_t)hvc3(0x84000004u, 0xFFFFFFFF00000000ull | cpu_mpidr(0), 0xDEADBEEF00000000ull, 0), 0);

    /* axvm's own hypercalls with out-of-range numbers and garbage arguments. */
    if (test_need_axvm("axvm.hc.out-of-range")) {
        int64_t a = hc(AXVM_HC_COUNT_, 1, 2, 3, 4, 5, 6), b = hc(0x100, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull),
                c = hc(0xFFFF, 0, 0, 0, 0, 0, 0);
        test_check("axvm.hc.out-of-range", a == -10 && b == -10 && c == -10, "COUNT_ %ld, 0x100 %ld, 0xFFFF %ld", a,
                   b, c);
        test_eq("axvm.hc.version-garbage-args", (uint64_t)hc(AXVM_HC_VERSION, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull),
                g_axvm_version);
        int64_t id1 = hc(AXVM_HC_VM_ID, ~0ull, 1, 2, 3, 4, 5);
        test_eq("axvm.hc.vm-id-garbage-args", (uint64_t)id1, HOSTILE_VM_ID);
        int64_t al = hc(AXVM_HC_IVC_ALLOC, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull);
        int64_t al2 = hc(AXVM_HC_IVC_ALLOC, HEARTBEAT_VM_ID, 0x40000000, 0x40000000, 0x1000, 40, 40);
        int64_t al3 = hc(AXVM_HC_IVC_ALLOC, HEARTBEAT_VM_ID, HB_PAGE, 0x10000000, 0x1000, 48, 48);
        test_check("axvm.hc.ivc-alloc-garbage", al < 0 && al2 < 0 && al3 < 0,
                   "all ones %ld, over own RAM %ld, over the existing window %ld", al, al2, al3);
        int64_t d = hc(AXVM_HC_IVC_DOORBELL, ~0ull, 0, 0, 0, 0, 0), in = hc(AXVM_HC_IVC_INFO, 1ull << 63, 0, 0, 0, 0, 0),
                rl = hc(AXVM_HC_IVC_RELEASE, 0xFFFFFFFFull, 0, 0, 0, 0, 0);
        test_check("axvm.hc.ivc-garbage-ids", d < 0 && in < 0 && rl < 0, "doorbell %ld info %ld release %ld", d, in,
                   rl);
        /* A "# " note line of 300 characters, longer than the hypervisor's line buffer. */
        bool ok = hc(AXVM_HC_DEBUG_PUTC, '#', 0, 0, 0, 0, 0) == 0 && hc(AXVM_HC_DEBUG_PUTC, ' ', 0, 0, 0, 0, 0) == 0;
        for (unsigned i = 0; i < 300 && ok; i++)
            ok = hc(AXVM_HC_DEBUG_PUTC, 0xFFFFFFFFFFFF0000ull | (uint64_t)('a' + i % 26), 0, 0, 0, 0, 0) == 0;
        ok = ok && hc(AXVM_HC_DEBUG_PUTC, '\n', 0, 0, 0, 0, 0) == 0;
        test_check("axvm.hc.putc-long-line", ok, "DEBUG_PUTC refused a character of a 300-character line");
        test_eq("axvm.hc.version-after", (uint64_t)hc(AXVM_HC_VERSION, 0, 0, 0, 0, 0, 0), g_axvm_version);
    }
}

/* ---- PSCI with bad arguments -------------------------------------------- */

static void arm_vtimer_us(uint64_t us)
{
    timer_vset_cval(timer_vcount() + timer_ticks_from_us(us));
    timer_vset_ctl(CNTV_CTL_ENABLE);
}

/* Ack whatever the timer left pending (IRQs masked at PSTATE). */
static void timer_quiesce(void)
{
    timer_vset_ctl(0);
    for (unsigned i = 0; i < 4; i++) {
        uint32_t id = gic_ack();
        if (id >= 1020)
            break;
        gic_end(id);
    }
}

static void psci_cases(void)
{
    if (!test_need_axvm("psci.cases"))
        return;
    const uint64_t entry = (uint64_t)(uintptr_t)guest_secondary_entry;
    static const struct {
        const char *name;
        uint64_t target;
    } bad_targets[] = {
        { "psci.cpu-on.target-aff0-5", 5 },        { "psci.cpu-on.target-aff0-255", 0xFF },
        { "psci.cpu-on.target-aff1", 0x100 },      { "psci.cpu-on.target-aff3", 0xFF00000000ull },
        { "psci.cpu-on.target-garbage", ~0ull },
    };
    for (unsigned i = 0; i < sizeof(bad_targets) / sizeof(bad_targets[0]); i++)
        test_eq(bad_targets[i].name, (uint64_t)psci_cpu_on(bad_targets[i].target, entry, 1), (uint64_t)PSCI_E_INVALID_PARAMETERS);
    test_eq("psci.cpu-on.self-already-on", (uint64_t)psci_cpu_on(cpu_mpidr(0), entry, 0), (uint64_t)PSCI_E_ALREADY_ON);

    static const struct {
        const char *name;
        uint64_t entry;
    } bad_entries[] = {
        { "psci.cpu-on.entry-zero", 0 },
        { "psci.cpu-on.entry-hyp-image", HYP_IMAGE },
        { "psci.cpu-on.entry-mmio", TD(0) },
        { "psci.cpu-on.entry-ivc-window", HB_PAGE },
        { "psci.cpu-on.entry-pool", POOL },
        { "psci.cpu-on.entry-last-bytes-of-ram", RAM_BASE + RAM_SIZE - 2 },
        { "psci.cpu-on.entry-all-ones", ~3ull },
    };
    for (unsigned i = 0; i < sizeof(bad_entries) / sizeof(bad_entries[0]); i++) {
        int64_t r = psci_cpu_on(cpu_mpidr(1), bad_entries[i].entry, 1);
        int64_t st = psci_affinity_info(cpu_mpidr(1), 0);
        test_check(bad_entries[i].name, r == PSCI_E_INVALID_ADDRESS && st == PSCI_AFF_OFF,
                   "entry %#lx: CPU_ON %ld (want -9), then AFFINITY_INFO %ld (want OFF)", bad_entries[i].entry, r,
                   st);
    }

    /* CPU_SUSPEND with power states that do not exist (original format:
     * bits 31:26 and 23:17 reserved, power level 0 only on a flat
     * topology). The timer is armed first so that a hypervisor which
     * treats them as standby does not leave the vCPU asleep forever. */
    static const struct {
        const char *name;
        uint32_t state;
    } bad_states[] = {
        { "psci.cpu-suspend.state-all-ones", 0xFFFFFFFFu },
        { "psci.cpu-suspend.state-power-level-3", 0x03000000u },
        { "psci.cpu-suspend.state-reserved-bits", 0x00FE0000u },
    };
    gic_private_enable(TIMER_VIRT_INTID, true);
    for (unsigned i = 0; i < sizeof(bad_states) / sizeof(bad_states[0]); i++) {
        arm_vtimer_us(2000);
        int64_t r = hvc3(PSCI_CPU_SUSPEND, bad_states[i].state, entry, 0);
        timer_quiesce();
        test_eq(bad_states[i].name, (uint64_t)r, (uint64_t)PSCI_E_INVALID_PARAMETERS);
    }
    {
        arm_vtimer_us(3000);
        uint64_t t0 = time_ns();
        int64_t r = hvc3(PSCI_CPU_SUSPEND, 0, 0, 0);
        uint64_t dt = time_ns() - t0;
        timer_quiesce();
        test_check("psci.cpu-suspend.standby-wakes", r == 0 && dt < 2000000000ull, "returned %ld after %lu us", r,
                   dt / 1000);
    }

    test_eq("psci.affinity-info.level-4", (uint64_t)psci_affinity_info(0, 4), (uint64_t)PSCI_E_INVALID_PARAMETERS);
    test_eq("psci.affinity-info.level-255", (uint64_t)psci_affinity_info(0, 0xFF), (uint64_t)PSCI_E_INVALID_PARAMETERS);
    test_eq("psci.affinity-info.nonexistent", (uint64_t)psci_affinity_info(7, 0), (uint64_t)PSCI_E_INVALID_PARAMETERS);
    test_eq("psci.affinity-info.mbz-bits", (uint64_t)psci_affinity_info(0x80000000ull, 0),
            (uint64_t)PSCI_E_INVALID_PARAMETERS);
    {
        int64_t l1 = psci_affinity_info(0, 1), l3 = psci_affinity_info(0, 3);
        test_check("psci.affinity-info.level-1-3", (l1 == PSCI_E_INVALID_PARAMETERS || (l1 >= 0 && l1 <= 2)) &&
                                                       (l3 == PSCI_E_INVALID_PARAMETERS || (l3 >= 0 && l3 <= 2)),
                   "level 1 %ld, level 3 %ld", l1, l3);
    }
    {
        int64_t a = psci_features(0), b = psci_features(0xFFFFFFFFu), c = psci_features(0x8400FFFFu);
        test_check("psci.features.garbage", a == -1 && b == -1 && c == -1, "0: %ld, ~0: %ld, 0x8400FFFF: %ld", a, b,
                   c);
    }
    test_eq("psci.migrate-info-type", (uint64_t)hvc3(PSCI_MIGRATE_INFO_TYPE, ~0ull, ~0ull, ~0ull), 2);
    {
        /* Calls PSCI_FEATURES says are absent answer NOT_SUPPORTED and do
         * nothing (SYSTEM_RESET2 / SYSTEM_SUSPEND must not reset or stop the VM). */
        static const uint32_t fids[] = { 0xC4000005u, 0x8400000Bu, 0xC400000Cu, 0xC400000Du, 0xC400000Eu,
                                         0x8400000Fu, 0xC4000010u, 0xC4000011u, 0xC4000012u, 0x84000013u,
                                         0xC4000014u, 0xC4000015u };
        unsigned bad = 0, skipped = 0;
        for (unsigned i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
            if (psci_features(fids[i]) != PSCI_E_NOT_SUPPORTED) {
                skipped++;
                continue;
            }
            int64_t r = hvc3(fids[i], ~0ull, ~0ull, ~0ull);
            if (r != PSCI_E_NOT_SUPPORTED) {
                if (bad++ < 2)
                    test_note("PSCI %#x (FEATURES: absent) returned %ld", fids[i], r);
            }
        }
        test_check("psci.absent-calls-not-supported", bad == 0, "%u absent PSCI calls answered otherwise", bad);
        if (skipped)
            test_note("%u PSCI calls reported as implemented: not called with garbage", skipped);
    }

    /* A real CPU_ON, then the target again while it runs. */
    cpu1_ready = 0;
    int64_t r = cpu_start(1, cpu1_main, 0xC0FFEEull);
    bool up = r == 0 && wait_until(cpu1_is_ready, 2000);
    test_check("psci.cpu-on.valid", up && (cpu1_context >> 8) == 0xC0FFEEull, "CPU_ON %ld, ready %d, context %#lx",
               r, cpu1_ready, cpu1_context);
    test_eq("psci.cpu-on.already-on", (uint64_t)psci_cpu_on(cpu_mpidr(1), entry, cpu_context(1, 0)),
            (uint64_t)PSCI_E_ALREADY_ON);
}

/* ---- SGI/SPI floods ------------------------------------------------------- */

static unsigned sgi_total(unsigned cpu)
{
    unsigned s = 0;
    for (unsigned i = 0; i < 16; i++)
        s += sgi_count[cpu][i];
    return s;
}

static void interrupt_cases(void)
{
    if (!test_need_axvm("irq.cases"))
        return;
    exc_set_irq_handler(irq);
    for (unsigned i = 0; i < 16; i++)
        gic_private_enable(i, true);

    /* Masked: thousands of writes leave one pending SGI, delivered once. */
    irq_disable();
    for (unsigned i = 0; i < 5000; i++)
        gic_send_sgi(5, 1u << 0);
    unsigned before = sgi_count[0][5];
    irq_enable();
    isb();
    for (unsigned i = 0; i < 1000; i++)
        cpu_relax();
    irq_disable();
    test_eq("irq.sgi-flood-masked-coalesces", sgi_count[0][5] - before, 1);

    /* Unmasked, each waited for: every one arrives. */
    before = sgi_count[0][6];
    irq_enable();
    unsigned lost = 0;
    for (unsigned i = 0; i < 2000; i++) {
        unsigned c = sgi_count[0][6];
        gic_send_sgi(6, 1u << 0);
        uint64_t t0 = time_ns();
        while (sgi_count[0][6] == c && time_ns() - t0 < 100000000ull)
            cpu_relax();
        if (sgi_count[0][6] == c)
            lost++;
    }
    irq_disable();
    test_check("irq.sgi-flood-self-each-delivered", lost == 0 && sgi_count[0][6] - before == 2000,
               "%u lost, %u delivered of 2000", lost, sgi_count[0][6] - before);

    /* To targets that do not exist: nothing anywhere. */
    unsigned self0 = sgi_total(0), other0 = sgi_total(1);
    irq_enable();
    for (unsigned i = 0; i < 4000; i++) {
        uint64_t v;
        switch (i & 3) {
        case 0: v = 0xFFFCull; break;                          /* Aff0 2..15 */
        case 1: v = (1ull << 16) | 0xFFFFull; break;           /* Aff1 1 */
        case 2: v = (0xFFull << 48) | (0xFFull << 32) | 3; break; /* Aff3, Aff2 */
        default: v = (15ull << 44) | 0xFFFFull; break;         /* RS 15: Aff0 240..255 */
        }
        write_sysreg(icc_sgi1r_el1, v | ((uint64_t)(i & 15) << 24));
    }
    isb();
    for (unsigned i = 0; i < 1000; i++)
        cpu_relax();
    irq_disable();
    test_check("irq.sgi-flood-nonexistent-targets", sgi_total(0) == self0 && sgi_total(1) == other0,
               "self got %u, vCPU1 got %u", sgi_total(0) - self0, sgi_total(1) - other0);

    /* While vCPU 1 runs: broadcast (IRM) floods reach it and never the sender. */
    if (cpu1_ready && !cpu1_is_off()) {
        unsigned s0 = sgi_total(0), o0 = sgi_count[1][7];
        for (unsigned i = 0; i < 500; i++)
            gic_send_sgi_others(7);
        uint64_t t0 = time_ns();
        while (sgi_count[1][7] == o0 && time_ns() - t0 < 1000000000ull)
            cpu_relax();
        test_check("irq.sgi-flood-broadcast", sgi_count[1][7] > o0 && sgi_count[1][7] - o0 <= 500 && sgi_total(0) == s0,
                   "vCPU1 got %u, sender %u", sgi_count[1][7] - o0, sgi_total(0) - s0);
    } else {
        test_fail("irq.sgi-flood-broadcast", "vCPU 1 is not running");
    }

    /* Every SPI pended at once through the distributor: each delivered exactly once. */
    {
        uint32_t typer = (uint32_t)mmio_read32(GICD_BASE + GICD_TYPER);
        unsigned nr = ((typer & 0x1f) + 1) * 32;
        if (nr > 1020)
            nr = 1020;
        for (unsigned i = 32; i < nr; i++) {
            spi_seen[i] = 0;
            mmio_write8(GICD_BASE + 0x400 + i, 0x80);                       /* IPRIORITYR */
            mmio_write64(GICD_BASE + 0x6000 + 8ull * i, 0);                 /* IROUTER: vCPU 0 */
        }
        for (unsigned i = 32; i < nr; i += 32) {
            mmio_write32(GICD_BASE + 0x80 + i / 8, 0xFFFFFFFFu);            /* IGROUPR: group 1 */
            mmio_write32(GICD_BASE + 0x100 + i / 8, 0xFFFFFFFFu);           /* ISENABLER */
        }
        unsigned sp0 = spurious_irqs;
        for (unsigned i = 32; i < nr; i += 32)
            mmio_write32(GICD_BASE + 0x200 + i / 8, 0xFFFFFFFFu);           /* ISPENDR */
        irq_enable();
        uint64_t t0 = time_ns();
        unsigned seen = 0, dup = 0;
        while (time_ns() - t0 < 3000000000ull) {
            seen = dup = 0;
            for (unsigned i = 32; i < nr; i++) {
                seen += spi_seen[i] != 0;
                dup += spi_seen[i] > 1;
            }
            if (seen == nr - 32)
                break;
            cpu_relax();
        }
        irq_disable();
        for (unsigned i = 32; i < nr; i += 32) {
            mmio_write32(GICD_BASE + 0x180 + i / 8, 0xFFFFFFFFu);           /* ICENABLER */
            mmio_write32(GICD_BASE + 0x280 + i / 8, 0xFFFFFFFFu);           /* ICPENDR */
        }
        test_check("irq.spi-flood-all", seen == nr - 32 && dup == 0, "%u SPIs: %u delivered, %u more than once", nr - 32,
                   seen, dup);
        test_note("SPI flood: %u SPIs, %u spurious acknowledges", nr - 32, spurious_irqs - sp0);
    }
}

/* ---- WFI, the virtual timer ----------------------------------------------- */

static void wfi_cases(void)
{
    if (!test_need_axvm("wfi.cases"))
        return;
    irq_disable();
    gic_private_enable(TIMER_VIRT_INTID, true);
    arm_vtimer_us(5000);
    uint64_t t0 = time_ns();
    wfi();
    uint64_t isr = read_sysreg(isr_el1);
    uint64_t dt = time_ns() - t0;
    timer_quiesce();
    test_check("wfi.masked-timer-wakes", (isr & (1u << 7)) && dt < 2000000000ull, "ISR_EL1 %#lx after %lu us", isr,
               dt / 1000);

    /* A timer that fires all the time, IRQs masked at PSTATE: every WFI
     * returns at once and the guest makes progress. */
    timer_vset_cval(0);
    timer_vset_ctl(CNTV_CTL_ENABLE);
    t0 = time_ns();
    for (unsigned i = 0; i < 10000; i++)
        wfi();
    dt = time_ns() - t0;
    test_check("wfi.storm-with-timer-pending", dt < 5000000000ull, "10000 WFIs took %lu ms", dt / 1000000);
    /* The same level, the PPI disabled in the redistributor: WFI must not
     * spin inside the hypervisor, MMIO keeps working. */
    gic_private_enable(TIMER_VIRT_INTID, false);
    bool ok = true;
    for (unsigned i = 0; i < 2000 && ok; i++)
        ok = mmio_read32(TD(0x104)) == (TESTDEV_STRICT_TAG | 0x104);
    bool pend = gic_private_pending(TIMER_VIRT_INTID);
    test_check("vtimer.level-stuck-ppi-disabled", ok && pend, "MMIO ok %d, PPI 27 pending %d", ok, pend);
    gic_private_enable(TIMER_VIRT_INTID, true);
    timer_quiesce();
    gic_private_clear_pending(TIMER_VIRT_INTID);

    /* A compare value far in the future never fires. (CVAL = ~0 runs in its
     * own VM, wedge_main: with axvm's CNTVOFF it stops QEMU 7.2 as a whole.) */
    timer_vset_cval(1ull << 63);
    timer_vset_ctl(CNTV_CTL_ENABLE);
    for (unsigned i = 0; i < 100000; i++)
        cpu_relax();
    test_check("vtimer.cval-far-future-silent", !(timer_vget_ctl() & CNTV_CTL_ISTATUS) && !(read_sysreg(isr_el1) & 0x80),
               "CTL %#lx ISR %#lx", timer_vget_ctl(), read_sysreg(isr_el1));
    timer_quiesce();
}

/* ---- trap storms -------------------------------------------------------- */

static void storm_cases(void)
{
    if (!test_need_axvm("storm.cases"))
        return;
    testdev_write64(TESTDEV_SCRATCH, 0x5151ull);
    uint64_t c0 = testdev_read64(TESTDEV_COUNT);
    uint64_t t0 = time_ns();
    unsigned bad = 0;
    for (unsigned i = 0; i < 100000; i++)
        bad += mmio_read64(TD(TESTDEV_SCRATCH)) != 0x5151ull;
    uint64_t dt = time_ns() - t0;
    uint64_t c1 = testdev_read64(TESTDEV_COUNT);
    test_check("storm.mmio-100k", bad == 0 && c1 - c0 == 100001, "%u wrong values, COUNT advanced %lu", bad, c1 - c0);
    test_note("100k MMIO reads: %lu ms", dt / 1000000);

    uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1);
    bad = 0;
    t0 = time_ns();
    for (unsigned i = 0; i < 100000; i++)
        bad += read_sysreg(id_aa64pfr0_el1) != pfr0;
    test_check("storm.sysreg-100k", bad == 0, "%u of 100k ID_AA64PFR0 reads differ", bad);
    test_note("100k trapped MRS: %lu ms", (time_ns() - t0) / 1000000);

    bad = 0;
    for (unsigned i = 0; i < 20000; i++)
        bad += (uint64_t)hc(AXVM_HC_VERSION, i, 0, 0, 0, 0, 0) != g_axvm_version;
    test_check("storm.hvc-20k", bad == 0, "%u of 20k VERSION calls wrong", bad);

    /* 5000 injected aborts in a row (and the hypervisor must not log them all). */
    bad = 0;
    for (unsigned i = 0; i < 5000; i++) {
        struct fault_info f;
        fault_expect();
        (void)mmio_read32(POOL + 4ull * i);
        if (!fault_collect(&f) || ESR_EC(f.esr) != EC_DABT_CUR || f.far != POOL + 4ull * i)
            bad++;
    }
    test_check("storm.aborts-5k", bad == 0, "%u of 5000 unmapped reads not aborted right", bad);
    bad = 0;
    for (unsigned i = 0; i < 5000; i++) {
        struct fault_info f;
        fault_expect();
        __asm__ volatile("mrs x0, s3_1_c15_c15_7" ::: "x0");
        if (!fault_collect(&f) || ESR_EC(f.esr) != EC_UNKNOWN)
            bad++;
    }
    test_check("storm.undef-5k", bad == 0, "%u of 5000 UNDEFINED not taken", bad);
}

/* ---- cache and TLB maintenance ---------------------------------------------- */

static uint64_t cmo_buf[64] __attribute__((aligned(64)));

static void maint_cases(void)
{
    EXPECT_NO_EXC("tlbi.vae1is-garbage", ~0ull, "tlbi vae1is, x1\n\tdsb ish");
    EXPECT_NO_EXC("tlbi.aside1is-garbage", ~0ull, "tlbi aside1is, x1\n\tdsb ish");
    EXPECT_NO_EXC("tlbi.vmalle1is", 0, "tlbi vmalle1is\n\tdsb ish\n\tisb");
    EXPECT_NO_EXC("tlbi.vaale1-mmio", TD(0) >> 12, "tlbi vaale1, x1\n\tdsb nsh");
    EXPECT_NO_EXC("ic.iallu", 0, "ic iallu\n\tdsb nsh\n\tisb");
    EXPECT_NO_EXC("ic.ialluis", 0, "ic ialluis\n\tdsb ish\n\tisb");
    EXPECT_CMO("ic.ivau-mmio", TD(TESTDEV_SCRATCH), "ic ivau, x1");
    EXPECT_CMO("ic.ivau-unmapped", POOL, "ic ivau, x1");
    EXPECT_CMO("dc.civac-mmio", TD(TESTDEV_SCRATCH), "dc civac, x1");
    EXPECT_CMO("dc.civac-unmapped", POOL + 0x40, "dc civac, x1");
    EXPECT_CMO("dc.cvac-hyp-image", HYP_IMAGE, "dc cvac, x1");
    EXPECT_CMO("dc.ivac-above-4g", 0x100000000ul, "dc ivac, x1");
    EXPECT_CMO("dc.cvau-gicd", GICD_BASE, "dc cvau, x1");
    /* DC IVAC on the guest's own RAM: under stage 2 it cleans too, data stays. */
    for (unsigned i = 0; i < 8; i++)
        cmo_buf[i] = 0xC0DE0000ull + i;
    __asm__ volatile("dc ivac, %0\n\tdsb sy" ::"r"(cmo_buf) : "memory");
    bool ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok = ok && ((volatile uint64_t *)cmo_buf)[i] == 0xC0DE0000ull + i;
    test_check("dc.ivac-own-ram-keeps-data", ok, "data lost by DC IVAC");
    test_eq("maint.scratch-still-works", (testdev_write64(TESTDEV_SCRATCH, 7), testdev_read64(TESTDEV_SCRATCH)), 7);
}

/* ---- alignment, BRK/SVC: exceptions that stay in the guest ----------------- */

static uint64_t align_buf[4] __attribute__((aligned(16)));

static void insn_exc_cases(void)
{
    struct fault_info f;
    uint64_t pc;

    /* SP alignment (SCTLR_EL1.SA): with SPSel = 0 so that the handler has a good stack. */
    uint64_t vbar = read_sysreg(vbar_el1);
    write_sysreg(vbar_el1, (uint64_t)(uintptr_t)hostile_vectors);
    isb();
    fault_expect();
    __asm__ volatile("msr spsel, #0\n\tmov x3, %1\n\tmov sp, x3\n\tadr %0, 1f\n1:\tldr x4, [sp]\n\tmsr spsel, #1"
                     : "=&r"(pc)
                     : "r"((uint64_t)(uintptr_t)align_buf + 8)
                     : "x3", "x4", "memory");
    bool t = fault_collect(&f);
    write_sysreg(vbar_el1, vbar);
    isb();
    if (!t)
        /* QEMU 7.2 (TCG) does not implement SP alignment checking at all,
         * with or without a hypervisor: nothing to observe there. */
        test_skip("exc.sp-alignment", "the CPU did not check SP alignment (QEMU 7.2 does not; bare QEMU alike)");
    else if (exc_ok("exc.sp-alignment", t, &f, EC_SP_ALIGN, pc))
        test_pass("exc.sp-alignment");

    /* PC alignment: a branch to a misaligned address. */
    uint64_t target = (uint64_t)(uintptr_t)&insn_exc_cases + 2;
    fault_expect_return();
    __asm__ volatile("blr %0" ::"r"(target) : "x30", "memory");
    t = fault_collect(&f);
    if (exc_ok("exc.pc-alignment", t, &f, EC_PC_ALIGN, target))
        test_check("exc.pc-alignment", f.far == target, "FAR %#lx, want %#lx", f.far, target);

    /* SCTLR_EL1.A: a misaligned RAM load faults at stage 1, in the guest. */
    uint64_t sctlr = read_sysreg(sctlr_el1);
    write_sysreg(sctlr_el1, sctlr | 2);
    isb();
    uint64_t a = (uint64_t)(uintptr_t)align_buf + 1;
    fault_expect();
    RUN_AT(pc, a, 0, "ldr x0, [x1]");
    t = fault_collect(&f);
    write_sysreg(sctlr_el1, sctlr);
    isb();
    if (exc_ok("exc.sctlr-a-alignment", t, &f, EC_DABT_CUR, pc))
        test_check("exc.sctlr-a-alignment", ESR_DFSC(f.esr) == DFSC_ALIGN && f.far == a, "ESR %#lx FAR %#lx",
                   f.esr, f.far);

    fault_expect();
    RUN_AT(pc, 0, 0, "brk #0x1234");
    t = fault_collect(&f);
    if (exc_ok("exc.brk", t, &f, 0x3C, pc))
        test_eq("exc.brk", ESR_ISS(f.esr) & 0xffff, 0x1234);

    /* SVC returns to the next instruction: ELR = svc + 4 (the nop after it is skipped). */
    fault_expect();
    RUN_AT(pc, 0, 0, "svc #0x42\n\tnop");
    t = fault_collect(&f);
    if (exc_ok("exc.svc", t, &f, 0x15, pc + 4))
        test_eq("exc.svc", ESR_ISS(f.esr) & 0xffff, 0x42);

    EXPECT_UNDEF("exc.hlt", "hlt #0x7");
    EXPECT_UNDEF("exc.udf", "udf #0x5a");
}

/* ---- the main VM ----------------------------------------------------------- */

static uint64_t beats(void) { return hb_read(HB_PAGE, HB_BEATS); }

static void finish_misaligned_cpu_on(void)
{
    /* Last, because a vCPU started at a misaligned PC may never come back. */
    cpu1_stop = 1;
    dsb_sy();
    sev();
    gic_send_sgi(0, 1u << 1);
    bool off = cpu_wait_off(1, 2000);
    test_check("psci.cpu-off.secondary", off, "vCPU 1 did not power off");
    if (!off)
        return;
    int64_t r = psci_cpu_on(cpu_mpidr(1), RAM_BASE + 2, cpu_context(1, 0));
    /* A64 code is 4-byte aligned: PSCI's answer is INVALID_ADDRESS, and
     * vCPU 1 stays off. */
    test_check("psci.cpu-on.entry-misaligned", r == PSCI_E_INVALID_ADDRESS && cpu1_is_off(),
               "CPU_ON returned %ld (want INVALID_ADDRESS), vCPU 1 %s", r, cpu1_is_off() ? "off" : "on");
}

static void hostile_main(void)
{
    mmu_extend();
    if (gic_init_dist() != 0 || gic_init_cpu() != 0)
        test_fail("gic-init", "no GIC");
    irq_disable();
    exc_set_irq_handler(irq);

    /* Wait for the heartbeat to be going, so the suite sees beats before we start. */
    uint64_t t0 = time_ns();
    while (beats() < 5 && time_ns() - t0 < 15000000000ull)
        cpu_relax();
    uint64_t b0 = beats();
    test_note("heartbeat at %lu beats, starting", b0);
    g_printf("# hostile: cases begin\n");

    /* HOSTILE_SKIP (a -D for debugging runs): bit n skips group n. */
    static void (*const groups[])(void) = { mem_cases,    dev_cases,   nosyndrome_cases, ifetch_cases,
                                            sysreg_cases, smccc_cases, psci_cases,       interrupt_cases,
                                            wfi_cases,    storm_cases, maint_cases,      insn_exc_cases };
    for (unsigned i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (!((HOSTILE_SKIP >> i) & 1))
            groups[i]();
    finish_misaligned_cpu_on();

    testdev_write64(TESTDEV_SCRATCH, 0x600Dull);
    test_eq("carry-on.scratch", testdev_read64(TESTDEV_SCRATCH), 0x600Dull);
    test_eq("carry-on.version", (uint64_t)hc(AXVM_HC_VERSION, 0, 0, 0, 0, 0, 0), g_axvm_version);
    uint64_t b1 = beats();
    test_check("heartbeat-advanced", b1 > b0, "heartbeat at %lu beats before the cases, %lu after", b0, b1);
    g_printf("# hostile: cases end\n");
    hb_write(HB_PAGE, HB_FAILED, test_failures());
    hb_write(HB_PAGE, HB_DONE, HB_DONE_MAGIC);
}

/* ---- the reset VM ---------------------------------------------------------- */

static volatile uint64_t reload_marker = 0x1234ull; /* .data: back at every boot */
static uint64_t bss_marker;

static void reset_main(void)
{
    unsigned pass = 0, fail = 0;
    uint64_t boots = hb_read(HB_PAGE, HB_BOOTS) + 1;
    hb_write(HB_PAGE, HB_BOOTS, boots);
    g_printf("# hostile: reset VM boot %lu\n", boots);
    bool fresh = reload_marker == 0x1234ull && bss_marker == 0;
    reload_marker = 0xdead;
    bss_marker = 1;
    if (!fresh) {
        g_printf("FAIL hostile.reset.image-reloaded: boot %lu: .data %#lx, .bss %#lx\n", boots, reload_marker,
                 bss_marker);
        fail++;
    }
    if (boots <= HOSTILE_RESETS) {
        if (!fresh)
            hb_write(HB_PAGE, HB_FAILED, hb_read(HB_PAGE, HB_FAILED) + 1);
        /* Let the heartbeat advance between resets, then reset with
         * something in flight: the test device written, the timer armed. */
        uint64_t t0 = time_ns();
        while (hb_read(HB_PAGE, HB_BEATS) < 3 * boots && time_ns() - t0 < 5000000000ull)
            cpu_relax();
        testdev_write64(TESTDEV_SCRATCH, boots);
        arm_vtimer_us(1000);
        hvc3(PSCI_SYSTEM_RESET, ~0ull, ~0ull, ~0ull);
        g_printf("FAIL hostile.reset.system-reset: returned on boot %lu\n", boots);
        hb_write(HB_PAGE, HB_DONE, HB_DONE_MAGIC);
        guest_exit(1);
    }
    uint64_t earlier = hb_read(HB_PAGE, HB_FAILED);
    if (earlier) {
        g_printf("FAIL hostile.reset.image-reloaded: %lu earlier boots did not start fresh\n", earlier);
        fail++;
    } else if (fresh) {
        g_printf("PASS hostile.reset.image-reloaded\n");
        pass++;
    }
    if (boots == HOSTILE_RESETS + 1) {
        g_printf("PASS hostile.reset.storm\n");
        pass++;
    } else {
        g_printf("FAIL hostile.reset.storm: boot %lu, want %u\n", boots, HOSTILE_RESETS + 1);
        fail++;
    }
    hb_write(HB_PAGE, HB_FAILED, fail);
    g_printf("RESULT hostile-reset env=%s passed=%u failed=%u skipped=0\n", env_name(), pass, fail);
    g_printf("# hostile: reset VM: CPU_OFF of the last vCPU, the VM must stop\n");
    hb_write(HB_PAGE, HB_DONE, HB_DONE_MAGIC);
    int64_t r = psci_cpu_off();
    g_printf("FAIL hostile.reset.cpu-off-last: CPU_OFF returned %ld\n", r);
    guest_exit(1);
}

/* ---- the wedge VM: the sequence that stops QEMU 7.2 ------------------------ */

static void wedge_main(void)
{
    test_note("CNTV_CVAL_EL0 = ~0 with the timer enabled");
    timer_vset_cval(~0ull);
    timer_vset_ctl(CNTV_CTL_ENABLE);
    for (unsigned i = 0; i < 100000; i++)
        cpu_relax();
    uint64_t ctl = timer_vget_ctl();
    timer_vset_ctl(0);
    test_check("wedge.vtimer-cval-max", !(ctl & CNTV_CTL_ISTATUS), "CNTV_CTL %#lx", ctl);
}

void guest_main(void)
{
    if (g_env != ENV_AXVM) {
        test_skip("run", "needs axvm and the configs/hostile/ VMs");
        return;
    }
    int64_t id = hc(AXVM_HC_VM_ID, 0, 0, 0, 0, 0, 0);
    if (id == HOSTILE_RESET_VM_ID) {
        reset_main();
        return;
    }
    if (id == HOSTILE_WEDGE_VM_ID) {
        wedge_main();
        return;
    }
    hostile_main();
}
