/* Software-generated interrupts: the guest's trapped ICC_SGI1R_EL1 writes. */
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "vgic_state.h"

#define SGI1R_TARGETLIST_MASK 0xFFFFull
#define SGI1R_AFF1_SHIFT 16
#define SGI1R_INTID_SHIFT 24
#define SGI1R_AFF2_SHIFT 32
#define SGI1R_IRM (1ull << 40)
#define SGI1R_RS_SHIFT 44
#define SGI1R_AFF3_SHIFT 48

/* Bitmap of the vCPUs `value` addresses. Affinities that name no vCPU are
 * ignored, as the architecture says for targets that do not exist. */
static uint32_t sgi1r_targets(const struct vgic_dist *d, unsigned self, uint64_t value)
{
    uint32_t mask = 0;
    if (value & SGI1R_IRM) {
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            if (i != self)
                mask |= 1u << i;
        return mask;
    }
    uint64_t aff321 = ((value >> SGI1R_AFF3_SHIFT) & 0xFF) << 32 | ((value >> SGI1R_AFF2_SHIFT) & 0xFF) << 16 |
                      ((value >> SGI1R_AFF1_SHIFT) & 0xFF) << 8;
    unsigned rs = (unsigned)(value >> SGI1R_RS_SHIFT) & 0xF;
    uint32_t list = (uint32_t)(value & SGI1R_TARGETLIST_MASK);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        uint64_t aff = vgic_vcpu_affinity(d, i);
        unsigned aff0 = (unsigned)(aff & 0xFF);
        if ((aff & ~0xFFull) != aff321 || aff0 / 16 != rs)
            continue;
        if (list & (1u << (aff0 % 16)))
            mask |= 1u << i;
    }
    return mask;
}

int vgic_sgi1r_write(struct axvm_vcpu *vcpu, uint64_t value)
{
    if (!vcpu)
        return AXVM_EINVAL;
    struct vgic_dist *d = vgic_dist_of(vcpu->vm);
    if (!d || vcpu->id >= d->nr_vcpus)
        return AXVM_ENOENT;
    uint32_t intid = (uint32_t)(value >> SGI1R_INTID_SHIFT) & 0xF;
    uint32_t kick = 0;

    axvm_spin_lock(&d->lock);
    uint32_t targets = sgi1r_targets(d, vcpu->id, value);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        if (!(targets & (1u << i)))
            continue;
        struct vgic_irq *irq = &d->cpu[i].priv[intid];
        irq->latch = true;
        vgic_irq_touch(d, irq);
        kick |= vgic_irq_kick_mask(d, irq);
    }
    axvm_spin_unlock(&d->lock);

    vgic_kick_mask(d, kick, vcpu);
    return AXVM_OK;
}
