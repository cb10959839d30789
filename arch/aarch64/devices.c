/* Emulated devices of an AArch64 VM other than the vGIC: the PL011 model
 * (devices/pl011.c) wired to the vGIC and to the console, and the axvm test
 * device. The first VM with a PL011 owns the physical console's input. */
#include <stdatomic.h>

#include "axvm/log.h"
#include "axvm/pl011.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "a64.h"

/* devices/testdev.c; weak so that the image links while it is being written. */
int axvm_testdev_attach(struct axvm_vm *vm, uint64_t base) __attribute__((weak));
int vgic_set_level(struct axvm_vm *vm, uint32_t intid, bool level, struct axvm_vcpu **target) __attribute__((weak));

/* Physical SPIs a VM owns (runtime/baremetal/irq_passthrough.c): claim,
 * route and enable its passthrough_irqs (idempotent; AXVM_EBUSY when another
 * VM owns one); at reset clear what the last run left and enable again; at
 * destroy disable and release. */
int rt_irq_pt_claim(struct axvm_vm *vm);
void rt_irq_pt_reset(struct axvm_vm *vm);
void rt_irq_pt_release(struct axvm_vm *vm);

static struct axvm_vm *_Atomic console_vm;
/* Input hand-over runs from the RX interrupt on CPU 0 and from vCPU entries
 * on any CPU: the runtime's ring has a single-consumer tail. */
static axvm_spinlock_t input_lock = AXVM_SPINLOCK_INIT;

static void uart_set_irq(void *arg, bool level)
{
    struct axvm_vm *vm = arg;
    struct a64_vm *avm = vm->arch;
    if (!avm || !avm->has_vgic || !vgic_set_level)
        return;
    struct axvm_vcpu *target = NULL;
    if (vgic_set_level(vm, avm->uart_irq, level, &target) == AXVM_OK && target)
        axvm_vcpu_kick(target);
}

static void uart_tx(void *arg, uint8_t c)
{
    axvm_vm_console_putc(arg, (char)c);
}

static const struct axvm_pl011_ops uart_ops = {
    .set_irq = uart_set_irq,
    .tx = uart_tx,
};

int a64_attach_device(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev);
int a64_attach_device(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev)
{
    struct a64_vm *avm = vm->arch;
    /* The VM's physical SPIs, while it is being created (the first device
     * attach; later ones find them claimed). */
    int pr = rt_irq_pt_claim(vm);
    if (pr != AXVM_OK)
        return pr;
    switch (dev->kind) {
    case AXVM_EMU_PL011: {
        if (avm->uart)
            return AXVM_EBUSY;
        if (dev->size && dev->size != AXVM_PL011_SIZE)
            return AXVM_EINVAL;
        avm->uart_irq = dev->irq ? dev->irq : 33;
        int r = axvm_pl011_attach(vm, dev->base, &uart_ops, vm, &avm->uart);
        if (r != AXVM_OK)
            return r;
        struct axvm_vm *none = NULL;
        atomic_compare_exchange_strong(&console_vm, &none, vm);
        return AXVM_OK;
    }
    case AXVM_EMU_DEBUG_EXIT:
        if (!axvm_testdev_attach)
            return AXVM_ENOTSUP;
        return axvm_testdev_attach(vm, dev->base);
    default:
        return AXVM_ENOTSUP;
    }
}

void a64_devices_reset(struct axvm_vm *vm)
{
    struct a64_vm *avm = vm->arch;
    if (avm->uart)
        axvm_pl011_reset(avm->uart);
    rt_irq_pt_reset(vm);
}

void a64_devices_release(struct axvm_vm *vm)
{
    struct a64_vm *avm = vm->arch;
    struct axvm_vm *self = vm;
    atomic_compare_exchange_strong(&console_vm, &self, NULL);
    rt_irq_pt_release(vm);
    if (avm->uart) {
        axvm_pl011_release(avm->uart);
        avm->uart = NULL;
    }
}

/* Console input arrived (runtime's RX interrupt): hand what fits to the
 * owning VM's UART; the rest waits in the runtime's ring. */
void rt_console_input_ready(void)
{
    axvm_spin_lock(&input_lock);
    struct axvm_vm *vm = atomic_load(&console_vm);
    struct a64_vm *avm = vm ? vm->arch : NULL;
    while (avm && avm->uart && axvm_pl011_rx_room(avm->uart) > 0) {
        int c = rt_console_getc();
        if (c < 0)
            break;
        axvm_pl011_push_input(avm->uart, (uint8_t)c);
    }
    axvm_spin_unlock(&input_lock);
}

struct axvm_vm *a64_console_focus(void)
{
    return atomic_load(&console_vm);
}

/* Console input to `vm` from now on (the runtime's escape commands). What
 * was typed before goes to the previous owner as far as its FIFO takes it;
 * the rest is dropped rather than delivered to a VM it was not meant for. */
int a64_console_set_focus(struct axvm_vm *vm)
{
    struct a64_vm *avm = vm ? vm->arch : NULL;
    if (!avm || !avm->uart)
        return AXVM_ENODEV;
    rt_console_input_ready();
    axvm_spin_lock(&input_lock);
    while (rt_console_getc() >= 0) {
    }
    atomic_store(&console_vm, vm);
    axvm_spin_unlock(&input_lock);
    return AXVM_OK;
}
