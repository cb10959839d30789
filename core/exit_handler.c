/* The architecture-neutral handling of the exits axvm_vcpu_run returns. */
#include "axvm/arch.h"
#include "axvm/log.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "internal.h"

static bool irq_pending(struct axvm_vcpu *vcpu)
{
    return axvm_arch->vcpu_irq_pending && axvm_arch->vcpu_irq_pending(vcpu);
}

/* The state an exit is handled in: READY after axvm_vcpu_run, RUNNING when
 * its pCPU loop handles it (axvm_pcpu_step); anything else means the vCPU
 * was stopped meanwhile. */
static bool handling(const struct axvm_vcpu *vcpu, enum axvm_vcpu_state *s)
{
    *s = axvm_vcpu_state(vcpu);
    return *s == AXVM_VCPU_READY || *s == AXVM_VCPU_RUNNING;
}

static int handle_halt(struct axvm_vcpu *vcpu)
{
    enum axvm_vcpu_state s;
    if (irq_pending(vcpu) || !handling(vcpu, &s))
        return AXVM_OK;
    if (axvm_vcpu_set_state(vcpu, s, AXVM_VCPU_BLOCKED) != AXVM_OK)
        return AXVM_OK; /* stopped meanwhile */
    /* an injection between the check above and BLOCKED saw a READY vCPU and
     * did not wake it: look again */
    if (irq_pending(vcpu))
        (void)axvm_vcpu_set_state(vcpu, AXVM_VCPU_BLOCKED, AXVM_VCPU_READY);
    return AXVM_OK;
}

static int cpu_up(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
    struct axvm_vm *vm = vcpu->vm;
    struct axvm_vcpu *t = axvm_vm_vcpu_by_hwid(vm, exit->u.cpu_up.target);
    if (!t)
        return AXVM_EINVAL;
    axvm_spin_lock(&vm->lock);
    int rc = axvm_vcpu_state(t) == AXVM_VCPU_FREE ? AXVM_OK : AXVM_EALREADY;
    if (!rc && !axvm_vm_gpa_is_ram(vm, exit->u.cpu_up.entry, 4))
        rc = AXVM_EFAULT;
    if (!rc) {
        t->entry = exit->u.cpu_up.entry;
        t->entry_arg = exit->u.cpu_up.arg;
        rc = axvm_arch->vcpu_setup(t, t->entry, t->entry_arg, vm->as.pt.root_pa);
        if (rc)
            rc = AXVM_EIO;
    }
    if (!rc)
        rc = axvm_vcpu_set_state(t, AXVM_VCPU_FREE, AXVM_VCPU_READY);
    axvm_spin_unlock(&vm->lock);
    if (!rc)
        axvm_vcpu_kick(t);
    return rc;
}

static void cpu_down(struct axvm_vcpu *vcpu)
{
    struct axvm_vm *vm = vcpu->vm;
    enum axvm_vcpu_state s;
    if (!handling(vcpu, &s) || axvm_vcpu_set_state(vcpu, s, AXVM_VCPU_FREE) != AXVM_OK)
        return;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
        enum axvm_vcpu_state other = axvm_vcpu_state(&vm->vcpus[i]);
        if (other != AXVM_VCPU_FREE && other != AXVM_VCPU_INVALID)
            return;
    }
    AXVM_INFO("vm %s: last vcpu powered off\n", vm->cfg.name);
    (void)axvm_vm_shutdown(vm);
}

static uint64_t ipi_mask(const struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
    unsigned n = vcpu->vm->cfg.vcpu_count;
    uint64_t all = n >= 64 ? ~0ull : (1ull << n) - 1;
    switch (exit->u.ipi.dest) {
    case AXVM_IPI_SELF:
        return 1ull << vcpu->id;
    case AXVM_IPI_ALL_BUT_SELF:
        return all & ~(1ull << vcpu->id);
    case AXVM_IPI_TARGETS:
    default:
        return exit->u.ipi.targets & all;
    }
}

int axvm_vcpu_handle_exit(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
    if (!vcpu || !exit)
        return AXVM_EINVAL;
    struct axvm_vm *vm = vcpu->vm;
    switch (exit->reason) {
    case AXVM_EXIT_NOTHING:
    case AXVM_EXIT_EXTERNAL_INTERRUPT:
    /* handled inside axvm_vcpu_run already */
    case AXVM_EXIT_MMIO_READ:
    case AXVM_EXIT_MMIO_WRITE:
    case AXVM_EXIT_IO_READ:
    case AXVM_EXIT_IO_WRITE:
    case AXVM_EXIT_SYSREG_READ:
    case AXVM_EXIT_SYSREG_WRITE:
    case AXVM_EXIT_NESTED_PAGE_FAULT:
        return AXVM_OK;
    case AXVM_EXIT_HALT:
        return handle_halt(vcpu);
    case AXVM_EXIT_CPU_UP: {
        int rc = cpu_up(vcpu, exit);
        axvm_arch->vcpu_set_return_value(vcpu, rc ? axvm_arch->error_to_guest(rc) : 0);
        return AXVM_OK;
    }
    case AXVM_EXIT_CPU_DOWN:
        cpu_down(vcpu);
        return AXVM_OK;
    case AXVM_EXIT_SYSTEM_DOWN:
        AXVM_INFO("vm %s: powered off by the guest\n", vm->cfg.name);
        (void)axvm_vm_shutdown(vm);
        return AXVM_OK;
    case AXVM_EXIT_SYSTEM_RESET:
        AXVM_INFO("vm %s: reset by the guest\n", vm->cfg.name);
        (void)axvm_vm_reboot(vm);
        return AXVM_OK;
    case AXVM_EXIT_SEND_IPI: {
        uint64_t mask = ipi_mask(vcpu, exit);
        return mask ? axvm_vm_inject_irq(vm, mask, exit->u.ipi.vector) : AXVM_OK;
    }
    case AXVM_EXIT_HYPERCALL:
        axvm_arch->vcpu_set_return_value(vcpu, axvm_hypercall_dispatch(vcpu, exit));
        return AXVM_OK;
    case AXVM_EXIT_FAIL_ENTRY:
        AXVM_ERR("vm %s vcpu %u: entry failed (hardware reason 0x%llx) at pc 0x%llx; stopping the VM\n",
                 vm->cfg.name, vcpu->id, (unsigned long long)exit->u.fail_entry.hw_reason,
                 (unsigned long long)exit->guest_pc);
        (void)axvm_vcpu_set_state(vcpu, axvm_vcpu_state(vcpu), AXVM_VCPU_INVALID);
        vm->exit_status = AXVM_EIO;
        (void)axvm_vm_shutdown(vm);
        return AXVM_EIO;
    default:
        return AXVM_EINVAL;
    }
}
