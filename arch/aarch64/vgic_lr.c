/* List-register management: what the vCPU sees on its virtual CPU interface.
 *
 * The list registers are rebuilt at every entry (flush) and folded back at
 * every exit (sync), as KVM does: active interrupts first (the guest must be
 * able to deactivate them, so they keep their LR), then pending ones by
 * priority (lower value first, then lower INTID). When more want an LR than
 * exist, ICH_HCR_EL2.UIE asks for a maintenance interrupt once at most one
 * LR is still valid, so the vCPU comes back here for the rest (not with a
 * single LR, where that condition would hold on entry).
 *
 * Level-sensitive interrupts without a hardware link carry ICH_LR.EOI: the
 * guest's EOI then raises a maintenance interrupt, the next sync sees the LR
 * invalid and the next flush re-presents the interrupt if its line is still
 * high, instead of waiting for some unrelated exit.
 *
 * The backend must treat the maintenance interrupt (INTID 25) as an ordinary
 * host interrupt exit: the sync/flush around every entry is all it needs. */
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "vgic_state.h"

static void vgic_fold_locked(struct vgic_dist *d, unsigned me, const struct vgic_cpu_hw *hw)
{
    struct vgic_cpu *c = &d->cpu[me];
    for (unsigned i = 0; i < c->lr_count; i++) {
        struct vgic_irq *irq = vgic_irq_get(d, me, c->lr_intid[i]);
        if (!irq)
            continue;
        uint64_t lr = hw->lr[i];
        irq->lr_vcpu = VGIC_NO_VCPU;
        irq->active = (lr & ICH_LR_ACTIVE) != 0;
        if (irq->active)
            irq->active_vcpu = (uint8_t)me;
        /* Still pending in the LR: the guest has not acknowledged it. Give
         * back the latch flush took (for a level interrupt pending only
         * because its line is high, the line alone decides). */
        if ((lr & ICH_LR_PENDING) && (irq->edge || c->lr_took_latch[i]))
            irq->latch = true;
        vgic_irq_touch(d, irq);
    }
    c->lr_count = 0;
    c->lr_pend_mask = 0;
    c->lr_loaded = false;
}

/* Priority order key: lower is more urgent. */
static uint32_t vgic_lr_key(const struct vgic_irq *irq)
{
    return (irq->active ? 0u : 1u << 26) | (uint32_t)irq->priority << 16 | irq->intid;
}

struct vgic_pick {
    unsigned max, n;
    bool overflow;
    uint32_t key[VGIC_MAX_LRS];
    struct vgic_irq *irq[VGIC_MAX_LRS];
};

static void vgic_consider(const struct vgic_dist *d, unsigned me, struct vgic_irq *irq, struct vgic_pick *p)
{
    if (irq->lr_vcpu != VGIC_NO_VCPU)
        return; /* in another vCPU's LRs until that vCPU exits */
    if (!irq->active && !vgic_irq_deliverable(d, irq))
        return;
    if (vgic_irq_target(d, irq) != me)
        return;
    uint32_t key = vgic_lr_key(irq);
    if (p->n == p->max) {
        p->overflow = true;
        if (p->n == 0 || key >= p->key[p->n - 1])
            return;
        p->n--; /* the least urgent one makes room */
    }
    unsigned pos = p->n;
    while (pos > 0 && p->key[pos - 1] > key) {
        p->key[pos] = p->key[pos - 1];
        p->irq[pos] = p->irq[pos - 1];
        pos--;
    }
    p->key[pos] = key;
    p->irq[pos] = irq;
    p->n++;
}

static uint64_t vgic_make_lr(const struct vgic_dist *d, struct vgic_irq *irq, bool *pend)
{
    /* A hardware-linked interrupt is never pending+active in an LR: its
     * pending state stays with us until the physical one is deactivated. */
    *pend = vgic_irq_deliverable(d, irq) && !(irq->hw_intid && irq->active);
    uint64_t lr = (uint64_t)irq->intid | ICH_LR_GROUP1 | (uint64_t)irq->priority << ICH_LR_PRIO_SHIFT;
    if (*pend)
        lr |= ICH_LR_PENDING;
    if (irq->active)
        lr |= ICH_LR_ACTIVE;
    if (irq->hw_intid)
        lr |= ICH_LR_HW | ((uint64_t)irq->hw_intid & ICH_LR_PINTID_MASK) << ICH_LR_PINTID_SHIFT;
    else if (!irq->edge)
        lr |= ICH_LR_EOI;
    return lr;
}

