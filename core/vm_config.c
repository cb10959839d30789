/* Validation of a VM configuration before anything is built. A configuration
 * comes from the (untrusted) blob, so every field is checked. */
#include "axvm/addrspace.h"
#include "axvm/hal.h"
#include "axvm/vm.h"

#define FAIL(code, msg)                                                                                               \
    do {                                                                                                              \
        if (why)                                                                                                      \
            *why = (msg);                                                                                             \
        return (code);                                                                                                \
    } while (0)

static bool ranges_overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
    return a <= b + bs - 1 && b <= a + as - 1;
}

static bool wraps(uint64_t base, uint64_t size)
{
    return base + size - 1 < base;
}

/* Index of the RAM region holding [gpa, gpa+len) or -1. */
static int ram_holding(const struct axvm_vm_config *cfg, uint64_t gpa, uint64_t len)
{
    if (len == 0)
        len = 1;
    for (unsigned i = 0; i < cfg->n_mem; i++) {
        const struct axvm_mem_config *m = &cfg->mem[i];
        if (gpa >= m->gpa && gpa - m->gpa < m->size && len <= m->size - (gpa - m->gpa))
            return (int)i;
    }
    return -1;
}

static bool overlaps_ram(const struct axvm_vm_config *cfg, uint64_t base, uint64_t size)
{
    for (unsigned i = 0; i < cfg->n_mem; i++)
        if (ranges_overlap(base, size, cfg->mem[i].gpa, cfg->mem[i].size))
            return true;
    return false;
}

/* Port-mapped UARTs live in another address space than memory. */
static bool dev_in_mmio_space(const struct axvm_emu_dev_config *d)
{
    return d->kind != AXVM_EMU_UART16550;
}

