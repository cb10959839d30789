/* Names of error codes, exit reasons and states, for logs and reports. */
#include "axvm/exit.h"
#include "axvm/types.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"

const char *axvm_strerror(int err)
{
    static const char *const names[AXVM_ERR_COUNT_] = {
        "OK",     "EINVAL",  "ENOMEM", "EOVERLAP", "ENOENT", "ESTATE",  "ERANGE", "EALIGN",
        "EWIDTH", "EFAULT",  "ENOTSUP", "EBUSY",   "EALREADY", "ENODEV", "EIO",
    };
    if (err > 0 || err <= -AXVM_ERR_COUNT_)
        return "E?";
    return names[-err];
}

const char *axvm_exit_reason_name(enum axvm_exit_reason r)
{
    static const char *const names[AXVM_EXIT_COUNT_] = {
        "NOTHING",     "MMIO_READ",   "MMIO_WRITE",    "IO_READ",         "IO_WRITE",
        "SYSREG_READ", "SYSREG_WRITE", "NESTED_PAGE_FAULT", "HYPERCALL",  "HALT",
        "CPU_UP",      "CPU_DOWN",    "SYSTEM_DOWN",   "SYSTEM_RESET",    "SEND_IPI",
        "EXTERNAL_INTERRUPT", "FAIL_ENTRY",
    };
    if ((unsigned)r >= AXVM_EXIT_COUNT_)
        return "?";
    return names[r];
}

const char *axvm_vcpu_state_name(enum axvm_vcpu_state s)
{
    static const char *const names[] = {"CREATED", "FREE", "READY", "RUNNING", "BLOCKED", "INVALID"};
    if ((unsigned)s >= AXVM_ARRAY_SIZE(names))
        return "?";
    return names[s];
}

const char *axvm_vm_state_name(enum axvm_vm_state s)
{
    static const char *const names[] = {"LOADING", "LOADED", "RUNNING", "SUSPENDED", "STOPPING", "STOPPED"};
    if ((unsigned)s >= AXVM_ARRAY_SIZE(names))
        return "?";
    return names[s];
}
