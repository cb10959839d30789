/* SMCCC dispatch of the guest's HVC/SMC: PSCI 1.1, the SMCCC 1.1 discovery
 * calls, and axvm's own hypercalls (0xC6000000 | nr, vendor-specific
 * hypervisor service range, args x1..x6, result x0).
 *
 * Calls that change vCPU or VM state become exits for the core (CPU_ON ->
 * CPU_UP, CPU_OFF -> CPU_DOWN, SYSTEM_OFF/RESET -> SYSTEM_DOWN/RESET); the
 * core answers through error_to_guest/set_return_value. */
#include "axvm/hypercall.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "a64.h"

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_SUSPEND_32 0x84000001u
#define PSCI_CPU_SUSPEND_64 0xC4000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON_32 0x84000003u
#define PSCI_CPU_ON_64 0xC4000003u
#define PSCI_AFFINITY_INFO_32 0x84000004u
#define PSCI_AFFINITY_INFO_64 0xC4000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000Au

#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u

#define AXVM_HC_BASE 0xC6000000u
#define AXVM_HC_MASK 0xFFFF0000u

/* PSCI return codes */
#define PSCI_SUCCESS 0
#define PSCI_NOT_SUPPORTED (-1)
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_DENIED (-3)
#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)
#define PSCI_INTERNAL_FAILURE (-6)
#define PSCI_INVALID_ADDRESS (-9)

#define MPIDR_AFF_MASK 0xff00ffffffull
#define PSCI_POWER_STATE_RESERVED 0xFCFE0000u

static void ret(struct a64_ctx *ctx, int64_t v) { ctx->x[0] = (uint64_t)v; }

uint64_t a64_error_to_guest(int err)
{
    switch (err) {
    case AXVM_OK:
        return PSCI_SUCCESS;
    case AXVM_EINVAL:
    case AXVM_ENOENT:
    case AXVM_ERANGE:
        return (uint64_t)(int64_t)PSCI_INVALID_PARAMETERS;
    case AXVM_EALREADY:
        return (uint64_t)(int64_t)PSCI_ALREADY_ON;
    case AXVM_EFAULT:
    case AXVM_EALIGN:
        return (uint64_t)(int64_t)PSCI_INVALID_ADDRESS;
    case AXVM_ESTATE:
    case AXVM_EBUSY:
        return (uint64_t)(int64_t)PSCI_DENIED;
    case AXVM_ENOTSUP:
        return (uint64_t)(int64_t)PSCI_NOT_SUPPORTED;
    default:
        return (uint64_t)(int64_t)PSCI_INTERNAL_FAILURE;
    }
}

static bool psci_implemented(uint32_t fid)
{
    switch (fid) {
    case PSCI_VERSION:
    case PSCI_CPU_SUSPEND_32:
    case PSCI_CPU_SUSPEND_64:
    case PSCI_CPU_OFF:
    case PSCI_CPU_ON_32:
    case PSCI_CPU_ON_64:
    case PSCI_AFFINITY_INFO_32:
    case PSCI_AFFINITY_INFO_64:
    case PSCI_MIGRATE_INFO_TYPE:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
    case PSCI_FEATURES:
    case SMCCC_VERSION:
        return true;
    default:
        return false;
    }
}

static int64_t affinity_info(struct axvm_vcpu *vcpu, uint64_t target, uint64_t level)
{
    if (level != 0 || (target & ~MPIDR_AFF_MASK))
        return PSCI_INVALID_PARAMETERS;
    struct axvm_vcpu *t = axvm_vm_vcpu_by_hwid(vcpu->vm, target);
    if (!t)
        return PSCI_INVALID_PARAMETERS;
    switch (axvm_vcpu_state(t)) {
    case AXVM_VCPU_CREATED:
    case AXVM_VCPU_FREE:
    case AXVM_VCPU_INVALID:
        return 1; /* OFF */
    default:
        return 0; /* ON */
    }
}

