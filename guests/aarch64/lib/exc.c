#include "exc.h"

#include "asm.h"
#include "printf.h"
#include "sysreg.h"
#include "test.h"

enum { ARM_NONE = 0, ARM_SKIP, ARM_RETURN };

struct cpu_exc_state {
    volatile int armed;
    volatile bool taken;
    struct fault_info info;
    irq_handler_fn irq;
    unsigned idle_irqs; /* IRQs in a row where the handler found nothing */
};

static struct cpu_exc_state exc_state[GUEST_MAX_CPUS];

static const char *const kind_names[16] = {
    "sync/sp0", "irq/sp0", "fiq/sp0", "serror/sp0", "sync", "irq", "fiq", "serror",
    "sync/lower", "irq/lower", "fiq/lower", "serror/lower",
    "sync/lower32", "irq/lower32", "fiq/lower32", "serror/lower32",
};

static void arm(int how)
{
    struct cpu_exc_state *s = &exc_state[cpu_index()];
    s->taken = false;
    s->armed = how;
    __asm__ volatile("" ::: "memory");
}

void fault_expect(void) { arm(ARM_SKIP); }
void fault_expect_return(void) { arm(ARM_RETURN); }

bool fault_collect(struct fault_info *f)
{
    __asm__ volatile("" ::: "memory");
    struct cpu_exc_state *s = &exc_state[cpu_index()];
    s->armed = ARM_NONE;
    bool taken = s->taken;
    if (taken && f)
        *f = s->info;
    s->taken = false;
    return taken;
}

void exc_set_irq_handler(irq_handler_fn fn)
{
    exc_state[cpu_index()].irq = fn;
}

static void unexpected(struct exc_frame *frame, uint64_t kind)
{
    test_fail("unexpected-exception", "cpu %u %s ESR=%#lx (EC %#lx) FAR=%#lx ELR=%#lx", cpu_index(),
              kind < 16 ? kind_names[kind] : "?", frame->esr, ESR_EC(frame->esr), frame->far,
              frame->elr);
    test_abort();
}

void exc_dispatch(struct exc_frame *frame, uint64_t kind)
{
    unsigned cpu = cpu_index();
    struct cpu_exc_state *s = cpu < GUEST_MAX_CPUS ? &exc_state[cpu] : 0;
    if (s && kind == EXC_SYNC && s->armed != ARM_NONE) {
        s->info.esr = frame->esr;
        s->info.far = frame->far;
        s->info.elr = frame->elr;
        s->taken = true;
        if (s->armed == ARM_RETURN)
            frame->elr = frame->x[30];
        else
            frame->elr += 4;
        s->armed = ARM_NONE;
        return;
    }
    if (s && kind == EXC_IRQ && s->irq) {
        if (s->irq(frame)) {
            s->idle_irqs = 0;
        } else if (++s->idle_irqs >= IRQ_STORM_LIMIT) {
            test_fail("irq-storm", "cpu %u: %u IRQ exceptions in a row with nothing to acknowledge; masking IRQs",
                      cpu, s->idle_irqs);
            s->idle_irqs = 0;
            frame->spsr |= 1u << 7; /* PSTATE.I on return */
        }
        return;
    }
    unexpected(frame, kind);
}
