/* Address space regions, guest memory copies, fault handling, passthrough
 * normalisation. */
#include "unit_helpers.h"

#include "axvm/addrspace.h"

#define K4 0x1000ull
#define M2 0x200000ull

static struct axvm_addrspace as;

static int setup(void **state)
{
    (void)state;
    fake_hal_reset();
    assert_int_equal(axvm_as_init(&as, &fake_pt_format), AXVM_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    axvm_as_destroy(&as);
    assert_int_equal(fake_hal_pages_outstanding(), 0);
    return 0;
}

static void test_ram(void **state)
{
    (void)state;
    assert_int_equal(axvm_as_add_ram(&as, 0x40000000, 4 * M2, 0), AXVM_OK);
    const struct axvm_region *r = axvm_as_find(&as, 0x40000000 + 123);
    assert_non_null(r);
    assert_int_equal(r->type, AXVM_REGION_RAM);
    assert_int_equal(r->flags, AXVM_MAP_RWX); /* 0 means RWX */
    assert_true(r->owned);
    assert_true(AXVM_IS_ALIGNED(r->hpa, M2)); /* backing aligned for blocks */
    axvm_hpa_t pa;
    unsigned level;
    assert_int_equal(axvm_pt_translate(&as.pt, 0x40000000 + M2 + 8, &pa, NULL, &level), AXVM_OK);
    assert_int_equal(pa, r->hpa + M2 + 8);
    assert_int_equal(level, 2);
    /* small RAM: page-aligned backing is enough */
    assert_int_equal(axvm_as_add_ram(&as, 0x1000, K4, AXVM_MAP_READ), AXVM_OK);
    assert_int_equal(axvm_as_find(&as, 0x1fff)->flags, AXVM_MAP_READ);
    assert_null(axvm_as_find(&as, 0x2000));
    assert_null(axvm_as_find(&as, 0xfff));
}

static void test_region_errors(void **state)
{
    (void)state;
    assert_int_equal(axvm_as_add_ram(&as, 0x40000000, M2, 0), AXVM_OK);
    assert_int_equal(axvm_as_add_ram(&as, 0x40001000, K4, 0), AXVM_EOVERLAP);
    assert_int_equal(axvm_as_add_ram(&as, 0x3ffff000, 2 * K4, 0), AXVM_EOVERLAP);
    assert_int_equal(axvm_as_add_emulated(&as, 0x401ff000, K4), AXVM_EOVERLAP);
    assert_int_equal(axvm_as_add_passthrough(&as, 0x40000000, 0x9000000, K4), AXVM_EOVERLAP);
    assert_int_equal(axvm_as_add_ram(&as, 0x50000000, 0, 0), AXVM_EINVAL);
    assert_int_equal(axvm_as_add_ram(&as, 0x50000800, K4, 0), AXVM_EALIGN);
    assert_int_equal(axvm_as_add_ram(&as, 0x50000000, 0x1800, 0), AXVM_EALIGN);
    assert_int_equal(axvm_as_add_ram(&as, 0xfffffffffffff000ull, 2 * K4, 0), AXVM_EINVAL);
    assert_int_equal(axvm_as_add_passthrough(&as, 0x9000000, 0x9000800, K4), AXVM_EALIGN);
    assert_int_equal(axvm_as_add_ram(NULL, 0, K4, 0), AXVM_EINVAL);
    char page[64];
    assert_int_equal(axvm_as_add_shared(&as, 0x60000000, NULL, K4, 0), AXVM_EINVAL);
    assert_int_equal(axvm_as_add_shared(&as, 0x60000000, page + 1, K4, 0), AXVM_EALIGN);
    /* out of memory: nothing is left behind */
    fake_hal_fail_alloc_after(0);
    assert_int_equal(axvm_as_add_ram(&as, 0x1000, K4, 0), AXVM_ENOMEM);
    assert_null(axvm_as_find(&as, 0x1000));
    /* the table fills up */
    unsigned n = as.n_regions;
    for (unsigned i = n; i < AXVM_MAX_MEM_REGIONS; i++)
        assert_int_equal(axvm_as_add_emulated(&as, 0x10000000 + i * K4, K4), AXVM_OK);
    assert_int_equal(axvm_as_add_emulated(&as, 0x20000000, K4), AXVM_ENOMEM);
    /* regions stay sorted */
    for (unsigned i = 1; i < as.n_regions; i++)
        assert_true(as.regions[i - 1].gpa < as.regions[i].gpa);
}

static void test_kinds_and_remove(void **state)
{
    (void)state;
    void *shared = hal_pages_alloc(2, K4);
    assert_int_equal(axvm_as_add_passthrough(&as, 0x09000000, 0x19000000, K4), AXVM_OK);
    assert_int_equal(axvm_as_add_emulated(&as, 0x08000000, 0x10000), AXVM_OK);
    assert_int_equal(axvm_as_add_shared(&as, 0x70000000, shared, 2 * K4, 0), AXVM_OK);
    uint32_t flags;
    axvm_hpa_t pa;
    assert_int_equal(axvm_pt_translate(&as.pt, 0x09000010, &pa, &flags, NULL), AXVM_OK);
    assert_int_equal(pa, 0x19000010);
    assert_int_equal(flags, AXVM_MAP_READ | AXVM_MAP_WRITE | AXVM_MAP_DEVICE);
    /* emulated ranges stay unmapped so that accesses trap */
    assert_int_equal(axvm_pt_translate(&as.pt, 0x08000000, &pa, NULL, NULL), AXVM_EFAULT);
    assert_int_equal(axvm_pt_translate(&as.pt, 0x70001000, &pa, &flags, NULL), AXVM_OK);
    assert_int_equal(pa, (uintptr_t)shared + K4);
    assert_int_equal(flags, AXVM_MAP_READ | AXVM_MAP_WRITE);
    assert_int_equal(axvm_as_hva(&as, 0x70000010, 16), (uint8_t *)shared + 16);
    /* remove: only at the exact start; unmapped afterwards; not owned memory stays */
    assert_int_equal(axvm_as_remove(&as, 0x70001000), AXVM_ENOENT);
    assert_int_equal(axvm_as_remove(&as, 0x70000000), AXVM_OK);
    assert_int_equal(axvm_pt_translate(&as.pt, 0x70000000, &pa, NULL, NULL), AXVM_EFAULT);
    assert_null(axvm_as_find(&as, 0x70000000));
    assert_int_equal(axvm_as_remove(&as, 0x70000000), AXVM_ENOENT);
    assert_int_equal(axvm_as_remove(&as, 0x08000000), AXVM_OK);
    assert_int_equal(axvm_as_remove(&as, 0x09000000), AXVM_OK);
    assert_int_equal(as.n_regions, 0);
    hal_pages_free(shared, 2); /* fails the test (abort) if the address space freed it */
    /* owned RAM is freed by remove */
    size_t before = fake_hal_pages_outstanding();
    assert_int_equal(axvm_as_add_ram(&as, 0, 4 * K4, 0), AXVM_OK);
    assert_int_equal(fake_hal_pages_outstanding(), before + 4 + 3); /* RAM + L1..L3 tables */
    assert_int_equal(axvm_as_remove(&as, 0), AXVM_OK);
    assert_int_equal(fake_hal_pages_outstanding(), before);
}

static void test_copy(void **state)
{
    (void)state;
    assert_int_equal(axvm_as_add_ram(&as, 0x40000000, 2 * K4, 0), AXVM_OK);
    assert_int_equal(axvm_as_add_ram(&as, 0x40002000, K4, 0), AXVM_OK); /* adjacent */
    uint8_t buf[0x2000], back[0x2000];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7);
    /* spans both regions */
    assert_int_equal(axvm_as_write(&as, 0x40000800, buf, sizeof(buf)), AXVM_OK);
    assert_int_equal(axvm_as_read(&as, 0x40000800, back, sizeof(back)), AXVM_OK);
    assert_memory_equal(buf, back, sizeof(buf));
    uint8_t *hva = axvm_as_hva(&as, 0x40002000, K4);
    assert_non_null(hva);
    assert_int_equal(hva[0], buf[0x1800]);
    /* one byte outside: nothing is written */
    uint8_t z[16] = {0};
    hva[0xff8] = 0x5a;
    assert_int_equal(axvm_as_write(&as, 0x40002ff8, z, 16), AXVM_EFAULT);
    assert_int_equal(hva[0xff8], 0x5a);
    assert_int_equal(axvm_as_read(&as, 0x3ffffff8, back, 16), AXVM_EFAULT);
    assert_int_equal(axvm_as_read(&as, UINT64_MAX - 3, back, 16), AXVM_EFAULT);
    assert_int_equal(axvm_as_read(&as, 0x40000000, NULL, 16), AXVM_EINVAL);
    assert_int_equal(axvm_as_read(&as, 0x40000000, back, 0), AXVM_OK);
    /* hva: must lie inside one backed region */
    assert_null(axvm_as_hva(&as, 0x40001ff0, 0x20));
    assert_null(axvm_as_hva(&as, 0x50000000, 1));
    assert_int_equal(axvm_as_add_emulated(&as, 0x8000000, K4), AXVM_OK);
    assert_null(axvm_as_hva(&as, 0x8000000, 1));
    assert_int_equal(axvm_as_read(&as, 0x8000000, back, 4), AXVM_EFAULT);
}

