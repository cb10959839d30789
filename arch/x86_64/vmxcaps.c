/* VMX capability decoding; see vmxcaps.h. Bit meanings: SDM Vol. 3D App. A. */
#include "vmxcaps.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msr.h"

static bool bit(uint64_t v, unsigned b) { return (v >> b) & 1u; }

struct vmx_basic vmx_decode_basic(uint64_t v)
{
    struct vmx_basic b = {
        .revision = (uint32_t)(v & 0x7FFFFFFFu),
        .region_size = (uint32_t)((v >> 32) & 0x1FFFu),
        .addr_32bit = bit(v, 48),
        .dual_monitor = bit(v, 49),
        .mem_type = (uint8_t)((v >> 50) & 0xFu),
        .ins_outs_info = bit(v, 54),
        .true_ctls = bit(v, 55),
        .no_err_code_check = bit(v, 56),
    };
    return b;
}

struct vmx_ctl vmx_decode_ctl(uint64_t v)
{
    struct vmx_ctl c = {.must_be_1 = (uint32_t)v, .may_be_1 = (uint32_t)(v >> 32)};
    return c;
}

struct vmx_fixed vmx_decode_fixed(uint64_t fixed0, uint64_t fixed1)
{
    struct vmx_fixed f = {.must_be_1 = fixed0, .must_be_0 = ~fixed1};
    return f;
}

struct vmx_ept_vpid vmx_decode_ept_vpid(uint64_t v)
{
    struct vmx_ept_vpid e = {
        .exec_only = bit(v, 0), .walk4 = bit(v, 6), .walk5 = bit(v, 7), .uc = bit(v, 8), .wb = bit(v, 14),
        .pde_2m = bit(v, 16), .pdpte_1g = bit(v, 17), .invept = bit(v, 20), .ad_flags = bit(v, 21),
        .adv_exit_info = bit(v, 22), .invept_single = bit(v, 25), .invept_all = bit(v, 26),
        .invvpid = bit(v, 32), .invvpid_addr = bit(v, 40), .invvpid_single = bit(v, 41),
        .invvpid_all = bit(v, 42), .invvpid_single_globals = bit(v, 43),
    };
    return e;
}

static bool has(const struct vmx_caps_raw *raw, uint32_t msr)
{
    return msr >= IA32_VMX_BASIC && msr <= IA32_VMX_VMFUNC && (raw->present >> (msr - IA32_VMX_BASIC)) & 1u;
}

static uint64_t get(const struct vmx_caps_raw *raw, uint32_t msr) { return raw->msr[msr - IA32_VMX_BASIC]; }

uint32_t vmx_ctl_msr(const struct vmx_caps_raw *raw, enum vmx_ctl_kind kind)
{
    static const uint32_t plain[VMX_CTL_COUNT_] = {IA32_VMX_PINBASED_CTLS, IA32_VMX_PROCBASED_CTLS,
                                                   IA32_VMX_PROCBASED_CTLS2, IA32_VMX_EXIT_CTLS,
                                                   IA32_VMX_ENTRY_CTLS};
    static const uint32_t truemsr[VMX_CTL_COUNT_] = {IA32_VMX_TRUE_PINBASED_CTLS, IA32_VMX_TRUE_PROCBASED_CTLS,
                                                     0, IA32_VMX_TRUE_EXIT_CTLS, IA32_VMX_TRUE_ENTRY_CTLS};
    if (!raw || (unsigned)kind >= VMX_CTL_COUNT_ || !has(raw, IA32_VMX_BASIC))
        return 0;
    if (kind == VMX_CTL_PROC2) {
        /* the secondary controls exist only if the primary ones may set bit 31 */
        uint32_t p = vmx_ctl_msr(raw, VMX_CTL_PROC);
        if (!p || !(vmx_decode_ctl(get(raw, p)).may_be_1 & (1u << 31)))
            return 0;
    }
    uint32_t m = plain[kind];
    if (vmx_decode_basic(get(raw, IA32_VMX_BASIC)).true_ctls && truemsr[kind] && has(raw, truemsr[kind]))
        m = truemsr[kind];
    return has(raw, m) ? m : 0;
}

