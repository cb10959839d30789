/* The configuration blob loader (core/config_load.c) against a blob made by
 * tools/axvm-config (tests/tools/blob-2vm.toml) and against damaged copies of
 * it. Damage behind the checksum is made with the CRC recomputed, so that the
 * check under test is the one that answers.
 *
 * usage: test_config BLOB   (tests/suites/05-tools.sh builds BLOB) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/config.h"

/* Host fixture: the platform the blob was compiled for has 4 CPUs. */
unsigned hal_cpu_count(void);
unsigned hal_cpu_count(void)
{
    return 4;
}

static const char *blob_path;
static uint8_t *pristine;
static size_t pristine_len;
static struct axvm_platform_config out;
static char err[512];

#define VM_REC 192u
#define HDR 96u

static uint32_t r32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t r64(const uint8_t *p) { return r32(p) | (uint64_t)r32(p + 4) << 32; }
static void w32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void w64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static uint32_t crc32_calc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static void fix_crc(uint8_t *b)
{
    w32(b + 0x18, 0);
    w32(b + 0x18, crc32_calc(b, (size_t)r64(b + 0x10)));
}

static uint8_t *dup_blob(void)
{
    uint8_t *b = malloc(pristine_len);
    assert_non_null(b);
    memcpy(b, pristine, pristine_len);
    return b;
}

static uint8_t *vm_rec(uint8_t *b, unsigned i)
{
    return b + r64(b + 0x28) + (size_t)i * VM_REC;
}

static int load(const uint8_t *b, size_t len)
{
    memset(err, 0, sizeof(err));
    return axvm_config_load(b, len, &out, err, sizeof(err));
}

/* The answer must be `code`, the message must name `what`, and nothing may be
 * left behind for a careless caller to boot. */
static void expect_fail(int rc, int code, const char *what)
{
    if (rc != code || !strstr(err, what))
        fail_msg("got %d (%s) \"%s\", expected %d with \"%s\"", rc, axvm_strerror(rc), err, code, what);
    assert_int_equal(out.n_vms, 0);
}

