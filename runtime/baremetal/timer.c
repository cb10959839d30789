/* Time: hal_time_ns from the physical counter, and the one-shot per-CPU
 * timer on the EL2 physical timer (CNTHP, INTID 26). Conversions use a
 * 32.32 fixed-point factor so that no 128-bit division is needed. */
#include "axvm/hal.h"
#include "axvm/timer.h"
#include "a64.h"
#include "rt.h"
#include "sysreg.h"

static uint64_t freq_hz;
static uint64_t ns_per_tick_fp;  /* ns per tick << 32 */
static uint64_t ticks_per_ns_fp; /* ticks per ns << 32 */

static uint64_t mul_shr32(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 32);
}

void rt_timer_init(void)
{
    if (freq_hz == 0) {
        freq_hz = read_sysreg(cntfrq_el0);
        if (freq_hz == 0)
            freq_hz = 62500000;
        ns_per_tick_fp = (1000000000ull << 32) / freq_hz;
        ticks_per_ns_fp = (freq_hz << 32) / 1000000000ull;
    }
    write_sysreg(CNTHP_CTL_EL2_R, 0);
}

uint64_t rt_ticks_to_ns(uint64_t ticks) { return mul_shr32(ticks, ns_per_tick_fp); }

uint64_t rt_ns_to_ticks(uint64_t ns)
{
    if (ns >= UINT64_MAX / 2)
        return UINT64_MAX;
    return mul_shr32(ns, ticks_per_ns_fp) + 1;
}

uint64_t hal_time_ns(void)
{
    a64_isb();
    return rt_ticks_to_ns(read_sysreg(cntpct_el0));
}

void hal_timer_set(uint64_t deadline_ns)
{
    struct rt_percpu *pc = rt_this_cpu();
    pc->timer_deadline_ns = deadline_ns;
    if (deadline_ns == UINT64_MAX) {
        write_sysreg(CNTHP_CTL_EL2_R, 0);
        return;
    }
    write_sysreg(CNTHP_CVAL_EL2_R, rt_ns_to_ticks(deadline_ns));
    write_sysreg(CNTHP_CTL_EL2_R, 1);
    a64_isb();
}

/* INTID 26 fired: the line stays asserted while the timer condition holds,
 * so disable it before running the expired software timers (which re-arm). */
void rt_timer_irq(void)
{
    write_sysreg(CNTHP_CTL_EL2_R, 0);
    a64_isb();
    rt_this_cpu()->timer_deadline_ns = UINT64_MAX;
    axvm_timer_tick();
}
