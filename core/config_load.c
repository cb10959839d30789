/* Loader of the compiled configuration blob (docs/CONFIG-BLOB.md).
 *
 * The blob comes from outside the hypervisor's trust boundary (a file loaded
 * beside the image), so every field is checked before use: lengths against
 * the blob, offsets without overflow, counts against the static limits,
 * reserved bytes zero. Fields are read byte by byte: the blob needs no
 * alignment and the host's endianness does not matter. */
#include <stdarg.h>

#include "axvm/config.h"
#include "axvm/lib.h"
#include "axvm/log.h"
#include "axvm/pagetable.h"

#define BLOB_MAGIC "AXVMCFG"            /* 8 bytes with its NUL */
#define BLOB_VERSION 1u
#define HDR_SIZE 96u
#define VM_REC_SIZE 192u
#define IVC_REC_SIZE 40u
#define MEM_REC_SIZE 24u
#define DEV_REC_SIZE 32u
#define PT_REC_SIZE 24u
#define IMG_REC_SIZE 32u
#define CKSUM_OFF 0x18u
#define X86_EXT_VERSION 1u
#define X86_EXT_SIZE 0x90u
#define X86_MSR_FIRST_OWN 0x800u     /* x2APIC MSRs are the host's own model */
#define X86_MSR_LAST_OWN 0x8FFu

#define IMG_KIND_MAX 4u
#define MAP_FLAGS_KNOWN (AXVM_MAP_READ | AXVM_MAP_WRITE | AXVM_MAP_EXEC | AXVM_MAP_DEVICE)

struct blob {
    const uint8_t *p;
    uint64_t total;
    uint64_t data_lo, data_hi;  /* image data area */
    char *err;
    size_t errlen;
};

