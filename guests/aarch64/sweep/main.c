/* sweep: a guest that pokes everywhere, and checks only that every poke gets
 * an architectural answer and the VM lives on:
 *   - MRS of every encoding with op0 = 2 (debug/trace space) and op0 = 3
 *     (32768 encodings, generated into RAM): a value or UNDEFINED (EC 0x00 at
 *     the instruction; EC 0x07 for FPCR/FPSR, FP being off), nothing else;
 *   - 4-byte reads of every register word of the GIC distributor, this
 *     vCPU's redistributor frames, the PL011 and the test device, plus 1-
 *     and 8-byte reads on a coarser grid: a value or a data abort there;
 *   - SMCCC calls to unused function ids of every owning entity: NOT_SUPPORTED.
 * Nothing is written except to stack and the stub buffer. */
#include "exc.h"
#include "gic.h"
#include "mmio.h"
#include "printf.h"
#include "smccc.h"
#include "sysreg.h"
#include "test.h"
#include "testdev.h"
#include "uart.h"

const char guest_name[] = "sweep";

#define N_ENC 16384u /* op1:3 CRn:4 CRm:4 op2:3 */

/* One stub per encoding: "mrs x0, <enc>; ret". */
static uint32_t stubs[N_ENC][2] __attribute__((aligned(64)));

static uint32_t mrs_x0(unsigned op0, unsigned enc)
{
    return 0xD5200000u | (op0 << 19) | ((uint32_t)enc << 5);
}

static void sync_icache(const void *p, uint64_t len)
{
    uint64_t ctr = read_sysreg(ctr_el0);
    uint64_t dline = 4u << ((ctr >> 16) & 0xf), iline = 4u << (ctr & 0xf);
    uint64_t a = (uint64_t)(uintptr_t)p, end = a + len;
    for (uint64_t x = a & ~(dline - 1); x < end; x += dline)
        __asm__ volatile("dc cvau, %0" ::"r"(x) : "memory");
    __asm__ volatile("dsb ish" ::: "memory");
    for (uint64_t x = a & ~(iline - 1); x < end; x += iline)
        __asm__ volatile("ic ivau, %0" ::"r"(x) : "memory");
    __asm__ volatile("dsb ish\n\tisb" ::: "memory");
}

static void enc_name(char *buf, size_t n, unsigned op0, unsigned enc)
{
    g_snprintf(buf, n, "s%u_%u_c%u_c%u_%u", op0, (enc >> 11) & 7, (enc >> 7) & 15, (enc >> 3) & 15, enc & 7);
}

static void sysreg_sweep(unsigned op0)
{
    char name[32], reg[24];
    g_snprintf(name, sizeof(name), "sysreg-read.op0-%u", op0);
    for (unsigned e = 0; e < N_ENC; e++) {
        stubs[e][0] = mrs_x0(op0, e);
        stubs[e][1] = 0xD65F03C0u; /* ret */
    }
    sync_icache(stubs, sizeof(stubs));
    unsigned readable = 0, undef = 0, bad = 0;
    for (unsigned e = 0; e < N_ENC; e++) {
        uint64_t (*fn)(void) = (uint64_t (*)(void))(uintptr_t)stubs[e];
        struct fault_info f;
        fault_expect();
        (void)fn();
        if (!fault_collect(&f)) {
            readable++;
        } else if ((ESR_EC(f.esr) == EC_UNKNOWN || ESR_EC(f.esr) == EC_FP_TRAP) &&
                   f.elr == (uint64_t)(uintptr_t)stubs[e]) {
            /* EC 0x07: FPCR/FPSR with CPACR_EL1.FPEN off, trapped to EL1 as it must be. */
            undef++;
        } else if (bad++ == 0) {
            enc_name(reg, sizeof(reg), op0, e);
            test_fail(name, "mrs %s: ESR %#lx (EC %#lx) ELR %#lx, want a value, EC 0x00 or EC 0x07 at %p", reg, f.esr,
                      ESR_EC(f.esr), f.elr, (void *)stubs[e]);
        }
    }
    test_note("op0=%u: %u readable, %u UNDEFINED, %u other", op0, readable, undef, bad);
    if (!bad)
        test_check(name, readable > 0 || op0 == 2, "no readable register at all");
}

struct window {
    const char *name;
    uint64_t base, size;
};

/* Registers live in the first 4 KiB and the ID block at the end of each
 * 64 KiB GIC frame (and everywhere in 4 KiB windows): every word there,
 * every 0x40 bytes elsewhere, to bound the number of exits. */
