/* Per-pCPU software timers on the HAL's one-shot timer: a deadline-sorted
 * list per physical CPU. A list is only touched by its own CPU (arm, cancel
 * and tick all run there), so no lock is needed; the HAL must not run
 * axvm_timer_tick while that CPU is inside axvm_timer_arm/cancel (bare metal:
 * timers are armed with interrupts masked). */
#include "axvm/hal.h"
#include "axvm/timer.h"

static struct axvm_timer *timers[AXVM_MAX_PCPUS];

static void program(unsigned pcpu)
{
    hal_timer_set(timers[pcpu] ? timers[pcpu]->deadline_ns : UINT64_MAX);
}

static void unlink_timer(struct axvm_timer *t)
{
    struct axvm_timer **pp = &timers[t->pcpu];
    while (*pp && *pp != t)
        pp = &(*pp)->next;
    if (*pp)
        *pp = t->next;
    t->next = NULL;
    t->armed = false;
}

void axvm_timer_init(struct axvm_timer *t, void (*fn)(void *), void *arg)
{
    t->deadline_ns = UINT64_MAX;
    t->fn = fn;
    t->arg = arg;
    t->pcpu = 0;
    t->armed = false;
    t->next = NULL;
}

void axvm_timer_arm(struct axvm_timer *t, uint64_t deadline_ns)
{
    unsigned pcpu = hal_cpu_id();
    if (!t || pcpu >= AXVM_MAX_PCPUS)
        return;
    /* re-arming moves the timer; its old CPU may take one spurious tick */
    if (t->armed)
        unlink_timer(t);
    t->deadline_ns = deadline_ns;
    t->pcpu = pcpu;
    struct axvm_timer **pp = &timers[pcpu];
    while (*pp && (*pp)->deadline_ns <= deadline_ns)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->armed = true;
    program(pcpu);
}

void axvm_timer_cancel(struct axvm_timer *t)
{
    if (!t || !t->armed)
        return;
    unsigned pcpu = t->pcpu;
    unlink_timer(t);
    if (pcpu == hal_cpu_id())
        program(pcpu);
}

void axvm_timer_tick(void)
{
    unsigned pcpu = hal_cpu_id();
    if (pcpu >= AXVM_MAX_PCPUS)
        return;
    uint64_t now = hal_time_ns();
    while (timers[pcpu] && timers[pcpu]->deadline_ns <= now) {
        struct axvm_timer *t = timers[pcpu];
        timers[pcpu] = t->next;
        t->next = NULL;
        t->armed = false;
        if (t->fn)
            t->fn(t->arg); /* may re-arm itself */
    }
    program(pcpu);
}