static int fail(struct blob *b, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct blob *b, int code, const char *fmt, ...)
{
    if (b->err && b->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        axvm_vsnprintf(b->err, b->errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* CRC-32 as zlib computes it (reflected, polynomial 0xEDB88320), eight
 * bytes per step ("slicing by 8"): the blob holds the guest images, tens of
 * MiB, and byte-at-a-time took seconds of the hypervisor's boot under QEMU. */
static uint32_t crc32_update(uint32_t crc, const uint32_t table[8][256], const uint8_t *p, uint64_t n)
{
    static const uint16_t one = 1;
    bool le = *(const uint8_t *)&one == 1;
    crc = ~crc;
    uint64_t i = 0;
    for (; le && n - i >= 8; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p + i, 8); /* one unaligned load; little-endian only */
        uint32_t lo = crc ^ (uint32_t)w, hi = (uint32_t)(w >> 32);
        crc = table[7][lo & 0xffu] ^ table[6][(lo >> 8) & 0xffu] ^ table[5][(lo >> 16) & 0xffu] ^
              table[4][lo >> 24] ^ table[3][hi & 0xffu] ^ table[2][(hi >> 8) & 0xffu] ^
              table[1][(hi >> 16) & 0xffu] ^ table[0][hi >> 24];
    }
    for (; i < n; i++)
        crc = table[0][(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

static void crc32_table(uint32_t table[8][256])
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[0][i] = c;
    }
    for (unsigned k = 1; k < 8; k++)
        for (uint32_t i = 0; i < 256; i++)
            table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xffu];
}

/* Is [off, off + n*size) inside [lo, hi)? Without overflow. */
static bool range_ok(uint64_t off, uint64_t n, uint64_t size, uint64_t lo, uint64_t hi)
{
    if (size != 0 && n > UINT64_MAX / size)
        return false;
    uint64_t len = n * size;
    if (off < lo || off > hi)
        return false;
    return len <= hi - off;
}

/* Is [a, a+alen) overlapping [b, b+blen)? Ranges already known not to wrap,
 * but one may end exactly at 2^64: compare last bytes, not ends. */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    if (alen == 0 || blen == 0)
        return false;
    return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* Table of n records of `size` bytes at `off`; NULL (and an error) if out of
 * the blob. n == 0 never touches the offset. */
static int table(struct blob *b, const char *what, unsigned vmi, uint64_t off,
                 uint64_t n, uint64_t size, const uint8_t **out)
{
    *out = NULL;
    if (n == 0)
        return AXVM_OK;
    if (!range_ok(off, n, size, HDR_SIZE, b->total)) {
        fail(b, AXVM_ERANGE, "vm[%u] %s table: offset 0x%llx, %llu records of %llu bytes, outside the blob (%llu bytes)",
             vmi, what, (unsigned long long)off, (unsigned long long)n,
             (unsigned long long)size, (unsigned long long)b->total);
        return AXVM_ERANGE;
    }
    *out = b->p + off;
    return AXVM_OK;
}

static int check_count(struct blob *b, unsigned vmi, const char *what, uint32_t n, unsigned max)
{
    if (n > max)
        return fail(b, AXVM_ERANGE, "vm[%u] %s: %u exceeds the limit %u", vmi, what, n, max);
    return AXVM_OK;
}

static int load_name(struct blob *b, unsigned vmi, const uint8_t *src, char *dst)
{
    size_t len = 0;
    while (len < AXVM_NAME_LEN && src[len] != 0)
        len++;
    if (len == AXVM_NAME_LEN)
        return fail(b, AXVM_EINVAL, "vm[%u] name: not NUL-terminated within %u bytes", vmi, (unsigned)AXVM_NAME_LEN);
    if (len == 0)
        return fail(b, AXVM_EINVAL, "vm[%u] name: empty", vmi);
    for (size_t i = 0; i < len; i++)
        if (src[i] < 0x20 || src[i] > 0x7e)
            return fail(b, AXVM_EINVAL, "vm[%u] name: byte %u is not printable ASCII", vmi, (unsigned)i);
    if (!all_zero(src + len, AXVM_NAME_LEN - len))
        return fail(b, AXVM_EINVAL, "vm[%u] name: bytes after the NUL are not zero", vmi);
    memcpy(dst, src, len + 1);
    return AXVM_OK;
}

static int load_images(struct blob *b, unsigned vmi, const uint8_t *t, struct axvm_vm_config *c)
{
    for (unsigned i = 0; i < c->n_images; i++) {
        const uint8_t *r = t + (size_t)i * IMG_REC_SIZE;
        uint64_t data = rd64(r), size = rd64(r + 8), gpa = rd64(r + 16);
        uint32_t kind = rd32(r + 24);
        if (kind == 0 || kind > IMG_KIND_MAX)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' image[%u]: unknown kind %u", vmi, c->name, i, kind);
        if (rd32(r + 28) != 0)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' image[%u]: reserved field not zero", vmi, c->name, i);
        if (size == 0)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' image[%u]: size 0", vmi, c->name, i);
        if (!range_ok(data, 1, size, b->data_lo, b->data_hi))
            return fail(b, AXVM_ERANGE, "vm[%u] '%s' image[%u]: data range 0x%llx+0x%llx outside data area",
                        vmi, c->name, i, (unsigned long long)data, (unsigned long long)size);
        bool inside = false;
        for (unsigned m = 0; m < c->n_mem && !inside; m++) {
            const struct axvm_mem_config *mr = &c->mem[m];
            if (mr->flags & AXVM_MAP_DEVICE)
                continue;
            inside = gpa >= mr->gpa && gpa - mr->gpa <= mr->size && size <= mr->size - (gpa - mr->gpa);
        }
        if (!inside)
            return fail(b, AXVM_EFAULT, "vm[%u] '%s' image[%u]: load range 0x%llx+0x%llx not inside one RAM region",
                        vmi, c->name, i, (unsigned long long)gpa, (unsigned long long)size);
        c->images[i].data = b->p + data;
        c->images[i].size = size;
        c->images[i].load_gpa = gpa;
    }
    return AXVM_OK;
}

/* The x86 v1 extension (docs/CONFIG-BLOB.md): its own version and size, so a
 * later layout is refused rather than misread. */
static int load_x86_ext(struct blob *b, unsigned vmi, const char *name, const uint8_t *e,
                        struct axvm_x86_vm_config *x)
{
    if (rd32(e) != X86_EXT_VERSION)
        return fail(b, AXVM_ENOTSUP, "vm[%u] '%s' x86 extension version: %u, expected %u",
                    vmi, name, rd32(e), X86_EXT_VERSION);
    if (rd32(e + 4) != X86_EXT_SIZE)
        return fail(b, AXVM_ENOTSUP, "vm[%u] '%s' x86 extension size field: %u, expected %u",
                    vmi, name, rd32(e + 4), X86_EXT_SIZE);
    uint32_t mode = rd32(e + 8), port = rd32(e + 12), n_msr = rd32(e + 16), n_hide = rd32(e + 20);
    if (mode > 1)
        return fail(b, AXVM_EINVAL, "vm[%u] '%s' x86 cpu_mode: unknown value %u", vmi, name, mode);
    if (port > 0xFFFFu)
        return fail(b, AXVM_ERANGE, "vm[%u] '%s' x86 debug_port: 0x%x is not a port", vmi, name, port);
    if (n_msr > AXVM_X86_CFG_MAX_MSR_TRAPS)
        return fail(b, AXVM_ERANGE, "vm[%u] '%s' x86 n_msr_traps: %u exceeds the limit %u",
                    vmi, name, n_msr, (unsigned)AXVM_X86_CFG_MAX_MSR_TRAPS);
    if (n_hide > AXVM_X86_CFG_MAX_CPUID_HIDES)
        return fail(b, AXVM_ERANGE, "vm[%u] '%s' x86 n_cpuid_hides: %u exceeds the limit %u",
                    vmi, name, n_hide, (unsigned)AXVM_X86_CFG_MAX_CPUID_HIDES);
    x->cpu_mode = mode;
    x->debug_port = (uint16_t)port;
    x->n_msr_traps = n_msr;
    x->n_cpuid_hides = n_hide;
    for (unsigned i = 0; i < AXVM_X86_CFG_MAX_MSR_TRAPS; i++) {
        uint32_t msr = rd32(e + 0x18 + 4 * i);
        if (i >= n_msr) {
            if (msr != 0)
                return fail(b, AXVM_EINVAL, "vm[%u] '%s' x86 msr_traps[%u]: unused slot not zero", vmi, name, i);
            continue;
        }
        if (msr >= X86_MSR_FIRST_OWN && msr <= X86_MSR_LAST_OWN)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' x86 msr_traps[%u]: 0x%x is in the x2APIC range",
                        vmi, name, i, msr);
        for (unsigned j = 0; j < i; j++)
            if (x->msr_traps[j] == msr)
                return fail(b, AXVM_EINVAL, "vm[%u] '%s' x86 msr_traps[%u]: 0x%x listed twice", vmi, name, i, msr);
        x->msr_traps[i] = msr;
    }
    for (unsigned i = 0; i < AXVM_X86_CFG_MAX_CPUID_HIDES; i++) {
        const uint8_t *h = e + 0x50 + 8 * i;
        if (i >= n_hide) {
            if (!all_zero(h, 8))
                return fail(b, AXVM_EINVAL, "vm[%u] '%s' x86 cpuid_hides[%u]: unused slot not zero", vmi, name, i);
            continue;
        }
        if (h[6] != 0 || h[7] != 0)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' x86 cpuid_hides[%u]: reserved bytes not zero", vmi, name, i);
        if (h[4] > 3 || h[5] > 31)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' x86 cpuid_hides[%u]: register %u bit %u (registers 0-3, bits 0-31)",
                        vmi, name, i, h[4], h[5]);
        x->cpuid_hides[i].leaf = rd32(h);
        x->cpuid_hides[i].reg = h[4];
        x->cpuid_hides[i].bit = h[5];
    }
    return AXVM_OK;
}

