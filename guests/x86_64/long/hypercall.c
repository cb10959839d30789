/* Long-mode guest: a hypercall through VMMCALL/VMCALL. The KVM here forwards
 * only KVM_HC_MAP_GPA_RANGE (12) to user space (KVM_CAP_EXIT_HYPERCALL);
 * axvm hands it to the core, which knows no such call and answers
 * ENOTSUP (-10) in rax. */
#include "guest.h"

int guest_main(void);
int guest_main(void)
{
    idt_init();
    uint32_t r[4];
    cpuid(0, 0, r);
    bool amd = r[1] == 0x68747541u; /* "Auth" */
    uint64_t ret;
    if (amd)
        __asm__ volatile("vmmcall" : "=a"(ret) : "a"(12ull), "b"(0x200000ull), "c"(1ull), "d"(0ull) : "memory");
    else
        __asm__ volatile("vmcall" : "=a"(ret) : "a"(12ull), "b"(0x200000ull), "c"(1ull), "d"(0ull) : "memory");
    CHECK("hypercall/exit-to-axvm", ret == (uint64_t)-10, "rax 0x%lx", ret);
    return failures;
}
