/* The generic stage-2 builder over the fake entry encoding. */
#include "unit_helpers.h"

#include "axvm/pagetable.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull

static struct axvm_pt pt;
static struct axvm_pt_format fmt_l1_noG; /* 39-bit, root level 1, no 1 GiB blocks */
static struct axvm_pt_format fmt_pages;  /* no blocks at all */

static int setup(void **state)
{
    (void)state;
    fake_hal_reset();
    fmt_l1_noG = fake_pt_format;
    fmt_l1_noG.root_level = 1;
    fmt_l1_noG.min_block_level = 2;
    fmt_pages = fake_pt_format;
    fmt_pages.min_block_level = 3;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    axvm_pt_destroy(&pt);
    assert_int_equal(fake_hal_pages_outstanding(), 0);
    return 0;
}

static void expect(axvm_gpa_t gpa, axvm_hpa_t pa, unsigned level, uint32_t flags)
{
    axvm_hpa_t got;
    uint32_t f;
    unsigned l;
    assert_int_equal(axvm_pt_translate(&pt, gpa, &got, &f, &l), AXVM_OK);
    assert_int_equal(got, pa);
    assert_int_equal(l, level);
    assert_int_equal(f, flags);
}

static void expect_unmapped(axvm_gpa_t gpa)
{
    axvm_hpa_t got;
    assert_int_equal(axvm_pt_translate(&pt, gpa, &got, NULL, NULL), AXVM_EFAULT);
}

static void test_init_destroy(void **state)
{
    (void)state;
    assert_int_equal(axvm_pt_init(&pt, &fake_pt_format), AXVM_OK);
    assert_int_equal(pt.tables, 1);
    assert_int_equal(pt.ia_limit, 1ull << 48);
    assert_non_null(pt.root);
    assert_int_equal(pt.root_pa, (uintptr_t)pt.root);
    assert_int_equal(axvm_pt_init(NULL, &fake_pt_format), AXVM_EINVAL);
    struct axvm_pt other;
    assert_int_equal(axvm_pt_init(&other, NULL), AXVM_EINVAL);
    struct axvm_pt_format bad = fake_pt_format;
    bad.leaf_entry = NULL;
    assert_int_equal(axvm_pt_init(&other, &bad), AXVM_EINVAL);
    /* out of memory for the root */
    fake_hal_fail_alloc_after(0);
    assert_int_equal(axvm_pt_init(&other, &fake_pt_format), AXVM_ENOMEM);
}

static void test_block_choices(void **state)
{
    (void)state;
    assert_int_equal(axvm_pt_init(&pt, &fake_pt_format), AXVM_OK);
    /* 4 KiB */
    assert_int_equal(axvm_pt_map(&pt, 0x1000, 0x80001000, K4, AXVM_MAP_READ), AXVM_OK);
    expect(0x1000, 0x80001000, 3, AXVM_MAP_READ);
    expect(0x1abc, 0x80001abc, 3, AXVM_MAP_READ);
    expect_unmapped(0x2000);
    expect_unmapped(0x0);
    /* 2 MiB block when both addresses are 2 MiB aligned */
    assert_int_equal(axvm_pt_map(&pt, 0x40000000 + M2, 0x100000000ull + M2, M2, AXVM_MAP_RWX), AXVM_OK);
    expect(0x40000000 + M2 + 0x12345, 0x100000000ull + M2 + 0x12345, 2, AXVM_MAP_RWX);
    /* 1 GiB block */
    assert_int_equal(axvm_pt_map(&pt, 2 * G1, 4 * G1, G1, AXVM_MAP_RWX), AXVM_OK);
    expect(2 * G1 + 0x3ffff000, 4 * G1 + 0x3ffff000, 1, AXVM_MAP_RWX);
    /* same size but the host side only page aligned: 4 KiB pages */
    assert_int_equal(axvm_pt_map(&pt, 8 * G1, 0x7000, M2, AXVM_MAP_READ), AXVM_OK);
    expect(8 * G1, 0x7000, 3, AXVM_MAP_READ);
    expect(8 * G1 + M2 - K4, 0x7000 + M2 - K4, 3, AXVM_MAP_READ);
    expect_unmapped(8 * G1 + M2);
}

static void test_mixed_range(void **state)
{
    (void)state;
    assert_int_equal(axvm_pt_init(&pt, &fake_pt_format), AXVM_OK);
    /* from 1 GiB - 2 MiB - 4 KiB to 2 GiB + 2 MiB + 4 KiB: pages, blocks, a
     * giant block, blocks, pages */
    axvm_gpa_t start = G1 - M2 - K4;
    uint64_t size = G1 + 2 * M2 + 2 * K4;
    axvm_hpa_t pa = 0x10000000000ull + start; /* same alignment as gpa */
    assert_int_equal(axvm_pt_map(&pt, start, pa, size, AXVM_MAP_RWX), AXVM_OK);
    expect(start, pa, 3, AXVM_MAP_RWX);
    expect(G1 - M2, pa + K4, 2, AXVM_MAP_RWX);
    expect(G1, pa + K4 + M2, 1, AXVM_MAP_RWX);
    expect(2 * G1, pa + K4 + M2 + G1, 2, AXVM_MAP_RWX);
    expect(2 * G1 + M2, pa + K4 + 2 * M2 + G1, 3, AXVM_MAP_RWX);
    expect_unmapped(start - K4);
    expect_unmapped(start + size);
    /* root, L1 table, two L2 tables, two L3 tables */
    assert_int_equal(pt.tables, 6);
}