static void test_faults(void **state)
{
    (void)state;
    assert_int_equal(axvm_as_add_ram(&as, 0x40000000, 4 * K4, AXVM_MAP_READ | AXVM_MAP_EXEC), AXVM_OK);
    assert_int_equal(axvm_as_add_emulated(&as, 0x8000000, K4), AXVM_OK);
    /* outside any region / emulated: an abort for the guest */
    assert_int_equal(axvm_as_handle_fault(&as, 0x1000, AXVM_ACCESS_READ), AXVM_EFAULT);
    assert_int_equal(axvm_as_handle_fault(&as, 0x8000000, AXVM_ACCESS_READ), AXVM_EFAULT);
    /* write to read-only RAM */
    assert_int_equal(axvm_as_handle_fault(&as, 0x40000000, AXVM_ACCESS_WRITE), AXVM_EFAULT);
    /* allowed and mapped: spurious, retry */
    assert_int_equal(axvm_as_handle_fault(&as, 0x40000000, AXVM_ACCESS_EXEC), AXVM_OK);
    /* memory is mapped eagerly: an unmapped page of a region is not mapped
     * on demand (the tables keep a single writer) */
    assert_int_equal(axvm_pt_unmap(&as.pt, 0x40001000, K4), AXVM_OK);
    assert_int_equal(axvm_as_handle_fault(&as, 0x40001234, AXVM_ACCESS_READ), AXVM_EFAULT);
    axvm_hpa_t pa;
    assert_int_equal(axvm_pt_translate(&as.pt, 0x40001234, &pa, NULL, NULL), AXVM_EFAULT);
    /* mapped but with fewer rights than the region (protected): abort */
    assert_int_equal(axvm_pt_protect(&as.pt, 0x40002000, K4, 0), AXVM_OK);
    assert_int_equal(axvm_as_handle_fault(&as, 0x40002000, AXVM_ACCESS_READ), AXVM_EFAULT);
    assert_int_equal(as.page_faults, 6);
    assert_int_equal(axvm_as_handle_fault(NULL, 0, 0), AXVM_EINVAL);
}

