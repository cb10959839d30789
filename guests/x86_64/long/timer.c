/* Long-mode guest: axvm's x2APIC. Version/ID, HLT woken by the timer
 * (one-shot and periodic), the current count, self-IPIs, TPR masking,
 * ISR/EOI bookkeeping. */
#include "guest.h"

static uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static volatile uint64_t isr_seen;

/* A few milliseconds without the APIC timer: RDTSC traps on some hosts
 * (~7 us each on kvm_pvm), memory loops can be slower still, so count
 * TSC reads and also wait for a minimum TSC distance. */
static void delay(void)
{
    uint64_t t0 = tsc();
    for (int i = 0; i < 400 || tsc() - t0 < 10000000ull; i++)
        (void)tsc();
}

static void on_0x42(unsigned v)
{
    (void)v;
    uint64_t isr = rdmsr(X2APIC_ISR0 + 2); /* vectors 64-95 */
    isr_seen = isr;
}

int guest_main(void);
int guest_main(void)
{
    idt_init();
    apic_enable();
    uint64_t ver = rdmsr(X2APIC_VER);
    CHECK("apic/version", (ver & 0xFF) == 0x14 && ((ver >> 16) & 0xFF) == 5, "0x%lx", ver);
    CHECK("apic/svr-enabled", rdmsr(X2APIC_SVR) == 0x1FF, "0x%lx", rdmsr(X2APIC_SVR));

    /* one-shot: 2 ms (200000 ticks of 10 ns, divide by 1), HLT until it fires */
    wrmsr(X2APIC_DCR, 0xB);
    wrmsr(X2APIC_LVT_TIMER, 0x40);
    wrmsr(X2APIC_TMICT, 200000);
    uint64_t c1 = rdmsr(X2APIC_TMCCT);
    CHECK("apic/current-count", c1 > 0 && c1 <= 200000, "%lu", c1);
    unsigned halts = 0;
    while (irq_count[0x40] == 0 && halts < 1000) {
        sti_hlt();
        halts++;
    }
    cli();
    CHECK("apic/oneshot-wakes-hlt", irq_count[0x40] == 1, "count %u after %u halts", irq_count[0x40], halts);
    CHECK("apic/oneshot-count-zero", rdmsr(X2APIC_TMCCT) == 0, "%lu", rdmsr(X2APIC_TMCCT));

    /* periodic: 1 ms, five ticks */
    wrmsr(X2APIC_LVT_TIMER, 0x41 | (1u << 17));
    uint64_t t0 = tsc();
    wrmsr(X2APIC_TMICT, 100000);
    while (irq_count[0x41] < 5)
        sti_hlt();
    cli();
    wrmsr(X2APIC_TMICT, 0); /* stop */
    uint64_t t1 = tsc();
    /* A tick that fired just before the stop may still be pending: let it
     * in. Its injection waits for the vCPU's next entry, which under load
     * can be later than a few instructions, so give it a whole delay. */
    sti();
    delay();
    cli();
    unsigned after = irq_count[0x41];
    delay();
    sti();
    delay();
    cli();
    CHECK("apic/periodic-five", after >= 5 && t1 > t0, "count %u", after);
    CHECK("apic/periodic-stops", irq_count[0x41] == after, "%u then %u", after, irq_count[0x41]);

    /* masked LVT: the timer counts but raises nothing */
    wrmsr(X2APIC_LVT_TIMER, 0x43 | (1u << 16));
    wrmsr(X2APIC_TMICT, 1000);
    delay();
    sti();
    delay();
    cli();
    CHECK("apic/masked-timer-silent", irq_count[0x43] == 0, "%u", irq_count[0x43]);

    /* self-IPI and the ISR while its handler runs */
    irq_handler[0x42] = on_0x42;
    wrmsr(X2APIC_SELF_IPI, 0x42);
    sti();
    delay();
    cli();
    CHECK("apic/self-ipi", irq_count[0x42] == 1, "%u", irq_count[0x42]);
    CHECK("apic/isr-in-handler", isr_seen & (1ull << 2), "isr 0x%lx", isr_seen);
    CHECK("apic/isr-clear-after-eoi", rdmsr(X2APIC_ISR0 + 2) == 0, "0x%lx", rdmsr(X2APIC_ISR0 + 2));

    /* TPR: class 5 blocks vector 0x44 (class 4) until lowered */
    wrmsr(X2APIC_TPR, 0x50);
    wrmsr(X2APIC_SELF_IPI, 0x44);
    sti();
    delay();
    cli();
    bool blocked = irq_count[0x44] == 0 && (rdmsr(X2APIC_IRR0 + 2) & (1ull << 4));
    wrmsr(X2APIC_TPR, 0);
    sti();
    delay();
    cli();
    CHECK("apic/tpr-blocks", blocked, "irq count %u", irq_count[0x44]);
    CHECK("apic/tpr-lowered-delivers", irq_count[0x44] == 1, "%u", irq_count[0x44]);

    /* ICR with the self shorthand */
    wrmsr(X2APIC_ICR, 0x45 | (1u << 18));
    sti();
    delay();
    cli();
    CHECK("apic/icr-self", irq_count[0x45] == 1, "%u", irq_count[0x45]);
    /* an illegal vector sets ESR "send illegal vector" */
    wrmsr(X2APIC_ICR, 0x05 | (1u << 18));
    CHECK("apic/esr-illegal-vector", rdmsr(X2APIC_ESR) & (1u << 5), "0x%lx", rdmsr(X2APIC_ESR));
    int e = wrmsr_safe(X2APIC_EOI, 1);
    CHECK("apic/nonzero-eoi-gp", e == 13, "exception %d", e);
    return failures;
}
