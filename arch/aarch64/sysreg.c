/* Trapped system-register accesses (EC 0x18), dispatched in the backend.
 *
 * Encoding used throughout (and in logs): op0<<14 | op1<<11 | CRn<<7 |
 * CRm<<3 | op2, the bit layout of the MRS/MSR instruction's operand field.
 *
 * What traps, given the HCR_EL2/MDCR_EL2/CNTHCTL_EL2 settings of vcpu.c:
 *   TID3   the ID register space (op0 3, op1 0, CRn 0, CRm 1-7): sanitized
 *          copies of the host's values, so that a guest never sees PMU,
 *          SVE, SME, MTE, AMU, RAS, MPAM, pointer authentication, nested
 *          virtualization or trace, which this hypervisor does not switch.
 *   TACR   ACTLR_EL1: reads as zero, writes ignored.
 *   TSW    DC ISW/CSW/CISW: completed as no-ops (the guest's own memory is
 *          coherent; nothing is shared with a non-coherent agent).
 *   IMO    ICC_SGI1R_EL1 writes: SGIs through the vGIC.
 *   everything else (PMU, physical timer, IMPLEMENTATION DEFINED registers
 *   under TIDCP, debug/trace): UNDEFINED is injected.
 * Dispatching here instead of through sysreg devices of the core keeps the
 * answer for unknown registers architectural (UNDEFINED) regardless of the
 * VM's unhandled-MMIO policy. */
#include "axvm/log.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "a64.h"
#include "sysreg.h"
#include <stdatomic.h>

#define ENC(op0, op1, crn, crm, op2) (((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))

#define ENC_ACTLR_EL1 ENC(3, 0, 1, 0, 1)
#define ENC_DC_ISW ENC(1, 0, 7, 6, 2)
#define ENC_DC_CSW ENC(1, 0, 7, 10, 2)
#define ENC_DC_CISW ENC(1, 0, 7, 14, 2)
#define ENC_ICC_SGI1R ENC(3, 0, 12, 11, 5)
#define ENC_ICC_ASGI1R ENC(3, 0, 12, 11, 6)
#define ENC_ICC_SGI0R ENC(3, 0, 12, 11, 7)

int vgic_sgi1r_write(struct axvm_vcpu *vcpu, uint64_t value) __attribute__((weak));

static uint64_t id_regs[8][8]; /* [CRm][op2] of op0 3, op1 0, CRn 0 */
static _Atomic bool id_ready;

#define ID_READ(crm, op2) id_regs[crm][op2] = read_sysreg(S3_0_C0_C##crm##_##op2);
#define ID_ROW(crm) ID_READ(crm, 0) ID_READ(crm, 1) ID_READ(crm, 2) ID_READ(crm, 3) \
    ID_READ(crm, 4) ID_READ(crm, 5) ID_READ(crm, 6) ID_READ(crm, 7)

static uint64_t field_clear(uint64_t v, unsigned shift) { return v & ~(0xfull << shift); }

static uint64_t field_cap(uint64_t v, unsigned shift, uint64_t max)
{
    uint64_t f = (v >> shift) & 0xf;
    return f > max ? field_clear(v, shift) | (max << shift) : v;
}

