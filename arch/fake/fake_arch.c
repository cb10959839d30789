/* The fake backend: see fake_arch.h. */
#include "fake_arch.h"

#include <stdlib.h>
#include <string.h>

#include "axvm/testdev.h"

struct fake_failures fake_fail;
unsigned fake_percpu_inits[8];
void (*fake_irq_pending_hook)(struct axvm_vcpu *vcpu);
bool fake_hw_supported = true;
void (*fake_run_hook)(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

void fake_arch_reset(void)
{
    memset(&fake_fail, 0, sizeof(fake_fail));
    fake_run_hook = NULL;
    fake_hw_supported = true;
    fake_irq_pending_hook = NULL;
}

/* n-th call fails: counts down armed counters. */
static bool should_fail(int *counter)
{
    if (*counter <= 0)
        return false;
    return --*counter == 0;
}

struct fake_vcpu *fake_vcpu(const struct axvm_vcpu *vcpu)
{
    return vcpu->arch;
}

struct fake_vm *fake_vm(const struct axvm_vm *vm)
{
    return vm->arch;
}

void fake_script(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
    struct fake_vcpu *f = fake_vcpu(vcpu);
    if (f->n_script >= FAKE_SCRIPT_MAX)
        abort();
    f->script_err[f->n_script] = 0;
    f->script[f->n_script++] = *exit;
}

void fake_script_error(struct axvm_vcpu *vcpu, int err)
{
    struct fake_vcpu *f = fake_vcpu(vcpu);
    if (f->n_script >= FAKE_SCRIPT_MAX)
        abort();
    memset(&f->script[f->n_script], 0, sizeof(f->script[0]));
    f->script_err[f->n_script++] = err;
}

unsigned fake_script_left(const struct axvm_vcpu *vcpu)
{
    const struct fake_vcpu *f = fake_vcpu(vcpu);
    return f->n_script - f->pos;
}

/* ---- page-table entry encoding: valid | table | flags<<2 | addr ---- */
#define E_VALID 1ull
#define E_TABLE 2ull
#define E_FLAGS_SHIFT 2
#define E_FLAGS_MASK (0xfull << E_FLAGS_SHIFT)
#define E_ADDR_MASK 0x000ffffffffff000ull
#define E_LEVEL_SHIFT 56 /* leaves remember their level: catches a walk at the wrong depth */

static uint64_t pt_table_entry(axvm_hpa_t next)
{
    return (next & E_ADDR_MASK) | E_TABLE | E_VALID;
}

static uint64_t pt_leaf_entry(axvm_hpa_t pa, unsigned level, uint32_t flags)
{
    return (pa & E_ADDR_MASK) | ((uint64_t)(flags & 0xf) << E_FLAGS_SHIFT) | ((uint64_t)level << E_LEVEL_SHIFT) |
           E_VALID;
}

static bool pt_is_present(uint64_t e, unsigned level)
{
    (void)level;
    return e & E_VALID;
}

static bool pt_is_table(uint64_t e, unsigned level)
{
    if (level == 3 && (e & E_TABLE))
        abort(); /* no tables below level 3 */
    return (e & (E_VALID | E_TABLE)) == (E_VALID | E_TABLE);
}

static axvm_hpa_t pt_entry_addr(uint64_t e, unsigned level)
{
    if (!(e & E_TABLE) && (e >> E_LEVEL_SHIFT) != level)
        abort(); /* a leaf read at another level than written */
    return e & E_ADDR_MASK;
}

static uint32_t pt_entry_flags(uint64_t e, unsigned level)
{
    (void)level;
    return (uint32_t)((e & E_FLAGS_MASK) >> E_FLAGS_SHIFT);
}

const struct axvm_pt_format fake_pt_format = {
    .name = "fake-4k",
    .root_level = 0,
    .min_block_level = 1,
    .table_entry = pt_table_entry,
    .leaf_entry = pt_leaf_entry,
    .is_present = pt_is_present,
    .is_table = pt_is_table,
    .entry_addr = pt_entry_addr,
    .entry_flags = pt_entry_flags,
};

/* ---- operations ---- */

static bool hw_supported(void)
{
    return fake_hw_supported;
}

static int percpu_init(unsigned pcpu)
{
    if (pcpu < 8)
        fake_percpu_inits[pcpu]++;
    return AXVM_OK;
}

static int vm_init(struct axvm_vm *vm)
{
    if (should_fail(&fake_fail.vm_init))
        return AXVM_EIO;
    vm->arch = calloc(1, sizeof(struct fake_vm));
    return vm->arch ? AXVM_OK : AXVM_ENOMEM;
}

static void vm_destroy(struct axvm_vm *vm)
{
    free(vm->arch);
    vm->arch = NULL;
}

static int vm_reset(struct axvm_vm *vm)
{
    fake_vm(vm)->resets++;
    return AXVM_OK;
}

static int vm_map_region(struct axvm_vm *vm, const struct axvm_region *r)
{
    (void)r;
    if (should_fail(&fake_fail.vm_map_region))
        return AXVM_EIO;
    fake_vm(vm)->map_calls++;
    return AXVM_OK;
}

static int vm_unmap_region(struct axvm_vm *vm, const struct axvm_region *r)
{
    (void)r;
    fake_vm(vm)->unmap_calls++;
    return AXVM_OK;
}

static void vm_tlb_flush(struct axvm_vm *vm)
{
    fake_vm(vm)->tlb_flushes++;
}

/* A trivial register device for non-test-device kinds: reads return the
 * offset, writes are accepted. */
static int reg_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    (void)ctx;
    (void)vcpu;
    (void)width;
    *value = off;
    return AXVM_OK;
}

