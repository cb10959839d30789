/* Per-VM side of the KVM backend: the VM fd, memory slots, the MSR filter
 * that decides which MSRs reach axvm, CPUID, devices. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "axvm/addrspace.h"
#include "axvm/log.h"
#include "axvm/testdev.h"
#include "msr.h"
#include "x86_kvm.h"

static struct {
    bool set;
    uint32_t id;
    struct x86_vm_options opt;
} pending[AXVM_MAX_VMS];

int x86_vm_options_set(uint32_t vm_id, const struct x86_vm_options *opt)
{
    if (!opt || opt->n_msr_traps > X86_MAX_MSR_TRAPS || opt->n_hides > X86_MAX_CPUID_HIDES)
        return AXVM_EINVAL;
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        if (!pending[i].set || pending[i].id == vm_id) {
            pending[i].set = true;
            pending[i].id = vm_id;
            pending[i].opt = *opt;
            return AXVM_OK;
        }
    }
    return AXVM_ENOMEM;
}

/* Every trapped MSR is one filter range with its bit clear (= deny), which
 * KVM turns into a KVM_EXIT_X86_RDMSR/WRMSR with reason FILTER. */
static int set_msr_filter(struct x86_vm *xvm)
{
    static uint8_t deny[1]; /* all-zero bitmap */
    struct kvm_msr_filter f;
    memset(&f, 0, sizeof f);
    f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
    for (unsigned i = 0; i < xvm->opt.n_msr_traps; i++) {
        f.ranges[i].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
        f.ranges[i].nmsrs = 1;
        f.ranges[i].base = xvm->opt.msr_traps[i];
        f.ranges[i].bitmap = deny;
    }
    if (ioctl(xvm->fd, KVM_X86_SET_MSR_FILTER, &f) < 0) {
        AXVM_ERR("kvm: KVM_X86_SET_MSR_FILTER: errno %d\n", errno);
        return AXVM_EIO;
    }
    return AXVM_OK;
}

static int enable_cap(int fd, uint32_t cap, uint64_t arg0)
{
    struct kvm_enable_cap c;
    memset(&c, 0, sizeof c);
    c.cap = cap;
    c.args[0] = arg0;
    return ioctl(fd, KVM_ENABLE_CAP, &c) < 0 ? AXVM_EIO : AXVM_OK;
}

void x86_vm_destroy(struct axvm_vm *vm);

int x86_vm_init(struct axvm_vm *vm)
{
    if (x86_kvm_fd() < 0)
        return AXVM_ENOTSUP;
    struct x86_vm *xvm = calloc(1, sizeof *xvm);
    if (!xvm)
        return AXVM_ENOMEM;
    xvm->vm = vm;
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++)
        if (pending[i].set && pending[i].id == vm->cfg.id)
            xvm->opt = pending[i].opt;
    vm->arch = xvm;
    xvm->fd = ioctl(x86_kvm_fd(), KVM_CREATE_VM, 0);
    if (xvm->fd < 0) {
        AXVM_ERR("kvm: KVM_CREATE_VM: errno %d\n", errno);
        free(xvm);
        vm->arch = NULL;
        return AXVM_EIO;
    }
    int rc = AXVM_OK;
    /* real mode on Intel needs a TSS page KVM can use; harmless elsewhere */
    (void)ioctl(xvm->fd, KVM_SET_TSS_ADDR, 0xFFFBD000ul);
    if (!x86_kvm_check(KVM_CAP_X86_USER_SPACE_MSR) || !x86_kvm_check(KVM_CAP_X86_MSR_FILTER)) {
        AXVM_ERR("kvm: the host lacks user-space MSR exits; axvm's x2APIC needs them\n");
        rc = AXVM_ENOTSUP;
    }
    /* MSRs KVM does not know (x2APIC without an in-kernel APIC), filtered
     * ones, and those it would #GP all come to axvm, which answers them
     * through its sysreg devices or injects the #GP itself */
    if (!rc)
        rc = enable_cap(xvm->fd, KVM_CAP_X86_USER_SPACE_MSR,
                        KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN | KVM_MSR_EXIT_REASON_FILTER);
    if (!rc)
        rc = set_msr_filter(xvm);
    int hc = x86_kvm_check(KVM_CAP_EXIT_HYPERCALL);
    if (!rc && hc > 0)
        (void)enable_cap(xvm->fd, KVM_CAP_EXIT_HYPERCALL, (uint64_t)hc);
    if (!rc)
        rc = x86_cpuid_build(xvm);
    if (!rc)
        rc = x86_platform_devices_attach(xvm);
    if (!rc && xvm->opt.debug_port)
        rc = x86_debugport_attach(vm, xvm->opt.debug_port);
    if (rc) {
        x86_vm_destroy(vm);
        return rc;
    }
    return AXVM_OK;
}