static int setup(void **state)
{
    (void)state;
    FILE *f = fopen(blob_path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    pristine = malloc((size_t)n);
    if (!pristine || fread(pristine, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    pristine_len = (size_t)n;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(pristine);
    return 0;
}

static void loads_tool_blob(void **state)
{
    (void)state;
    int rc = load(pristine, pristine_len);
    if (rc)
        fail_msg("load failed: %d %s", rc, err);
    assert_int_equal(out.n_vms, 2);
    const struct axvm_vm_config *a = &out.vms[0], *b = &out.vms[1];
    assert_string_equal(a->name, "vm-a");
    assert_string_equal(b->name, "vm-b");
    assert_int_equal(a->id, 1);
    assert_int_equal(b->id, 2);
    assert_int_equal(a->vcpu_count, 2);
    assert_int_equal(a->phys_cpu[0], 0);
    assert_int_equal(a->phys_cpu[1], 1);
    assert_int_equal(b->vcpu_count, 1);
    assert_int_equal(b->phys_cpu[0], 2);
    assert_int_equal(a->n_mem, 2);
    assert_int_equal(a->mem[0].gpa, 0x40000000);
    assert_int_equal(a->mem[0].size, 0x400000);
    assert_int_equal(a->mem[0].flags, AXVM_MAP_RWX);
    assert_int_equal(a->mem[1].gpa, 0x60000000);
    assert_int_equal(a->mem[1].flags, AXVM_MAP_READ | AXVM_MAP_WRITE);
    assert_int_equal(a->n_devs, 4);
    assert_int_equal(a->devs[0].kind, AXVM_EMU_GIC_DIST);
    assert_int_equal(a->devs[0].base, 0x08000000);
    assert_int_equal(a->devs[0].size, 0x10000);
    assert_int_equal(a->devs[1].kind, AXVM_EMU_GIC_REDIST);
    assert_int_equal(a->devs[1].size, 2 * 0x20000);  /* per vCPU by default */
    assert_int_equal(a->devs[2].kind, AXVM_EMU_PL011);
    assert_int_equal(a->devs[2].irq, 33);
    assert_int_equal(a->devs[3].kind, AXVM_EMU_DEBUG_EXIT);
    assert_int_equal(a->devs[3].base, 0x0B000000);
    assert_int_equal(a->n_passthrough, 1);
    assert_int_equal(a->passthrough[0].gpa, 0x09010000);
    assert_int_equal(a->passthrough[0].hpa, 0x09010000);
    assert_int_equal(a->n_passthrough_irqs, 1);
    assert_int_equal(a->passthrough_irqs[0], 34);
    assert_int_equal(a->unhandled, AXVM_UNHANDLED_RAZ_WI);
    assert_int_equal(b->unhandled, AXVM_UNHANDLED_STOP_VM);
    assert_int_equal(a->irq_mode, AXVM_IRQ_EMULATED);
    /* Kernel + generated DTB for a, kernel for b. */
    assert_int_equal(a->n_images, 2);
    assert_int_equal(b->n_images, 1);
    assert_int_equal(a->entry, 0x40000000);
    assert_int_equal(a->entry_arg, 0x40100000);
    assert_int_equal(b->entry, 0x40000010);
    assert_int_equal(a->images[1].load_gpa, 0x40100000);
    const uint8_t *dtb = a->images[1].data;
    assert_memory_equal(dtb, "\xd0\x0d\xfe\xed", 4);
    /* Identical images are stored once and point into the blob itself. */
    assert_ptr_equal(a->images[0].data, b->images[0].data);
    assert_true((const uint8_t *)a->images[0].data > pristine);
    assert_true((const uint8_t *)a->images[0].data + a->images[0].size <= pristine + pristine_len);
    assert_int_equal(a->images[0].size, 256);
    assert_int_equal(out.n_ivc, 1);
    assert_int_equal(out.ivc[0].vm_a, 1);
    assert_int_equal(out.ivc[0].vm_b, 2);
    assert_int_equal(out.ivc[0].gpa_a, 0x70000000);
    assert_int_equal(out.ivc[0].gpa_b, 0x7F000000);
    assert_int_equal(out.ivc[0].irq_a, 40);
    assert_int_equal(out.ivc[0].irq_b, 41);
    assert_int_equal(out.ivc[0].size, 0x2000);
}

static void bigger_window_is_fine(void **state)
{
    (void)state;
    /* The hypervisor passes its whole 128 MiB window; only total_size counts. */
    uint8_t *b = calloc(1, pristine_len + 8192);
    assert_non_null(b);
    memcpy(b, pristine, pristine_len);
    assert_int_equal(load(b, pristine_len + 8192), AXVM_OK);
    free(b);
}

static void truncated(void **state)
{
    (void)state;
    expect_fail(load(pristine, pristine_len - 1), AXVM_ERANGE, "truncated");
    expect_fail(load(pristine, 95), AXVM_ERANGE, "truncated");
    expect_fail(load(pristine, 0), AXVM_ERANGE, "truncated");
    expect_fail(load(NULL, 100), AXVM_EINVAL, "no blob");
}

static void corrupted_checksum(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    b[pristine_len - 1] ^= 0x40;       /* last image byte */
    expect_fail(load(b, pristine_len), AXVM_EIO, "checksum");
    memcpy(b, pristine, pristine_len);
    b[0x18] ^= 1;                      /* the checksum itself */
    expect_fail(load(b, pristine_len), AXVM_EIO, "checksum");
    memcpy(b, pristine, pristine_len);
    b[HDR + 8] ^= 1;                   /* a VM name, checksum not fixed */
    expect_fail(load(b, pristine_len), AXVM_EIO, "checksum");
    free(b);
}

static void bad_magic_and_version(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    b[0] = 'X';
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "magic");
    memcpy(b, pristine, pristine_len);
    w32(b + 0x08, 2);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ENOTSUP, "version");
    memcpy(b, pristine, pristine_len);
    w32(b + 0x0C, 128);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ENOTSUP, "header_size");
    memcpy(b, pristine, pristine_len);
    w32(b + 0x24, 200);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ENOTSUP, "vm_record_size");
    memcpy(b, pristine, pristine_len);
    w32(b + 0x50, 1);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "reserved");
    free(b);
}

static void total_size_lies(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    w64(b + 0x10, (uint64_t)pristine_len + 4096);   /* claims more than is there */
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "truncated");
    w64(b + 0x10, 10);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "total_size");
    w64(b + 0x10, UINT64_MAX);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "truncated");
    free(b);
}

