/* Long-mode guest doing what a hostile or broken guest might: every x2APIC
 * register read and written with junk, IPIs/INIT/SIPI to APICs that do not
 * exist, a long REP INSB from a port nobody answers, wide/odd accesses to
 * devices, MMIO where nothing is (including the xAPIC page axvm does not
 * emulate), reserved EFER bits. axvm must answer each architecturally and
 * keep running; the guest then reports and exits normally. */
#include "guest.h"

static uint8_t buf[4096];

int guest_main(void);
int guest_main(void)
{
    idt_init();
    unsigned gp = 0, ok = 0;
    for (uint32_t m = 0x800; m <= 0x8FF; m++) {
        uint64_t v;
        if (rdmsr_safe(m, &v) == 13)
            gp++;
        else
            ok++;
        if (m == 0x830 || m == 0x83F || m == 0x80F)
            continue; /* ICR, SELF_IPI, SVR get their junk below */
        if (wrmsr_safe(m, 0xFFFFFFFFFFFFFFFFull) == 13)
            gp++;
    }
    CHECK("hostile/x2apic-sweep", ok > 20 && gp > 200, "%u readable, %u #GP", ok, gp);
    wrmsr(X2APIC_ICR, (0x55ull << 32) | (5u << 8) | (1u << 14)); /* INIT to nobody */
    wrmsr(X2APIC_ICR, (0x55ull << 32) | (6u << 8) | 0xFF);       /* SIPI to nobody */
    wrmsr(X2APIC_ICR, (0x55ull << 32) | 0x40);                   /* fixed to nobody */
    wrmsr(X2APIC_ICR, (4u << 8) | (1u << 18));                    /* NMI to self: not modelled */
    wrmsr(X2APIC_ICR, (6u << 8) | (3u << 18) | 0x01);             /* SIPI to all others (none) */
    wrmsr(X2APIC_SELF_IPI, 0);                                    /* illegal vector */
    uint64_t esr = rdmsr(X2APIC_ESR);
    CHECK("hostile/ipis-to-nobody", (esr & (1u << 6)) && (esr & (1u << 2)), "esr 0x%lx", esr);

    __builtin_memset(buf, 0x11, sizeof buf);
    void *dst = buf;
    uint64_t cnt = sizeof buf;
    __asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(cnt) : "d"((uint16_t)0x600) : "memory");
    bool all = true;
    for (unsigned i = 0; i < sizeof buf; i++)
        all = all && buf[i] == 0xFF;
    CHECK("hostile/rep-insb-4096-unhandled", all, "buffer not all-ones");
    outw(COM1, 0x4141);                 /* the UART takes bytes only: dropped */
    outl(DEBUG_PORT + 8, 1);            /* read-only register */
    outb(COM1 + 7, 0x22);
    outw(COM1 + 7 - 1, 0x4141);         /* 16-bit write over MSR/SCR: refused, SCR unchanged */
    CHECK("hostile/refused-ports", inb(COM1 + 7) == 0x22, "scr 0x%x", inb(COM1 + 7));

    uint64_t v;
    int e1 = mmio_read_safe(0xE0000000, 4, &v);
    int e2 = mmio_read_safe(0xFEE00020, 4, &v); /* xAPIC ID register: not emulated */
    int e3 = mmio_write_safe(TESTDEV_BASE + 0x103, 4, 1); /* strict region, misaligned */
    int e4 = mmio_read_safe(TESTDEV_BASE + 0xFFC, 8, &v);  /* crosses the end of the window */
    CHECK("hostile/mmio-nowhere", e1 == 13 && e2 == 13 && e3 == 13 && e4 == 13, "%d %d %d %d", e1, e2, e3, e4);
    int e5 = wrmsr_safe(0xC0000080, rdmsr(0xC0000080) | (1ull << 40)); /* reserved EFER bit */
    CHECK("hostile/efer-reserved-gp", e5 == 13, "exception %d", e5);
    return failures;
}
