/* Long-mode guest entry, exception/interrupt stubs, the AP trampoline. */
    .section .text.start, "ax"
    .code64
    .globl _start
_start:
    mov %rsi, boot_rsi(%rip)      /* boot argument (Linux protocol: boot_params) */
    lea stack_top(%rip), %rsp
    /* .bss is in the flat image as zeros already, but a reboot must not rely on it */
    lea __bss_start(%rip), %rdi
    lea __bss_end(%rip), %rcx
    sub %rdi, %rcx
    xor %eax, %eax
    rep stosb
    call guest_main
    mov %eax, %edi
    call guest_exit
1:  hlt
    jmp 1b

/* Interrupt stubs: push a dummy error code where the CPU does not, then the
 * vector, then the general registers; trap(frame) may change the frame. */
    .macro stub n
    .balign 16
isr\n:
    .if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
    .else
    pushq $0
    .endif
    pushq $\n
    jmp isr_common
    .endm

    .text
    .altmacro
    .set i, 0
    .rept 256
    stub %i
    .set i, i + 1
    .endr

isr_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    cld
    call trap
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq

    .section .rodata
    .globl isr_table
isr_table:
    .macro entry n
    .quad isr\n
    .endm
    .set i, 0
    .rept 256
    entry %i
    .set i, i + 1
    .endr

/* AP trampoline: copied to a page below 1 MiB; the SIPI starts it in real
 * mode with CS = page >> 4, IP = 0. It enters long mode directly (PAE, the
 * BSP's CR3, EFER.LME, then CR0.PE|PG) and jumps to ap_entry64 with the
 * parameters the BSP patched into the block at its end. */
    .section .rodata
    .code16
    .globl tramp_start, tramp_end, tramp_params
tramp_start:
    cli
    mov %cs, %ax
    mov %ax, %ds
    lgdtl (tramp_gdtr - tramp_start)
    mov %cr4, %eax
    or $0x20, %eax               /* PAE */
    mov %eax, %cr4
    movl (tramp_cr3 - tramp_start), %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx        /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax         /* PG | PE */
    mov %eax, %cr0
    /* far jump through a pointer: 32-bit offset + selector */
    ljmpl *(tramp_jump - tramp_start)
    .balign 8
tramp_params:
tramp_gdtr:  .word 0
             .long 0
             .word 0
tramp_cr3:   .long 0
             .long 0
tramp_jump:  .long 0             /* offset of ap_entry64 */
             .word 0x10          /* 64-bit code selector of axvm's GDT */
tramp_end:

    .text
    .code64
    .globl ap_entry64
ap_entry64:
    mov $0x18, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov ap_stack_top(%rip), %rsp
    call ap_main
2:  cli
    hlt
    jmp 2b

    .data
    .balign 8
    .globl boot_rsi
boot_rsi: .quad 0

    .bss
    .balign 16
    .space 16384
stack_top:
    .section .note.GNU-stack, "", @progbits