static void offsets_out_of_range(void **state)
{
    (void)state;
    static const struct { size_t off; uint64_t val; const char *what; } hdr_cases[] = {
        { 0x28, 0xFFFFFFFFFFFFFF00ull, "vm_table_offset" },   /* would wrap */
        { 0x28, 0, "vm_table_offset" },                       /* inside the header */
        { 0x38, 1ull << 40, "ivc_table_offset" },
        { 0x40, 1ull << 40, "data area" },
        { 0x48, UINT64_MAX, "data area" },                    /* offset + size wraps */
    };
    uint8_t *b = dup_blob();
    for (size_t i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
        memcpy(b, pristine, pristine_len);
        w64(b + hdr_cases[i].off, hdr_cases[i].val);
        fix_crc(b);
        expect_fail(load(b, pristine_len), AXVM_ERANGE, hdr_cases[i].what);
    }
    /* Per-VM tables: cpus, mem, devs, passthrough, irqs, images. */
    static const struct { size_t field; const char *what; } vm_cases[] = {
        { 0x58, "cpus" }, { 0x60, "mem" }, { 0x68, "devs" },
        { 0x70, "passthrough" }, { 0x78, "passthrough_irqs" }, { 0x80, "images" },
    };
    for (size_t i = 0; i < sizeof(vm_cases) / sizeof(vm_cases[0]); i++) {
        memcpy(b, pristine, pristine_len);
        w64(vm_rec(b, 0) + vm_cases[i].field, (uint64_t)pristine_len - 2);
        fix_crc(b);
        expect_fail(load(b, pristine_len), AXVM_ERANGE, vm_cases[i].what);
        memcpy(b, pristine, pristine_len);
        w64(vm_rec(b, 0) + vm_cases[i].field, UINT64_MAX - 3);
        fix_crc(b);
        expect_fail(load(b, pristine_len), AXVM_ERANGE, vm_cases[i].what);
    }
    /* An image whose bytes lie outside the data area (in the tables). */
    memcpy(b, pristine, pristine_len);
    uint8_t *img = b + r64(vm_rec(b, 0) + 0x80);
    w64(img, HDR);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "outside data area");
    /* ... or running past its end. */
    memcpy(b, pristine, pristine_len);
    img = b + r64(vm_rec(b, 0) + 0x80);
    w64(img + 8, UINT64_MAX - r64(img) + 2);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "outside data area");
    free(b);
}

static void counts_over_limits(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    w32(b + 0x20, AXVM_MAX_VMS + 1);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "n_vms");
    memcpy(b, pristine, pristine_len);
    w32(b + 0x20, 0);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "n_vms");
    memcpy(b, pristine, pristine_len);
    w32(b + 0x30, AXVM_MAX_IVC_CHANNELS + 1);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "n_ivc");
    static const struct { size_t field; uint32_t val; const char *what; } cases[] = {
        { 0x04, AXVM_MAX_VCPUS + 1, "vcpu_count" },
        { 0x04, 0, "vcpu_count" },
        { 0x40, AXVM_MAX_MEM_REGIONS + 1, "n_mem" },
        { 0x44, AXVM_MAX_MMIO_DEVS + 1, "n_devs" },
        { 0x48, AXVM_MAX_PASSTHROUGH + 1, "n_passthrough" },
        { 0x4C, AXVM_MAX_PASSTHROUGH + 1, "n_passthrough_irqs" },
        { 0x50, AXVM_MAX_IMAGES + 1, "n_images" },
        { 0x40, 0xFFFFFFFFu, "n_mem" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(b, pristine, pristine_len);
        w32(vm_rec(b, 1) + cases[i].field, cases[i].val);
        fix_crc(b);
        expect_fail(load(b, pristine_len), AXVM_ERANGE, cases[i].what);
    }
    free(b);
}