void vgic_flush(struct axvm_vcpu *vcpu, struct vgic_cpu_hw *hw)
{
    if (!vcpu || !hw)
        return;
    struct vgic_dist *d = vgic_dist_of(vcpu->vm);
    unsigned me = vcpu->id;
    if (!d || me >= d->nr_vcpus) {
        hw->used_lr = 0;
        hw->hcr = 0;
        return;
    }
    struct vgic_cpu *c = &d->cpu[me];
    /* key[]/irq[] are only read below p.n: an initialiser would zero them
     * (byte by byte, at an odd offset) on every entry. */
    struct vgic_pick p;
    p.max = hw->nr_lr < VGIC_MAX_LRS ? hw->nr_lr : VGIC_MAX_LRS;
    p.n = 0;
    p.overflow = false;

    axvm_spin_lock(&d->lock);
    /* Flushed twice without a sync (entry abandoned): the LRs still hold
     * exactly what the last flush wrote; take it back first. */
    if (c->lr_loaded)
        vgic_fold_locked(d, me, hw);

    /* Only the interrupts that may be pending or active (hints, cleared
     * here once they are neither): flush is O(pending), not O(interrupts). */
    uint32_t pbits = c->priv_hint;
    while (pbits) {
        unsigned i = (unsigned)__builtin_ctz(pbits);
        pbits &= pbits - 1;
        struct vgic_irq *irq = &c->priv[i];
        if (!vgic_irq_pending(irq) && !irq->active && irq->lr_vcpu == VGIC_NO_VCPU) {
            c->priv_hint &= ~(1u << i);
            continue;
        }
        vgic_consider(d, me, irq, &p);
    }
    for (unsigned w = 0; w < VGIC_MAX_SPIS / 32; w++) {
        uint32_t bits = d->spi_hint[w];
        while (bits) {
            unsigned b = (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            struct vgic_irq *irq = &d->spi[w * 32 + b];
            if (!vgic_irq_pending(irq) && !irq->active && irq->lr_vcpu == VGIC_NO_VCPU) {
                d->spi_hint[w] &= ~(1u << b);
                continue;
            }
            vgic_consider(d, me, irq, &p);
        }
    }

    for (unsigned i = 0; i < p.n; i++) {
        struct vgic_irq *irq = p.irq[i];
        bool pend;
        hw->lr[i] = vgic_make_lr(d, irq, &pend);
        c->lr_took_latch[i] = pend && irq->latch;
        if (pend) {
            irq->latch = false; /* the LR holds the pending state now */
            c->lr_pend_mask |= 1u << i;
        }
        irq->lr_vcpu = (uint8_t)me;
        c->lr_intid[i] = irq->intid;
    }
    for (unsigned i = p.n; i < VGIC_MAX_LRS; i++)
        hw->lr[i] = 0;
    c->lr_count = p.n;
    c->lr_loaded = true;
    hw->used_lr = p.n;
    /* With a single LR the underflow condition (at most one valid) would hold
     * at once and bounce the vCPU straight back: rely on the next exit. */
    hw->hcr = ICH_HCR_EN | (p.overflow && p.max > 1 ? ICH_HCR_UIE : 0);
    axvm_spin_unlock(&d->lock);
}

void vgic_sync(struct axvm_vcpu *vcpu, struct vgic_cpu_hw *hw)
{
    if (!vcpu || !hw)
        return;
    struct vgic_dist *d = vgic_dist_of(vcpu->vm);
    if (!d || vcpu->id >= d->nr_vcpus)
        return;
    axvm_spin_lock(&d->lock);
    struct vgic_cpu *c = &d->cpu[vcpu->id];
    if (c->lr_loaded)
        vgic_fold_locked(d, vcpu->id, hw);
    c->vmcr = hw->vmcr;
    c->vmcr_valid = true;
    axvm_spin_unlock(&d->lock);
}

/* Would the virtual CPU interface signal `irq` (ICH_VMCR_EL2 as of the last
 * exit: Group 1 enabled, priority above the mask)? Running priority is not
 * considered: a WFI inside a handler is rare, and a spurious wake only costs
 * one more trip through the guest. */
static bool vgic_cpuif_would_signal(const struct vgic_cpu *c, const struct vgic_irq *irq)
{
    if (!c->vmcr_valid)
        return true;
    if (!(c->vmcr & ICH_VMCR_VENG1))
        return false;
    return irq->priority < ((c->vmcr >> ICH_VMCR_VPMR_SHIFT) & 0xFF);
}

/* WFI wakes for an interrupt the vCPU could take now: pending, enabled, not
 * already active, and let through by the guest's CPU interface settings (as
 * the hardware decides for a WFI that runs in the guest). */
bool vgic_vcpu_pending(struct axvm_vcpu *vcpu)
{
    if (!vcpu)
        return false;
    struct vgic_dist *d = vgic_dist_of(vcpu->vm);
    unsigned me = vcpu->id;
    if (!d || me >= d->nr_vcpus)
        return false;
    bool found = false;
    axvm_spin_lock(&d->lock);
    struct vgic_cpu *c = &d->cpu[me];
    if (c->lr_loaded && c->lr_pend_mask)
        found = true;
    uint32_t pbits = c->priv_hint;
    while (pbits && !found) {
        unsigned i = (unsigned)__builtin_ctz(pbits);
        pbits &= pbits - 1;
        const struct vgic_irq *irq = &c->priv[i];
        found = irq->lr_vcpu == VGIC_NO_VCPU && !irq->active && vgic_irq_deliverable(d, irq) &&
                vgic_cpuif_would_signal(c, irq);
    }
    for (unsigned w = 0; w < VGIC_MAX_SPIS / 32 && !found; w++) {
        uint32_t bits = d->spi_hint[w];
        while (bits && !found) {
            unsigned b = (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            const struct vgic_irq *irq = &d->spi[w * 32 + b];
            found = irq->lr_vcpu == VGIC_NO_VCPU && !irq->active && vgic_irq_deliverable(d, irq) &&
                    vgic_irq_target(d, irq) == me && vgic_cpuif_would_signal(c, irq);
        }
    }
    axvm_spin_unlock(&d->lock);
    return found;
}
