/* The emulated GICv3 redistributors: one 128 KiB frame pair per vCPU
 * (RD_base, then SGI_base), contiguous, registered as a single device. The
 * frame an access hits selects the vCPU, whichever vCPU makes the access.
 * No LPIs: GICR_CTLR.EnableLPIs, PROPBASER and PENDBASER are RAZ/WI.
 *
 * Widths: 32-bit everywhere; 64-bit (and 32-bit halves) for GICR_TYPER,
 * PROPBASER and PENDBASER; 8-bit also for IPRIORITYR. Others: AXVM_EWIDTH. */
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "vgic_state.h"

/* RD_base */
#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define GICR_IDREGS 0xFFD0
/* SGI_base (offsets within the second 64 KiB frame) */
#define GICR_SGI_FRAME 0x10000
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICACTIVER0 0x0380
#define GICR_IPRIORITYR 0x0400
#define GICR_IPRIORITYR_END 0x0420
#define GICR_ICFGR0 0x0C00
#define GICR_ICFGR1 0x0C04

#define GICR_TYPER_LAST (1ull << 4)
#define GICR_TYPER_PROCNUM_SHIFT 8
#define GICR_TYPER_AFF_SHIFT 32

static bool rd_width_ok(uint64_t off, unsigned width)
{
    if (off == GICR_TYPER || off == GICR_PROPBASER || off == GICR_PENDBASER)
        return width == 8 || width == 4;
    return width == 4;
}

static bool sgi_width_ok(uint64_t off, unsigned width)
{
    if (off >= GICR_IPRIORITYR && off < GICR_IPRIORITYR_END)
        return width == 1 || width == 4;
    return width == 4;
}

/* Split an access into (vCPU, frame, offset in frame) and check its width. */
static int redist_decode(struct vgic_dist *d, const struct axvm_vcpu *vcpu, uint64_t addr, unsigned width,
                         unsigned *idx, bool *sgi, uint64_t *off)
{
    if (!d->vm || (vcpu && vcpu->vm != d->vm))
        return AXVM_ENODEV;
    uint64_t n = addr / VGIC_REDIST_STRIDE;
    if (n >= d->nr_vcpus)
        return AXVM_ERANGE;
    *idx = (unsigned)n;
    uint64_t in = addr % VGIC_REDIST_STRIDE;
    *sgi = in >= GICR_SGI_FRAME;
    *off = *sgi ? in - GICR_SGI_FRAME : in;
    bool ok = *sgi ? sgi_width_ok(*off, width) : rd_width_ok(*off, width);
    return ok ? AXVM_OK : AXVM_EWIDTH;
}

static uint64_t redist_typer(struct vgic_dist *d, unsigned idx)
{
    uint64_t aff = vgic_vcpu_affinity(d, idx);
    uint64_t packed = (aff & 0xFFFFFFull) | ((aff >> 32) & 0xFF) << 24;
    uint64_t v = packed << GICR_TYPER_AFF_SHIFT | (uint64_t)idx << GICR_TYPER_PROCNUM_SHIFT;
    if (idx == d->nr_vcpus - 1)
        v |= GICR_TYPER_LAST;
    return v;
}

static uint64_t rd_read(struct vgic_dist *d, unsigned idx, uint64_t off, unsigned width)
{
    switch (off) {
    case GICR_IIDR:
        return VGIC_IIDR;
    case GICR_TYPER:
        return width == 8 ? redist_typer(d, idx) : redist_typer(d, idx) & 0xFFFFFFFFu;
    case GICR_TYPER + 4:
        return redist_typer(d, idx) >> 32;
    case GICR_WAKER: {
        uint32_t w = d->cpu[idx].waker;
        return w | ((w & GICR_WAKER_PSLEEP) ? GICR_WAKER_CASLEEP : 0);
    }
    default:
        break;
    }
    if (off >= GICR_IDREGS)
        return vgic_idreg(off);
    return 0; /* CTLR (no LPIs, RWP 0), STATUSR, PROPBASER, PENDBASER, reserved */
}

static void rd_write(struct vgic_dist *d, unsigned idx, uint64_t off, uint64_t value)
{
    /* ChildrenAsleep follows ProcessorSleep at once: nothing to quiesce. */
    if (off == GICR_WAKER)
        d->cpu[idx].waker = (uint32_t)value & GICR_WAKER_PSLEEP;
}

static uint64_t sgi_read(struct vgic_dist *d, unsigned idx, uint64_t off, unsigned width)
{
    if (off == GICR_IGROUPR0)
        return 0xFFFFFFFFu;
    if (off >= GICR_ISENABLER0 && off <= GICR_ICACTIVER0 && off % 0x80 == 0) {
        static const enum vgic_bitreg kinds[] = {VGIC_REG_ENABLE, VGIC_REG_PENDING, VGIC_REG_ACTIVE};
        return vgic_bits_read(d, idx, 0, kinds[(off - GICR_ISENABLER0) / 0x100]);
    }
    if (off >= GICR_IPRIORITYR && off < GICR_IPRIORITYR_END)
        return vgic_prio_read(d, idx, (uint32_t)(off - GICR_IPRIORITYR), width);
    if (off == GICR_ICFGR0 || off == GICR_ICFGR1)
        return vgic_cfg_read(d, idx, off == GICR_ICFGR0 ? 0 : 16);
    return 0; /* IGRPMODR0, NSACR, reserved */
}

static uint32_t sgi_write(struct vgic_dist *d, unsigned idx, uint64_t off, unsigned width, uint64_t value)
{
    if (off >= GICR_ISENABLER0 && off <= GICR_ICACTIVER0 && off % 0x80 == 0) {
        static const enum vgic_bitreg kinds[] = {VGIC_REG_ENABLE, VGIC_REG_PENDING, VGIC_REG_ACTIVE};
        uint64_t rel = off - GICR_ISENABLER0;
        return vgic_bits_write(d, idx, 0, kinds[rel / 0x100], rel % 0x100 == 0, (uint32_t)value);
    }
    if (off >= GICR_IPRIORITYR && off < GICR_IPRIORITYR_END)
        vgic_prio_write(d, idx, (uint32_t)(off - GICR_IPRIORITYR), width, value);
    else if (off == GICR_ICFGR1)
        vgic_cfg_write(d, idx, 16, (uint32_t)value);
    return 0;
}

static int redist_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t addr, unsigned width, uint64_t *value)
{
    struct vgic_dist *d = ctx;
    unsigned idx;
    bool sgi;
    uint64_t off;
    int err = redist_decode(d, vcpu, addr, width, &idx, &sgi, &off);
    if (err != AXVM_OK)
        return err;
    axvm_spin_lock(&d->lock);
    *value = sgi ? sgi_read(d, idx, off, width) : rd_read(d, idx, off, width);
    axvm_spin_unlock(&d->lock);
    return AXVM_OK;
}

static int redist_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t addr, unsigned width, uint64_t value)
{
    struct vgic_dist *d = ctx;
    unsigned idx;
    bool sgi;
    uint64_t off;
    int err = redist_decode(d, vcpu, addr, width, &idx, &sgi, &off);
    if (err != AXVM_OK)
        return err;
    uint32_t kick = 0;
    axvm_spin_lock(&d->lock);
    if (sgi)
        kick = sgi_write(d, idx, off, width, value);
    else
        rd_write(d, idx, off, value);
    axvm_spin_unlock(&d->lock);
    vgic_kick_mask(d, kick, vcpu);
    return AXVM_OK;
}

const struct axvm_dev_ops vgic_redist_ops = {
    .read = redist_read,
    .write = redist_write,
};
