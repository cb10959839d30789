/* The AArch64 vCPU backend: context switch around ERET, per-VM stage-2 and
 * VMID, vGIC list-register load/save, the virtual timer.
 *
 * Register state: x0-x30, PC and PSTATE move through entry.S at every exit.
 * The virtual timer (CNTV_CTL/CVAL) is saved at every exit: the core reads
 * the copy for WFI wake-ups, and the timer is switched off while the
 * hypervisor runs. The other EL1 system registers are switched lazily: the
 * hypervisor never touches EL1 state, so with one vCPU per pCPU they stay
 * in the hardware; they are saved when a fault injection needs them
 * (a64_el1_fetch), when another vCPU enters on this pCPU, or at unbind, and
 * loaded when the saved copy is the current one. FP/SIMD is switched lazily: the
 * hypervisor is built with -mgeneral-regs-only, so the registers stay the
 * guest's until another vCPU needs them on this pCPU (or unbind). */
#include <stdatomic.h>

#include "axvm/arch.h"
#include "axvm/hal.h"
#include "axvm/lib.h"
#include "axvm/log.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "a64.h"
#include "runtime/baremetal/rt.h"
#include "sysreg.h"

/* HCR_EL2 bits */
#define HCR_VM (1ull << 0)
#define HCR_SWIO (1ull << 1)
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_AMO (1ull << 5)
#define HCR_VSE (1ull << 8)
#define HCR_FB (1ull << 9)
#define HCR_BSU_IS (1ull << 10)
#define HCR_TWI (1ull << 13)
#define HCR_TID3 (1ull << 18)
#define HCR_TSC (1ull << 19)
#define HCR_TIDCP (1ull << 20)
#define HCR_TACR (1ull << 21)
#define HCR_TSW (1ull << 22)
#define HCR_RW (1ull << 31)

#define A64_GUEST_HCR                                                                               \
    (HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_IS | HCR_TWI | HCR_TID3 | \
     HCR_TSC | HCR_TIDCP | HCR_TACR | HCR_TSW | HCR_RW)

/* VTCR_EL2: 39-bit IPA (T0SZ 25), start at level 1 (SL0 1), 4 KiB granule,
 * inner-shareable write-back walks, 40-bit PA, RES1 bit 31. */
#define A64_VTCR ((1ull << 31) | (2ull << 16) | (3ull << 12) | (1ull << 10) | (1ull << 8) | (1ull << 6) | 25ull)

#define PSTATE_EL1H_MASKED 0x3c5ull
#define SCTLR_EL1_RESET 0x30d00800ull

#define ICH_HCR_EN_ONLY 1ull /* ICH_HCR_EL2.En, no maintenance interrupt enabled */

#define CNTV_ENABLE 1ull
#define CNTV_IMASK 2ull

static struct a64_vm vm_slots[AXVM_MAX_VMS];
/* Whose EL1 registers each pCPU holds (valid while that ctx says el1_in_hw
 * on this pCPU). */
static struct a64_ctx *el1_owner[PLAT_MAX_CPUS];
static bool vm_slot_used[AXVM_MAX_VMS];
static axvm_spinlock_t vm_slot_lock = AXVM_SPINLOCK_INIT;
static unsigned nr_lrs;

_Static_assert(sizeof(struct a64_ctx) <= AXVM_PAGE_SIZE, "vCPU context fits a page");
_Static_assert(__builtin_offsetof(struct a64_ctx, x) == 0, "entry.S expects x[] first");

static struct a64_ctx *ctx_of(struct axvm_vcpu *vcpu) { return vcpu->arch; }
static struct a64_vm *avm_of(struct axvm_vm *vm) { return vm->arch; }

/* ---- vGIC model, optional at link time --------------------------------- */

#define WEAK __attribute__((weak))
WEAK int vgic_vm_init(struct axvm_vm *vm, uint64_t dist_base, uint64_t redist_base, unsigned nr_spis);
WEAK void vgic_vm_destroy(struct axvm_vm *vm);
WEAK void vgic_vm_reset(struct axvm_vm *vm);
WEAK int vgic_inject(struct axvm_vm *vm, struct axvm_vcpu *vcpu, uint32_t intid, uint32_t hw_intid,
                     struct axvm_vcpu **target);
