/* The device manager: registration rules, dispatch, widths, alignment,
 * unhandled accounting, counters. */
#include "unit_helpers.h"

#include "axvm/device.h"

struct rec {
    uint64_t last_off;
    unsigned last_width;
    uint64_t last_value;
    int fail; /* handler result */
    unsigned calls;
};

static int rd(void *ctx, struct axvm_vcpu *v, uint64_t off, unsigned w, uint64_t *val)
{
    (void)v;
    struct rec *r = ctx;
    r->calls++;
    r->last_off = off;
    r->last_width = w;
    *val = 0x1122334455667788ull; /* the manager truncates to the width */
    return r->fail;
}

static int wr(void *ctx, struct axvm_vcpu *v, uint64_t off, unsigned w, uint64_t val)
{
    (void)v;
    struct rec *r = ctx;
    r->calls++;
    r->last_off = off;
    r->last_width = w;
    r->last_value = val;
    return r->fail;
}

static const struct axvm_dev_ops ops = {rd, wr};
static const struct axvm_dev_ops ops_ro = {rd, NULL};

static struct axvm_dev dev(uint64_t base, uint64_t size, void *ctx)
{
    struct axvm_dev d = {.name = "t", .base = base, .size = size, .ops = &ops, .ctx = ctx};
    return d;
}

static struct axvm_devices dm;

static void test_register_rules(void **state)
{
    (void)state;
    axvm_devices_init(&dm, AXVM_UNHANDLED_FAULT);
    struct axvm_dev d = dev(0x1000, 0x100, NULL);
    assert_int_equal(axvm_devices_add_mmio(&dm, &d), AXVM_OK);
    /* overlaps: inside, straddling either end, covering, identical */
    struct axvm_dev o[] = {dev(0x1080, 0x10, NULL), dev(0xff0, 0x20, NULL), dev(0x10f0, 0x100, NULL),
                           dev(0x800, 0x1000, NULL), dev(0x1000, 0x100, NULL),
                           /* one byte at either end */
                           dev(0x10ff, 1, NULL), dev(0xf00, 0x101, NULL)};
    for (unsigned i = 0; i < AXVM_ARRAY_SIZE(o); i++)
        assert_int_equal(axvm_devices_add_mmio(&dm, &o[i]), AXVM_EOVERLAP);
    /* adjacent is fine on both sides */
    struct axvm_dev below = dev(0xf00, 0x100, NULL), above = dev(0x1100, 0x10, NULL);
    assert_int_equal(axvm_devices_add_mmio(&dm, &below), AXVM_OK);
    assert_int_equal(axvm_devices_add_mmio(&dm, &above), AXVM_OK);
    /* zero size, wrap-around, missing ops, bad width mask */
    struct axvm_dev z = dev(0x5000, 0, NULL);
    assert_int_equal(axvm_devices_add_mmio(&dm, &z), AXVM_EINVAL);
    struct axvm_dev w = dev(UINT64_MAX - 0xf, 0x20, NULL);
    assert_int_equal(axvm_devices_add_mmio(&dm, &w), AXVM_EINVAL);
    struct axvm_dev top = dev(UINT64_MAX - 0xf, 0x10, NULL); /* ends exactly at 2^64: fine */
    assert_int_equal(axvm_devices_add_mmio(&dm, &top), AXVM_OK);
    struct axvm_dev noops = dev(0x6000, 0x10, NULL);
    noops.ops = NULL;
    assert_int_equal(axvm_devices_add_mmio(&dm, &noops), AXVM_EINVAL);
    struct axvm_dev badw = dev(0x7000, 0x10, NULL);
    badw.widths = 0x10;
    assert_int_equal(axvm_devices_add_mmio(&dm, &badw), AXVM_EINVAL);
    assert_int_equal(dm.n_mmio, 4);
    /* kept sorted */
    for (unsigned i = 1; i < dm.n_mmio; i++)
        assert_true(dm.mmio[i - 1].base < dm.mmio[i].base);
    /* spaces are independent */
    assert_int_equal(axvm_devices_add_port(&dm, &d), AXVM_OK);
    assert_int_equal(axvm_devices_add_sysreg(&dm, &d), AXVM_OK);
    assert_int_equal(axvm_devices_add_port(&dm, &d), AXVM_EOVERLAP);
    assert_int_equal(axvm_devices_add_mmio(NULL, &d), AXVM_EINVAL);
    assert_int_equal(axvm_devices_add_mmio(&dm, NULL), AXVM_EINVAL);
}

