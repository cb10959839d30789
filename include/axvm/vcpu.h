/* A virtual CPU: the architecture-neutral state machine around a backend's
 * context, plus its exit statistics and trace.
 *
 *   CREATED --setup--> FREE --make_ready--> READY --run--> RUNNING
 *   RUNNING --exit handled--> READY      RUNNING --halt--> BLOCKED --irq--> READY
 *   READY/BLOCKED --cpu down / VM stop--> FREE      any --fatal--> INVALID
 *   RUNNING --halt / cpu down while its pCPU handles the exit--> BLOCKED / FREE
 */
#ifndef AXVM_VCPU_H
#define AXVM_VCPU_H

#include <stdatomic.h>

#include "axvm/exit.h"
#include "axvm/stats.h"
#include "axvm/types.h"

struct axvm_vm;

enum axvm_vcpu_state {
    AXVM_VCPU_CREATED = 0,
    AXVM_VCPU_FREE,     /* set up, powered off (not yet started by the guest) */
    AXVM_VCPU_READY,    /* runnable */
    AXVM_VCPU_RUNNING,  /* in guest mode or handling an exit on its pCPU */
    AXVM_VCPU_BLOCKED,  /* waiting for an interrupt (WFI / HLT) */
    AXVM_VCPU_INVALID,  /* fatal error: never runs again until the VM reboots */
};

const char *axvm_vcpu_state_name(enum axvm_vcpu_state s);

struct axvm_vcpu {
    struct axvm_vm *vm;
    unsigned id;            /* index within the VM */
    unsigned pcpu;          /* physical CPU it is pinned to */
    uint64_t hwid;          /* architecture CPU id the guest sees (MPIDR affinity, APIC id) */
    _Atomic int state;      /* enum axvm_vcpu_state */
    _Atomic bool kick;      /* someone wants this vCPU to re-check (irq, stop) */
    axvm_gpa_t entry;       /* next cold-start entry point and argument */
    uint64_t entry_arg;
    void *arch;             /* backend context */
    struct axvm_vcpu_stats stats;
    struct axvm_trace trace;
};

/* Legal transition or AXVM_ESTATE. Atomic: concurrent callers see one win. */
int axvm_vcpu_set_state(struct axvm_vcpu *vcpu, enum axvm_vcpu_state from, enum axvm_vcpu_state to);
static inline enum axvm_vcpu_state axvm_vcpu_state(const struct axvm_vcpu *vcpu)
{
    return (enum axvm_vcpu_state)atomic_load_explicit(&vcpu->state, memory_order_acquire);
}

/* Run the vCPU on the current physical CPU until an exit the core does not
 * handle itself (MMIO, port I/O, sysreg and nested page faults are handled
 * here, through the device manager and the address space, and unhandled ones
 * per the VM's policy). The vCPU must be READY; it is RUNNING inside and
 * READY again on return (or INVALID after a backend failure, then the
 * return value is the error). */
int axvm_vcpu_run(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

/* Complete an MMIO / sysreg / port read: write `value` (of `width` bytes) to
 * the target register with the exit's register width and sign extension.
 * Exposed for backends and tests; the run loop uses it. */
int axvm_vcpu_complete_read(struct axvm_vcpu *vcpu, const struct axvm_exit *exit, uint64_t value);

/* Handle an exit that axvm_vcpu_run returned, the architecture-neutral way:
 * HALT blocks until an interrupt, CPU_UP/DOWN start/stop sibling vCPUs,
 * SYSTEM_DOWN/RESET stop/reboot the VM, SEND_IPI injects into siblings,
 * HYPERCALL runs axvm's own hypercalls (IVC) or returns an error code.
 * Returns AXVM_OK when the vCPU may continue. */
int axvm_vcpu_handle_exit(struct axvm_vcpu *vcpu, const struct axvm_exit *exit);

/* Make the vCPU look at its pending work soon: kicks its physical CPU and
 * wakes it if BLOCKED. */
void axvm_vcpu_kick(struct axvm_vcpu *vcpu);

/* General-register access through the backend, with range checks. */
int axvm_vcpu_get_gpr(struct axvm_vcpu *vcpu, unsigned idx, uint64_t *value);
int axvm_vcpu_set_gpr(struct axvm_vcpu *vcpu, unsigned idx, uint64_t value);

#endif
