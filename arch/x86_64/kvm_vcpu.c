/* vCPU side of the KVM backend and its operations table: KVM_RUN, exit
 * translation, register access, interrupt injection through KVM_INTERRUPT
 * (axvm, not KVM, owns the local APIC: there is no in-kernel irqchip). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axvm/hal.h"
#include "axvm/log.h"
#include "hal_kvm.h"
#include "msr.h"
#include "x86_kvm.h"

static bool x86_supported(void)
{
    return x86_kvm_fd() >= 0;
}

static int x86_percpu_init(unsigned pcpu)
{
    (void)pcpu;
    return x86_kvm_fd() >= 0 ? AXVM_OK : AXVM_ENOTSUP;
}

static int x86_vcpu_create(struct axvm_vcpu *v)
{
    struct x86_vm *xvm = x86_vm_of(v->vm);
    struct x86_vcpu *xv = calloc(1, sizeof *xv);
    if (!xv)
        return AXVM_ENOMEM;
    xv->v = v;
    xv->fd = ioctl(xvm->fd, KVM_CREATE_VCPU, (unsigned long)v->id);
    if (xv->fd < 0) {
        AXVM_ERR("kvm: KVM_CREATE_VCPU %u: errno %d\n", v->id, errno);
        free(xv);
        return AXVM_EIO;
    }
    int sz = ioctl(x86_kvm_fd(), KVM_GET_VCPU_MMAP_SIZE, 0);
    void *run = sz > 0 ? mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, xv->fd, 0) : MAP_FAILED;
    if (run == MAP_FAILED) {
        close(xv->fd);
        free(xv);
        return AXVM_EIO;
    }
    xv->run = run;
    xv->run_size = (size_t)sz;
    v->hwid = v->id; /* APIC id = index, as CPUID reports */
    v->arch = xv;
    int rc = x86_cpuid_apply(xvm, xv, (uint32_t)v->hwid);
    if (rc) {
        munmap(xv->run, xv->run_size);
        close(xv->fd);
        free(xv);
        v->arch = NULL;
        return rc;
    }
    x86_lapic_reset(&xv->lapic, v, (uint32_t)v->hwid);
    return AXVM_OK;
}

static void x86_vcpu_destroy(struct axvm_vcpu *v)
{
    struct x86_vcpu *xv = v->arch;
    if (!xv)
        return;
    axvm_timer_cancel(&xv->lapic.timer);
    munmap(xv->run, xv->run_size);
    close(xv->fd);
    free(xv);
    v->arch = NULL;
}

static int x86_vcpu_setup(struct axvm_vcpu *v, axvm_gpa_t entry, uint64_t arg, axvm_hpa_t root)
{
    (void)root; /* KVM owns the nested tables */
    struct x86_vcpu *xv = v->arch;
    struct kvm_vcpu_events ev;
    memset(&ev, 0, sizeof ev);
    (void)ioctl(xv->fd, KVM_SET_VCPU_EVENTS, &ev); /* nothing pending from a previous life */
    memset(&xv->pio, 0, sizeof xv->pio);
    memset(xv->sipi, 0, sizeof xv->sipi);
    xv->fault_gp = false;
    xv->kvm_exit = 0;
    xv->run->request_interrupt_window = 0;
    xv->run->immediate_exit = 0;
    x86_lapic_reset(&xv->lapic, v, (uint32_t)v->hwid);
    return x86_boot_setup(x86_vm_of(v->vm), xv, entry, arg, v->id != 0);
}

static void x86_vcpu_bind(struct axvm_vcpu *v)
{
    hal_kvm_set_immediate_exit(&x86_vcpu_of(v)->run->immediate_exit);
}

static void x86_vcpu_unbind(struct axvm_vcpu *v)
{
    (void)v;
    hal_kvm_set_immediate_exit(NULL);
}

static int load_regs(struct x86_vcpu *xv)
{
    if (xv->regs_valid)
        return AXVM_OK;
    if (ioctl(xv->fd, KVM_GET_REGS, &xv->regs) < 0)
        return AXVM_EIO;
    xv->regs_valid = true;
    return AXVM_OK;
}

/* KVM_REGS order differs from the hardware numbering */
static __u64 *kvm_reg(struct kvm_regs *r, unsigned idx)
{
    __u64 *const map[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
                               &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};
    return map[idx];
}

static int x86_get_gpr(struct axvm_vcpu *v, unsigned idx, uint64_t *value)
{
    struct x86_vcpu *xv = v->arch;
    if (idx >= 16 || idx == X86_RSP)
        return AXVM_ERANGE;
    int rc = load_regs(xv);
    if (rc)
        return rc;
    struct x86_gprs g;
    for (unsigned i = 0; i < 16; i++)
        g.r[i] = *kvm_reg(&xv->regs, i);
    return x86_gpr_get(&g, idx, X86_VIEW_64, value);
}

