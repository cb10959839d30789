/* The per-VM vGIC table: creation, reset, and the questions every other part
 * asks about an interrupt (where does it go, can it be delivered). */
#include <stdatomic.h>

#include "axvm/device.h"
#include "axvm/lib.h"
#include "axvm/vm.h"
#include "vgic_state.h"

static struct vgic_dist vgic_dists[AXVM_MAX_VMS];
/* Slot owners, read without the table lock on every lookup. */
static struct axvm_vm *_Atomic vgic_owner[AXVM_MAX_VMS];
static axvm_spinlock_t vgic_table_lock = AXVM_SPINLOCK_INIT;

struct vgic_dist *vgic_dist_of(const struct axvm_vm *vm)
{
    if (!vm)
        return NULL;
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        if (atomic_load_explicit(&vgic_owner[i], memory_order_acquire) == vm)
            return &vgic_dists[i];
    }
    return NULL;
}

struct vgic_irq *vgic_irq_get(struct vgic_dist *d, unsigned vcpu_id, uint32_t intid)
{
    if (intid < VGIC_NR_PRIVATE) {
        if (vcpu_id >= d->nr_vcpus)
            return NULL;
        return &d->cpu[vcpu_id].priv[intid];
    }
    if (intid - VGIC_NR_PRIVATE < d->nr_spis)
        return &d->spi[intid - VGIC_NR_PRIVATE];
    return NULL;
}

void vgic_irq_touch(struct vgic_dist *d, const struct vgic_irq *irq)
{
    if (irq->intid >= VGIC_NR_PRIVATE) {
        unsigned n = irq->intid - VGIC_NR_PRIVATE;
        d->spi_hint[n / 32] |= 1u << (n % 32);
    } else if (irq->owner < AXVM_MAX_VCPUS) {
        d->cpu[irq->owner].priv_hint |= 1u << irq->intid;
    }
}

uint64_t vgic_vcpu_affinity(const struct vgic_dist *d, unsigned idx)
{
    uint64_t mpidr = d->vm->vcpus[idx].hwid;
    return (mpidr & 0xFFFFFFull) | (mpidr & 0xFF00000000ull);
}

/* Interrupt_Routing_Mode = 1 ("any participating PE") is honoured by always
 * choosing vCPU 0: the boot vCPU exists in every VM, and a fixed choice
 * keeps delivery deterministic. Linux never uses 1-of-N routing. An affinity
 * that names no vCPU leaves the SPI pending until the guest re-routes it. */
static unsigned vgic_route(const struct vgic_dist *d, uint64_t irouter)
{
    if (irouter & (1ull << 31))
        return 0;
    uint64_t aff = irouter & 0xFF00FFFFFFull;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        if (vgic_vcpu_affinity(d, i) == aff)
            return i;
    }
    return VGIC_NO_VCPU;
}

unsigned vgic_irq_target(const struct vgic_dist *d, const struct vgic_irq *irq)
{
    if (irq->lr_vcpu != VGIC_NO_VCPU)
        return irq->lr_vcpu;
    /* An active SPI stays where it was acknowledged: only that vCPU can
     * deactivate it, and a second vCPU seeing it pending+active would wait
     * for a deactivation that never reaches its list registers. */
    if (irq->active && irq->active_vcpu != VGIC_NO_VCPU)
        return irq->active_vcpu;
    if (irq->owner != VGIC_NO_VCPU)
        return irq->owner;
    return vgic_route(d, irq->irouter);
}

bool vgic_irq_deliverable(const struct vgic_dist *d, const struct vgic_irq *irq)
{
    return vgic_irq_pending(irq) && irq->enabled && (d->ctlr & GICD_CTLR_EN_GRP1);
}

static void vgic_irq_reset(struct vgic_irq *irq, uint32_t intid, unsigned owner)
{
    bool line = irq->level; /* an input wire: device state, not GIC state */
    memset(irq, 0, sizeof(*irq));
    irq->intid = (uint16_t)intid;
    irq->owner = (uint8_t)owner;
    irq->lr_vcpu = VGIC_NO_VCPU;
    irq->active_vcpu = VGIC_NO_VCPU;
    irq->edge = intid < 16; /* SGIs are always edge; PPIs and SPIs reset level */
    irq->level = line;
}

