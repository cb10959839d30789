/* The device manager: sorted fixed tables, binary-search dispatch. */
#include "axvm/device.h"
#include "axvm/lib.h"
#include "axvm/log.h"

static const unsigned space_cap[AXVM_SPACE_COUNT_] = {
    AXVM_MAX_MMIO_DEVS,
    AXVM_MAX_PORT_DEVS,
    AXVM_MAX_SYSREG_DEVS,
};

static struct axvm_dev *space_table(struct axvm_devices *dm, enum axvm_dev_space s, unsigned **count)
{
    switch (s) {
    case AXVM_SPACE_MMIO:
        *count = &dm->n_mmio;
        return dm->mmio;
    case AXVM_SPACE_PORT:
        *count = &dm->n_port;
        return dm->port;
    case AXVM_SPACE_SYSREG:
        *count = &dm->n_sysreg;
        return dm->sysreg;
    default:
        return NULL;
    }
}

void axvm_devices_init(struct axvm_devices *dm, enum axvm_unhandled_policy policy)
{
    memset(dm, 0, sizeof(*dm));
    dm->policy = policy;
}

static int add_dev(struct axvm_devices *dm, enum axvm_dev_space space, const struct axvm_dev *dev)
{
    if (!dm || !dev)
        return AXVM_EINVAL;
    unsigned *count;
    struct axvm_dev *tab = space_table(dm, space, &count);
    if (!tab)
        return AXVM_EINVAL;
    if (!dev->ops || (!dev->ops->read && !dev->ops->write))
        return AXVM_EINVAL;
    if (dev->size == 0 || dev->base + dev->size - 1 < dev->base)
        return AXVM_EINVAL;
    if (dev->widths & (uint8_t)~AXVM_WALL)
        return AXVM_EINVAL;

    /* first device whose base is above the new one */
    unsigned pos = 0;
    while (pos < *count && tab[pos].base <= dev->base)
        pos++;
    uint64_t last = dev->base + dev->size - 1;
    if (pos > 0 && tab[pos - 1].base + tab[pos - 1].size - 1 >= dev->base)
        return AXVM_EOVERLAP;
    if (pos < *count && tab[pos].base <= last)
        return AXVM_EOVERLAP;
    if (*count >= space_cap[space])
        return AXVM_ENOMEM;

    memmove(&tab[pos + 1], &tab[pos], (*count - pos) * sizeof(*tab));
    tab[pos] = *dev;
    if (!tab[pos].widths)
        tab[pos].widths = AXVM_WALL;
    tab[pos].reads = tab[pos].writes = tab[pos].errors = 0;
    (*count)++;
    return AXVM_OK;
}

int axvm_devices_add_mmio(struct axvm_devices *dm, const struct axvm_dev *dev)
{
    return add_dev(dm, AXVM_SPACE_MMIO, dev);
}

int axvm_devices_add_port(struct axvm_devices *dm, const struct axvm_dev *dev)
{
    return add_dev(dm, AXVM_SPACE_PORT, dev);
}

int axvm_devices_add_sysreg(struct axvm_devices *dm, const struct axvm_dev *dev)
{
    return add_dev(dm, AXVM_SPACE_SYSREG, dev);
}

struct axvm_dev *axvm_devices_find(struct axvm_devices *dm, enum axvm_dev_space space, uint64_t addr)
{
    unsigned *count;
    struct axvm_dev *tab = dm ? space_table(dm, space, &count) : NULL;
    if (!tab)
        return NULL;
    unsigned lo = 0, hi = *count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        struct axvm_dev *d = &tab[mid];
        if (addr < d->base)
            hi = mid;
        else if (addr - d->base >= d->size)
            lo = mid + 1;
        else
            return d;
    }
    return NULL;
}

static void record_unhandled(struct axvm_devices *dm, enum axvm_dev_space space, uint64_t addr, unsigned width,
                             bool is_write)
{
    dm->unhandled_total++;
    for (unsigned i = 0; i < dm->n_unhandled; i++) {
        struct axvm_unhandled_access *u = &dm->unhandled[i];
        if (u->space == space && u->addr == addr && u->is_write == is_write) {
            u->count++;
            u->width = (uint8_t)width;
            return;
        }
    }
    struct axvm_unhandled_access *u;
    if (dm->n_unhandled < AXVM_MAX_UNHANDLED) {
        u = &dm->unhandled[dm->n_unhandled++];
    } else {
        /* full: the last slot becomes the "everything else" bucket */
        u = &dm->unhandled[AXVM_MAX_UNHANDLED - 1];
        if (u->addr != UINT64_MAX) {
            u->addr = UINT64_MAX;
            u->space = AXVM_SPACE_COUNT_;
        }
        u->count++;
        return;
    }
    u->space = (uint8_t)space;
    u->is_write = is_write;
    u->width = (uint8_t)width;
    u->addr = addr;
    u->count = 1;
}

