/* axvm-kvm --caps: what this host's KVM offers axvm. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "caps.h"
#include "msr.h"
#include "vmxcaps.h"
#include "x86_kvm.h"

static const struct {
    long cap;
    const char *name;
    const char *why;
} caps[] = {
    {KVM_CAP_USER_MEMORY, "USER_MEMORY", "guest RAM from the process"},
    {KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT", "race-free kicks"},
    {KVM_CAP_X86_USER_SPACE_MSR, "X86_USER_SPACE_MSR", "MSR exits to axvm (required)"},
    {KVM_CAP_X86_MSR_FILTER, "X86_MSR_FILTER", "per-VM trapped MSRs (required)"},
    {KVM_CAP_EXIT_HYPERCALL, "EXIT_HYPERCALL", "hypercall exits (bitmap of KVM_HC_*)"},
    {KVM_CAP_EXT_CPUID, "EXT_CPUID", "KVM_SET_CPUID2"},
    {KVM_CAP_MP_STATE, "MP_STATE", "in-kernel INIT/SIPI (axvm models them itself)"},
    {KVM_CAP_IRQCHIP, "IRQCHIP", "in-kernel APIC (not used: axvm emulates the x2APIC)"},
    {KVM_CAP_SPLIT_IRQCHIP, "SPLIT_IRQCHIP", ""},
    {KVM_CAP_X2APIC_API, "X2APIC_API", ""},
    {KVM_CAP_GET_MSR_FEATURES, "GET_MSR_FEATURES", "feature MSRs on the system fd"},
    {KVM_CAP_NESTED_STATE, "NESTED_STATE", "nested virtualization state"},
    {KVM_CAP_COALESCED_MMIO, "COALESCED_MMIO", ""},
    {KVM_CAP_IOEVENTFD, "IOEVENTFD", ""},
    {KVM_CAP_IRQFD, "IRQFD", ""},
    {KVM_CAP_DIRTY_LOG_RING, "DIRTY_LOG_RING", ""},
    {KVM_CAP_HYPERV, "HYPERV", ""},
    {KVM_CAP_TSC_CONTROL, "TSC_CONTROL", ""},
    {KVM_CAP_NR_VCPUS, "NR_VCPUS", "recommended vCPUs per VM"},
    {KVM_CAP_MAX_VCPUS, "MAX_VCPUS", ""},
    {KVM_CAP_NR_MEMSLOTS, "NR_MEMSLOTS", ""},
};

static void emit(void *ctx, const char *line)
{
    (void)ctx;
    printf("  %s\n", line);
}

/* Feature MSRs through the system fd: only the ones KVM lists may be read. */
static void vmx_report(int kvm)
{
    struct vmx_caps_raw raw;
    memset(&raw, 0, sizeof raw);
    struct kvm_msr_list probe = {.nmsrs = 0};
    if (ioctl(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
        printf("  KVM_GET_MSR_FEATURE_INDEX_LIST: not supported (errno %d)\n", errno);
        vmx_caps_report(&raw, emit, NULL);
        return;
    }
    struct kvm_msr_list *list = calloc(1, sizeof *list + probe.nmsrs * sizeof(uint32_t));
    if (!list)
        return;
    list->nmsrs = probe.nmsrs;
    if (ioctl(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, list) < 0) {
        free(list);
        return;
    }
    printf("  feature MSRs listed: %u:", list->nmsrs);
    for (uint32_t i = 0; i < list->nmsrs; i++)
        printf(" 0x%x", list->indices[i]);
    printf("\n");
    for (uint32_t i = 0; i < list->nmsrs; i++) {
        uint32_t idx = list->indices[i];
        if (idx < IA32_VMX_BASIC || idx > IA32_VMX_VMFUNC)
            continue;
        struct {
            struct kvm_msrs h;
            struct kvm_msr_entry e;
        } m;
        memset(&m, 0, sizeof m);
        m.h.nmsrs = 1;
        m.e.index = idx;
        if (ioctl(kvm, KVM_GET_MSRS, &m) == 1) {
            raw.msr[idx - IA32_VMX_BASIC] = m.e.data;
            raw.present |= 1u << (idx - IA32_VMX_BASIC);
        }
    }
    free(list);
    vmx_caps_report(&raw, emit, NULL);
}

int kvm_caps_print(void)
{
    int kvm = x86_kvm_fd();
    if (kvm < 0) {
        printf("/dev/kvm: not available (%s)\n", strerror(errno));
        return 1;
    }
    printf("KVM API version %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
    printf("capabilities:\n");
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        int r = x86_kvm_check(caps[i].cap);
        printf("  %-20s %-6d %s\n", caps[i].name, r, caps[i].why);
    }
    int hc = x86_kvm_check(KVM_CAP_EXIT_HYPERCALL);
    if (hc > 0) {
        printf("  hypercalls that exit to user space:");
        for (int b = 0; b < 31; b++)
            if (hc & (1 << b))
                printf(" %d%s", b, b == 12 ? " (KVM_HC_MAP_GPA_RANGE)" : "");
        printf("\n");
    }
    struct {
        struct kvm_cpuid2 h;
        struct kvm_cpuid_entry2 e[256];
    } c;
    memset(&c, 0, sizeof c);
    c.h.nent = 256;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &c) == 0) {
        char vendor[13] = {0};
        bool vmx = false, svm = false, x2apic = false;
        for (uint32_t i = 0; i < c.h.nent; i++) {
            struct kvm_cpuid_entry2 *e = &c.e[i];
            if (e->function == 0) {
                memcpy(vendor, &e->ebx, 4);
                memcpy(vendor + 4, &e->edx, 4);
                memcpy(vendor + 8, &e->ecx, 4);
            } else if (e->function == 1) {
                vmx = e->ecx & (1u << 5);
                x2apic = e->ecx & (1u << 21);
            } else if (e->function == 0x80000001u) {
                svm = e->ecx & (1u << 2);
            }
        }
        printf("supported CPUID: %u entries, vendor \"%s\", guest VMX %s, guest SVM %s, x2APIC %s\n", c.h.nent,
               vendor, vmx ? "yes" : "no", svm ? "yes" : "no", x2apic ? "yes" : "no");
    }
    printf("VMX capability MSRs (nested VMX as KVM would offer it to a guest):\n");
    vmx_report(kvm);
    return 0;
}