static int reg_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)ctx;
    (void)vcpu;
    (void)off;
    (void)width;
    (void)value;
    return AXVM_OK;
}

static const struct axvm_dev_ops reg_ops = {reg_read, reg_write};

static int vm_attach_device(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev)
{
    if (should_fail(&fake_fail.attach))
        return AXVM_EIO;
    int rc;
    switch (dev->kind) {
    case AXVM_EMU_DEBUG_EXIT:
        rc = axvm_testdev_attach(vm, dev->base);
        break;
    case AXVM_EMU_RTC: {
        struct axvm_dev d = {.name = "fake-rtc", .base = dev->base, .size = dev->size, .ops = &reg_ops};
        rc = axvm_devices_add_mmio(&vm->devices, &d);
        break;
    }
    default:
        rc = AXVM_ENOTSUP;
        break;
    }
    if (!rc)
        fake_vm(vm)->attached++;
    return rc;
}

static int vcpu_create(struct axvm_vcpu *vcpu)
{
    if (should_fail(&fake_fail.vcpu_create))
        return AXVM_ENOMEM;
    struct fake_vcpu *f = calloc(1, sizeof(*f));
    if (!f)
        return AXVM_ENOMEM;
    f->wake_deadline = UINT64_MAX;
    vcpu->arch = f;
    /* MPIDR-like id: Aff1 = 0, Aff0 = index, as the Arm backend does */
    vcpu->hwid = vcpu->id;
    return AXVM_OK;
}

static void vcpu_destroy(struct axvm_vcpu *vcpu)
{
    free(vcpu->arch);
    vcpu->arch = NULL;
}

static int vcpu_setup(struct axvm_vcpu *vcpu, axvm_gpa_t entry, uint64_t arg, axvm_hpa_t root)
{
    if (should_fail(&fake_fail.vcpu_setup))
        return AXVM_EIO;
    struct fake_vcpu *f = fake_vcpu(vcpu);
    f->setups++;
    f->setup_entry = entry;
    f->setup_arg = arg;
    f->setup_root = root;
    memset(f->gpr, 0, sizeof(f->gpr));
    f->gpr[0] = arg;
    return AXVM_OK;
}

static void vcpu_bind(struct axvm_vcpu *vcpu)
{
    fake_vcpu(vcpu)->binds++;
}

static void vcpu_unbind(struct axvm_vcpu *vcpu)
{
    fake_vcpu(vcpu)->unbinds++;
}

