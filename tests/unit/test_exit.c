/* axvm_vcpu_handle_exit: halt, CPU up/down, system off/reset, IPIs,
 * hypercalls (including IVC argument validation), entry failures. */
#include "unit_helpers.h"

#include "axvm/hypercall.h"
#include "axvm/ivc.h"

static struct axvm_vm_config cfg;

static struct axvm_vm *vm4(void)
{
    unit_config(&cfg, 1, "four", 4, 0);
    return unit_vm_running(&cfg);
}

static uint64_t last_ret(struct axvm_vcpu *v)
{
    struct fake_vcpu *f = fake_vcpu(v);
    assert_true(f->n_ret > 0);
    return f->ret[f->n_ret - 1];
}

static void test_halt(void **state)
{
    (void)state;
    struct axvm_vm *vm = vm4();
    struct axvm_vcpu *v = &vm->vcpus[0];
    struct axvm_exit e = ex_simple(AXVM_EXIT_HALT);
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
    /* an interrupt wakes it */
    assert_int_equal(axvm_vm_inject_irq(vm, 1, 27), AXVM_OK);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    /* with an interrupt pending, WFI does not block */
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    fake_vcpu(v)->irq_pending = false;
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
}

/* An interrupt injected between the core's "anything pending?" check and the
 * vCPU becoming BLOCKED finds it still READY and does not wake it: the core
 * must look again, or the vCPU sleeps with an interrupt pending. */
static struct axvm_vm *race_vm;
static void inject_during_check(struct axvm_vcpu *vcpu)
{
    fake_irq_pending_hook = NULL;
    assert_int_equal(axvm_vcpu_state(vcpu), AXVM_VCPU_READY);
    assert_int_equal(axvm_vm_inject_irq(race_vm, 1, 99), AXVM_OK);
}

static void test_halt_race(void **state)
{
    (void)state;
    race_vm = vm4();
    struct axvm_vcpu *v = &race_vm->vcpus[0];
    fake_irq_pending_hook = inject_during_check;
    struct axvm_exit e = ex_simple(AXVM_EXIT_HALT);
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(fake_vcpu(v)->irqs[0], 99);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
}

static void test_cpu_up(void **state)
{
    (void)state;
    struct axvm_vm *vm = vm4();
    struct axvm_vcpu *v = &vm->vcpus[0];
    struct axvm_exit e = ex_simple(AXVM_EXIT_CPU_UP);
    /* unknown target */
    e.u.cpu_up.target = 0x100;
    e.u.cpu_up.entry = U_RAM_BASE + 0x1000;
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), FAKE_GUEST_ERR(AXVM_EINVAL));
    /* already on (itself) */
    e.u.cpu_up.target = 0;
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), FAKE_GUEST_ERR(AXVM_EALREADY));
    /* entry outside RAM */
    e.u.cpu_up.target = 2;
    e.u.cpu_up.entry = 0x1000;
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), FAKE_GUEST_ERR(AXVM_EFAULT));
    e.u.cpu_up.entry = U_RAM_BASE + U_RAM_SIZE - 2; /* straddles the end */
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), FAKE_GUEST_ERR(AXVM_EFAULT));
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[2]), AXVM_VCPU_FREE);
    /* success: set up at the entry with the argument, READY, its pCPU kicked */
    e.u.cpu_up.entry = U_RAM_BASE + 0x2000;
    e.u.cpu_up.arg = 0xfeed;
    unsigned kicks = fake_hal_kicks[2];
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), 0);
    struct fake_vcpu *t = fake_vcpu(&vm->vcpus[2]);
    assert_int_equal(t->setups, 1);
    assert_int_equal(t->setup_entry, U_RAM_BASE + 0x2000);
    assert_int_equal(t->setup_arg, 0xfeed);
    assert_int_equal(t->setup_root, vm->as.pt.root_pa);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[2]), AXVM_VCPU_READY);
    assert_int_equal(fake_hal_kicks[2], kicks + 1);
    /* twice: already on */
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), FAKE_GUEST_ERR(AXVM_EALREADY));
    /* backend setup failure: an error for the guest, target stays off */
    e.u.cpu_up.target = 3;
    fake_fail.vcpu_setup = 1;
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), FAKE_GUEST_ERR(AXVM_EIO));
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[3]), AXVM_VCPU_FREE);
}

