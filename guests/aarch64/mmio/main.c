/* mmio: data aborts that the hypervisor emulates (test device) or reflects
 * back to the guest (bad width, misalignment, holes, unmapped addresses,
 * accesses without a valid syndrome). */
#include "exc.h"
#include "gic.h"
#include "mmu.h"
#include "printf.h"
#include "sysreg.h"
#include "test.h"
#include "testdev.h"

const char guest_name[] = "mmio";

/* Where the test device is. Without axvm, the value cases (scratch, pattern)
 * run against a RAM model of the device instead: real memory gives the
 * architecturally right answer, which checks the expected values here. */
static uint64_t td_base = TESTDEV_BASE;
static const char *case_prefix = "";
static uint64_t ram_model[512] __attribute__((aligned(4096)));

#define TD(off) (td_base + (off))

/* Case name with the current prefix (one at a time: printed before reuse). */
static const char *nm(const char *n)
{
    static char buf[64];
    g_snprintf(buf, sizeof(buf), "%s%s", case_prefix, n);
    return buf;
}

static uint64_t td_read64(uint64_t off) { return mmio_read64(TD(off)); }
static void td_write64(uint64_t off, uint64_t v) { mmio_write64(TD(off), v); }
#define UNMAPPED_LOW 0x20000000ul
#define UNMAPPED_HIGH 0x100000000ul

/* The value narrow reads of the 64-bit little-endian `v` at byte `off` give. */
static uint64_t slice(uint64_t v, unsigned off, unsigned width)
{
    uint64_t x = v >> (8 * off);
    return width == 8 ? x : x & ((1ull << (8 * width)) - 1);
}

/* Checks a recorded fault is the data abort of an access to `va`. A
 * hypervisor-reflected abort must not look like a stage-1 alignment fault. */
static bool dabt_ok(const char *name, const struct fault_info *f, uint64_t va)
{
    if (ESR_EC(f->esr) != EC_DABT_CUR) {
        test_fail(name, "ESR %#lx: EC %#lx, want 0x25 (data abort)", f->esr, ESR_EC(f->esr));
        return false;
    }
    if (!(f->esr & ESR_FNV) && f->far != va) {
        test_fail(name, "FAR %#lx, want %#lx (ESR %#lx)", f->far, va, f->esr);
        return false;
    }
    if (ESR_DFSC(f->esr) == DFSC_ALIGN) {
        test_fail(name, "stage-1 alignment fault (ESR %#lx): the access never reached the hypervisor", f->esr);
        return false;
    }
    return true;
}

#define EXPECT_DABT(name, va, stmt)                                                                  \
    do {                                                                                             \
        struct fault_info f_;                                                                        \
        fault_expect();                                                                              \
        stmt;                                                                                        \
        if (!fault_collect(&f_))                                                                     \
            test_fail(name, "access to %#lx completed, want a data abort", (uint64_t)(va));          \
        else if (dabt_ok(name, &f_, (va)))                                                           \
            test_pass(name);                                                                         \
    } while (0)