static int vcpu_run(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
    struct fake_vcpu *f = fake_vcpu(vcpu);
    f->runs++;
    if (f->pos >= f->n_script) {
        memset(exit, 0, sizeof(*exit));
        exit->reason = AXVM_EXIT_NOTHING;
    } else {
        unsigned i = f->pos++;
        if (f->script_err[i])
            return f->script_err[i];
        *exit = f->script[i];
    }
    if (fake_run_hook)
        fake_run_hook(vcpu, exit);
    return AXVM_OK;
}

static int vcpu_get_gpr(struct axvm_vcpu *vcpu, unsigned idx, uint64_t *value)
{
    if (idx >= 31)
        return AXVM_ERANGE;
    *value = fake_vcpu(vcpu)->gpr[idx];
    return AXVM_OK;
}

static int vcpu_set_gpr(struct axvm_vcpu *vcpu, unsigned idx, uint64_t value)
{
    struct fake_vcpu *f = fake_vcpu(vcpu);
    if (idx == AXVM_REG_DEFERRED) {
        f->deferred = value;
        f->deferred_writes++;
        return AXVM_OK;
    }
    if (idx >= 31)
        return AXVM_ERANGE;
    f->gpr[idx] = value;
    f->gpr_writes++;
    return AXVM_OK;
}

static void vcpu_set_return_value(struct axvm_vcpu *vcpu, uint64_t value)
{
    struct fake_vcpu *f = fake_vcpu(vcpu);
    f->gpr[0] = value;
    if (f->n_ret < FAKE_LOG_MAX)
        f->ret[f->n_ret++] = value;
}

static uint64_t error_to_guest(int err)
{
    return FAKE_GUEST_ERR(err);
}

static int vcpu_inject_irq(struct axvm_vcpu *vcpu, uint32_t irq)
{
    if (should_fail(&fake_fail.inject_irq))
        return AXVM_EINVAL;
    struct fake_vcpu *f = fake_vcpu(vcpu);
    if (f->n_irqs < FAKE_LOG_MAX)
        f->irqs[f->n_irqs++] = irq;
    f->irq_pending = true;
    return AXVM_OK;
}

static bool vcpu_irq_pending(struct axvm_vcpu *vcpu)
{
    bool pending = fake_vcpu(vcpu)->irq_pending;
    if (fake_irq_pending_hook)
        fake_irq_pending_hook(vcpu);
    return pending;
}

static int vcpu_inject_fault(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
    if (should_fail(&fake_fail.inject_fault))
        return AXVM_EIO;
    struct fake_vcpu *f = fake_vcpu(vcpu);
    if (f->n_faults < FAKE_LOG_MAX)
        f->faults[f->n_faults++] = *exit;
    return AXVM_OK;
}

static uint64_t vcpu_wake_deadline(struct axvm_vcpu *vcpu)
{
    return fake_vcpu(vcpu)->wake_deadline;
}

#define FAKE_OPS_COMMON                                                                                               \
    .hardware_supported = hw_supported, .percpu_init = percpu_init, .vm_init = vm_init, .vm_destroy = vm_destroy,  \
    .vm_attach_device = vm_attach_device, .vcpu_create = vcpu_create, .vcpu_destroy = vcpu_destroy,                \
    .vcpu_setup = vcpu_setup, .vcpu_bind = vcpu_bind, .vcpu_unbind = vcpu_unbind, .vcpu_run = vcpu_run,            \
    .vcpu_get_gpr = vcpu_get_gpr, .vcpu_set_gpr = vcpu_set_gpr, .vcpu_set_return_value = vcpu_set_return_value,    \
    .error_to_guest = error_to_guest, .vcpu_inject_irq = vcpu_inject_irq, .vcpu_irq_pending = vcpu_irq_pending,    \
    .vcpu_inject_fault = vcpu_inject_fault, .vcpu_wake_deadline = vcpu_wake_deadline, .vm_reset = vm_reset,        \
    .vm_tlb_flush = vm_tlb_flush

const struct axvm_arch_ops fake_arch_ops = {
    .name = "fake",
    .pt_format = &fake_pt_format,
    FAKE_OPS_COMMON,
};

const struct axvm_arch_ops fake_arch_ops_nopt = {
    .name = "fake-nopt",
    .pt_format = NULL,
    .vm_map_region = vm_map_region,
    .vm_unmap_region = vm_unmap_region,
    FAKE_OPS_COMMON,
};