static void test_cpu_down(void **state)
{
    (void)state;
    struct axvm_vm *vm = vm4();
    struct axvm_exit up = ex_simple(AXVM_EXIT_CPU_UP);
    up.u.cpu_up.target = 1;
    up.u.cpu_up.entry = U_RAM_BASE;
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[0], &up), AXVM_OK);
    struct axvm_exit down = ex_simple(AXVM_EXIT_CPU_DOWN);
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[0], &down), AXVM_OK);
    assert_int_equal(axvm_vcpu_state(&vm->vcpus[0]), AXVM_VCPU_FREE);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_RUNNING); /* vCPU 1 still on */
    /* it can be started again */
    up.u.cpu_up.target = 0;
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[1], &up), AXVM_OK);
    assert_int_equal(last_ret(&vm->vcpus[1]), 0);
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[0], &down), AXVM_OK);
    /* the last one off stops the VM */
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[1], &down), AXVM_OK);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPED);
}

static void test_system_down_reset(void **state)
{
    (void)state;
    struct axvm_vm *vm = vm4();
    struct axvm_exit e = ex_simple(AXVM_EXIT_SYSTEM_RESET);
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[0], &e), AXVM_OK);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_RUNNING);
    assert_int_equal(vm->boot_count, 2);
    assert_int_equal(fake_vm(vm)->resets, 1);
    e = ex_simple(AXVM_EXIT_SYSTEM_DOWN);
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[0], &e), AXVM_OK);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPED);
    assert_true(fake_hal_console_has("powered off by the guest"));
}

static void test_ipi(void **state)
{
    (void)state;
    struct axvm_vm *vm = vm4();
    struct axvm_exit e = ex_simple(AXVM_EXIT_SEND_IPI);
    e.u.ipi.dest = AXVM_IPI_TARGETS;
    e.u.ipi.targets = (1u << 1) | (1u << 3) | (1ull << 40); /* 40 does not exist */
    e.u.ipi.vector = 5;
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[0], &e), AXVM_OK);
    assert_int_equal(fake_vcpu(&vm->vcpus[1])->n_irqs, 1);
    assert_int_equal(fake_vcpu(&vm->vcpus[1])->irqs[0], 5);
    assert_int_equal(fake_vcpu(&vm->vcpus[3])->n_irqs, 1);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->n_irqs, 0);
    assert_int_equal(fake_vcpu(&vm->vcpus[2])->n_irqs, 0);
    e.u.ipi.dest = AXVM_IPI_SELF;
    e.u.ipi.vector = 6;
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[2], &e), AXVM_OK);
    assert_int_equal(fake_vcpu(&vm->vcpus[2])->n_irqs, 1);
    assert_int_equal(fake_vcpu(&vm->vcpus[2])->irqs[0], 6);
    e.u.ipi.dest = AXVM_IPI_ALL_BUT_SELF;
    e.u.ipi.vector = 7;
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[2], &e), AXVM_OK);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->n_irqs, 1);
    assert_int_equal(fake_vcpu(&vm->vcpus[1])->n_irqs, 2);
    assert_int_equal(fake_vcpu(&vm->vcpus[2])->n_irqs, 1);
    assert_int_equal(fake_vcpu(&vm->vcpus[3])->n_irqs, 2);
    /* nobody at all: fine */
    e.u.ipi.dest = AXVM_IPI_TARGETS;
    e.u.ipi.targets = 1ull << 50;
    assert_int_equal(axvm_vcpu_handle_exit(&vm->vcpus[2], &e), AXVM_OK);
}

