/* The axvm test device: see include/axvm/testdev.h for the register map. */
#include "axvm/device.h"
#include "axvm/lib.h"
#include "axvm/log.h"
#include "axvm/testdev.h"
#include "axvm/vm.h"

struct testdev {
    struct axvm_vm *vm;
    uint64_t scratch;
    uint64_t count;
    uint64_t last_width;
};

/* One per VM slot: VMs live in a static table, so a VM pointer identifies a slot. */
static struct testdev pool[AXVM_MAX_VMS];
static axvm_spinlock_t pool_lock = AXVM_SPINLOCK_INIT;

/* Bytes [off, off+width) of a 64-bit little-endian register at `reg`, if the
 * access lies inside it. */
static bool in_reg(uint64_t off, unsigned width, uint64_t reg)
{
    return off >= reg && off - reg + width <= 8;
}

static uint64_t extract(uint64_t v, uint64_t byte, unsigned width)
{
    v >>= byte * 8;
    return width == 8 ? v : v & ((1ull << (width * 8)) - 1);
}

/* Account one access; returns the previous access's width. */
static void account(struct testdev *td, unsigned width, uint64_t *count_before, uint64_t *last_width)
{
    *count_before = td->count;
    *last_width = td->last_width;
    td->count++;
    td->last_width = width;
}

static int td_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    (void)vcpu;
    struct testdev *td = ctx;
    uint64_t count, last;
    account(td, width, &count, &last);
    if (in_reg(off, width, AXVM_TESTDEV_EXIT) || in_reg(off, width, AXVM_TESTDEV_PUTC))
        *value = 0;
    else if (in_reg(off, width, AXVM_TESTDEV_SCRATCH))
        *value = extract(td->scratch, off - AXVM_TESTDEV_SCRATCH, width);
    else if (in_reg(off, width, AXVM_TESTDEV_PATTERN))
        *value = extract(AXVM_TESTDEV_PATTERN_VALUE, off - AXVM_TESTDEV_PATTERN, width);
    else if (off == AXVM_TESTDEV_COUNT && width == 8)
        *value = count;
    else if (in_reg(off, width, AXVM_TESTDEV_LAST_WIDTH))
        *value = extract(last, off - AXVM_TESTDEV_LAST_WIDTH, width);
    else
        return AXVM_EINVAL;
    return AXVM_OK;
}

static int td_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)vcpu;
    struct testdev *td = ctx;
    uint64_t count, last;
    account(td, width, &count, &last);
    if (in_reg(off, width, AXVM_TESTDEV_EXIT) && off == AXVM_TESTDEV_EXIT) {
        struct axvm_vm *vm = td->vm;
        vm->exit_status = (int)(int32_t)(uint32_t)value;
        axvm_vm_console_flush(vm);
        axvm_printf("axvm: vm %s exit status %d\n", vm->cfg.name, vm->exit_status);
        (void)axvm_vm_shutdown(vm);
        return AXVM_OK;
    }
    if (in_reg(off, width, AXVM_TESTDEV_SCRATCH)) {
        uint64_t shift = (off - AXVM_TESTDEV_SCRATCH) * 8;
        uint64_t mask = width == 8 ? ~0ull : ((1ull << (width * 8)) - 1) << shift;
        td->scratch = (td->scratch & ~mask) | ((value << shift) & mask);
        return AXVM_OK;
    }
    if (in_reg(off, width, AXVM_TESTDEV_PUTC) && off == AXVM_TESTDEV_PUTC) {
        axvm_vm_console_putc(td->vm, (char)(value & 0xff));
        return AXVM_OK;
    }
    return AXVM_EINVAL; /* read-only register or no register */
}

static int strict_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    (void)vcpu;
    (void)width; /* the manager admits only aligned 4-byte accesses */
    struct testdev *td = ctx;
    uint64_t count, last;
    account(td, width, &count, &last);
    *value = (AXVM_TESTDEV_STRICT + off) | AXVM_TESTDEV_STRICT_TAG;
    return AXVM_OK;
}

static int strict_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)vcpu;
    (void)off;
    (void)value;
    struct testdev *td = ctx;
    uint64_t count, last;
    account(td, width, &count, &last);
    return AXVM_OK;
}

static const struct axvm_dev_ops td_ops = {td_read, td_write};
static const struct axvm_dev_ops strict_ops = {strict_read, strict_write};

int axvm_testdev_attach(struct axvm_vm *vm, uint64_t base)
{
    if (!vm || !AXVM_IS_ALIGNED(base, AXVM_PAGE_SIZE))
        return AXVM_EINVAL;
    struct testdev *td = NULL;
    axvm_spin_lock(&pool_lock);
    for (unsigned i = 0; i < AXVM_MAX_VMS && !td; i++)
        if (pool[i].vm == vm)
            td = &pool[i];
    for (unsigned i = 0; i < AXVM_MAX_VMS && !td; i++) {
        /* a slot whose VM was destroyed is free again */
        if (!pool[i].vm || !pool[i].vm->in_use)
            td = &pool[i];
    }
    if (td) {
        memset(td, 0, sizeof(*td));
        td->vm = vm;
    }
    axvm_spin_unlock(&pool_lock);
    if (!td)
        return AXVM_ENOMEM;

    struct axvm_dev regs = {
        .name = "testdev",
        .base = base,
        .size = AXVM_TESTDEV_STRICT,
        .ops = &td_ops,
        .ctx = td,
        .widths = AXVM_WALL,
        /* narrow accesses anywhere inside a register: the handler checks */
        .allow_unaligned = true,
    };
    struct axvm_dev strict = {
        .name = "testdev-strict",
        .base = base + AXVM_TESTDEV_STRICT,
        .size = AXVM_TESTDEV_STRICT_SIZE,
        .ops = &strict_ops,
        .ctx = td,
        .widths = AXVM_W4,
        .allow_unaligned = false,
    };
    int rc = axvm_devices_add_mmio(&vm->devices, &regs);
    if (rc)
        return rc;
    return axvm_devices_add_mmio(&vm->devices, &strict);
}
