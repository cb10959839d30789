/* Internal interface of the AArch64 backend (arch/aarch64) and the EL2
 * runtime that hosts it (runtime/baremetal). */
#ifndef A64_H
#define A64_H

#include "axvm/arch.h"
#include "axvm/exit.h"
#include "axvm/types.h"
#include "vgic.h"

struct axvm_vm;
struct axvm_vcpu;
struct axvm_pl011;

/* The EL1 system registers that belong to a vCPU. The hypervisor itself
 * never uses EL1 state, so they stay in the hardware across exits and are
 * saved only when someone needs them (a64_el1_fetch, another vCPU entering
 * on that pCPU, unbind); the virtual timer's two are saved at every exit. */
enum a64_el1_reg {
    A64_SCTLR, A64_TTBR0, A64_TTBR1, A64_TCR, A64_MAIR, A64_AMAIR, A64_VBAR,
    A64_CONTEXTIDR, A64_TPIDR_EL0, A64_TPIDRRO_EL0, A64_TPIDR_EL1, A64_CPACR,
    A64_ESR, A64_FAR, A64_AFSR0, A64_AFSR1, A64_PAR, A64_CNTKCTL, A64_MDSCR,
    A64_CSSELR, A64_SP_EL0, A64_SP_EL1, A64_ELR_EL1, A64_SPSR_EL1,
    A64_CNTV_CTL, A64_CNTV_CVAL,
    A64_EL1_NREGS
};

struct a64_ctx {
    uint64_t x[31];            /* offset 0: entry.S depends on it */
    uint64_t pc;               /* ELR_EL2 */
    uint64_t pstate;           /* SPSR_EL2 */
    uint64_t el1[A64_EL1_NREGS];
    uint64_t fp[66] __attribute__((aligned(16))); /* q0-q31, FPCR, FPSR */
    uint64_t hcr;              /* HCR_EL2 of this vCPU */
    uint64_t vmpidr;
    bool fp_stale;             /* fp[] must be loaded before the next entry */
    bool vtimer_hw_pending;    /* physical INTID 27 taken but not yet injected */
    bool vtimer_reset;         /* deactivate INTID 27 before the next entry */
    /* el1[] (but CNTV_CTL/CVAL) is stale: the EL1 registers of pCPU el1_cpu
     * hold the live values. */
    bool el1_in_hw;
    unsigned el1_cpu;
    /* last exit, for fault injection */
    uint64_t esr, far, hpfar;
    unsigned faults_logged;
    struct vgic_cpu_hw gic;
    struct axvm_vcpu *vcpu;
};

/* Per-VM backend state. */
struct a64_vm {
    unsigned vmid;
    uint64_t vttbr;
    uint64_t cntvoff;
    bool has_vgic;
    uint64_t gicd_base, gicr_base;
    unsigned nr_spis;
    struct axvm_pl011 *uart;
    uint32_t uart_irq;
    uint64_t sysreg_traps, undef_injected;
};

extern const struct axvm_arch_ops a64_arch_ops;
extern const struct axvm_pt_format a64_stage2_format;

/* entry.S */
unsigned a64_guest_enter(struct a64_ctx *ctx);
void a64_fp_save(uint64_t *area);
void a64_fp_restore(const uint64_t *area);
extern char a64_vectors[];

/* Exit types from the vector table. */
enum { A64_VEC_SYNC = 0, A64_VEC_IRQ = 1, A64_VEC_FIQ = 2, A64_VEC_SERROR = 3 };

/* Step over the trapped instruction: 2 bytes for a 16-bit T32 instruction of
 * an AArch32 EL0 task (ESR_EL2.IL clear), 4 otherwise. */
static inline void a64_skip_insn(struct a64_ctx *ctx)
{
    ctx->pc += (ctx->esr & (1ull << 25)) ? 4 : 2;
}

/* exit decoding (exit.c) */
int a64_decode_sync(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, struct axvm_exit *exit);
/* PSCI / SMCCC (psci.c): fills `exit`; returns AXVM_OK. */
int a64_handle_smccc(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, struct axvm_exit *exit);
uint64_t a64_error_to_guest(int err);
/* System registers (sysreg.c): handles a trapped MSR/MRS/SYS (EC 0x18). */
void a64_handle_sysreg(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, uint32_t iss);
void a64_sysreg_init(void);
/* Make ctx->el1[] current (the vCPU's own pCPU, between exit and entry):
 * before reading or editing it. */
void a64_el1_fetch(struct a64_ctx *ctx);
/* Fault injection (inject.c). */
void a64_inject_undef(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, uint64_t pc);
void a64_inject_abort(struct a64_ctx *ctx, bool instr, bool write, uint64_t pc, uint64_t va);
int a64_vcpu_inject_fault(struct axvm_vcpu *vcpu, const struct axvm_exit *exit);

/* Interrupt handling shared with the runtime (irq.c): the physical vtimer
 * PPI was acknowledged on this pCPU while `vcpu` runs here. */
void a64_vtimer_irq(struct axvm_vcpu *vcpu);

/* devices.c */
int a64_attach_device(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev);
void a64_devices_reset(struct axvm_vm *vm);
void a64_devices_release(struct axvm_vm *vm);
void rt_console_input_ready(void);
struct axvm_vm *a64_console_focus(void);
int a64_console_set_focus(struct axvm_vm *vm);
int rt_console_getc(void);

/* vGIC model, linked when arch/aarch64/vgic_*.c exists (weak otherwise). */
bool a64_vgic_present(void);

/* Services of the runtime used by the backend. */
/* Acknowledge and handle every pending physical interrupt on this pCPU;
 * returns the first INTID handled (1023 if none). `vcpu` is the vCPU that was
 * running here (NULL in idle). */
uint32_t rt_irq_drain(struct axvm_vcpu *vcpu);
/* The vCPU whose guest state is live on this pCPU right now, or NULL. */
struct axvm_vcpu *rt_current_vcpu(void);
void rt_set_current_vcpu(struct axvm_vcpu *vcpu);
uint64_t rt_ticks_to_ns(uint64_t ticks);
uint64_t rt_ns_to_ticks(uint64_t ns);
/* Physical GIC: deactivate an interrupt left active for the guest. */
void rt_gic_deactivate(uint32_t intid);
unsigned rt_gic_nr_lrs(void);

#endif