static void test_hypercalls_basic(void **state)
{
    (void)state;
    struct axvm_vm *vm = vm4();
    struct axvm_vcpu *v = &vm->vcpus[0];
    struct axvm_exit e = ex_hypercall(AXVM_HC_VERSION, 0, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), (AXVM_VERSION_MAJOR << 16) | AXVM_VERSION_MINOR);
    e = ex_hypercall(AXVM_HC_VM_ID, 0, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), 1);
    const char *msg = "hi\n";
    for (const char *p = msg; *p; p++) {
        e = ex_hypercall(AXVM_HC_DEBUG_PUTC, 0x100 | (uint8_t)*p, 0, 0, 0, 0, 0);
        assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
        assert_int_equal(last_ret(v), 0);
    }
    assert_true(fake_hal_console_has("hi\n"));
    e = ex_hypercall(AXVM_HC_COUNT_, 0, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), (uint64_t)(int64_t)AXVM_ENOTSUP);
    e = ex_hypercall(0xffffffffffffffffull, 0, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
    assert_int_equal(last_ret(v), (uint64_t)(int64_t)AXVM_ENOTSUP);
}

static void test_hypercalls_ivc(void **state)
{
    (void)state;
    struct axvm_vm_config c2;
    unit_config(&cfg, 1, "a", 1, 0);
    unit_config(&c2, 2, "b", 1, 1);
    struct axvm_vm *a = unit_vm_running(&cfg);
    struct axvm_vm *b = unit_vm_running(&c2);
    struct axvm_vm_config c3;
    unit_config(&c3, 3, "c", 1, 2);
    struct axvm_vm *c = unit_vm_running(&c3);
    struct axvm_vcpu *va = &a->vcpus[0], *vb = &b->vcpus[0], *vc = &c->vcpus[0];
    const uint64_t G = 0x80000000;
    /* what the configuration declares: a <-> b, doorbells 40 in a and 41 in
     * b, plus a second channel with 44 in a and 45 in b; c is linked to
     * nobody. The configured channel is released again at once: the link
     * stays. */
    assert_int_equal(axvm_ivc_link(a, b, 40, 41), AXVM_OK);
    assert_int_equal(axvm_ivc_link(b, a, 45, 44), AXVM_OK);
    uint32_t cfg_id;
    assert_int_equal(axvm_ivc_alloc(a, 0x90000000, 40, b, 0x90000000, 41, 0x1000, &cfg_id), AXVM_OK);
    assert_int_equal(axvm_ivc_release(cfg_id, NULL), AXVM_OK);
    struct { uint64_t args[6]; int err; } bad[] = {
        {{9, G, G, 0x1000, 40, 41}, AXVM_ENOENT},                 /* no such peer */
        {{3, G, G, 0x1000, 40, 41}, AXVM_ENOENT},                 /* c exists, but is not linked to a */
        {{3, G + 1, G, 0, 1ull << 31, 27}, AXVM_ENOENT},          /* ... whatever else is wrong: as for 9 */
        {{9, G + 1, G, 0, 1ull << 31, 27}, AXVM_ENOENT},
        {{1, G, G, 0x1000, 40, 41}, AXVM_EINVAL},                 /* itself */
        {{2, G, G, 0x1000, 42, 41}, AXVM_EINVAL},                 /* my doorbell not declared */
        {{2, G, G, 0x1000, 40, 27}, AXVM_EINVAL},                 /* the peer's timer PPI */
        {{2, G, G, 0x1000, 40, 1}, AXVM_EINVAL},                  /* an SGI in the peer */
        {{2, G, G, 0x1000, 41, 40}, AXVM_EINVAL},                 /* the pair's irqs, wrong ends */
        {{2, G, G, 0x1000, 45, 44}, AXVM_EINVAL},
        {{2, G, U_RAM_BASE + 0x1000, 0x1000, 40, 41}, AXVM_EOVERLAP}, /* over the peer's RAM */
        {{2, G, U_TESTDEV, 0x1000, 40, 41}, AXVM_EOVERLAP},       /* over the peer's device */
        {{1ull << 32 | 2, G, G, 0x1000, 40, 41}, AXVM_EINVAL},    /* id out of range */
        {{2, G + 1, G, 0x1000, 40, 41}, AXVM_EINVAL},             /* misaligned */
        {{2, G, G, 0, 40, 41}, AXVM_EINVAL},                      /* empty */
        {{2, G, G, 1ull << 40, 40, 41}, AXVM_EINVAL},             /* huge */
        {{2, G, G, 0x1000, 1ull << 33, 41}, AXVM_EINVAL},         /* irq out of range */
        {{2, U_RAM_BASE, G, 0x1000, 40, 41}, AXVM_EOVERLAP},      /* over my RAM */
        {{2, G, U_TESTDEV - 0x1000, 0x2000, 40, 41}, AXVM_EOVERLAP}, /* over the peer's device */
        {{2, UINT64_MAX & ~0xfffull, G, 0x2000, 40, 41}, AXVM_EINVAL}, /* wraps */
        {{2, G, G, 0x1000, 40, 41}, 0}, /* fine (released again below) */
        {{2, G, G, 0x1000, 44, 45}, 0}, /* the second declared pair */
        {{2, G, G, 0x1000, 40, 45}, 0}, /* each end picks among its own declared doorbells */
    };
    for (unsigned i = 0; i < AXVM_ARRAY_SIZE(bad); i++) {
        const uint64_t *x = bad[i].args;
        struct axvm_exit e = ex_hypercall(AXVM_HC_IVC_ALLOC, x[0], x[1], x[2], x[3], x[4], x[5]);
        assert_int_equal(axvm_vcpu_handle_exit(va, &e), AXVM_OK);
        if (bad[i].err) {
            if (last_ret(va) != (uint64_t)(int64_t)bad[i].err)
                fail_msg("case %u: got %lld want %d", i, (long long)last_ret(va), bad[i].err);
        } else {
            assert_true((int64_t)last_ret(va) > 0);
            e = ex_hypercall(AXVM_HC_IVC_RELEASE, last_ret(va), 0, 0, 0, 0, 0);
            assert_int_equal(axvm_vcpu_handle_exit(va, &e), AXVM_OK);
            assert_int_equal(last_ret(va), 0);
        }
    }
    /* c towards a or b: as if they did not exist, so nothing is mapped */
    for (uint64_t peer = 1; peer <= 2; peer++) {
        struct axvm_exit e = ex_hypercall(AXVM_HC_IVC_ALLOC, peer, G, G, 0x1000, 40, 41);
        assert_int_equal(axvm_vcpu_handle_exit(vc, &e), AXVM_OK);
        assert_int_equal(last_ret(vc), (uint64_t)(int64_t)AXVM_ENOENT);
    }
    assert_null(axvm_as_find(&c->as, G));
    assert_null(axvm_as_find(&a->as, G));
    /* b's end of the link works from b's side too: its doorbell first */
    struct axvm_exit e = ex_hypercall(AXVM_HC_IVC_ALLOC, 1, G, G, 0x1000, 41, 40);
    assert_int_equal(axvm_vcpu_handle_exit(vb, &e), AXVM_OK);
    assert_true((int64_t)last_ret(vb) > 0);
    e = ex_hypercall(AXVM_HC_IVC_RELEASE, last_ret(vb), 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(va, &e), AXVM_OK);
    assert_int_equal(last_ret(va), 0);
    e = ex_hypercall(AXVM_HC_IVC_ALLOC, 1, G, G, 0x1000, 40, 41);
    assert_int_equal(axvm_vcpu_handle_exit(vb, &e), AXVM_OK);
    assert_int_equal(last_ret(vb), (uint64_t)(int64_t)AXVM_EINVAL);
    /* a good one */
    e = ex_hypercall(AXVM_HC_IVC_ALLOC, 2, G, G + 0x10000, 0x3000, 40, 41);
    assert_int_equal(axvm_vcpu_handle_exit(va, &e), AXVM_OK);
    uint64_t id = last_ret(va);
    assert_true((int64_t)id > 0);
    /* both sides see the same memory */
    uint32_t word = 0xcafe;
    assert_int_equal(axvm_as_write(&a->as, G + 8, &word, 4), AXVM_OK);
    word = 0;
    assert_int_equal(axvm_as_read(&b->as, G + 0x10000 + 8, &word, 4), AXVM_OK);
    assert_int_equal(word, 0xcafe);
    /* info, from either end; a stranger sees nothing */
    e = ex_hypercall(AXVM_HC_IVC_INFO, id, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(vb, &e), AXVM_OK);
    assert_int_equal(last_ret(vb), 0x3000);
    assert_int_equal(axvm_vcpu_handle_exit(vc, &e), AXVM_OK);
    assert_int_equal(last_ret(vc), (uint64_t)(int64_t)AXVM_ENOENT);
    e = ex_hypercall(AXVM_HC_IVC_INFO, id + 1, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(vb, &e), AXVM_OK);
    assert_int_equal(last_ret(vb), (uint64_t)(int64_t)AXVM_ENOENT);
    /* doorbell: a rings b's irq 41 on b's vCPU 0 */
    e = ex_hypercall(AXVM_HC_IVC_DOORBELL, id, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(va, &e), AXVM_OK);
    assert_int_equal(last_ret(va), 0);
    assert_int_equal(fake_vcpu(vb)->n_irqs, 1);
    assert_int_equal(fake_vcpu(vb)->irqs[0], 41);
    assert_int_equal(axvm_vcpu_handle_exit(vb, &e), AXVM_OK);
    assert_int_equal(fake_vcpu(va)->irqs[0], 40);
    assert_int_equal(axvm_vcpu_handle_exit(vc, &e), AXVM_OK); /* stranger */
    assert_int_equal(last_ret(vc), (uint64_t)(int64_t)AXVM_ENOENT);
    assert_int_equal(fake_vcpu(vc)->n_irqs, 0);
    /* a stranger cannot release it; an end can, once */
    e = ex_hypercall(AXVM_HC_IVC_RELEASE, id, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(vc, &e), AXVM_OK);
    assert_int_equal(last_ret(vc), (uint64_t)(int64_t)AXVM_ENOENT);
    assert_int_equal(axvm_vcpu_handle_exit(vb, &e), AXVM_OK);
    assert_int_equal(last_ret(vb), 0);
    assert_int_equal(axvm_vcpu_handle_exit(va, &e), AXVM_OK);
    assert_int_equal(last_ret(va), (uint64_t)(int64_t)AXVM_ENOENT);
    assert_null(axvm_as_find(&a->as, G));
    assert_null(axvm_as_find(&b->as, G + 0x10000));
    e = ex_hypercall(AXVM_HC_IVC_RELEASE, 1ull << 40, 0, 0, 0, 0, 0);
    assert_int_equal(axvm_vcpu_handle_exit(va, &e), AXVM_OK);
    assert_int_equal(last_ret(va), (uint64_t)(int64_t)AXVM_ENOENT);
}