static void test_lookup(void **state)
{
    (void)state;
    assert_int_equal(axvm_as_add_ram(&as, 0x40000000, 2 * K4, AXVM_MAP_READ), AXVM_OK);
    struct axvm_region r;
    memset(&r, 0, sizeof(r));
    assert_true(axvm_as_lookup(&as, 0x40001fff, &r));
    assert_int_equal(r.gpa, 0x40000000);
    assert_int_equal(r.size, 2 * K4);
    assert_int_equal(r.flags, AXVM_MAP_READ);
    assert_false(axvm_as_lookup(&as, 0x40002000, &r));
    assert_false(axvm_as_lookup(NULL, 0x40000000, &r));
    /* every list change moves the sequence count by two */
    unsigned seq = atomic_load(&as.seq);
    assert_int_equal(axvm_as_add_emulated(&as, 0x1000, K4), AXVM_OK);
    assert_int_equal(axvm_as_remove(&as, 0x1000), AXVM_OK);
    assert_int_equal(atomic_load(&as.seq), seq + 4);
}

static void test_no_tables(void **state)
{
    (void)state;
    /* hosted backends: only the region list */
    struct axvm_addrspace h;
    assert_int_equal(axvm_as_init(&h, NULL), AXVM_OK);
    assert_null(h.pt.root);
    assert_int_equal(axvm_as_add_ram(&h, 0, 4 * K4, 0), AXVM_OK);
    assert_int_equal(axvm_as_write(&h, 0x10, "hi", 2), AXVM_OK);
    assert_memory_equal((char *)axvm_as_hva(&h, 0x10, 2), "hi", 2);
    assert_int_equal(axvm_as_handle_fault(&h, 0x10, AXVM_ACCESS_READ), AXVM_EFAULT);
    assert_int_equal(axvm_as_remove(&h, 0), AXVM_OK);
    axvm_as_destroy(&h);
    assert_int_equal(axvm_as_init(NULL, NULL), AXVM_EINVAL);
}

