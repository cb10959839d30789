/* hypercall: axvm's own SMCCC hypercalls (function id 0xC6000000 | nr):
 * VERSION, VM_ID, DEBUG_PUTC, unknown numbers, IVC calls with bad
 * arguments (each must come back as an error code, never hurt the VM), and
 * the SMCCC 1.1 promise that x4..x17 survive a call. */
#include "axvm/hypercall.h"
#include "axvm/types.h"
#include "exc.h"
#include "printf.h"
#include "psci.h"
#include "smccc.h"
#include "sysreg.h"
#include "test.h"

const char guest_name[] = "hypercall";

static int64_t hc(uint32_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
    struct smccc_res r;
    smccc_call(SMCCC_HVC, AXVM_HC_FID(nr), a1, a2, a3, a4, a5, a6, &r);
    return (int64_t)r.a0;
}

/* Calls `fid` over HVC with x4..x17 holding known values and reports the
 * first register that came back different (0: all preserved). */
static unsigned clobbered_reg(uint32_t fid, uint64_t *got)
{
    uint64_t out[14];
    __asm__ volatile("mov x0, %1\n\t"
                     "mov x4, #0x4444\n\tmov x5, #0x5555\n\tmov x6, #0x6666\n\tmov x7, #0x7777\n\t"
                     "mov x8, #0x8888\n\tmov x9, #0x9999\n\tmov x10, #0xaaaa\n\tmov x11, #0xbbbb\n\t"
                     "mov x12, #0xcccc\n\tmov x13, #0xdddd\n\tmov x14, #0xeeee\n\tmov x15, #0xffff\n\t"
                     "mov x16, #0x1616\n\tmov x17, #0x1717\n\t"
                     "hvc #0\n\t"
                     "stp x4, x5, [%0]\n\tstp x6, x7, [%0, #16]\n\tstp x8, x9, [%0, #32]\n\t"
                     "stp x10, x11, [%0, #48]\n\tstp x12, x13, [%0, #64]\n\tstp x14, x15, [%0, #80]\n\t"
                     "stp x16, x17, [%0, #96]"
                     :
                     : "r"(out), "r"((uint64_t)fid)
                     : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
                       "x14", "x15", "x16", "x17", "memory");
    static const uint64_t want[14] = { 0x4444, 0x5555, 0x6666, 0x7777, 0x8888, 0x9999, 0xaaaa,
                                       0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xffff, 0x1616, 0x1717 };
    for (unsigned i = 0; i < 14; i++)
        if (out[i] != want[i]) {
            *got = out[i];
            return i + 4;
        }
    return 0;
}

static void preserve_case(const char *name, uint32_t fid)
{
    uint64_t got = 0;
    unsigned reg = clobbered_reg(fid, &got);
    test_check(name, reg == 0, "x%u came back as %#lx", reg, got);
}

