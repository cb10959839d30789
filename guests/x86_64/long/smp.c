/* Long-mode guest, two vCPUs: the BSP starts the AP with INIT + SIPI (the AP
 * comes up in real mode and climbs to long mode through the trampoline),
 * then both exchange fixed IPIs through the x2APIC ICR and the AP sleeps in
 * HLT between them. Run with --vcpus 2. */
#include "guest.h"

static volatile uint32_t ap_apic_id = 0xFFFF;
static volatile int ap_alive, ap_done;
static volatile unsigned ap_got;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));

void ap_main(void)
{
    idt_init();
    apic_enable();
    ap_apic_id = (uint32_t)rdmsr(X2APIC_ID);
    ap_alive = 1;
    /* wait for three IPIs from the BSP, answering each */
    while (irq_count[0x50] < 3) {
        unsigned seen = irq_count[0x50];
        while (irq_count[0x50] == seen)
            sti_hlt();
        cli();
        ap_got = irq_count[0x50];
        wrmsr(X2APIC_ICR, 0x51 | (0ull << 32)); /* to APIC 0 */
    }
    ap_done = 1;
    for (;;)
        __asm__ volatile("cli; hlt");
}

static bool wait_for(volatile int *flag)
{
    for (int i = 0; i < 2000000 && !*flag; i++)
        __asm__ volatile("pause");
    return *flag;
}

int guest_main(void);
int guest_main(void)
{
    idt_init();
    apic_enable();
    uint32_t r[4];
    cpuid(1, 0, r);
    CHECK("smp/cpuid-count", ((r[1] >> 16) & 0xFF) == 2, "ebx 0x%x", r[1]);
    ap_stack_top = (uint64_t)(ap_stack + sizeof ap_stack);
    start_ap(1, 0x7000);
    CHECK("smp/ap-started", wait_for(&ap_alive), "AP never ran");
    CHECK("smp/ap-apic-id", ap_apic_id == 1, "%u", ap_apic_id);
    /* a second SIPI without INIT is ignored: the AP keeps running */
    wrmsr(X2APIC_ICR, (1ull << 32) | (6u << 8) | 0x07);

    for (unsigned n = 1; n <= 3; n++) {
        wrmsr(X2APIC_ICR, (1ull << 32) | 0x50); /* fixed, physical, APIC 1 */
        while (irq_count[0x51] < n)
            sti_hlt();
        cli();
    }
    CHECK("smp/ipi-to-ap", ap_got == 3, "AP saw %u", ap_got);
    CHECK("smp/ipi-replies", irq_count[0x51] == 3, "BSP saw %u", irq_count[0x51]);
    CHECK("smp/ap-finished", wait_for(&ap_done), "AP did not finish");
    /* broadcast-excluding-self reaches only the AP (halted with IF=0: pending, not taken) */
    wrmsr(X2APIC_ICR, (3u << 18) | 0x52);
    sti();
    for (int i = 0; i < 100; i++)
        __asm__ volatile("pause");
    cli();
    CHECK("smp/all-but-self", irq_count[0x52] == 0, "BSP took %u", irq_count[0x52]);
    return failures;
}
