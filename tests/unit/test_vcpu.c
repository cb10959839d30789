/* vCPU state machine, register access, read completion (width / sign
 * extension / register width) and the run loop: MMIO, port, sysreg and
 * nested-page-fault exits through the real device manager, the unhandled
 * policies, device errors, backend failures, counters and the trace. */
#include "unit_helpers.h"

#include "axvm/testdev.h"

static struct axvm_vm_config cfg;

static struct axvm_vcpu *boot_vcpu(enum axvm_unhandled_policy policy)
{
    unit_config(&cfg, 1, "t", 2, 0);
    cfg.unhandled = policy;
    struct axvm_vm *vm = unit_vm_running(&cfg);
    return &vm->vcpus[0];
}

static void test_state_machine(void **state)
{
    (void)state;
    struct axvm_vcpu v;
    memset(&v, 0, sizeof(v));
    atomic_init(&v.state, AXVM_VCPU_CREATED);
    /* legal path */
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_CREATED, AXVM_VCPU_FREE), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_FREE, AXVM_VCPU_READY), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_READY, AXVM_VCPU_RUNNING), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_RUNNING, AXVM_VCPU_READY), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_READY, AXVM_VCPU_BLOCKED), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_BLOCKED, AXVM_VCPU_READY), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_READY, AXVM_VCPU_FREE), AXVM_OK);
    /* illegal transitions */
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_FREE, AXVM_VCPU_RUNNING), AXVM_ESTATE);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_FREE, AXVM_VCPU_BLOCKED), AXVM_ESTATE);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_FREE, AXVM_VCPU_CREATED), AXVM_ESTATE);
    /* `from` must be the current state */
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_READY, AXVM_VCPU_RUNNING), AXVM_ESTATE);
    assert_int_equal(axvm_vcpu_state(&v), AXVM_VCPU_FREE);
    /* INVALID from anywhere, and only FREE out of it */
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_FREE, AXVM_VCPU_INVALID), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_INVALID, AXVM_VCPU_READY), AXVM_ESTATE);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_INVALID, AXVM_VCPU_FREE), AXVM_OK);
    assert_int_equal(axvm_vcpu_set_state(&v, AXVM_VCPU_FREE, (enum axvm_vcpu_state)17), AXVM_EINVAL);
    assert_int_equal(axvm_vcpu_set_state(NULL, AXVM_VCPU_FREE, AXVM_VCPU_READY), AXVM_EINVAL);
}

static void test_gpr_access(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    uint64_t x;
    assert_int_equal(axvm_vcpu_set_gpr(v, 5, 0xabc), AXVM_OK);
    assert_int_equal(axvm_vcpu_get_gpr(v, 5, &x), AXVM_OK);
    assert_int_equal(x, 0xabc);
    /* the core refuses indexes no architecture has; the backend its own */
    assert_int_equal(axvm_vcpu_set_gpr(v, 32, 1), AXVM_ERANGE);
    assert_int_equal(axvm_vcpu_get_gpr(v, 1000, &x), AXVM_ERANGE);
    assert_int_equal(axvm_vcpu_get_gpr(v, AXVM_REG_DEFERRED, &x), AXVM_ERANGE);
    assert_int_equal(axvm_vcpu_set_gpr(v, 31, 1), AXVM_ERANGE); /* fake backend has x0..x30 */
    assert_int_equal(axvm_vcpu_get_gpr(v, 5, NULL), AXVM_EINVAL);
    assert_int_equal(axvm_vcpu_set_gpr(NULL, 5, 1), AXVM_EINVAL);
    /* the deferred register goes to the backend */
    assert_int_equal(axvm_vcpu_set_gpr(v, AXVM_REG_DEFERRED, 77), AXVM_OK);
    assert_int_equal(fake_vcpu(v)->deferred, 77);
}

/* complete_read over every width, both register widths, with and without
 * sign extension, on values with and without the sign bit. */
