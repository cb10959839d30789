/* The x86 devices axvm puts in every KVM VM: the x2APIC MSR range (IPIs,
 * INIT/SIPI), shadows of the MSRs the configuration traps, the debug port
 * and the 16550 UART. */
#include <stdatomic.h>
#include <string.h>

#include "axvm/hal.h"
#include "axvm/log.h"
#include "axvm/testdev.h"
#include "msr.h"
#include "x86_kvm.h"

/* ---- x2APIC ---- */

static _Atomic bool nmi_warned;

static int apic_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t msr, unsigned width, uint64_t *value)
{
    (void)ctx;
    (void)width;
    return x86_lapic_read(&x86_vcpu_of(vcpu)->lapic, (uint32_t)msr, value, hal_time_ns());
}

/* ICR: deliver to the vCPUs the destination selects. */
static int send_ipi(struct axvm_vcpu *self, uint64_t icr)
{
    struct axvm_vm *vm = self->vm;
    struct x86_vcpu *xs = x86_vcpu_of(self);
    uint32_t vector = (uint32_t)(icr & 0xFF), mode = (uint32_t)((icr >> 8) & 7);
    bool logical = (icr >> 11) & 1, assert_level = (icr >> 14) & 1, level_trig = (icr >> 15) & 1;
    uint32_t shorthand = (uint32_t)((icr >> 18) & 3), dest = (uint32_t)(icr >> 32);
    uint64_t mask = 0;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
        struct axvm_vcpu *t = &vm->vcpus[i];
        bool hit = shorthand == 1 ? t == self
                 : shorthand == 2 ? true
                 : shorthand == 3 ? t != self
                 : x86_lapic_match_dest(&x86_vcpu_of(t)->lapic, dest, logical);
        if (hit)
            mask |= 1ull << i;
    }
    xs->lapic.ipis_sent++;
    switch (mode) {
    case 0: /* fixed */
    case 1: /* lowest priority: every target qualifies, the first one takes it */
        if (vector < 16) {
            xs->lapic.esr |= 1u << 5; /* send illegal vector */
            return AXVM_OK;
        }
        if (mode == 1 && mask)
            mask &= ~(mask - 1);
        return mask ? axvm_vm_inject_irq(vm, mask, vector) : AXVM_OK;
    case 5: /* INIT; the level-deassert form only matters to old 82489DX APICs */
        if (!assert_level && level_trig)
            return AXVM_OK;
        for (unsigned i = 0; i < vm->cfg.vcpu_count; i++)
            if ((mask >> i) & 1 && &vm->vcpus[i] != self)
                x86_vcpu_of(&vm->vcpus[i])->lapic.wait_sipi = true;
        return AXVM_OK;
    case 6: /* SIPI: starts targets waiting after an INIT, ignored by the others */
        for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
            struct x86_vcpu *xt = x86_vcpu_of(&vm->vcpus[i]);
            if ((mask >> i) & 1 && xt->lapic.wait_sipi) {
                xt->lapic.wait_sipi = false;
                xs->sipi[i] = vector + 1; /* becomes a CPU_UP exit of the sender */
            }
        }
        return AXVM_OK;
    default:
        /* NMI, SMI, ExtINT: not modelled; the sender sees a send-accept error */
        xs->lapic.esr |= 1u << 2;
        if (!atomic_exchange(&nmi_warned, true)) /* once: a guest must not flood the log */
            AXVM_WARN("vm %s vcpu %u: IPI delivery mode %u not supported\n", vm->cfg.name, self->id, mode);
        return AXVM_OK;
    }
}

static int apic_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t msr, unsigned width, uint64_t value)
{
    (void)ctx;
    (void)width;
    bool icr = false;
    int rc = x86_lapic_write(&x86_vcpu_of(vcpu)->lapic, (uint32_t)msr, value, hal_time_ns(), &icr);
    if (rc || !icr)
        return rc;
    return send_ipi(vcpu, value);
}

static const struct axvm_dev_ops apic_ops = {apic_read, apic_write};

