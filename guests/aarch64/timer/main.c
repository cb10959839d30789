/* timer: the EL1 virtual timer (PPI 27) through the virtual GIC: condition
 * and ISTATUS, one-shot and periodic interrupts never delivered early,
 * IMASK and the GIC enable bit holding the interrupt back, and WFI woken by
 * the timer (also with IRQs masked at PSTATE). */
#include "exc.h"
#include "gic.h"
#include "printf.h"
#include "sysreg.h"
#include "test.h"
#include "timer.h"

const char guest_name[] = "timer";

#define MAX_TICKS 16

static volatile unsigned ticks;
static volatile unsigned other_irqs;
static volatile uint32_t last_other;
static volatile uint64_t tick_at[MAX_TICKS], tick_deadline[MAX_TICKS];
static volatile unsigned periodic_left;
static uint64_t period;

static bool irq(struct exc_frame *frame)
{
    (void)frame;
    uint32_t intid = gic_ack();
    if (intid == GIC_SPURIOUS)
        return false;
    if (intid != TIMER_VIRT_INTID) {
        other_irqs++;
        last_other = intid;
        gic_end(intid);
        return true;
    }
    uint64_t now = timer_vcount();
    unsigned n = ticks;
    if (n < MAX_TICKS) {
        tick_at[n] = now;
        tick_deadline[n] = timer_vget_cval();
    }
    ticks = n + 1;
    if (periodic_left > 1) {
        periodic_left--;
        timer_vset_cval(timer_vget_cval() + period);
    } else {
        periodic_left = 0;
        /* Level-sensitive: mask the source before dropping priority. */
        timer_vset_ctl(CNTV_CTL_IMASK);
    }
    gic_end(intid);
    return true;
}

static bool one_tick(void) { return ticks >= 1; }
static unsigned target_ticks;
static bool enough_ticks(void) { return ticks >= target_ticks; }

/* Idle in WFI until cond or timeout (ms). */
static bool wfi_until(bool (*cond)(void), uint64_t ms)
{
    uint64_t t0 = time_ns();
    while (!cond()) {
        if (time_ns() - t0 > ms * 1000000ull)
            return cond();
        wfi();
    }
    return true;
}

static void reset_ticks(void)
{
    timer_vset_ctl(0);
    ticks = 0;
    other_irqs = 0;
    periodic_left = 0;
    dsb_sy();
}

static void quiet_ms(uint64_t ms)
{
    uint64_t t0 = time_ns();
    while (time_ns() - t0 < ms * 1000000ull)
        cpu_relax();
}

static void arm_in_us(uint64_t us, uint64_t ctl)
{
    timer_vset_cval(timer_vcount() + timer_ticks_from_us(us));
    timer_vset_ctl(ctl);
}