static void test_table_full(void **state)
{
    (void)state;
    axvm_devices_init(&dm, AXVM_UNHANDLED_FAULT);
    /* insert in reverse order to exercise the sorted insert */
    for (unsigned i = AXVM_MAX_MMIO_DEVS; i > 0; i--) {
        struct axvm_dev d = dev(i * 0x1000ull, 0x1000, NULL);
        assert_int_equal(axvm_devices_add_mmio(&dm, &d), AXVM_OK);
    }
    struct axvm_dev extra = dev(0x100000, 0x10, NULL);
    assert_int_equal(axvm_devices_add_mmio(&dm, &extra), AXVM_ENOMEM);
    for (unsigned i = 1; i <= AXVM_MAX_MMIO_DEVS; i++) {
        struct axvm_dev *f = axvm_devices_find(&dm, AXVM_SPACE_MMIO, i * 0x1000ull + 0xfff);
        assert_non_null(f);
        assert_int_equal(f->base, i * 0x1000ull);
    }
    assert_null(axvm_devices_find(&dm, AXVM_SPACE_MMIO, 0xfff));
    assert_null(axvm_devices_find(&dm, AXVM_SPACE_MMIO, (AXVM_MAX_MMIO_DEVS + 1) * 0x1000ull));
    assert_null(axvm_devices_find(&dm, AXVM_SPACE_PORT, 0x1000));
    assert_null(axvm_devices_find(&dm, AXVM_SPACE_COUNT_, 0x1000));
}

static void test_dispatch_and_counters(void **state)
{
    (void)state;
    struct rec r = {0};
    axvm_devices_init(&dm, AXVM_UNHANDLED_FAULT);
    struct axvm_dev d = dev(0x9000, 0x100, &r);
    assert_int_equal(axvm_devices_add_mmio(&dm, &d), AXVM_OK);
    uint64_t v = 0;
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x9010, 4, &v), AXVM_OK);
    assert_int_equal(r.last_off, 0x10);
    assert_int_equal(r.last_width, 4);
    assert_int_equal(v, 0x55667788);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x9010, 1, &v), AXVM_OK);
    assert_int_equal(v, 0x88);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x9010, 8, &v), AXVM_OK);
    assert_int_equal(v, 0x1122334455667788ull);
    /* writes see only `width` bytes of the value */
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_MMIO, NULL, 0x90fe, 2, 0xabcdef), AXVM_OK);
    assert_int_equal(r.last_off, 0xfe);
    assert_int_equal(r.last_value, 0xcdef);
    struct axvm_dev *f = axvm_devices_find(&dm, AXVM_SPACE_MMIO, 0x9000);
    assert_int_equal(f->reads, 3);
    assert_int_equal(f->writes, 1);
    assert_int_equal(f->errors, 0);
    /* handler error: propagated and counted */
    r.fail = AXVM_EINVAL;
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x9000, 4, &v), AXVM_EINVAL);
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_MMIO, NULL, 0x9000, 4, 1), AXVM_EINVAL);
    r.fail = 7; /* a positive return is still an error */
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x9000, 4, &v), AXVM_EIO);
    assert_int_equal(f->errors, 3);
    assert_int_equal(f->reads, 3);
    assert_int_equal(dm.unhandled_total, 0);
}

static void test_widths_alignment(void **state)
{
    (void)state;
    struct rec r = {0};
    axvm_devices_init(&dm, AXVM_UNHANDLED_FAULT);
    struct axvm_dev d = dev(0x2000, 0x100, &r);
    d.widths = AXVM_W4 | AXVM_W8;
    assert_int_equal(axvm_devices_add_mmio(&dm, &d), AXVM_OK);
    struct axvm_dev u = dev(0x3000, 0x100, &r);
    u.allow_unaligned = true;
    assert_int_equal(axvm_devices_add_mmio(&dm, &u), AXVM_OK);
    uint64_t v;
    /* widths 3 and 16 are no widths at all; 0 neither */
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x2000, 3, &v), AXVM_EWIDTH);
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_MMIO, NULL, 0x2000, 16, 0), AXVM_EWIDTH);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x2000, 0, &v), AXVM_EWIDTH);
    /* legal width outside the device's mask */
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x2000, 2, &v), AXVM_EWIDTH);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x2000, 1, &v), AXVM_EWIDTH);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x2008, 8, &v), AXVM_OK);
    /* misaligned */
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x2002, 4, &v), AXVM_EALIGN);
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_MMIO, NULL, 0x2004, 8, 0), AXVM_EALIGN);
    /* widths that are no widths are refused before the lookup: not counted */
    assert_int_equal(axvm_devices_find(&dm, AXVM_SPACE_MMIO, 0x2000)->errors, 4);
    /* unaligned allowed when the device says so */
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x3003, 4, &v), AXVM_OK);
    assert_int_equal(r.last_off, 3);
    /* must lie wholly inside one device: runs off the end */
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x30fe, 4, &v), AXVM_ENODEV);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x30fc, 4, &v), AXVM_OK);
    assert_int_equal(dm.unhandled_total, 1);
    /* read-only device (no write op) */
    struct axvm_dev ro = dev(0x4000, 0x10, &r);
    ro.ops = &ops_ro;
    assert_int_equal(axvm_devices_add_mmio(&dm, &ro), AXVM_OK);
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_MMIO, NULL, 0x4000, 4, 0), AXVM_ENOTSUP);
    /* bad arguments */
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x4000, 4, NULL), AXVM_EINVAL);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_COUNT_, NULL, 0x4000, 4, &v), AXVM_EINVAL);
    assert_int_equal(axvm_devices_write(NULL, AXVM_SPACE_MMIO, NULL, 0x4000, 4, 0), AXVM_EINVAL);
}