static void test_sign_extension_matrix(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    static const struct {
        unsigned w, rw;
        bool sx;
        uint64_t in, out;
    } cases[] = {
        {1, 8, false, 0xfffffffffffff080ull, 0x80},
        {1, 8, true, 0x80, 0xffffffffffffff80ull},
        {1, 8, true, 0x7f, 0x7f},
        {1, 4, true, 0x80, 0xffffff80ull},
        {1, 4, false, 0x1ff, 0xff},
        {2, 8, true, 0x8001, 0xffffffffffff8001ull},
        {2, 8, true, 0x12348001, 0xffffffffffff8001ull},
        {2, 4, true, 0x8001, 0xffff8001ull},
        {2, 8, false, 0xffff8001, 0x8001},
        {2, 4, true, 0x7001, 0x7001},
        {4, 8, true, 0x80000000, 0xffffffff80000000ull},
        {4, 8, false, 0xffffffff80000000ull, 0x80000000},
        {4, 4, true, 0x80000000, 0x80000000},       /* W register: upper half cleared */
        {4, 4, false, 0xdeadbeef12345678ull, 0x12345678},
        {8, 8, true, 0x8000000000000000ull, 0x8000000000000000ull},
        {8, 8, false, 0x0123456789abcdefull, 0x0123456789abcdefull},
        {4, 0, true, 0x80000000, 0xffffffff80000000ull}, /* reg_width 0 = full register */
    };
    for (unsigned i = 0; i < AXVM_ARRAY_SIZE(cases); i++) {
        struct axvm_exit e = ex_mmio_read(U_TESTDEV, cases[i].w, 3, cases[i].rw, cases[i].sx);
        fake_vcpu(v)->gpr[3] = 0x5555555555555555ull;
        assert_int_equal(axvm_vcpu_complete_read(v, &e, cases[i].in), AXVM_OK);
        if (fake_vcpu(v)->gpr[3] != cases[i].out)
            fail_msg("case %u: w %u rw %u sx %d in 0x%llx: got 0x%llx want 0x%llx", i, cases[i].w, cases[i].rw,
                     cases[i].sx, (unsigned long long)cases[i].in, (unsigned long long)fake_vcpu(v)->gpr[3],
                     (unsigned long long)cases[i].out);
    }
    /* bad widths */
    struct axvm_exit e = ex_mmio_read(U_TESTDEV, 3, 3, 8, false);
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 1), AXVM_EWIDTH);
    e = ex_mmio_read(U_TESTDEV, 16, 3, 8, false);
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 1), AXVM_EWIDTH);
    e = ex_mmio_read(U_TESTDEV, 8, 3, 4, false); /* 8 bytes into a W register */
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 1), AXVM_EWIDTH);
    e = ex_mmio_read(U_TESTDEV, 4, 3, 2, false);
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 1), AXVM_EWIDTH);
    /* out-of-range register */
    e = ex_mmio_read(U_TESTDEV, 4, 40, 8, false);
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 1), AXVM_ERANGE);
    /* deferred completion (KVM): the adjusted value goes to the backend */
    e = ex_mmio_read(U_TESTDEV, 2, AXVM_REG_DEFERRED, 8, true);
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 0xff80), AXVM_OK);
    assert_int_equal(fake_vcpu(v)->deferred, 0xffffffffffffff80ull);
    /* port and sysreg reads */
    e = ex_simple(AXVM_EXIT_IO_READ);
    e.u.io.width = 2;
    e.u.io.reg = 0;
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 0x123456), AXVM_OK);
    assert_int_equal(fake_vcpu(v)->gpr[0], 0x3456);
    e.u.io.width = 8;
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 1), AXVM_EWIDTH);
    e = ex_simple(AXVM_EXIT_SYSREG_READ);
    e.u.sysreg.reg = 7;
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 0xfedcba9876543210ull), AXVM_OK);
    assert_int_equal(fake_vcpu(v)->gpr[7], 0xfedcba9876543210ull);
    e = ex_simple(AXVM_EXIT_HALT);
    assert_int_equal(axvm_vcpu_complete_read(v, &e, 1), AXVM_EINVAL);
    assert_int_equal(axvm_vcpu_complete_read(NULL, &e, 1), AXVM_EINVAL);
}

