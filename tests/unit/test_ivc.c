/* Inter-VM channels through the API: mapping into both VMs, rollback, pool
 * exhaustion, release rules, doorbells, stale ids, VM destruction, and the
 * run-time policy (links, declared doorbells). */
#include "unit_helpers.h"

#include "axvm/ivc.h"

#define G 0x80000000ull

static struct axvm_vm *a, *b, *c;

static void three_vms(void)
{
    struct axvm_vm_config ca, cb, cc;
    unit_config(&ca, 1, "a", 1, 0);
    unit_config(&cb, 2, "b", 1, 1);
    unit_config(&cc, 3, "c", 1, 2);
    a = unit_vm_running(&ca);
    b = unit_vm_running(&cb);
    c = unit_vm_running(&cc);
}

static int setup(void **state)
{
    unit_setup(state);
    three_vms();
    return 0;
}

static int setup_nopt(void **state)
{
    unit_setup_nopt(state);
    three_vms();
    return 0;
}

static void test_alloc_release(void **state)
{
    (void)state;
    uint32_t id;
    assert_int_equal(axvm_ivc_alloc(a, G, 40, b, G + 0x100000, 41, 0x1800, &id), AXVM_OK);
    const struct axvm_ivc_channel *ch = axvm_ivc_get(id);
    assert_non_null(ch);
    assert_int_equal(ch->size, 0x2000); /* rounded up to pages */
    assert_ptr_equal(ch->end[0].vm, a);
    assert_int_equal(ch->end[1].gpa, G + 0x100000);
    assert_int_equal(ch->end[1].irq, 41);
    const struct axvm_region *ra = axvm_as_find(&a->as, G + 0x1fff);
    assert_non_null(ra);
    assert_int_equal(ra->type, AXVM_REGION_SHARED);
    assert_ptr_equal(ra->hva, ch->pages);
    assert_ptr_equal(axvm_as_find(&b->as, G + 0x100000)->hva, ch->pages);
    axvm_hpa_t pa;
    assert_int_equal(axvm_pt_translate(&b->as.pt, G + 0x101000, &pa, NULL, NULL), AXVM_OK);
    assert_int_equal(pa, (uintptr_t)ch->pages + 0x1000);
    /* doorbells both ways */
    assert_int_equal(axvm_ivc_doorbell(id, a), AXVM_OK);
    assert_int_equal(axvm_ivc_doorbell(id, a), AXVM_OK);
    assert_int_equal(axvm_ivc_doorbell(id, b), AXVM_OK);
    assert_int_equal(ch->doorbells[1], 2);
    assert_int_equal(ch->doorbells[0], 1);
    assert_int_equal(fake_vcpu(&b->vcpus[0])->n_irqs, 2);
    assert_int_equal(fake_vcpu(&a->vcpus[0])->irqs[0], 40);
    assert_int_equal(axvm_ivc_doorbell(id, c), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_doorbell(id, NULL), AXVM_EINVAL);
    /* release: only an end (or the host), once */
    assert_int_equal(axvm_ivc_release(id, c), AXVM_EINVAL);
    unsigned flushes = fake_vm(a)->tlb_flushes;
    assert_int_equal(axvm_ivc_release(id, NULL), AXVM_OK);
    assert_int_equal(fake_vm(a)->tlb_flushes, flushes + 1);
    assert_null(axvm_as_find(&a->as, G));
    assert_null(axvm_as_find(&b->as, G + 0x100000));
    assert_int_equal(axvm_pt_translate(&b->as.pt, G + 0x101000, &pa, NULL, NULL), AXVM_EFAULT);
    assert_int_equal(axvm_ivc_release(id, a), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_doorbell(id, a), AXVM_ENOENT);
    assert_null(axvm_ivc_get(id));
}

