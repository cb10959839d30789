/* The Linux x86 boot protocol (Documentation/arch/x86/boot.rst), 64-bit
 * entry: split a bzImage into its setup header and protected-mode kernel,
 * and build the zero page (struct boot_params) with the command line,
 * initrd and an E820 map of the VM's RAM. Pure C over buffers: the caller
 * turns the result into VM images (axvm_image) and boots vCPU 0 in long mode
 * at `entry` with rsi = zero_page_gpa. */
#ifndef AXVM_X86_LINUX_BOOT_H
#define AXVM_X86_LINUX_BOOT_H

#include "axvm/types.h"

#define X86_LINUX_ZERO_PAGE 0x10000ull
#define X86_LINUX_CMDLINE 0x20000ull
#define X86_LINUX_CMDLINE_MAX 0x10000ull
#define X86_LINUX_DEFAULT_LOAD 0x1000000ull /* 16 MiB: the x86_64 default pref_address */

struct x86_linux_boot {
    /* in */
    const uint8_t *bzimage;
    size_t bzimage_len;
    const char *cmdline;      /* may be NULL */
    uint64_t ram_size;        /* RAM from guest-physical 0 */
    uint64_t initrd_size;     /* 0: none */
    /* out */
    uint8_t zero_page[4096];
    axvm_gpa_t zero_page_gpa, cmdline_gpa, kernel_gpa, initrd_gpa, entry;
    const uint8_t *kernel;    /* protected-mode part, inside bzimage */
    size_t kernel_len;
    size_t cmdline_len;       /* including the NUL */
    uint16_t version;
};

/* AXVM_EINVAL with *why naming the problem for anything that is not a
 * bootable 64-bit bzImage (protocol >= 2.12 with XLF_KERNEL_64) or does not
 * fit the RAM. */
int x86_linux_prepare(struct x86_linux_boot *b, const char **why);

#endif
