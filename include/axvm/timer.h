/* Software timers of one physical CPU, multiplexed on the HAL's one-shot
 * timer. Used to wake halted vCPUs at their virtual-timer deadline and by
 * emulated devices. Timers run in interrupt context on their own pCPU. */
#ifndef AXVM_TIMER_H
#define AXVM_TIMER_H

#include "axvm/types.h"

struct axvm_timer {
    uint64_t deadline_ns;
    void (*fn)(void *arg);
    void *arg;
    unsigned pcpu;
    bool armed;
    struct axvm_timer *next;
};

void axvm_timer_init(struct axvm_timer *t, void (*fn)(void *), void *arg);
/* (Re)arm on the current physical CPU. Arm, cancel and tick of one CPU's
 * timers must not run concurrently (bare metal: arm with interrupts masked);
 * cancel a timer on the CPU that armed it. */
void axvm_timer_arm(struct axvm_timer *t, uint64_t deadline_ns);
void axvm_timer_cancel(struct axvm_timer *t);
/* Called by the HAL when the pCPU's deadline passes: runs expired timers and
 * reprograms the next deadline. */
void axvm_timer_tick(void);

#endif