static void scratch_cases(void)
{
    static const unsigned widths[] = { 1, 2, 4 };
    const uint64_t v = 0x1122334455667788ull;
    char name[48];

    td_write64(TESTDEV_SCRATCH, v);
    test_eq(nm("scratch.w8"), td_read64(TESTDEV_SCRATCH), v);

    for (unsigned i = 0; i < 3; i++) {
        unsigned w = widths[i];
        g_snprintf(name, sizeof(name), "%sscratch.read-w%u", case_prefix, w);
        td_write64(TESTDEV_SCRATCH, v);
        bool ok = true;
        for (unsigned off = 0; off < 8 && ok; off += w) {
            uint64_t got = mmio_read(TD(TESTDEV_SCRATCH + off), w);
            if (got != slice(v, off, w)) {
                test_fail(name, "offset %u: got %#lx, want %#lx", off, got, slice(v, off, w));
                ok = false;
            }
        }
        if (ok)
            test_pass(name);
    }

    for (unsigned i = 0; i < 3; i++) {
        unsigned w = widths[i];
        g_snprintf(name, sizeof(name), "%sscratch.write-w%u", case_prefix, w);
        bool ok = true;
        for (unsigned off = 0; off < 8 && ok; off += w) {
            td_write64(TESTDEV_SCRATCH, v);
            uint64_t piece = 0xA5A5A5A5A5A5A5A5ull & ((w == 8) ? ~0ull : ((1ull << (8 * w)) - 1));
            mmio_write(TD(TESTDEV_SCRATCH + off), w, piece);
            uint64_t mask = ((w == 8) ? ~0ull : ((1ull << (8 * w)) - 1)) << (8 * off);
            uint64_t want = (v & ~mask) | (piece << (8 * off));
            uint64_t got = td_read64(TESTDEV_SCRATCH);
            if (got != want) {
                test_fail(name, "offset %u: register %#lx, want %#lx", off, got, want);
                ok = false;
            }
        }
        if (ok)
            test_pass(name);
    }

    /* Stores of the zero register: Rt = 31 means XZR/WZR, not SP. */
    td_write64(TESTDEV_SCRATCH, ~0ull);
    __asm__ volatile("str xzr, [%0]" ::"r"(TD(TESTDEV_SCRATCH)) : "memory");
    test_eq(nm("scratch.str-xzr"), td_read64(TESTDEV_SCRATCH), 0);
    td_write64(TESTDEV_SCRATCH, ~0ull);
    __asm__ volatile("str wzr, [%0]" ::"r"(TD(TESTDEV_SCRATCH)) : "memory");
    test_eq(nm("scratch.str-wzr"), td_read64(TESTDEV_SCRATCH), 0xFFFFFFFF00000000ull);
    td_write64(TESTDEV_SCRATCH, ~0ull);
    __asm__ volatile("strh wzr, [%0]" ::"r"(TD(TESTDEV_SCRATCH + 2)) : "memory");
    test_eq(nm("scratch.strh-wzr"), td_read64(TESTDEV_SCRATCH), 0xFFFFFFFF0000FFFFull);
    td_write64(TESTDEV_SCRATCH, ~0ull);
    __asm__ volatile("strb wzr, [%0]" ::"r"(TD(TESTDEV_SCRATCH + 7)) : "memory");
    test_eq(nm("scratch.strb-wzr"), td_read64(TESTDEV_SCRATCH), 0x00FFFFFFFFFFFFFFull);
}

/* Loads into x15 after filling it with ones: a W-form load must clear bits 63:32. */
#define LOAD_X15(insn, addr)                                                                         \
    ({                                                                                               \
        uint64_t out_;                                                                               \
        __asm__ volatile("mov x15, #-1\n\t" insn ", [%1]\n\tmov %0, x15"                             \
                         : "=r"(out_)                                                                \
                         : "r"(addr)                                                                 \
                         : "x15", "memory");                                                         \
        out_;                                                                                        \
    })