static void bad_fields(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    /* Name filling all 32 bytes: no NUL. */
    memset(vm_rec(b, 0) + 0x08, 'n', 32);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "NUL");
    memcpy(b, pristine, pristine_len);
    memset(vm_rec(b, 0) + 0x08, 0, 32);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "empty");
    memcpy(b, pristine, pristine_len);
    vm_rec(b, 0)[0x08 + 1] = '\n';
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "printable");
    memcpy(b, pristine, pristine_len);
    vm_rec(b, 0)[0x08 + 30] = 'x';                   /* garbage after the NUL */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "after the NUL");
    memcpy(b, pristine, pristine_len);
    w32(vm_rec(b, 0) + 0x38, 7);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "irq_mode");
    memcpy(b, pristine, pristine_len);
    w32(vm_rec(b, 0) + 0x3C, 3);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "unhandled");
    memcpy(b, pristine, pristine_len);
    vm_rec(b, 1)[0xB0] = 1;                          /* reserved tail of the record */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "reserved");
    memcpy(b, pristine, pristine_len);
    w32(b + r64(vm_rec(b, 0) + 0x60) + 16, 0x10);   /* mem flags: unknown bit */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "flags");
    memcpy(b, pristine, pristine_len);
    w32(b + r64(vm_rec(b, 0) + 0x68), 99);           /* device kind */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "kind");
    memcpy(b, pristine, pristine_len);
    w32(b + r64(vm_rec(b, 0) + 0x80) + 24, 9);       /* image kind */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "kind");
    memcpy(b, pristine, pristine_len);
    w32(b + r64(vm_rec(b, 0) + 0x80) + 28, 1);       /* image reserved field */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "reserved");
    memcpy(b, pristine, pristine_len);
    w32(b + r64(vm_rec(b, 0) + 0x60) + 20, 1);       /* mem reserved field */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "reserved");
    memcpy(b, pristine, pristine_len);
    w32(b + 0x1C, 1);                                /* header reserved next to the CRC */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "reserved");
    memcpy(b, pristine, pristine_len);
    w32(b + r64(vm_rec(b, 0) + 0x58), AXVM_MAX_PCPUS);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "physical CPU");
    free(b);
}

static void cross_vm_rules(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    w32(b + r64(vm_rec(b, 1) + 0x58), 1);            /* vm-b's vCPU 0 on vm-a's pCPU 1 */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EBUSY, "physical CPU 1");
    memcpy(b, pristine, pristine_len);
    w32(vm_rec(b, 1), 1);                            /* duplicate id */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "id 1");
    memcpy(b, pristine, pristine_len);
    memcpy(vm_rec(b, 1) + 0x08, "vm-a", 4);          /* duplicate name */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "name 'vm-a'");
    free(b);
}

static void image_outside_ram(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    uint8_t *img = b + r64(vm_rec(b, 1) + 0x80);
    w64(img + 16, 0x40200000 - 0x80);                /* straddles the end of vm-b's RAM */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EFAULT, "RAM region");
    memcpy(b, pristine, pristine_len);
    img = b + r64(vm_rec(b, 1) + 0x80);
    w64(img + 16, UINT64_MAX - 0x10);                /* wraps */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EFAULT, "RAM region");
    memcpy(b, pristine, pristine_len);
    img = b + r64(vm_rec(b, 1) + 0x80);
    w64(img + 8, 0);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "size 0");
    free(b);
}

static void vm_validate_is_applied(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    /* A memory region at an unaligned address: only axvm_vm_config_validate
     * looks at alignment, so its answer must come through. */
    uint8_t *mem = b + r64(vm_rec(b, 0) + 0x60) + 24;   /* second region */
    w64(mem, 0x60000800);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EALIGN, "vm[0] 'vm-a': mem");
    /* A device over RAM. */
    memcpy(b, pristine, pristine_len);
    w64(b + r64(vm_rec(b, 1) + 0x68) + 8, 0x40000000);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EOVERLAP, "vm[1] 'vm-b': devs");
    /* Entry point outside RAM. */
    memcpy(b, pristine, pristine_len);
    w64(vm_rec(b, 1) + 0x28, 0x10000000);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EFAULT, "entry");
    /* A vCPU on a physical CPU the host lacks (hal_cpu_count() is 4). */
    memcpy(b, pristine, pristine_len);
    w32(b + r64(vm_rec(b, 1) + 0x58), 5);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "phys_cpu");
    free(b);
}

static void ivc_rules(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    uint64_t t = r64(b + 0x38);
    w32(b + t + 4, 77);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ENOENT, "vm_b");
    memcpy(b, pristine, pristine_len);
    w32(b + t + 4, 1);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EINVAL, "both ends");
    memcpy(b, pristine, pristine_len);
    w64(b + t + 32, 0x1800);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EALIGN, "size");
    memcpy(b, pristine, pristine_len);
    w64(b + t + 8, 0x70000010);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EALIGN, "gpa_a");
    memcpy(b, pristine, pristine_len);
    w64(b + t + 16, 0x40100000);                     /* inside vm-b's RAM */
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_EOVERLAP, "gpa_b");
    memcpy(b, pristine, pristine_len);
    w64(b + t + 8, UINT64_MAX & ~0xFFFull);
    fix_crc(b);
    expect_fail(load(b, pristine_len), AXVM_ERANGE, "wraps");
    free(b);
}

