/* Core-private interfaces between core/ files. Not for other layers. */
#ifndef AXVM_CORE_INTERNAL_H
#define AXVM_CORE_INTERNAL_H

#include "axvm/exit.h"
#include "axvm/types.h"

struct axvm_vcpu;
struct axvm_vm;

/* Run one of axvm's own hypercalls (hypercall.h); returns the value for the
 * guest's result register. */
uint64_t axvm_hypercall_dispatch(struct axvm_vcpu *vcpu, const struct axvm_exit *exit);

/* The run loop for a vCPU its pCPU already holds RUNNING (axvm_pcpu_step):
 * it stays RUNNING on return so that the exit is handled before anyone can
 * park it (a stop from another CPU waits for it instead of racing with a
 * stale exit). Returns an error when the vCPU became INVALID. */
int axvm_vcpu_run_claimed(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

/* Finish a stop or reboot once no vCPU of the VM is in guest mode any more. */
void axvm_vm_try_finish_stop(struct axvm_vm *vm);

/* A hypercall's negative AXVM_E* code as the guest sees it (sign-extended). */
static inline uint64_t axvm_err_to_reg(int err)
{
    return (uint64_t)(int64_t)err;
}

#endif
