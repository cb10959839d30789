/* General registers by index and width; see regs.h. */
#include "regs.h"

static bool valid(unsigned idx, enum x86_view view)
{
    if (idx >= 16 || idx == X86_RSP)
        return false;
    if (view == X86_VIEW_8H)
        return idx <= X86_RBX; /* ah, ch, dh, bh only exist for the legacy four */
    return view <= X86_VIEW_8H;
}

int x86_gpr_get(const struct x86_gprs *g, unsigned idx, enum x86_view view, uint64_t *value)
{
    if (!g || !value || !valid(idx, view))
        return AXVM_ERANGE;
    uint64_t v = g->r[idx];
    switch (view) {
    case X86_VIEW_64: break;
    case X86_VIEW_32: v &= 0xFFFFFFFFull; break;
    case X86_VIEW_16: v &= 0xFFFFull; break;
    case X86_VIEW_8L: v &= 0xFFull; break;
    case X86_VIEW_8H: v = (v >> 8) & 0xFFull; break;
    }
    *value = v;
    return AXVM_OK;
}

int x86_gpr_set(struct x86_gprs *g, unsigned idx, enum x86_view view, uint64_t value)
{
    if (!g || !valid(idx, view))
        return AXVM_ERANGE;
    uint64_t *r = &g->r[idx];
    switch (view) {
    case X86_VIEW_64: *r = value; break;
    case X86_VIEW_32: *r = value & 0xFFFFFFFFull; break; /* the architecture zero-extends */
    case X86_VIEW_16: *r = (*r & ~0xFFFFull) | (value & 0xFFFFull); break;
    case X86_VIEW_8L: *r = (*r & ~0xFFull) | (value & 0xFFull); break;
    case X86_VIEW_8H: *r = (*r & ~0xFF00ull) | ((value & 0xFFull) << 8); break;
    }
    return AXVM_OK;
}

const char *x86_gpr_name(unsigned idx, enum x86_view view)
{
    static const char *const n64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    static const char *const n32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    static const char *const n16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                                        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    static const char *const n8[16] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                       "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    static const char *const n8h[4] = {"ah", "ch", "dh", "bh"};
    if (!valid(idx, view))
        return NULL;
    switch (view) {
    case X86_VIEW_64: return n64[idx];
    case X86_VIEW_32: return n32[idx];
    case X86_VIEW_16: return n16[idx];
    case X86_VIEW_8L: return n8[idx];
    case X86_VIEW_8H: return n8h[idx];
    }
    return NULL;
}
