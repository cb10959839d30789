/* Linux boot protocol loader; see linux_boot.h. Offsets are those of
 * struct boot_params / struct setup_header. */
#include "linux_boot.h"

#include <string.h>

#include "x86_kvm.h"

static uint16_t get16(const uint8_t *p, size_t off) { return (uint16_t)(p[off] | (p[off + 1] << 8)); }
static uint32_t get32(const uint8_t *p, size_t off) { return (uint32_t)get16(p, off) | ((uint32_t)get16(p, off + 2) << 16); }
static uint64_t get64(const uint8_t *p, size_t off) { return get32(p, off) | ((uint64_t)get32(p, off + 4) << 32); }
static void put8(uint8_t *p, size_t off, uint8_t v) { p[off] = v; }
static void put32(uint8_t *p, size_t off, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, size_t off, uint64_t v)
{
    put32(p, off, (uint32_t)v);
    put32(p, off + 4, (uint32_t)(v >> 32));
}

enum {
    BP_E820_ENTRIES = 0x1E8, BP_SETUP_HDR = 0x1F1, BP_E820_TABLE = 0x2D0,
    HDR_SETUP_SECTS = 0x1F1, HDR_BOOT_FLAG = 0x1FE, HDR_JUMP = 0x200, HDR_MAGIC = 0x202, HDR_VERSION = 0x206,
    HDR_TYPE_OF_LOADER = 0x210, HDR_LOADFLAGS = 0x211, HDR_RAMDISK_IMAGE = 0x218, HDR_RAMDISK_SIZE = 0x21C,
    HDR_HEAP_END = 0x224, HDR_CMD_LINE_PTR = 0x228, HDR_INITRD_ADDR_MAX = 0x22C, HDR_KERNEL_ALIGN = 0x230,
    HDR_RELOCATABLE = 0x234, HDR_XLOADFLAGS = 0x236, HDR_CMDLINE_SIZE = 0x238, HDR_PREF_ADDRESS = 0x258,
    HDR_INIT_SIZE = 0x260,
};
#define LOADED_HIGH 0x01u
#define CAN_USE_HEAP 0x80u
#define XLF_KERNEL_64 0x01u
#define E820_RAM 1u
#define E820_RESERVED 2u

