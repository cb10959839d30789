/* The vCPU state machine, register access and kicks. */
#include "axvm/arch.h"
#include "axvm/hal.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"

#define S(x) (1u << AXVM_VCPU_##x)

/* Which states each state may move to (INVALID is reachable from anywhere). */
static const unsigned legal_next[] = {
    [AXVM_VCPU_CREATED] = S(FREE),
    [AXVM_VCPU_FREE] = S(READY),
    [AXVM_VCPU_READY] = S(RUNNING) | S(BLOCKED) | S(FREE),
    /* an exit handled on its pCPU: WFI, CPU_OFF of itself */
    [AXVM_VCPU_RUNNING] = S(READY) | S(BLOCKED) | S(FREE),
    [AXVM_VCPU_BLOCKED] = S(READY) | S(FREE),
    /* a reboot / reload brings a failed vCPU back */
    [AXVM_VCPU_INVALID] = S(FREE),
};

int axvm_vcpu_set_state(struct axvm_vcpu *vcpu, enum axvm_vcpu_state from, enum axvm_vcpu_state to)
{
    if (!vcpu || (unsigned)from >= AXVM_ARRAY_SIZE(legal_next) || (unsigned)to >= AXVM_ARRAY_SIZE(legal_next))
        return AXVM_EINVAL;
    if (to != AXVM_VCPU_INVALID && !(legal_next[from] & (1u << to)))
        return AXVM_ESTATE;
    int expected = (int)from;
    if (!atomic_compare_exchange_strong_explicit(&vcpu->state, &expected, (int)to, memory_order_acq_rel,
                                                 memory_order_acquire))
        return AXVM_ESTATE;
    return AXVM_OK;
}

/* General registers are at most 32 on every supported architecture; the
 * backend rejects what it does not have. */
static bool gpr_index_ok(unsigned idx)
{
    return idx < 32 || idx == AXVM_REG_DEFERRED;
}

int axvm_vcpu_get_gpr(struct axvm_vcpu *vcpu, unsigned idx, uint64_t *value)
{
    if (!vcpu || !value)
        return AXVM_EINVAL;
    if (!gpr_index_ok(idx) || idx == AXVM_REG_DEFERRED)
        return AXVM_ERANGE;
    return axvm_arch->vcpu_get_gpr(vcpu, idx, value);
}

int axvm_vcpu_set_gpr(struct axvm_vcpu *vcpu, unsigned idx, uint64_t value)
{
    if (!vcpu)
        return AXVM_EINVAL;
    if (!gpr_index_ok(idx))
        return AXVM_ERANGE;
    return axvm_arch->vcpu_set_gpr(vcpu, idx, value);
}

void axvm_vcpu_kick(struct axvm_vcpu *vcpu)
{
    if (!vcpu)
        return;
    atomic_store_explicit(&vcpu->kick, true, memory_order_release);
    /* a halted vCPU resumes; the guest sees its WFI/HLT complete */
    (void)axvm_vcpu_set_state(vcpu, AXVM_VCPU_BLOCKED, AXVM_VCPU_READY);
    hal_cpu_kick(vcpu->pcpu);
}