void guest_main(void)
{
    if (gic_init_dist() < 0 || gic_init_cpu() < 0) {
        test_fail("gic-init", "distributor or redistributor not responding");
        return;
    }
    test_pass("gic-init");
    exc_set_irq_handler(irq);
    test_eq("gic.iar-spurious", gic_ack(), GIC_SPURIOUS);

    /* Condition and ISTATUS, interrupt masked at the timer. */
    reset_ticks();
    arm_in_us(1000000, CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
    test_eq("vtimer.istatus-clear-before", timer_vget_ctl() & CNTV_CTL_ISTATUS, 0);
    uint64_t cval = timer_vcount() + timer_ticks_from_us(2000);
    timer_vset_cval(cval);
    uint64_t t0 = time_ns(), seen_at = 0;
    while (time_ns() - t0 < 1000000000ull)
        if (timer_vget_ctl() & CNTV_CTL_ISTATUS) {
            seen_at = timer_vcount();
            break;
        }
    test_check("vtimer.istatus-set-after", seen_at >= cval, "ISTATUS at %lu, CVAL %lu (0: never)", seen_at, cval);

    gic_private_enable(TIMER_VIRT_INTID, true);
    irq_enable();

    /* One-shot. */
    reset_ticks();
    arm_in_us(5000, CNTV_CTL_ENABLE);
    bool got = wfi_until(one_tick, 2000);
    if (!got)
        test_fail("vtimer.oneshot", "no interrupt within 2 s (CTL %#lx)", timer_vget_ctl());
    else
        test_check("vtimer.oneshot", ticks == 1 && tick_at[0] >= tick_deadline[0] && other_irqs == 0,
                   "ticks %u, fired at %lu for CVAL %lu, other irqs %u (last %u)", ticks, tick_at[0],
                   tick_deadline[0], other_irqs, last_other);

    /* Periodic: the handler moves CVAL forward each time. */
    reset_ticks();
    period = timer_ticks_from_us(3000);
    periodic_left = 5;
    target_ticks = 5;
    arm_in_us(3000, CNTV_CTL_ENABLE);
    got = wfi_until(enough_ticks, 3000);
    bool early = false;
    for (unsigned i = 0; i < ticks && i < MAX_TICKS; i++)
        early = early || tick_at[i] < tick_deadline[i];
    test_check("vtimer.periodic", got && ticks == 5 && !early, "ticks %u of 5, early %d", ticks, early);
    quiet_ms(20);
    test_check("vtimer.periodic-stops", ticks == 5, "%u ticks after the last re-arm", ticks);

    /* IMASK holds the interrupt back; clearing it delivers it. */
    reset_ticks();
    timer_vset_cval(timer_vcount());
    timer_vset_ctl(CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
    quiet_ms(20);
    test_eq("vtimer.imask-holds", ticks, 0);
    timer_vset_ctl(CNTV_CTL_ENABLE);
    test_check("vtimer.imask-release", wfi_until(one_tick, 1000), "no interrupt after clearing IMASK");

    /* The GIC enable bit holds it back too. */
    reset_ticks();
    gic_private_enable(TIMER_VIRT_INTID, false);
    timer_vset_cval(timer_vcount());
    timer_vset_ctl(CNTV_CTL_ENABLE);
    quiet_ms(20);
    test_eq("vtimer.gic-disabled-holds", ticks, 0);
    gic_private_enable(TIMER_VIRT_INTID, true);
    test_check("vtimer.gic-enable-delivers", wfi_until(one_tick, 1000), "no interrupt after re-enabling PPI 27");

    /* WFI with IRQs masked at PSTATE still wakes when the timer fires. */
    reset_ticks();
    irq_disable();
    uint64_t deadline = timer_vcount() + timer_ticks_from_us(10000);
    timer_vset_cval(deadline);
    timer_vset_ctl(CNTV_CTL_ENABLE);
    t0 = time_ns();
    bool pending = false;
    while (time_ns() - t0 < 2000000000ull) {
        wfi();
        if (read_sysreg(isr_el1) & (1u << 7)) {
            pending = true;
            break;
        }
    }
    uint64_t woke = timer_vcount();
    test_check("vtimer.wfi-masked-wakes", pending && woke >= deadline && ticks == 0,
               "ISR_EL1.I %d, woke at %lu for CVAL %lu, handler ran %u times while masked", pending, woke,
               deadline, ticks);
    irq_enable();
    test_check("vtimer.wfi-masked-then-taken", wfi_until(one_tick, 1000), "pending interrupt not taken on unmask");

    /* A long WFI: the vCPU sleeps ~50 ms and must be woken by its timer. */
    reset_ticks();
    deadline = timer_vcount() + timer_ticks_from_us(50000);
    timer_vset_cval(deadline);
    timer_vset_ctl(CNTV_CTL_ENABLE);
    got = wfi_until(one_tick, 3000);
    test_check("vtimer.wfi-long-sleep", got && tick_at[0] >= deadline, "woken %d at %lu for CVAL %lu", got,
               tick_at[0], deadline);

    reset_ticks();
    quiet_ms(10);
    test_eq("vtimer.disabled-silent", ticks + other_irqs, 0);
    irq_disable();
}