WEAK void vgic_flush(struct axvm_vcpu *vcpu, struct vgic_cpu_hw *hw);
WEAK void vgic_sync(struct axvm_vcpu *vcpu, struct vgic_cpu_hw *hw);
WEAK bool vgic_vcpu_pending(struct axvm_vcpu *vcpu);
WEAK int vgic_sgi1r_write(struct axvm_vcpu *vcpu, uint64_t value);

bool a64_vgic_present(void) { return vgic_vm_init != NULL && vgic_flush != NULL; }

/* ---- machine ----------------------------------------------------------- */

static bool a64_hardware_supported(void)
{
    return ((read_sysreg(CurrentEL) >> 2) & 3) == 2;
}

static int a64_percpu_init(unsigned pcpu)
{
    (void)pcpu;
    uint64_t pmcr = read_sysreg(pmcr_el0);
    /* PMU and trace trap to EL2 (and are refused); the guest sees no PMU. */
    write_sysreg(mdcr_el2, ((pmcr >> 11) & 0x1f) | (1u << 5) | (1u << 6));
    write_sysreg(cptr_el2, 0x33ffull | (1ull << 20));
    /* EL1 may read the physical counter, but not program the physical timer. */
    write_sysreg(CNTHCTL_EL2_R, 1);
    write_sysreg(vtcr_el2, A64_VTCR);
    write_sysreg(vpidr_el2, read_sysreg(midr_el1));
    write_sysreg(hstr_el2, 0);
    write_sysreg(ICH_HCR_EL2, 0);
    a64_isb();
    nr_lrs = rt_gic_nr_lrs();
    if (nr_lrs > VGIC_MAX_LRS)
        nr_lrs = VGIC_MAX_LRS;
    a64_sysreg_init();
    return AXVM_OK;
}

/* ---- VMs ---------------------------------------------------------------- */

static void tlb_flush_vmid(uint64_t vttbr)
{
    uint64_t saved = read_sysreg(vttbr_el2);
    a64_dsb_ish();
    write_sysreg(vttbr_el2, vttbr);
    a64_isb();
    __asm__ volatile("tlbi vmalls12e1is\n\tdsb ish\n\tisb" ::: "memory");
    write_sysreg(vttbr_el2, saved);
    a64_isb();
}

static int a64_vm_init(struct axvm_vm *vm)
{
    unsigned slot = AXVM_MAX_VMS;
    axvm_spin_lock(&vm_slot_lock);
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        if (!vm_slot_used[i]) {
            vm_slot_used[i] = true;
            slot = i;
            break;
        }
    }
    axvm_spin_unlock(&vm_slot_lock);
    if (slot == AXVM_MAX_VMS)
        return AXVM_ENOMEM;
    struct a64_vm *avm = &vm_slots[slot];
    memset(avm, 0, sizeof(*avm));
    avm->vmid = slot + 1;
    avm->vttbr = (uint64_t)vm->as.pt.root_pa | ((uint64_t)avm->vmid << 48);
    /* CNTVOFF_EL2 stays 0: QEMU 7.2 arms the virtual timer at CVAL +
     * CNTVOFF without overflow handling, so with any offset a guest's
     * CVAL near 2^64 wraps to the past and the timer re-fires forever,
     * wedging the whole machine (docs/HOSTILE.md, finding 2). The guest's
     * virtual counter is the physical one. */
    avm->cntvoff = 0;
    vm->arch = avm;
    /* A VMID reused from a destroyed VM must not see its translations. */
    tlb_flush_vmid(avm->vttbr);
    return AXVM_OK;
}

