/* The architecture backend interface.
 *
 * One backend is linked into each build (arch/aarch64 in the hypervisor image,
 * arch/x86_64 in axvm-kvm, arch/fake in unit tests); it hands its operations
 * table to axvm_init(). The core holds no architecture knowledge beyond this
 * table: every #ifdef the seeds needed becomes a choice of object file. */
#ifndef AXVM_ARCH_H
#define AXVM_ARCH_H

#include "axvm/exit.h"
#include "axvm/pagetable.h"
#include "axvm/types.h"

struct axvm_vm;
struct axvm_vcpu;
struct axvm_emu_dev_config;
struct axvm_region;

struct axvm_arch_ops {
    const char *name;

    /* Can this machine run guests at all (EL2 present, /dev/kvm usable...)? */
    bool (*hardware_supported)(void);
    /* Per-physical-CPU setup, run once on each physical CPU before any vCPU. */
    int (*percpu_init)(unsigned pcpu);

    /* The stage-2 entry encoder; NULL when the backend maps guest memory
     * through its own API (KVM memory slots via vm_map_region). */
    const struct axvm_pt_format *pt_format;

    /* Per-VM backend state (interrupt controller, timers, KVM VM fd).
     * vm_init runs after the address space exists and before devices attach. */
    int (*vm_init)(struct axvm_vm *vm);
    void (*vm_destroy)(struct axvm_vm *vm);
    /* Called for each RAM/SHARED/PASSTHROUGH region when pt_format is NULL,
     * after vm_init (and later for IVC regions). */
    int (*vm_map_region)(struct axvm_vm *vm, const struct axvm_region *r);
    /* Instantiate one emulated device of the configuration (vGIC, UART, ...):
     * the backend knows which device models exist for it. */
    int (*vm_attach_device)(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev);

    /* vCPU lifecycle. create sets vcpu->arch. */
    int (*vcpu_create)(struct axvm_vcpu *vcpu);
    void (*vcpu_destroy)(struct axvm_vcpu *vcpu);
    /* (Re)initialise the register state for a cold start at `entry` with
     * `arg` as the boot argument (x0 on Arm, rsi/ebx per boot protocol on x86). */
    int (*vcpu_setup)(struct axvm_vcpu *vcpu, axvm_gpa_t entry, uint64_t arg, axvm_hpa_t stage2_root);
    /* Make the calling physical CPU ready to run this vCPU / release it. */
    void (*vcpu_bind)(struct axvm_vcpu *vcpu);
    void (*vcpu_unbind)(struct axvm_vcpu *vcpu);

    /* Enter the guest; return with one decoded exit. The guest PC is already
     * past a trapped instruction that the core will complete (MMIO, sysreg,
     * port I/O, hypercall). Returns AXVM_OK or an error for a backend failure
     * (which invalidates the vCPU, not the hypervisor). */
    int (*vcpu_run)(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

    /* General registers by the architecture's index (x0..x30 on Arm, the
     * hardware numbering on x86). AXVM_ERANGE for an index that is not a
     * general register. */
    int (*vcpu_get_gpr)(struct axvm_vcpu *vcpu, unsigned idx, uint64_t *value);
    int (*vcpu_set_gpr)(struct axvm_vcpu *vcpu, unsigned idx, uint64_t value);
    /* Return value of a hypercall (x0 on Arm, rax on x86). */
    void (*vcpu_set_return_value)(struct axvm_vcpu *vcpu, uint64_t value);
    /* Guest-visible code for a core error in reply to a hypercall-like exit
     * (PSCI's INVALID_PARAMETERS, ALREADY_ON... on Arm). */
    uint64_t (*error_to_guest)(int axvm_err);

    /* Mark interrupt `irq` pending for this vCPU. Callable from any physical
     * CPU; the backend makes it visible at the vCPU's next entry (the core
     * kicks the vCPU's physical CPU afterwards). */
    int (*vcpu_inject_irq)(struct axvm_vcpu *vcpu, uint32_t irq);
    /* Has the vCPU an interrupt it would take now? (wakes a halted vCPU) */
    bool (*vcpu_irq_pending)(struct axvm_vcpu *vcpu);
    /* Make the guest take the architectural fault for the access described
     * by `exit` (data/instruction abort, #GP, access fault) instead of
     * completing it. */
    int (*vcpu_inject_fault)(struct axvm_vcpu *vcpu, const struct axvm_exit *exit);
    /* Deadline (hal_time_ns) at which a halted vCPU must wake by itself,
     * e.g. its virtual timer; UINT64_MAX for none. May be NULL. */
    uint64_t (*vcpu_wake_deadline)(struct axvm_vcpu *vcpu);

    /* Optional (may be NULL). */
    /* Back to power-on state after a reboot or reload (interrupt controller,
     * timers); RAM has been zeroed and images reloaded when it runs. */
    int (*vm_reset)(struct axvm_vm *vm);
    /* Counterpart of vm_map_region (IVC release) when pt_format is NULL. */
    int (*vm_unmap_region)(struct axvm_vm *vm, const struct axvm_region *r);
    /* Drop stale stage-2 translations of this VM after the core removed or
     * restricted mappings (unmap, protect) of a VM that may have run. */
    void (*vm_tlb_flush)(struct axvm_vm *vm);
};

/* Install the backend; call once before creating VMs. */
int axvm_init(const struct axvm_arch_ops *ops);
extern const struct axvm_arch_ops *axvm_arch;

#endif
