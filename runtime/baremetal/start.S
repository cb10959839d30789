/* Entry of the EL2 hypervisor image on QEMU virt.
 *
 * CPU 0 arrives here from QEMU's ELF loader at EL2 with the MMU off; the
 * others arrive at rt_secondary_entry from PSCI CPU_ON with x0 = their index
 * (the context id we passed). Everything that must happen before C runs is
 * here: stack, TPIDR_EL2 = CPU index, BSS clear (CPU 0 only), EL2 stage-1
 * MMU from the statically built identity tables, VBAR_EL2. */

#define STACK_SIZE 0x8000

.section .text.boot, "ax"
.global _start
_start:
    msr     daifset, #0xf
    mov     x19, #0
    /* BSS clear with the MMU off: aligned 16-byte stores only. */
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  b       common_entry

.global rt_secondary_entry
rt_secondary_entry:
    msr     daifset, #0xf
    mov     x19, x0

common_entry:
    /* Stack: rt_stacks + (cpu + 1) * STACK_SIZE. */
    ldr     x1, =rt_stacks
    add     x2, x19, #1
    mov     x3, #STACK_SIZE
    madd    x1, x2, x3, x1
    mov     sp, x1
    msr     tpidr_el2, x19

    /* EL1 must run AArch64 (HCR_EL2.RW); everything else stays off until a
     * vCPU is entered. */
    mov     x0, #(1 << 31)
    msr     hcr_el2, x0

    /* EL2 stage-1: MAIR attr0 = Device-nGnRE, attr1 = Normal WB RA WA. */
    ldr     x0, =0xff04
    msr     mair_el2, x0
    /* TCR_EL2: RES1 31/23, PS=40-bit, SH0=IS, WBWA walks, T0SZ=25 (39-bit, level 1 root). */
    ldr     x0, =((1 << 31) | (1 << 23) | (2 << 16) | (3 << 12) | (1 << 10) | (1 << 8) | 25)
    msr     tcr_el2, x0
    ldr     x0, =rt_l1_table
    msr     ttbr0_el2, x0
    dsb     sy
    tlbi    alle2
    dsb     sy
    isb
    /* SCTLR_EL2: RES1 bits, M, C, I. */
    ldr     x0, =(0x30C50830 | (1 << 0) | (1 << 2) | (1 << 12))
    msr     sctlr_el2, x0
    isb

    ldr     x0, =a64_vectors
    msr     vbar_el2, x0
    isb

    mov     x0, x19
    bl      rt_cpu_main
3:  wfe
    b       3b

.section .bss.stacks, "aw", %nobits
.balign 16
.global rt_stacks
rt_stacks:
    .space  STACK_SIZE * 8