static void test_bad_args(void **state)
{
    (void)state;
    uint32_t id;
    assert_int_equal(axvm_ivc_alloc(a, G, 1, a, G + 0x10000, 2, 0x1000, &id), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_alloc(a, G, 1, NULL, G, 2, 0x1000, &id), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G, 2, 0, &id), AXVM_EINVAL);
    atomic_store(&b->state, AXVM_VM_LOADING);
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G, 2, 0x1000, &id), AXVM_ESTATE);
    atomic_store(&b->state, AXVM_VM_RUNNING);
    assert_int_equal(axvm_ivc_alloc(a, G + 4, 1, b, G, 2, 0x1000, &id), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G + 4, 2, 0x1000, &id), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G, 2, UINT64_MAX, &id), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_alloc(a, 0xfffffffffffff000ull, 1, b, G, 2, 0x2000, &id), AXVM_EINVAL);
    /* taken guest ranges: RAM, a device */
    assert_int_equal(axvm_ivc_alloc(a, U_RAM_BASE, 1, b, G, 2, 0x1000, &id), AXVM_EOVERLAP);
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, U_TESTDEV, 2, 0x1000, &id), AXVM_EOVERLAP);
    /* the first end was mapped and rolled back when the second failed */
    assert_null(axvm_as_find(&a->as, G));
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G, 2, 0x1000, &id), AXVM_OK);
    /* the same guest range twice */
    uint32_t id2;
    assert_int_equal(axvm_ivc_alloc(a, G, 1, c, G, 2, 0x1000, &id2), AXVM_EOVERLAP);
    assert_int_equal(axvm_ivc_release(id + 1, a), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_release(UINT32_MAX, a), AXVM_ENOENT);
    assert_null(axvm_ivc_get(UINT32_MAX));
}

static void test_pool_and_memory_exhaustion(void **state)
{
    (void)state;
    uint32_t ids[AXVM_MAX_IVC_CHANNELS], extra;
    /* spread over three pairs: AXVM_MAX_MEM_REGIONS bounds each VM too */
    struct axvm_vm *pair[3][2] = {{a, b}, {b, c}, {a, c}};
    for (unsigned i = 0; i < AXVM_MAX_IVC_CHANNELS; i++) {
        axvm_gpa_t g = G + i * 0x1000ull;
        assert_int_equal(axvm_ivc_alloc(pair[i % 3][0], g, 1, pair[i % 3][1], g, 2, 0x1000, &ids[i]), AXVM_OK);
    }
    assert_int_equal(axvm_ivc_alloc(a, 0x90000000, 1, c, 0x90000000, 2, 0x1000, &extra), AXVM_ENOMEM);
    for (unsigned i = 0; i < AXVM_MAX_IVC_CHANNELS; i++)
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(ids[i], ids[j]);
    assert_int_equal(axvm_ivc_release(ids[3], a), AXVM_OK);
    assert_int_equal(axvm_ivc_alloc(c, G, 1, b, G + 3 * 0x1000ull, 2, 0x1000, &extra), AXVM_OK);
    /* the slot is reused, the id is not: the stale id names nothing */
    assert_int_not_equal(extra, ids[3]);
    assert_int_equal(axvm_ivc_release(ids[3], a), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_doorbell(ids[3], a), AXVM_ENOENT);
    assert_non_null(axvm_ivc_get(extra));
    /* out of memory for the pages */
    axvm_ivc_release_all(b);
    fake_hal_fail_alloc_after(0);
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G, 2, 0x1000, &extra), AXVM_ENOMEM);
    assert_null(axvm_as_find(&a->as, G));
}

static void test_release_all_on_destroy(void **state)
{
    (void)state;
    uint32_t ab, bc, ac;
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G, 2, 0x1000, &ab), AXVM_OK);
    assert_int_equal(axvm_ivc_alloc(b, G + 0x1000, 1, c, G, 2, 0x1000, &bc), AXVM_OK);
    assert_int_equal(axvm_ivc_alloc(a, G + 0x1000, 1, c, G + 0x1000, 2, 0x1000, &ac), AXVM_OK);
    assert_int_equal(axvm_vm_shutdown(b), AXVM_OK);
    assert_int_equal(axvm_vm_destroy(b), AXVM_OK);
    assert_null(axvm_ivc_get(ab));
    assert_null(axvm_ivc_get(bc));
    assert_non_null(axvm_ivc_get(ac));
    assert_null(axvm_as_find(&a->as, G)); /* a's end of a<->b is gone too */
    assert_non_null(axvm_as_find(&a->as, G + 0x1000));
}

/* The run-time policy (axvm_ivc_request): links, declared doorbells, and
 * links that go with their VMs. */
