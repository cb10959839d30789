/* x86 general registers by hardware index, with the 32/16/8-bit views
 * (seed 002: GeneralRegisters get/set_reg_of_index).
 *
 * Index 4 is rsp, which lives in the segment/stack state and not in this
 * block; like the seed's `_unused_rsp` it is not a GPR slot, but here that is
 * an AXVM_ERANGE, not a panic. Pure C, no KVM: unit-tested on its own. */
#ifndef AXVM_X86_REGS_H
#define AXVM_X86_REGS_H

#include "axvm/types.h"

struct x86_gprs {
    uint64_t r[16]; /* by hardware index; r[4] unused */
};

enum x86_gpr {
    X86_RAX = 0, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/* Sub-register views: which bytes of the 64-bit register an access covers. */
enum x86_view {
    X86_VIEW_64 = 0, /* rax */
    X86_VIEW_32,     /* eax: a write zero-extends to 64 bits */
    X86_VIEW_16,     /* ax: a write keeps bits 63:16 */
    X86_VIEW_8L,     /* al: a write keeps bits 63:8 */
    X86_VIEW_8H,     /* ah: only for indices 0-3; a write keeps everything else */
};

int x86_gpr_get(const struct x86_gprs *g, unsigned idx, enum x86_view view, uint64_t *value);
int x86_gpr_set(struct x86_gprs *g, unsigned idx, enum x86_view view, uint64_t value);

/* Name of a register view ("eax", "r9w", "ah"), NULL for invalid pairs. */
const char *x86_gpr_name(unsigned idx, enum x86_view view);

#endif
