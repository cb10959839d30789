/* Shared helpers of the core's unit tests (header-only). */
#ifndef AXVM_TESTS_UNIT_HELPERS_H
#define AXVM_TESTS_UNIT_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "axvm/arch.h"
#include "axvm/vm.h"
#include "fake_arch.h"
#include "fake_hal.h"

#define U_RAM_BASE 0x40000000ull
#define U_RAM_SIZE (4ull << 20)
#define U_TESTDEV 0x0B000000ull

/* Fresh fake machine and backend; returns 0 so it can be a cmocka setup. */
static inline int unit_setup(void **state)
{
    (void)state;
    fake_hal_reset();
    fake_arch_reset();
    assert_int_equal(axvm_init(&fake_arch_ops), AXVM_OK);
    return 0;
}

static inline int unit_setup_nopt(void **state)
{
    (void)state;
    fake_hal_reset();
    fake_arch_reset();
    assert_int_equal(axvm_init(&fake_arch_ops_nopt), AXVM_OK);
    return 0;
}

/* Stop and destroy every VM; fail if anything leaked. */
static inline int unit_teardown(void **state)
{
    (void)state;
    fake_arch_reset();
    struct axvm_vm *vm;
    while ((vm = axvm_vm_at(0)) != NULL) {
        enum axvm_vm_state s = axvm_vm_state(vm);
        if (s == AXVM_VM_RUNNING || s == AXVM_VM_SUSPENDED)
            assert_int_equal(axvm_vm_shutdown(vm), AXVM_OK);
        /* vCPUs left READY by a run that saw the stop: their pCPU would park them */
        for (unsigned i = 0; i < vm->cfg.vcpu_count && axvm_vm_state(vm) == AXVM_VM_STOPPING; i++)
            axvm_vm_park_vcpu(&vm->vcpus[i]);
        assert_int_equal(axvm_vm_destroy(vm), AXVM_OK);
    }
    assert_int_equal(fake_hal_pages_outstanding(), 0);
    return 0;
}

/* One VM: `nvcpu` vCPUs on pCPUs first_pcpu.., 4 MiB of RAM at 1 GiB, the
 * test device at its usual address, entry at the start of RAM. */
static inline void unit_config(struct axvm_vm_config *c, uint32_t id, const char *name, unsigned nvcpu,
                               unsigned first_pcpu)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    strncpy(c->name, name, sizeof(c->name) - 1);
    c->vcpu_count = nvcpu;
    for (unsigned i = 0; i < nvcpu; i++)
        c->phys_cpu[i] = first_pcpu + i;
    c->mem[0] = (struct axvm_mem_config){U_RAM_BASE, U_RAM_SIZE, AXVM_MAP_RWX};
    c->n_mem = 1;
    c->devs[0] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_DEBUG_EXIT, .base = U_TESTDEV, .size = 0x1000};
    c->n_devs = 1;
    c->entry = U_RAM_BASE;
    c->entry_arg = 0x1234;
}

static inline struct axvm_vm *unit_vm(const struct axvm_vm_config *c)
{
    struct axvm_vm *vm = NULL;
    assert_int_equal(axvm_vm_create(c, &vm), AXVM_OK);
    assert_non_null(vm);
    return vm;
}

static inline struct axvm_vm *unit_vm_running(const struct axvm_vm_config *c)
{
    struct axvm_vm *vm = unit_vm(c);
    assert_int_equal(axvm_vm_boot(vm), AXVM_OK);
    return vm;
}

static inline struct axvm_exit ex_mmio_read(uint64_t addr, unsigned w, unsigned reg, unsigned rw, bool sx)
{
    struct axvm_exit e;
    memset(&e, 0, sizeof(e));
    e.reason = AXVM_EXIT_MMIO_READ;
    e.u.mmio_read.addr = addr;
    e.u.mmio_read.width = (uint8_t)w;
    e.u.mmio_read.reg = (uint8_t)reg;
    e.u.mmio_read.reg_width = (uint8_t)rw;
    e.u.mmio_read.sign_extend = sx;
    return e;
}

static inline struct axvm_exit ex_mmio_write(uint64_t addr, unsigned w, uint64_t data)
{
    struct axvm_exit e;
    memset(&e, 0, sizeof(e));
    e.reason = AXVM_EXIT_MMIO_WRITE;
    e.u.mmio_write.addr = addr;
    e.u.mmio_write.width = (uint8_t)w;
    e.u.mmio_write.data = data;
    return e;
}

static inline struct axvm_exit ex_simple(enum axvm_exit_reason r)
{
    struct axvm_exit e;
    memset(&e, 0, sizeof(e));
    e.reason = r;
    return e;
}

static inline struct axvm_exit ex_hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                            uint64_t a4, uint64_t a5)
{
    struct axvm_exit e = ex_simple(AXVM_EXIT_HYPERCALL);
    e.u.hypercall.nr = nr;
    e.u.hypercall.args[0] = a0;
    e.u.hypercall.args[1] = a1;
    e.u.hypercall.args[2] = a2;
    e.u.hypercall.args[3] = a3;
    e.u.hypercall.args[4] = a4;
    e.u.hypercall.args[5] = a5;
    return e;
}

/* Script one exit and run until it comes back (or the core handled it). */
static inline struct axvm_exit unit_run_one(struct axvm_vcpu *v, struct axvm_exit e)
{
    struct axvm_exit out;
    fake_script(v, &e);
    assert_int_equal(axvm_vcpu_run(v, &out), AXVM_OK);
    return out;
}

#endif
