/* Interrupt sources outside the guest: emulated devices (level lines),
 * the host (vgic_inject: timers, IPIs, physical interrupts forwarded with a
 * hardware link). Callable from any physical CPU. */
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "vgic_state.h"

#define VGIC_MAX_HW_INTID 1019u

int vgic_inject(struct axvm_vm *vm, struct axvm_vcpu *vcpu, uint32_t intid, uint32_t hw_intid,
                struct axvm_vcpu **target)
{
    if (target)
        *target = NULL;
    struct vgic_dist *d = vgic_dist_of(vm);
    if (!d)
        return AXVM_ENOENT;
    unsigned self = 0;
    if (intid < VGIC_NR_PRIVATE) {
        if (!vcpu || vcpu->vm != vm || vcpu->id >= d->nr_vcpus)
            return AXVM_EINVAL;
        self = vcpu->id;
    } else if (intid - VGIC_NR_PRIVATE >= d->nr_spis) {
        return AXVM_ERANGE;
    }
    /* SGIs cannot be linked (ICH_LR.HW requires a PPI or SPI on both sides). */
    if (hw_intid && (intid < 16 || hw_intid < 16 || hw_intid > VGIC_MAX_HW_INTID))
        return AXVM_EINVAL;

    axvm_spin_lock(&d->lock);
    struct vgic_irq *irq = vgic_irq_get(d, self, intid);
    irq->latch = true;
    if (hw_intid)
        irq->hw_intid = (uint16_t)hw_intid;
    else if (!irq->active && irq->lr_vcpu == VGIC_NO_VCPU)
        irq->hw_intid = 0; /* an unlinked injection ends a finished link */
    vgic_irq_touch(d, irq);
    uint32_t kick = vgic_irq_kick_mask(d, irq);
    axvm_spin_unlock(&d->lock);

    if (target && kick)
        *target = &vm->vcpus[__builtin_ctz(kick)];
    return AXVM_OK;
}

int vgic_set_level(struct axvm_vm *vm, uint32_t intid, bool level, struct axvm_vcpu **target)
{
    if (target)
        *target = NULL;
    struct vgic_dist *d = vgic_dist_of(vm);
    if (!d)
        return AXVM_ENOENT;
    /* Device lines are SPIs; a PPI would need a vCPU to belong to. */
    if (intid < VGIC_NR_PRIVATE || intid - VGIC_NR_PRIVATE >= d->nr_spis)
        return AXVM_ERANGE;

    axvm_spin_lock(&d->lock);
    struct vgic_irq *irq = vgic_irq_get(d, 0, intid);
    bool rising = level && !irq->level;
    irq->level = level;
    if (irq->edge && rising)
        irq->latch = true;
    vgic_irq_touch(d, irq);
    unsigned t = VGIC_NO_VCPU;
    if (level) {
        uint32_t kick = vgic_irq_kick_mask(d, irq);
        if (kick)
            t = (unsigned)__builtin_ctz(kick);
    } else if (!irq->edge && irq->lr_vcpu != VGIC_NO_VCPU) {
        /* Withdraw it from the LR it may still be pending in. */
        t = irq->lr_vcpu;
    }
    axvm_spin_unlock(&d->lock);

    if (target && t != VGIC_NO_VCPU)
        *target = &vm->vcpus[t];
    return AXVM_OK;
}
