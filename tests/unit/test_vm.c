/* VM construction and teardown (with injected failures at every step), the
 * lifecycle state machine, reboot from pristine images, interrupt injection,
 * lookups and the VM console. */
#include "unit_helpers.h"

#include "axvm/sched.h"

static struct axvm_vm_config cfg;
static const char kernel[] = "KERNEL-IMAGE-BYTES";
static const char dtb[] = "DTB";

static void with_images(struct axvm_vm_config *c)
{
    c->images[0] = (struct axvm_image){kernel, sizeof(kernel), U_RAM_BASE + 0x200000};
    c->images[1] = (struct axvm_image){dtb, sizeof(dtb), U_RAM_BASE};
    c->n_images = 2;
    c->entry = U_RAM_BASE + 0x200000;
}

static void test_create_loads_images(void **state)
{
    (void)state;
    unit_config(&cfg, 7, "img", 2, 1);
    with_images(&cfg);
    struct axvm_vm *vm = unit_vm(&cfg);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_LOADED);
    char buf[sizeof(kernel)];
    assert_int_equal(axvm_as_read(&vm->as, U_RAM_BASE + 0x200000, buf, sizeof(buf)), AXVM_OK);
    assert_memory_equal(buf, kernel, sizeof(kernel));
    assert_int_equal(axvm_as_read(&vm->as, U_RAM_BASE, buf, sizeof(dtb)), AXVM_OK);
    assert_memory_equal(buf, dtb, sizeof(dtb));
    /* vCPUs exist, are pinned and assigned */
    assert_int_equal(vm->vcpus[0].pcpu, 1);
    assert_int_equal(vm->vcpus[1].pcpu, 2);
    assert_ptr_equal(axvm_pcpu_vcpu(1), &vm->vcpus[0]);
    assert_ptr_equal(axvm_pcpu_vcpu(2), &vm->vcpus[1]);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[0]), AXVM_VCPU_CREATED);
    assert_int_equal(fake_vm(vm)->attached, 1);
    assert_non_null(axvm_devices_find(&vm->devices, AXVM_SPACE_MMIO, U_TESTDEV));
    /* boot: vCPU 0 READY at the entry with the argument, the others FREE */
    unsigned kicks = fake_hal_kicks[1];
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_RUNNING);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[0]), AXVM_VCPU_READY);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[1]), AXVM_VCPU_FREE);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->setup_entry, U_RAM_BASE + 0x200000);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->setup_arg, 0x1234);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->setup_root, vm->as.pt.root_pa);
    assert_int_equal(fake_hal_kicks[1], kicks + 1);
    assert_int_equal(vm->boot_count, 1);
}

static void test_create_rejects(void **state)
{
    (void)state;
    unit_config(&cfg, 1, "a", 1, 0);
    assert_int_equal(axvm_vm_create(NULL, NULL), AXVM_EINVAL);
    struct axvm_vm *a = unit_vm(&cfg);
    (void)a;
    /* same id */
    struct axvm_vm_config c = cfg;
    c.phys_cpu[0] = 1;
    assert_int_equal(axvm_vm_create(&c, NULL), AXVM_EBUSY);
    /* pCPU taken by another VM */
    c.id = 2;
    c.phys_cpu[0] = 0;
    assert_int_equal(axvm_vm_create(&c, NULL), AXVM_EBUSY);
    assert_null(axvm_vm_by_id(2));
    assert_null(axvm_vm_at(1));
    /* an invalid config is refused before anything is built */
    unsigned long allocs = fake_hal_alloc_count();
    c.vcpu_count = 0;
    assert_int_equal(axvm_vm_create(&c, NULL), AXVM_ERANGE);
    assert_int_equal(fake_hal_alloc_count(), allocs);
    assert_true(fake_hal_console_has("vcpu_count"));
    /* a device kind the backend does not have */
    unit_config(&c, 3, "c", 1, 3);
    c.devs[1] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_PL011, .base = 0x09000000, .size = 0x1000};
    c.n_devs = 2;
    assert_int_equal(axvm_vm_create(&c, NULL), AXVM_ENOTSUP);
    assert_null(axvm_vm_at(1));
    assert_null(axvm_pcpu_vcpu(3));
}