static void sanitize(void)
{
    /* ID_AA64PFR0_EL1: no RAS, SVE, SEL2, MPAM, AMU, RME; no EL2/EL3 for the guest. */
    uint64_t *pfr0 = &id_regs[4][0];
    *pfr0 = field_clear(*pfr0, 8);
    *pfr0 = field_clear(*pfr0, 12);
    for (unsigned s = 28; s <= 52; s += 4)
        if (s != 48) /* keep DIT */
            *pfr0 = field_clear(*pfr0, s);
    *pfr0 = field_clear(*pfr0, 24) | (1ull << 24); /* GIC system registers */
    *pfr0 = field_clear(*pfr0, 4) | (1ull << 4);   /* EL1 is AArch64 only (HCR_EL2.RW) */
    /* ID_AA64PFR1_EL1: keep BT and SSBS only (no MTE, SME, RAS/MPAM fractions...). */
    id_regs[4][1] &= 0xffull;
    id_regs[4][4] = 0; /* ID_AA64ZFR0_EL1 (SVE) */
    id_regs[4][5] = 0; /* ID_AA64SMFR0_EL1 (SME) */
    /* ID_AA64DFR0_EL1: debug architecture and breakpoints only, no PMU/SPE/trace. */
    uint64_t dfr0 = id_regs[5][0];
    dfr0 &= 0xf0f0f00full; /* DebugVer, BRPs, WRPs, CTX_CMPs */
    dfr0 = field_cap(dfr0, 0, 6);
    if (((dfr0 >> 0) & 0xf) < 6)
        dfr0 = field_clear(dfr0, 0) | 6;
    id_regs[5][0] = dfr0;
    id_regs[5][1] = 0;
    id_regs[5][4] = id_regs[5][5] = 0;
    /* ID_AA64ISAR1_EL1: no pointer authentication (keys are not switched). */
    uint64_t isar1 = id_regs[6][1];
    isar1 = field_clear(isar1, 4);
    isar1 = field_clear(isar1, 8);
    isar1 = field_clear(isar1, 24);
    isar1 = field_clear(isar1, 28);
    id_regs[6][1] = isar1;
    id_regs[6][2] = 0; /* ID_AA64ISAR2_EL1: WFxT, PAuth3, ... */
    /* ID_AA64MMFR0_EL1: at most the 40-bit physical range stage 2 offers. */
    id_regs[7][0] = field_cap(id_regs[7][0], 0, 2);
    /* ID_AA64MMFR1_EL1: no VHE (nested virtualization). */
    id_regs[7][1] = field_clear(id_regs[7][1], 8);
    /* ID_AA64MMFR2_EL1: no NV. */
    id_regs[7][2] = field_clear(id_regs[7][2], 24);
    /* ID_DFR0_EL1 (AArch32): no PMU, no trace. */
    id_regs[1][2] = field_clear(field_clear(id_regs[1][2], 24), 12);
    id_regs[1][2] = field_clear(id_regs[1][2], 8);
}

void a64_sysreg_init(void)
{
    if (atomic_load(&id_ready))
        return;
    ID_ROW(1) ID_ROW(2) ID_ROW(3) ID_ROW(4) ID_ROW(5) ID_ROW(6) ID_ROW(7)
    sanitize();
    atomic_store(&id_ready, true);
}

static void set_rt(struct a64_ctx *ctx, unsigned rt, uint64_t v)
{
    if (rt < 31)
        ctx->x[rt] = v;
}

void a64_handle_sysreg(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, uint32_t iss)
{
    unsigned op0 = (iss >> 20) & 3, op2 = (iss >> 17) & 7, op1 = (iss >> 14) & 7;
    unsigned crn = (iss >> 10) & 0xf, rt = (iss >> 5) & 0x1f, crm = (iss >> 1) & 0xf;
    bool read = iss & 1;
    uint32_t enc = ENC(op0, op1, crn, crm, op2);
    uint64_t wval = rt == 31 ? 0 : ctx->x[rt];
    uint64_t pc = ctx->pc;
    struct a64_vm *avm = vcpu->vm->arch;
    avm->sysreg_traps++;
    a64_skip_insn(ctx);

    if (op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7) {
        if (read) {
            set_rt(ctx, rt, id_regs[crm][op2]);
            return;
        }
        goto undef;
    }
    switch (enc) {
    case ENC_ACTLR_EL1:
        if (read)
            set_rt(ctx, rt, 0);
        return;
    case ENC_DC_ISW:
    case ENC_DC_CSW:
    case ENC_DC_CISW:
        if (!read)
            return;
        break;
    case ENC_ICC_SGI1R:
        if (read)
            break;
        if (avm->has_vgic && vgic_sgi1r_write)
            vgic_sgi1r_write(vcpu, wval);
        return;
    case ENC_ICC_ASGI1R:
    case ENC_ICC_SGI0R:
        if (read)
            break;
        return; /* group 0 / alias SGIs: the guest has group 1 only */
    default:
        break;
    }
undef:
    avm->undef_injected++;
    AXVM_DEBUG("vm %s vcpu %u: %s sysreg %u:%u:c%u:c%u:%u (0x%x) at pc 0x%llx: UNDEFINED\n", vcpu->vm->cfg.name,
               vcpu->id, read ? "mrs" : "msr", op0, op1, crn, crm, op2, enc, (unsigned long long)pc);
    a64_inject_undef(vcpu, ctx, pc);
    vcpu->stats.faults_injected++;
}
