/* SMC Calling Convention: fast calls over HVC or SMC, x0..x6 in, x0..x3 out. */
#ifndef GUEST_SMCCC_H
#define GUEST_SMCCC_H

#include <stdbool.h>
#include <stdint.h>

enum smccc_conduit { SMCCC_HVC = 0, SMCCC_SMC };

struct smccc_res {
    uint64_t a0, a1, a2, a3;
};

#define SMCCC_VERSION 0x80000000u
#define SMCCC_ARCH_FEATURES 0x80000001u
#define SMCCC_NOT_SUPPORTED (-1)

/* axvm's own hypercalls: vendor-specific hypervisor service range. */
#define AXVM_HC_FID(nr) (0xC6000000u | (uint32_t)(nr))

void smccc_call(enum smccc_conduit c, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                uint64_t a5, uint64_t a6, struct smccc_res *res);
/* Like smccc_call, but an exception caused by the call instruction itself
 * (UNDEFINED: nobody at EL2/EL3 to take it) is caught: returns true then, and
 * res holds the unchanged arguments. */
bool smccc_try(enum smccc_conduit c, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
               uint64_t a5, uint64_t a6, struct smccc_res *res);
/* x0 of a call with up to three arguments (the common case). */
int64_t smccc_call3(enum smccc_conduit c, uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

#endif