static void a64_vm_destroy(struct axvm_vm *vm)
{
    struct a64_vm *avm = avm_of(vm);
    if (!avm)
        return;
    a64_devices_release(vm);
    if (avm->has_vgic && vgic_vm_destroy)
        vgic_vm_destroy(vm);
    tlb_flush_vmid(avm->vttbr);
    axvm_spin_lock(&vm_slot_lock);
    vm_slot_used[avm - vm_slots] = false;
    axvm_spin_unlock(&vm_slot_lock);
    vm->arch = NULL;
}

static int a64_vm_reset(struct axvm_vm *vm)
{
    struct a64_vm *avm = avm_of(vm);
    if (avm->has_vgic && vgic_vm_reset)
        vgic_vm_reset(vm);
    a64_devices_reset(vm);
    tlb_flush_vmid(avm->vttbr);
    return AXVM_OK;
}

static void a64_vm_tlb_flush(struct axvm_vm *vm)
{
    tlb_flush_vmid(avm_of(vm)->vttbr);
}

static int a64_vm_attach_device(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev)
{
    struct a64_vm *avm = avm_of(vm);
    if (dev->kind == AXVM_EMU_GIC_DIST || dev->kind == AXVM_EMU_GIC_REDIST) {
        if (dev->kind == AXVM_EMU_GIC_DIST) {
            if (avm->gicd_base)
                return AXVM_EBUSY;
            avm->gicd_base = dev->base;
            avm->nr_spis = dev->arg ? (unsigned)dev->arg : 64;
        } else {
            if (avm->gicr_base)
                return AXVM_EBUSY;
            avm->gicr_base = dev->base;
        }
        if (!avm->gicd_base || !avm->gicr_base)
            return AXVM_OK;
        if (!a64_vgic_present()) {
            AXVM_WARN("vm %s: no vGIC model in this build; guest gets no interrupts\n", vm->cfg.name);
            return AXVM_OK;
        }
        int r = vgic_vm_init(vm, avm->gicd_base, avm->gicr_base, avm->nr_spis);
        if (r == AXVM_OK)
            avm->has_vgic = true;
        return r;
    }
    return a64_attach_device(vm, dev);
}

/* ---- vCPUs -------------------------------------------------------------- */

static int a64_vcpu_create(struct axvm_vcpu *vcpu)
{
    struct a64_ctx *ctx = hal_pages_alloc(1, AXVM_PAGE_SIZE);
    if (!ctx)
        return AXVM_ENOMEM;
    ctx->vcpu = vcpu;
    ctx->el1_in_hw = false;
    ctx->gic.nr_lr = nr_lrs ? nr_lrs : rt_gic_nr_lrs();
    /* Virtual topology: Aff0 = vCPU index; bit 31 is RES1 in MPIDR. */
    vcpu->hwid = vcpu->id;
    ctx->vmpidr = (1ull << 31) | vcpu->id;
    vcpu->arch = ctx;
    return AXVM_OK;
}

static void a64_vcpu_destroy(struct axvm_vcpu *vcpu)
{
    struct a64_ctx *ctx = ctx_of(vcpu);
    if (!ctx)
        return;
    for (unsigned c = 0; c < PLAT_MAX_CPUS; c++) {
        if (rt_cpus[c].fp_owner == ctx->fp)
            rt_cpus[c].fp_owner = NULL;
        if (rt_cpus[c].current == vcpu)
            rt_cpus[c].current = NULL;
        if (el1_owner[c] == ctx)
            el1_owner[c] = NULL;
    }
    vcpu->arch = NULL;
    hal_pages_free(ctx, 1);
}