static void test_links(void **state)
{
    (void)state;
    uint32_t id;
    assert_int_equal(axvm_ivc_link(a, a, 40, 41), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_link(a, NULL, 40, 41), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_link(NULL, b, 40, 41), AXVM_EINVAL);
    /* nothing linked yet: every peer looks absent, itself excepted */
    assert_int_equal(axvm_ivc_request(a, G, 40, b, G, 41, 0x1000, &id), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_request(a, G, 40, NULL, G, 41, 0x1000, &id), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_request(a, G, 40, a, G, 41, 0x1000, &id), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_link(a, b, 40, 41), AXVM_OK);
    assert_int_equal(axvm_ivc_request(a, G, 40, c, G, 41, 0x1000, &id), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_request(c, G, 41, b, G, 40, 0x1000, &id), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_request(a, G, 40, b, G, 40, 0x1000, &id), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_request(a, G, 41, b, G, 41, 0x1000, &id), AXVM_EINVAL);
    assert_int_equal(axvm_ivc_request(a, G, 40, b, G, 30, 0x1000, &id), AXVM_EINVAL);
    assert_null(axvm_as_find(&a->as, G));
    /* the window checks still apply on both sides */
    assert_int_equal(axvm_ivc_request(a, G, 40, b, U_RAM_BASE, 41, 0x1000, &id), AXVM_EOVERLAP);
    assert_int_equal(axvm_ivc_request(a, G, 40, b, U_TESTDEV, 41, 0x1000, &id), AXVM_EOVERLAP);
    assert_int_equal(axvm_ivc_request(a, U_TESTDEV, 40, b, G, 41, 0x1000, &id), AXVM_EOVERLAP);
    assert_int_equal(axvm_ivc_request(a, G, 40, b, G, 41, 0, &id), AXVM_EINVAL);
    assert_null(axvm_as_find(&a->as, G));
    assert_null(axvm_as_find(&b->as, G));
    assert_int_equal(axvm_ivc_request(b, G, 41, a, G + 0x1000, 40, 0x1000, &id), AXVM_OK);
    assert_int_equal(axvm_ivc_get(id)->end[0].irq, 41);
    assert_int_equal(axvm_ivc_get(id)->end[1].irq, 40);
    assert_int_equal(axvm_ivc_release(id, a), AXVM_OK);
    /* the table: duplicates (either orientation) take no room; it holds
     * AXVM_MAX_IVC_CHANNELS distinct links */
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(axvm_ivc_link(a, b, 40, 41), AXVM_OK);
        assert_int_equal(axvm_ivc_link(b, a, 41, 40), AXVM_OK);
    }
    for (uint32_t i = 1; i < AXVM_MAX_IVC_CHANNELS; i++)
        assert_int_equal(axvm_ivc_link(b, c, 100 + i, 200 + i), AXVM_OK);
    assert_int_equal(axvm_ivc_link(a, c, 50, 51), AXVM_ENOMEM);
    assert_int_equal(axvm_ivc_link(a, b, 40, 41), AXVM_OK);
    assert_int_equal(axvm_ivc_request(c, G, 200 + AXVM_MAX_IVC_CHANNELS - 1, b, G, 101, 0x1000, &id), AXVM_OK);
    /* b goes: its links with it, so a slot reused for a new VM inherits none */
    assert_int_equal(axvm_vm_shutdown(b), AXVM_OK);
    assert_int_equal(axvm_vm_destroy(b), AXVM_OK);
    assert_null(axvm_ivc_get(id));
    assert_int_equal(axvm_ivc_link(a, c, 50, 51), AXVM_OK); /* room again */
    struct axvm_vm_config cb;
    unit_config(&cb, 2, "b2", 1, 1);
    b = unit_vm_running(&cb);
    assert_int_equal(axvm_ivc_request(a, G, 40, b, G, 41, 0x1000, &id), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_request(c, G, 201, b, G, 101, 0x1000, &id), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_request(c, G, 51, a, G, 50, 0x1000, &id), AXVM_OK);
}

static void test_nopt_backend(void **state)
{
    (void)state;
    uint32_t id;
    unsigned ma = fake_vm(a)->map_calls;
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G, 2, 0x1000, &id), AXVM_OK);
    assert_int_equal(fake_vm(a)->map_calls, ma + 1);
    assert_int_equal(axvm_ivc_release(id, b), AXVM_OK);
    assert_int_equal(fake_vm(a)->unmap_calls, 1);
    assert_int_equal(fake_vm(b)->unmap_calls, 1);
    /* the backend refuses the second mapping: the first end is undone */
    fake_fail.vm_map_region = 2;
    assert_int_equal(axvm_ivc_alloc(a, G, 1, b, G, 2, 0x1000, &id), AXVM_EIO);
    assert_null(axvm_as_find(&a->as, G));
    assert_null(axvm_as_find(&b->as, G));
    assert_int_equal(fake_vm(a)->unmap_calls, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alloc_release, setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_bad_args, setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_pool_and_memory_exhaustion, setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_release_all_on_destroy, setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_links, setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_nopt_backend, setup_nopt, unit_teardown),
    };
    return cmocka_run_group_tests_name("ivc", tests, NULL, NULL);
}
