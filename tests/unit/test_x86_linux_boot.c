/* Unit tests of the Linux boot protocol loader (arch/x86_64/linux_boot.c)
 * against a synthetic bzImage whose header follows boot.rst. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "linux_boot.h"

static uint8_t img[5 * 512 + 8192];

static void p16(size_t off, uint16_t v) { img[off] = (uint8_t)v; img[off + 1] = (uint8_t)(v >> 8); }
static void p32(size_t off, uint32_t v) { p16(off, (uint16_t)v); p16(off + 2, (uint16_t)(v >> 16)); }
static uint32_t g32(const uint8_t *p, size_t off) { return (uint32_t)(p[off] | p[off + 1] << 8 | p[off + 2] << 16 | (uint32_t)p[off + 3] << 24); }
static uint64_t g64(const uint8_t *p, size_t off) { return g32(p, off) | (uint64_t)g32(p, off + 4) << 32; }

static int setup(void **state)
{
    (void)state;
    memset(img, 0, sizeof img);
    img[0x1F1] = 4;          /* setup_sects */
    p16(0x1FE, 0xAA55);
    img[0x200] = 0xEB;
    img[0x201] = 0x6A;       /* header ends at 0x26C */
    memcpy(img + 0x202, "HdrS", 4);
    p16(0x206, 0x020F);
    img[0x211] = 0x01;       /* LOADED_HIGH */
    p32(0x22C, 0x7FFFFFFF);  /* initrd_addr_max */
    p32(0x230, 0x200000);    /* kernel_alignment */
    img[0x234] = 1;          /* relocatable */
    img[0x236] = 0x03;       /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
    p32(0x238, 2047);        /* cmdline_size */
    p32(0x258, 0x1000000);   /* pref_address */
    p32(0x260, 0x800000);    /* init_size */
    memset(img + 5 * 512, 0x90, 8192);
    return 0;
}

static struct x86_linux_boot b;

static int prep(uint64_t ram, const char *cmdline, uint64_t initrd, const char **why)
{
    memset(&b, 0, sizeof b);
    b.bzimage = img;
    b.bzimage_len = sizeof img;
    b.ram_size = ram;
    b.cmdline = cmdline;
    b.initrd_size = initrd;
    return x86_linux_prepare(&b, why);
}

static void layout(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(prep(256ull << 20, "console=ttyS0", 1u << 20, &why), AXVM_OK);
    assert_int_equal(b.version, 0x020F);
    assert_ptr_equal(b.kernel, img + 5 * 512);
    assert_int_equal(b.kernel_len, 8192);
    assert_int_equal(b.kernel_gpa, 0x1000000);
    assert_int_equal(b.entry, 0x1000200);
    assert_int_equal(b.cmdline_len, sizeof "console=ttyS0");
    const uint8_t *zp = b.zero_page;
    assert_memory_equal(zp + 0x202, "HdrS", 4);   /* header copied */
    assert_int_equal(zp[0x210], 0xFF);            /* type_of_loader */
    assert_int_equal(zp[0x211], 0x81);            /* LOADED_HIGH | CAN_USE_HEAP */
    assert_int_equal(g32(zp, 0x228), X86_LINUX_CMDLINE);
    /* initrd at the top of RAM, page aligned */
    assert_int_equal(b.initrd_gpa, (256ull << 20) - (1u << 20));
    assert_int_equal(g32(zp, 0x218), b.initrd_gpa);
    assert_int_equal(g32(zp, 0x21C), 1u << 20);
    /* E820: 5 entries, the last one RAM from 1 MiB to the end */
    assert_int_equal(zp[0x1E8], 5);
    size_t last = 0x2D0 + 4 * 20;
    assert_int_equal(g64(zp, last), 0x100000);
    assert_int_equal(g64(zp, last + 8), (256ull << 20) - 0x100000);
    assert_int_equal(g32(zp, last + 16), 1);
    assert_int_equal(g32(zp, 0x2D0 + 20 + 16), 2); /* axvm's boot tables reserved */
    assert_int_equal(g64(zp, 0x2D0 + 20), 0x8000);
    /* bytes outside the header and the fields set stay zero */
    assert_int_equal(zp[0x100], 0);
}

static void rejects(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(prep(8ull << 20, NULL, 0, &why), AXVM_EINVAL); /* init_size at 16 MiB */
    assert_non_null(why);
    assert_int_equal(prep(256ull << 20, NULL, 300ull << 20, &why), AXVM_EINVAL); /* initrd too big */
    char longcl[3000];
    memset(longcl, 'a', sizeof longcl - 1);
    longcl[sizeof longcl - 1] = 0;
    assert_int_equal(prep(256ull << 20, longcl, 0, &why), AXVM_EINVAL);
    img[0x236] = 0; /* no 64-bit entry */
    assert_int_equal(prep(256ull << 20, NULL, 0, &why), AXVM_EINVAL);
    img[0x236] = 1;
    p16(0x206, 0x0208); /* protocol too old */
    assert_int_equal(prep(256ull << 20, NULL, 0, &why), AXVM_EINVAL);
    p16(0x206, 0x020F);
    img[0x203] = 'X'; /* magic */
    assert_int_equal(prep(256ull << 20, NULL, 0, &why), AXVM_EINVAL);
    img[0x203] = 'd';
    assert_int_equal(prep(256ull << 20, NULL, 0, &why), AXVM_OK);
    b.bzimage_len = 100; /* truncated */
    assert_int_equal(x86_linux_prepare(&b, &why), AXVM_EINVAL);
    img[0x1F1] = 60; /* setup larger than the file */
    assert_int_equal(prep(256ull << 20, NULL, 0, &why), AXVM_EINVAL);
}

static void setup_sects_zero_means_four(void **state)
{
    (void)state;
    img[0x1F1] = 0;
    assert_int_equal(prep(64ull << 20, NULL, 0, NULL), AXVM_OK);
    assert_ptr_equal(b.kernel, img + 5 * 512);
    assert_int_equal(b.cmdline_len, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(layout, setup),
        cmocka_unit_test_setup(rejects, setup),
        cmocka_unit_test_setup(setup_sects_zero_means_four, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