/* The completion of a read the core did for an exit whose data lives in
 * kvm_run (AXVM_REG_DEFERRED): port IN, MMIO read, RDMSR. */
static int complete_deferred(struct x86_vcpu *xv, uint64_t value)
{
    struct kvm_run *run = xv->run;
    switch (xv->kvm_exit) {
    case KVM_EXIT_IO: {
        uint8_t *p = (uint8_t *)run + xv->pio.data_offset + (uint64_t)xv->pio.index * xv->pio.size;
        memcpy(p, &value, xv->pio.size); /* little-endian host */
        return AXVM_OK;
    }
    case KVM_EXIT_MMIO:
        memcpy(run->mmio.data, &value, run->mmio.len <= 8 ? run->mmio.len : 8);
        return AXVM_OK;
    case KVM_EXIT_X86_RDMSR:
        run->msr.data = value;
        run->msr.error = 0;
        return AXVM_OK;
    default:
        return AXVM_ESTATE;
    }
}

static int x86_set_gpr(struct axvm_vcpu *v, unsigned idx, uint64_t value)
{
    struct x86_vcpu *xv = v->arch;
    if (idx == AXVM_REG_DEFERRED)
        return complete_deferred(xv, value);
    if (idx >= 16 || idx == X86_RSP)
        return AXVM_ERANGE;
    int rc = load_regs(xv);
    if (rc)
        return rc;
    *kvm_reg(&xv->regs, idx) = value;
    xv->regs_dirty = true;
    return AXVM_OK;
}

static void x86_set_return_value(struct axvm_vcpu *v, uint64_t value)
{
    struct x86_vcpu *xv = v->arch;
    /* CPU_UP here comes from an INIT/SIPI through the ICR: no result register */
    if (xv->last != AXVM_EXIT_HYPERCALL)
        return;
    if (xv->kvm_exit == KVM_EXIT_HYPERCALL)
        xv->run->hypercall.ret = value;
    else
        (void)x86_set_gpr(v, X86_RAX, value);
}

static uint64_t x86_error_to_guest(int err)
{
    return (uint64_t)(int64_t)err; /* negative AXVM_E* code, sign-extended into rax */
}

static int x86_inject_irq(struct axvm_vcpu *v, uint32_t irq)
{
    return x86_lapic_set_irr(&x86_vcpu_of(v)->lapic, irq);
}

static bool x86_irq_pending(struct axvm_vcpu *v)
{
    struct x86_vcpu *xv = v->arch;
    /* HLT with IF clear is only left by NMI/INIT/SMI, none of which pend here */
    return xv->run->if_flag && x86_lapic_deliverable(&xv->lapic) >= 0;
}

static int x86_inject_fault(struct axvm_vcpu *v, const struct axvm_exit *exit)
{
    struct x86_vcpu *xv = v->arch;
    switch (exit->reason) {
    case AXVM_EXIT_SYSREG_READ:
    case AXVM_EXIT_SYSREG_WRITE:
        if (xv->kvm_exit != KVM_EXIT_X86_RDMSR && xv->kvm_exit != KVM_EXIT_X86_WRMSR)
            return AXVM_ESTATE;
        xv->run->msr.error = 1; /* KVM raises #GP(0) at the RDMSR/WRMSR itself: precise */
        return AXVM_OK;
    case AXVM_EXIT_IO_READ:
        /* nothing answers: the bus floats high, as on a PC; no exception exists for this */
        return complete_deferred(xv, ~0ull);
    case AXVM_EXIT_IO_WRITE:
        return AXVM_OK;
    case AXVM_EXIT_MMIO_READ:
        (void)complete_deferred(xv, ~0ull);
        xv->fault_gp = true;
        return AXVM_OK;
    case AXVM_EXIT_MMIO_WRITE:
        xv->fault_gp = true;
        return AXVM_OK;
    default:
        return AXVM_ENOTSUP;
    }
}

static uint64_t x86_wake_deadline(struct axvm_vcpu *v)
{
    (void)v; /* the APIC timer is an axvm_timer that kicks the vCPU itself */
    return UINT64_MAX;
}

/* The MMIO access has been emulated by KVM (with the all-ones the core gave
 * it) only once KVM_RUN completes it; then #GP(0) is queued. RIP is already
 * past the instruction: KVM does not report its length, so this #GP is
 * imprecise (documented). */
