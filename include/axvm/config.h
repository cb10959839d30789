/* The compiled configuration the hypervisor loads beside its image.
 *
 * tools/axvm-config turns TOML VM files and guest images into one blob
 * (format: docs/CONFIG-BLOB.md). The hypervisor never trusts it: the loader
 * checks magic, version, sizes, checksum and every offset, then each VM
 * configuration goes through axvm_vm_config_validate again. Image pointers in
 * the result point into the blob, which stays untouched (pristine images for
 * reboot). */
#ifndef AXVM_CONFIG_H
#define AXVM_CONFIG_H

#include "axvm/types.h"
#include "axvm/vm.h"

struct axvm_ivc_config {
    uint32_t vm_a, vm_b;        /* VM ids */
    axvm_gpa_t gpa_a, gpa_b;
    uint32_t irq_a, irq_b;
    uint64_t size;
};

/* The architecture a VM is built for (VM record field `arch`). A host runs
 * only the VMs of its own architecture and must refuse the others. */
enum axvm_config_arch {
    AXVM_CONFIG_ARCH_AARCH64 = 0,
    AXVM_CONFIG_ARCH_X86_64 = 1,
};

/* x86_64 settings the generic VM record cannot carry (blob extension
 * "x86 v1", docs/CONFIG-BLOB.md). */
#define AXVM_X86_CFG_MAX_MSR_TRAPS 14
#define AXVM_X86_CFG_MAX_CPUID_HIDES 8

struct axvm_x86_vm_config {
    uint32_t cpu_mode;          /* 0 real mode, 1 long mode */
    uint16_t debug_port;        /* 0: none */
    unsigned n_msr_traps;
    uint32_t msr_traps[AXVM_X86_CFG_MAX_MSR_TRAPS];
    unsigned n_cpuid_hides;
    struct {
        uint32_t leaf;
        uint8_t reg;            /* 0 eax, 1 ebx, 2 ecx, 3 edx */
        uint8_t bit;
    } cpuid_hides[AXVM_X86_CFG_MAX_CPUID_HIDES];
};

struct axvm_platform_config {
    unsigned n_vms;
    struct axvm_vm_config vms[AXVM_MAX_VMS];
    unsigned n_ivc;
    struct axvm_ivc_config ivc[AXVM_MAX_IVC_CHANNELS];
    enum axvm_config_arch arch[AXVM_MAX_VMS];   /* of vms[i] */
    struct axvm_x86_vm_config x86[AXVM_MAX_VMS]; /* vms[i]'s, when arch[i] is X86_64 */
};

/* Parse and check `blob`. On error returns a negative code and writes a
 * message naming the offending field into err (if errlen > 0). */
int axvm_config_load(const void *blob, size_t len, struct axvm_platform_config *out, char *err, size_t errlen);

#endif
