/* Real-mode guest: port I/O of each width (through axvm's debug port),
 * string I/O (REP OUTSB / INSW), a port no device answers, the UART, and
 * the debug-port exit. Prints PASS/FAIL lines on COM1, exits with the
 * number of failures. */
    .code16
    .text
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7000, %sp
    xor %bp, %bp                 /* failure count */

    /* io8: byte round trip */
    mov $0x504, %dx
    mov $0x5a, %al
    outb %al, %dx
    xor %al, %al
    inb %dx, %al
    cmp $0x5a, %al
    mov $n_io8, %si
    call check

    /* io16: word round trip, then one byte of it through the narrow view */
    movw $0xbeef, %ax
    outw %ax, %dx
    xor %ax, %ax
    inw %dx, %ax
    cmp $0xbeef, %ax
    mov $n_io16, %si
    call check
    mov $0x505, %dx
    inb %dx, %al
    cmp $0xbe, %al
    mov $n_io16_narrow, %si
    call check

    /* io32 */
    mov $0x504, %dx
    movl $0x12345678, %eax
    outl %eax, %dx
    xor %eax, %eax
    inl %dx, %eax
    cmp $0x12345678, %eax
    mov $n_io32, %si
    call check
    mov $0x506, %dx
    inw %dx, %ax
    cmp $0x1234, %ax
    mov $n_io32_narrow, %si
    call check

    /* rep outsb: four byte writes to the same port, the last one stays */
    mov $0x504, %dx
    mov $abcd, %si
    mov $4, %cx
    cld
    rep outsb
    inb %dx, %al
    cmp $'D', %al
    mov $n_rep_outsb, %si
    call check

    /* rep insw: three reads of the scratch's low word into memory */
    movw $0x4142, %ax
    outw %ax, %dx
    mov $buf, %di
    mov $3, %cx
    rep insw
    cmpl $0x41424142, buf
    jne 1f
    cmpw $0x4142, buf+4
1:  mov $n_rep_insw, %si
    call check

    /* a port no device answers reads all-ones (floating bus) */
    mov $0x600, %dx
    inb %dx, %al
    cmp $0xff, %al
    mov $n_unhandled_port, %si
    call check

    /* a write the debug port refuses (read-only register) is dropped; the
     * scratch is untouched */
    mov $0x508, %dx
    movl $0x99, %eax
    outl %eax, %dx
    mov $0x504, %dx
    inw %dx, %ax
    cmp $0x4142, %ax
    mov $n_refused_write, %si
    call check

    /* no MSR exits so far on this vCPU */
    mov $0x508, %dx
    inl %dx, %eax
    cmp $0, %eax
    mov $n_no_msr_exits, %si
    call check

    /* UART scratch register (byte port) */
    mov $0x3ff, %dx
    mov $0xa5, %al
    outb %al, %dx
    inb %dx, %al
    cmp $0xa5, %al
    mov $n_uart_scr, %si
    call check

    /* exit with the failure count */
    mov %bp, %ax
    mov $0x501, %dx
    outb %al, %dx
    hlt
    jmp .

/* ZF set: PASS <name at si>, else FAIL and count */
check:
    jne 1f
    push %si
    mov $s_pass, %si
    call puts
    pop %si
    call puts
    mov $s_nl, %si
    call puts
    ret
1:  inc %bp
    push %si
    mov $s_fail, %si
    call puts
    pop %si
    call puts
    mov $s_failnl, %si
    call puts
    ret

puts:
    push %ax
    push %dx
    mov $0x3f8, %dx
2:  lodsb
    test %al, %al
    jz 3f
    outb %al, %dx
    jmp 2b
3:  pop %dx
    pop %ax
    ret

abcd: .ascii "ABCD"
s_pass: .asciz "PASS real/"
s_fail: .asciz "FAIL real/"
s_nl: .asciz "\n"
s_failnl: .asciz ": wrong value\n"
n_io8: .asciz "io8"
n_io16: .asciz "io16"
n_io16_narrow: .asciz "io16-narrow-read"
n_io32: .asciz "io32"
n_io32_narrow: .asciz "io32-narrow-read"
n_rep_outsb: .asciz "rep-outsb"
n_rep_insw: .asciz "rep-insw"
n_unhandled_port: .asciz "unhandled-port-reads-ones"
n_refused_write: .asciz "refused-write-dropped"
n_no_msr_exits: .asciz "no-msr-exits"
n_uart_scr: .asciz "uart-scratch"
    .balign 4
buf: .fill 8, 1, 0
