/* The shared console of several VMs (core/vm_console.c: name prefixes, a
 * partial line interrupted by another VM) and IVC_FIND (core/ivc.c,
 * core/hypercall.c). Owned by the multi-VM work (docs/MULTIVM.md). */
#include "axvm/hypercall.h"
#include "axvm/ivc.h"
#include "axvm/vcpu.h"
#include "unit_helpers.h"

/* core/internal.h: the core's hypercall dispatcher */
uint64_t axvm_hypercall_dispatch(struct axvm_vcpu *vcpu, const struct axvm_exit *exit);

static struct axvm_vm_config ca, cb;

static int setup(void **state)
{
    axvm_vm_console_set_prefix(false);
    return unit_setup(state);
}

static int teardown(void **state)
{
    axvm_vm_console_set_prefix(false);
    return unit_teardown(state);
}

static void puts_vm(struct axvm_vm *vm, const char *s)
{
    while (*s)
        axvm_vm_console_putc(vm, *s++);
}

static void test_prefix_off_is_raw(void **state)
{
    (void)state;
    unit_config(&ca, 1, "a", 1, 0);
    struct axvm_vm *a = unit_vm(&ca);
    fake_hal_console_clear();
    puts_vm(a, "one\ntwo");
    axvm_vm_console_flush(a);
    assert_string_equal(fake_hal_console, "one\ntwo");
}

static void test_prefix_lines(void **state)
{
    (void)state;
    unit_config(&ca, 1, "alpha", 1, 0);
    unit_config(&cb, 2, "beta", 1, 1);
    struct axvm_vm *a = unit_vm(&ca), *b = unit_vm(&cb);
    axvm_vm_console_set_prefix(true);
    fake_hal_console_clear();
    puts_vm(a, "hello\n");
    puts_vm(b, "world\n");
    assert_string_equal(fake_hal_console, "[alpha] hello\n[beta] world\n");

    /* a prompt (flushed without newline), continued by the same VM: one prefix */
    fake_hal_console_clear();
    puts_vm(a, "$ ");
    axvm_vm_console_flush(a);
    puts_vm(a, "ls\n");
    assert_string_equal(fake_hal_console, "[alpha] $ ls\n");

    /* another VM interrupts a partial line: it is ended, and continued with the prefix again */
    fake_hal_console_clear();
    puts_vm(a, "$ ");
    axvm_vm_console_flush(a);
    puts_vm(b, "boot\n");
    puts_vm(a, "x\n");
    assert_string_equal(fake_hal_console, "[alpha] $ \n[beta] boot\n[alpha] x\n");

    /* a long line comes out in pieces: one prefix, nothing lost */
    fake_hal_console_clear();
    for (unsigned i = 0; i < 300; i++)
        axvm_vm_console_putc(b, (char)('0' + i % 10));
    axvm_vm_console_putc(b, '\n');
    assert_int_equal(fake_hal_console_len, 301 + strlen("[beta] "));
    assert_memory_equal(fake_hal_console, "[beta] 0123456789", 17);
}

static struct axvm_exit hc(uint64_t nr, uint64_t a0)
{
    struct axvm_exit e;
    memset(&e, 0, sizeof(e));
    e.reason = AXVM_EXIT_HYPERCALL;
    e.u.hypercall.nr = nr;
    e.u.hypercall.args[0] = a0;
    return e;
}

static void test_ivc_find(void **state)
{
    (void)state;
    unit_config(&ca, 1, "a", 1, 0);
    unit_config(&cb, 2, "b", 1, 1);
    struct axvm_vm *a = unit_vm(&ca), *b = unit_vm(&cb);
    uint32_t id = 0, found = 0;
    assert_int_equal(axvm_ivc_alloc(a, 0x10000000, 40, b, 0x20000000, 41, 0x1000, &id), AXVM_OK);
    assert_int_equal(axvm_ivc_find(a, 0x10000000, &found), AXVM_OK);
    assert_int_equal(found, id);
    assert_int_equal(axvm_ivc_find(b, 0x20000000, &found), AXVM_OK);
    assert_int_equal(found, id);
    /* only the first page of the window, only the VM's own end */
    assert_int_equal(axvm_ivc_find(a, 0x20000000, &found), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_find(b, 0x10000000, &found), AXVM_ENOENT);
    assert_int_equal(axvm_ivc_find(a, 0x10001000, &found), AXVM_ENOENT);

    struct axvm_exit e = hc(AXVM_HC_IVC_FIND, 0x20000000);
    assert_int_equal(axvm_hypercall_dispatch(&b->vcpus[0], &e), id);
    e = hc(AXVM_HC_IVC_FIND, 0x30000000);
    assert_int_equal((int64_t)axvm_hypercall_dispatch(&b->vcpus[0], &e), AXVM_ENOENT);

    assert_int_equal(axvm_ivc_release(id, a), AXVM_OK);
    assert_int_equal(axvm_ivc_find(a, 0x10000000, &found), AXVM_ENOENT);
    e = hc(AXVM_HC_IVC_FIND, 0x20000000);
    assert_int_equal((int64_t)axvm_hypercall_dispatch(&b->vcpus[0], &e), AXVM_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prefix_off_is_raw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ivc_find, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
