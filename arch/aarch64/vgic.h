/* GICv3 virtualization: the emulated distributor and redistributors, and the
 * per-vCPU virtual CPU interface state that the vCPU backend loads into and
 * saves from the ICH_* registers around each guest entry.
 *
 * Split of work:
 *   vgic_*.c (portable C, unit-tested hosted): register emulation, pending
 *     state, routing, choosing what goes into the list registers.
 *   the vCPU backend (entry/exit path): copies struct vgic_cpu_hw to and from
 *     ICH_LR<n>_EL2, ICH_HCR_EL2, ICH_VMCR_EL2, ICH_AP1R0_EL2 and reads
 *     ICH_ELRSR_EL2 / ICH_MISR_EL2; it never interprets them.
 * The guest's ICC_* accesses go straight to the hardware virtual CPU
 * interface, except SGI generation: with HCR_EL2.IMO set, EL1 writes to
 * ICC_SGI1R_EL1 trap to EL2 (EC 0x18), and the backend hands them to
 * vgic_sgi1r_write. The vGIC keeps its per-VM and per-vCPU state in its own
 * static tables (indexed by VM slot and vCPU id). */
#ifndef AXVM_ARCH_AARCH64_VGIC_H
#define AXVM_ARCH_AARCH64_VGIC_H

#include "axvm/types.h"

struct axvm_vm;
struct axvm_vcpu;

#define VGIC_MAX_LRS 16
#define VGIC_NR_PRIVATE 32          /* SGIs 0-15, PPIs 16-31 */
#define VGIC_MAX_SPIS 256           /* INTIDs 32 .. 32+VGIC_MAX_SPIS-1 */
#define VGIC_MAINT_INTID 25         /* maintenance interrupt (PPI 9 on QEMU virt) */
#define VGIC_VTIMER_INTID 27

/* What the backend copies to/from the ICH_* system registers. */
struct vgic_cpu_hw {
    uint64_t lr[VGIC_MAX_LRS];
    uint64_t hcr;       /* ICH_HCR_EL2 to load (En, UIE/NPIE set by flush) */
    uint64_t vmcr;      /* ICH_VMCR_EL2, saved and restored as is */
    uint64_t ap1r0;     /* ICH_AP1R0_EL2 */
    uint64_t elrsr;     /* ICH_ELRSR_EL2 read at exit */
    uint64_t misr;      /* ICH_MISR_EL2 read at exit */
    unsigned nr_lr;     /* ICH_VTR_EL2.ListRegs + 1, set once by the backend */
    unsigned used_lr;   /* LRs filled by the last flush (the backend loads lr[0..used_lr-1] and zeroes the rest) */
};

/* Per-VM setup: registers the distributor at `dist_base` (64 KiB) and one
 * 128 KiB redistributor frame per vCPU from `redist_base` as MMIO devices of
 * the VM, with `nr_spis` SPIs (multiple of 32, <= VGIC_MAX_SPIS). */
int vgic_vm_init(struct axvm_vm *vm, uint64_t dist_base, uint64_t redist_base, unsigned nr_spis);
void vgic_vm_destroy(struct axvm_vm *vm);
/* Back to reset state (VM reboot). */
void vgic_vm_reset(struct axvm_vm *vm);

/* Raise an interrupt: SGIs/PPIs for one vCPU; SPIs by their routing (the
 * vcpu argument is ignored for SPIs, which go where GICD_IROUTER says).
 * `hw_intid`, when non-zero, links the virtual interrupt to a physical one
 * (ICH_LR.HW): the guest's deactivation then deactivates the physical one.
 * Callable from any physical CPU; the caller kicks the target vCPU. Returns
 * the vCPU that should be kicked (NULL if the interrupt is disabled/not
 * deliverable now) via *target. */
int vgic_inject(struct axvm_vm *vm, struct axvm_vcpu *vcpu, uint32_t intid, uint32_t hw_intid,
                struct axvm_vcpu **target);
/* Provided by the host runtime (weak: absent in hosted builds): the guest
 * removed the pending or active state of a virtual SPI linked to physical
 * SPI `hw_intid` (GICD_ICPENDR/ICACTIVER) while the physical one waits for
 * the guest's deactivation, which will now never come: deactivate it, as
 * the hardware would have. Called with the vGIC's lock held. */
void vgic_hw_deactivate(struct axvm_vm *vm, uint32_t hw_intid) __attribute__((weak));

/* Level-sensitive line state from an emulated device (PL011 RX). */
int vgic_set_level(struct axvm_vm *vm, uint32_t intid, bool level, struct axvm_vcpu **target);

/* Guest wrote ICC_SGI1R_EL1 (trapped): deliver SGIs to the addressed vCPUs
 * and kick them. */
int vgic_sgi1r_write(struct axvm_vcpu *vcpu, uint64_t value);

/* Before entry: move pending interrupts of this vCPU into hw->lr (highest
 * priority first), set hw->hcr (En; UIE when more are pending than LRs).
 * Level interrupts without a hardware link carry ICH_LR.EOI, so the guest's
 * EOI raises the maintenance interrupt (INTID 25) and the line is re-sampled
 * at once. That interrupt is level-sensitive and stays asserted while
 * ICH_HCR_EL2.En is set and its condition holds: the backend must clear
 * ICH_HCR_EL2 before acknowledging physical interrupts at exit; the exit
 * itself (sync, then flush) is all the handling it needs. */
void vgic_flush(struct axvm_vcpu *vcpu, struct vgic_cpu_hw *hw);
/* After exit: fold LR state back (handled / still active / still pending). */
void vgic_sync(struct axvm_vcpu *vcpu, struct vgic_cpu_hw *hw);
/* Something deliverable pending for this vCPU (wakes WFI)? */
bool vgic_vcpu_pending(struct axvm_vcpu *vcpu);

#endif