/* ---- passthrough normalisation ---- */

static void test_pt_normalize(void **state)
{
    (void)state;
    struct axvm_passthrough r[] = {
        {0x9000100, 0x19000100, 0x10},   /* unaligned: becomes one page */
        {0x1000, 0x81000, 0x1000},        /* lowest */
        {0x9001000, 0x19001000, 0x2000}, /* adjacent to the first, contiguous: merged */
        {0x2000, 0x99000, 0x1000},        /* adjacent to 0x1000 but not contiguous: kept */
        {0x9001800, 0x19001800, 0x100},  /* inside the merged one, contiguous: absorbed */
    };
    int n = axvm_passthrough_normalize(r, 5);
    assert_int_equal(n, 3);
    assert_int_equal(r[0].gpa, 0x1000);
    assert_int_equal(r[0].hpa, 0x81000);
    assert_int_equal(r[0].size, 0x1000);
    assert_int_equal(r[1].gpa, 0x2000);
    assert_int_equal(r[1].hpa, 0x99000);
    assert_int_equal(r[2].gpa, 0x9000000);
    assert_int_equal(r[2].hpa, 0x19000000);
    assert_int_equal(r[2].size, 0x3000);
}

static void test_pt_normalize_errors(void **state)
{
    (void)state;
    struct axvm_passthrough conflict[] = {{0x1000, 0x5000, 0x2000}, {0x2000, 0x9000, 0x1000}};
    assert_int_equal(axvm_passthrough_normalize(conflict, 2), AXVM_EOVERLAP);
    struct axvm_passthrough zero[] = {{0x1000, 0x1000, 0}};
    assert_int_equal(axvm_passthrough_normalize(zero, 1), AXVM_EINVAL);
    struct axvm_passthrough wrap[] = {{UINT64_MAX - 0xff, 0x1000 + 0xf00, 0x200}};
    assert_int_equal(axvm_passthrough_normalize(wrap, 1), AXVM_EINVAL);
    struct axvm_passthrough off[] = {{0x1010, 0x2020, 0x10}};
    assert_int_equal(axvm_passthrough_normalize(off, 1), AXVM_EALIGN);
    assert_int_equal(axvm_passthrough_normalize(NULL, 0), 0);
    assert_int_equal(axvm_passthrough_normalize(NULL, 1), AXVM_EINVAL);
    /* a range ending exactly at the top of the address space is fine */
    struct axvm_passthrough top[] = {{0xfffffffffffff000ull, 0x7000, 0x1000}};
    assert_int_equal(axvm_passthrough_normalize(top, 1), 1);
    assert_int_equal(top[0].size, 0x1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kinds_and_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_tables, setup, teardown),
        cmocka_unit_test(test_pt_normalize),
        cmocka_unit_test(test_pt_normalize_errors),
    };
    return cmocka_run_group_tests_name("addrspace", tests, NULL, NULL);
}