/* Random damage to the metadata, checksum fixed so that the parser sees it:
 * never a crash (this binary runs under ASan/UBSan), and either a clean
 * success or an error with a message. */
static void random_damage_never_crashes(void **state)
{
    (void)state;
    uint8_t *b = dup_blob();
    uint64_t meta_end = r64(b + 0x40);               /* start of the image data */
    uint32_t seed = 12345;
    unsigned ok = 0, bad = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(b, pristine, pristine_len);
        int flips = 1 + iter % 4;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = 0x20 + (seed >> 8) % (size_t)(meta_end - 0x20);
            seed = seed * 1103515245u + 12345u;
            b[pos] = (iter & 1) ? (uint8_t)(seed >> 16) : (uint8_t)(b[pos] ^ (1u << ((seed >> 16) & 7)));
        }
        fix_crc(b);
        int rc = load(b, pristine_len);
        if (rc == AXVM_OK) {
            ok++;
            assert_true(out.n_vms >= 1 && out.n_vms <= AXVM_MAX_VMS);
            for (unsigned v = 0; v < out.n_vms; v++)
                for (unsigned i = 0; i < out.vms[v].n_images; i++) {
                    const uint8_t *d = out.vms[v].images[i].data;
                    assert_true(d >= b && d + out.vms[v].images[i].size <= b + pristine_len);
                }
        } else {
            bad++;
            assert_true(rc < 0);
            assert_true(err[0] != 0);
            assert_int_equal(out.n_vms, 0);
        }
    }
    assert_true(bad > 0);
    free(b);
}

/* VM 0 of the tool's blob turned into an x86_64 VM: the x86 v1 extension
 * (docs/CONFIG-BLOB.md) appended after the blob, total_size grown to cover
 * it. *len gets the new length; the caller damages fields, then fix_crc. */
#define X86_EXT 0x90u
static uint8_t *x86_blob(size_t *len, uint64_t *ext_off)
{
    uint64_t tot = r64(pristine + 0x10);
    uint8_t *b = calloc(1, (size_t)tot + X86_EXT);
    assert_non_null(b);
    memcpy(b, pristine, (size_t)tot);
    uint8_t *e = b + tot;
    w32(e, 1);                  /* version */
    w32(e + 4, X86_EXT);        /* size */
    w32(e + 8, 1);              /* long mode */
    w32(e + 12, 0x500);         /* debug port */
    w32(e + 16, 2);             /* two MSR traps */
    w32(e + 20, 1);             /* one CPUID hide */
    w32(e + 0x18, 0xC0000103u);
    w32(e + 0x1C, 0x10);
    w32(e + 0x50, 7);           /* leaf 7, ebx, bit 0 */
    e[0x54] = 1;
    e[0x55] = 0;
    uint8_t *r = vm_rec(b, 0);
    w32(r + 0x88, 1);           /* arch x86_64 */
    w32(r + 0x8C, X86_EXT);
    w64(r + 0x90, tot);
    w64(b + 0x10, tot + X86_EXT);
    fix_crc(b);
    *len = (size_t)tot + X86_EXT;
    *ext_off = tot;
    return b;
}

static void x86_extension_loads(void **state)
{
    (void)state;
    size_t len;
    uint64_t eo;
    uint8_t *b = x86_blob(&len, &eo);
    int rc = load(b, len);
    if (rc != AXVM_OK)
        fail_msg("x86 blob: %d %s", rc, err);
    assert_int_equal(out.arch[0], AXVM_CONFIG_ARCH_X86_64);
    assert_int_equal(out.arch[1], AXVM_CONFIG_ARCH_AARCH64);
    assert_int_equal(out.x86[0].cpu_mode, 1);
    assert_int_equal(out.x86[0].debug_port, 0x500);
    assert_int_equal(out.x86[0].n_msr_traps, 2);
    assert_int_equal(out.x86[0].msr_traps[0], 0xC0000103u);
    assert_int_equal(out.x86[0].msr_traps[1], 0x10);
    assert_int_equal(out.x86[0].n_cpuid_hides, 1);
    assert_int_equal(out.x86[0].cpuid_hides[0].leaf, 7);
    assert_int_equal(out.x86[0].cpuid_hides[0].reg, 1);
    assert_int_equal(out.x86[0].cpuid_hides[0].bit, 0);
    /* the aarch64 VM's record is untouched: no extension, zero x86 settings */
    assert_int_equal(out.x86[1].n_msr_traps, 0);
    free(b);
}

