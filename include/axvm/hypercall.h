/* axvm's own hypercalls, architecture-neutral numbers. A backend maps its
 * calling convention onto them (on Arm: SMCCC fast calls in the vendor-specific
 * hypervisor service range, function id 0xC6000000 | nr; args in x1..x6;
 * result in x0). Unknown numbers return AXVM_ENOTSUP to the guest. Errors
 * are the negative AXVM_E* codes, sign-extended to 64 bits. The IVC calls
 * only work on channels the calling VM is an end of (others: AXVM_ENOENT). */
#ifndef AXVM_HYPERCALL_H
#define AXVM_HYPERCALL_H

enum axvm_hypercall {
    AXVM_HC_VERSION = 0,        /* -> (major << 16) | minor */
    AXVM_HC_IVC_ALLOC = 1,      /* (peer vm id, my gpa, peer gpa, size, my irq, peer irq) -> channel id */
    AXVM_HC_IVC_RELEASE = 2,    /* (channel id) -> 0 */
    AXVM_HC_IVC_DOORBELL = 3,   /* (channel id) -> 0 */
    AXVM_HC_IVC_INFO = 4,       /* (channel id) -> size */
    AXVM_HC_VM_ID = 5,          /* -> the caller's VM id */
    AXVM_HC_DEBUG_PUTC = 6,     /* (char) -> 0: early console for test guests */
    AXVM_HC_IVC_FIND = 7,       /* (my gpa) -> id of the caller's channel mapped there
                                   (how a guest learns the ids of configured channels) */
    AXVM_HC_COUNT_
};

#define AXVM_VERSION_MAJOR 0
#define AXVM_VERSION_MINOR 1

#endif
