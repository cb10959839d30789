/* Exceptions injected into the guest's EL1, performed on the saved context
 * the way the Arm ARM's exception entry (AArch64.TakeException) does it:
 * ESR_EL1/FAR_EL1 hold the syndrome, ELR_EL1/SPSR_EL1 the interrupted PC and
 * PSTATE, the PC moves to VBAR_EL1 + the vector of the source mode, and
 * PSTATE becomes EL1h with DAIF masked. */
#include "axvm/log.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "a64.h"

#define ESR_IL (1ull << 25)
#define EC_UNKNOWN 0x00ull
#define EC_IABT_LOW 0x20ull
#define EC_IABT_CUR 0x21ull
#define EC_DABT_LOW 0x24ull
#define EC_DABT_CUR 0x25ull
#define FSC_SYNC_EXT 0x10ull
#define ISS_WNR (1ull << 6)

#define PSTATE_M_MASK 0x1full
#define PSTATE_EL1H_MASKED 0x3c5ull

/* Vector offset of a synchronous exception taken to EL1 from `pstate`. */
static uint64_t sync_vector(uint64_t pstate, bool *from_el1)
{
    uint64_t m = pstate & PSTATE_M_MASK;
    *from_el1 = false;
    if (m & 0x10)
        return 0x600;        /* lower EL, AArch32 */
    switch (m) {
    case 0x4:
        *from_el1 = true;
        return 0x000;        /* current EL with SP_EL0 */
    case 0x5:
        *from_el1 = true;
        return 0x200;        /* current EL with SP_ELx */
    default:
        return 0x400;        /* lower EL, AArch64 */
    }
}

static void take_exception(struct a64_ctx *ctx, uint64_t pc, uint64_t esr, bool set_far, uint64_t far,
                           uint64_t vec)
{
    a64_el1_fetch(ctx);
    ctx->el1[A64_ELR_EL1] = pc;
    ctx->el1[A64_SPSR_EL1] = ctx->pstate;
    ctx->el1[A64_ESR] = esr;
    if (set_far)
        ctx->el1[A64_FAR] = far;
    ctx->pstate = PSTATE_EL1H_MASKED;
    ctx->pc = ctx->el1[A64_VBAR] + vec;
}

void a64_inject_undef(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, uint64_t pc)
{
    bool from_el1;
    uint64_t vec = sync_vector(ctx->pstate, &from_el1);
    (void)vcpu;
    /* IL follows the trapped instruction (16-bit T32 from AArch32 EL0). */
    take_exception(ctx, pc, (EC_UNKNOWN << 26) | (ctx->esr & ESR_IL), false, 0, vec);
}

void a64_inject_abort(struct a64_ctx *ctx, bool instr, bool write, uint64_t pc, uint64_t va)
{
    bool from_el1;
    uint64_t vec = sync_vector(ctx->pstate, &from_el1);
    uint64_t ec = instr ? (from_el1 ? EC_IABT_CUR : EC_IABT_LOW) : (from_el1 ? EC_DABT_CUR : EC_DABT_LOW);
    uint64_t esr = (ec << 26) | (ctx->esr & ESR_IL) | FSC_SYNC_EXT;
    if (write && !instr)
        esr |= ISS_WNR;
    take_exception(ctx, pc, esr, true, va, vec);
}

/* The core could not complete an access (no device, device error, memory
 * outside RAM): the guest takes a synchronous external abort on the
 * instruction that made it. The PC was advanced past MMIO instructions at
 * exit time, so the faulting PC comes from the exit record. */
int a64_vcpu_inject_fault(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
    struct a64_ctx *ctx = vcpu->arch;
    /* A log line per fault, but a guest must not be able to flood the console. */
    if (ctx->faults_logged < 16) {
        ctx->faults_logged++;
        uint64_t addr = exit->reason == AXVM_EXIT_MMIO_READ    ? exit->u.mmio_read.addr
                        : exit->reason == AXVM_EXIT_MMIO_WRITE ? exit->u.mmio_write.addr
                        : exit->reason == AXVM_EXIT_NESTED_PAGE_FAULT ? exit->u.npf.addr
                                                                       : exit->u.sysreg.addr;
        AXVM_WARN("vm %s vcpu %u: %s at pc 0x%llx addr 0x%llx not completed: %s injected%s\n",
                  vcpu->vm->cfg.name, vcpu->id, axvm_exit_reason_name(exit->reason),
                  (unsigned long long)exit->guest_pc, (unsigned long long)addr,
                  exit->reason == AXVM_EXIT_SYSREG_READ || exit->reason == AXVM_EXIT_SYSREG_WRITE ||
                          exit->reason == AXVM_EXIT_HYPERCALL
                      ? "UNDEFINED"
                      : "abort",
                  ctx->faults_logged == 16 ? " (further ones not logged)" : "");
    }
    switch (exit->reason) {
    case AXVM_EXIT_MMIO_READ:
    case AXVM_EXIT_MMIO_WRITE:
        a64_inject_abort(ctx, false, exit->reason == AXVM_EXIT_MMIO_WRITE, exit->guest_pc, ctx->far);
        break;
    case AXVM_EXIT_NESTED_PAGE_FAULT:
        a64_inject_abort(ctx, exit->u.npf.access == AXVM_ACCESS_EXEC,
                         (exit->u.npf.access & AXVM_ACCESS_WRITE) != 0, exit->guest_pc, ctx->far);
        break;
    case AXVM_EXIT_SYSREG_READ:
    case AXVM_EXIT_SYSREG_WRITE:
    case AXVM_EXIT_HYPERCALL:
        a64_inject_undef(vcpu, ctx, exit->guest_pc);
        return AXVM_OK;
    default:
        return AXVM_EINVAL;
    }
    return AXVM_OK; /* the core counts it */
}
