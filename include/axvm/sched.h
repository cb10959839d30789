/* The physical-CPU loop: static partitioning, one vCPU pinned per physical
 * CPU slot (Bao's model). Both the bare-metal runtime (each CPU) and the KVM
 * host (each vCPU thread) call axvm_pcpu_loop. */
#ifndef AXVM_SCHED_H
#define AXVM_SCHED_H

#include "axvm/types.h"

struct axvm_vcpu;

/* Assign a vCPU to the physical CPU it is pinned to (done by axvm_vm_create).
 * AXVM_EBUSY if that pCPU already runs another vCPU. */
int axvm_pcpu_assign(unsigned pcpu, struct axvm_vcpu *vcpu);
void axvm_pcpu_release(unsigned pcpu, struct axvm_vcpu *vcpu);
struct axvm_vcpu *axvm_pcpu_vcpu(unsigned pcpu);

/* Run whatever the current physical CPU is assigned, forever: run the vCPU
 * while READY, idle while it is FREE/BLOCKED or its VM is not running, park
 * it when its VM stops. Returns only when `should_stop` (may be NULL) says so,
 * which the hosted and test builds use. The first iteration on each physical
 * CPU calls the backend's percpu_init. */
void axvm_pcpu_loop(bool (*should_stop)(void));

/* One iteration of the loop (for tests): returns false if it idled. */
bool axvm_pcpu_step(void);

#endif