static bool dense(uint64_t off)
{
    uint64_t in = off & 0xFFFF;
    return in < 0x1000 || in >= 0xFF00;
}

static void mmio_sweep(const struct window *w)
{
    char name[48];
    g_snprintf(name, sizeof(name), "mmio-read.%s", w->name);
    unsigned ok = 0, aborts = 0, bad = 0;
    static const unsigned widths[] = { 4, 1, 8 };
    for (unsigned wi = 0; wi < 3; wi++) {
        unsigned width = widths[wi];
        for (uint64_t off = 0; off < w->size; off += width == 4 && dense(off) ? 4 : 0x40) {
            uint64_t a = w->base + off;
            struct fault_info f;
            fault_expect();
            (void)mmio_read(a, width);
            if (!fault_collect(&f)) {
                ok++;
            } else if (ESR_EC(f.esr) == EC_DABT_CUR && ((f.esr & ESR_FNV) || f.far == a)) {
                aborts++;
            } else if (bad++ == 0) {
                test_fail(name, "%u-byte read at %#lx: ESR %#lx FAR %#lx", width, a, f.esr, f.far);
            }
        }
    }
    test_note("%s: %u reads answered, %u aborted, %u wrong", w->name, ok, aborts, bad);
    if (!bad)
        test_pass(name);
}

static void smccc_sweep(void)
{
    /* Owning entities with nothing behind them in a VM: CPU and SiP service
     * (1, 2), OEM (3), standard hypervisor service (5), trusted apps and OS
     * (48-63); the low function numbers of each, fast and yielding. */
    static const unsigned oens[] = { 1, 2, 3, 5, 48, 49, 50, 63 };
    static const uint32_t fns[] = { 0x0, 0x1, 0x20, 0xFF00, 0xFFFF };
    unsigned bad = 0, calls = 0;
    for (unsigned i = 0; i < sizeof(oens) / sizeof(oens[0]); i++)
        for (unsigned j = 0; j < sizeof(fns) / sizeof(fns[0]); j++)
            for (unsigned fast = 0; fast < 2; fast++)
                for (unsigned cc64 = 0; cc64 < 2; cc64++) {
                    uint32_t fid = (fast ? 0x80000000u : 0) | (cc64 ? 0x40000000u : 0) | (oens[i] << 24) | fns[j];
                    struct smccc_res r;
                    bool trapped = smccc_try(SMCCC_HVC, fid, 1, 2, 3, 4, 5, 6, &r);
                    calls++;
                    if ((trapped || (int64_t)r.a0 != SMCCC_NOT_SUPPORTED) && bad++ == 0)
                        test_fail("smccc.unused-ids", "fid %#x: %s %ld, want NOT_SUPPORTED (-1)", fid,
                                  trapped ? "exception" : "returned", (int64_t)r.a0);
                }
    if (!bad)
        test_pass("smccc.unused-ids");
    test_note("%u SMCCC calls, %u wrong", calls, bad);
}

void guest_main(void)
{
    sysreg_sweep(3);
    sysreg_sweep(2);

    /* Find our redistributor the way a driver does (nothing written). */
    uint64_t mpidr = read_sysreg(mpidr_el1), rd = 0;
    for (unsigned i = 0; i < 8 && !rd; i++) {
        uint64_t t = mmio_read64(GICR_BASE + i * GICR_STRIDE + GICR_TYPER);
        if ((t >> 32) == (mpidr & 0xffffff))
            rd = GICR_BASE + i * GICR_STRIDE;
        if (t & (1u << 4))
            break;
    }
    struct window windows[] = {
        { "gicd", GICD_BASE, 0x10000 },
        { "gicr", rd ? rd : GICR_BASE, GICR_STRIDE },
        { "pl011", UART_BASE, 0x1000 },
        { "testdev", TESTDEV_BASE, 0x1000 },
    };
    for (unsigned i = 0; i < 3; i++)
        mmio_sweep(&windows[i]);
    if (test_need_axvm("mmio-read.testdev"))
        mmio_sweep(&windows[3]);

    if (g_env == ENV_AXVM)
        smccc_sweep();
    else
        test_skip("smccc.unused-ids", "axvm only");

    /* Still alive and still answered correctly. */
    test_check("alive", (read_sysreg(mpidr_el1) & 0xff) == 0 && read_sysreg(ctr_el0) != 0, "state lost");
}
