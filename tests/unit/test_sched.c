/* Software timers and the per-pCPU loop: run, block with and without a
 * wake-up deadline, wake by interrupt, park on stop, bind/unbind, failures. */
#include "unit_helpers.h"

#include "axvm/sched.h"
#include "axvm/testdev.h"
#include "axvm/timer.h"

static int fired[8];
static unsigned order[8], n_order;

static void tfn(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    fired[i]++;
    order[n_order++] = i;
}

static struct axvm_timer rearm_t;
static void rearm_fn(void *arg)
{
    (void)arg;
    fired[7]++;
    if (fired[7] < 3)
        axvm_timer_arm(&rearm_t, fake_hal_now + 100);
}

static void test_timers(void **state)
{
    (void)state;
    memset(fired, 0, sizeof(fired));
    n_order = 0;
    struct axvm_timer t[4];
    for (unsigned i = 0; i < 4; i++)
        axvm_timer_init(&t[i], tfn, (void *)(uintptr_t)i);
    fake_hal_now = 1000;
    axvm_timer_arm(&t[0], 5000);
    assert_int_equal(fake_hal_timer_deadline[0], 5000);
    axvm_timer_arm(&t[1], 3000);
    assert_int_equal(fake_hal_timer_deadline[0], 3000);
    axvm_timer_arm(&t[2], 4000);
    axvm_timer_arm(&t[3], 3000); /* same deadline: after t[1] */
    assert_int_equal(fake_hal_timer_deadline[0], 3000);
    /* nothing due yet */
    assert_int_equal(fake_hal_fire_timers(), 0);
    axvm_timer_tick(); /* a spurious tick is harmless */
    assert_int_equal(n_order, 0);
    fake_hal_now = 4000;
    assert_int_equal(fake_hal_fire_timers(), 1);
    assert_int_equal(n_order, 3);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 3);
    assert_int_equal(order[2], 2);
    assert_false(t[1].armed);
    assert_true(t[0].armed);
    assert_int_equal(fake_hal_timer_deadline[0], 5000);
    /* cancel the last one: the HAL timer is disarmed */
    axvm_timer_cancel(&t[0]);
    assert_false(t[0].armed);
    assert_int_equal(fake_hal_timer_deadline[0], UINT64_MAX);
    axvm_timer_cancel(&t[0]); /* twice: fine */
    /* re-arming moves a timer */
    axvm_timer_arm(&t[2], 9000);
    axvm_timer_arm(&t[2], 8000);
    assert_int_equal(fake_hal_timer_deadline[0], 8000);
    fake_hal_now = 8500;
    assert_int_equal(fake_hal_fire_timers(), 1);
    assert_int_equal(fired[2], 2);
    /* a timer re-arming itself from its callback */
    axvm_timer_init(&rearm_t, rearm_fn, NULL);
    axvm_timer_arm(&rearm_t, fake_hal_now + 100);
    for (int i = 0; i < 5; i++) {
        fake_hal_now += 100;
        fake_hal_fire_timers();
    }
    assert_int_equal(fired[7], 3);
    assert_int_equal(fake_hal_timer_deadline[0], UINT64_MAX);
    /* timers are per pCPU */
    fake_hal_cpu = 2;
    axvm_timer_arm(&t[3], fake_hal_now + 10);
    assert_int_equal(fake_hal_timer_deadline[2], fake_hal_now + 10);
    assert_int_equal(fake_hal_timer_deadline[0], UINT64_MAX);
    fake_hal_now += 10;
    fake_hal_cpu = 0;
    axvm_timer_tick();
    assert_int_equal(fired[3], 1); /* not run on pCPU 0 */
    fake_hal_cpu = 2;
    axvm_timer_tick();
    assert_int_equal(fired[3], 2);
    fake_hal_cpu = 0;
}