int axvm_vm_config_validate(const struct axvm_vm_config *cfg, const char **why)
{
    if (!cfg)
        FAIL(AXVM_EINVAL, "config: NULL");

    bool terminated = false;
    for (unsigned i = 0; i < AXVM_NAME_LEN; i++)
        if (cfg->name[i] == '\0') {
            terminated = true;
            break;
        }
    if (!terminated)
        FAIL(AXVM_EINVAL, "name: not NUL-terminated");
    if (cfg->name[0] == '\0')
        FAIL(AXVM_EINVAL, "name: empty");

    if (cfg->vcpu_count < 1 || cfg->vcpu_count > AXVM_MAX_VCPUS)
        FAIL(AXVM_ERANGE, "vcpu_count: must be 1..AXVM_MAX_VCPUS");
    unsigned ncpu = hal_cpu_count();
    for (unsigned i = 0; i < cfg->vcpu_count; i++) {
        if (cfg->phys_cpu[i] >= ncpu || cfg->phys_cpu[i] >= AXVM_MAX_PCPUS)
            FAIL(AXVM_ERANGE, "phys_cpu: no such physical CPU");
        for (unsigned j = 0; j < i; j++)
            if (cfg->phys_cpu[j] == cfg->phys_cpu[i])
                FAIL(AXVM_EINVAL, "phys_cpu: a physical CPU is listed twice");
    }

    if (cfg->n_mem < 1)
        FAIL(AXVM_EINVAL, "mem: no RAM region");
    if (cfg->n_mem > AXVM_MAX_MEM_REGIONS)
        FAIL(AXVM_ERANGE, "mem: too many regions");
    for (unsigned i = 0; i < cfg->n_mem; i++) {
        const struct axvm_mem_config *m = &cfg->mem[i];
        if (m->size == 0)
            FAIL(AXVM_EINVAL, "mem: empty region");
        if (!AXVM_IS_ALIGNED(m->gpa, AXVM_PAGE_SIZE) || !AXVM_IS_ALIGNED(m->size, AXVM_PAGE_SIZE))
            FAIL(AXVM_EALIGN, "mem: gpa/size not page aligned");
        if (wraps(m->gpa, m->size))
            FAIL(AXVM_EINVAL, "mem: region wraps around");
        if (m->flags & ~(uint32_t)(AXVM_MAP_RWX | AXVM_MAP_DEVICE))
            FAIL(AXVM_EINVAL, "mem: unknown flags");
        for (unsigned j = 0; j < i; j++)
            if (ranges_overlap(m->gpa, m->size, cfg->mem[j].gpa, cfg->mem[j].size))
                FAIL(AXVM_EOVERLAP, "mem: regions overlap");
    }

    if (cfg->n_devs > AXVM_MAX_MMIO_DEVS)
        FAIL(AXVM_ERANGE, "devs: too many devices");
    for (unsigned i = 0; i < cfg->n_devs; i++) {
        const struct axvm_emu_dev_config *d = &cfg->devs[i];
        if (d->kind < AXVM_EMU_GIC_DIST || d->kind > AXVM_EMU_RTC)
            FAIL(AXVM_EINVAL, "devs: unknown kind");
        if (d->size == 0)
            FAIL(AXVM_EINVAL, "devs: empty device");
        if (wraps(d->base, d->size))
            FAIL(AXVM_EINVAL, "devs: range wraps around");
        if (!dev_in_mmio_space(d))
            continue;
        if (overlaps_ram(cfg, d->base, d->size))
            FAIL(AXVM_EOVERLAP, "devs: device overlaps RAM");
        for (unsigned j = 0; j < i; j++)
            if (dev_in_mmio_space(&cfg->devs[j]) &&
                ranges_overlap(d->base, d->size, cfg->devs[j].base, cfg->devs[j].size))
                FAIL(AXVM_EOVERLAP, "devs: devices overlap");
    }

    if (cfg->n_passthrough > AXVM_MAX_PASSTHROUGH)
        FAIL(AXVM_ERANGE, "passthrough: too many ranges");
    struct axvm_passthrough pt[AXVM_MAX_PASSTHROUGH];
    for (unsigned i = 0; i < cfg->n_passthrough; i++)
        pt[i] = cfg->passthrough[i];
    int npt = axvm_passthrough_normalize(pt, cfg->n_passthrough);
    if (npt < 0)
        FAIL(npt, "passthrough: bad or conflicting ranges");
    for (unsigned i = 0; i < (unsigned)npt; i++) {
        if (overlaps_ram(cfg, pt[i].gpa, pt[i].size))
            FAIL(AXVM_EOVERLAP, "passthrough: range overlaps RAM");
        for (unsigned j = 0; j < cfg->n_devs; j++)
            if (dev_in_mmio_space(&cfg->devs[j]) &&
                ranges_overlap(pt[i].gpa, pt[i].size, cfg->devs[j].base, cfg->devs[j].size))
                FAIL(AXVM_EOVERLAP, "passthrough: range overlaps an emulated device");
    }
    if (cfg->n_passthrough_irqs > AXVM_MAX_PASSTHROUGH)
        FAIL(AXVM_ERANGE, "passthrough_irqs: too many");
    for (unsigned i = 0; i < cfg->n_passthrough_irqs; i++) {
        /* SGIs and PPIs are per CPU: only a shared peripheral interrupt can
         * be handed to one VM. */
        if (cfg->passthrough_irqs[i] < 32 || cfg->passthrough_irqs[i] > 1019)
            FAIL(AXVM_EINVAL, "passthrough_irqs: not an SPI (INTID 32..1019)");
        for (unsigned j = 0; j < i; j++)
            if (cfg->passthrough_irqs[j] == cfg->passthrough_irqs[i])
                FAIL(AXVM_EINVAL, "passthrough_irqs: listed twice");
    }
    if (cfg->irq_mode != AXVM_IRQ_EMULATED && cfg->irq_mode != AXVM_IRQ_PASSTHROUGH)
        FAIL(AXVM_EINVAL, "irq_mode: unknown");
    if ((unsigned)cfg->unhandled > AXVM_UNHANDLED_STOP_VM)
        FAIL(AXVM_EINVAL, "unhandled: unknown policy");

    if (cfg->n_images > AXVM_MAX_IMAGES)
        FAIL(AXVM_ERANGE, "images: too many");
    for (unsigned i = 0; i < cfg->n_images; i++) {
        const struct axvm_image *im = &cfg->images[i];
        if (im->size == 0 || !im->data)
            FAIL(AXVM_EINVAL, "images: empty image");
        if (wraps(im->load_gpa, im->size) || ram_holding(cfg, im->load_gpa, im->size) < 0)
            FAIL(AXVM_EFAULT, "images: image does not fit in one RAM region");
        for (unsigned j = 0; j < i; j++)
            if (ranges_overlap(im->load_gpa, im->size, cfg->images[j].load_gpa, cfg->images[j].size))
                FAIL(AXVM_EOVERLAP, "images: images overlap");
    }
    if (ram_holding(cfg, cfg->entry, 4) < 0)
        FAIL(AXVM_EFAULT, "entry: not in RAM");
    if (why)
        *why = NULL;
    return AXVM_OK;
}