static void test_ports_and_sysregs(void **state)
{
    (void)state;
    struct rec r = {0};
    axvm_devices_init(&dm, AXVM_UNHANDLED_FAULT);
    struct axvm_dev p = dev(0x3f8, 8, &r);
    assert_int_equal(axvm_devices_add_port(&dm, &p), AXVM_OK);
    uint64_t v;
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_PORT, NULL, 0x3fd, 1, &v), AXVM_OK);
    assert_int_equal(r.last_off, 5);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_PORT, NULL, 0x3fe, 4, &v), AXVM_ENODEV);
    /* sysreg devices: the handler gets the full encoding; one access = one encoding */
    struct axvm_dev s = dev(0xC000, 4, &r);
    assert_int_equal(axvm_devices_add_sysreg(&dm, &s), AXVM_OK);
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_SYSREG, NULL, 0xC003, 8, 42), AXVM_OK);
    assert_int_equal(r.last_off, 0xC003);
    assert_int_equal(r.last_value, 42);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_SYSREG, NULL, 0xC004, 8, &v), AXVM_ENODEV);
}

static void test_unhandled_record(void **state)
{
    (void)state;
    uint64_t v;
    axvm_devices_init(&dm, AXVM_UNHANDLED_RAZ_WI);
    assert_int_equal(dm.policy, AXVM_UNHANDLED_RAZ_WI);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x100, 4, &v), AXVM_ENODEV);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x100, 2, &v), AXVM_ENODEV);
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_MMIO, NULL, 0x100, 4, 0), AXVM_ENODEV);
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_PORT, NULL, 0x100, 1, &v), AXVM_ENODEV);
    assert_int_equal(dm.unhandled_total, 4);
    assert_int_equal(dm.n_unhandled, 3); /* mmio read, mmio write, port read */
    assert_int_equal(dm.unhandled[0].count, 2);
    assert_int_equal(dm.unhandled[0].width, 2); /* last width seen */
    assert_int_equal(dm.unhandled[1].is_write, 1);
    assert_int_equal(dm.unhandled[2].space, AXVM_SPACE_PORT);
    /* beyond the table: the last slot collects everything else */
    for (uint64_t a = 0; a < 40; a++)
        (void)axvm_devices_read(&dm, AXVM_SPACE_MMIO, NULL, 0x10000 + a * 8, 8, &v);
    assert_int_equal(dm.n_unhandled, AXVM_MAX_UNHANDLED);
    assert_int_equal(dm.unhandled_total, 44);
    uint64_t sum = 0;
    for (unsigned i = 0; i < dm.n_unhandled; i++)
        sum += dm.unhandled[i].count;
    assert_int_equal(sum, 44);
    assert_int_equal(dm.unhandled[AXVM_MAX_UNHANDLED - 1].addr, UINT64_MAX);
    /* the report names devices and the "others" bucket */
    struct axvm_dev d = dev(0x9000, 0x100, NULL);
    d.name = "widget";
    assert_int_equal(axvm_devices_add_mmio(&dm, &d), AXVM_OK);
    fake_hal_reset();
    axvm_devices_report(&dm);
    assert_true(fake_hal_console_has("widget"));
    assert_true(fake_hal_console_has("unhandled accesses: 44"));
    assert_true(fake_hal_console_has("(others)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_rules),   cmocka_unit_test(test_table_full),
        cmocka_unit_test(test_dispatch_and_counters), cmocka_unit_test(test_widths_alignment),
        cmocka_unit_test(test_ports_and_sysregs), cmocka_unit_test(test_unhandled_record),
    };
    return cmocka_run_group_tests_name("device", tests, NULL, NULL);
}