static void test_table_full(void **state)
{
    (void)state;
    fake_hal_ncpus = AXVM_MAX_PCPUS;
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        char name[8] = {'v', (char)('0' + i), 0};
        unit_config(&cfg, 10 + i, name, 1, i);
        (void)unit_vm(&cfg);
    }
    unit_config(&cfg, 99, "extra", 1, 0);
    cfg.vcpu_count = 1;
    /* (pCPU 0 is taken too, but the table is checked first) */
    assert_int_equal(axvm_vm_create(&cfg, NULL), AXVM_ENOMEM);
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++)
        assert_non_null(axvm_vm_at(i));
    assert_null(axvm_vm_at(AXVM_MAX_VMS));
    assert_ptr_equal(axvm_vm_by_id(13), axvm_vm_at(3));
    assert_null(axvm_vm_by_id(99));
}

/* Let allocations fail from the n-th on, for every n: each failure must
 * leave nothing behind (pages, VM slot, pCPU assignment). */
static void test_create_alloc_failures(void **state)
{
    (void)state;
    unit_config(&cfg, 5, "oom", 3, 0);
    with_images(&cfg);
    cfg.mem[1] = (struct axvm_mem_config){0x80000000, 0x10000, AXVM_MAP_READ};
    cfg.n_mem = 2;
    cfg.passthrough[0] = (struct axvm_passthrough){0x0a000000, 0x0a000000, 0x200};
    cfg.n_passthrough = 1;
    size_t base_pages = fake_hal_pages_outstanding();
    unsigned failures = 0;
    for (long n = 0;; n++) {
        fake_hal_fail_allocs_from(n);
        struct axvm_vm *vm = NULL;
        int rc = axvm_vm_create(&cfg, &vm);
        if (rc == AXVM_OK) {
            assert_non_null(vm);
            break;
        }
        failures++;
        assert_int_equal(rc, AXVM_ENOMEM);
        assert_int_equal(fake_hal_pages_outstanding(), base_pages);
        assert_null(axvm_vm_at(0));
        for (unsigned p = 0; p < 4; p++)
            assert_null(axvm_pcpu_vcpu(p));
        assert_true(n < 1000);
    }
    fake_hal_fail_alloc_after(-1);
    /* RAM x2, several table pages: the loop must have failed a few times */
    if (failures < 5)
        fail_msg("only %u allocation failures", failures);
}

static void test_create_backend_failures(void **state)
{
    (void)state;
    unit_config(&cfg, 5, "be", 3, 0);
    cfg.devs[1] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_RTC, .base = 0x09010000, .size = 0x1000};
    cfg.n_devs = 2;
    size_t base_pages = fake_hal_pages_outstanding();
    int *knobs[] = {&fake_fail.vm_init, &fake_fail.attach, &fake_fail.vcpu_create};
    int nth[] = {1, 2, 3};
    for (unsigned k = 0; k < AXVM_ARRAY_SIZE(knobs); k++) {
        fake_arch_reset();
        *knobs[k] = nth[k];
        assert_int_not_equal(axvm_vm_create(&cfg, NULL), AXVM_OK);
        assert_int_equal(fake_hal_pages_outstanding(), base_pages);
        assert_null(axvm_vm_at(0));
        for (unsigned p = 0; p < 4; p++)
            assert_null(axvm_pcpu_vcpu(p));
    }
    fake_arch_reset();
    struct axvm_vm *vm = unit_vm(&cfg);
    assert_int_equal(fake_vm(vm)->attached, 2);
}

