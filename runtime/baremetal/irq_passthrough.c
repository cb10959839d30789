/* Physical SPIs handed to a VM (its config's passthrough_irqs), with a
 * hardware link: the runtime acknowledges such an SPI, drops its priority
 * (EOImode=1) and injects it into the owning VM's vGIC with ICH_LR.HW set,
 * so it stays active at the physical GIC until the guest deactivates the
 * virtual interrupt, which deactivates the physical one. A level-sensitive
 * device therefore cannot interrupt again before the guest has handled it,
 * and the hypervisor never touches the device.
 *
 * Ownership is one table indexed by INTID: an SPI belongs to at most one VM
 * (a second claim fails, the VM is not created). The SPI is routed to the
 * physical CPU of the VM's vCPU 0, the vCPU the guest's GICD_IROUTER reset
 * value points at.
 *
 * Lifecycle (called from arch/aarch64/devices.c): claimed, routed and
 * enabled while the VM is created; on every reset (reboot, reload) first
 * disabled and its pending and active state cleared (the vGIC reset has
 * just forgotten an interrupt the guest had not deactivated, which would
 * otherwise keep the physical one active for good), then enabled again; on
 * destroy released. An owned SPI that arrives while its VM is stopping or
 * stopped is disabled and cleared rather than injected: the next reset
 * enables it again. */
#include <stdatomic.h>

#include "axvm/log.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "a64.h"
#include "rt.h"
#include "vgic.h"

#define PT_NR_INTIDS 1020u /* SPIs end at 1019 */

static struct axvm_vm *_Atomic pt_owner[PT_NR_INTIDS];
static axvm_spinlock_t pt_lock = AXVM_SPINLOCK_INIT;

/* Interrupts the runtime itself handles cannot be given away. */
static bool pt_reserved(uint32_t intid) { return intid == PLAT_UART_INTID; }

int rt_irq_pt_claim(struct axvm_vm *vm)
{
    const struct axvm_vm_config *cfg = &vm->cfg;
    int rc = AXVM_OK;
    axvm_spin_lock(&pt_lock);
    for (unsigned i = 0; i < cfg->n_passthrough_irqs && i < AXVM_MAX_PASSTHROUGH; i++) {
        uint32_t intid = cfg->passthrough_irqs[i];
        if (intid < 32 || intid >= PT_NR_INTIDS) {
            AXVM_ERR("vm %s: passthrough irq %u is not an SPI (32..1019)\n", cfg->name, intid);
            rc = AXVM_EINVAL;
            break;
        }
        if (pt_reserved(intid)) {
            AXVM_ERR("vm %s: passthrough irq %u is the hypervisor's console interrupt\n", cfg->name, intid);
            rc = AXVM_EBUSY;
            break;
        }
        struct axvm_vm *owner = atomic_load(&pt_owner[intid]);
        if (owner && owner != vm) {
            AXVM_ERR("vm %s: passthrough irq %u already belongs to vm %s\n", cfg->name, intid, owner->cfg.name);
            rc = AXVM_EBUSY;
            break;
        }
        if (owner == vm)
            continue;
        rt_gic_spi_enable(intid, false);
        rt_gic_spi_clear(intid);
        rt_gic_spi_route(intid, cfg->phys_cpu[0]);
        atomic_store(&pt_owner[intid], vm);
        rt_gic_spi_enable(intid, true);
    }
    axvm_spin_unlock(&pt_lock);
    return rc;
}

/* Disable every SPI `vm` owns and forget its pending/active state. */
static void pt_quiesce_locked(struct axvm_vm *vm, bool release)
{
    for (unsigned intid = 32; intid < PT_NR_INTIDS; intid++) {
        if (atomic_load(&pt_owner[intid]) != vm)
            continue;
        rt_gic_spi_enable(intid, false);
        rt_gic_spi_clear(intid);
        if (release)
            atomic_store(&pt_owner[intid], NULL);
    }
}

/* VM reset: everything the previous run left behind goes, then the SPIs
 * are live again for the next boot. */
void rt_irq_pt_reset(struct axvm_vm *vm)
{
    axvm_spin_lock(&pt_lock);
    pt_quiesce_locked(vm, false);
    for (unsigned intid = 32; intid < PT_NR_INTIDS; intid++)
        if (atomic_load(&pt_owner[intid]) == vm)
            rt_gic_spi_enable(intid, true);
    axvm_spin_unlock(&pt_lock);
}

void rt_irq_pt_release(struct axvm_vm *vm)
{
    axvm_spin_lock(&pt_lock);
    pt_quiesce_locked(vm, true);
    axvm_spin_unlock(&pt_lock);
}

/* From rt_irq_drain, after the priority drop. False: not an owned SPI, the
 * caller deactivates it as usual. */
bool rt_irq_pt_forward(uint32_t intid)
{
    if (intid < 32 || intid >= PT_NR_INTIDS)
        return false;
    struct axvm_vm *vm = atomic_load(&pt_owner[intid]);
    if (!vm)
        return false;
    struct a64_vm *avm = vm->arch;
    enum axvm_vm_state s = axvm_vm_state(vm);
    int rc = AXVM_ENODEV;
    struct axvm_vcpu *target = NULL;
    if (s != AXVM_VM_STOPPING && s != AXVM_VM_STOPPED && avm && avm->has_vgic)
        rc = vgic_inject(vm, NULL, intid, intid, &target);
    if (rc == AXVM_OK) {
        if (target)
            axvm_vcpu_kick(target);
        return true;
    }
    /* Nobody to deliver it to now (VM stopped, or the INTID is beyond its
     * vGIC's SPIs): silence it until the VM's next reset, or a level
     * interrupt would fire again at once. */
    if (rc != AXVM_ENODEV)
        AXVM_WARN("vm %s: passthrough irq %u not deliverable (%s); disabled\n", vm->cfg.name, intid,
                  axvm_strerror(rc));
    rt_gic_spi_enable(intid, false);
    rt_gic_spi_clear(intid);
    return true;
}

/* The vGIC's hook (arch/aarch64/vgic.h): the guest cleared the virtual
 * pending/active state of a linked SPI. Only the owner's SPIs; a line still
 * high makes the SPI pending again at once, as it should. */
void vgic_hw_deactivate(struct axvm_vm *vm, uint32_t hw_intid)
{
    if (hw_intid < 32 || hw_intid >= PT_NR_INTIDS || atomic_load(&pt_owner[hw_intid]) != vm)
        return;
    rt_gic_spi_deactivate(hw_intid);
}