/* Architecture and extension fields at 0x88 of the VM record. */
static int load_vm_arch(struct blob *b, unsigned vmi, const char *name, const uint8_t *r,
                        enum axvm_config_arch *arch, struct axvm_x86_vm_config *x)
{
    uint32_t a = rd32(r + 0x88), ext_size = rd32(r + 0x8C);
    uint64_t ext_off = rd64(r + 0x90);
    if (a == AXVM_CONFIG_ARCH_AARCH64) {
        *arch = AXVM_CONFIG_ARCH_AARCH64;
        if (ext_size != 0 || ext_off != 0)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s': an aarch64 VM has no extension", vmi, name);
        return AXVM_OK;
    }
    if (a != AXVM_CONFIG_ARCH_X86_64)
        return fail(b, AXVM_EINVAL, "vm[%u] '%s' arch: unknown value %u", vmi, name, a);
    *arch = AXVM_CONFIG_ARCH_X86_64;
    if (ext_size != X86_EXT_SIZE)
        return fail(b, AXVM_ENOTSUP, "vm[%u] '%s' ext_size: %u, the x86 extension is %u bytes",
                    vmi, name, ext_size, X86_EXT_SIZE);
    if (!range_ok(ext_off, 1, ext_size, HDR_SIZE, b->total))
        return fail(b, AXVM_ERANGE, "vm[%u] '%s' ext_offset 0x%llx: %u bytes outside the blob (%llu bytes)",
                    vmi, name, (unsigned long long)ext_off, ext_size, (unsigned long long)b->total);
    return load_x86_ext(b, vmi, name, b->p + ext_off, x);
}

