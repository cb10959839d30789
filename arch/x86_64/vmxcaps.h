/* Decoding of the VMX capability MSRs (IA32_VMX_BASIC .. IA32_VMX_VMFUNC):
 * what a VMM may set in each VMCS control field and in CR0/CR4 while in VMX
 * operation. Pure C over recorded values, so it is testable on hosts without
 * VMX (SDM Vol. 3D, Appendix A). */
#ifndef AXVM_X86_VMXCAPS_H
#define AXVM_X86_VMXCAPS_H

#include "axvm/types.h"

/* Raw values; `present` has bit (msr - 0x480) set for each MSR that was read. */
struct vmx_caps_raw {
    uint64_t msr[18]; /* index = msr - IA32_VMX_BASIC */
    uint32_t present;
};

struct vmx_basic {
    uint32_t revision;       /* VMCS revision identifier, bits 30:0 */
    uint32_t region_size;    /* bytes of the VMXON / VMCS region, bits 44:32 */
    bool addr_32bit;         /* bit 48: VMX structures below 4 GiB */
    bool dual_monitor;       /* bit 49: SMM dual-monitor treatment */
    uint8_t mem_type;        /* bits 53:50: 0 UC, 6 WB */
    bool ins_outs_info;      /* bit 54: VM-exit instruction info for INS/OUTS */
    bool true_ctls;          /* bit 55: the IA32_VMX_TRUE_* MSRs exist */
    bool no_err_code_check;  /* bit 56: entry may deliver any exception without error-code checks */
};

/* A control field's allowed settings: a bit set in must_be_1 is fixed to 1,
 * a bit clear in may_be_1 is fixed to 0, everything else is the VMM's choice. */
struct vmx_ctl {
    uint32_t must_be_1; /* allowed-0 settings: low 32 bits of the MSR */
    uint32_t may_be_1;  /* allowed-1 settings: high 32 bits */
};

/* CR0/CR4 in VMX operation: bits set in fixed0 must be 1, bits clear in
 * fixed1 must be 0. */
struct vmx_fixed {
    uint64_t must_be_1;
    uint64_t must_be_0;
};

struct vmx_ept_vpid {
    bool exec_only, walk4, walk5, uc, wb, pde_2m, pdpte_1g, invept, ad_flags, adv_exit_info;
    bool invept_single, invept_all;
    bool invvpid, invvpid_addr, invvpid_single, invvpid_all, invvpid_single_globals;
};

enum vmx_ctl_kind { VMX_CTL_PIN = 0, VMX_CTL_PROC, VMX_CTL_PROC2, VMX_CTL_EXIT, VMX_CTL_ENTRY, VMX_CTL_COUNT_ };

struct vmx_basic vmx_decode_basic(uint64_t v);
struct vmx_ctl vmx_decode_ctl(uint64_t v);
struct vmx_fixed vmx_decode_fixed(uint64_t fixed0, uint64_t fixed1);
struct vmx_ept_vpid vmx_decode_ept_vpid(uint64_t v);

/* The MSR that governs a control field, honouring IA32_VMX_BASIC[55]
 * (TRUE controls) like a VMM must. 0 when unavailable (no secondary
 * controls without primary bit 31). */
uint32_t vmx_ctl_msr(const struct vmx_caps_raw *raw, enum vmx_ctl_kind kind);

/* Name of a control bit ("HLT exiting"), NULL if unnamed. */
const char *vmx_ctl_bit_name(enum vmx_ctl_kind kind, unsigned bit);

/* Whole report, one line per emit call (no trailing newline). Returns the
 * number of lines. With no VMX MSR present it says so in one line. */
unsigned vmx_caps_report(const struct vmx_caps_raw *raw, void (*emit)(void *ctx, const char *line), void *ctx);

#endif