int a64_handle_smccc(struct axvm_vcpu *vcpu, struct a64_ctx *ctx, struct axvm_exit *exit)
{
    uint32_t fid = (uint32_t)ctx->x[0];
    bool smc32 = (fid & 0x40000000u) == 0;
    uint64_t a1 = ctx->x[1], a2 = ctx->x[2], a3 = ctx->x[3];
    if (smc32) {
        a1 &= 0xffffffffu;
        a2 &= 0xffffffffu;
        a3 &= 0xffffffffu;
    }
    exit->reason = AXVM_EXIT_NOTHING;

    if ((fid & AXVM_HC_MASK) == AXVM_HC_BASE) {
        exit->reason = AXVM_EXIT_HYPERCALL;
        exit->u.hypercall.nr = fid & 0xffffu;
        for (unsigned i = 0; i < 6; i++)
            exit->u.hypercall.args[i] = ctx->x[1 + i];
        return AXVM_OK;
    }

    switch (fid) {
    case PSCI_VERSION:
        ret(ctx, 0x10001); /* 1.1 */
        break;
    case SMCCC_VERSION:
        ret(ctx, 0x10001); /* 1.1 */
        break;
    case SMCCC_ARCH_FEATURES:
        /* No SMCCC_ARCH_WORKAROUND_* firmware services are offered. */
        ret(ctx, (uint32_t)a1 == SMCCC_VERSION ? 0 : PSCI_NOT_SUPPORTED);
        break;
    case PSCI_FEATURES:
        ret(ctx, psci_implemented((uint32_t)a1) ? 0 : PSCI_NOT_SUPPORTED);
        break;
    case PSCI_MIGRATE_INFO_TYPE:
        ret(ctx, 2); /* no Trusted OS: migration not required */
        break;
    case PSCI_CPU_SUSPEND_32:
    case PSCI_CPU_SUSPEND_64:
        /* power_state in the original format (PSCI_FEATURES says so):
         * reserved bits 31:26 and 23:17 set, or a power level beyond core
         * and cluster, name a state that does not exist. */
        if (((uint32_t)a1 & PSCI_POWER_STATE_RESERVED) || (((uint32_t)a1 >> 24) & 3) > 1) {
            ret(ctx, PSCI_INVALID_PARAMETERS);
            break;
        }
        /* Standby and power-down states alike: wait like WFI and return
         * SUCCESS (a power-down state may return as if it were standby). */
        ret(ctx, PSCI_SUCCESS);
        exit->reason = AXVM_EXIT_HALT;
        break;
    case PSCI_CPU_OFF:
        exit->reason = AXVM_EXIT_CPU_DOWN;
        exit->u.cpu_down.state = 0;
        ret(ctx, PSCI_DENIED); /* seen only if the core refuses */
        break;
    case PSCI_CPU_ON_32:
    case PSCI_CPU_ON_64:
        if (a1 & ~MPIDR_AFF_MASK) {
            ret(ctx, PSCI_INVALID_PARAMETERS);
            break;
        }
        /* A64 instructions are 4-byte aligned: such an entry can never run.
         * Target checks stay first (the core's), so only a real target gets
         * this answer. */
        if ((a2 & 3) && axvm_vm_vcpu_by_hwid(vcpu->vm, a1)) {
            ret(ctx, PSCI_INVALID_ADDRESS);
            break;
        }
        exit->reason = AXVM_EXIT_CPU_UP;
        exit->u.cpu_up.target = a1;
        exit->u.cpu_up.entry = a2;
        exit->u.cpu_up.arg = a3;
        ret(ctx, PSCI_SUCCESS);
        break;
    case PSCI_AFFINITY_INFO_32:
    case PSCI_AFFINITY_INFO_64:
        ret(ctx, affinity_info(vcpu, a1, a2));
        break;
    case PSCI_SYSTEM_OFF:
        exit->reason = AXVM_EXIT_SYSTEM_DOWN;
        exit->u.system.reason = fid;
        break;
    case PSCI_SYSTEM_RESET:
        exit->reason = AXVM_EXIT_SYSTEM_RESET;
        exit->u.system.reason = fid;
        break;
    default:
        ret(ctx, PSCI_NOT_SUPPORTED);
        break;
    }
    return AXVM_OK;
}
