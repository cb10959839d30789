/* Private state of the emulated GICv3, shared by the vgic_*.c files.
 *
 * One struct vgic_dist per VM lives in a static table (vgic_state.c); a
 * single spinlock per VM protects every field below, including the per-vCPU
 * list-register bookkeeping. The lock is never held while calling out of the
 * vGIC (kicks happen after unlock), so no lock order exists to violate.
 *
 * Where an interrupt's state lives: while an interrupt sits in a vCPU's list
 * registers, the hardware owns its pending/active state; vgic_sync folds it
 * back at every exit, and vgic_flush rebuilds the list registers from this
 * state at every entry. */
#ifndef AXVM_ARCH_AARCH64_VGIC_STATE_H
#define AXVM_ARCH_AARCH64_VGIC_STATE_H

#include "axvm/device.h"
#include "axvm/spinlock.h"
#include "axvm/types.h"
#include "vgic.h"

struct axvm_vm;
struct axvm_vcpu;

#define VGIC_NO_VCPU 0xFFu

/* Guest-visible identification. The product id is ours ('X'), so that no
 * Linux erratum workaround keyed on an Arm IIDR (nor on IIDR 0) triggers. */
#define VGIC_IIDR 0x5800043Bu   /* ProductID 0x58, Implementer 0x43B */
#define VGIC_PIDR2 0x3Bu        /* ArchRev 3 (GICv3) */
#define VGIC_PRIO_MASK 0xF8u    /* 5 priority bits, as the virtual CPU interface of Cortex-A cores */

/* GICD_CTLR as seen with a single security state (DS = 1), as KVM presents
 * it: Linux's driver writes ARE_NS|EnableGrp1A|EnableGrp1 (bits 4, 1, 0); in
 * every layout bit 1 is the enable of the Group 1 interrupts guests use. */
#define GICD_CTLR_EN_GRP0 (1u << 0)
#define GICD_CTLR_EN_GRP1 (1u << 1)
#define GICD_CTLR_ARE (1u << 4)
#define GICD_CTLR_DS (1u << 6)

/* GICR_WAKER */
#define GICR_WAKER_PSLEEP (1u << 1)
#define GICR_WAKER_CASLEEP (1u << 2)

/* ICH_LR_EL2 / ICH_HCR_EL2 fields */
#define ICH_LR_STATE_SHIFT 62
#define ICH_LR_PENDING (1ull << 62)
#define ICH_LR_ACTIVE (1ull << 63)
#define ICH_LR_HW (1ull << 61)
#define ICH_LR_GROUP1 (1ull << 60)
#define ICH_LR_EOI (1ull << 41)     /* HW = 0 only: maintenance interrupt on EOI */
#define ICH_LR_PRIO_SHIFT 48
#define ICH_LR_PINTID_SHIFT 32
#define ICH_LR_PINTID_MASK 0x3FFull
#define ICH_LR_VINTID_MASK 0xFFFFFFFFull
#define ICH_VMCR_VENG1 (1ull << 1)
#define ICH_VMCR_VPMR_SHIFT 24
#define ICH_HCR_EN (1ull << 0)
#define ICH_HCR_UIE (1ull << 1)

/* One interrupt of one VM (SPI) or of one vCPU (SGI/PPI). */
struct vgic_irq {
    uint16_t intid;
    uint16_t hw_intid;      /* physical INTID linked through ICH_LR.HW, 0 = none */
    uint8_t priority;
    uint8_t owner;          /* SGI/PPI: the vCPU it belongs to; SPI: VGIC_NO_VCPU */
    uint8_t lr_vcpu;        /* vCPU whose list registers hold it, or VGIC_NO_VCPU */
    uint8_t active_vcpu;    /* where it is active (SPIs stay there until deactivated) */
    bool enabled;
    bool edge;              /* ICFGR: edge-triggered */
    bool latch;             /* pending latch: edge seen, ISPENDR write, vgic_inject */
    bool level;             /* input line (level-sensitive: pending while high) */
    bool active;
    uint64_t irouter;       /* SPIs: GICD_IROUTER as written (masked) */
};