/* ---- trapped MSRs: a per-VM shadow register each ---- */

static int shadow_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t msr, unsigned width, uint64_t *value)
{
    (void)msr;
    (void)width;
    struct x86_vm *xvm = x86_vm_of(vcpu->vm);
    axvm_spin_lock(&xvm->shadow_lock);
    *value = ((struct x86_msr_shadow *)ctx)->value;
    axvm_spin_unlock(&xvm->shadow_lock);
    return AXVM_OK;
}

static int shadow_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t msr, unsigned width, uint64_t value)
{
    (void)msr;
    (void)width;
    struct x86_vm *xvm = x86_vm_of(vcpu->vm);
    axvm_spin_lock(&xvm->shadow_lock);
    ((struct x86_msr_shadow *)ctx)->value = value;
    axvm_spin_unlock(&xvm->shadow_lock);
    return AXVM_OK;
}

static const struct axvm_dev_ops shadow_ops = {shadow_read, shadow_write};

int x86_platform_devices_attach(struct x86_vm *xvm)
{
    struct axvm_vm *vm = xvm->vm;
    struct axvm_dev apic = {.name = "x2apic", .base = X2APIC_MSR_FIRST, .size = 0x100, .ops = &apic_ops,
                            .ctx = xvm, .widths = AXVM_W8};
    int rc = axvm_devices_add_sysreg(&vm->devices, &apic);
    if (rc)
        return rc;
    axvm_spin_init(&xvm->shadow_lock);
    for (unsigned i = 0; i < xvm->opt.n_msr_traps; i++) {
        xvm->shadow[i].msr = xvm->opt.msr_traps[i];
        xvm->shadow[i].value = 0;
        struct axvm_dev d = {.name = "msr-shadow", .base = xvm->opt.msr_traps[i], .size = 1, .ops = &shadow_ops,
                             .ctx = &xvm->shadow[i], .widths = AXVM_W8};
        rc = axvm_devices_add_sysreg(&vm->devices, &d);
        if (rc)
            return rc;
    }
    return AXVM_OK;
}

/* ---- debug port ----
 * base+0x1  EXIT     write: the VM stops with this status
 * base+0x4  SCRATCH  32-bit read/write, narrow accesses on its bytes
 * base+0x8  SYSREGS  read: sysreg (MSR) exits this vCPU took so far
 * base+0xC  VCPU     read: index of the reading vCPU
 * base+0xE  BOOTS    read (2 bytes): how many times the VM has booted
 * and the PC reset control register at 0xCF9: a write with bit 2 (RST)
 * reboots the VM from its pristine images. */

struct debugport {
    struct axvm_vm *vm;
    uint32_t scratch;
};
static struct debugport dports[AXVM_MAX_VMS];
static axvm_spinlock_t dports_lock = AXVM_SPINLOCK_INIT;

static bool inside(uint64_t off, unsigned width, uint64_t reg, unsigned size)
{
    return off >= reg && off + width <= reg + size;
}

static int dport_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    struct debugport *d = ctx;
    uint64_t v;
    if (inside(off, width, 4, 4)) {
        v = d->scratch >> ((off - 4) * 8);
    } else if (off == 8 && width == 4) {
        v = vcpu->stats.exits[AXVM_EXIT_SYSREG_READ] + vcpu->stats.exits[AXVM_EXIT_SYSREG_WRITE];
    } else if (off == 12 && width == 4) {
        v = vcpu->id;
    } else if (off == 14 && width == 2) {
        v = d->vm->boot_count;
    } else if (off == 1) {
        v = 0;
    } else {
        return AXVM_EINVAL;
    }
    *value = width == 4 ? (uint32_t)v : width == 2 ? (uint16_t)v : (uint8_t)v;
    return AXVM_OK;
}