static void test_run_mmio(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    struct fake_vcpu *f = fake_vcpu(v);
    struct axvm_exit e;
    /* write SCRATCH, read it back sign-extended through the real test device */
    e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_SCRATCH, 8, 0x80);
    fake_script(v, &e);
    e = ex_mmio_read(U_TESTDEV + AXVM_TESTDEV_SCRATCH, 1, 9, 8, true);
    fake_script(v, &e);
    e = ex_mmio_read(U_TESTDEV + AXVM_TESTDEV_PATTERN, 4, 10, 4, false);
    fake_script(v, &e);
    struct axvm_exit halt = ex_simple(AXVM_EXIT_HALT);
    halt.guest_pc = 0x40000123;
    fake_script(v, &halt);
    struct axvm_exit out;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    /* the core handled three exits and returned the fourth */
    assert_int_equal(out.reason, AXVM_EXIT_HALT);
    assert_int_equal(out.guest_pc, 0x40000123);
    assert_int_equal(f->runs, 4);
    assert_int_equal(f->gpr[9], 0xffffffffffffff80ull);
    assert_int_equal(f->gpr[10], 0xB5A69788);
    assert_int_equal(f->n_faults, 0);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    assert_int_equal(v->stats.exits[AXVM_EXIT_MMIO_READ], 2);
    assert_int_equal(v->stats.exits[AXVM_EXIT_MMIO_WRITE], 1);
    assert_int_equal(v->stats.exits[AXVM_EXIT_HALT], 1);
    /* an empty script: NOTHING, back to the caller */
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    assert_int_equal(out.reason, AXVM_EXIT_NOTHING);
    /* only a READY vCPU runs */
    assert_int_equal(axvm_vcpu_set_state(v, AXVM_VCPU_READY, AXVM_VCPU_BLOCKED), AXVM_OK);
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_ESTATE);
    assert_int_equal(axvm_vcpu_run(NULL, &out), AXVM_EINVAL);
}

static void test_device_errors_fault(void **state)
{
    (void)state;
    /* even under RAZ/WI, a device refusing an access faults */
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_RAZ_WI);
    struct fake_vcpu *f = fake_vcpu(v);
    struct axvm_exit e[] = {
        ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_PATTERN, 4, 1), /* read-only */
        ex_mmio_read(U_TESTDEV + AXVM_TESTDEV_STRICT, 2, 1, 8, false), /* strict: 4 only */
        ex_mmio_read(U_TESTDEV + AXVM_TESTDEV_STRICT + 2, 4, 1, 8, false), /* misaligned */
        ex_mmio_read(U_TESTDEV + AXVM_TESTDEV_SCRATCH, 3, 1, 8, false), /* width 3 */
        ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_SCRATCH, 16, 0),         /* width 16 */
    };
    for (unsigned i = 0; i < AXVM_ARRAY_SIZE(e); i++)
        fake_script(v, &e[i]);
    struct axvm_exit out;
    f->gpr[1] = 0x99;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    assert_int_equal(out.reason, AXVM_EXIT_NOTHING);
    assert_int_equal(f->n_faults, 5);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(f->faults[i].reason, e[i].reason);
    assert_int_equal(f->faults[1].u.mmio_read.addr, U_TESTDEV + AXVM_TESTDEV_STRICT);
    assert_int_equal(f->gpr[1], 0x99); /* never written */
    assert_int_equal(v->stats.faults_injected, 5);
}

