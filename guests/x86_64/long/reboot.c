/* Long-mode guest: a reset through port 0xCF9 brings the VM back from its
 * pristine image (RAM is reloaded, so this variable starts at 7 again) with
 * axvm's boot tables rebuilt; the debug port's boot counter tells the runs
 * apart. */
#include "guest.h"

static volatile int pristine = 7;

int guest_main(void);
int guest_main(void)
{
    idt_init();
    uint16_t boots;
    __asm__ volatile("inw %1, %0" : "=a"(boots) : "Nd"((uint16_t)(DEBUG_PORT + 14)));
    CHECK(boots == 1 ? "reboot/first-boot-data" : "reboot/second-boot-data", pristine == 7, "%d", pristine);
    pristine = 8;
    if (boots == 1) {
        puts_("resetting\n");
        outb(0xCF9, 0x06);
        for (;;)
            __asm__ volatile("pause");
    }
    CHECK("reboot/boot-count", boots == 2, "%u", boots);
    return failures;
}