static void vgic_reset_locked(struct vgic_dist *d)
{
    d->ctlr = 0;
    memset(d->spi_hint, 0, sizeof(d->spi_hint));
    for (unsigned i = 0; i < d->nr_spis; i++) {
        vgic_irq_reset(&d->spi[i], VGIC_NR_PRIVATE + i, VGIC_NO_VCPU);
        if (d->spi[i].level)
            vgic_irq_touch(d, &d->spi[i]);
    }
    for (unsigned c = 0; c < d->nr_vcpus; c++) {
        struct vgic_cpu *cpu = &d->cpu[c];
        for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
            vgic_irq_reset(&cpu->priv[i], i, c);
        cpu->waker = GICR_WAKER_PSLEEP;
        cpu->priv_hint = ~0u; /* a line may be high: let flush look once */
        cpu->lr_loaded = false;
        cpu->lr_count = 0;
        cpu->lr_pend_mask = 0;
        cpu->vmcr_valid = false;
    }
}

int vgic_vm_init(struct axvm_vm *vm, uint64_t dist_base, uint64_t redist_base, unsigned nr_spis)
{
    if (!vm)
        return AXVM_EINVAL;
    unsigned nr_vcpus = vm->cfg.vcpu_count;
    if (nr_vcpus == 0 || nr_vcpus > AXVM_MAX_VCPUS || nr_spis % 32 != 0 || nr_spis > VGIC_MAX_SPIS)
        return AXVM_EINVAL;
    /* GIC frames are 64 KiB aligned architecturally. */
    if (!AXVM_IS_ALIGNED(dist_base, VGIC_DIST_SIZE) || !AXVM_IS_ALIGNED(redist_base, VGIC_DIST_SIZE))
        return AXVM_EALIGN;

    axvm_spin_lock(&vgic_table_lock);
    if (vgic_dist_of(vm)) {
        axvm_spin_unlock(&vgic_table_lock);
        return AXVM_EALREADY;
    }
    unsigned slot = AXVM_MAX_VMS;
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        if (!atomic_load_explicit(&vgic_owner[i], memory_order_relaxed)) {
            slot = i;
            break;
        }
    }
    if (slot == AXVM_MAX_VMS) {
        axvm_spin_unlock(&vgic_table_lock);
        return AXVM_ENOMEM;
    }
    struct vgic_dist *d = &vgic_dists[slot];
    memset(d, 0, sizeof(*d));
    axvm_spin_init(&d->lock);
    d->vm = vm;
    d->dist_base = dist_base;
    d->redist_base = redist_base;
    d->nr_spis = nr_spis;
    d->nr_vcpus = nr_vcpus;
    vgic_reset_locked(d);
    atomic_store_explicit(&vgic_owner[slot], vm, memory_order_release);
    axvm_spin_unlock(&vgic_table_lock);

    struct axvm_dev gicd = {
        .name = "gicv3-dist",
        .base = dist_base,
        .size = VGIC_DIST_SIZE,
        .ops = &vgic_dist_ops,
        .ctx = d,
        .widths = AXVM_W1 | AXVM_W4 | AXVM_W8,
    };
    struct axvm_dev gicr = {
        .name = "gicv3-redist",
        .base = redist_base,
        .size = VGIC_REDIST_STRIDE * nr_vcpus,
        .ops = &vgic_redist_ops,
        .ctx = d,
        .widths = AXVM_W1 | AXVM_W4 | AXVM_W8,
    };
    int err = axvm_devices_add_mmio(&vm->devices, &gicd);
    if (err == AXVM_OK)
        err = axvm_devices_add_mmio(&vm->devices, &gicr);
    if (err != AXVM_OK) {
        /* The device table cannot unregister; a device left behind points
         * at a slot whose owner is no longer this VM, and the handlers
         * refuse accesses from any vCPU of another VM. */
        vgic_vm_destroy(vm);
        return err;
    }
    return AXVM_OK;
}

void vgic_vm_destroy(struct axvm_vm *vm)
{
    axvm_spin_lock(&vgic_table_lock);
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        if (atomic_load_explicit(&vgic_owner[i], memory_order_relaxed) == vm && vm) {
            atomic_store_explicit(&vgic_owner[i], NULL, memory_order_release);
            vgic_dists[i].vm = NULL;
        }
    }
    axvm_spin_unlock(&vgic_table_lock);
}

void vgic_vm_reset(struct axvm_vm *vm)
{
    struct vgic_dist *d = vgic_dist_of(vm);
    if (!d)
        return;
    axvm_spin_lock(&d->lock);
    vgic_reset_locked(d);
    axvm_spin_unlock(&d->lock);
}