/* One unhandled read and write under each policy. */
static void run_unhandled(enum axvm_unhandled_policy p, struct axvm_vcpu **vout)
{
    struct axvm_vcpu *v = boot_vcpu(p);
    struct axvm_exit e = ex_mmio_read(U_TESTDEV + 0x800, 4, 2, 8, false);
    fake_script(v, &e);
    e = ex_mmio_write(0x12345000, 4, 7);
    fake_script(v, &e);
    e = ex_simple(AXVM_EXIT_HYPERCALL);
    fake_script(v, &e);
    fake_vcpu(v)->gpr[2] = 0x77;
    struct axvm_exit out;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    *vout = v;
    if (p == AXVM_UNHANDLED_STOP_VM) {
        assert_int_equal(out.reason, AXVM_EXIT_NOTHING);
    } else {
        assert_int_equal(out.reason, AXVM_EXIT_HYPERCALL);
    }
}

static void test_policy_fault(void **state)
{
    (void)state;
    struct axvm_vcpu *v;
    run_unhandled(AXVM_UNHANDLED_FAULT, &v);
    assert_int_equal(fake_vcpu(v)->n_faults, 2);
    assert_int_equal(fake_vcpu(v)->gpr[2], 0x77);
    assert_int_equal(v->vm->devices.unhandled_total, 2);
    assert_int_equal(v->vm->devices.n_unhandled, 2);
    assert_int_equal(v->vm->devices.unhandled[0].addr, U_TESTDEV + 0x800);
}

static void test_policy_raz_wi(void **state)
{
    (void)state;
    struct axvm_vcpu *v;
    run_unhandled(AXVM_UNHANDLED_RAZ_WI, &v);
    assert_int_equal(fake_vcpu(v)->n_faults, 0);
    assert_int_equal(fake_vcpu(v)->gpr[2], 0); /* read as zero */
    assert_int_equal(v->vm->devices.unhandled_total, 2);
    assert_int_equal(axvm_vm_state(v->vm), AXVM_VM_RUNNING);
}

static void test_policy_stop_vm(void **state)
{
    (void)state;
    struct axvm_vcpu *v;
    run_unhandled(AXVM_UNHANDLED_STOP_VM, &v);
    assert_int_equal(fake_vcpu(v)->n_faults, 0);
    assert_int_equal(fake_vcpu(v)->runs, 1); /* stopped at the first one */
    assert_int_equal(axvm_vm_state(v->vm), AXVM_VM_STOPPING);
    axvm_vm_park_vcpu(v); /* what its pCPU loop does next */
    assert_int_equal(axvm_vm_state(v->vm), AXVM_VM_STOPPED);
    assert_int_equal(v->vm->exit_status, AXVM_ENODEV);
    assert_true(fake_hal_console_has("unhandled MMIO_READ"));
}

static void test_ports_sysregs_npf(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    struct fake_vcpu *f = fake_vcpu(v);
    struct axvm_exit e = ex_simple(AXVM_EXIT_IO_READ);
    e.u.io.port = 0x3f8;
    e.u.io.width = 1;
    fake_script(v, &e); /* no port devices: unhandled -> fault */
    e = ex_simple(AXVM_EXIT_SYSREG_READ);
    e.u.sysreg.addr = 0x123;
    e.u.sysreg.reg = 4;
    fake_script(v, &e);
    e = ex_simple(AXVM_EXIT_NESTED_PAGE_FAULT);
    e.u.npf.addr = 0x1000; /* not guest memory */
    e.u.npf.access = AXVM_ACCESS_READ;
    fake_script(v, &e);
    e.u.npf.addr = U_RAM_BASE; /* guest memory, mapped: resolved */
    fake_script(v, &e);
    struct axvm_exit out;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    assert_int_equal(f->n_faults, 3);
    assert_int_equal(f->faults[0].reason, AXVM_EXIT_IO_READ);
    assert_int_equal(f->faults[1].reason, AXVM_EXIT_SYSREG_READ);
    assert_int_equal(f->faults[2].reason, AXVM_EXIT_NESTED_PAGE_FAULT);
    assert_int_equal(v->vm->as.page_faults, 2);
    assert_int_equal(v->vm->devices.unhandled[1].space, AXVM_SPACE_SYSREG);
    assert_int_equal(v->vm->devices.unhandled[1].width, 8);

}