static void test_format_limits(void **state)
{
    (void)state;
    /* no 1 GiB blocks: 2 MiB instead; 39-bit input range */
    assert_int_equal(axvm_pt_init(&pt, &fmt_l1_noG), AXVM_OK);
    assert_int_equal(pt.ia_limit, 1ull << 39);
    assert_int_equal(axvm_pt_map(&pt, G1, G1, G1, AXVM_MAP_RWX), AXVM_OK);
    expect(G1, G1, 2, AXVM_MAP_RWX);
    expect(2 * G1 - 1, 2 * G1 - 1, 2, AXVM_MAP_RWX);
    assert_int_equal(axvm_pt_map(&pt, 1ull << 39, 0, K4, AXVM_MAP_RWX), AXVM_ERANGE);
    assert_int_equal(axvm_pt_map(&pt, (1ull << 39) - K4, 0, 2 * K4, AXVM_MAP_RWX), AXVM_ERANGE);
    axvm_pt_destroy(&pt);
    /* pages only */
    assert_int_equal(axvm_pt_init(&pt, &fmt_pages), AXVM_OK);
    assert_int_equal(axvm_pt_map(&pt, 0, 0, 2 * M2, AXVM_MAP_RWX), AXVM_OK);
    expect(M2 + 5, M2 + 5, 3, AXVM_MAP_RWX);
    assert_int_equal(pt.tables, 5); /* root, L1, L2, two L3 */
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(axvm_pt_init(&pt, &fake_pt_format), AXVM_OK);
    assert_int_equal(axvm_pt_map(&pt, 0x1001, 0x1000, K4, 0), AXVM_EALIGN);
    assert_int_equal(axvm_pt_map(&pt, 0x1000, 0x1001, K4, 0), AXVM_EALIGN);
    assert_int_equal(axvm_pt_map(&pt, 0x1000, 0x1000, 0x800, 0), AXVM_EALIGN);
    assert_int_equal(axvm_pt_map(&pt, 0x1000, 0x1000, 0, 0), AXVM_EINVAL);
    assert_int_equal(axvm_pt_map(&pt, 1ull << 48, 0, K4, 0), AXVM_ERANGE);
    assert_int_equal(axvm_pt_map(&pt, 0x1000, UINT64_MAX - K4 + 1, 2 * K4, 0), AXVM_ERANGE);
    assert_int_equal(axvm_pt_unmap(&pt, 0x1000, 0), AXVM_EINVAL);
    assert_int_equal(axvm_pt_unmap(&pt, 0x1800, K4), AXVM_EALIGN);
    assert_int_equal(axvm_pt_protect(&pt, 0x1000, 0x10, 0), AXVM_EALIGN);
    assert_int_equal(axvm_pt_translate(&pt, 1ull << 48, NULL, NULL, NULL), AXVM_EFAULT);
    struct axvm_pt empty = {0};
    assert_int_equal(axvm_pt_map(&empty, 0, 0, K4, 0), AXVM_EINVAL);
    assert_int_equal(axvm_pt_translate(&empty, 0, NULL, NULL, NULL), AXVM_EINVAL);
    assert_int_equal(axvm_pt_translate(NULL, 0, NULL, NULL, NULL), AXVM_EINVAL);
    axvm_pt_destroy(&empty); /* harmless */
    axvm_pt_destroy(NULL);
}

static void test_overlap(void **state)
{
    (void)state;
    assert_int_equal(axvm_pt_init(&pt, &fake_pt_format), AXVM_OK);
    assert_int_equal(axvm_pt_map(&pt, M2, M2, M2, AXVM_MAP_RWX), AXVM_OK);
    size_t tables = pt.tables;
    /* any page of the range already mapped: refused, nothing changes */
    assert_int_equal(axvm_pt_map(&pt, M2, 0, K4, AXVM_MAP_READ), AXVM_EOVERLAP);
    assert_int_equal(axvm_pt_map(&pt, M2 - K4, 0, 2 * K4, AXVM_MAP_READ), AXVM_EOVERLAP);
    assert_int_equal(axvm_pt_map(&pt, 0, 0, G1, AXVM_MAP_READ), AXVM_EOVERLAP);
    expect_unmapped(0);
    expect_unmapped(M2 - K4);
    expect(M2, M2, 2, AXVM_MAP_RWX);
    assert_int_equal(pt.tables, tables);
    /* pages next to each other are no overlap */
    assert_int_equal(axvm_pt_map(&pt, M2 - K4, 0x5000, K4, AXVM_MAP_READ), AXVM_OK);
    assert_int_equal(axvm_pt_map(&pt, 2 * M2, 0x6000, K4, AXVM_MAP_READ), AXVM_OK);
}