void x86_vm_destroy(struct axvm_vm *vm)
{
    struct x86_vm *xvm = vm->arch;
    if (!xvm)
        return;
    if (xvm->fd >= 0)
        close(xvm->fd);
    free(xvm->cpuid);
    free(xvm);
    vm->arch = NULL;
}

static int set_slot(struct x86_vm *xvm, const struct axvm_region *r, uint64_t size)
{
    /* slot = region index: stable across map and unmap */
    const struct axvm_addrspace *as = &xvm->vm->as;
    unsigned slot = (unsigned)(r - as->regions);
    if (slot >= AXVM_MAX_MEM_REGIONS)
        return AXVM_EINVAL;
    struct kvm_userspace_memory_region m = {
        .slot = slot,
        .flags = (r->flags & AXVM_MAP_WRITE) ? 0 : KVM_MEM_READONLY,
        .guest_phys_addr = r->gpa,
        .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)r->hva,
    };
    if (ioctl(xvm->fd, KVM_SET_USER_MEMORY_REGION, &m) < 0) {
        AXVM_ERR("kvm: memory slot %u at 0x%llx: errno %d\n", slot, (unsigned long long)r->gpa, errno);
        return AXVM_EIO;
    }
    return AXVM_OK;
}

int x86_vm_map_region(struct axvm_vm *vm, const struct axvm_region *r)
{
    struct x86_vm *xvm = vm->arch;
    if (!xvm || !r)
        return AXVM_EINVAL;
    if (r->type != AXVM_REGION_RAM && r->type != AXVM_REGION_SHARED)
        return AXVM_ENOTSUP; /* passthrough of host devices has no meaning in a process */
    return set_slot(xvm, r, r->size);
}

int x86_vm_unmap_region(struct axvm_vm *vm, const struct axvm_region *r)
{
    struct x86_vm *xvm = vm->arch;
    if (!xvm || !r)
        return AXVM_EINVAL;
    return set_slot(xvm, r, 0);
}

int x86_vm_attach_device(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev)
{
    struct x86_vm *xvm = vm->arch;
    switch (dev->kind) {
    case AXVM_EMU_UART16550:
        return x86_uart_attach(xvm, dev);
    case AXVM_EMU_DEBUG_EXIT:
        /* the portable MMIO test device (the port one comes with the options) */
        return axvm_testdev_attach(vm, dev->base);
    default:
        return AXVM_ENOTSUP;
    }
}

int x86_vm_reset(struct axvm_vm *vm)
{
    struct x86_vm *xvm = vm->arch;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
        struct x86_vcpu *xv = vm->vcpus[i].arch;
        if (!xv)
            continue;
        x86_lapic_reset(&xv->lapic, &vm->vcpus[i], (uint32_t)vm->vcpus[i].hwid);
        memset(&xv->pio, 0, sizeof xv->pio);
        memset(xv->sipi, 0, sizeof xv->sipi);
        xv->fault_gp = false;
        xv->kvm_exit = 0;
    }
    axvm_spin_lock(&xvm->shadow_lock);
    for (unsigned i = 0; i < xvm->opt.n_msr_traps; i++)
        xvm->shadow[i].value = 0;
    axvm_spin_unlock(&xvm->shadow_lock);
    return AXVM_OK;
}