static int a64_vcpu_setup(struct axvm_vcpu *vcpu, axvm_gpa_t entry, uint64_t arg, axvm_hpa_t stage2_root)
{
    struct a64_ctx *ctx = ctx_of(vcpu);
    struct a64_vm *avm = avm_of(vcpu->vm);
    memset(ctx->x, 0, sizeof(ctx->x));
    memset(ctx->el1, 0, sizeof(ctx->el1));
    ctx->el1_in_hw = false; /* the copy is the current state from now on */
    memset(ctx->fp, 0, sizeof(ctx->fp));
    ctx->x[0] = arg;
    ctx->pc = entry;
    ctx->pstate = PSTATE_EL1H_MASKED;
    ctx->el1[A64_SCTLR] = SCTLR_EL1_RESET;
    ctx->hcr = A64_GUEST_HCR;
    ctx->fp_stale = true;
    ctx->esr = ctx->far = ctx->hpfar = 0;
    ctx->faults_logged = 0;
    /* A HW-linked timer interrupt of the previous life may still be active. */
    ctx->vtimer_reset = true;
    ctx->vtimer_hw_pending = false;
    unsigned nr = ctx->gic.nr_lr;
    memset(&ctx->gic, 0, sizeof(ctx->gic));
    ctx->gic.nr_lr = nr;
    avm->vttbr = (uint64_t)stage2_root | ((uint64_t)avm->vmid << 48);
    return AXVM_OK;
}

static void a64_vcpu_bind(struct axvm_vcpu *vcpu)
{
    rt_set_current_vcpu(vcpu);
}

static void a64_vcpu_unbind(struct axvm_vcpu *vcpu)
{
    struct a64_ctx *ctx = ctx_of(vcpu);
    struct rt_percpu *pc = rt_this_cpu();
    if (pc->fp_owner == ctx->fp) {
        a64_fp_save(ctx->fp);
        pc->fp_owner = NULL;
    }
    a64_el1_fetch(ctx);
    if (el1_owner[rt_cpu_index()] == ctx)
        el1_owner[rt_cpu_index()] = NULL;
    if (pc->current == vcpu)
        pc->current = NULL;
}

/* Writes of translation-control registers make QEMU (and some CPUs) drop
 * their TLBs; the hypervisor itself never changes EL1 state, so with one
 * vCPU per pCPU almost every value is already in place at re-entry. */
#define LOAD_IF_CHANGED(reg, v)                \
    do {                                       \
        uint64_t want_ = (v);                  \
        if (read_sysreg(reg) != want_)         \
            write_sysreg(reg, want_);          \
    } while (0)

static void el1_load(const uint64_t *r)
{
    LOAD_IF_CHANGED(sctlr_el1, r[A64_SCTLR]);
    LOAD_IF_CHANGED(ttbr0_el1, r[A64_TTBR0]);
    LOAD_IF_CHANGED(ttbr1_el1, r[A64_TTBR1]);
    LOAD_IF_CHANGED(tcr_el1, r[A64_TCR]);
    LOAD_IF_CHANGED(mair_el1, r[A64_MAIR]);
    LOAD_IF_CHANGED(amair_el1, r[A64_AMAIR]);
    LOAD_IF_CHANGED(vbar_el1, r[A64_VBAR]);
    LOAD_IF_CHANGED(contextidr_el1, r[A64_CONTEXTIDR]);
    LOAD_IF_CHANGED(tpidr_el0, r[A64_TPIDR_EL0]);
    LOAD_IF_CHANGED(tpidrro_el0, r[A64_TPIDRRO_EL0]);
    LOAD_IF_CHANGED(tpidr_el1, r[A64_TPIDR_EL1]);
    LOAD_IF_CHANGED(cpacr_el1, r[A64_CPACR]);
    LOAD_IF_CHANGED(esr_el1, r[A64_ESR]);
    LOAD_IF_CHANGED(far_el1, r[A64_FAR]);
    LOAD_IF_CHANGED(afsr0_el1, r[A64_AFSR0]);
    LOAD_IF_CHANGED(afsr1_el1, r[A64_AFSR1]);
    LOAD_IF_CHANGED(par_el1, r[A64_PAR]);
    LOAD_IF_CHANGED(cntkctl_el1, r[A64_CNTKCTL]);
    LOAD_IF_CHANGED(mdscr_el1, r[A64_MDSCR]);
    LOAD_IF_CHANGED(csselr_el1, r[A64_CSSELR]);
    LOAD_IF_CHANGED(sp_el0, r[A64_SP_EL0]);
    LOAD_IF_CHANGED(sp_el1, r[A64_SP_EL1]);
    LOAD_IF_CHANGED(elr_el1, r[A64_ELR_EL1]);
    LOAD_IF_CHANGED(spsr_el1, r[A64_SPSR_EL1]);
}