static uint64_t sysreg_seen;
static int sr_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    (void)ctx;
    (void)vcpu;
    sysreg_seen = off;
    *value = 0x8000000000000001ull + width;
    return AXVM_OK;
}
static int sr_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)ctx;
    (void)vcpu;
    sysreg_seen = off ^ value ^ width;
    return AXVM_OK;
}

static void test_sysreg_device(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    static const struct axvm_dev_ops sr_ops = {sr_read, sr_write};
    struct axvm_dev d = {.name = "sr", .base = 0x5000, .size = 16, .ops = &sr_ops};
    assert_int_equal(axvm_devices_add_sysreg(&v->vm->devices, &d), AXVM_OK);
    struct axvm_exit e = ex_simple(AXVM_EXIT_SYSREG_READ);
    e.u.sysreg.addr = 0x500f;
    e.u.sysreg.reg = 6;
    fake_script(v, &e);
    struct axvm_exit out;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    assert_int_equal(sysreg_seen, 0x500f);
    assert_int_equal(fake_vcpu(v)->gpr[6], 0x8000000000000009ull); /* width 8 */
    e = ex_simple(AXVM_EXIT_SYSREG_WRITE);
    e.u.sysreg.addr = 0x5001;
    e.u.sysreg.value = 0x100;
    fake_script(v, &e);
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    assert_int_equal(sysreg_seen, 0x5001 ^ 0x100 ^ 8);
    assert_int_equal(fake_vcpu(v)->n_faults, 0);
}

static void test_backend_failure(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    fake_script_error(v, AXVM_EIO);
    struct axvm_exit out;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_EIO);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_INVALID);
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_ESTATE);
}

static void test_bad_reason_and_inject_failure(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    /* an exit reason out of range is a backend failure */
    struct axvm_exit e = ex_simple(AXVM_EXIT_COUNT_);
    fake_script(v, &e);
    struct axvm_exit out;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_EIO);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_INVALID);
    assert_int_equal(axvm_vm_shutdown(v->vm), AXVM_OK);
    assert_int_equal(axvm_vm_state(v->vm), AXVM_VM_STOPPED);
    /* reload + boot brings it back; then a fault that cannot be injected
     * invalidates the vCPU and stops the VM */
    assert_int_equal(axvm_vm_load(v->vm), AXVM_OK);
    assert_int_equal(axvm_vm_boot(v->vm), AXVM_OK);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    fake_fail.inject_fault = 1;
    e = ex_mmio_read(0x1000, 4, 1, 8, false);
    fake_script(v, &e);
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_EIO);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_INVALID);
    assert_int_equal(axvm_vm_state(v->vm), AXVM_VM_STOPPED);
}

static struct axvm_vm *hook_vm;
static void stop_during_run(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
    (void)exit;
    if (fake_vcpu(vcpu)->runs == 2)
        assert_int_equal(axvm_vm_shutdown(hook_vm), AXVM_OK);
}

static void test_prompt_stop(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    hook_vm = v->vm;
    for (int i = 0; i < 5; i++) {
        struct axvm_exit e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_SCRATCH, 8, (uint64_t)i);
        fake_script(v, &e);
    }
    fake_run_hook = stop_during_run;
    struct axvm_exit out;
    unsigned kicks = fake_hal_kicks[0];
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    /* stopped from "another CPU" while in the guest: the vCPU was kicked,
     * the loop returned after that exit, and parking finishes the stop */
    assert_int_equal(out.reason, AXVM_EXIT_NOTHING);
    assert_int_equal(fake_vcpu(v)->runs, 2);
    assert_true(fake_hal_kicks[0] > kicks);
    assert_int_equal(axvm_vm_state(v->vm), AXVM_VM_STOPPING);
    axvm_vm_park_vcpu(v);
    assert_int_equal(axvm_vm_state(v->vm), AXVM_VM_STOPPED);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_FREE);
}

