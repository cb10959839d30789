/* Exit statistics and the per-vCPU exit trace ring. */
#include "axvm/log.h"
#include "axvm/stats.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"

static uint64_t trace_addr(const struct axvm_exit *e)
{
    switch (e->reason) {
    case AXVM_EXIT_MMIO_READ:
        return e->u.mmio_read.addr;
    case AXVM_EXIT_MMIO_WRITE:
        return e->u.mmio_write.addr;
    case AXVM_EXIT_IO_READ:
    case AXVM_EXIT_IO_WRITE:
        return e->u.io.port;
    case AXVM_EXIT_SYSREG_READ:
    case AXVM_EXIT_SYSREG_WRITE:
        return e->u.sysreg.addr;
    case AXVM_EXIT_NESTED_PAGE_FAULT:
        return e->u.npf.addr;
    case AXVM_EXIT_HYPERCALL:
        return e->u.hypercall.nr;
    case AXVM_EXIT_CPU_UP:
        return e->u.cpu_up.target;
    case AXVM_EXIT_SEND_IPI:
        return e->u.ipi.targets;
    default:
        return 0;
    }
}

static uint64_t trace_value(const struct axvm_exit *e)
{
    switch (e->reason) {
    case AXVM_EXIT_MMIO_WRITE:
        return e->u.mmio_write.data;
    case AXVM_EXIT_IO_WRITE:
        return e->u.io.data;
    case AXVM_EXIT_SYSREG_WRITE:
        return e->u.sysreg.value;
    case AXVM_EXIT_HYPERCALL:
        return e->u.hypercall.args[0];
    case AXVM_EXIT_CPU_UP:
        return e->u.cpu_up.entry;
    case AXVM_EXIT_SEND_IPI:
        return e->u.ipi.vector;
    default:
        return 0;
    }
}

void axvm_trace_record(struct axvm_trace *t, const struct axvm_exit *exit, uint64_t time_ns)
{
    if (!t || !exit)
        return;
    struct axvm_trace_entry *e = &t->ring[t->head % AXVM_TRACE_DEPTH];
    e->time_ns = time_ns;
    e->pc = exit->guest_pc;
    e->addr = trace_addr(exit);
    e->value = trace_value(exit);
    e->reason = (uint8_t)exit->reason;
    t->head = (t->head + 1) % AXVM_TRACE_DEPTH;
    t->total++;
}

void axvm_stats_print_vcpu(const struct axvm_vcpu *vcpu)
{
    uint64_t total = 0;
    for (unsigned r = 0; r < AXVM_EXIT_COUNT_; r++)
        total += vcpu->stats.exits[r];
    axvm_printf("  vcpu %u (pcpu %u, %s): %llu exits, %llu faults injected\n", vcpu->id, vcpu->pcpu,
                axvm_vcpu_state_name(axvm_vcpu_state(vcpu)), (unsigned long long)total,
                (unsigned long long)vcpu->stats.faults_injected);
    for (unsigned r = 0; r < AXVM_EXIT_COUNT_; r++)
        if (vcpu->stats.exits[r])
            axvm_printf("    %-20s %llu\n", axvm_exit_reason_name((enum axvm_exit_reason)r),
                        (unsigned long long)vcpu->stats.exits[r]);
    const struct axvm_trace *t = &vcpu->trace;
    if (t->enabled && t->total) {
        unsigned n = t->total < AXVM_TRACE_DEPTH ? (unsigned)t->total : AXVM_TRACE_DEPTH;
        axvm_printf("    last %u exits (oldest first):\n", n);
        for (unsigned i = 0; i < n; i++) {
            const struct axvm_trace_entry *e = &t->ring[(t->head + AXVM_TRACE_DEPTH - n + i) % AXVM_TRACE_DEPTH];
            axvm_printf("      %llu ns pc 0x%llx %-18s addr 0x%llx value 0x%llx\n", (unsigned long long)e->time_ns,
                        (unsigned long long)e->pc, axvm_exit_reason_name((enum axvm_exit_reason)e->reason),
                        (unsigned long long)e->addr, (unsigned long long)e->value);
        }
    }
}

void axvm_stats_print_vm(const struct axvm_vm *vm)
{
    axvm_printf("axvm: vm %u %s: %s, boots %u, exit status %d, %llu page faults\n", vm->cfg.id, vm->cfg.name,
                axvm_vm_state_name(axvm_vm_state(vm)), vm->boot_count, vm->exit_status,
                (unsigned long long)vm->as.page_faults);
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++)
        axvm_stats_print_vcpu(&vm->vcpus[i]);
    axvm_devices_report(&vm->devices);
}