static int dport_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)vcpu;
    struct debugport *d = ctx;
    if (off == 1) {
        struct axvm_vm *vm = d->vm;
        vm->exit_status = width == 1 ? (int)(int8_t)value : width == 2 ? (int)(int16_t)value : (int)(int32_t)value;
        axvm_vm_console_flush(vm);
        axvm_printf("axvm: vm %s exit status %d\n", vm->cfg.name, vm->exit_status);
        (void)axvm_vm_shutdown(vm);
        return AXVM_OK;
    }
    if (inside(off, width, 4, 4)) {
        unsigned shift = (unsigned)(off - 4) * 8;
        uint32_t mask = (width == 4 ? 0xFFFFFFFFu : ((1u << (width * 8)) - 1)) << shift;
        d->scratch = (d->scratch & ~mask) | (((uint32_t)value << shift) & mask);
        return AXVM_OK;
    }
    return AXVM_EINVAL; /* read-only or no register */
}

static const struct axvm_dev_ops dport_ops = {dport_read, dport_write};

static int rcr_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    (void)ctx;
    (void)vcpu;
    (void)off;
    (void)width;
    *value = 0;
    return AXVM_OK;
}

static int rcr_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)ctx;
    (void)off;
    (void)width;
    if (value & 0x4) {
        AXVM_INFO("vm %s: reset through port 0xcf9\n", vcpu->vm->cfg.name);
        (void)axvm_vm_reboot(vcpu->vm);
    }
    return AXVM_OK;
}

static const struct axvm_dev_ops rcr_ops = {rcr_read, rcr_write};

int x86_debugport_attach(struct axvm_vm *vm, uint16_t base)
{
    struct debugport *d = NULL;
    axvm_spin_lock(&dports_lock);
    for (unsigned i = 0; i < AXVM_MAX_VMS && !d; i++)
        if (dports[i].vm == vm || !dports[i].vm || !dports[i].vm->in_use)
            d = &dports[i];
    if (d) {
        d->vm = vm;
        d->scratch = 0;
    }
    axvm_spin_unlock(&dports_lock);
    if (!d)
        return AXVM_ENOMEM;
    struct axvm_dev dev = {.name = "debug-port", .base = base, .size = 16, .ops = &dport_ops, .ctx = d,
                           .widths = AXVM_W1 | AXVM_W2 | AXVM_W4, .allow_unaligned = true};
    int rc = axvm_devices_add_port(&vm->devices, &dev);
    if (rc)
        return rc;
    struct axvm_dev rcr = {.name = "reset-control", .base = 0xCF9, .size = 1, .ops = &rcr_ops, .ctx = d,
                           .widths = AXVM_W1};
    return axvm_devices_add_port(&vm->devices, &rcr);
}

/* ---- 16550 UART: console output, interrupt as a fixed vector to vCPU 0 ---- */

static void uart_tx(void *ctx, uint8_t c)
{
    axvm_vm_console_putc(((struct x86_vm *)ctx)->vm, (char)c);
}

static void uart_irq(void *ctx, bool level)
{
    struct x86_vm *xvm = ctx;
    if (level) /* the model's level, delivered edge-wise: a new rise for new work */
        (void)axvm_vm_inject_irq(xvm->vm, 1, xvm->uart_vector);
}

int x86_uart_attach(struct x86_vm *xvm, const struct axvm_emu_dev_config *dev)
{
    if (xvm->have_uart)
        return AXVM_EBUSY;
    axvm_uart16550_init(&xvm->uart, uart_tx, xvm, uart_irq, xvm);
    xvm->uart_vector = (xvm->opt.uart_vector_base ? xvm->opt.uart_vector_base : 0x20) + dev->irq;
    struct axvm_dev d = {.name = "uart16550", .base = dev->base, .size = 8, .ops = &axvm_uart16550_ops,
                         .ctx = &xvm->uart, .widths = AXVM_W1};
    int rc = dev->base < 0x10000 ? axvm_devices_add_port(&xvm->vm->devices, &d)
                                 : axvm_devices_add_mmio(&xvm->vm->devices, &d);
    if (!rc)
        xvm->have_uart = true;
    return rc;
}
