/* Unit tests of the VMX capability decoder against MSR values recorded on an
 * Intel Skylake host (arch/x86_64/vmxcaps.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msr.h"
#include "vmxcaps.h"

static void put(struct vmx_caps_raw *r, uint32_t msr, uint64_t v)
{
    r->msr[msr - IA32_VMX_BASIC] = v;
    r->present |= 1u << (msr - IA32_VMX_BASIC);
}

static struct vmx_caps_raw skylake(void)
{
    struct vmx_caps_raw r;
    memset(&r, 0, sizeof r);
    put(&r, IA32_VMX_BASIC, 0x00da040000000004ull);
    put(&r, IA32_VMX_PINBASED_CTLS, 0x0000007f00000016ull);
    put(&r, IA32_VMX_PROCBASED_CTLS, 0xfff9fffe0401e172ull);
    put(&r, IA32_VMX_EXIT_CTLS, 0x01ffffff00036dffull);
    put(&r, IA32_VMX_ENTRY_CTLS, 0x0003ffff000011ffull);
    put(&r, IA32_VMX_MISC, 0x000000007004c1e7ull);
    put(&r, IA32_VMX_CR0_FIXED0, 0x80000021ull);
    put(&r, IA32_VMX_CR0_FIXED1, 0xffffffffull);
    put(&r, IA32_VMX_CR4_FIXED0, 0x2000ull);
    put(&r, IA32_VMX_CR4_FIXED1, 0x3727ffull);
    put(&r, IA32_VMX_PROCBASED_CTLS2, 0x00517fff00000000ull);
    put(&r, IA32_VMX_EPT_VPID_CAP, 0x00000f0106734141ull);
    put(&r, IA32_VMX_TRUE_PINBASED_CTLS, 0x0000007f00000016ull);
    put(&r, IA32_VMX_TRUE_PROCBASED_CTLS, 0xfff9fffe04006172ull);
    put(&r, IA32_VMX_TRUE_EXIT_CTLS, 0x01ffffff00036dfbull);
    put(&r, IA32_VMX_TRUE_ENTRY_CTLS, 0x0003ffff000011fbull);
    return r;
}

static void basic(void **state)
{
    (void)state;
    struct vmx_basic b = vmx_decode_basic(0x00da040000000004ull);
    assert_int_equal(b.revision, 4);
    assert_int_equal(b.region_size, 1024);
    assert_int_equal(b.mem_type, 6);
    assert_true(b.true_ctls);
    assert_true(b.ins_outs_info);
    assert_true(b.dual_monitor);
    assert_false(b.addr_32bit);
    assert_false(b.no_err_code_check);
    /* bit 31 is not part of the revision */
    assert_int_equal(vmx_decode_basic(0x80000001ull).revision, 1);
}

static void controls(void **state)
{
    (void)state;
    struct vmx_ctl c = vmx_decode_ctl(0xfff9fffe0401e172ull);
    assert_int_equal(c.must_be_1, 0x0401e172u);
    assert_int_equal(c.may_be_1, 0xfff9fffeu);
    /* HLT exiting (bit 7): free choice; CR3-load exiting (15): fixed 1 in the
     * plain MSR, free in the TRUE one; bit 0 fixed 0 */
    assert_true(c.may_be_1 & (1u << 7));
    assert_false(c.must_be_1 & (1u << 7));
    assert_true(c.must_be_1 & (1u << 15));
    assert_false(vmx_decode_ctl(0xfff9fffe04006172ull).must_be_1 & (1u << 15));
    assert_false(c.may_be_1 & 1u);
    assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC, 7), "HLT exiting");
    assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC2, 1), "EPT");
    assert_null(vmx_ctl_bit_name(VMX_CTL_PROC, 0));
    assert_null(vmx_ctl_bit_name(VMX_CTL_COUNT_, 0));
}

static void true_msr_choice(void **state)
{
    (void)state;
    struct vmx_caps_raw r = skylake();
    assert_int_equal(vmx_ctl_msr(&r, VMX_CTL_PROC), IA32_VMX_TRUE_PROCBASED_CTLS);
    assert_int_equal(vmx_ctl_msr(&r, VMX_CTL_ENTRY), IA32_VMX_TRUE_ENTRY_CTLS);
    assert_int_equal(vmx_ctl_msr(&r, VMX_CTL_PROC2), IA32_VMX_PROCBASED_CTLS2);
    /* without BASIC[55] the plain MSRs govern */
    r.msr[0] &= ~(1ull << 55);
    assert_int_equal(vmx_ctl_msr(&r, VMX_CTL_PROC), IA32_VMX_PROCBASED_CTLS);
    /* no secondary controls when primary bit 31 may not be set */
    r.msr[IA32_VMX_PROCBASED_CTLS - IA32_VMX_BASIC] &= ~(1ull << 63);
    assert_int_equal(vmx_ctl_msr(&r, VMX_CTL_PROC2), 0);
    /* nothing without IA32_VMX_BASIC */
    r.present = 0;
    assert_int_equal(vmx_ctl_msr(&r, VMX_CTL_PIN), 0);
}

static void fixed_and_ept(void **state)
{
    (void)state;
    struct vmx_fixed f = vmx_decode_fixed(0x80000021ull, 0xffffffffull);
    assert_int_equal(f.must_be_1, 0x80000021ull); /* PE, NE, PG */
    assert_int_equal(f.must_be_0, 0xffffffff00000000ull);
    struct vmx_fixed f4 = vmx_decode_fixed(0x2000ull, 0x3727ffull);
    assert_int_equal(f4.must_be_1, 0x2000ull); /* VMXE */
    assert_true(f4.must_be_0 & (1ull << 12));  /* LA57 not allowed there */
    struct vmx_ept_vpid e = vmx_decode_ept_vpid(0x00000f0106734141ull);
    assert_true(e.exec_only && e.walk4 && e.uc && e.wb && e.pde_2m && e.pdpte_1g);
    assert_true(e.invept && e.ad_flags && e.invept_single && e.invept_all);
    assert_false(e.walk5);
    assert_true(e.invvpid && e.invvpid_addr && e.invvpid_single && e.invvpid_all && e.invvpid_single_globals);
}

struct sink {
    char text[16384];
    size_t len;
};

static void emit(void *ctx, const char *line)
{
    struct sink *s = ctx;
    s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len, "%s\n", line);
}

static void report(void **state)
{
    (void)state;
    struct vmx_caps_raw r = skylake();
    static struct sink s;
    memset(&s, 0, sizeof s);
    unsigned n = vmx_caps_report(&r, emit, &s);
    assert_true(n > 20);
    assert_non_null(strstr(s.text, "VMCS revision 0x4, region 1024 bytes, memory type WB"));
    assert_non_null(strstr(s.text, "MSR 0x48e")); /* the TRUE primary controls */
    assert_non_null(strstr(s.text, "HLT exiting"));
    assert_non_null(strstr(s.text, "CR0 in VMX operation: must be 1 0x80000021"));
    assert_non_null(strstr(s.text, "EPT 4-level exec-only WB UC 2M 1G A/D"));
    memset(&s, 0, sizeof s);
    struct vmx_caps_raw none;
    memset(&none, 0, sizeof none);
    assert_int_equal(vmx_caps_report(&none, emit, &s), 1);
    assert_non_null(strstr(s.text, "not exposed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basic),
        cmocka_unit_test(controls),
        cmocka_unit_test(true_msr_choice),
        cmocka_unit_test(fixed_and_ept),
        cmocka_unit_test(report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
