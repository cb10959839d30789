/* The fake kernel: checks what the Linux 64-bit boot protocol promises at
 * startup_64 (rsi = boot_params with axvm's fields, the command line, the
 * initrd, __BOOT_CS/__BOOT_DS, interrupts off) and exits. */
#include "guest.h"

static uint32_t g32(const volatile uint8_t *p, unsigned off)
{
    return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 24;
}

static bool streq(const volatile char *a, const char *b)
{
    while (*b)
        if (*a++ != *b++)
            return false;
    return *a == 0;
}

int guest_main(void);
int guest_main(void)
{
    uint16_t cs, ds;
    uint64_t flags;
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1; pushfq; pop %2" : "=r"(cs), "=r"(ds), "=r"(flags));
    CHECK("linux/selectors", cs == 0x10 && ds == 0x18, "cs 0x%x ds 0x%x", cs, ds);
    CHECK("linux/interrupts-off", !(flags & 0x200), "rflags 0x%lx", flags);
    const volatile uint8_t *zp = (const volatile uint8_t *)(uintptr_t)boot_rsi;
    CHECK("linux/rsi-zero-page", boot_rsi == 0x10000, "rsi 0x%lx", boot_rsi);
    CHECK("linux/header", zp[0x202] == 'H' && zp[0x205] == 'S' && zp[0x210] == 0xFF && (zp[0x211] & 0x81) == 0x81,
          "loader 0x%x flags 0x%x", zp[0x210], zp[0x211]);
    const volatile char *cl = (const volatile char *)(uintptr_t)g32(zp, 0x228);
    CHECK("linux/cmdline", streq(cl, "axvm test=1"), "at 0x%x", g32(zp, 0x228));
    CHECK("linux/e820", zp[0x1E8] == 5, "%u entries", zp[0x1E8]);
    uint32_t rd = g32(zp, 0x218), rds = g32(zp, 0x21C);
    const volatile char *initrd = (const volatile char *)(uintptr_t)rd;
    CHECK("linux/initrd", rds == 11 && rd && streq(initrd, "AXVMINITRD"), "at 0x%x size %u", rd, rds);
    return failures;
}