static void test_assign(void **state)
{
    (void)state;
    struct axvm_vcpu x, y;
    assert_int_equal(axvm_pcpu_assign(3, &x), AXVM_OK);
    assert_int_equal(axvm_pcpu_assign(3, &x), AXVM_OK);
    assert_int_equal(axvm_pcpu_assign(3, &y), AXVM_EBUSY);
    assert_int_equal(axvm_pcpu_assign(4, &y), AXVM_EINVAL); /* the fake machine has 4 */
    assert_int_equal(axvm_pcpu_assign(AXVM_MAX_PCPUS, &y), AXVM_EINVAL);
    assert_int_equal(axvm_pcpu_assign(1, NULL), AXVM_EINVAL);
    axvm_pcpu_release(3, &y); /* not its vCPU: nothing happens */
    assert_ptr_equal(axvm_pcpu_vcpu(3), &x);
    axvm_pcpu_release(3, &x);
    assert_null(axvm_pcpu_vcpu(3));
    assert_null(axvm_pcpu_vcpu(AXVM_MAX_PCPUS));
    axvm_pcpu_release(AXVM_MAX_PCPUS, &x);
}

static struct axvm_vm *vm;
static struct axvm_vm_config cfg;

static int setup_vm(void **state)
{
    unit_setup(state);
    unit_config(&cfg, 1, "s", 2, 0);
    vm = unit_vm(&cfg);
    return 0;
}

static void test_step_run_and_halt(void **state)
{
    (void)state;
    struct axvm_vcpu *v = &vm->vcpus[0];
    /* LOADED: idles */
    unsigned idles = fake_hal_idles;
    assert_false(axvm_pcpu_step());
    assert_int_equal(fake_hal_idles, idles + 1);
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    struct axvm_exit e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_SCRATCH, 8, 5);
    fake_script(v, &e);
    e = ex_simple(AXVM_EXIT_HALT);
    fake_script(v, &e);
    assert_true(axvm_pcpu_step());
    assert_int_equal(fake_vcpu(v)->binds, 1);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
    assert_int_equal(v->stats.exits[AXVM_EXIT_MMIO_WRITE], 1);
    /* blocked, no deadline: idle, still blocked */
    idles = fake_hal_idles;
    assert_false(axvm_pcpu_step());
    assert_int_equal(fake_hal_idles, idles + 1);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
    /* an interrupt (from elsewhere) wakes it; the next step runs it */
    assert_int_equal(axvm_vm_inject_irq(vm, 1, 30), AXVM_OK);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    unsigned runs = fake_vcpu(v)->runs;
    assert_true(axvm_pcpu_step());
    assert_int_equal(fake_vcpu(v)->runs, runs + 1);
    assert_int_equal(fake_vcpu(v)->binds, 1); /* bound once */
    /* pCPU 1's vCPU is FREE: idles */
    fake_hal_cpu = 1;
    assert_false(axvm_pcpu_step());
    /* a pCPU with nothing assigned idles */
    fake_hal_cpu = 3;
    assert_false(axvm_pcpu_step());
    fake_hal_cpu = 0;
}

static void idle_advance_and_fire(void)
{
    fake_hal_now += 1000;
    fake_hal_fire_timers();
}

static void test_block_with_deadline(void **state)
{
    (void)state;
    struct axvm_vcpu *v = &vm->vcpus[0];
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    struct axvm_exit e = ex_simple(AXVM_EXIT_HALT);
    fake_script(v, &e);
    assert_true(axvm_pcpu_step());
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
    /* its virtual timer fires at 2500: the loop arms a timer and idles */
    fake_vcpu(v)->wake_deadline = 2500;
    fake_hal_now = 0;
    assert_false(axvm_pcpu_step());
    assert_int_equal(fake_hal_timer_deadline[0], UINT64_MAX); /* cancelled after idling */
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
    fake_hal_idle_hook = idle_advance_and_fire; /* each idle: +1 us, timers fire */
    assert_false(axvm_pcpu_step()); /* now 1000: not yet */
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
    assert_false(axvm_pcpu_step()); /* now 2000: not yet */
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
    assert_false(axvm_pcpu_step()); /* now 3000: woken by the timer */
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    fake_hal_idle_hook = NULL;
    /* a deadline already past: no idling at all */
    fake_script(v, &e);
    assert_true(axvm_pcpu_step());
    unsigned idles = fake_hal_idles;
    assert_false(axvm_pcpu_step());
    assert_int_equal(fake_hal_idles, idles);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    /* an interrupt already pending: no idling either */
    fake_vcpu(v)->wake_deadline = UINT64_MAX;
    fake_script(v, &e);
    assert_true(axvm_pcpu_step());
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_BLOCKED);
    fake_vcpu(v)->irq_pending = true;
    assert_false(axvm_pcpu_step());
    assert_int_equal(fake_hal_idles, idles);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
}