static int deliver_gp(struct x86_vcpu *xv)
{
    xv->fault_gp = false;
    struct kvm_run *run = xv->run;
    /* an access split by KVM (crossing a page) comes back for its further
     * fragments first: they belong to the faulting instruction too */
    for (unsigned i = 0;; i++) {
        run->immediate_exit = 1;
        int r = ioctl(xv->fd, KVM_RUN, 0);
        int err = errno;
        run->immediate_exit = 0;
        if (r < 0 && (err == EINTR || err == EAGAIN))
            break;
        if (r < 0 || run->exit_reason != KVM_EXIT_MMIO || i == 8)
            return AXVM_EIO;
        if (!run->mmio.is_write)
            memset(run->mmio.data, 0xFF, sizeof run->mmio.data);
    }
    struct kvm_vcpu_events ev;
    if (ioctl(xv->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return AXVM_EIO;
    ev.exception.pending = 0;
    ev.exception.injected = 1;
    ev.exception.nr = 13;
    ev.exception.has_error_code = 1;
    ev.exception.error_code = 0;
    ev.flags = 0;
    if (ioctl(xv->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
        return AXVM_EIO;
    return AXVM_OK;
}

static uint64_t dump_state(struct axvm_vcpu *v, const char *what, uint64_t detail)
{
    struct x86_vcpu *xv = v->arch;
    struct kvm_regs r;
    struct kvm_sregs s;
    memset(&r, 0, sizeof r);
    memset(&s, 0, sizeof s);
    (void)ioctl(xv->fd, KVM_GET_REGS, &r);
    (void)ioctl(xv->fd, KVM_GET_SREGS, &s);
    /* one line per call: the log buffer is short */
    AXVM_ERR("vm %s vcpu %u: %s (0x%llx)\n", v->vm->cfg.name, v->id, what, (unsigned long long)detail);
    AXVM_ERR("  rip %016llx rsp %016llx rflags %016llx\n", (unsigned long long)r.rip, (unsigned long long)r.rsp,
             (unsigned long long)r.rflags);
    AXVM_ERR("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)r.rax,
             (unsigned long long)r.rbx, (unsigned long long)r.rcx, (unsigned long long)r.rdx);
    AXVM_ERR("  rsi %016llx rdi %016llx rbp %016llx\n", (unsigned long long)r.rsi, (unsigned long long)r.rdi,
             (unsigned long long)r.rbp);
    AXVM_ERR("  cs %04x base %llx cr0 %llx cr2 %llx cr3 %llx cr4 %llx efer %llx\n", s.cs.selector,
             (unsigned long long)s.cs.base, (unsigned long long)s.cr0, (unsigned long long)s.cr2,
             (unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer);
    return r.rip;
}

/* One element of a (possibly repeated) port access. */
static void pio_exit(struct x86_vcpu *xv, struct axvm_exit *exit)
{
    struct x86_pio *p = &xv->pio;
    exit->u.io.port = p->port;
    exit->u.io.width = p->size;
    if (p->dir == KVM_EXIT_IO_IN) {
        exit->reason = AXVM_EXIT_IO_READ;
        exit->u.io.reg = AXVM_REG_DEFERRED;
    } else {
        exit->reason = AXVM_EXIT_IO_WRITE;
        uint64_t d = 0;
        memcpy(&d, (uint8_t *)xv->run + p->data_offset + (uint64_t)p->index * p->size, p->size);
        exit->u.io.data = d;
    }
}

static void inject_interrupt(struct x86_vcpu *xv)
{
    struct kvm_run *run = xv->run;
    int vec = x86_lapic_deliverable(&xv->lapic);
    if (vec < 0) {
        run->request_interrupt_window = 0;
        return;
    }
    if (run->ready_for_interrupt_injection && run->if_flag) {
        struct kvm_interrupt irq = {.irq = (uint32_t)vec};
        if (ioctl(xv->fd, KVM_INTERRUPT, &irq) == 0) {
            x86_lapic_ack(&xv->lapic, (uint32_t)vec);
            run->request_interrupt_window = 0;
            return;
        }
    }
    run->request_interrupt_window = 1; /* KVM exits when the guest can take it */
}

static int translate(struct axvm_vcpu *v, struct x86_vcpu *xv, struct axvm_exit *exit)
{
    struct kvm_run *run = xv->run;
    xv->kvm_exit = run->exit_reason;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
            goto fatal;
        xv->pio = (struct x86_pio){.count = run->io.count, .index = 0, .size = run->io.size,
                                   .dir = run->io.direction, .port = run->io.port,
                                   .data_offset = run->io.data_offset};
        if (xv->pio.count == 0 || xv->pio.data_offset + (uint64_t)xv->pio.count * xv->pio.size > xv->run_size)
            goto fatal;
        pio_exit(xv, exit);
        return AXVM_OK;
    case KVM_EXIT_MMIO: {
        unsigned len = run->mmio.len;
        if (len != 1 && len != 2 && len != 4 && len != 8) {
            /* e.g. a 16-byte SSE access: no device model can take it */
            xv->fault_gp = true;
            exit->reason = AXVM_EXIT_NOTHING;
            return AXVM_OK;
        }
        if (run->mmio.is_write) {
            uint64_t d = 0;
            memcpy(&d, run->mmio.data, len);
            exit->reason = AXVM_EXIT_MMIO_WRITE;
            exit->u.mmio_write.addr = run->mmio.phys_addr;
            exit->u.mmio_write.width = (uint8_t)len;
            exit->u.mmio_write.data = d;
        } else {
            exit->reason = AXVM_EXIT_MMIO_READ;
            exit->u.mmio_read.addr = run->mmio.phys_addr;
            exit->u.mmio_read.width = (uint8_t)len;
            exit->u.mmio_read.reg = AXVM_REG_DEFERRED;
            /* KVM's emulator applies the x86 register-width rules itself */
            exit->u.mmio_read.reg_width = 8;
            exit->u.mmio_read.sign_extend = false;
        }
        return AXVM_OK;
    }
    case KVM_EXIT_X86_RDMSR:
        run->msr.error = 0;
        run->msr.data = 0;
        exit->reason = AXVM_EXIT_SYSREG_READ;
        exit->u.sysreg.addr = run->msr.index;
        exit->u.sysreg.reg = AXVM_REG_DEFERRED;
        return AXVM_OK;
    case KVM_EXIT_X86_WRMSR:
        run->msr.error = 0;
        exit->reason = AXVM_EXIT_SYSREG_WRITE;
        exit->u.sysreg.addr = run->msr.index;
        exit->u.sysreg.reg = X86_RAX; /* edx:eax, already combined by KVM */
        exit->u.sysreg.value = run->msr.data;
        return AXVM_OK;
    case KVM_EXIT_HLT:
        exit->reason = AXVM_EXIT_HALT;
        return AXVM_OK;
    case KVM_EXIT_HYPERCALL:
        exit->reason = AXVM_EXIT_HYPERCALL;
        exit->u.hypercall.nr = run->hypercall.nr;
        for (unsigned i = 0; i < 6; i++)
            exit->u.hypercall.args[i] = run->hypercall.args[i];
        run->hypercall.ret = (uint64_t)(int64_t)AXVM_ENOTSUP;
        return AXVM_OK;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
        exit->reason = AXVM_EXIT_NOTHING;
        return AXVM_OK;
    case KVM_EXIT_SYSTEM_EVENT:
        exit->reason = run->system_event.type == KVM_SYSTEM_EVENT_RESET ? AXVM_EXIT_SYSTEM_RESET
                                                                         : AXVM_EXIT_SYSTEM_DOWN;
        exit->u.system.reason = run->system_event.type;
        return AXVM_OK;
    case KVM_EXIT_SHUTDOWN:
        exit->guest_pc = dump_state(v, "shutdown (triple fault)", run->exit_reason);
        exit->reason = AXVM_EXIT_FAIL_ENTRY;
        exit->u.fail_entry.hw_reason = KVM_EXIT_SHUTDOWN;
        return AXVM_OK;
    case KVM_EXIT_FAIL_ENTRY:
        exit->guest_pc = dump_state(v, "entry failed, hardware reason", run->fail_entry.hardware_entry_failure_reason);
        exit->reason = AXVM_EXIT_FAIL_ENTRY;
        exit->u.fail_entry.hw_reason = run->fail_entry.hardware_entry_failure_reason;
        return AXVM_OK;
    case KVM_EXIT_INTERNAL_ERROR:
        exit->guest_pc = dump_state(v, "KVM internal error, suberror", run->internal.suberror);
        exit->reason = AXVM_EXIT_FAIL_ENTRY;
        exit->u.fail_entry.hw_reason = 0x10000u | run->internal.suberror;
        return AXVM_OK;
    default:
        break;
    }
fatal:
    exit->guest_pc = dump_state(v, "unexpected KVM exit", run->exit_reason);
    exit->reason = AXVM_EXIT_FAIL_ENTRY;
    exit->u.fail_entry.hw_reason = run->exit_reason;
    return AXVM_OK;
}

static int x86_vcpu_run(struct axvm_vcpu *v, struct axvm_exit *exit)
{
    struct x86_vcpu *xv = v->arch;
    struct kvm_run *run = xv->run;
    memset(exit, 0, sizeof *exit);

    /* SIPIs this vCPU sent become CPU_UP exits, one per call */
    for (unsigned i = 0; i < v->vm->cfg.vcpu_count; i++) {
        if (xv->sipi[i]) {
            exit->reason = AXVM_EXIT_CPU_UP;
            exit->u.cpu_up.target = v->vm->vcpus[i].hwid;
            exit->u.cpu_up.entry = (uint64_t)(xv->sipi[i] - 1) << 12;
            exit->u.cpu_up.arg = 0;
            xv->sipi[i] = 0;
            xv->last = exit->reason;
            return AXVM_OK;
        }
    }
    /* the rest of a REP INS/OUTS */
    if (xv->kvm_exit == KVM_EXIT_IO && xv->pio.index + 1 < xv->pio.count) {
        xv->pio.index++;
        pio_exit(xv, exit);
        xv->last = exit->reason;
        return AXVM_OK;
    }
    if (xv->fault_gp && deliver_gp(xv)) {
        (void)dump_state(v, "cannot inject #GP", 0);
        return AXVM_EIO;
    }
    if (xv->regs_dirty) {
        if (ioctl(xv->fd, KVM_SET_REGS, &xv->regs) < 0)
            return AXVM_EIO;
        xv->regs_dirty = false;
    }
    inject_interrupt(xv);
    xv->kvm_exit = 0;
    int r = ioctl(xv->fd, KVM_RUN, 0);
    int err = errno;
    run->immediate_exit = 0;
    xv->regs_valid = false;
    hal_kvm_service();
    if (r < 0) {
        if (err == EINTR || err == EAGAIN) {
            exit->reason = AXVM_EXIT_EXTERNAL_INTERRUPT;
            xv->last = exit->reason;
            return AXVM_OK;
        }
        AXVM_ERR("vm %s vcpu %u: KVM_RUN: errno %d\n", v->vm->cfg.name, v->id, err);
        return AXVM_EIO;
    }
    int rc = translate(v, xv, exit);
    if (v->trace.enabled && !exit->guest_pc && load_regs(xv) == AXVM_OK)
        exit->guest_pc = xv->regs.rip;
    xv->last = exit->reason;
    return rc;
}

int x86_guest_msr_read(struct axvm_vcpu *v, uint32_t msr, uint64_t *value)
{
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e;
    } m;
    memset(&m, 0, sizeof m);
    m.h.nmsrs = 1;
    m.e.index = msr;
    int r = ioctl(x86_vcpu_of(v)->fd, KVM_GET_MSRS, &m);
    if (r < 0)
        return AXVM_EIO;
    if (r != 1)
        return AXVM_ENOTSUP;
    *value = m.e.data;
    return AXVM_OK;
}

int x86_guest_msr_write(struct axvm_vcpu *v, uint32_t msr, uint64_t value)
{
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e;
    } m;
    memset(&m, 0, sizeof m);
    m.h.nmsrs = 1;
    m.e.index = msr;
    m.e.data = value;
    int r = ioctl(x86_vcpu_of(v)->fd, KVM_SET_MSRS, &m);
    if (r < 0)
        return AXVM_EIO;
    return r == 1 ? AXVM_OK : AXVM_ENOTSUP;
}

const struct axvm_arch_ops x86_kvm_ops = {
    .name = "x86_64-kvm",
    .hardware_supported = x86_supported,
    .percpu_init = x86_percpu_init,
    .pt_format = NULL,
    .vm_init = x86_vm_init,
    .vm_destroy = x86_vm_destroy,
    .vm_map_region = x86_vm_map_region,
    .vm_attach_device = x86_vm_attach_device,
    .vcpu_create = x86_vcpu_create,
    .vcpu_destroy = x86_vcpu_destroy,
    .vcpu_setup = x86_vcpu_setup,
    .vcpu_bind = x86_vcpu_bind,
    .vcpu_unbind = x86_vcpu_unbind,
    .vcpu_run = x86_vcpu_run,
    .vcpu_get_gpr = x86_get_gpr,
    .vcpu_set_gpr = x86_set_gpr,
    .vcpu_set_return_value = x86_set_return_value,
    .error_to_guest = x86_error_to_guest,
    .vcpu_inject_irq = x86_inject_irq,
    .vcpu_irq_pending = x86_irq_pending,
    .vcpu_inject_fault = x86_inject_fault,
    .vcpu_wake_deadline = x86_wake_deadline,
    .vm_reset = x86_vm_reset,
    .vm_unmap_region = x86_vm_unmap_region,
    .vm_tlb_flush = NULL,
};
