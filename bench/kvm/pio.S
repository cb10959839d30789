/* Real-mode guest for the x86 port-I/O benchmark (bench/run.py): ITERS
 * 32-bit reads of port 0x504, then a write of 0 to port 0x501 and HLT.
 * Under axvm-kvm 0x504 is the debug port's SCRATCH register and 0x501 its
 * EXIT (docs/KVM.md); under bench/kvm_bare.c both are answered inline by a
 * bare KVM_RUN loop. Loaded and entered at 0x1000. */
    .code16
    .text
    .globl _start
_start:
    cli
    xor     %ax, %ax
    mov     %ax, %ds
    mov     %ax, %ss
    mov     $0x7000, %sp
    mov     $0x504, %dx
    movl    $ITERS, %ecx
1:  inl     %dx, %eax
    decl    %ecx
    jnz     1b
    mov     $0x501, %dx
    xor     %al, %al
    outb    %al, %dx
2:  hlt
    jmp     2b