static void test_kick(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    assert_int_equal(axvm_vcpu_set_state(v, AXVM_VCPU_READY, AXVM_VCPU_BLOCKED), AXVM_OK);
    unsigned k = fake_hal_kicks[v->pcpu];
    axvm_vcpu_kick(v);
    assert_int_equal(axvm_vcpu_state(v), AXVM_VCPU_READY);
    assert_int_equal(fake_hal_kicks[v->pcpu], k + 1);
    assert_true(atomic_load(&v->kick));
    /* a FREE vCPU is not started by a kick */
    struct axvm_vcpu *w = &v->vm->vcpus[1];
    axvm_vcpu_kick(w);
    assert_int_equal(axvm_vcpu_state(w), AXVM_VCPU_FREE);
    assert_int_equal(fake_hal_kicks[1], 1);
    axvm_vcpu_kick(NULL);
}

static void test_trace_and_stats(void **state)
{
    (void)state;
    struct axvm_vcpu *v = boot_vcpu(AXVM_UNHANDLED_FAULT);
    v->trace.enabled = true;
    for (unsigned i = 0; i < AXVM_TRACE_DEPTH + 3; i++) {
        struct axvm_exit e = ex_mmio_write(U_TESTDEV + AXVM_TESTDEV_SCRATCH, 8, i);
        e.guest_pc = 0x1000 + i;
        fake_script(v, &e);
        if (fake_script_left(v) == FAKE_SCRIPT_MAX - fake_vcpu(v)->pos)
            break;
    }
    unsigned n = fake_script_left(v);
    fake_hal_now = 500;
    struct axvm_exit out;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    assert_int_equal(v->trace.total, n + 1); /* + the final NOTHING */
    /* the newest entry is the NOTHING exit, the one before the last write */
    unsigned last = (v->trace.head + AXVM_TRACE_DEPTH - 1) % AXVM_TRACE_DEPTH;
    unsigned prev = (v->trace.head + AXVM_TRACE_DEPTH - 2) % AXVM_TRACE_DEPTH;
    assert_int_equal(v->trace.ring[last].reason, AXVM_EXIT_NOTHING);
    assert_int_equal(v->trace.ring[prev].reason, AXVM_EXIT_MMIO_WRITE);
    assert_int_equal(v->trace.ring[prev].value, n - 1);
    assert_int_equal(v->trace.ring[prev].pc, 0x1000 + n - 1);
    assert_int_equal(v->trace.ring[prev].addr, U_TESTDEV + AXVM_TESTDEV_SCRATCH);
    assert_int_equal(v->trace.ring[prev].time_ns, 500);
    fake_hal_console_clear();
    axvm_stats_print_vm(v->vm);
    assert_true(fake_hal_console_has("MMIO_WRITE"));
    assert_true(fake_hal_console_has("last 32 exits"));
    assert_true(fake_hal_console_has("testdev"));
    fake_hal_console_clear();
    axvm_stats_print_vcpu(&v->vm->vcpus[1]);
    assert_true(fake_hal_console_has("vcpu 1 (pcpu 1, FREE): 0 exits"));
    /* disabled: nothing recorded */
    v->trace.enabled = false;
    uint64_t total = v->trace.total;
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    assert_int_equal(v->trace.total, total);
    axvm_trace_record(NULL, &out, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, unit_setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_state_machine),   T(test_gpr_access),       T(test_sign_extension_matrix),
        T(test_run_mmio),        T(test_device_errors_fault), T(test_policy_fault),
        T(test_policy_raz_wi),   T(test_policy_stop_vm),   T(test_ports_sysregs_npf),
        T(test_sysreg_device),   T(test_backend_failure),  T(test_bad_reason_and_inject_failure),
        T(test_prompt_stop),     T(test_kick),             T(test_trace_and_stats),
    };
    return cmocka_run_group_tests_name("vcpu", tests, NULL, NULL);
}