/* List-register bookkeeping of one vCPU, valid between flush and sync. */
struct vgic_cpu {
    struct vgic_irq priv[VGIC_NR_PRIVATE];
    uint32_t waker;                       /* GICR_WAKER.ProcessorSleep */
    /* Private interrupts that may be pending or active: a hint like
     * spi_hint (set on every change, cleared lazily by flush). */
    uint32_t priv_hint;
    bool lr_loaded;                       /* flush done, sync not yet */
    unsigned lr_count;
    uint16_t lr_intid[VGIC_MAX_LRS];
    bool lr_took_latch[VGIC_MAX_LRS];     /* flush moved the pending latch into this LR */
    uint32_t lr_pend_mask;                /* LRs flush loaded with the pending state */
    uint64_t vmcr;                        /* ICH_VMCR_EL2 as of the last sync */
    bool vmcr_valid;                      /* a sync has recorded it */
};

struct vgic_dist {
    struct axvm_vm *vm;                   /* NULL: free slot */
    axvm_spinlock_t lock;
    uint64_t dist_base, redist_base;
    unsigned nr_spis;
    unsigned nr_vcpus;
    uint32_t ctlr;
    /* SPIs that may be pending or active (a hint: set on every change that
     * can make them so, cleared lazily by flush), to keep flush O(pending). */
    uint32_t spi_hint[VGIC_MAX_SPIS / 32];
    struct vgic_irq spi[VGIC_MAX_SPIS];
    struct vgic_cpu cpu[AXVM_MAX_VCPUS];
};

/* The vGIC of a VM, or NULL. */
struct vgic_dist *vgic_dist_of(const struct axvm_vm *vm);

/* The interrupt `intid` as seen from vCPU `vcpu_id` (banked SGIs/PPIs), or
 * NULL when the VM does not implement it. Caller holds d->lock. */
struct vgic_irq *vgic_irq_get(struct vgic_dist *d, unsigned vcpu_id, uint32_t intid);

static inline bool vgic_irq_pending(const struct vgic_irq *irq)
{
    return irq->latch || (!irq->edge && irq->level);
}

/* Something about the interrupt may have become pending or active. */
void vgic_irq_touch(struct vgic_dist *d, const struct vgic_irq *irq);

/* The vCPU (index) that must present `irq` now, or VGIC_NO_VCPU. */
unsigned vgic_irq_target(const struct vgic_dist *d, const struct vgic_irq *irq);

/* Would the target vCPU take it if it were in a list register? */
bool vgic_irq_deliverable(const struct vgic_dist *d, const struct vgic_irq *irq);

/* Affinity (Aff3.Aff2.Aff1.Aff0 packed as in GICD_IROUTER / MPIDR, without
 * the IRM bit) of vCPU `idx`. */
uint64_t vgic_vcpu_affinity(const struct vgic_dist *d, unsigned idx);

/* Register helpers shared by the distributor and the redistributors: the
 * bit-per-interrupt, byte-per-interrupt and two-bits-per-interrupt register
 * families, for the 32 (16, 4) interrupts starting at `first`, banked for
 * vCPU `vcpu_id`. Interrupts that do not exist read as zero and ignore
 * writes. Caller holds d->lock. */
enum vgic_bitreg { VGIC_REG_ENABLE, VGIC_REG_PENDING, VGIC_REG_ACTIVE };
uint32_t vgic_bits_read(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, enum vgic_bitreg reg);
/* Returns the vCPUs (bitmap) that now have something new to deliver. */
uint32_t vgic_bits_write(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, enum vgic_bitreg reg,
                         bool set, uint32_t value);
uint64_t vgic_prio_read(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, unsigned n);
/* Bitmap of the vCPUs for which `irq` is new work (0 or one bit). */
uint32_t vgic_irq_kick_mask(const struct vgic_dist *d, const struct vgic_irq *irq);
/* Kick the vCPUs of `mask` except `self` (which re-flushes on its own). */
void vgic_kick_mask(struct vgic_dist *d, uint32_t mask, const struct axvm_vcpu *self);

void vgic_prio_write(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, unsigned n, uint64_t value);
uint32_t vgic_cfg_read(struct vgic_dist *d, unsigned vcpu_id, uint32_t first);
void vgic_cfg_write(struct vgic_dist *d, unsigned vcpu_id, uint32_t first, uint32_t value);

/* CoreSight ID register at `off` (0xFFD0..0xFFFC of a GIC frame). */
uint32_t vgic_idreg(uint64_t off);

/* MMIO handlers (vgic_dist.c, vgic_redist.c). */
extern const struct axvm_dev_ops vgic_dist_ops;
extern const struct axvm_dev_ops vgic_redist_ops;

#define VGIC_DIST_SIZE 0x10000ull
#define VGIC_REDIST_STRIDE 0x20000ull

#endif
