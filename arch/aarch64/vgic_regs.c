/* The register families the distributor and the redistributors share:
 * one bit per interrupt (set/clear enable, pending, active), one byte per
 * interrupt (priority) and two bits per interrupt (configuration). */
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "vgic_state.h"

uint32_t vgic_irq_kick_mask(const struct vgic_dist *d, const struct vgic_irq *irq)
{
    if (!vgic_irq_deliverable(d, irq))
        return 0;
    unsigned t = vgic_irq_target(d, irq);
    return t < d->nr_vcpus ? 1u << t : 0;
}

void vgic_kick_mask(struct vgic_dist *d, uint32_t mask, const struct axvm_vcpu *self)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct axvm_vcpu *v = &d->vm->vcpus[i];
        if ((mask & (1u << i)) && v != self)
            axvm_vcpu_kick(v);
    }
}

uint32_t vgic_bits_read(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, enum vgic_bitreg reg)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 32; i++) {
        const struct vgic_irq *irq = vgic_irq_get(d, vcpu_id, first + i);
        if (!irq)
            continue;
        bool bit = false;
        switch (reg) {
        case VGIC_REG_ENABLE: bit = irq->enabled; break;
        case VGIC_REG_PENDING: bit = vgic_irq_pending(irq); break;
        case VGIC_REG_ACTIVE: bit = irq->active; break;
        }
        if (bit)
            v |= 1u << i;
    }
    return v;
}

uint32_t vgic_bits_write(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, enum vgic_bitreg reg,
                         bool set, uint32_t value)
{
    uint32_t kick = 0;
    for (unsigned i = 0; i < 32; i++) {
        if (!(value & (1u << i)))
            continue;
        struct vgic_irq *irq = vgic_irq_get(d, vcpu_id, first + i);
        if (!irq)
            continue;
        switch (reg) {
        case VGIC_REG_ENABLE:
            irq->enabled = set;
            break;
        case VGIC_REG_PENDING:
            /* For a level interrupt this is the latch only: a high line
             * keeps it pending whatever ICPENDR says. */
            irq->latch = set;
            break;
        case VGIC_REG_ACTIVE:
            if (set && !irq->active) {
                unsigned t = vgic_irq_target(d, irq);
                irq->active_vcpu = (uint8_t)(t < d->nr_vcpus ? t : vcpu_id);
            }
            irq->active = set;
            break;
        }
        /* A linked SPI no longer pending nor active in the model: its
         * physical twin stays active until someone deactivates it (a guest
         * GIC driver clearing ICPENDR/ICACTIVER at init, e.g. after a
         * reboot). The timer's PPI is the vCPU backend's business. */
        if (!set && reg != VGIC_REG_ENABLE && irq->hw_intid >= VGIC_NR_PRIVATE && !irq->active &&
            !vgic_irq_pending(irq) && vgic_hw_deactivate)
            vgic_hw_deactivate(d->vm, irq->hw_intid);
        vgic_irq_touch(d, irq);
        if (set)
            kick |= vgic_irq_kick_mask(d, irq);
    }
    return kick;
}

uint64_t vgic_prio_read(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct vgic_irq *irq = vgic_irq_get(d, vcpu_id, first + i);
        if (irq)
            v |= (uint64_t)irq->priority << (8 * i);
    }
    return v;
}

void vgic_prio_write(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, unsigned n, uint64_t value)
{
    for (unsigned i = 0; i < n; i++) {
        struct vgic_irq *irq = vgic_irq_get(d, vcpu_id, first + i);
        if (irq)
            irq->priority = (uint8_t)((value >> (8 * i)) & VGIC_PRIO_MASK);
    }
}

uint32_t vgic_cfg_read(struct vgic_dist *d, unsigned vcpu_id, uint32_t first)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 16; i++) {
        const struct vgic_irq *irq = vgic_irq_get(d, vcpu_id, first + i);
        if (irq && irq->edge)
            v |= 2u << (2 * i);
    }
    return v;
}

void vgic_cfg_write(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, uint32_t value)
{
    for (unsigned i = 0; i < 16; i++) {
        uint32_t intid = first + i;
        struct vgic_irq *irq = vgic_irq_get(d, vcpu_id, intid);
        if (!irq || intid < 16) /* SGI configuration is read-only (edge) */
            continue;
        irq->edge = (value >> (2 * i + 1)) & 1u;
    }
}