static void ivc_cases(int64_t my_id)
{
    const uint64_t gpa = 0x30000000; /* free in the test VM's map */
    int64_t r;

    r = hc(AXVM_HC_IVC_ALLOC, (uint64_t)my_id, gpa, gpa, 4096, 40, 41);
    test_eq("ivc.alloc-with-self", (uint64_t)r, (uint64_t)(int64_t)AXVM_EINVAL);
    r = hc(AXVM_HC_IVC_ALLOC, (uint64_t)my_id, gpa, gpa, 0, 40, 41);
    test_eq("ivc.alloc-size-0", (uint64_t)r, (uint64_t)(int64_t)AXVM_EINVAL);
    /* This VM is linked to no other by its configuration: every peer id is
     * "no such VM", checked before any other argument (include/axvm/ivc.h). */
    r = hc(AXVM_HC_IVC_ALLOC, 0x7777, gpa, gpa, 4096, 40, 41);
    test_eq("ivc.alloc-no-such-peer", (uint64_t)r, (uint64_t)(int64_t)AXVM_ENOENT);
    r = hc(AXVM_HC_IVC_ALLOC, 0x7777, gpa + 1, gpa, 4096, 40, 41);
    test_eq("ivc.alloc-misaligned", (uint64_t)r, (uint64_t)(int64_t)AXVM_ENOENT);
    r = hc(AXVM_HC_IVC_ALLOC, 0x7777, gpa, 0x40000000, 0, 1, 27);
    test_eq("ivc.alloc-no-peer-before-args", (uint64_t)r, (uint64_t)(int64_t)AXVM_ENOENT);
    r = hc(AXVM_HC_IVC_ALLOC, (uint64_t)my_id, ~0ull - 4095, gpa, ~0ull, 40, 41);
    test_check("ivc.alloc-wrapping", r < 0, "returned %ld, want a negative error", r);

    static const uint64_t bad_ids[] = { 0xdead, AXVM_MAX_IVC_CHANNELS, 1ull << 40, ~0ull };
    static const struct { uint32_t nr; const char *name; } calls[] = {
        { AXVM_HC_IVC_RELEASE, "ivc.release-unknown" },
        { AXVM_HC_IVC_DOORBELL, "ivc.doorbell-unknown" },
        { AXVM_HC_IVC_INFO, "ivc.info-unknown" },
    };
    for (unsigned c = 0; c < 3; c++) {
        bool ok = true;
        for (unsigned i = 0; i < 4 && ok; i++) {
            r = hc(calls[c].nr, bad_ids[i], 0, 0, 0, 0, 0);
            if (r != AXVM_ENOENT && r != AXVM_EINVAL && r != AXVM_ERANGE) {
                test_fail(calls[c].name, "channel %#lx: returned %ld, want ENOENT/EINVAL/ERANGE", bad_ids[i], r);
                ok = false;
            }
        }
        if (ok)
            test_pass(calls[c].name);
    }
}

void guest_main(void)
{
    preserve_case("smccc.preserves-x4-x17.psci-version", PSCI_VERSION);
    if (!test_need_axvm("axvm-hypercalls"))
        return;
    preserve_case("smccc.preserves-x4-x17.axvm-version", AXVM_HC_FID(AXVM_HC_VERSION));

    test_eq("version", (uint64_t)hc(AXVM_HC_VERSION, 0, 0, 0, 0, 0, 0),
            ((uint64_t)AXVM_VERSION_MAJOR << 16) | AXVM_VERSION_MINOR);

    int64_t id = hc(AXVM_HC_VM_ID, 0, 0, 0, 0, 0, 0);
    test_check("vm-id", id >= 0 && id < 0x10000 && hc(AXVM_HC_VM_ID, 0, 0, 0, 0, 0, 0) == id,
               "VM_ID %ld (must be a small non-negative id, the same every time)", id);
    test_note("VM_ID %ld", id);

    /* run.sh checks the line shows up on the console. */
    test_note("console-expect hypercall-putc-ok");
    const char *msg = "hypercall-putc-ok\n";
    bool ok = true;
    for (const char *s = msg; *s; s++)
        ok = ok && hc(AXVM_HC_DEBUG_PUTC, (uint8_t)*s, 0, 0, 0, 0, 0) == 0;
    test_check("debug-putc", ok, "DEBUG_PUTC did not return 0");

    static const uint32_t unknown[] = { AXVM_HC_COUNT_, 99, 0xFFFF };
    ok = true;
    for (unsigned i = 0; i < 3 && ok; i++) {
        int64_t r = hc(unknown[i], 1, 2, 3, 4, 5, 6);
        if (r != AXVM_ENOTSUP) {
            test_fail("unknown-nr", "nr %#x returned %ld, want %d (ENOTSUP)", unknown[i], r, AXVM_ENOTSUP);
            ok = false;
        }
    }
    if (ok)
        test_pass("unknown-nr");

    if (id >= 0)
        ivc_cases(id);

    test_eq("carry-on", (uint64_t)hc(AXVM_HC_VERSION, 0, 0, 0, 0, 0, 0),
            ((uint64_t)AXVM_VERSION_MAJOR << 16) | AXVM_VERSION_MINOR);
}
