/* Generic timer: the EL1 virtual counter and timer (PPI INTID 27). */
#ifndef GUEST_TIMER_H
#define GUEST_TIMER_H

#include <stdint.h>

#include "sysreg.h"

#define TIMER_VIRT_INTID 27
#define CNTV_CTL_ENABLE (1u << 0)
#define CNTV_CTL_IMASK (1u << 1)
#define CNTV_CTL_ISTATUS (1u << 2)

static inline uint64_t timer_freq(void) { return read_sysreg(cntfrq_el0); }
static inline uint64_t timer_vcount(void)
{
    isb();
    return read_sysreg(cntvct_el0);
}
static inline void timer_vset_cval(uint64_t cval) { write_sysreg(cntv_cval_el0, cval); }
static inline uint64_t timer_vget_cval(void) { return read_sysreg(cntv_cval_el0); }
static inline void timer_vset_ctl(uint64_t ctl)
{
    write_sysreg(cntv_ctl_el0, ctl);
    isb();
}
static inline uint64_t timer_vget_ctl(void) { return read_sysreg(cntv_ctl_el0); }
static inline uint64_t timer_ticks_from_us(uint64_t us) { return timer_freq() * us / 1000000u; }

#endif
