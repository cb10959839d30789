/* Concurrency: threads play the physical CPUs (axvm_pcpu_step) of a 3-vCPU
 * VM whose vCPUs halt, start and stop each other, send IPIs and touch the
 * test device, while the main thread injects interrupts and reboots the VM
 * over and over, then shuts it down. Every reboot must complete, the final
 * stop too, and nothing may be left running. A hang fails by deadline. */
#include "unit_helpers.h"

#include <pthread.h>
#include <time.h>

#include "axvm/log.h"
#include "axvm/sched.h"
#include "axvm/testdev.h"

#define NCPU 3
#define REBOOTS 40

static atomic_bool stop_threads;
static struct axvm_vm *vm;
static pthread_t th[NCPU];
static bool threads_started;

static void stop_all(void)
{
    if (!threads_started)
        return;
    atomic_store(&stop_threads, true);
    for (unsigned i = 0; i < NCPU; i++)
        pthread_join(th[i], NULL);
    threads_started = false;
}

/* A failed assertion leaves the test early: stop the pCPU threads before the
 * VM is torn down under them. */
static int teardown(void **state)
{
    stop_all();
    fake_run_hook = NULL;
    return unit_teardown(state);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *pcpu_thread(void *arg)
{
    fake_hal_cpu = (unsigned)(uintptr_t)arg;
    while (!atomic_load(&stop_threads))
        (void)axvm_pcpu_step();
    return NULL;
}

/* Make up the guest's next exit from its run count. */
static void guest(struct axvm_vcpu *v, struct axvm_exit *e)
{
    if (e->reason != AXVM_EXIT_NOTHING)
        return;
    unsigned n = fake_vcpu(v)->runs;
    memset(e, 0, sizeof(*e));
    switch (n % 7) {
    case 0:
        e->reason = AXVM_EXIT_CPU_UP;
        e->u.cpu_up.target = (v->id + 1) % NCPU;
        e->u.cpu_up.entry = U_RAM_BASE;
        break;
    case 1:
        e->reason = AXVM_EXIT_MMIO_WRITE;
        e->u.mmio_write.addr = U_TESTDEV + AXVM_TESTDEV_SCRATCH;
        e->u.mmio_write.width = 8;
        e->u.mmio_write.data = n;
        break;
    case 2:
        e->reason = AXVM_EXIT_SEND_IPI;
        e->u.ipi.dest = AXVM_IPI_ALL_BUT_SELF;
        e->u.ipi.vector = 1;
        break;
    case 3:
        fake_vcpu(v)->irq_pending = false;
        e->reason = AXVM_EXIT_HALT;
        break;
    case 5:
        if (v->id != 0 && n % 5 == 0) {
            e->reason = AXVM_EXIT_CPU_DOWN;
            break;
        }
        /* fall through */
    default:
        e->reason = AXVM_EXIT_MMIO_READ;
        e->u.mmio_read.addr = U_TESTDEV + AXVM_TESTDEV_COUNT;
        e->u.mmio_read.width = 8;
        e->u.mmio_read.reg = 1;
        e->u.mmio_read.reg_width = 8;
        break;
    }
}

static void wait_state(enum axvm_vm_state want, uint64_t deadline)
{
    while (axvm_vm_state(vm) != want) {
        if (now_ms() > deadline)
            fail_msg("VM stuck in %s waiting for %s", axvm_vm_state_name(axvm_vm_state(vm)),
                     axvm_vm_state_name(want));
        /* halted vCPUs wake up on interrupts: keep some coming */
        (void)axvm_vm_inject_irq(vm, 0x7, 2);
    }
}

static void test_reboot_storm(void **state)
{
    (void)state;
    enum axvm_log_level saved = axvm_log_level;
    axvm_log_level = AXVM_LOG_ERROR; /* no concurrent console writes */
    fake_hal_console_clear();
    struct axvm_vm_config cfg;
    unit_config(&cfg, 1, "storm", NCPU, 0);
    vm = unit_vm(&cfg);
    fake_run_hook = guest;
    /* idle pCPU threads spin (no yield): the preemption this causes is what
     * opens the race windows the test is after */
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    atomic_store(&stop_threads, false);
    for (unsigned i = 0; i < NCPU; i++)
        assert_int_equal(pthread_create(&th[i], NULL, pcpu_thread, (void *)(uintptr_t)i), 0);
    threads_started = true;

    uint64_t deadline = now_ms() + 20000;
    unsigned reboots = 0;
    while (reboots < REBOOTS) {
        /* let the guest run a little: until vCPU 0 has made progress and,
         * every few rounds, all three have run since the reboot */
        unsigned base[NCPU];
        for (unsigned i = 0; i < NCPU; i++)
            base[i] = fake_vcpu(&vm->vcpus[i])->runs;
        for (unsigned i = 0; i < NCPU; i++) {
            if (i > 0 && reboots % 4)
                break;
            while (fake_vcpu(&vm->vcpus[i])->runs < base[i] + 5) {
                if (now_ms() > deadline)
                    fail_msg("vcpu %u makes no progress (%s %s %s %s; vm %s, boot %u, status %d)", i,
                             axvm_vcpu_state_name(axvm_vcpu_state(&vm->vcpus[0])),
                             axvm_vcpu_state_name(axvm_vcpu_state(&vm->vcpus[1])),
                             axvm_vcpu_state_name(axvm_vcpu_state(&vm->vcpus[2])),
                             fake_hal_console, axvm_vm_state_name(axvm_vm_state(vm)), vm->boot_count,
                             vm->exit_status);
                (void)axvm_vm_inject_irq(vm, 0x7, 3);
            }
        }
        int rc = axvm_vm_reboot(vm);
        assert_int_equal(rc, AXVM_OK);
        reboots++;
        wait_state(AXVM_VM_RUNNING, deadline);
    }
    assert_int_equal(vm->boot_count, 1 + REBOOTS);
    assert_int_equal(axvm_vm_shutdown(vm), AXVM_OK);
    wait_state(AXVM_VM_STOPPED, deadline);
    stop_all();
    for (unsigned i = 0; i < NCPU; i++)
        assert_int_equal(axvm_vcpu_state(&vm->vcpus[i]), AXVM_VCPU_FREE);
    fake_run_hook = NULL;
    axvm_log_level = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reboot_storm, unit_setup, teardown),
    };
    return cmocka_run_group_tests_name("stress", tests, NULL, NULL);
}
