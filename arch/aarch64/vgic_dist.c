/* The emulated GICv3 distributor (64 KiB frame), affinity routing always on.
 *
 * Widths: 32-bit everywhere; 8-bit also for IPRIORITYR, ITARGETSR and
 * C/SPENDSGIR; 64-bit (and 32-bit halves, which the architecture requires
 * for 32-bit software) for IROUTER. Anything else answers AXVM_EWIDTH and
 * the core injects an abort. Reserved offsets read as zero, ignore writes.
 * With ARE = 1 the distributor's copies of the SGI/PPI registers (INTIDs
 * 0-31), ITARGETSR, SGIR and C/SPENDSGIR are RAZ/WI: those live in the
 * redistributors. */
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "vgic_state.h"

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_TYPER2 0x000C
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR 0x0800
#define GICD_ICFGR 0x0C00
#define GICD_IGRPMODR 0x0D00
#define GICD_CPENDSGIR 0x0F10
#define GICD_SPENDSGIR_END 0x0F30
#define GICD_IROUTER 0x6000
#define GICD_IROUTER_END 0x8000
#define GICD_IDREGS 0xFFD0

#define GICD_TYPER_IDBITS_SHIFT 19
#define IROUTER_MASK 0xFF80FFFFFFull /* Aff3, IRM, Aff2, Aff1, Aff0 */

/* PIDR4..7, PIDR0..3, CIDR0..3 (0xFFD0..0xFFFC): the CoreSight identification
 * block; only PIDR2.ArchRev matters to software. */
static const uint32_t gic_idregs[12] = {
    0x04, 0x00, 0x00, 0x00, 0x92, 0xB4, VGIC_PIDR2, 0x00, 0x0D, 0xF0, 0x05, 0xB1,
};

uint32_t vgic_idreg(uint64_t off)
{
    off &= 0xFFFF;
    return off < GICD_IDREGS ? 0 : gic_idregs[(off - GICD_IDREGS) / 4];
}

static bool dist_width_ok(uint64_t off, unsigned width)
{
    if (off >= GICD_IROUTER && off < GICD_IROUTER_END)
        return width == 8 || width == 4;
    if ((off >= GICD_IPRIORITYR && off < GICD_ICFGR) || (off >= GICD_CPENDSGIR && off < GICD_SPENDSGIR_END))
        return width == 1 || width == 4;
    return width == 4;
}

/* First INTID covered by the bit-per-interrupt register at `off` of the
 * block starting at `base`. */
static uint32_t bits_first(uint64_t off, uint64_t base)
{
    return (uint32_t)((off - base) / 4) * 32;
}

static int dist_check(struct vgic_dist *d, const struct axvm_vcpu *vcpu, uint64_t off, unsigned width)
{
    if (!d->vm || (vcpu && vcpu->vm != d->vm))
        return AXVM_ENODEV;
    if (off >= VGIC_DIST_SIZE)
        return AXVM_ERANGE;
    return dist_width_ok(off, width) ? AXVM_OK : AXVM_EWIDTH;
}

static uint64_t dist_read_locked(struct vgic_dist *d, uint64_t off, unsigned width)
{
    if (off == GICD_CTLR)
        return d->ctlr | GICD_CTLR_ARE | GICD_CTLR_DS;
    if (off == GICD_TYPER)
        return ((d->nr_spis + VGIC_NR_PRIVATE) / 32 - 1) | (9u << GICD_TYPER_IDBITS_SHIFT);
    if (off == GICD_IIDR)
        return VGIC_IIDR;
    if (off >= GICD_IGROUPR && off < GICD_ISENABLER) {
        uint32_t first = bits_first(off, GICD_IGROUPR);
        return first >= VGIC_NR_PRIVATE && first - VGIC_NR_PRIVATE < d->nr_spis ? 0xFFFFFFFFu : 0;
    }
    if (off >= GICD_ISENABLER && off < GICD_IPRIORITYR) {
        static const enum vgic_bitreg kinds[] = {VGIC_REG_ENABLE, VGIC_REG_PENDING, VGIC_REG_ACTIVE};
        uint64_t rel = off - GICD_ISENABLER;
        uint32_t first = (uint32_t)(rel % 0x80) / 4 * 32;
        if (first < VGIC_NR_PRIVATE)
            return 0;
        return vgic_bits_read(d, 0, first, kinds[rel / 0x100]);
    }
    if (off >= GICD_IPRIORITYR && off < GICD_ITARGETSR) {
        uint32_t first = (uint32_t)(off - GICD_IPRIORITYR);
        return first < VGIC_NR_PRIVATE ? 0 : vgic_prio_read(d, 0, first, width);
    }
    if (off >= GICD_ICFGR && off < GICD_IGRPMODR) {
        uint32_t first = (uint32_t)(off - GICD_ICFGR) / 4 * 16;
        return first < VGIC_NR_PRIVATE ? 0 : vgic_cfg_read(d, 0, first);
    }
    if (off >= GICD_IROUTER && off < GICD_IROUTER_END) {
        uint32_t intid = (uint32_t)((off - GICD_IROUTER) / 8);
        const struct vgic_irq *irq = intid < VGIC_NR_PRIVATE ? NULL : vgic_irq_get(d, 0, intid);
        uint64_t v = irq ? irq->irouter : 0;
        if (width == 4)
            v = (off & 4) ? v >> 32 : v & 0xFFFFFFFFu;
        return v;
    }
    if (off >= GICD_IDREGS)
        return vgic_idreg(off);
    return 0; /* TYPER2, STATUSR, IGRPMODR, NSACR, ITARGETSR, SGIR, reserved */
}