static void test_unmap_split(void **state)
{
    (void)state;
    assert_int_equal(axvm_pt_init(&pt, &fake_pt_format), AXVM_OK);
    assert_int_equal(axvm_pt_map(&pt, G1, 8 * G1, G1, AXVM_MAP_RWX), AXVM_OK);
    assert_int_equal(pt.tables, 2);
    /* one page out of the 1 GiB block: split into 2 MiB blocks, one of them into pages */
    axvm_gpa_t hole = G1 + 5 * M2 + 7 * K4;
    assert_int_equal(axvm_pt_unmap(&pt, hole, K4), AXVM_OK);
    expect_unmapped(hole);
    expect(hole - K4, 8 * G1 + 5 * M2 + 6 * K4, 3, AXVM_MAP_RWX);
    expect(hole + K4, 8 * G1 + 5 * M2 + 8 * K4, 3, AXVM_MAP_RWX);
    expect(G1 + 4 * M2, 8 * G1 + 4 * M2, 2, AXVM_MAP_RWX);
    expect(G1, 8 * G1, 2, AXVM_MAP_RWX);
    expect(2 * G1 - K4, 9 * G1 - K4, 2, AXVM_MAP_RWX);
    assert_int_equal(pt.tables, 4);
    /* unmapping across holes is fine; emptied tables go away */
    assert_int_equal(axvm_pt_unmap(&pt, 0, 4 * G1), AXVM_OK);
    expect_unmapped(G1);
    assert_int_equal(pt.tables, 1);
    /* unmapping nothing at all is fine too */
    assert_int_equal(axvm_pt_unmap(&pt, 0, M2), AXVM_OK);
    /* and the space is mappable again, with a block */
    assert_int_equal(axvm_pt_map(&pt, G1, 0, G1, AXVM_MAP_READ), AXVM_OK);
    expect(G1, 0, 1, AXVM_MAP_READ);
}

static void test_protect(void **state)
{
    (void)state;
    assert_int_equal(axvm_pt_init(&pt, &fake_pt_format), AXVM_OK);
    assert_int_equal(axvm_pt_map(&pt, 0, 0, 2 * M2, AXVM_MAP_RWX), AXVM_OK);
    /* whole block: rewritten in place */
    assert_int_equal(axvm_pt_protect(&pt, 0, M2, AXVM_MAP_READ), AXVM_OK);
    expect(0x1000, 0x1000, 2, AXVM_MAP_READ);
    size_t tables = pt.tables;
    /* part of a block: split */
    assert_int_equal(axvm_pt_protect(&pt, M2 + 3 * K4, 2 * K4, AXVM_MAP_READ | AXVM_MAP_EXEC), AXVM_OK);
    assert_int_equal(pt.tables, tables + 1);
    expect(M2 + 2 * K4, M2 + 2 * K4, 3, AXVM_MAP_RWX);
    expect(M2 + 3 * K4, M2 + 3 * K4, 3, AXVM_MAP_READ | AXVM_MAP_EXEC);
    expect(M2 + 4 * K4, M2 + 4 * K4, 3, AXVM_MAP_READ | AXVM_MAP_EXEC);
    expect(M2 + 5 * K4, M2 + 5 * K4, 3, AXVM_MAP_RWX);
    /* not fully mapped: refused, nothing changed */
    assert_int_equal(axvm_pt_protect(&pt, M2, 2 * M2, AXVM_MAP_READ), AXVM_EFAULT);
    expect(M2, M2, 3, AXVM_MAP_RWX);
    assert_int_equal(axvm_pt_protect(&pt, 4 * M2, K4, AXVM_MAP_READ), AXVM_EFAULT);
}

static void test_nomem_rollback(void **state)
{
    (void)state;
    assert_int_equal(axvm_pt_init(&pt, &fake_pt_format), AXVM_OK);
    /* needs L1, L2, L3 tables for the first page, more later: fail the third */
    fake_hal_fail_alloc_after(2);
    assert_int_equal(axvm_pt_map(&pt, G1 - K4, 0x1000, 2 * K4, AXVM_MAP_RWX), AXVM_ENOMEM);
    expect_unmapped(G1 - K4);
    expect_unmapped(G1);
    assert_int_equal(pt.tables, 1);
    assert_int_equal(axvm_pt_map(&pt, G1 - K4, 0x1000, 2 * K4, AXVM_MAP_RWX), AXVM_OK);
    /* splitting needs a table too */
    assert_int_equal(axvm_pt_map(&pt, 4 * G1, 0, G1, AXVM_MAP_RWX), AXVM_OK);
    fake_hal_fail_alloc_after(0);
    assert_int_equal(axvm_pt_unmap(&pt, 4 * G1, K4), AXVM_ENOMEM);
    expect(4 * G1, 0, 1, AXVM_MAP_RWX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_destroy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_choices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mixed_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nomem_rollback, setup, teardown),
    };
    return cmocka_run_group_tests_name("pagetable", tests, NULL, NULL);
}
