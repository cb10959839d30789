/* Entry points and the EL1 exception vector table of the test guests.
 *
 * The boot vCPU enters at _start (axvm: the VM's entry point; bare QEMU: the
 * ELF entry). Secondary vCPUs enter at guest_secondary_entry via PSCI CPU_ON
 * with the context id in x0; its low byte is the CPU index, which picks the
 * stack. Every exception saves the full register frame and calls
 * exc_dispatch(frame, kind) in C, which may change the saved ELR/SPSR (this is
 * how an expected fault skips the faulting instruction). */

#include "asm.h"

    .section .text.boot, "ax"
    .global _start
_start:
    msr     daifset, #0xf
    msr     spsel, #1
    msr     tpidr_el1, xzr
    ldr     x1, =__stacks_start
    add     x1, x1, #GUEST_STACK_SIZE
    mov     sp, x1
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  ldr     x1, =exc_vectors
    msr     vbar_el1, x1
    isb
    bl      mmu_build_tables
    bl      mmu_enable
    bl      guest_boot_main
    b       guest_halt

    .text
    .global guest_secondary_entry
guest_secondary_entry:
    msr     daifset, #0xf
    msr     spsel, #1
    and     x1, x0, #0xff
    cmp     x1, #GUEST_MAX_CPUS
    b.hs    guest_halt
    msr     tpidr_el1, x1
    ldr     x2, =__stacks_start
    add     x3, x1, #1
    mov     x4, #GUEST_STACK_SIZE
    madd    x2, x3, x4, x2
    mov     sp, x2
    ldr     x2, =exc_vectors
    msr     vbar_el1, x2
    isb
    mov     x19, x0
    bl      mmu_enable
    mov     x0, x19
    bl      guest_secondary_main
    b       guest_halt

    .global guest_halt
guest_halt:
    msr     daifset, #0xf
1:  wfi
    b       1b

/* Identity map built by mmu_build_tables; the secondaries reuse it. */
    .global mmu_enable
mmu_enable:
    ldr     x0, =MMU_MAIR
    msr     mair_el1, x0
    ldr     x0, =MMU_TCR
    msr     tcr_el1, x0
    ldr     x0, =mmu_l1_table
    msr     ttbr0_el1, x0
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    mrs     x0, sctlr_el1
    ldr     x1, =SCTLR_SET
    orr     x0, x0, x1
    ldr     x1, =SCTLR_CLEAR
    bic     x0, x0, x1
    msr     sctlr_el1, x0
    isb
    ret

/* Vector table: 16 entries of 0x80 bytes. */
.macro ventry kind
    .balign 0x80
    sub     sp, sp, #FRAME_SIZE
    stp     x0, x1, [sp, #0]
    mov     x1, #\kind
    b       exc_common
.endm

    .balign 0x800
    .global exc_vectors
exc_vectors:
    ventry EXC_SYNC_SP0
    ventry EXC_IRQ_SP0
    ventry EXC_FIQ_SP0
    ventry EXC_SERR_SP0
    ventry EXC_SYNC
    ventry EXC_IRQ
    ventry EXC_FIQ
    ventry EXC_SERR
    ventry EXC_SYNC_LOWER
    ventry EXC_IRQ_LOWER
    ventry EXC_FIQ_LOWER
    ventry EXC_SERR_LOWER
    ventry EXC_SYNC_LOWER32
    ventry EXC_IRQ_LOWER32
    ventry EXC_FIQ_LOWER32
    ventry EXC_SERR_LOWER32

exc_common:
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
    mrs     x2, elr_el1
    stp     x30, x2, [sp, #240]
    mrs     x3, spsr_el1
    mrs     x4, esr_el1
    stp     x3, x4, [sp, #256]
    mrs     x5, far_el1
    str     x5, [sp, #272]
    mov     x0, sp
    bl      exc_dispatch
    ldp     x30, x2, [sp, #240]
    msr     elr_el1, x2
    ldr     x3, [sp, #256]
    msr     spsr_el1, x3
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #FRAME_SIZE
    eret
