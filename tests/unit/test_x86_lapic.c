/* Unit tests of axvm's x2APIC model (arch/x86_64/lapic.c) on the fake HAL:
 * register semantics, priorities, EOI, the timer in one-shot and periodic
 * mode through the core's software timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_hal.h"
#include "lapic.h"

static struct x86_lapic l;

static int setup(void **state)
{
    (void)state;
    fake_hal_reset();
    memset(&l, 0, sizeof l);
    x86_lapic_reset(&l, NULL, 3);
    return 0;
}

static uint64_t rd(uint32_t msr)
{
    uint64_t v = 0xDEAD;
    assert_int_equal(x86_lapic_read(&l, msr, &v, fake_hal_now), AXVM_OK);
    return v;
}

static void wr(uint32_t msr, uint64_t v)
{
    bool icr;
    assert_int_equal(x86_lapic_write(&l, msr, v, fake_hal_now, &icr), AXVM_OK);
}

static void registers(void **state)
{
    (void)state;
    assert_int_equal(rd(0x802), 3);
    assert_int_equal(rd(0x803) & 0xFF, 0x14);
    assert_int_equal(rd(0x80D), (0u << 16) | (1u << 3)); /* logical id: cluster 0, bit 3 */
    assert_int_equal(rd(0x80F), 0xFF);                   /* disabled after reset */
    assert_int_equal(rd(0x832), LVT_MASKED);
    bool icr;
    uint64_t v;
    /* read-only, write-only and reserved registers fault */
    assert_int_equal(x86_lapic_write(&l, 0x802, 1, 0, &icr), AXVM_EINVAL);
    assert_int_equal(x86_lapic_write(&l, 0x839, 1, 0, &icr), AXVM_EINVAL);
    assert_int_equal(x86_lapic_read(&l, 0x80B, &v, 0), AXVM_EINVAL);
    assert_int_equal(x86_lapic_read(&l, 0x83F, &v, 0), AXVM_EINVAL);
    assert_int_equal(x86_lapic_read(&l, 0x8FF, &v, 0), AXVM_EINVAL);
    assert_int_equal(x86_lapic_write(&l, 0x808, 1ull << 32, 0, &icr), AXVM_EINVAL);
    assert_int_equal(x86_lapic_write(&l, 0x80B, 1, 0, &icr), AXVM_EINVAL); /* non-zero EOI */
    /* the ICR is 64 bits and reported to the caller */
    assert_int_equal(x86_lapic_write(&l, 0x830, 0x0000000500004041ull, 0, &icr), AXVM_OK);
    assert_true(icr);
    assert_int_equal(rd(0x830), 0x0000000500004041ull);
    /* LVTs stay masked while the APIC is software-disabled */
    wr(0x832, 0x40);
    assert_int_equal(rd(0x832), 0x40 | LVT_MASKED);
}

static void priorities_and_eoi(void **state)
{
    (void)state;
    assert_int_equal(x86_lapic_set_irr(&l, 0x40), AXVM_OK);
    assert_int_equal(x86_lapic_deliverable(&l), -1); /* APIC disabled */
    wr(0x80F, 0x1FF);
    assert_int_equal(x86_lapic_deliverable(&l), 0x40);
    assert_int_equal(x86_lapic_set_irr(&l, 15), AXVM_ERANGE);
    assert_int_equal(x86_lapic_set_irr(&l, 0x61), AXVM_OK);
    assert_int_equal(x86_lapic_deliverable(&l), 0x61); /* highest first */
    x86_lapic_ack(&l, 0x61);
    assert_int_equal(rd(0x80A), 0x60);              /* PPR follows the ISR class */
    assert_int_equal(x86_lapic_deliverable(&l), -1); /* 0x40 is below the in-service class */
    assert_int_equal((rd(0x813) >> 1) & 1, 1);       /* ISR bit 0x61 = word 3 bit 1 */
    wr(0x80B, 0);
    assert_int_equal(rd(0x813), 0);
    assert_int_equal(x86_lapic_deliverable(&l), 0x40);
    wr(0x808, 0x40); /* TPR class 4 masks class 4 */
    assert_int_equal(x86_lapic_deliverable(&l), -1);
    assert_int_equal((rd(0x822) >> 0) & 1, 1); /* still requested: IRR bit 0x40 */
    wr(0x808, 0x30);
    assert_int_equal(x86_lapic_deliverable(&l), 0x40);
    /* self IPI with an illegal vector sets ESR bit 6 */
    wr(0x83F, 3);
    assert_int_equal(rd(0x828), 1u << 6);
    wr(0x828, 0);
    assert_int_equal(rd(0x828), 0);
}

