/* A fake architecture backend for hosted unit tests.
 *
 * vcpu_run replays a per-vCPU script of exits (fake_script) and records what
 * the core does in response: register writes, return values, injected faults
 * and interrupts, setups. The core code around it (run loop, device manager,
 * address space, VM lifecycle) is the real one. Two operation tables:
 *   fake_arch_ops       stage-2 through the generic page-table builder with
 *                       fake_pt_format (bare-metal-like)
 *   fake_arch_ops_nopt  no entry encoder: memory via vm_map_region (KVM-like)
 * Failures can be injected through `fake_fail`. Needs a HAL (tests/unit/fake_hal.c). */
#ifndef AXVM_ARCH_FAKE_H
#define AXVM_ARCH_FAKE_H

#include "axvm/arch.h"
#include "axvm/vm.h"

#define FAKE_SCRIPT_MAX 64
#define FAKE_LOG_MAX 64

struct fake_vcpu {
    uint64_t gpr[32];
    uint64_t deferred;           /* value given for AXVM_REG_DEFERRED */
    unsigned deferred_writes;
    unsigned gpr_writes;
    struct axvm_exit script[FAKE_SCRIPT_MAX];
    int script_err[FAKE_SCRIPT_MAX]; /* non-zero: vcpu_run fails with it at that step */
    unsigned n_script, pos;
    unsigned runs;               /* vcpu_run calls */
    uint64_t ret[FAKE_LOG_MAX];  /* vcpu_set_return_value log */
    unsigned n_ret;
    struct axvm_exit faults[FAKE_LOG_MAX];
    unsigned n_faults;
    uint32_t irqs[FAKE_LOG_MAX];
    unsigned n_irqs;
    bool irq_pending;            /* what vcpu_irq_pending answers; set by inject */
    uint64_t wake_deadline;      /* UINT64_MAX: none */
    unsigned setups;
    axvm_gpa_t setup_entry;
    uint64_t setup_arg;
    axvm_hpa_t setup_root;
    unsigned binds, unbinds;
};

struct fake_vm {
    unsigned resets;
    unsigned map_calls, unmap_calls, tlb_flushes;
    unsigned attached;           /* devices attached */
};

/* Failure injection: each counter n > 0 makes the n-th call from now fail. */
struct fake_failures {
    int vm_init;
    int vcpu_create;
    int vcpu_setup;
    int attach;
    int inject_fault;
    int inject_irq;
    int vm_map_region;
};
extern struct fake_failures fake_fail;

/* Called by vcpu_irq_pending before it answers (may be NULL): lets a test
 * make an interrupt arrive "concurrently" with the core's check. */
extern void (*fake_irq_pending_hook)(struct axvm_vcpu *vcpu);

/* percpu_init calls per physical CPU. */
extern unsigned fake_percpu_inits[8];
/* What hardware_supported answers (true after fake_arch_reset). */
extern bool fake_hw_supported;

/* Called by vcpu_run just before it returns an exit, scripted or the NOTHING
 * of an empty script (may be NULL): lets a test act "while the guest runs"
 * (kick, stop the VM...) or make up exits on the fly. */
extern void (*fake_run_hook)(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

extern const struct axvm_pt_format fake_pt_format;
extern const struct axvm_arch_ops fake_arch_ops;
extern const struct axvm_arch_ops fake_arch_ops_nopt;

/* Clear failure injection and the run hook. */
void fake_arch_reset(void);
struct fake_vcpu *fake_vcpu(const struct axvm_vcpu *vcpu);
struct fake_vm *fake_vm(const struct axvm_vm *vm);
/* Append one exit to a vCPU's script; err != 0 makes that step a backend failure. */
void fake_script(struct axvm_vcpu *vcpu, const struct axvm_exit *exit);
void fake_script_error(struct axvm_vcpu *vcpu, int err);
/* Exits left in the script. */
unsigned fake_script_left(const struct axvm_vcpu *vcpu);

/* The value error_to_guest maps an axvm error to (distinct per error). */
#define FAKE_GUEST_ERR(e) (0xE0000000ull | (uint64_t)(-(e)))

#endif
