/* Decoding of synchronous exits (ESR_EL2) into struct axvm_exit.
 *
 * Exits the backend completes itself (PSCI, system registers, cache
 * maintenance on MMIO, UNDEFINED injection) come back as AXVM_EXIT_NOTHING,
 * or as the lifecycle exit PSCI asked for. */
#include "axvm/log.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "a64.h"
#include "sysreg.h"

#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYS64 0x18
#define EC_IABT_LOW 0x20
#define EC_DABT_LOW 0x24

#define ISS_DA_ISV (1u << 24)
#define ISS_DA_SSE (1u << 21)
#define ISS_DA_SF (1u << 15)
#define ISS_DA_CM (1u << 8)
#define ISS_DA_S1PTW (1u << 7)
#define ISS_DA_WNR (1u << 6)

/* Fault status codes that stage 2 reports for an IPA it does not map (or
 * maps without the permission asked): translation, access flag, permission. */
static bool fsc_is_stage2_miss(uint32_t fsc)
{
    uint32_t type = fsc & 0x3c;
    return type == 0x04 || type == 0x08 || type == 0x0c;
}

static uint64_t fault_ipa(const struct a64_ctx *ctx)
{
    return ((ctx->hpfar >> 4) << 12) | (ctx->far & 0xfff);
}

static int decode_dabt(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, uint32_t iss, struct axvm_exit *exit)
{
    uint64_t ipa = fault_ipa(ctx);
    uint32_t fsc = iss & 0x3f;
    bool write = (iss & ISS_DA_WNR) != 0;

    if (!fsc_is_stage2_miss(fsc) || (iss & ISS_DA_S1PTW)) {
        /* External abort, or the guest's own page tables live outside its RAM. */
        AXVM_WARN("vm %s vcpu %u: data abort at pc 0x%llx ipa 0x%llx esr 0x%llx: abort injected\n",
                  vcpu->vm->cfg.name, vcpu->id, (unsigned long long)ctx->pc, (unsigned long long)ipa,
                  (unsigned long long)ctx->esr);
        a64_inject_abort(ctx, false, write, ctx->pc, ctx->far);
        vcpu->stats.faults_injected++;
        exit->reason = AXVM_EXIT_NOTHING;
        return AXVM_OK;
    }
    if (iss & ISS_DA_CM) {
        /* DC IVAC and friends on an emulated device: nothing to maintain. */
        a64_skip_insn(ctx);
        exit->reason = AXVM_EXIT_NOTHING;
        return AXVM_OK;
    }
    if (!(iss & ISS_DA_ISV)) {
        /* No syndrome (load/store pair, writeback...): the core decides whether
         * the address is memory it can map or a device it cannot emulate. */
        exit->reason = AXVM_EXIT_NESTED_PAGE_FAULT;
        exit->u.npf.addr = ipa;
        exit->u.npf.access = write ? AXVM_ACCESS_WRITE : AXVM_ACCESS_READ;
        return AXVM_OK;
    }
    unsigned width = 1u << ((iss >> 22) & 3);
    unsigned srt = (iss >> 16) & 0x1f;
    a64_skip_insn(ctx);
    if (write) {
        uint64_t v = srt == 31 ? 0 : ctx->x[srt];
        if (width < 8)
            v &= (1ull << (width * 8)) - 1;
        exit->reason = AXVM_EXIT_MMIO_WRITE;
        exit->u.mmio_write.addr = ipa;
        exit->u.mmio_write.width = (uint8_t)width;
        exit->u.mmio_write.data = v;
    } else {
        exit->reason = AXVM_EXIT_MMIO_READ;
        exit->u.mmio_read.addr = ipa;
        exit->u.mmio_read.width = (uint8_t)width;
        exit->u.mmio_read.reg = (uint8_t)srt;
        exit->u.mmio_read.reg_width = (iss & ISS_DA_SF) ? 8 : 4;
        exit->u.mmio_read.sign_extend = (iss & ISS_DA_SSE) != 0;
    }
    return AXVM_OK;
}

static int decode_iabt(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, uint32_t iss, struct axvm_exit *exit)
{
    uint32_t fsc = iss & 0x3f;
    if (fsc_is_stage2_miss(fsc) && !(iss & ISS_DA_S1PTW)) {
        exit->reason = AXVM_EXIT_NESTED_PAGE_FAULT;
        exit->u.npf.addr = fault_ipa(ctx);
        exit->u.npf.access = AXVM_ACCESS_EXEC;
        return AXVM_OK;
    }
    AXVM_WARN("vm %s vcpu %u: instruction abort at pc 0x%llx esr 0x%llx: abort injected\n", vcpu->vm->cfg.name,
              vcpu->id, (unsigned long long)ctx->pc, (unsigned long long)ctx->esr);
    a64_inject_abort(ctx, true, false, ctx->pc, ctx->far);
    vcpu->stats.faults_injected++;
    exit->reason = AXVM_EXIT_NOTHING;
    return AXVM_OK;
}

int a64_decode_sync(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, struct axvm_exit *exit)
{
    ctx->esr = read_sysreg(esr_el2);
    uint32_t ec = (uint32_t)(ctx->esr >> 26) & 0x3f;
    uint32_t iss = (uint32_t)ctx->esr & 0x1ffffff;

    switch (ec) {
    case EC_WFX:
        a64_skip_insn(ctx);
        /* A guest going idle has usually just printed a prompt without a
         * newline: let it out of the VM's line buffer. */
        axvm_vm_console_flush(vcpu->vm);
        /* WFE is not trapped (HCR_EL2.TWE clear); a trapped WFE is a yield. */
        exit->reason = (iss & 1) ? AXVM_EXIT_NOTHING : AXVM_EXIT_HALT;
        return AXVM_OK;
    case EC_HVC64:
        /* ELR already points past the HVC. */
        return a64_handle_smccc(vcpu, ctx, exit);
    case EC_SMC64:
        a64_skip_insn(ctx);
        return a64_handle_smccc(vcpu, ctx, exit);
    case EC_SYS64:
        a64_handle_sysreg(vcpu, ctx, iss);
        exit->reason = AXVM_EXIT_NOTHING;
        return AXVM_OK;
    case EC_DABT_LOW:
        ctx->far = read_sysreg(far_el2);
        ctx->hpfar = read_sysreg(hpfar_el2);
        return decode_dabt(vcpu, ctx, iss, exit);
    case EC_IABT_LOW:
        ctx->far = read_sysreg(far_el2);
        ctx->hpfar = read_sysreg(hpfar_el2);
        return decode_iabt(vcpu, ctx, iss, exit);
    default:
        AXVM_WARN("vm %s vcpu %u: unhandled exception class 0x%x at pc 0x%llx: UNDEFINED injected\n",
                  vcpu->vm->cfg.name, vcpu->id, ec, (unsigned long long)ctx->pc);
        a64_inject_undef(vcpu, ctx, ctx->pc);
        vcpu->stats.faults_injected++;
        exit->reason = AXVM_EXIT_NOTHING;
        return AXVM_OK;
    }
}