static void pattern_cases(void)
{
    const uint64_t p = TESTDEV_PATTERN_VALUE;
    const uint64_t a = TD(TESTDEV_PATTERN);

    test_eq(nm("pattern.ldr-x"), LOAD_X15("ldr x15", a), p);
    test_eq(nm("pattern.ldr-w"), LOAD_X15("ldr w15", a), slice(p, 0, 4));
    test_eq(nm("pattern.ldr-w-hi"), LOAD_X15("ldr w15", a + 4), slice(p, 4, 4));
    test_eq(nm("pattern.ldrh"), LOAD_X15("ldrh w15", a + 2), slice(p, 2, 2));
    test_eq(nm("pattern.ldrb"), LOAD_X15("ldrb w15", a + 7), slice(p, 7, 1));
    test_eq(nm("pattern.ldrsb-x"), LOAD_X15("ldrsb x15", a), 0xFFFFFFFFFFFFFF88ull);
    test_eq(nm("pattern.ldrsb-w"), LOAD_X15("ldrsb w15", a), 0x00000000FFFFFF88ull);
    test_eq(nm("pattern.ldrsb-x-off5"), LOAD_X15("ldrsb x15", a + 5), 0xFFFFFFFFFFFFFFD3ull);
    test_eq(nm("pattern.ldrsh-x"), LOAD_X15("ldrsh x15", a), 0xFFFFFFFFFFFF9788ull);
    test_eq(nm("pattern.ldrsh-w"), LOAD_X15("ldrsh w15", a), 0x00000000FFFF9788ull);
    test_eq(nm("pattern.ldrsh-x-off6"), LOAD_X15("ldrsh x15", a + 6), 0xFFFFFFFFFFFFF1E2ull);
    test_eq(nm("pattern.ldrsw"), LOAD_X15("ldrsw x15", a), 0xFFFFFFFFB5A69788ull);
    test_eq(nm("pattern.ldrsw-off4"), LOAD_X15("ldrsw x15", a + 4), 0xFFFFFFFFF1E2D3C4ull);

    /* The emulated value lands in the register the instruction names, and
     * only there (x0, x17, x28 and the link register x30). */
    uint64_t r0, r17, r28, r30, keep = 0x5a5a5a5a5a5a5a5aull, keep_after;
    __asm__ volatile("mov x9, %5\n\t"
                     "ldr x0, [%6]\n\tmov %0, x0\n\t"
                     "ldr x17, [%6]\n\tmov %1, x17\n\t"
                     "ldr x28, [%6]\n\tmov %2, x28\n\t"
                     "ldr x30, [%6]\n\tmov %3, x30\n\t"
                     "mov %4, x9"
                     : "=&r"(r0), "=&r"(r17), "=&r"(r28), "=&r"(r30), "=&r"(keep_after)
                     : "r"(keep), "r"(a)
                     : "x0", "x9", "x17", "x28", "x30", "memory");
    test_check(nm("pattern.dest-regs"), r0 == p && r17 == p && r28 == p && r30 == p && keep_after == keep,
               "x0 %#lx x17 %#lx x28 %#lx x30 %#lx x9 %#lx", r0, r17, r28, r30, keep_after);

    if (td_base == TESTDEV_BASE) {
        EXPECT_DABT("pattern.write-faults", a, mmio_write64(a, 0));
        test_eq("pattern.unchanged", td_read64(TESTDEV_PATTERN), p);
    }
}

static void width_count_cases(void)
{
    static const unsigned widths[] = { 1, 2, 4, 8 };
    bool ok = true;
    for (unsigned i = 0; i < 4 && ok; i++) {
        unsigned w = widths[i];
        (void)mmio_read(TD(TESTDEV_SCRATCH), w);
        uint64_t lw = testdev_read64(TESTDEV_LAST_WIDTH);
        if (lw != w) {
            test_fail("last-width.read", "after a %u-byte read: %lu", w, lw);
            ok = false;
        }
    }
    if (ok)
        test_pass("last-width.read");
    ok = true;
    for (unsigned i = 0; i < 4 && ok; i++) {
        unsigned w = widths[i];
        mmio_write(TD(TESTDEV_SCRATCH), w, 0);
        uint64_t lw = mmio_read32(TD(TESTDEV_LAST_WIDTH));
        if (lw != w) {
            test_fail("last-width.write", "after a %u-byte write: %lu", w, lw);
            ok = false;
        }
    }
    if (ok)
        test_pass("last-width.write");

    /* Exactly one device access per guest instruction: nothing replayed or lost. */
    uint64_t c0 = testdev_read64(TESTDEV_COUNT);
    (void)testdev_read64(TESTDEV_SCRATCH);
    testdev_write64(TESTDEV_SCRATCH, 1);
    (void)mmio_read8(TD(TESTDEV_PATTERN));
    uint64_t c1 = testdev_read64(TESTDEV_COUNT);
    test_eq("count.exact", c1 - c0, 4);

    /* Console through the device: run.sh checks the line shows up. */
    test_note("console-expect testdev-putc-ok");
    const char *msg = "testdev-putc-ok\n";
    for (const char *s = msg; *s; s++)
        mmio_write8(TD(TESTDEV_PUTC), (uint8_t)*s);
}

