/* Long-mode guest: MMIO to the portable test device (every width, sign
 * patterns, strict region, an unhandled address), trapped / untrapped /
 * unknown MSRs, CPUID (axvm's leaf, hidden feature, topology), hypercall.
 * Run with: --mode long --msr-trap 0xc0000103 --cpuid-hide 7:ebx:0 */
#include "guest.h"

#define TD(off) (TESTDEV_BASE + (off))

static void test_mmio(void)
{
    uint64_t v;
    static const unsigned widths[] = {1, 2, 4, 8};
    for (unsigned i = 0; i < 4; i++) {
        unsigned w = widths[i];
        uint64_t pattern = 0x8877665544332211ull & (w == 8 ? ~0ull : ((1ull << (w * 8)) - 1));
        int e1 = mmio_write_safe(TD(0x8), w, pattern);
        int e2 = mmio_read_safe(TD(0x8), w, &v);
        uint64_t lw = 0;
        mmio_read_safe(TD(0x28), 8, &lw);
        char name[32] = "mmio/scratch-w0";
        name[14] = (char)('0' + w);
        CHECK(name, e1 < 0 && e2 < 0 && v == pattern && lw == w, "exc %d/%d value 0x%lx width %lu", e1, e2, v, lw);
    }
    mmio_write_safe(TD(0x8), 8, 0);
    mmio_write_safe(TD(0xA), 2, 0xBEEF); /* narrow write inside the register */
    mmio_read_safe(TD(0x8), 8, &v);
    CHECK("mmio/scratch-narrow-offset", v == 0xBEEF0000ull, "0x%lx", v);

    mmio_read_safe(TD(0x10), 8, &v);
    CHECK("mmio/pattern-8", v == 0xF1E2D3C4B5A69788ull, "0x%lx", v);
    mmio_read_safe(TD(0x11), 1, &v);
    CHECK("mmio/pattern-byte1", v == 0x97, "0x%lx", v);
    /* a sign-extending load: KVM's emulator applies movsx itself */
    int64_t s;
    __asm__ volatile("movsbq (%1), %0" : "=r"(s) : "r"(TD(0x10)) : "memory");
    CHECK("mmio/movsx-byte", s == (int64_t)(int8_t)0x88, "0x%lx", (uint64_t)s);

    uint64_t c1, c2;
    mmio_read_safe(TD(0x18), 8, &c1);
    mmio_read_safe(TD(0x18), 8, &c2);
    CHECK("mmio/count", c2 == c1 + 1, "%lu then %lu", c1, c2);

    mmio_read_safe(TD(0x104), 4, &v);
    CHECK("mmio/strict-read", v == (0xA5000000u | 0x104u), "0x%lx", v);
    int e = mmio_read_safe(TD(0x104), 2, &v);
    CHECK("mmio/strict-narrow-faults", e == 13, "exception %d", e);
    e = mmio_write_safe(TD(0x10), 4, 1); /* read-only register */
    CHECK("mmio/readonly-write-faults", e == 13, "exception %d", e);
    e = mmio_read_safe(TD(0x200), 4, &v); /* nothing there */
    CHECK("mmio/unhandled-faults", e == 13 && v == 0xFFFFFFFFu, "exception %d value 0x%lx", e, v);
}

static void test_msr(void)
{
    uint32_t before = sysreg_exits();
    uint64_t v = 0;
    /* untrapped: KVM handles LSTAR entirely */
    int e1 = wrmsr_safe(0xC0000082, 0xFFFFFFFF81234560ull);
    int e2 = rdmsr_safe(0xC0000082, &v);
    uint32_t after = sysreg_exits();
    CHECK("msr/untrapped-lstar", e1 < 0 && e2 < 0 && v == 0xFFFFFFFF81234560ull && after == before,
          "exc %d/%d value 0x%lx exits %u->%u", e1, e2, v, before, after);

    /* trapped (--msr-trap 0xc0000103): axvm's shadow register answers */
    before = sysreg_exits();
    e1 = wrmsr_safe(0xC0000103, 0x1234);
    e2 = rdmsr_safe(0xC0000103, &v);
    after = sysreg_exits();
    CHECK("msr/trapped-roundtrip", e1 < 0 && e2 < 0 && v == 0x1234 && after == before + 2,
          "exc %d/%d value 0x%lx exits %u->%u", e1, e2, v, before, after);
    /* the trap sees edx:eax as one 64-bit value */
    wrmsr_safe(0xC0000103, 0x89ABCDEF01234567ull);
    rdmsr_safe(0xC0000103, &v);
    CHECK("msr/trapped-64bit", v == 0x89ABCDEF01234567ull, "0x%lx", v);

    /* an MSR nobody implements: #GP */
    e1 = rdmsr_safe(0x4B564DFF, &v);
    CHECK("msr/unknown-read-gp", e1 == 13, "exception %d", e1);
    e1 = wrmsr_safe(0x4B564DFF, 1);
    CHECK("msr/unknown-write-gp", e1 == 13, "exception %d", e1);
    /* x2APIC: a write to a read-only register is #GP */
    e1 = wrmsr_safe(X2APIC_ID, 5);
    CHECK("msr/x2apic-readonly-gp", e1 == 13, "exception %d", e1);
    e1 = rdmsr_safe(X2APIC_ID, &v);
    CHECK("msr/x2apic-id", e1 < 0 && v == 0, "exc %d id %lu", e1, v);
}

static void test_cpuid(void)
{
    uint32_t r[4];
    cpuid(0x40000000, 0, r);
    char sig[13];
    __builtin_memcpy(sig, &r[1], 4);
    __builtin_memcpy(sig + 4, &r[2], 4);
    __builtin_memcpy(sig + 8, &r[3], 4);
    sig[12] = 0;
    bool ok = r[0] >= 0x40000001u;
    for (int i = 0; i < 12; i++)
        ok = ok && sig[i] == "AxVMAxVMAxVM"[i];
    CHECK("cpuid/hypervisor-leaf", ok, "max 0x%x signature %s", r[0], sig);
    cpuid(0x40000001, 0, r);
    CHECK("cpuid/axvm-version", r[0] == 1u, "0x%x", r[0]);
    cpuid(1, 0, r);
    CHECK("cpuid/hypervisor-bit", r[2] & (1u << 31), "ecx 0x%x", r[2]);
    CHECK("cpuid/x2apic-bit", r[2] & (1u << 21), "ecx 0x%x", r[2]);
    CHECK("cpuid/tsc-deadline-hidden", !(r[2] & (1u << 24)), "ecx 0x%x", r[2]);
    CHECK("cpuid/apic-id", (r[1] >> 24) == 0, "ebx 0x%x", r[1]);
    /* --cpuid-hide 7:ebx:0 (FSGSBASE, which KVM offers) */
    cpuid(7, 0, r);
    CHECK("cpuid/configured-hide", !(r[1] & 1u), "leaf 7 ebx 0x%x", r[1]);
}

int guest_main(void);
int guest_main(void)
{
    idt_init();
    test_mmio();
    test_msr();
    test_cpuid();
    return failures;
}