static int load_vm(struct blob *b, unsigned vmi, const uint8_t *r, struct axvm_vm_config *c,
                   enum axvm_config_arch *arch, struct axvm_x86_vm_config *x)
{
    int rc;
    c->id = rd32(r);
    uint32_t ncpu = rd32(r + 0x04);
    if (ncpu == 0 || ncpu > AXVM_MAX_VCPUS)
        return fail(b, AXVM_ERANGE, "vm[%u] vcpu_count: %u not in 1..%u", vmi, ncpu, (unsigned)AXVM_MAX_VCPUS);
    c->vcpu_count = ncpu;
    if ((rc = load_name(b, vmi, r + 0x08, c->name)) < 0)
        return rc;
    c->entry = rd64(r + 0x28);
    c->entry_arg = rd64(r + 0x30);
    uint32_t irq_mode = rd32(r + 0x38), unhandled = rd32(r + 0x3C);
    if (irq_mode > AXVM_IRQ_PASSTHROUGH)
        return fail(b, AXVM_EINVAL, "vm[%u] '%s' irq_mode: unknown value %u", vmi, c->name, irq_mode);
    if (unhandled > AXVM_UNHANDLED_STOP_VM)
        return fail(b, AXVM_EINVAL, "vm[%u] '%s' unhandled: unknown policy %u", vmi, c->name, unhandled);
    c->irq_mode = irq_mode == 0 ? AXVM_IRQ_EMULATED : AXVM_IRQ_PASSTHROUGH;
    c->unhandled = unhandled == 0 ? AXVM_UNHANDLED_FAULT
                 : unhandled == 1 ? AXVM_UNHANDLED_RAZ_WI : AXVM_UNHANDLED_STOP_VM;

