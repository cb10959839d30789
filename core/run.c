/* The exit hot path: enter the guest, complete what the core handles itself
 * (MMIO, port I/O, system registers, nested page faults), return the rest.
 * No allocation, no locks: device lookup is a binary search over tables that
 * do not change while vCPUs run. */
#include "axvm/arch.h"
#include "axvm/hal.h"
#include "axvm/log.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "internal.h"

static uint64_t truncate_to(uint64_t v, unsigned width)
{
    return width >= 8 ? v : v & ((1ull << (width * 8u)) - 1);
}

int axvm_vcpu_complete_read(struct axvm_vcpu *vcpu, const struct axvm_exit *exit, uint64_t value)
{
    if (!vcpu || !exit)
        return AXVM_EINVAL;
    switch (exit->reason) {
    case AXVM_EXIT_MMIO_READ: {
        unsigned w = exit->u.mmio_read.width;
        /* 0 is taken as a full register, for backends that do not track it */
        unsigned rw = exit->u.mmio_read.reg_width ? exit->u.mmio_read.reg_width : 8u;
        if ((w != 1 && w != 2 && w != 4 && w != 8) || (rw != 4 && rw != 8) || w > rw)
            return AXVM_EWIDTH;
        uint64_t v = truncate_to(value, w);
        if (exit->u.mmio_read.sign_extend && w < 8) {
            uint64_t sign = 1ull << (w * 8u - 1u);
            v = (v ^ sign) - sign;
        }
        /* a 32-bit destination clears the upper half (AArch64 W registers) */
        v = truncate_to(v, rw);
        return axvm_vcpu_set_gpr(vcpu, exit->u.mmio_read.reg, v);
    }
    case AXVM_EXIT_IO_READ: {
        unsigned w = exit->u.io.width;
        if (w != 1 && w != 2 && w != 4)
            return AXVM_EWIDTH;
        return axvm_vcpu_set_gpr(vcpu, exit->u.io.reg, truncate_to(value, w));
    }
    case AXVM_EXIT_SYSREG_READ:
        return axvm_vcpu_set_gpr(vcpu, exit->u.sysreg.reg, value);
    default:
        return AXVM_EINVAL;
    }
}

static void inject_fault(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
    vcpu->stats.faults_injected++;
    int rc = axvm_arch->vcpu_inject_fault(vcpu, exit);
    if (rc) {
        /* the guest cannot be told: it cannot continue correctly */
        AXVM_ERR("vm %s vcpu %u: cannot inject fault for %s: %s\n", vcpu->vm->cfg.name, vcpu->id,
                 axvm_exit_reason_name(exit->reason), axvm_strerror(rc));
        (void)axvm_vcpu_set_state(vcpu, AXVM_VCPU_RUNNING, AXVM_VCPU_INVALID);
        (void)axvm_vm_shutdown(vcpu->vm);
    }
}

/* An access no device took (rc from the device manager): apply the policy.
 * Errors of a device (bad width, alignment, handler failure) always fault. */
static void access_failed(struct axvm_vcpu *vcpu, const struct axvm_exit *exit, int rc, bool is_read)
{
    struct axvm_vm *vm = vcpu->vm;
    if (rc != AXVM_ENODEV) {
        inject_fault(vcpu, exit);
        return;
    }
    switch (vm->devices.policy) {
    case AXVM_UNHANDLED_RAZ_WI:
        if (is_read && axvm_vcpu_complete_read(vcpu, exit, 0) != AXVM_OK)
            inject_fault(vcpu, exit);
        return;
    case AXVM_UNHANDLED_STOP_VM:
        AXVM_ERR("vm %s vcpu %u: unhandled %s at pc 0x%llx, stopping the VM\n", vm->cfg.name, vcpu->id,
                 axvm_exit_reason_name(exit->reason), (unsigned long long)exit->guest_pc);
        vm->exit_status = AXVM_ENODEV;
        (void)axvm_vm_shutdown(vm);
        return;
    case AXVM_UNHANDLED_FAULT:
    default:
        inject_fault(vcpu, exit);
        return;
    }
}