static void el1_save(uint64_t *r)
{
    r[A64_SCTLR] = read_sysreg(sctlr_el1);
    r[A64_TTBR0] = read_sysreg(ttbr0_el1);
    r[A64_TTBR1] = read_sysreg(ttbr1_el1);
    r[A64_TCR] = read_sysreg(tcr_el1);
    r[A64_MAIR] = read_sysreg(mair_el1);
    r[A64_AMAIR] = read_sysreg(amair_el1);
    r[A64_VBAR] = read_sysreg(vbar_el1);
    r[A64_CONTEXTIDR] = read_sysreg(contextidr_el1);
    r[A64_TPIDR_EL0] = read_sysreg(tpidr_el0);
    r[A64_TPIDRRO_EL0] = read_sysreg(tpidrro_el0);
    r[A64_TPIDR_EL1] = read_sysreg(tpidr_el1);
    r[A64_CPACR] = read_sysreg(cpacr_el1);
    r[A64_ESR] = read_sysreg(esr_el1);
    r[A64_FAR] = read_sysreg(far_el1);
    r[A64_AFSR0] = read_sysreg(afsr0_el1);
    r[A64_AFSR1] = read_sysreg(afsr1_el1);
    r[A64_PAR] = read_sysreg(par_el1);
    r[A64_CNTKCTL] = read_sysreg(cntkctl_el1);
    r[A64_MDSCR] = read_sysreg(mdscr_el1);
    r[A64_CSSELR] = read_sysreg(csselr_el1);
    r[A64_SP_EL0] = read_sysreg(sp_el0);
    r[A64_SP_EL1] = read_sysreg(sp_el1);
    r[A64_ELR_EL1] = read_sysreg(elr_el1);
    r[A64_SPSR_EL1] = read_sysreg(spsr_el1);
}

void a64_el1_fetch(struct a64_ctx *ctx)
{
    if (!ctx->el1_in_hw)
        return;
    unsigned cpu = rt_cpu_index();
    /* Only the pCPU that holds them can read them; elsewhere (which the
     * per-pCPU loop never does) the copy is all there is. */
    if (ctx->el1_cpu == cpu && el1_owner[cpu] == ctx)
        el1_save(ctx->el1);
    ctx->el1_in_hw = false;
}

/* Before entering `ctx` on this pCPU: its EL1 registers in the hardware. */
static void el1_enter(struct a64_ctx *ctx)
{
    unsigned cpu = rt_cpu_index();
    struct a64_ctx *owner = el1_owner[cpu];
    if (owner == ctx && ctx->el1_in_hw && ctx->el1_cpu == cpu)
        return;
    if (owner && owner != ctx)
        a64_el1_fetch(owner); /* another vCPU's live state: keep it */
    el1_load(ctx->el1);
    el1_owner[cpu] = ctx;
    ctx->el1_cpu = cpu;
    ctx->el1_in_hw = true;
}

#define LR_CASE_W(n, crm, op2) case n: write_sysreg(S3_4_C12_##crm##_##op2, v); break;
#define LR_CASE_R(n, crm, op2) case n: v = read_sysreg(S3_4_C12_##crm##_##op2); break;
#define LR_LIST(X) X(0, C12, 0) X(1, C12, 1) X(2, C12, 2) X(3, C12, 3) X(4, C12, 4) X(5, C12, 5) \
    X(6, C12, 6) X(7, C12, 7) X(8, C13, 0) X(9, C13, 1) X(10, C13, 2) X(11, C13, 3) X(12, C13, 4)   \
    X(13, C13, 5) X(14, C13, 6) X(15, C13, 7)

static void lr_write(unsigned n, uint64_t v)
{
    switch (n) { LR_LIST(LR_CASE_W) default: break; }
}