    uint32_t n_mem = rd32(r + 0x40), n_devs = rd32(r + 0x44), n_pt = rd32(r + 0x48);
    uint32_t n_irqs = rd32(r + 0x4C), n_img = rd32(r + 0x50);
    if ((rc = check_count(b, vmi, "n_mem", n_mem, AXVM_MAX_MEM_REGIONS)) < 0 ||
        (rc = check_count(b, vmi, "n_devs", n_devs, AXVM_MAX_MMIO_DEVS)) < 0 ||
        (rc = check_count(b, vmi, "n_passthrough", n_pt, AXVM_MAX_PASSTHROUGH)) < 0 ||
        (rc = check_count(b, vmi, "n_passthrough_irqs", n_irqs, AXVM_MAX_PASSTHROUGH)) < 0 ||
        (rc = check_count(b, vmi, "n_images", n_img, AXVM_MAX_IMAGES)) < 0)
        return rc;
    if (rd32(r + 0x54) != 0 || !all_zero(r + 0x98, VM_REC_SIZE - 0x98))
        return fail(b, AXVM_EINVAL, "vm[%u] '%s': reserved fields not zero", vmi, c->name);
    if ((rc = load_vm_arch(b, vmi, c->name, r, arch, x)) < 0)
        return rc;

    const uint8_t *cpus, *mem, *devs, *pt, *irqs, *imgs;
    if ((rc = table(b, "cpus", vmi, rd64(r + 0x58), ncpu, 4, &cpus)) < 0 ||
        (rc = table(b, "mem", vmi, rd64(r + 0x60), n_mem, MEM_REC_SIZE, &mem)) < 0 ||
        (rc = table(b, "devs", vmi, rd64(r + 0x68), n_devs, DEV_REC_SIZE, &devs)) < 0 ||
        (rc = table(b, "passthrough", vmi, rd64(r + 0x70), n_pt, PT_REC_SIZE, &pt)) < 0 ||
        (rc = table(b, "passthrough_irqs", vmi, rd64(r + 0x78), n_irqs, 4, &irqs)) < 0 ||
        (rc = table(b, "images", vmi, rd64(r + 0x80), n_img, IMG_REC_SIZE, &imgs)) < 0)
        return rc;

    for (unsigned i = 0; i < ncpu; i++) {
        uint32_t p = rd32(cpus + 4 * i);
        if (p >= AXVM_MAX_PCPUS)
            return fail(b, AXVM_ERANGE, "vm[%u] '%s' vcpu %u: physical CPU %u not below %u",
                        vmi, c->name, i, p, (unsigned)AXVM_MAX_PCPUS);
        c->phys_cpu[i] = p;
    }
    c->n_mem = n_mem;
    for (unsigned i = 0; i < n_mem; i++) {
        const uint8_t *m = mem + (size_t)i * MEM_REC_SIZE;
        uint32_t flags = rd32(m + 16);
        if (flags & ~(uint32_t)MAP_FLAGS_KNOWN)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' mem[%u] flags: unknown bits 0x%x",
                        vmi, c->name, i, flags & ~(uint32_t)MAP_FLAGS_KNOWN);
        if (rd32(m + 20) != 0)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' mem[%u]: reserved field not zero", vmi, c->name, i);
        c->mem[i].gpa = rd64(m);
        c->mem[i].size = rd64(m + 8);
        c->mem[i].flags = flags;
    }
    c->n_devs = n_devs;
    for (unsigned i = 0; i < n_devs; i++) {
        const uint8_t *d = devs + (size_t)i * DEV_REC_SIZE;
        uint32_t kind = rd32(d);
        if (kind < AXVM_EMU_GIC_DIST || kind > AXVM_EMU_RTC)
            return fail(b, AXVM_EINVAL, "vm[%u] '%s' dev[%u] kind: unknown %u", vmi, c->name, i, kind);
        c->devs[i].kind = kind;
        c->devs[i].irq = rd32(d + 4);
        c->devs[i].base = rd64(d + 8);
        c->devs[i].size = rd64(d + 16);
        c->devs[i].arg = rd64(d + 24);
    }
    c->n_passthrough = n_pt;
    for (unsigned i = 0; i < n_pt; i++) {
        const uint8_t *p = pt + (size_t)i * PT_REC_SIZE;
        c->passthrough[i].gpa = rd64(p);
        c->passthrough[i].hpa = rd64(p + 8);
        c->passthrough[i].size = rd64(p + 16);
    }
    c->n_passthrough_irqs = n_irqs;
    for (unsigned i = 0; i < n_irqs; i++)
        c->passthrough_irqs[i] = rd32(irqs + 4 * i);
    c->n_images = n_img;
    return load_images(b, vmi, imgs, c);
}