static const char *const pin_names[32] = {
    [0] = "external-interrupt exiting", [3] = "NMI exiting", [5] = "virtual NMIs",
    [6] = "VMX-preemption timer", [7] = "posted interrupts",
};
static const char *const proc_names[32] = {
    [2] = "interrupt-window exiting", [3] = "TSC offsetting", [7] = "HLT exiting", [9] = "INVLPG exiting",
    [10] = "MWAIT exiting", [11] = "RDPMC exiting", [12] = "RDTSC exiting", [15] = "CR3-load exiting",
    [16] = "CR3-store exiting", [17] = "tertiary controls", [19] = "CR8-load exiting",
    [20] = "CR8-store exiting", [21] = "TPR shadow", [22] = "NMI-window exiting", [23] = "MOV-DR exiting",
    [24] = "unconditional I/O exiting", [25] = "I/O bitmaps", [27] = "monitor trap flag",
    [28] = "MSR bitmaps", [29] = "MONITOR exiting", [30] = "PAUSE exiting", [31] = "secondary controls",
};
static const char *const proc2_names[32] = {
    [0] = "virtualize APIC accesses", [1] = "EPT", [2] = "descriptor-table exiting", [3] = "RDTSCP",
    [4] = "virtualize x2APIC mode", [5] = "VPID", [6] = "WBINVD exiting", [7] = "unrestricted guest",
    [8] = "APIC-register virtualization", [9] = "virtual-interrupt delivery", [10] = "PAUSE-loop exiting",
    [11] = "RDRAND exiting", [12] = "INVPCID", [13] = "VM functions", [14] = "VMCS shadowing",
    [15] = "ENCLS exiting", [16] = "RDSEED exiting", [17] = "PML", [18] = "EPT-violation #VE",
    [19] = "conceal VMX from PT", [20] = "XSAVES/XRSTORS", [22] = "mode-based execute control",
    [23] = "sub-page write permissions", [24] = "PT uses guest-physical addresses", [25] = "TSC scaling",
    [26] = "user wait and pause", [28] = "ENCLV exiting",
};
static const char *const exit_names[32] = {
    [2] = "save debug controls", [9] = "host address-space size", [12] = "load IA32_PERF_GLOBAL_CTRL",
    [15] = "acknowledge interrupt on exit", [18] = "save IA32_PAT", [19] = "load IA32_PAT",
    [20] = "save IA32_EFER", [21] = "load IA32_EFER", [22] = "save VMX-preemption timer",
};
static const char *const entry_names[32] = {
    [2] = "load debug controls", [9] = "IA-32e mode guest", [10] = "entry to SMM",
    [11] = "deactivate dual-monitor", [13] = "load IA32_PERF_GLOBAL_CTRL", [14] = "load IA32_PAT",
    [15] = "load IA32_EFER", [16] = "load IA32_BNDCFGS",
};

const char *vmx_ctl_bit_name(enum vmx_ctl_kind kind, unsigned b)
{
    static const char *const *const tabs[VMX_CTL_COUNT_] = {pin_names, proc_names, proc2_names, exit_names,
                                                          entry_names};
    if ((unsigned)kind >= VMX_CTL_COUNT_ || b >= 32)
        return NULL;
    return tabs[kind][b];
}

struct out {
    void (*emit)(void *, const char *);
    void *ctx;
    unsigned lines;
};

__attribute__((format(printf, 2, 3))) static void line(struct out *o, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->emit(o->ctx, buf);
    o->lines++;
}

static void report_ctl(struct out *o, const struct vmx_caps_raw *raw, enum vmx_ctl_kind kind, const char *title)
{
    uint32_t m = vmx_ctl_msr(raw, kind);
    if (!m) {
        line(o, "%s: not available", title);
        return;
    }
    struct vmx_ctl c = vmx_decode_ctl(get(raw, m));
    line(o, "%s (MSR 0x%x = 0x%016llx): fixed-1 0x%08x, allowed-1 0x%08x", title, m,
         (unsigned long long)get(raw, m), c.must_be_1, c.may_be_1);
    for (unsigned b = 0; b < 32; b++) {
        bool one = (c.must_be_1 >> b) & 1u, may = (c.may_be_1 >> b) & 1u;
        const char *n = vmx_ctl_bit_name(kind, b);
        if (!n && !one)
            continue; /* unnamed bits: only the reserved-must-be-1 ones matter */
        const char *how = one ? "fixed 1" : may ? "allowed" : "fixed 0";
        line(o, "  bit %2u %-34s %s", b, n ? n : "(reserved)", how);
    }
}