static uint64_t lr_read(unsigned n)
{
    uint64_t v = 0;
    switch (n) { LR_LIST(LR_CASE_R) default: break; }
    return v;
}

static void gic_load(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, bool has_vgic)
{
    struct vgic_cpu_hw *hw = &ctx->gic;
    if (has_vgic) {
        if (ctx->vtimer_hw_pending) {
            struct axvm_vcpu *t = NULL;
            if (vgic_inject(vcpu->vm, vcpu, PLAT_INTID_VTIMER, PLAT_INTID_VTIMER, &t) == AXVM_OK)
                ctx->vtimer_hw_pending = false;
        }
        vgic_flush(vcpu, hw);
    } else {
        hw->used_lr = 0;
        hw->hcr = ICH_HCR_EN_ONLY; /* the guest's CPU interface works, nothing is delivered */
    }
    if (hw->used_lr > hw->nr_lr)
        hw->used_lr = hw->nr_lr;
    /* Each write re-evaluates QEMU's virtual CPU interface: skip the ones
     * that would change nothing (mostly empty LRs). */
    for (unsigned i = 0; i < hw->nr_lr; i++) {
        uint64_t want = i < hw->used_lr ? hw->lr[i] : 0;
        if (lr_read(i) != want)
            lr_write(i, want);
    }
    LOAD_IF_CHANGED(ICH_VMCR_EL2, hw->vmcr);
    LOAD_IF_CHANGED(ICH_AP1R0_EL2, hw->ap1r0);
    LOAD_IF_CHANGED(ICH_HCR_EL2, hw->hcr);
}

/* Read the virtual CPU interface back and switch it off: while it is on,
 * a maintenance condition (underflow, no pending) keeps INTID 25 asserted,
 * which must not happen while the hypervisor polls its interrupts. */
static void gic_save(struct a64_ctx *ctx)
{
    struct vgic_cpu_hw *hw = &ctx->gic;
    for (unsigned i = 0; i < hw->used_lr; i++)
        hw->lr[i] = lr_read(i);
    hw->elrsr = read_sysreg(ICH_ELRSR_EL2);
    hw->misr = read_sysreg(ICH_MISR_EL2);
    hw->vmcr = read_sysreg(ICH_VMCR_EL2);
    hw->ap1r0 = read_sysreg(ICH_AP1R0_EL2);
    /* Empty LRs and no maintenance enable but En: no maintenance condition
     * can hold, so the interface may stay on (each write of ICH_HCR_EL2
     * makes QEMU re-evaluate the virtual CPU interface). */
    if (hw->used_lr || hw->hcr != ICH_HCR_EN_ONLY) {
        write_sysreg(ICH_HCR_EL2, 0);
        a64_isb();
    }
}