static void strict_cases(void)
{
    /* Aligned 4-byte reads give (offset from the device base) | 0xA5000000. */
    static const unsigned offs[] = { 0x100, 0x104, 0x180, 0x1FC };
    bool ok = true;
    for (unsigned i = 0; i < 4 && ok; i++) {
        uint64_t got = mmio_read32(TD(offs[i]));
        if (got != (TESTDEV_STRICT_TAG | offs[i])) {
            test_fail("strict.read-w4", "offset %#x: got %#lx, want %#lx", offs[i], got,
                      (uint64_t)(TESTDEV_STRICT_TAG | offs[i]));
            ok = false;
        }
    }
    if (ok)
        test_pass("strict.read-w4");
    struct fault_info f;
    fault_expect();
    mmio_write32(TD(0x110), 0x12345678);
    bool faulted = fault_collect(&f);
    test_check("strict.write-w4-ignored", !faulted && mmio_read32(TD(0x110)) == (TESTDEV_STRICT_TAG | 0x110),
               "faulted %d (ESR %#lx), then read %#lx", faulted, faulted ? f.esr : 0, mmio_read32(TD(0x110)));

    EXPECT_DABT("strict.read-w1", TD(0x104), (void)mmio_read8(TD(0x104)));
    EXPECT_DABT("strict.read-w2", TD(0x104), (void)mmio_read16(TD(0x104)));
    EXPECT_DABT("strict.read-w8", TD(0x108), (void)mmio_read64(TD(0x108)));
    EXPECT_DABT("strict.write-w1", TD(0x104), mmio_write8(TD(0x104), 1));
    EXPECT_DABT("strict.write-w8", TD(0x108), mmio_write64(TD(0x108), 1));
    /* Through the Normal non-cacheable alias, a misaligned access is not
     * stopped by stage 1 and reaches the hypervisor. */
    uint64_t nc = MMU_ALIAS_NC + TESTDEV_BASE;
    EXPECT_DABT("strict.misaligned-w4", nc + 0x102, (void)mmio_read32(nc + 0x102));
    EXPECT_DABT("strict.misaligned-w4-write", nc + 0x106, mmio_write32(nc + 0x106, 1));
}

static void hole_cases(void)
{
    /* Gaps between the registers of 0x000-0x0FF are refused by the device. */
    EXPECT_DABT("gap.read-0x030", TD(0x030), (void)mmio_read64(TD(0x030)));
    EXPECT_DABT("gap.write-0x0f8", TD(0x0F8), mmio_write32(TD(0x0F8), 1));
    /* So are accesses straddling two registers (possible only through the
     * Normal-NC alias: Device memory would fault at stage 1). */
    uint64_t nc = MMU_ALIAS_NC + TESTDEV_BASE;
    EXPECT_DABT("straddle.read-w8-0x00c", nc + 0x00C, (void)mmio_read64(nc + 0x00C));
    EXPECT_DABT("straddle.write-w4-0x00e", nc + 0x00E, mmio_write32(nc + 0x00E, 1));
    /* Write-only registers read as zero. */
    test_eq("exit.reads-zero", testdev_read64(TESTDEV_EXIT), 0);
    test_eq("putc.reads-zero", testdev_read64(TESTDEV_PUTC), 0);
    EXPECT_DABT("unhandled.read-0x200", TD(0x200), (void)mmio_read32(TD(0x200)));
    EXPECT_DABT("unhandled.write-0x800", TD(0x800), mmio_write64(TD(0x800), 1));
    EXPECT_DABT("unhandled.read-0xff8", TD(0xFF8), (void)mmio_read64(TD(0xFF8)));
    EXPECT_DABT("unmapped.low-read", UNMAPPED_LOW, (void)mmio_read32(UNMAPPED_LOW));
    EXPECT_DABT("unmapped.low-write", UNMAPPED_LOW + 8, mmio_write64(UNMAPPED_LOW + 8, 1));
}