/* Does [gpa, gpa+size) collide with anything of the VM? */
static bool vm_range_taken(const struct axvm_vm_config *c, uint64_t gpa, uint64_t size)
{
    for (unsigned i = 0; i < c->n_mem; i++)
        if (overlaps(gpa, size, c->mem[i].gpa, c->mem[i].size))
            return true;
    for (unsigned i = 0; i < c->n_devs; i++)
        if (overlaps(gpa, size, c->devs[i].base, c->devs[i].size))
            return true;
    for (unsigned i = 0; i < c->n_passthrough; i++)
        if (overlaps(gpa, size, c->passthrough[i].gpa, c->passthrough[i].size))
            return true;
    return false;
}

static const struct axvm_vm_config *vm_by_id(const struct axvm_platform_config *pc, uint32_t id)
{
    for (unsigned i = 0; i < pc->n_vms; i++)
        if (pc->vms[i].id == id)
            return &pc->vms[i];
    return NULL;
}

static int check_ivc_end(struct blob *b, unsigned k, char side, const struct axvm_vm_config *c,
                         uint64_t gpa, uint64_t size)
{
    if (!AXVM_IS_ALIGNED(gpa, AXVM_PAGE_SIZE))
        return fail(b, AXVM_EALIGN, "ivc[%u] gpa_%c 0x%llx: not page-aligned", k, side, (unsigned long long)gpa);
    if (gpa > UINT64_MAX - size)
        return fail(b, AXVM_ERANGE, "ivc[%u] gpa_%c 0x%llx + size wraps", k, side, (unsigned long long)gpa);
    /* Devices and regions were validated not to wrap, so overlaps() is exact. */
    if (vm_range_taken(c, gpa, size))
        return fail(b, AXVM_EOVERLAP, "ivc[%u] gpa_%c 0x%llx+0x%llx overlaps memory or a device of vm '%s'",
                    k, side, (unsigned long long)gpa, (unsigned long long)size, c->name);
    return AXVM_OK;
}

static int load_ivc(struct blob *b, const uint8_t *t, struct axvm_platform_config *out)
{
    for (unsigned k = 0; k < out->n_ivc; k++) {
        const uint8_t *r = t + (size_t)k * IVC_REC_SIZE;
        struct axvm_ivc_config *ic = &out->ivc[k];
        ic->vm_a = rd32(r);
        ic->vm_b = rd32(r + 4);
        ic->gpa_a = rd64(r + 8);
        ic->gpa_b = rd64(r + 16);
        ic->irq_a = rd32(r + 24);
        ic->irq_b = rd32(r + 28);
        ic->size = rd64(r + 32);
        const struct axvm_vm_config *a = vm_by_id(out, ic->vm_a), *bb = vm_by_id(out, ic->vm_b);
        if (!a)
            return fail(b, AXVM_ENOENT, "ivc[%u] vm_a: no VM with id %u", k, ic->vm_a);
        if (!bb)
            return fail(b, AXVM_ENOENT, "ivc[%u] vm_b: no VM with id %u", k, ic->vm_b);
        if (a == bb)
            return fail(b, AXVM_EINVAL, "ivc[%u]: both ends are vm %u", k, ic->vm_a);
        if (ic->size == 0 || !AXVM_IS_ALIGNED(ic->size, AXVM_PAGE_SIZE))
            return fail(b, AXVM_EALIGN, "ivc[%u] size 0x%llx: not a non-zero page multiple",
                        k, (unsigned long long)ic->size);
        int rc;
        if ((rc = check_ivc_end(b, k, 'a', a, ic->gpa_a, ic->size)) < 0 ||
            (rc = check_ivc_end(b, k, 'b', bb, ic->gpa_b, ic->size)) < 0)
            return rc;
    }
    return AXVM_OK;
}