/* One damaged field of the x86 extension or of the arch fields. */
struct x86_damage {
    unsigned where;             /* 0: extension offset, 1: VM record offset */
    unsigned off, width;
    uint64_t value;
    int code;
    const char *what;
};

static void x86_extension_checked(void **state)
{
    (void)state;
    static const struct x86_damage cases[] = {
        {0, 0x00, 4, 2, AXVM_ENOTSUP, "x86 extension version"},
        {0, 0x04, 4, 0x80, AXVM_ENOTSUP, "x86 extension size"},
        {0, 0x08, 4, 2, AXVM_EINVAL, "cpu_mode"},
        {0, 0x0C, 4, 0x10000, AXVM_ERANGE, "debug_port"},
        {0, 0x10, 4, 15, AXVM_ERANGE, "n_msr_traps"},
        {0, 0x14, 4, 9, AXVM_ERANGE, "n_cpuid_hides"},
        {0, 0x20, 4, 0x123, AXVM_EINVAL, "msr_traps[2]: unused slot"},
        {0, 0x1C, 4, 0x830, AXVM_EINVAL, "x2APIC"},
        {0, 0x1C, 4, 0xC0000103u, AXVM_EINVAL, "listed twice"},
        {0, 0x54, 1, 4, AXVM_EINVAL, "cpuid_hides[0]: register 4"},
        {0, 0x55, 1, 32, AXVM_EINVAL, "cpuid_hides[0]: register 1 bit 32"},
        {0, 0x56, 1, 1, AXVM_EINVAL, "cpuid_hides[0]: reserved"},
        {0, 0x58, 4, 7, AXVM_EINVAL, "cpuid_hides[1]: unused slot"},
        {1, 0x88, 4, 2, AXVM_EINVAL, "arch: unknown value 2"},
        {1, 0x8C, 4, 0x80, AXVM_ENOTSUP, "ext_size"},
        {1, 0x90, 8, 0x10, AXVM_ERANGE, "ext_offset"},
        {1, 0x90, 8, ~0ull - 8, AXVM_ERANGE, "ext_offset"},
        {1, 0x98, 1, 1, AXVM_EINVAL, "reserved"},
    };
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const struct x86_damage *c = &cases[k];
        size_t len;
        uint64_t eo;
        uint8_t *b = x86_blob(&len, &eo);
        uint8_t *p = (c->where ? vm_rec(b, 0) : b + eo) + c->off;
        if (c->width == 1)
            p[0] = (uint8_t)c->value;
        else if (c->width == 4)
            w32(p, (uint32_t)c->value);
        else
            w64(p, c->value);
        fix_crc(b);
        expect_fail(load(b, len), c->code, c->what);
        free(b);
    }
    /* past the end of the blob by one byte */
    size_t len;
    uint64_t eo;
    uint8_t *b = x86_blob(&len, &eo);
    w64(vm_rec(b, 0) + 0x90, eo + 1);
    fix_crc(b);
    expect_fail(load(b, len), AXVM_ERANGE, "ext_offset");
    /* an aarch64 VM carrying an extension */
    memcpy(b, pristine, (size_t)eo);
    w32(vm_rec(b, 1) + 0x8C, X86_EXT);
    fix_crc(b);
    expect_fail(load(b, (size_t)eo), AXVM_EINVAL, "no extension");
    free(b);
}

int main(int argc, char **argv)
{
    blob_path = argc > 1 ? argv[1] : getenv("AXVM_TEST_BLOB");
    if (!blob_path) {
        fprintf(stderr, "usage: %s BLOB (made from tests/tools/blob-2vm.toml)\n", argv[0]);
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_tool_blob),
        cmocka_unit_test(bigger_window_is_fine),
        cmocka_unit_test(truncated),
        cmocka_unit_test(corrupted_checksum),
        cmocka_unit_test(bad_magic_and_version),
        cmocka_unit_test(total_size_lies),
        cmocka_unit_test(offsets_out_of_range),
        cmocka_unit_test(counts_over_limits),
        cmocka_unit_test(bad_fields),
        cmocka_unit_test(cross_vm_rules),
        cmocka_unit_test(image_outside_ram),
        cmocka_unit_test(vm_validate_is_applied),
        cmocka_unit_test(ivc_rules),
        cmocka_unit_test(random_damage_never_crashes),
        cmocka_unit_test(x86_extension_loads),
        cmocka_unit_test(x86_extension_checked),
    };
    return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