/* Instructions whose data abort carries no valid syndrome (ISV = 0). */
static void nosyndrome_cases(uint64_t base, const char *pfx, bool device)
{
    char name[48];
    uint64_t lo = 0, hi = 0;
    g_snprintf(name, sizeof(name), "%s.ldp-faults", pfx);
    EXPECT_DABT(name, base, __asm__ volatile("ldp %0, %1, [%2]" : "=&r"(lo), "=&r"(hi) : "r"(base) : "memory"));
    g_snprintf(name, sizeof(name), "%s.stp-faults", pfx);
    EXPECT_DABT(name, base, __asm__ volatile("stp %0, %1, [%2]" ::"r"(lo), "r"(hi), "r"(base) : "memory"));

    /* Post-index writeback: reflecting an abort (base unchanged, as
     * architecturally nothing happened) and emulating it fully (value
     * loaded, base advanced) are both correct; anything else is not. */
    g_snprintf(name, sizeof(name), "%s.ldr-postindex", pfx);
    uint64_t b = base, v = 0;
    struct fault_info f;
    fault_expect();
    __asm__ volatile("ldr %0, [%1], #8" : "=&r"(v), "+r"(b) : : "memory");
    if (fault_collect(&f)) {
        if (dabt_ok(name, &f, base))
            test_check(name, b == base, "abort taken but base register moved to %#lx", b);
    } else if (!device) {
        test_fail(name, "load from %#lx completed", base);
    } else {
        test_check(name, b == base + 8 && v == testdev_read64(TESTDEV_SCRATCH),
                   "emulated: base %#lx (want %#lx), value %#lx", b, base + 8, v);
    }
}

static void alias_cases(void)
{
    /* The same device window at another virtual address: the access reaches
     * the device only if the hypervisor decodes the IPA (HPFAR_EL2), not the VA. */
    uint64_t direct = mmio_read32(GICD_BASE + GICD_PIDR2);
    uint64_t alias = mmio_read32(MMU_ALIAS_DEV + GICD_BASE + GICD_PIDR2);
    test_check("alias.gicd-pidr2", alias == direct && ((direct >> 4) & 0xf) == 3,
               "alias %#lx direct %#lx (ArchRev must be 3)", alias, direct);
    if (test_need_axvm("alias.testdev-pattern"))
        test_eq("alias.testdev-pattern", mmio_read64(MMU_ALIAS_DEV + TD(TESTDEV_PATTERN)), TESTDEV_PATTERN_VALUE);
}

static void ifetch_case(void)
{
    struct fault_info f;
    uint64_t target = MMU_EXEC_HOLE;
    fault_expect_return();
    __asm__ volatile("blr %0" ::"r"(target) : "x30", "memory");
    if (!fault_collect(&f))
        test_fail("ifetch.unmapped", "branch to %#lx returned without a fault", target);
    else
        test_check("ifetch.unmapped",
                   ESR_EC(f.esr) == EC_IABT_CUR && f.elr == target && ((f.esr & ESR_FNV) || f.far == target),
                   "ESR %#lx (EC %#lx, want 0x21) FAR %#lx ELR %#lx", f.esr, ESR_EC(f.esr), f.far, f.elr);
}

void guest_main(void)
{
    /* Valid in any environment: nothing is behind these addresses on
     * QEMU virt with little RAM either. */
    EXPECT_DABT("unmapped.high-read", UNMAPPED_HIGH, (void)mmio_read64(UNMAPPED_HIGH));
    EXPECT_DABT("unmapped.high-write", UNMAPPED_HIGH + 0x10, mmio_write32(UNMAPPED_HIGH + 0x10, 1));
    nosyndrome_cases(UNMAPPED_HIGH, "unmapped", false);
    alias_cases();
    ifetch_case();

    if (g_env != ENV_AXVM) {
        test_note("not under axvm: device cases run against a RAM model, fault cases not run");
        td_base = (uint64_t)(uintptr_t)ram_model;
        case_prefix = "model.";
        ram_model[TESTDEV_PATTERN / 8] = TESTDEV_PATTERN_VALUE;
        scratch_cases();
        pattern_cases();
        return;
    }
    scratch_cases();
    pattern_cases();
    width_count_cases();
    strict_cases();
    hole_cases();
    nosyndrome_cases(TD(TESTDEV_SCRATCH), "scratch", true);
    /* After all those reflected aborts the device still works. */
    testdev_write64(TESTDEV_SCRATCH, 0xC0FFEE);
    test_eq("carry-on", testdev_read64(TESTDEV_SCRATCH), 0xC0FFEE);
}
