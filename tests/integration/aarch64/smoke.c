/* The smallest guest that proves the hypervisor's path end to end: console
 * output through the emulated PL011, PSCI and SMCCC over HVC and SMC, a
 * sanitized ID register, an MMIO round trip through the test device, an
 * injected abort for an unmapped address, and PSCI SYSTEM_OFF. Prints
 * PASS/FAIL lines; runs at EL1 with the MMU off (so strictly aligned). */
#include <stdint.h>

#define UART_DR ((volatile uint32_t *)0x09000000ul)
#define TESTDEV 0x0B000000ul

void smoke_main(void);

static void putc_(char c) { *UART_DR = (uint32_t)(unsigned char)c; }
static void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

static void put_hex(uint64_t v)
{
    puts_("0x");
    for (int i = 60; i >= 0; i -= 4)
        putc_("0123456789abcdef"[(v >> i) & 0xf]);
}

static void put_dec(uint64_t v)
{
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts_(&buf[i]);
}

static unsigned failures;

static void check(const char *name, int ok, uint64_t got)
{
    puts_(ok ? "PASS " : "FAIL ");
    puts_(name);
    if (!ok) {
        puts_(": got ");
        put_hex(got);
        failures++;
    }
    putc_('\n');
}

static uint64_t hvc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    return x0;
}

static uint64_t smc(uint64_t fid, uint64_t a1)
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1) :: "x2", "x3", "memory");
    return x0;
}

/* Exception vector: record the syndrome and skip the faulting instruction. */
static volatile uint64_t last_esr, fault_count;
void smoke_sync(void);
void smoke_sync(void)
{
    uint64_t esr, elr;
    __asm__ volatile("mrs %0, esr_el1; mrs %1, elr_el1" : "=r"(esr), "=r"(elr));
    last_esr = esr;
    fault_count++;
    __asm__ volatile("msr elr_el1, %0" ::"r"(elr + 4));
}

__asm__(".section .text.vec, \"ax\"\n"
        ".balign 2048\n"
        "smoke_vectors:\n"
        ".rept 16\n"
        ".balign 128\n"
        "stp x29, x30, [sp, #-16]!\n"
        "stp x0, x1, [sp, #-16]!\n"
        "stp x2, x3, [sp, #-16]!\n"
        "stp x4, x5, [sp, #-16]!\n"
        "stp x6, x7, [sp, #-16]!\n"
        "stp x8, x9, [sp, #-16]!\n"
        "stp x10, x11, [sp, #-16]!\n"
        "stp x12, x13, [sp, #-16]!\n"
        "stp x14, x15, [sp, #-16]!\n"
        "stp x16, x17, [sp, #-16]!\n"
        "b smoke_vec_common\n"
        ".endr\n"
        "smoke_vec_common:\n"
        "bl smoke_sync\n"
        "ldp x16, x17, [sp], #16\n"
        "ldp x14, x15, [sp], #16\n"
        "ldp x12, x13, [sp], #16\n"
        "ldp x10, x11, [sp], #16\n"
        "ldp x8, x9, [sp], #16\n"
        "ldp x6, x7, [sp], #16\n"
        "ldp x4, x5, [sp], #16\n"
        "ldp x2, x3, [sp], #16\n"
        "ldp x0, x1, [sp], #16\n"
        "ldp x29, x30, [sp], #16\n"
        "eret\n"
        ".text\n");

void smoke_main(void)
{
    extern char smoke_vectors[];
    __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(smoke_vectors));
    puts_("smoke: hello from EL1\n");

    uint64_t el;
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
    check("smoke.el1", ((el >> 2) & 3) == 1, el);
    check("smoke.psci-version-hvc", hvc(0x84000000, 0, 0, 0) == 0x10001, 0);
    check("smoke.psci-version-smc", smc(0x84000000, 0) == 0x10001, 0);
    uint64_t r = hvc(0x8400000A, 0xC4000003, 0, 0);
    check("smoke.psci-features-cpu-on", r == 0, r);
    r = hvc(0x8400ABCD, 0, 0, 0);
    check("smoke.unknown-fid", r == (uint64_t)-1, r);
    r = hvc(0xC4000003, 0x80000000ull | 7, 0x40000000, 0);
    check("smoke.cpu-on-bad-target", r == (uint64_t)-2, r);
    r = hvc(0xC4000003, 0, 0x40000000, 0);
    check("smoke.cpu-on-self-already-on", r == (uint64_t)-4, r);

    uint64_t pfr0, mpidr;
    __asm__ volatile("mrs %0, id_aa64pfr0_el1; mrs %1, mpidr_el1" : "=r"(pfr0), "=r"(mpidr));
    check("smoke.id-pfr0-no-sve-el2", ((pfr0 >> 32) & 0xf) == 0 && ((pfr0 >> 8) & 0xf) == 0, pfr0);
    check("smoke.vmpidr", (mpidr & 0xff00ffffffull) == 0, mpidr);

    volatile uint64_t *scratch = (volatile uint64_t *)(TESTDEV + 0x8);
    *scratch = 0x1122334455667788ull;
    check("smoke.testdev-scratch", *scratch == 0x1122334455667788ull, *scratch);
    volatile int8_t *pat8 = (volatile int8_t *)(TESTDEV + 0x10);
    int64_t s = *pat8;
    check("smoke.testdev-sign-extend", s == (int64_t)(int8_t)0x88, (uint64_t)s);

    uint64_t before = fault_count;
    (void)*(volatile uint32_t *)0x0C000000ul; /* nothing there */
    check("smoke.unmapped-abort", fault_count == before + 1 && (last_esr >> 26) == 0x25, last_esr);
    before = fault_count;
    __asm__ volatile("mrs x0, pmcr_el0" ::: "x0");
    check("smoke.pmu-undef", fault_count == before + 1 && (last_esr >> 26) == 0, last_esr);

    /* Informational: round-trip cost of the two cheapest exits. */
    uint64_t t0, t1;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t0));
    for (int i = 0; i < 1000; i++)
        (void)hvc(0x84000000, 0, 0, 0);
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t1));
    puts_("# smoke: HVC PSCI_VERSION round trip: ");
    put_dec((t1 - t0) * 16 / 1000); /* 1000 calls, ticks of 62.5 MHz -> ns */
    puts_(" ns\n");
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t0));
    for (int i = 0; i < 1000; i++)
        (void)*scratch;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t1));
    puts_("# smoke: test-device MMIO read round trip: ");
    put_dec((t1 - t0) * 16 / 1000);
    puts_(" ns\n");

    puts_(failures ? "smoke: FAILED\n" : "smoke: done\n");
    if (failures)
        *(volatile uint32_t *)(TESTDEV + 0x0) = failures;
    hvc(0x84000008, 0, 0, 0); /* SYSTEM_OFF */
    puts_("FAIL smoke.system-off: returned\n");
    for (;;)
        __asm__ volatile("wfi");
}