static void e820_add(uint8_t *zp, uint64_t addr, uint64_t size, uint32_t type)
{
    uint8_t n = zp[BP_E820_ENTRIES];
    size_t off = BP_E820_TABLE + (size_t)n * 20u;
    put64(zp, off, addr);
    put64(zp, off + 8, size);
    put32(zp, off + 16, type);
    zp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

#define NO(msg) do { if (why) *why = (msg); return AXVM_EINVAL; } while (0)

int x86_linux_prepare(struct x86_linux_boot *b, const char **why)
{
    if (!b || !b->bzimage)
        NO("no kernel image");
    const uint8_t *k = b->bzimage;
    if (b->bzimage_len < 0x1000)
        NO("kernel image too small for a bzImage");
    if (get16(k, HDR_BOOT_FLAG) != 0xAA55 || memcmp(k + HDR_MAGIC, "HdrS", 4) != 0)
        NO("not a bzImage (no HdrS setup header)");
    b->version = get16(k, HDR_VERSION);
    if (b->version < 0x020C)
        NO("boot protocol older than 2.12: no 64-bit entry point");
    if (!(k[HDR_XLOADFLAGS] & XLF_KERNEL_64))
        NO("kernel has no 64-bit entry point (XLF_KERNEL_64)");
    if (!(k[HDR_LOADFLAGS] & LOADED_HIGH))
        NO("kernel is not a high-loaded (bz) image");
    unsigned sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4u;
    size_t setup_len = (size_t)(sects + 1u) * 512u;
    if (setup_len >= b->bzimage_len)
        NO("setup sectors cover the whole image");
    /* the header ends where the jump at 0x200 lands */
    size_t hdr_end = 0x202u + k[HDR_JUMP + 1];
    if (hdr_end > 0x1000 || hdr_end <= HDR_INIT_SIZE + 4u)
        NO("setup header length out of range");

    memset(b->zero_page, 0, sizeof b->zero_page);
    memcpy(b->zero_page + BP_SETUP_HDR, k + BP_SETUP_HDR, hdr_end - BP_SETUP_HDR);
    b->kernel = k + setup_len;
    b->kernel_len = b->bzimage_len - setup_len;

    uint64_t align = get32(k, HDR_KERNEL_ALIGN), pref = get64(k, HDR_PREF_ADDRESS), init_size = get32(k, HDR_INIT_SIZE);
    uint64_t load = pref ? pref : X86_LINUX_DEFAULT_LOAD;
    if (!k[HDR_RELOCATABLE] && !pref)
        load = 0x100000;
    if (align && (align & (align - 1)))
        NO("kernel_alignment is not a power of two");
    if (align && load % align)
        load = AXVM_ALIGN_UP(load, align);
    uint64_t need = init_size > b->kernel_len ? init_size : b->kernel_len;
    if (load + need < load || load + need > b->ram_size)
        NO("RAM too small for the kernel's init_size at its load address");
    b->kernel_gpa = load;
    b->entry = load + 0x200; /* startup_64 */

    size_t cl = b->cmdline ? strlen(b->cmdline) : 0;
    uint32_t cl_max = b->version >= 0x0206 ? get32(k, HDR_CMDLINE_SIZE) : 255u;
    if (cl > cl_max || cl + 1 > X86_LINUX_CMDLINE_MAX)
        NO("command line longer than the kernel accepts");
    b->cmdline_gpa = X86_LINUX_CMDLINE;
    b->cmdline_len = cl + 1;
    b->zero_page_gpa = X86_LINUX_ZERO_PAGE;

    uint8_t *zp = b->zero_page;
    put8(zp, HDR_TYPE_OF_LOADER, 0xFF); /* undefined boot loader */
    put8(zp, HDR_LOADFLAGS, (uint8_t)(k[HDR_LOADFLAGS] | CAN_USE_HEAP));
    zp[HDR_HEAP_END] = 0x00;
    zp[HDR_HEAP_END + 1] = 0xFE; /* 0xFE00 */
    put32(zp, HDR_CMD_LINE_PTR, (uint32_t)X86_LINUX_CMDLINE);

    b->initrd_gpa = 0;
    if (b->initrd_size) {
        uint64_t max = get32(k, HDR_INITRD_ADDR_MAX);
        uint64_t top = b->ram_size < max + 1 ? b->ram_size : max + 1;
        if (b->initrd_size > top || AXVM_ALIGN_DOWN(top - b->initrd_size, 4096ull) < load + need)
            NO("initrd does not fit between the kernel and initrd_addr_max");
        b->initrd_gpa = AXVM_ALIGN_DOWN(top - b->initrd_size, 4096ull);
        put32(zp, HDR_RAMDISK_IMAGE, (uint32_t)b->initrd_gpa);
        put32(zp, HDR_RAMDISK_SIZE, (uint32_t)b->initrd_size);
    }

    /* the VM's RAM minus axvm's boot tables and the legacy BIOS hole */
    e820_add(zp, 0, X86_BOOT_GDT, E820_RAM);
    e820_add(zp, X86_BOOT_GDT, X86_BOOT_AREA_END - X86_BOOT_GDT, E820_RESERVED);
    e820_add(zp, X86_BOOT_AREA_END, 0x9FC00 - X86_BOOT_AREA_END, E820_RAM);
    e820_add(zp, 0x9FC00, 0x100000 - 0x9FC00, E820_RESERVED);
    if (b->ram_size > 0x100000)
        e820_add(zp, 0x100000, b->ram_size - 0x100000, E820_RAM);
    return AXVM_OK;
}
