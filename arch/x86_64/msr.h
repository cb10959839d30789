/* Model-specific register numbers axvm names (seed 004's Msr enum), and the
 * typed access to a guest's MSRs through KVM (KVM_GET/SET_MSRS). */
#ifndef AXVM_X86_MSR_H
#define AXVM_X86_MSR_H

#include "axvm/types.h"

enum x86_msr {
    IA32_APIC_BASE = 0x1B,
    IA32_FEATURE_CONTROL = 0x3A,
    IA32_TSC_AUX = 0xC0000103,
    IA32_PAT = 0x277,
    IA32_MTRR_DEF_TYPE = 0x2FF,
    IA32_XSS = 0xDA0,

    IA32_VMX_BASIC = 0x480,
    IA32_VMX_PINBASED_CTLS = 0x481,
    IA32_VMX_PROCBASED_CTLS = 0x482,
    IA32_VMX_EXIT_CTLS = 0x483,
    IA32_VMX_ENTRY_CTLS = 0x484,
    IA32_VMX_MISC = 0x485,
    IA32_VMX_CR0_FIXED0 = 0x486,
    IA32_VMX_CR0_FIXED1 = 0x487,
    IA32_VMX_CR4_FIXED0 = 0x488,
    IA32_VMX_CR4_FIXED1 = 0x489,
    IA32_VMX_VMCS_ENUM = 0x48A,
    IA32_VMX_PROCBASED_CTLS2 = 0x48B,
    IA32_VMX_EPT_VPID_CAP = 0x48C,
    IA32_VMX_TRUE_PINBASED_CTLS = 0x48D,
    IA32_VMX_TRUE_PROCBASED_CTLS = 0x48E,
    IA32_VMX_TRUE_EXIT_CTLS = 0x48F,
    IA32_VMX_TRUE_ENTRY_CTLS = 0x490,
    IA32_VMX_VMFUNC = 0x491,

    IA32_EFER = 0xC0000080,
    IA32_STAR = 0xC0000081,
    IA32_LSTAR = 0xC0000082,
    IA32_CSTAR = 0xC0000083,
    IA32_FMASK = 0xC0000084,
    IA32_FS_BASE = 0xC0000100,
    IA32_GS_BASE = 0xC0000101,
    IA32_KERNEL_GSBASE = 0xC0000102,

    /* x2APIC register space: 0x800 + (xAPIC MMIO offset >> 4) */
    X2APIC_MSR_FIRST = 0x800,
    X2APIC_MSR_LAST = 0x8FF,
};

/* IA32_EFER bits */
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

struct axvm_vcpu;

/* Read / write one MSR of a (not running) guest vCPU through KVM. Returns
 * AXVM_ENOTSUP when KVM refuses the MSR, AXVM_EIO on ioctl failure. */
int x86_guest_msr_read(struct axvm_vcpu *vcpu, uint32_t msr, uint64_t *value);
int x86_guest_msr_write(struct axvm_vcpu *vcpu, uint32_t msr, uint64_t value);

#endif
