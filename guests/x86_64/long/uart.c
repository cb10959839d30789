/* Long-mode guest: the 16550 model's registers (scratch, divisor latch,
 * loopback, IIR/THRE interrupt identification) and then an echo of stdin
 * driven by the receive interrupt (IRQ 4 -> vector 0x24): every line comes
 * back as "echo: <line>" until a line "quit". */
#include "guest.h"

#define R(n) (uint16_t)(COM1 + (n))

static char rx[256];
static volatile unsigned rx_head, rx_tail;

static void on_uart(unsigned v)
{
    (void)v;
    while (inb(R(5)) & 1) /* LSR.DR */
        rx[rx_head++ % sizeof rx] = (char)inb(R(0));
}

int guest_main(void);
int guest_main(void)
{
    idt_init();
    apic_enable();
    outb(R(7), 0x5A);
    CHECK("uart/scratch", inb(R(7)) == 0x5A, "0x%x", inb(R(7)));
    outb(R(3), 0x83); /* DLAB */
    outb(R(0), 0x0C);
    outb(R(1), 0x00);
    bool dl = inb(R(0)) == 0x0C && inb(R(1)) == 0;
    outb(R(3), 0x03); /* 8N1 */
    CHECK("uart/divisor-latch", dl && inb(R(3)) == 0x03, "lcr 0x%x", inb(R(3)));
    CHECK("uart/lsr-idle", (inb(R(5)) & 0x61) == 0x60, "0x%x", inb(R(5)));
    CHECK("uart/iir-none", (inb(R(2)) & 0x0F) == 0x01, "0x%x", inb(R(2)));
    outb(R(1), 0x02); /* THRE interrupt: pending at once, cleared by reading IIR */
    uint8_t iir1 = inb(R(2)), iir2 = inb(R(2));
    outb(R(1), 0x00);
    CHECK("uart/iir-thre", (iir1 & 0x0F) == 0x02 && (iir2 & 0x0F) == 0x01, "0x%x then 0x%x", iir1, iir2);
    outb(R(4), 0x10 | 0x03); /* loopback, DTR+RTS */
    outb(R(0), 'Z');
    uint8_t lsr = inb(R(5)), c = inb(R(0)), msr = inb(R(6));
    outb(R(4), 0x00);
    CHECK("uart/loopback", (lsr & 1) && c == 'Z' && (msr & 0x30) == 0x30, "lsr 0x%x char 0x%x msr 0x%x", lsr, c, msr);

    /* echo through the receive interrupt */
    irq_handler[0x24] = on_uart;
    outb(R(4), 0x08); /* OUT2 gates the interrupt line on a PC */
    outb(R(1), 0x01); /* RX data available */
    puts_("READY\n");
    char line[128];
    unsigned n = 0, lines = 0;
    for (;;) {
        cli();
        if (rx_tail == rx_head) {
            sti_hlt();
            continue;
        }
        sti();
        char ch = rx[rx_tail++ % sizeof rx];
        if (ch == '\r')
            continue;
        if (ch != '\n' && n < sizeof line - 1) {
            line[n++] = ch;
            continue;
        }
        line[n] = 0;
        if (n == 4 && line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't')
            break;
        printf_("echo: %s\n", line);
        lines++;
        n = 0;
    }
    CHECK("uart/rx-interrupts", irq_count[0x24] > 0, "no interrupt");
    printf_("lines %u\n", lines);
    return failures;
}
