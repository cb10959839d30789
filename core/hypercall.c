/* axvm's own hypercalls (include/axvm/hypercall.h). Every argument comes from
 * the guest and is checked; errors go back as negative AXVM_E* codes. */
#include "axvm/hypercall.h"
#include "axvm/ivc.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "internal.h"

static int ivc_alloc(struct axvm_vm *vm, const uint64_t *a)
{
    /* (peer vm id, my gpa, peer gpa, size, my irq, peer irq) */
    if (a[0] > UINT32_MAX || a[4] > UINT32_MAX || a[5] > UINT32_MAX)
        return AXVM_EINVAL;
    /* only towards a VM the configuration links to this one (include/axvm/ivc.h) */
    uint32_t id;
    int rc = axvm_ivc_request(vm, a[1], (uint32_t)a[4], axvm_vm_by_id((uint32_t)a[0]), a[2], (uint32_t)a[5], a[3], &id);
    return rc ? rc : (int)id;
}

static const struct axvm_ivc_channel *own_channel(const struct axvm_vm *vm, uint64_t id)
{
    if (id > UINT32_MAX)
        return NULL;
    const struct axvm_ivc_channel *ch = axvm_ivc_get((uint32_t)id);
    if (!ch || (ch->end[0].vm != vm && ch->end[1].vm != vm))
        return NULL;
    return ch;
}

uint64_t axvm_hypercall_dispatch(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
    struct axvm_vm *vm = vcpu->vm;
    const uint64_t *a = exit->u.hypercall.args;
    switch (exit->u.hypercall.nr) {
    case AXVM_HC_VERSION:
        /* cppcheck-suppress badBitmaskCheck ; the major version may be 0 */
        return ((uint64_t)AXVM_VERSION_MAJOR << 16) | AXVM_VERSION_MINOR;
    case AXVM_HC_VM_ID:
        return vm->cfg.id;
    case AXVM_HC_DEBUG_PUTC:
        axvm_vm_console_putc(vm, (char)(a[0] & 0xff));
        return 0;
    case AXVM_HC_IVC_ALLOC: {
        int rc = ivc_alloc(vm, a);
        return rc < 0 ? axvm_err_to_reg(rc) : (uint64_t)rc;
    }
    case AXVM_HC_IVC_RELEASE:
    case AXVM_HC_IVC_DOORBELL: {
        /* a channel the caller is not an end of looks like no channel at all */
        if (!own_channel(vm, a[0]))
            return axvm_err_to_reg(AXVM_ENOENT);
        int rc = exit->u.hypercall.nr == AXVM_HC_IVC_RELEASE ? axvm_ivc_release((uint32_t)a[0], vm)
                                                             : axvm_ivc_doorbell((uint32_t)a[0], vm);
        return axvm_err_to_reg(rc);
    }
    case AXVM_HC_IVC_FIND: {
        uint32_t id;
        int rc = axvm_ivc_find(vm, a[0], &id);
        return rc ? axvm_err_to_reg(rc) : id;
    }
    case AXVM_HC_IVC_INFO: {
        const struct axvm_ivc_channel *ch = own_channel(vm, a[0]);
        return ch ? ch->size : axvm_err_to_reg(AXVM_ENOENT);
    }
    default:
        return axvm_err_to_reg(AXVM_ENOTSUP);
    }
}