static void test_park_and_unbind(void **state)
{
    (void)state;
    struct axvm_vcpu *v = &vm->vcpus[0];
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    assert_true(axvm_pcpu_step()); /* binds, runs (NOTHING) */
    /* stopped from elsewhere while it was RUNNING: simulate by state */
    assert_int_equal(axvm_vcpu_set_state(v, AXVM_VCPU_READY, AXVM_VCPU_RUNNING), AXVM_OK);
    assert_int_equal(axvm_vm_shutdown(vm), AXVM_OK);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPING);
    assert_int_equal(axvm_vcpu_set_state(v, AXVM_VCPU_RUNNING, AXVM_VCPU_READY), AXVM_OK);
    assert_true(axvm_pcpu_step()); /* parks it */
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPED);
    assert_false(axvm_pcpu_step()); /* stopped: unbinds and idles */
    assert_int_equal(fake_vcpu(v)->unbinds, 1);
}

static void test_guest_exit_through_loop(void **state)
{
    (void)state;
    struct axvm_vcpu *v = &vm->vcpus[0];
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    struct axvm_exit e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_PUTC, 1, 'o');
    fake_script(v, &e);
    e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_PUTC, 1, 'k');
    fake_script(v, &e);
    e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_PUTC, 1, '\n');
    fake_script(v, &e);
    e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_EXIT, 4, 3);
    fake_script(v, &e);
    e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_SCRATCH, 8, 1); /* never reached */
    fake_script(v, &e);
    int steps = 0;
    while (axvm_vm_state(vm) != AXVM_VM_STOPPED && steps++ < 10)
        axvm_pcpu_step();
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPED);
    assert_int_equal(vm->exit_status, 3);
    assert_true(fake_hal_console_has("ok\n"));
    assert_true(fake_hal_console_has("axvm: vm s exit status 3\n"));
    assert_int_equal(fake_script_left(v), 1);
}

static void test_backend_failure_stops_vm(void **state)
{
    (void)state;
    struct axvm_vcpu *v = &vm->vcpus[0];
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    fake_script_error(v, AXVM_EIO);
    assert_true(axvm_pcpu_step());
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_INVALID);
    assert_int_equal(axvm_vm_state(vm), AXVM_VM_STOPPED);
    assert_int_equal(vm->exit_status, AXVM_EIO);
}

static void test_percpu_init_once(void **state)
{
    (void)state;
    /* once per pCPU over the whole process, however often it steps */
    fake_hal_cpu = 3;
    axvm_pcpu_step();
    axvm_pcpu_step();
    assert_int_equal(fake_percpu_inits[3], 1);
    fake_hal_cpu = 0;
}

static int steps_left;
static bool stop_after(void)
{
    return steps_left-- <= 0;
}

static void test_loop(void **state)
{
    (void)state;
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    steps_left = 5;
    unsigned runs = fake_vcpu(&vm->vcpus[0])->runs;
    axvm_pcpu_loop(stop_after);
    assert_int_equal(fake_vcpu(&vm->vcpus[0])->runs, runs + 5);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_vm, unit_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_timers, unit_setup, unit_teardown),
        cmocka_unit_test_setup_teardown(test_assign, unit_setup, unit_teardown),
        T(test_step_run_and_halt), T(test_block_with_deadline), T(test_park_and_unbind),
        T(test_guest_exit_through_loop), T(test_backend_failure_stops_vm), T(test_loop), T(test_percpu_init_once),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
