/* Long-mode guest that breaks itself: an exception with no IDT is a triple
 * fault. axvm must report it with the registers, stop this VM, and exit. */
#include "guest.h"

int guest_main(void);
int guest_main(void)
{
    puts_("about to triple-fault\n");
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) none = {0, 0};
    __asm__ volatile("lidt %0; mov $0xfa7a1, %%rax; ud2" ::"m"(none) : "rax");
    return 0;
}
