/* The timed loops of the benchmark guest (docs/BENCH.md).
 *
 * Each loop is written here, not in C, so that its instruction count is the
 * same in every build and in every environment: the benchmark subtracts the
 * per-iteration cost of the very same loop under bare QEMU (no EL2) from
 * its cost under axvm, and under -icount shift=0 the difference is the
 * number of instructions the hypervisor executed.
 *
 * Every function returns the CNTVCT ticks its loop took. Interrupts are
 * unmasked only inside a loop that waits for one, with this file's own
 * vector table installed, whose IRQ entry uses x9-x13 without saving them
 * (and reads x20/x22, set by the loop): the loops keep nothing else there. */

#define SGI1R s3_0_c12_c11_5   /* ICC_SGI1R_EL1 */
#define IAR1 s3_0_c12_c12_0    /* ICC_IAR1_EL1 */
#define EOIR1 s3_0_c12_c12_1   /* ICC_EOIR1_EL1 */
#define DIR s3_0_c12_c11_1     /* ICC_DIR_EL1 */

.macro tstart
    isb
    mrs     x15, cntvct_el0
.endm
.macro tend
    isb
    mrs     x0, cntvct_el0
    sub     x0, x0, x15
.endm

    .text
    .balign 16

/* uint64_t bl_empty(uint64_t n): the baseline, nop; subs; b.ne. */
    .global bl_empty
bl_empty:
    tstart
1:  nop
    subs    x0, x0, #1
    b.ne    1b
    tend
    ret

/* uint64_t bl_hvc(uint64_t n): axvm VERSION hypercall (SMCCC fast call 0xC600_0000). */
    .global bl_hvc
bl_hvc:
    mov     x2, x0
    tstart
1:  movz    w0, #0xC600, lsl #16
    hvc     #0
    subs    x2, x2, #1
    b.ne    1b
    tend
    ret

/* uint64_t bl_mmio(uint64_t n, uint64_t addr): 8-byte load from addr. */
    .global bl_mmio
bl_mmio:
    tstart
1:  ldr     x3, [x1]
    subs    x0, x0, #1
    b.ne    1b
    tend
    ret

/* uint64_t bl_sysreg(uint64_t n): read ID_AA64PFR0_EL1 (trapped by HCR_EL2.TID3). */
    .global bl_sysreg
bl_sysreg:
    tstart
1:  mrs     x3, id_aa64pfr0_el1
    subs    x0, x0, #1
    b.ne    1b
    tend
    ret

/* uint64_t bl_sgi(uint64_t n, uint64_t sgi1r, volatile uint32_t *count):
 * write ICC_SGI1R_EL1 and wait until the target's handler (bl_vectors)
 * has acknowledged, deactivated and counted it in *count. */
    .global bl_sgi
