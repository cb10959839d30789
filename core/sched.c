/* The per-physical-CPU loop of static partitioning: one vCPU slot per pCPU. */
#include "axvm/arch.h"
#include "axvm/hal.h"
#include "axvm/log.h"
#include "axvm/sched.h"
#include "axvm/timer.h"
#include "axvm/vm.h"
#include "internal.h"

struct pcpu {
    struct axvm_vcpu *_Atomic vcpu;
    struct axvm_vcpu *bound;    /* vCPU whose context this CPU holds */
    bool initialised;
    struct axvm_timer wake;     /* wakes a BLOCKED vCPU at its deadline */
};

static struct pcpu pcpus[AXVM_MAX_PCPUS];

int axvm_pcpu_assign(unsigned pcpu, struct axvm_vcpu *vcpu)
{
    if (pcpu >= AXVM_MAX_PCPUS || pcpu >= hal_cpu_count() || !vcpu)
        return AXVM_EINVAL;
    struct axvm_vcpu *expected = NULL;
    if (!atomic_compare_exchange_strong(&pcpus[pcpu].vcpu, &expected, vcpu))
        return expected == vcpu ? AXVM_OK : AXVM_EBUSY;
    return AXVM_OK;
}

void axvm_pcpu_release(unsigned pcpu, struct axvm_vcpu *vcpu)
{
    if (pcpu >= AXVM_MAX_PCPUS)
        return;
    struct axvm_vcpu *expected = vcpu;
    (void)atomic_compare_exchange_strong(&pcpus[pcpu].vcpu, &expected, NULL);
}

struct axvm_vcpu *axvm_pcpu_vcpu(unsigned pcpu)
{
    return pcpu < AXVM_MAX_PCPUS ? atomic_load(&pcpus[pcpu].vcpu) : NULL;
}

static void wake_fn(void *arg)
{
    axvm_vcpu_kick(arg);
}

static void unbind(struct pcpu *p)
{
    if (p->bound) {
        if (axvm_arch->vcpu_unbind)
            axvm_arch->vcpu_unbind(p->bound);
        p->bound = NULL;
    }
}

/* Wait for an interrupt on behalf of a halted vCPU, at most until its own
 * wake-up deadline (virtual timer). */
static void block(struct pcpu *p, struct axvm_vcpu *v)
{
    if (axvm_arch->vcpu_irq_pending && axvm_arch->vcpu_irq_pending(v)) {
        (void)axvm_vcpu_set_state(v, AXVM_VCPU_BLOCKED, AXVM_VCPU_READY);
        return;
    }
    uint64_t deadline = axvm_arch->vcpu_wake_deadline ? axvm_arch->vcpu_wake_deadline(v) : UINT64_MAX;
    if (deadline != UINT64_MAX) {
        if (deadline <= hal_time_ns()) {
            (void)axvm_vcpu_set_state(v, AXVM_VCPU_BLOCKED, AXVM_VCPU_READY);
            return;
        }
        axvm_timer_init(&p->wake, wake_fn, v);
        axvm_timer_arm(&p->wake, deadline);
    }
    hal_cpu_idle();
    axvm_timer_cancel(&p->wake);
    if (deadline != UINT64_MAX && hal_time_ns() >= deadline)
        (void)axvm_vcpu_set_state(v, AXVM_VCPU_BLOCKED, AXVM_VCPU_READY);
}

bool axvm_pcpu_step(void)
{
    unsigned id = hal_cpu_id();
    if (id >= AXVM_MAX_PCPUS || !axvm_arch) {
        hal_cpu_idle();
        return false;
    }
    struct pcpu *p = &pcpus[id];
    if (!p->initialised) {
        p->initialised = true;
        if (axvm_arch->percpu_init) {
            int rc = axvm_arch->percpu_init(id);
            if (rc)
                AXVM_ERR("pcpu %u: backend init failed: %s\n", id, axvm_strerror(rc));
        }
    }
    struct axvm_vcpu *v = atomic_load(&p->vcpu);
    if (!v) {
        unbind(p);
        hal_cpu_idle();
        return false;
    }
    if (p->bound && p->bound != v)
        unbind(p);
    struct axvm_vm *vm = v->vm;
    enum axvm_vm_state vs = axvm_vm_state(vm);
    if (vs == AXVM_VM_STOPPING) {
        axvm_vm_park_vcpu(v);
        return true;
    }
    if (vs != AXVM_VM_RUNNING) {
        if (vs == AXVM_VM_STOPPED)
            unbind(p);
        hal_cpu_idle();
        return false;
    }
    switch (axvm_vcpu_state(v)) {
    case AXVM_VCPU_READY: {
        if (p->bound != v) {
            if (axvm_arch->vcpu_bind)
                axvm_arch->vcpu_bind(v);
            p->bound = v;
        }
        /* The vCPU stays RUNNING until its exit is handled: a stop from
         * another CPU then waits for this CPU to park it, instead of parking
         * it between run and handle_exit (which would handle a stale exit,
         * possibly in the VM's next boot). */
        if (axvm_vcpu_set_state(v, AXVM_VCPU_READY, AXVM_VCPU_RUNNING) != AXVM_OK)
            return true; /* parked meanwhile */
        struct axvm_exit exit;
        int rc = axvm_vcpu_run_claimed(v, &exit);
        if (rc == AXVM_OK)
            (void)axvm_vcpu_handle_exit(v, &exit);
        (void)axvm_vcpu_set_state(v, AXVM_VCPU_RUNNING, AXVM_VCPU_READY);
        if (rc && axvm_vcpu_state(v) == AXVM_VCPU_INVALID) {
            AXVM_ERR("vm %s vcpu %u failed: %s; stopping the VM\n", vm->cfg.name, v->id, axvm_strerror(rc));
            vm->exit_status = rc;
            (void)axvm_vm_shutdown(vm);
        }
        return true;
    }
    case AXVM_VCPU_BLOCKED:
        block(p, v);
        return false;
    default:
        hal_cpu_idle();
        return false;
    }
}

void axvm_pcpu_loop(bool (*should_stop)(void))
{
    while (!should_stop || !should_stop())
        (void)axvm_pcpu_step();
}