static int check_cross_vm(struct blob *b, const struct axvm_platform_config *out)
{
    for (unsigned i = 0; i < out->n_vms; i++) {
        const struct axvm_vm_config *x = &out->vms[i];
        for (unsigned j = i + 1; j < out->n_vms; j++) {
            const struct axvm_vm_config *y = &out->vms[j];
            if (x->id == y->id)
                return fail(b, AXVM_EINVAL, "vm[%u] id %u: already used by vm[%u]", j, y->id, i);
            if (strcmp(x->name, y->name) == 0)
                return fail(b, AXVM_EINVAL, "vm[%u] name '%s': already used by vm[%u]", j, y->name, i);
        }
    }
    /* A physical CPU runs the vCPUs of one VM (static partitioning); two
     * vCPUs of one VM on one pCPU would never both run either. */
    unsigned owner[AXVM_MAX_PCPUS];
    for (unsigned p = 0; p < AXVM_MAX_PCPUS; p++)
        owner[p] = ~0u;
    for (unsigned i = 0; i < out->n_vms; i++) {
        const struct axvm_vm_config *x = &out->vms[i];
        for (unsigned v = 0; v < x->vcpu_count; v++) {
            unsigned p = x->phys_cpu[v];
            if (owner[p] != ~0u)
                return fail(b, AXVM_EBUSY, "vm[%u] '%s' vcpu %u: physical CPU %u already used by vm '%s'",
                            i, x->name, v, p, out->vms[owner[p]].name);
            owner[p] = i;
        }
    }
    return AXVM_OK;
}