static void test_lifecycle(void **state)
{
    (void)state;
    unit_config(&cfg, 1, "life", 2, 0);
    struct axvm_vm *vm = unit_vm(&cfg);
    /* LOADED: only boot (and destroy) */
    assert_int_equal(axvm_vm_suspend(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_resume(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_shutdown(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_reboot(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_load(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    /* parking only happens while stopping */
    axvm_vm_park_vcpu(&vm->vcpus[0]);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[0]), AXVM_VCPU_READY);
    /* RUNNING */
    assert_int_equal(axvm_vm_boot(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_resume(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_load(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_destroy(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_suspend(vm), AXVM_OK);
    /* SUSPENDED: the vCPU does not run */
    assert_int_equal(axvm_vm_suspend(vm), AXVM_ESTATE);
    struct axvm_exit e = ex_mmio_write(U_TESTDEV + 8, 8, 1), out;
    fake_script(&vm->vcpus[0], &e);
    assert_int_equal(axvm_vcpu_run(&vm->vcpus[0], &out), AXVM_OK);
    assert_int_equal(out.reason, AXVM_EXIT_NOTHING);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->runs, 0);
    assert_int_equal(axvm_vm_resume(vm), AXVM_OK);
    assert_int_equal(axvm_vcpu_run(&vm->vcpus[0], &out), AXVM_OK);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->runs, 2);
    /* shutdown from SUSPENDED is allowed too */
    assert_int_equal(axvm_vm_suspend(vm), AXVM_OK);
    assert_int_equal(axvm_vm_shutdown(vm), AXVM_OK);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPED);
    assert_int_equal(axvm_vm_shutdown(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vm_boot(vm), AXVM_ESTATE);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[0]), AXVM_VCPU_FREE);
    /* STOPPED -> LOADED -> RUNNING again */
    assert_int_equal(axvm_vm_load(vm), AXVM_OK);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_LOADED);
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    assert_int_equal(vm->boot_count, 2);
    /* raw set_state keeps to the table */
    assert_int_equal(axvm_vm_set_state(vm, AXVM_VM_RUNNING, AXVM_VM_LOADED), AXVM_ESTATE);
    assert_int_equal(axvm_vm_set_state(vm, AXVM_VM_LOADED, AXVM_VM_RUNNING), AXVM_ESTATE); /* not LOADED */
    assert_int_equal(axvm_vm_set_state(vm, AXVM_VM_RUNNING, (enum axvm_vm_state)9), AXVM_EINVAL);
    assert_int_equal(axvm_vm_shutdown(vm), AXVM_OK);
    assert_int_equal(axvm_vm_destroy(vm), AXVM_OK);
    assert_int_equal(axvm_vm_destroy(vm), AXVM_EINVAL);
    assert_null(axvm_pcpu_vcpu(0));
    assert_int_equal(axvm_vm_boot(NULL), AXVM_EINVAL);
}

static void test_stop_waits_for_running_vcpus(void **state)
{
    (void)state;
    unit_config(&cfg, 1, "wait", 2, 0);
    struct axvm_vm *vm = unit_vm_running(&cfg);
    struct axvm_vcpu *v0 = &vm->vcpus[0], *v1 = &vm->vcpus[1];
    /* vCPU 1 up and "in the guest" on its pCPU */
    assert_int_equal(axvm_vcpu_set_state(v1, AXVM_VCPU_FREE, AXVM_VCPU_READY), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(v1, AXVM_VCPU_READY, AXVM_VCPU_RUNNING), AXVM_OK);
    unsigned kicks = fake_hal_kicks[1];
    assert_int_equal(axvm_vm_shutdown(vm), AXVM_OK);
    /* v0 was READY: parked at once; v1 kicked, the VM waits for it */
    assert_int_equal(axvm_vcpu_state(v0), AXVM_VCPU_FREE);
    assert_int_equal(fake_hal_kicks[1], kicks + 1);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPING);
    assert_int_equal(axvm_vm_destroy(vm), AXVM_ESTATE);
    /* v1's pCPU leaves the guest and parks it */
    axvm_vm_park_vcpu(v1); /* still RUNNING: nothing happens */
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPING);
    assert_int_equal(axvm_vcpu_set_state(v1, AXVM_VCPU_RUNNING, AXVM_VCPU_READY), AXVM_OK);
    axvm_vm_park_vcpu(v1);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPED);
    assert_int_equal(atomic_load(&vm->vcpus_parked), 2);
    axvm_vm_park_vcpu(v1); /* harmless afterwards */
    axvm_vm_park_vcpu(NULL);
}