unsigned vmx_caps_report(const struct vmx_caps_raw *raw, void (*emit)(void *ctx, const char *line), void *ctx)
{
    struct out o = {emit, ctx, 0};
    if (!raw || !has(raw, IA32_VMX_BASIC)) {
        line(&o, "VMX capability MSRs: not exposed by this host (no VMX, or KVM does not report them)");
        return o.lines;
    }
    uint64_t bv = get(raw, IA32_VMX_BASIC);
    struct vmx_basic b = vmx_decode_basic(bv);
    line(&o, "IA32_VMX_BASIC = 0x%016llx: VMCS revision 0x%x, region %u bytes, memory type %s%s%s%s",
         (unsigned long long)bv, b.revision, b.region_size,
         b.mem_type == 6 ? "WB" : b.mem_type == 0 ? "UC" : "reserved", b.addr_32bit ? ", 32-bit addresses" : "",
         b.ins_outs_info ? ", INS/OUTS info" : "", b.true_ctls ? ", TRUE controls" : "");
    report_ctl(&o, raw, VMX_CTL_PIN, "pin-based controls");
    report_ctl(&o, raw, VMX_CTL_PROC, "primary processor-based controls");
    report_ctl(&o, raw, VMX_CTL_PROC2, "secondary processor-based controls");
    report_ctl(&o, raw, VMX_CTL_EXIT, "VM-exit controls");
    report_ctl(&o, raw, VMX_CTL_ENTRY, "VM-entry controls");
    if (has(raw, IA32_VMX_MISC)) {
        uint64_t m = get(raw, IA32_VMX_MISC);
        line(&o, "IA32_VMX_MISC = 0x%016llx: preemption timer rate 2^%u, CR3 targets %u, max MSR list %u",
             (unsigned long long)m, (unsigned)(m & 0x1F), (unsigned)((m >> 16) & 0x1FF),
             512u * (unsigned)(((m >> 25) & 7u) + 1u));
    }
    static const struct { uint32_t f0, f1; const char *name; } crs[] = {
        {IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1, "CR0"},
        {IA32_VMX_CR4_FIXED0, IA32_VMX_CR4_FIXED1, "CR4"},
    };
    for (unsigned i = 0; i < 2; i++) {
        if (!has(raw, crs[i].f0) || !has(raw, crs[i].f1)) {
            line(&o, "%s fixed bits: not available", crs[i].name);
            continue;
        }
        struct vmx_fixed f = vmx_decode_fixed(get(raw, crs[i].f0), get(raw, crs[i].f1));
        line(&o, "%s in VMX operation: must be 1 0x%llx, must be 0 0x%llx", crs[i].name,
             (unsigned long long)f.must_be_1, (unsigned long long)f.must_be_0);
    }
    if (vmx_ctl_msr(raw, VMX_CTL_PROC2) && has(raw, IA32_VMX_EPT_VPID_CAP)) {
        uint64_t v = get(raw, IA32_VMX_EPT_VPID_CAP);
        struct vmx_ept_vpid e = vmx_decode_ept_vpid(v);
        line(&o, "IA32_VMX_EPT_VPID_CAP = 0x%016llx: EPT%s%s%s%s%s%s%s%s; INVEPT%s%s; INVVPID%s%s%s%s",
             (unsigned long long)v, e.walk4 ? " 4-level" : "", e.walk5 ? " 5-level" : "",
             e.exec_only ? " exec-only" : "", e.wb ? " WB" : "", e.uc ? " UC" : "", e.pde_2m ? " 2M" : "",
             e.pdpte_1g ? " 1G" : "", e.ad_flags ? " A/D" : "",
             e.invept_single ? " single" : "", e.invept_all ? " all" : e.invept ? "" : " none",
             e.invvpid_addr ? " address" : "", e.invvpid_single ? " single" : "", e.invvpid_all ? " all" : "",
             e.invvpid ? "" : " none");
    } else {
        line(&o, "EPT/VPID: not available");
    }
    return o.lines;
}