static void do_read(struct axvm_vcpu *vcpu, const struct axvm_exit *exit, enum axvm_dev_space space,
                    uint64_t addr, unsigned width)
{
    uint64_t v = 0;
    int rc = axvm_devices_read(&vcpu->vm->devices, space, vcpu, addr, width, &v);
    if (rc) {
        access_failed(vcpu, exit, rc, true);
        return;
    }
    rc = axvm_vcpu_complete_read(vcpu, exit, v);
    if (rc) {
        /* only a backend that decoded a bad register gets here */
        AXVM_ERR("vm %s vcpu %u: completing %s: %s\n", vcpu->vm->cfg.name, vcpu->id,
                 axvm_exit_reason_name(exit->reason), axvm_strerror(rc));
        inject_fault(vcpu, exit);
    }
}

static void do_write(struct axvm_vcpu *vcpu, const struct axvm_exit *exit, enum axvm_dev_space space,
                     uint64_t addr, unsigned width, uint64_t value)
{
    int rc = axvm_devices_write(&vcpu->vm->devices, space, vcpu, addr, width, value);
    if (rc)
        access_failed(vcpu, exit, rc, false);
}

int axvm_vcpu_run_claimed(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
    struct axvm_vm *vm = vcpu->vm;

    for (;;) {
        atomic_store_explicit(&vcpu->kick, false, memory_order_relaxed);
        /* stop / suspend / reboot from anywhere takes effect here */
        if (axvm_vm_state(vm) != AXVM_VM_RUNNING || axvm_vcpu_state(vcpu) != AXVM_VCPU_RUNNING) {
            exit->reason = AXVM_EXIT_NOTHING;
            break;
        }
        int rc = axvm_arch->vcpu_run(vcpu, exit);
        if (rc || (unsigned)exit->reason >= AXVM_EXIT_COUNT_) {
            AXVM_ERR("vm %s vcpu %u: backend run failed: %s\n", vm->cfg.name, vcpu->id,
                     rc ? axvm_strerror(rc) : "bad exit reason");
            (void)axvm_vcpu_set_state(vcpu, AXVM_VCPU_RUNNING, AXVM_VCPU_INVALID);
            return rc ? rc : AXVM_EIO;
        }
        vcpu->stats.exits[exit->reason]++;
        if (vcpu->trace.enabled)
            axvm_trace_record(&vcpu->trace, exit, hal_time_ns());

        switch (exit->reason) {
        case AXVM_EXIT_MMIO_READ:
            do_read(vcpu, exit, AXVM_SPACE_MMIO, exit->u.mmio_read.addr, exit->u.mmio_read.width);
            continue;
        case AXVM_EXIT_MMIO_WRITE:
            do_write(vcpu, exit, AXVM_SPACE_MMIO, exit->u.mmio_write.addr, exit->u.mmio_write.width,
                     exit->u.mmio_write.data);
            continue;
        case AXVM_EXIT_IO_READ:
            do_read(vcpu, exit, AXVM_SPACE_PORT, exit->u.io.port, exit->u.io.width);
            continue;
        case AXVM_EXIT_IO_WRITE:
            do_write(vcpu, exit, AXVM_SPACE_PORT, exit->u.io.port, exit->u.io.width, exit->u.io.data);
            continue;
        case AXVM_EXIT_SYSREG_READ:
            do_read(vcpu, exit, AXVM_SPACE_SYSREG, exit->u.sysreg.addr, 8);
            continue;
        case AXVM_EXIT_SYSREG_WRITE:
            do_write(vcpu, exit, AXVM_SPACE_SYSREG, exit->u.sysreg.addr, 8, exit->u.sysreg.value);
            continue;
        case AXVM_EXIT_NESTED_PAGE_FAULT:
            if (axvm_as_handle_fault(&vm->as, exit->u.npf.addr, exit->u.npf.access) != AXVM_OK)
                inject_fault(vcpu, exit);
            continue;
        default:
            break;
        }
        break;
    }
    /* a fault that could not be injected invalidates the vCPU */
    return axvm_vcpu_state(vcpu) == AXVM_VCPU_RUNNING ? AXVM_OK : AXVM_EIO;
}

int axvm_vcpu_run(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
    if (!vcpu || !exit)
        return AXVM_EINVAL;
    int rc = axvm_vcpu_set_state(vcpu, AXVM_VCPU_READY, AXVM_VCPU_RUNNING);
    if (rc)
        return rc;
    rc = axvm_vcpu_run_claimed(vcpu, exit);
    if (rc)
        return rc;
    return axvm_vcpu_set_state(vcpu, AXVM_VCPU_RUNNING, AXVM_VCPU_READY) == AXVM_OK ? AXVM_OK : AXVM_EIO;
}