static void test_reboot_pristine(void **state)
{
    (void)state;
    unit_config(&cfg, 1, "rb", 2, 0);
    with_images(&cfg);
    struct axvm_vm *vm = unit_vm_running(&cfg);
    /* the guest scribbles over its kernel and elsewhere, starts vCPU 1 */
    char junk[64];
    memset(junk, 0xee, sizeof(junk));
    assert_int_equal(axvm_as_write(&vm->as, U_RAM_BASE + 0x200000, junk, sizeof(junk)), AXVM_OK);
    assert_int_equal(axvm_as_write(&vm->as, U_RAM_BASE + 0x300000, junk, sizeof(junk)), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&vm->vcpus[1], AXVM_VCPU_FREE, AXVM_VCPU_READY), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&vm->vcpus[1], AXVM_VCPU_READY, AXVM_VCPU_BLOCKED), AXVM_OK);
    unsigned setups = fake_vcpu(&vm->vcpus[0])->setups;
    assert_int_equal(axvm_vm_reboot(vm), AXVM_OK);
    /* both were out of the guest: the reboot completes at once */
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_RUNNING);
    assert_int_equal(vm->boot_count, 2);
    assert_int_equal(fake_vm(vm)->resets, 1);
    char buf[sizeof(kernel)];
    assert_int_equal(axvm_as_read(&vm->as, U_RAM_BASE + 0x200000, buf, sizeof(buf)), AXVM_OK);
    assert_memory_equal(buf, kernel, sizeof(kernel));
    char zero[64] = {0};
    assert_int_equal(axvm_as_read(&vm->as, U_RAM_BASE + 0x300000, junk, sizeof(junk)), AXVM_OK);
    assert_memory_equal(junk, zero, sizeof(zero));
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[0]), AXVM_VCPU_READY);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[1]), AXVM_VCPU_FREE);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->setups, setups + 1);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->setup_entry, U_RAM_BASE + 0x200000);
    /* a reboot also brings an INVALID vCPU back */
    assert_int_equal(axvm_vcpu_set_state(&vm->vcpus[0], AXVM_VCPU_READY, AXVM_VCPU_INVALID), AXVM_OK);
    assert_int_equal(axvm_vm_reboot(vm), AXVM_OK);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[0]), AXVM_VCPU_READY);
    assert_int_equal(vm->boot_count, 3);
    /* a reboot waits for a running vCPU like a shutdown does */
    assert_int_equal(axvm_vcpu_set_state(&vm->vcpus[0], AXVM_VCPU_READY, AXVM_VCPU_RUNNING), AXVM_OK);
    assert_int_equal(axvm_vm_reboot(vm), AXVM_OK);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPING);
    assert_int_equal(axvm_vcpu_set_state(&vm->vcpus[0], AXVM_VCPU_RUNNING, AXVM_VCPU_READY), AXVM_OK);
    axvm_vm_park_vcpu(&vm->vcpus[0]);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_RUNNING);
    assert_int_equal(vm->boot_count, 4);
}

static void test_inject_irq(void **state)
{
    (void)state;
    unit_config(&cfg, 1, "irq", 3, 0);
    struct axvm_vm *vm = unit_vm_running(&cfg);
    struct axvm_vcpu *v = vm->vcpus;
    /* v0 READY here, v1 "running" on pCPU 1, v2 BLOCKED on pCPU 2 */
    assert_int_equal(axvm_vcpu_set_state(&v[1], AXVM_VCPU_FREE, AXVM_VCPU_READY), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v[1], AXVM_VCPU_READY, AXVM_VCPU_RUNNING), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v[2], AXVM_VCPU_FREE, AXVM_VCPU_READY), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v[2], AXVM_VCPU_READY, AXVM_VCPU_BLOCKED), AXVM_OK);
    unsigned k1 = fake_hal_kicks[1], k2 = fake_hal_kicks[2];
    assert_int_equal(axvm_vm_inject_irq(vm, 0x6 | (1ull << 63), 33), AXVM_OK);
    assert_int_equal(fake_vcpu(&v[0])->n_irqs, 0);
    assert_int_equal(fake_vcpu(&v[1])->irqs[0], 33);
    assert_int_equal(fake_vcpu(&v[2])->irqs[0], 33);
    assert_int_equal(fake_hal_kicks[1], k1 + 1);
    assert_int_equal(fake_hal_kicks[2], k2 + 1);
    assert_int_equal(axvm_vcpu_state(&v[1]), AXVM_VCPU_RUNNING);
    assert_int_equal(axvm_vcpu_state(&v[2]), AXVM_VCPU_READY); /* woken */
    /* backend refuses: error returned, the others still get it */
    fake_fail.inject_irq = 1;
    assert_int_equal(axvm_vm_inject_irq(vm, 0x3, 34), AXVM_EINVAL);
    assert_int_equal(fake_vcpu(&v[1])->irqs[1], 34);
    assert_int_equal(axvm_vm_inject_irq(NULL, 1, 1), AXVM_EINVAL);
    assert_int_equal(axvm_vcpu_set_state(&v[1], AXVM_VCPU_RUNNING, AXVM_VCPU_READY), AXVM_OK);
}