bl_sgi:
    stp     x20, x21, [sp, #-16]!
    mov     x20, x2
    mrs     x21, vbar_el1
    adr     x3, bl_vectors
    msr     vbar_el1, x3
    isb
    msr     daifclr, #2
    ldr     w11, [x20]
    mov     x2, x0
    tstart
1:  msr     SGI1R, x1
    add     w11, w11, #1
2:  ldr     w12, [x20]
    cmp     w12, w11
    b.ne    2b
    subs    x2, x2, #1
    b.ne    1b
    tend
    msr     daifset, #2
    msr     vbar_el1, x21
    isb
    ldp     x20, x21, [sp], #16
    ret

/* uint64_t bl_pingpong(uint64_t n, uint64_t sgi1r, volatile uint32_t *count):
 * SGI to another vCPU, then WFI until its answer (an SGI back, counted in
 * *count by bl_vectors) has been taken: one round trip per iteration. IRQs
 * stay masked except for a moment after each wake-up, so an answer arriving
 * before the WFI still wakes it (WFI ignores PSTATE.I) and is never lost. */
    .global bl_pingpong
bl_pingpong:
    stp     x20, x21, [sp, #-16]!
    mov     x20, x2
    mrs     x21, vbar_el1
    adr     x3, bl_vectors
    msr     vbar_el1, x3
    isb
    ldr     w11, [x20]
    mov     x2, x0
    tstart
1:  msr     SGI1R, x1
    add     w11, w11, #1
2:  wfi
    msr     daifclr, #2
    msr     daifset, #2
    ldr     w12, [x20]
    cmp     w12, w11
    b.ne    2b
    subs    x2, x2, #1
    b.ne    1b
    tend
    msr     vbar_el1, x21
    isb
    ldp     x20, x21, [sp], #16
    ret

/* void bl_serve(volatile uint32_t *count, volatile uint32_t *stop, uint64_t sgi1r):
 * the other end of bl_pingpong: sleeps in WFI; its handler (bl_pong_vectors)
 * acknowledges each SGI, answers with `sgi1r`, and counts it in *count.
 * Returns once *stop is set (and an SGI has woken it). */
    .global bl_serve
bl_serve:
    stp     x20, x21, [sp, #-16]!
    stp     x22, x23, [sp, #-16]!
    mov     x20, x0
    mov     x22, x2
    mrs     x21, vbar_el1
    adr     x3, bl_pong_vectors
    msr     vbar_el1, x3
    isb
1:  wfi
    msr     daifclr, #2
    msr     daifset, #2
    ldr     w3, [x1]
    cbz     w3, 1b
    msr     vbar_el1, x21
    isb
    ldp     x22, x23, [sp], #16
    ldp     x20, x21, [sp], #16
    ret

/* void bl_timer(uint64_t delta, uint64_t out[4]): arm the EL1 virtual timer
 * delta ticks ahead and spin until the handler (bl_timer_vectors) has run.
 * out[0] = CVAL (the deadline), out[1] = CNTVCT read by the handler's first
 * instruction, out[2] = iterations of the handler's 4-instruction loop
 * waiting for the next counter tick, which places that first instruction
 * inside its tick to within 4 instructions; out[3] = the INTID acknowledged. Another interrupt taken
 * meanwhile is acknowledged and otherwise ignored (its spin values are
 * overwritten when the timer's own arrives). */
    .global bl_timer
bl_timer:
    stp     x20, x21, [sp, #-16]!
    mrs     x21, vbar_el1
    adr     x3, bl_timer_vectors
    msr     vbar_el1, x3
    isb
    mov     x13, #0
    mrs     x2, cntvct_el0
    add     x2, x2, x0
    msr     cntv_cval_el0, x2
    mov     x3, #1                 /* ENABLE, IMASK clear */
    msr     cntv_ctl_el0, x3
    isb
    msr     daifclr, #2
1:  cbz     x13, 1b
    msr     daifset, #2
    str     x2, [x1]
    stp     x9, x11, [x1, #8]
    str     x12, [x1, #24]
    msr     vbar_el1, x21
    isb
    ldp     x20, x21, [sp], #16
    ret

/* Vector tables: only "current EL with SP_ELx, IRQ" (offset 0x280) is
 * ours; everything else goes to the runtime's handlers (exc_vectors). */
.macro fwd off
    .balign 0x80
    b       exc_vectors + \off
.endm

    .balign 0x800
bl_vectors:
    fwd 0x000
    fwd 0x080
    fwd 0x100
    fwd 0x180
    fwd 0x200
    .balign 0x80
    mrs     x9, IAR1
    msr     EOIR1, x9
    msr     DIR, x9
    ldr     w10, [x20]
    add     w10, w10, #1
    str     w10, [x20]
    eret
    fwd 0x300
    fwd 0x380
    fwd 0x400
    fwd 0x480
    fwd 0x500
    fwd 0x580
    fwd 0x600
    fwd 0x680
    fwd 0x700
    fwd 0x780

    .balign 0x800
bl_pong_vectors:
    fwd 0x000
    fwd 0x080
    fwd 0x100
    fwd 0x180
    fwd 0x200
    .balign 0x80
    mrs     x9, IAR1
    msr     EOIR1, x9
    msr     DIR, x9
    msr     SGI1R, x22
    ldr     w10, [x20]
    add     w10, w10, #1
    str     w10, [x20]
    eret
    fwd 0x300
    fwd 0x380
    fwd 0x400
    fwd 0x480
    fwd 0x500
    fwd 0x580
    fwd 0x600
    fwd 0x680
    fwd 0x700
    fwd 0x780

    .balign 0x800
bl_timer_vectors:
    fwd 0x000
    fwd 0x080
    fwd 0x100
    fwd 0x180
    fwd 0x200
    .balign 0x80
    mrs     x9, cntvct_el0
    mov     x11, #0
1:  mrs     x10, cntvct_el0
    add     x11, x11, #1
    cmp     x10, x9
    b.eq    1b
    mrs     x12, IAR1              /* acknowledge while the line is high */
    cmp     x12, #27
    b.ne    2f                     /* another (stale) interrupt: not the end */
    msr     cntv_ctl_el0, xzr      /* disarm: the line drops */
    mov     x13, #1
2:  msr     EOIR1, x12
    msr     DIR, x12
    eret
    fwd 0x300
    fwd 0x380
    fwd 0x400
    fwd 0x480
    fwd 0x500
    fwd 0x580
    fwd 0x600
    fwd 0x680
    fwd 0x700
    fwd 0x780
