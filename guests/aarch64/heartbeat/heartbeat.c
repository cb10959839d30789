/* heartbeat: the VM beside the hostile ones (configs/hostile/, tests/suites/55-hostile.sh).
 *
 * Wakes every BEAT_MS of virtual time from WFI on its virtual timer and
 * prints "HB <n> t=<ms>" (the suite checks the beats go on before, during
 * and after the hostile run), publishes the count in the IVC pages it shares
 * with the hostile VMs, and checks a slice of a 1 MiB pattern in its RAM at
 * every beat. It ends AFTER_BEATS beats after both peers wrote "done" into
 * their pages (or after MAX_RUN_MS), with a full check of the pattern and of
 * its own code. A hypervisor that lets another VM stall this vCPU, lose its
 * timer wake-up or touch its memory shows up here. */
#include "../hostile/shared.h"
#include "exc.h"
#include "gic.h"
#include "printf.h"
#include "sysreg.h"
#include "test.h"
#include "timer.h"

const char guest_name[] = "heartbeat";

#define BEAT_MS 10
#define AFTER_BEATS 40
#define MAX_RUN_MS 90000
#define MAX_GAP_MS 2000
#define PAT_WORDS (1u << 17) /* 1 MiB */
#define SLICE_WORDS 8192u

static uint64_t pattern[PAT_WORDS];
static unsigned mem_errors;

static uint64_t pat(unsigned i) { return ((uint64_t)i * 0x9E3779B97F4A7C15ull) ^ 0xC0FFEE0DDF00Dull; }

static void check_words(unsigned from, unsigned n)
{
    for (unsigned i = from; i < from + n && i < PAT_WORDS; i++) {
        uint64_t v = ((volatile uint64_t *)pattern)[i];
        if (v != pat(i)) {
            if (mem_errors++ < 4)
                test_fail("memory.slice", "word %u at %p: %#lx, want %#lx", i, (void *)&pattern[i], v, pat(i));
        }
    }
}

extern char _start[];

static uint64_t code_sum(void)
{
    /* From the entry to the name string: code and part of the read-only data. */
    const volatile uint32_t *p = (const volatile uint32_t *)(void *)_start;
    const volatile uint32_t *end = (const volatile uint32_t *)(void *)guest_name;
    uint64_t s = 0;
    for (; p < end; p++)
        s = (s * 31) ^ *p;
    return s;
}

void guest_main(void)
{
    if (!test_need_axvm("run"))
        return;
    uint64_t sum0 = code_sum();
    for (unsigned i = 0; i < PAT_WORDS; i++)
        pattern[i] = pat(i);
    if (!test_check("gic-init", gic_init_dist() == 0 && gic_init_cpu() == 0, "no GIC"))
        return;
    irq_disable();
    gic_private_enable(TIMER_VIRT_INTID, true);

    const uint64_t period = timer_ticks_from_us(BEAT_MS * 1000u);
    const uint64_t t_start = time_ns();
    uint64_t deadline = timer_vcount() + period;
    uint64_t last = t_start, max_gap = 0, early = 0, spurious = 0;
    unsigned n = 0, slice = 0, after = 0;
    bool peers_done = false, timed_out = false;

    for (;;) {
        timer_vset_cval(deadline);
        timer_vset_ctl(CNTV_CTL_ENABLE);
        wfi();
        uint32_t intid = gic_ack();
        if (intid == GIC_SPURIOUS) {
            /* WFI may end for any reason; a beat is the timer's interrupt. */
            if (timer_vcount() >= deadline + 100 * period && spurious++ < 1)
                test_note("timer interrupt not delivered 100 periods after its deadline");
            continue;
        }
        if (intid != TIMER_VIRT_INTID) {
            test_fail("unexpected-irq", "INTID %u", intid);
            gic_end(intid);
            continue;
        }
        if (timer_vcount() < deadline)
            early++;
        timer_vset_ctl(CNTV_CTL_IMASK);
        gic_end(intid);
        deadline += period;
        if (timer_vcount() > deadline)
            deadline = timer_vcount() + period; /* we were stalled: do not burst */

        n++;
        uint64_t now = time_ns();
        if (now - last > max_gap)
            max_gap = now - last;
        last = now;
        hb_write(HB_PAGE, HB_BEATS, n);
        hb_write(HB_PAGE_RESET, HB_BEATS, n);
        check_words(slice * SLICE_WORDS, SLICE_WORDS);
        slice = (slice + 1) % (PAT_WORDS / SLICE_WORDS);
        g_printf("HB %u t=%lu\n", n, (now - t_start) / 1000000u);

        if (!peers_done && hb_read(HB_PAGE, HB_DONE) == HB_DONE_MAGIC &&
            hb_read(HB_PAGE_RESET, HB_DONE) == HB_DONE_MAGIC) {
            peers_done = true;
            test_note("both peers done at beat %u", n);
        }
        if (peers_done && ++after >= AFTER_BEATS)
            break;
        if (now - t_start > MAX_RUN_MS * 1000000ull) {
            timed_out = true;
            break;
        }
    }
    timer_vset_ctl(0);
    gic_private_enable(TIMER_VIRT_INTID, false);

    test_check("peers-done", !timed_out, "hostile done %#lx, hostile-reset done %#lx after %u ms",
               hb_read(HB_PAGE, HB_DONE), hb_read(HB_PAGE_RESET, HB_DONE), MAX_RUN_MS);
    test_check("beats", n >= AFTER_BEATS, "%u beats", n);
    test_check("max-gap", max_gap <= MAX_GAP_MS * 1000000ull, "%lu ms between two beats (limit %u)",
               max_gap / 1000000u, MAX_GAP_MS);
    test_check("never-early", early == 0, "%lu beats before the timer's deadline", early);
    check_words(0, PAT_WORDS);
    test_check("memory", mem_errors == 0, "%u words of the 1 MiB pattern changed", mem_errors);
    uint64_t sum1 = code_sum();
    test_check("code", sum1 == sum0, "code checksum %#lx, was %#lx", sum1, sum0);
    test_note("%u beats of %u ms, longest gap %lu ms; hostile failed=%lu, hostile-reset boots=%lu failed=%lu", n,
              BEAT_MS, max_gap / 1000000u, hb_read(HB_PAGE, HB_FAILED), hb_read(HB_PAGE_RESET, HB_BOOTS),
              hb_read(HB_PAGE_RESET, HB_FAILED));
}
