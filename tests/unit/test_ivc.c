/* Inter-VM channels through the API: mapping into both VMs, rollback, pool
 * exhaustion, release rules, doorbells, stale ids, VM destruction. */
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
        cmocka_unit_test_setup_teardown(test_nopt_backend, setup_nopt, unit_teardown),
    };
    return cmocka_run_group_tests_name("ivc", tests, NULL, NULL);
}
