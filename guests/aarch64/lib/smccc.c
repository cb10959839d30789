#include "smccc.h"

#include "exc.h"

/* SMCCC 1.0 lets the callee corrupt x4..x17, so they are all clobbers here;
 * the hypercall guest checks the 1.1 preservation promise separately. */
#define SMCCC_CLOBBERS "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory"

void smccc_call(enum smccc_conduit c, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                uint64_t a5, uint64_t a6, struct smccc_res *res)
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    register uint64_t x4 __asm__("x4") = a4;
    register uint64_t x5 __asm__("x5") = a5;
    register uint64_t x6 __asm__("x6") = a6;
    if (c == SMCCC_SMC)
        __asm__ volatile("smc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
                         :
                         : SMCCC_CLOBBERS);
    else
        __asm__ volatile("hvc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
                         :
                         : SMCCC_CLOBBERS);
    res->a0 = x0;
    res->a1 = x1;
    res->a2 = x2;
    res->a3 = x3;
}

bool smccc_try(enum smccc_conduit c, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
               uint64_t a5, uint64_t a6, struct smccc_res *res)
{
    fault_expect();
    smccc_call(c, fid, a1, a2, a3, a4, a5, a6, res);
    return fault_collect(0);
}

int64_t smccc_call3(enum smccc_conduit c, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    struct smccc_res r;
    smccc_call(c, fid, a1, a2, a3, 0, 0, 0, &r);
    return (int64_t)r.a0;
}