static void test_misc_exits(void **state)
{
    (void)state;
    struct axvm_vm *vm = vm4();
    struct axvm_vcpu *v = &vm->vcpus[0];
    enum axvm_exit_reason quiet[] = {AXVM_EXIT_NOTHING, AXVM_EXIT_EXTERNAL_INTERRUPT, AXVM_EXIT_MMIO_READ,
                                     AXVM_EXIT_NESTED_PAGE_FAULT};
    for (unsigned i = 0; i < AXVM_ARRAY_SIZE(quiet); i++) {
        struct axvm_exit e = ex_simple(quiet[i]);
        assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_OK);
        assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    }
    struct axvm_exit e = ex_simple(AXVM_EXIT_COUNT_);
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_EINVAL);
    assert_int_equal(axvm_vcpu_handle_exit(NULL, &e), AXVM_EINVAL);
    /* entry failure: vCPU invalid, VM stopped, reason logged */
    e = ex_simple(AXVM_EXIT_FAIL_ENTRY);
    e.u.fail_entry.hw_reason = 0x21;
    assert_int_equal(axvm_vcpu_handle_exit(v, &e), AXVM_EIO);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_INVALID);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPED);
    assert_true(fake_hal_console_has("hardware reason 0x21"));
    assert_int_equal(vm->exit_status, AXVM_EIO);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_halt), T(test_halt_race), T(test_cpu_up), T(test_cpu_down), T(test_system_down_reset), T(test_ipi),
        T(test_hypercalls_basic), T(test_hypercalls_ivc), T(test_misc_exits),
    };
    return cmocka_run_group_tests_name("exit", tests, NULL, NULL);
}