static int a64_vcpu_run(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
    struct a64_ctx *ctx = ctx_of(vcpu);
    struct a64_vm *avm = avm_of(vcpu->vm);
    struct rt_percpu *pc = rt_this_cpu();

    *exit = (struct axvm_exit){0}; /* inline stores, not a call */
    pc->current = vcpu;
    /* Console input that did not fit the guest UART's FIFO at interrupt
     * time: top it up whenever a vCPU (re-)enters. */
    if (rt_console_rx_pending())
        rt_console_input_ready();
    if (ctx->vtimer_reset) {
        rt_gic_deactivate(PLAT_INTID_VTIMER);
        ctx->vtimer_reset = false;
    }
    if (pc->fp_owner != ctx->fp || ctx->fp_stale) {
        if (pc->fp_owner && pc->fp_owner != ctx->fp)
            a64_fp_save(pc->fp_owner);
        a64_fp_restore(ctx->fp);
        pc->fp_owner = ctx->fp;
        ctx->fp_stale = false;
    }

    LOAD_IF_CHANGED(hcr_el2, ctx->hcr);
    LOAD_IF_CHANGED(vttbr_el2, avm->vttbr);
    LOAD_IF_CHANGED(vmpidr_el2, ctx->vmpidr);
    LOAD_IF_CHANGED(CNTVOFF_EL2_R, avm->cntvoff);
    el1_enter(ctx);
    LOAD_IF_CHANGED(CNTV_CVAL_EL0_R, ctx->el1[A64_CNTV_CVAL]);
    LOAD_IF_CHANGED(CNTV_CTL_EL0_R, ctx->el1[A64_CNTV_CTL]);
    gic_load(vcpu, ctx, avm->has_vgic);
    write_sysreg(elr_el2, ctx->pc);
    write_sysreg(spsr_el2, ctx->pstate);
    a64_isb();

    unsigned type = a64_guest_enter(ctx);

    ctx->pc = read_sysreg(elr_el2);
    ctx->pstate = read_sysreg(spsr_el2);
    if (ctx->hcr & HCR_VSE)
        ctx->hcr = read_sysreg(hcr_el2); /* VSE clears when the guest took it */
    ctx->el1[A64_CNTV_CTL] = read_sysreg(CNTV_CTL_EL0_R);
    ctx->el1[A64_CNTV_CVAL] = read_sysreg(CNTV_CVAL_EL0_R);
    gic_save(ctx);
    /* Acknowledge what made us exit while the guest's timer still drives its
     * PPI (a level interrupt: disabling the timer first would withdraw it). */
    uint32_t first_irq = 1023;
    if (type == A64_VEC_IRQ || type == A64_VEC_FIQ)
        first_irq = rt_irq_drain(vcpu);
    /* The guest's timer must not fire into the hypervisor. A timer that is
     * off or masked cannot: leave it (each write makes QEMU reprogram a
     * host timer). */
    if ((ctx->el1[A64_CNTV_CTL] & (CNTV_ENABLE | CNTV_IMASK)) == CNTV_ENABLE)
        write_sysreg(CNTV_CTL_EL0_R, 0);
    if (avm->has_vgic)
        vgic_sync(vcpu, &ctx->gic);
    exit->guest_pc = ctx->pc;

    switch (type) {
    case A64_VEC_SYNC:
        return a64_decode_sync(vcpu, ctx, exit);
    case A64_VEC_IRQ:
    case A64_VEC_FIQ:
        exit->reason = AXVM_EXIT_EXTERNAL_INTERRUPT;
        exit->u.ext_irq.vector = first_irq;
        return AXVM_OK;
    default:
        /* An SError from the guest's own doing: reflect it as a virtual SError. */
        AXVM_WARN("vm %s vcpu %u: SError (ESR_EL2 0x%llx), virtual SError injected\n", vcpu->vm->cfg.name,
                  vcpu->id, (unsigned long long)read_sysreg(esr_el2));
        ctx->hcr |= HCR_VSE;
        exit->reason = AXVM_EXIT_NOTHING;
        return AXVM_OK;
    }
}

/* ---- registers ---------------------------------------------------------- */

static int a64_vcpu_get_gpr(struct axvm_vcpu *vcpu, unsigned idx, uint64_t *value)
{
    if (idx > 31)
        return AXVM_ERANGE;
    *value = idx == 31 ? 0 : ctx_of(vcpu)->x[idx]; /* 31: XZR in a data abort's SRT */
    return AXVM_OK;
}

static int a64_vcpu_set_gpr(struct axvm_vcpu *vcpu, unsigned idx, uint64_t value)
{
    if (idx > 31)
        return AXVM_ERANGE;
    if (idx < 31)
        ctx_of(vcpu)->x[idx] = value;
    return AXVM_OK;
}

static void a64_vcpu_set_return_value(struct axvm_vcpu *vcpu, uint64_t value)
{
    ctx_of(vcpu)->x[0] = value;
}

/* ---- interrupts and timer ---------------------------------------------- */

static int a64_vcpu_inject_irq(struct axvm_vcpu *vcpu, uint32_t irq)
{
    struct a64_vm *avm = avm_of(vcpu->vm);
    if (!avm->has_vgic)
        return AXVM_ENOTSUP;
    struct axvm_vcpu *target = NULL;
    int r = vgic_inject(vcpu->vm, vcpu, irq, 0, &target);
    if (r == AXVM_OK && target && target != vcpu)
        axvm_vcpu_kick(target);
    return r;
}