int axvm_config_load(const void *blob, size_t len, struct axvm_platform_config *out, char *err, size_t errlen)
{
    struct blob b = { .p = blob, .err = err, .errlen = errlen };
    if (err && errlen > 0)
        err[0] = 0;
    if (!out)
        return fail(&b, AXVM_EINVAL, "no output");
    memset(out, 0, sizeof(*out));
    if (!blob)
        return fail(&b, AXVM_EINVAL, "no blob");
    if (len < HDR_SIZE)
        return fail(&b, AXVM_ERANGE, "truncated: %llu bytes, the header alone is %u",
                    (unsigned long long)len, HDR_SIZE);
    const uint8_t *h = b.p;
    if (memcmp(h, BLOB_MAGIC, 8) != 0)
        return fail(&b, AXVM_EINVAL, "magic: not an axvm configuration blob");
    uint32_t version = rd32(h + 0x08);
    if (version != BLOB_VERSION)
        return fail(&b, AXVM_ENOTSUP, "version: %u, this hypervisor reads version %u", version, BLOB_VERSION);
    if (rd32(h + 0x0C) != HDR_SIZE)
        return fail(&b, AXVM_ENOTSUP, "header_size: %u, expected %u", rd32(h + 0x0C), HDR_SIZE);
    uint64_t total = rd64(h + 0x10);
    if (total < HDR_SIZE)
        return fail(&b, AXVM_EINVAL, "total_size: %llu is smaller than the header", (unsigned long long)total);
    if (total > len)
        return fail(&b, AXVM_ERANGE, "truncated: total_size %llu but only %llu bytes present",
                    (unsigned long long)total, (unsigned long long)len);
    b.total = total;

    /* The tables live on the stack: no global state, 8 KiB, built in microseconds. */
    uint32_t table[8][256];
    static const uint8_t zero4[4];
    crc32_table(table);
    uint32_t sum = crc32_update(0, table, h, CKSUM_OFF);
    sum = crc32_update(sum, table, zero4, 4);
    sum = crc32_update(sum, table, h + CKSUM_OFF + 4, total - CKSUM_OFF - 4);
    if (sum != rd32(h + CKSUM_OFF))
        return fail(&b, AXVM_EIO, "checksum: stored 0x%x, computed 0x%x (corrupted blob)",
                    rd32(h + CKSUM_OFF), sum);
    if (rd32(h + CKSUM_OFF + 4) != 0)
        return fail(&b, AXVM_EINVAL, "header reserved field at 0x1c: not zero");

    uint32_t n_vms = rd32(h + 0x20), n_ivc = rd32(h + 0x30);
    if (rd32(h + 0x24) != VM_REC_SIZE)
        return fail(&b, AXVM_ENOTSUP, "vm_record_size: %u, expected %u", rd32(h + 0x24), VM_REC_SIZE);
    if (rd32(h + 0x34) != IVC_REC_SIZE)
        return fail(&b, AXVM_ENOTSUP, "ivc_record_size: %u, expected %u", rd32(h + 0x34), IVC_REC_SIZE);
    if (!all_zero(h + 0x50, HDR_SIZE - 0x50))
        return fail(&b, AXVM_EINVAL, "header flags/reserved: not zero");
    if (n_vms == 0)
        return fail(&b, AXVM_ERANGE, "n_vms: no VM in the blob");
    if (n_vms > AXVM_MAX_VMS)
        return fail(&b, AXVM_ERANGE, "n_vms: %u exceeds the limit %u", n_vms, (unsigned)AXVM_MAX_VMS);
    if (n_ivc > AXVM_MAX_IVC_CHANNELS)
        return fail(&b, AXVM_ERANGE, "n_ivc: %u exceeds the limit %u", n_ivc, (unsigned)AXVM_MAX_IVC_CHANNELS);
    uint64_t vm_off = rd64(h + 0x28), ivc_off = rd64(h + 0x38);
    if (!range_ok(vm_off, n_vms, VM_REC_SIZE, HDR_SIZE, total))
        return fail(&b, AXVM_ERANGE, "vm_table_offset 0x%llx: %u records do not fit in %llu bytes",
                    (unsigned long long)vm_off, n_vms, (unsigned long long)total);
    if (n_ivc > 0 && !range_ok(ivc_off, n_ivc, IVC_REC_SIZE, HDR_SIZE, total))
        return fail(&b, AXVM_ERANGE, "ivc_table_offset 0x%llx: %u records do not fit in %llu bytes",
                    (unsigned long long)ivc_off, n_ivc, (unsigned long long)total);
    uint64_t data_off = rd64(h + 0x40), data_size = rd64(h + 0x48);
    if (!range_ok(data_off, 1, data_size, HDR_SIZE, total))
        return fail(&b, AXVM_ERANGE, "data area 0x%llx+0x%llx: outside the blob (%llu bytes)",
                    (unsigned long long)data_off, (unsigned long long)data_size, (unsigned long long)total);
    b.data_lo = data_off;
    b.data_hi = data_off + data_size;

    int rc;
    out->n_vms = n_vms;
    for (unsigned i = 0; i < n_vms; i++)
        if ((rc = load_vm(&b, i, b.p + vm_off + (size_t)i * VM_REC_SIZE, &out->vms[i],
                          &out->arch[i], &out->x86[i])) < 0)
            goto bad;
    if ((rc = check_cross_vm(&b, out)) < 0)
        goto bad;
    for (unsigned i = 0; i < n_vms; i++) {
        const char *why = NULL;
        if ((rc = axvm_vm_config_validate(&out->vms[i], &why)) < 0) {
            fail(&b, rc, "vm[%u] '%s': %s", i, out->vms[i].name, why ? why : "invalid configuration");
            goto bad;
        }
    }
    out->n_ivc = n_ivc;
    if ((rc = load_ivc(&b, n_ivc ? b.p + ivc_off : NULL, out)) < 0)
        goto bad;
    return AXVM_OK;
bad:
    /* Leave nothing half-loaded that a careless caller could boot. */
    memset(out, 0, sizeof(*out));
    return rc;
}
