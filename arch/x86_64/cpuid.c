/* CPUID of a VM: what KVM supports, with the hypervisor bit, axvm's own
 * leaf 0x40000000 ("AxVMAxVMAxVM"), the x2APIC axvm emulates, consistent
 * APIC ids per vCPU, and features hidden by configuration. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "axvm/hypercall.h"
#include "axvm/log.h"
#include "x86_kvm.h"

#define CPUID_MAX_ENTRIES 256

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
    for (uint32_t i = 0; i < c->nent; i++)
        if (c->entries[i].function == fn && c->entries[i].index == idx)
            return &c->entries[i];
    return NULL;
}

static uint32_t *reg_of(struct kvm_cpuid_entry2 *e, unsigned r)
{
    switch (r) {
    case 0: return &e->eax;
    case 1: return &e->ebx;
    case 2: return &e->ecx;
    default: return &e->edx;
    }
}

int x86_cpuid_build(struct x86_vm *xvm)
{
    size_t sz = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *c = calloc(1, sz);
    if (!c)
        return AXVM_ENOMEM;
    c->nent = CPUID_MAX_ENTRIES;
    if (ioctl(x86_kvm_fd(), KVM_GET_SUPPORTED_CPUID, c) < 0) {
        AXVM_ERR("kvm: KVM_GET_SUPPORTED_CPUID failed\n");
        free(c);
        return AXVM_EIO;
    }
    /* KVM's own paravirtual leaves go: the guest sees axvm's signature */
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->nent; i++)
        if ((c->entries[i].function & 0xFFFFFF00u) != 0x40000000u)
            c->entries[n++] = c->entries[i];
    c->nent = n;
    if (n + 2 > CPUID_MAX_ENTRIES) {
        free(c);
        return AXVM_ENOMEM;
    }
    struct kvm_cpuid_entry2 *hv = &c->entries[c->nent++];
    memset(hv, 0, sizeof *hv);
    hv->function = 0x40000000u;
    hv->eax = 0x40000001u;
    memcpy(&hv->ebx, "AxVM", 4);
    memcpy(&hv->ecx, "AxVM", 4);
    memcpy(&hv->edx, "AxVM", 4);
    struct kvm_cpuid_entry2 *hv1 = &c->entries[c->nent++];
    memset(hv1, 0, sizeof *hv1);
    hv1->function = 0x40000001u;
    hv1->eax = (AXVM_VERSION_MAJOR << 16) | AXVM_VERSION_MINOR;

    struct kvm_cpuid_entry2 *l1 = find(c, 1, 0);
    if (l1) {
        l1->ecx |= 1u << 31;    /* hypervisor present */
        l1->ecx |= 1u << 21;    /* x2APIC: axvm emulates it */
        l1->ecx &= ~(1u << 24); /* TSC-deadline timer: not emulated */
        l1->edx |= 1u << 9;     /* APIC on chip */
    }
    for (unsigned i = 0; i < xvm->opt.n_hides; i++) {
        const struct x86_cpuid_hide *h = &xvm->opt.hides[i];
        for (uint32_t j = 0; j < c->nent; j++)
            if (c->entries[j].function == h->leaf)
                *reg_of(&c->entries[j], h->reg) &= ~(1u << h->bit);
    }
    xvm->cpuid = c;
    return AXVM_OK;
}

int x86_cpuid_apply(struct x86_vm *xvm, struct x86_vcpu *xv, uint32_t apic_id)
{
    struct kvm_cpuid2 *base = xvm->cpuid;
    size_t sz = sizeof(struct kvm_cpuid2) + base->nent * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *c = malloc(sz);
    if (!c)
        return AXVM_ENOMEM;
    memcpy(c, base, sz);
    unsigned n = xvm->vm->cfg.vcpu_count;
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == 1) {
            /* initial APIC id and the logical processor count of the package */
            e->ebx = (e->ebx & 0x0000FFFFu) | (apic_id << 24) | ((n & 0xFFu) << 16);
            if (n > 1)
                e->edx |= 1u << 28; /* HTT: the count field is valid */
        } else if (e->function == 0xB || e->function == 0x1F) {
            /* one thread per core, every vCPU a core of one package */
            e->edx = apic_id;
            if (e->index == 0) {
                e->eax = 0;
                e->ebx = 1;
                e->ecx = (e->ecx & ~0xFFFFu) | (1u << 8);
            } else if (e->index == 1) {
                uint32_t shift = 0;
                while ((1u << shift) < n)
                    shift++;
                e->eax = shift;
                e->ebx = n;
                e->ecx = (e->ecx & ~0xFFFFu) | (2u << 8) | 1u;
            } else {
                e->eax = 0;
                e->ebx = 0;
                e->ecx = e->index & 0xFFu;
            }
        }
    }
    int rc = ioctl(xv->fd, KVM_SET_CPUID2, c) < 0 ? AXVM_EIO : AXVM_OK;
    if (rc)
        AXVM_ERR("kvm: KVM_SET_CPUID2: errno %d\n", errno);
    free(c);
    return rc;
}