static void timer_oneshot(void **state)
{
    (void)state;
    wr(0x80F, 0x1FF);
    wr(0x83E, 0x3); /* divide by 16 */
    wr(0x832, 0x50);
    wr(0x838, 1000); /* 1000 * 16 * 10 ns = 160 us */
    assert_int_equal(fake_hal_timer_deadline[0], 160000);
    fake_hal_now = 80000;
    assert_int_equal(rd(0x839), 500);
    assert_int_equal(fake_hal_fire_timers(), 0);
    fake_hal_now = 160000;
    assert_int_equal(fake_hal_fire_timers(), 1);
    assert_int_equal(x86_lapic_deliverable(&l), 0x50);
    assert_int_equal(rd(0x839), 0);
    assert_int_equal(l.timer_fired, 1);
    assert_int_equal(fake_hal_timer_deadline[0], UINT64_MAX); /* not re-armed */
}

static void timer_periodic_and_masked(void **state)
{
    (void)state;
    wr(0x80F, 0x1FF);
    wr(0x83E, 0xB);                 /* divide by 1 */
    wr(0x832, 0x51 | (1u << 17));   /* periodic */
    wr(0x838, 100);                 /* 1 us */
    for (unsigned i = 1; i <= 3; i++) {
        fake_hal_now = 1000ull * i;
        assert_int_equal(fake_hal_fire_timers(), 1);
        assert_int_equal(fake_hal_timer_deadline[0], 1000ull * (i + 1));
    }
    assert_int_equal(l.timer_fired, 3);
    /* a late tick does not burst: the next one is a period from now */
    fake_hal_now = 10500;
    assert_int_equal(fake_hal_fire_timers(), 1);
    assert_int_equal(fake_hal_timer_deadline[0], 11500);
    /* masked: counts, raises nothing */
    x86_lapic_ack(&l, 0x51);
    wr(0x80B, 0);
    wr(0x832, 0x51 | (1u << 17) | LVT_MASKED);
    fake_hal_now = 11500;
    assert_int_equal(fake_hal_fire_timers(), 1);
    assert_int_equal(x86_lapic_deliverable(&l), -1);
    /* writing 0 stops it */
    wr(0x838, 0);
    assert_int_equal(fake_hal_timer_deadline[0], UINT64_MAX);
    assert_int_equal(rd(0x839), 0);
}

static void destinations(void **state)
{
    (void)state;
    assert_true(x86_lapic_match_dest(&l, 3, false));
    assert_false(x86_lapic_match_dest(&l, 2, false));
    assert_true(x86_lapic_match_dest(&l, 0xFFFFFFFFu, false));
    assert_true(x86_lapic_match_dest(&l, 0x00000008u, true));  /* cluster 0, bit 3 */
    assert_false(x86_lapic_match_dest(&l, 0x00010008u, true)); /* cluster 1 */
    assert_false(x86_lapic_match_dest(&l, 0x00000004u, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(registers, setup),
        cmocka_unit_test_setup(priorities_and_eoi, setup),
        cmocka_unit_test_setup(timer_oneshot, setup),
        cmocka_unit_test_setup(timer_periodic_and_masked, setup),
        cmocka_unit_test_setup(destinations, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