static bool vtimer_due(const struct axvm_vcpu *vcpu, const struct a64_ctx *ctx)
{
    uint64_t ctl = ctx->el1[A64_CNTV_CTL];
    if ((ctl & (CNTV_ENABLE | CNTV_IMASK)) != CNTV_ENABLE)
        return false;
    a64_isb();
    uint64_t now = read_sysreg(cntpct_el0) - avm_of(vcpu->vm)->cntvoff;
    return ctx->el1[A64_CNTV_CVAL] <= now;
}

static bool a64_vcpu_irq_pending(struct axvm_vcpu *vcpu)
{
    struct a64_ctx *ctx = ctx_of(vcpu);
    if (vtimer_due(vcpu, ctx) || ctx->vtimer_hw_pending)
        return true;
    return avm_of(vcpu->vm)->has_vgic && vgic_vcpu_pending(vcpu);
}

static uint64_t a64_vcpu_wake_deadline(struct axvm_vcpu *vcpu)
{
    struct a64_ctx *ctx = ctx_of(vcpu);
    uint64_t ctl = ctx->el1[A64_CNTV_CTL];
    if ((ctl & (CNTV_ENABLE | CNTV_IMASK)) != CNTV_ENABLE)
        return UINT64_MAX;
    uint64_t cval = ctx->el1[A64_CNTV_CVAL];
    uint64_t off = avm_of(vcpu->vm)->cntvoff;
    if (cval > UINT64_MAX - off)
        return UINT64_MAX;
    return rt_ticks_to_ns(cval + off);
}

/* The physical virtual-timer PPI fired while `vcpu` ran here. It stays
 * active (EOImode 1) and is handed to the guest HW-linked: the guest's EOI
 * deactivates it, so it cannot fire again before the guest handled it. */
void a64_vtimer_irq(struct axvm_vcpu *vcpu)
{
    struct a64_ctx *ctx = ctx_of(vcpu);
    if (!avm_of(vcpu->vm)->has_vgic) {
        rt_gic_deactivate(PLAT_INTID_VTIMER);
        return;
    }
    struct axvm_vcpu *t = NULL;
    if (vgic_inject(vcpu->vm, vcpu, PLAT_INTID_VTIMER, PLAT_INTID_VTIMER, &t) != AXVM_OK)
        ctx->vtimer_hw_pending = true; /* retried at every entry */
}

const struct axvm_arch_ops a64_arch_ops = {
    .name = "aarch64-el2",
    .hardware_supported = a64_hardware_supported,
    .percpu_init = a64_percpu_init,
    .pt_format = &a64_stage2_format,
    .vm_init = a64_vm_init,
    .vm_destroy = a64_vm_destroy,
    .vm_map_region = NULL,
    .vm_attach_device = a64_vm_attach_device,
    .vcpu_create = a64_vcpu_create,
    .vcpu_destroy = a64_vcpu_destroy,
    .vcpu_setup = a64_vcpu_setup,
    .vcpu_bind = a64_vcpu_bind,
    .vcpu_unbind = a64_vcpu_unbind,
    .vcpu_run = a64_vcpu_run,
    .vcpu_get_gpr = a64_vcpu_get_gpr,
    .vcpu_set_gpr = a64_vcpu_set_gpr,
    .vcpu_set_return_value = a64_vcpu_set_return_value,
    .error_to_guest = a64_error_to_guest,
    .vcpu_inject_irq = a64_vcpu_inject_irq,
    .vcpu_irq_pending = a64_vcpu_irq_pending,
    .vcpu_inject_fault = a64_vcpu_inject_fault,
    .vcpu_wake_deadline = a64_vcpu_wake_deadline,
    .vm_reset = a64_vm_reset,
    .vm_unmap_region = NULL,
    .vm_tlb_flush = a64_vm_tlb_flush,
};