static void test_lookups(void **state)
{
    (void)state;
    unit_config(&cfg, 4, "look", 3, 0);
    cfg.mem[1] = (struct axvm_mem_config){0x100000000ull, 0x2000, AXVM_MAP_RWX};
    cfg.n_mem = 2;
    struct axvm_vm *vm = unit_vm(&cfg);
    assert_ptr_equal(axvm_vm_vcpu_by_hwid(vm, 2), &vm->vcpus[2]);
    assert_null(axvm_vm_vcpu_by_hwid(vm, 3));
    assert_null(axvm_vm_vcpu_by_hwid(NULL, 0));
    assert_true(axvm_vm_gpa_is_ram(vm, U_RAM_BASE, 1));
    assert_true(axvm_vm_gpa_is_ram(vm, U_RAM_BASE + U_RAM_SIZE - 4, 4));
    assert_false(axvm_vm_gpa_is_ram(vm, U_RAM_BASE + U_RAM_SIZE - 4, 8));
    assert_false(axvm_vm_gpa_is_ram(vm, U_RAM_BASE - 1, 1));
    assert_true(axvm_vm_gpa_is_ram(vm, 0x100001000ull, 0)); /* 0 counts as 1 */
    assert_false(axvm_vm_gpa_is_ram(vm, U_TESTDEV, 4));
    assert_false(axvm_vm_gpa_is_ram(vm, U_RAM_BASE, UINT64_MAX));
    assert_false(axvm_vm_gpa_is_ram(NULL, U_RAM_BASE, 1));
    assert_ptr_equal(axvm_vm_by_id(4), vm);
}

static void test_console(void **state)
{
    (void)state;
    unit_config(&cfg, 1, "con", 1, 0);
    struct axvm_vm *vm = unit_vm(&cfg);
    fake_hal_console_clear();
    axvm_vm_console_putc(vm, 'a');
    axvm_vm_console_putc(vm, 'b');
    assert_int_equal(fake_hal_console_len, 0); /* buffered until the line ends */
    axvm_vm_console_putc(vm, '\n');
    assert_string_equal(fake_hal_console, "ab\n");
    axvm_vm_console_putc(vm, 'c');
    axvm_vm_console_flush(vm);
    assert_string_equal(fake_hal_console, "ab\nc");
    /* a line longer than the buffer comes out in pieces, nothing lost */
    fake_hal_console_clear();
    for (unsigned i = 0; i < 300; i++)
        axvm_vm_console_putc(vm, (char)('0' + i % 10));
    axvm_vm_console_putc(vm, '\n');
    assert_int_equal(fake_hal_console_len, 301);
    axvm_vm_console_putc(NULL, 'x');
    axvm_vm_console_flush(NULL);
}

static void test_nopt_backend(void **state)
{
    (void)state;
    /* KVM-like: regions go through vm_map_region / vm_unmap_region */
    unit_config(&cfg, 1, "kvm", 1, 0);
    cfg.mem[1] = (struct axvm_mem_config){0x100000000ull, 0x2000, AXVM_MAP_RWX};
    cfg.n_mem = 2;
    struct axvm_vm *vm = unit_vm(&cfg);
    assert_null(vm->as.pt.root);
    assert_int_equal(fake_vm(vm)->map_calls, 2);
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->setup_root, 0);
    /* a failing map call fails the create cleanly */
    struct axvm_vm_config c2;
    unit_config(&c2, 2, "kvm2", 1, 1);
    fake_fail.vm_map_region = 1;
    assert_int_equal(axvm_vm_create(&c2, NULL), AXVM_EIO);
    assert_null(axvm_vm_by_id(2));
}

static void test_init_checks_ops(void **state)
{
    (void)state;
    assert_int_equal(axvm_init(NULL), AXVM_EINVAL);
    struct axvm_arch_ops ops = fake_arch_ops;
    ops.vcpu_run = NULL;
    assert_int_equal(axvm_init(&ops), AXVM_EINVAL);
    ops = fake_arch_ops_nopt;
    ops.vm_map_region = NULL; /* no encoder and no way to map memory */
    assert_int_equal(axvm_init(&ops), AXVM_EINVAL);
    fake_hw_supported = false;
    assert_int_equal(axvm_init(&fake_arch_ops), AXVM_ENOTSUP);
    fake_hw_supported = true;
    assert_ptr_equal(axvm_arch, &fake_arch_ops); /* failed calls changed nothing */
    /* without a backend nothing can be created */
    const struct axvm_arch_ops *saved = axvm_arch;
    axvm_arch = NULL;
    unit_config(&cfg, 1, "x", 1, 0);
    assert_int_equal(axvm_vm_create(&cfg, NULL), AXVM_ESTATE);
    axvm_arch = saved;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_create_loads_images), T(test_create_rejects), T(test_table_full),
        T(test_create_alloc_failures), T(test_create_backend_failures), T(test_lifecycle),
        T(test_stop_waits_for_running_vcpus), T(test_reboot_pristine), T(test_inject_irq),
        T(test_lookups), T(test_console), T(test_init_checks_ops),
        cmocka_unit_test_setup_teardown(test_nopt_backend, unit_setup_nopt, unit_teardown),
    };
    return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}
