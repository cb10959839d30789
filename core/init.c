/* Installing the architecture backend. */
#include "axvm/arch.h"

const struct axvm_arch_ops *axvm_arch;

int axvm_init(const struct axvm_arch_ops *ops)
{
    if (!ops || !ops->vcpu_create || !ops->vcpu_setup || !ops->vcpu_run || !ops->vcpu_get_gpr ||
        !ops->vcpu_set_gpr || !ops->vcpu_set_return_value || !ops->error_to_guest || !ops->vcpu_inject_irq ||
        !ops->vcpu_inject_fault)
        return AXVM_EINVAL;
    /* without an entry encoder the backend must map memory itself */
    if (!ops->pt_format && !ops->vm_map_region)
        return AXVM_EINVAL;
    if (ops->hardware_supported && !ops->hardware_supported())
        return AXVM_ENOTSUP;
    axvm_arch = ops;
    return AXVM_OK;
}