/* Route one access: the device covering it, or an error (and the unhandled
 * record). */
static int route(struct axvm_devices *dm, enum axvm_dev_space space, uint64_t addr, unsigned width, bool is_write,
                 struct axvm_dev **out)
{
    if (width != 1 && width != 2 && width != 4 && width != 8)
        return AXVM_EWIDTH;
    struct axvm_dev *d = axvm_devices_find(dm, space, addr);
    /* sysreg devices span encodings, not bytes: one access is one encoding */
    uint64_t span = space == AXVM_SPACE_SYSREG ? 1 : width;
    /* an access running past the end of its device is not covered by one
     * device: unhandled, like an access that hits nothing */
    if (!d || d->size < span || addr - d->base > d->size - span) {
        record_unhandled(dm, space, addr, width, is_write);
        return AXVM_ENODEV;
    }
    if (!(d->widths & width)) {
        d->errors++;
        return AXVM_EWIDTH;
    }
    if (space != AXVM_SPACE_SYSREG && !d->allow_unaligned && (addr & (width - 1))) {
        d->errors++;
        return AXVM_EALIGN;
    }
    *out = d;
    return AXVM_OK;
}

static uint64_t dev_offset(enum axvm_dev_space space, const struct axvm_dev *d, uint64_t addr)
{
    return space == AXVM_SPACE_SYSREG ? addr : addr - d->base;
}

int axvm_devices_read(struct axvm_devices *dm, enum axvm_dev_space space, struct axvm_vcpu *vcpu, uint64_t addr,
                      unsigned width, uint64_t *value)
{
    struct axvm_dev *d = NULL;
    if (!dm || !value || (unsigned)space >= AXVM_SPACE_COUNT_)
        return AXVM_EINVAL;
    int rc = route(dm, space, addr, width, false, &d);
    if (rc)
        return rc;
    if (!d->ops->read) {
        d->errors++;
        return AXVM_ENOTSUP;
    }
    uint64_t v = 0;
    rc = d->ops->read(d->ctx, vcpu, dev_offset(space, d, addr), width, &v);
    if (rc) {
        d->errors++;
        return rc < 0 ? rc : AXVM_EIO;
    }
    d->reads++;
    *value = width == 8 ? v : v & ((1ull << (width * 8)) - 1);
    return AXVM_OK;
}

int axvm_devices_write(struct axvm_devices *dm, enum axvm_dev_space space, struct axvm_vcpu *vcpu, uint64_t addr,
                       unsigned width, uint64_t value)
{
    struct axvm_dev *d = NULL;
    if (!dm || (unsigned)space >= AXVM_SPACE_COUNT_)
        return AXVM_EINVAL;
    int rc = route(dm, space, addr, width, true, &d);
    if (rc)
        return rc;
    if (!d->ops->write) {
        d->errors++;
        return AXVM_ENOTSUP;
    }
    if (width < 8)
        value &= (1ull << (width * 8)) - 1;
    rc = d->ops->write(d->ctx, vcpu, dev_offset(space, d, addr), width, value);
    if (rc) {
        d->errors++;
        return rc < 0 ? rc : AXVM_EIO;
    }
    d->writes++;
    return AXVM_OK;
}

void axvm_devices_report(const struct axvm_devices *dm)
{
    static const char *const space_name[] = {"mmio", "port", "sysreg", "other"};
    const struct axvm_dev *tabs[3] = {dm->mmio, dm->port, dm->sysreg};
    const unsigned counts[3] = {dm->n_mmio, dm->n_port, dm->n_sysreg};
    for (unsigned s = 0; s < 3; s++) {
        for (unsigned i = 0; i < counts[s]; i++) {
            const struct axvm_dev *d = &tabs[s][i];
            axvm_printf("  %-6s %-12s base 0x%llx size 0x%llx: %llu reads, %llu writes, %llu errors\n",
                        space_name[s], d->name ? d->name : "?", (unsigned long long)d->base,
                        (unsigned long long)d->size, (unsigned long long)d->reads, (unsigned long long)d->writes,
                        (unsigned long long)d->errors);
        }
    }
    axvm_printf("  unhandled accesses: %llu\n", (unsigned long long)dm->unhandled_total);
    for (unsigned i = 0; i < dm->n_unhandled; i++) {
        const struct axvm_unhandled_access *u = &dm->unhandled[i];
        if (u->addr == UINT64_MAX && u->space == AXVM_SPACE_COUNT_)
            axvm_printf("    (others)                       x%llu\n", (unsigned long long)u->count);
        else
            axvm_printf("    %-6s %s 0x%llx width %u x%llu\n", space_name[u->space < 3 ? u->space : 3],
                        u->is_write ? "write" : "read ", (unsigned long long)u->addr, u->width,
                        (unsigned long long)u->count);
    }
}