static uint32_t dist_write_locked(struct vgic_dist *d, unsigned self, uint64_t off, unsigned width,
                                  uint64_t value)
{
    if (off == GICD_CTLR) {
        uint32_t old = d->ctlr;
        d->ctlr = (uint32_t)value & (GICD_CTLR_EN_GRP0 | GICD_CTLR_EN_GRP1);
        /* Enabling the group makes every pending interrupt deliverable at once. */
        if (!(old & GICD_CTLR_EN_GRP1) && (d->ctlr & GICD_CTLR_EN_GRP1))
            return (uint32_t)((1ull << d->nr_vcpus) - 1);
        return 0;
    }
    if (off >= GICD_ISENABLER && off < GICD_IPRIORITYR) {
        static const enum vgic_bitreg kinds[] = {VGIC_REG_ENABLE, VGIC_REG_PENDING, VGIC_REG_ACTIVE};
        uint64_t rel = off - GICD_ISENABLER;
        uint32_t first = (uint32_t)(rel % 0x80) / 4 * 32;
        bool set = rel % 0x100 < 0x80;
        if (first < VGIC_NR_PRIVATE)
            return 0;
        return vgic_bits_write(d, self, first, kinds[rel / 0x100], set, (uint32_t)value);
    }
    if (off >= GICD_IPRIORITYR && off < GICD_ITARGETSR) {
        uint32_t first = (uint32_t)(off - GICD_IPRIORITYR);
        if (first >= VGIC_NR_PRIVATE)
            vgic_prio_write(d, self, first, width, value);
        return 0;
    }
    if (off >= GICD_ICFGR && off < GICD_IGRPMODR) {
        uint32_t first = (uint32_t)(off - GICD_ICFGR) / 4 * 16;
        if (first >= VGIC_NR_PRIVATE)
            vgic_cfg_write(d, self, first, (uint32_t)value);
        return 0;
    }
    if (off >= GICD_IROUTER && off < GICD_IROUTER_END) {
        uint32_t intid = (uint32_t)((off - GICD_IROUTER) / 8);
        struct vgic_irq *irq = intid < VGIC_NR_PRIVATE ? NULL : vgic_irq_get(d, self, intid);
        if (!irq)
            return 0;
        uint64_t v = value;
        if (width == 4) {
            v = (off & 4) ? (irq->irouter & 0xFFFFFFFFu) | (value << 32)
                          : (irq->irouter & ~0xFFFFFFFFull) | (value & 0xFFFFFFFFu);
        }
        irq->irouter = v & IROUTER_MASK;
        return vgic_irq_kick_mask(d, irq);
    }
    return 0; /* read-only and RAZ/WI registers */
}

static int dist_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    struct vgic_dist *d = ctx;
    int err = dist_check(d, vcpu, off, width);
    if (err != AXVM_OK)
        return err;
    axvm_spin_lock(&d->lock);
    uint64_t v = dist_read_locked(d, off, width);
    axvm_spin_unlock(&d->lock);
    *value = v;
    return AXVM_OK;
}

static int dist_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    struct vgic_dist *d = ctx;
    int err = dist_check(d, vcpu, off, width);
    if (err != AXVM_OK)
        return err;
    unsigned self = vcpu ? vcpu->id : 0;
    axvm_spin_lock(&d->lock);
    uint32_t kick = dist_write_locked(d, self, off, width, value);
    axvm_spin_unlock(&d->lock);
    vgic_kick_mask(d, kick, vcpu);
    return AXVM_OK;
}

const struct axvm_dev_ops vgic_dist_ops = {
    .read = dist_read,
    .write = dist_write,
};
