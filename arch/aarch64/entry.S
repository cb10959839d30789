/* EL2 exception vectors, guest entry/exit and FP/SIMD save/restore.
 *
 * The hypervisor runs with PSTATE.DAIF masked at all times: physical
 * interrupts are only noticed as exits from the guest (HCR_EL2.IMO routes
 * them to EL2) or after a WFI in idle, and then polled from ICC_IAR1_EL1.
 * So every current-EL vector is a hypervisor bug (rt_hyp_fault). */
.arch armv8-a+fp+simd

/* struct a64_ctx: x0..x30 at offset 0 (see vcpu_ctx.h). */
#define HOST_FRAME 112   /* x19-x30 (96 bytes) + ctx pointer, 16-aligned */

.macro hyp_fault_entry type
    .balign 0x80
    sub     sp, sp, #(34 * 8)
    stp     x0, x1, [sp, #0]
    mov     x1, #\type
    b       hyp_fault_common
.endm

.macro guest_exit_entry type
    .balign 0x80
    stp     x0, x1, [sp, #-16]!
    mov     x0, #\type
    b       guest_exit_common
.endm

.section .text.vectors, "ax"
.balign 0x800
.global a64_vectors
a64_vectors:
    hyp_fault_entry 0   /* current EL, SP_EL0: sync */
    hyp_fault_entry 1
    hyp_fault_entry 2
    hyp_fault_entry 3
    hyp_fault_entry 4   /* current EL, SP_ELx: sync */
    hyp_fault_entry 5   /* irq */
    hyp_fault_entry 6   /* fiq */
    hyp_fault_entry 7   /* serror */
    guest_exit_entry 0  /* lower EL AArch64: sync */
    guest_exit_entry 1  /* irq */
    guest_exit_entry 2  /* fiq */
    guest_exit_entry 3  /* serror */
    guest_exit_entry 0  /* lower EL AArch32 (EL0 of a guest): same paths */
    guest_exit_entry 1
    guest_exit_entry 2
    guest_exit_entry 3

/* x0 = exit type, guest x0/x1 on the stack above the host frame. */
guest_exit_common:
    ldr     x1, [sp, #(16 + 96)]        /* ctx */
    stp     x2, x3, [x1, #16]
    stp     x4, x5, [x1, #32]
    stp     x6, x7, [x1, #48]
    stp     x8, x9, [x1, #64]
    stp     x10, x11, [x1, #80]
    stp     x12, x13, [x1, #96]
    stp     x14, x15, [x1, #112]
    stp     x16, x17, [x1, #128]
    stp     x18, x19, [x1, #144]
    stp     x20, x21, [x1, #160]
    stp     x22, x23, [x1, #176]
    stp     x24, x25, [x1, #192]
    stp     x26, x27, [x1, #208]
    stp     x28, x29, [x1, #224]
    str     x30, [x1, #240]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x1, #0]
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #HOST_FRAME
    ret

/* unsigned a64_guest_enter(struct a64_ctx *ctx): ELR_EL2, SPSR_EL2 and the
 * EL1 state are already loaded; returns the vector type of the exit. */
.text
.global a64_guest_enter
a64_guest_enter:
    sub     sp, sp, #HOST_FRAME
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    str     x0, [sp, #96]
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret
    dsb     nsh             /* speculation barrier after eret */
    isb

/* Hypervisor's own exception: save x0-x30, call rt_hyp_fault(frame, type). */
hyp_fault_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mov     x0, sp
    bl      rt_hyp_fault
1:  wfe
    b       1b

/* void a64_fp_save(uint64_t *area) / a64_fp_restore(const uint64_t *area):
 * q0-q31 (512 bytes) then FPCR, FPSR. */
.global a64_fp_save
a64_fp_save:
    stp     q0, q1, [x0, #0]
    stp     q2, q3, [x0, #32]
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    stp     q8, q9, [x0, #128]
    stp     q10, q11, [x0, #160]
    stp     q12, q13, [x0, #192]
    stp     q14, q15, [x0, #224]
    stp     q16, q17, [x0, #256]
    stp     q18, q19, [x0, #288]
    stp     q20, q21, [x0, #320]
    stp     q22, q23, [x0, #352]
    stp     q24, q25, [x0, #384]
    stp     q26, q27, [x0, #416]
    stp     q28, q29, [x0, #448]
    stp     q30, q31, [x0, #480]
    mrs     x1, fpcr
    mrs     x2, fpsr
    add     x0, x0, #512
    stp     x1, x2, [x0]
    ret

.global a64_fp_restore
a64_fp_restore:
    ldp     q0, q1, [x0, #0]
    ldp     q2, q3, [x0, #32]
    ldp     q4, q5, [x0, #64]
    ldp     q6, q7, [x0, #96]
    ldp     q8, q9, [x0, #128]
    ldp     q10, q11, [x0, #160]
    ldp     q12, q13, [x0, #192]
    ldp     q14, q15, [x0, #224]
    ldp     q16, q17, [x0, #256]
    ldp     q18, q19, [x0, #288]
    ldp     q20, q21, [x0, #320]
    ldp     q22, q23, [x0, #352]
    ldp     q24, q25, [x0, #384]
    ldp     q26, q27, [x0, #416]
    ldp     q28, q29, [x0, #448]
    ldp     q30, q31, [x0, #480]
    add     x0, x0, #512
    ldp     x1, x2, [x0]
    msr     fpcr, x1
    msr     fpsr, x2
    ret
