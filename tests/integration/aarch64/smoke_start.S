/* Smoke guest entry: EL1, MMU off, x0 = boot argument. */
.section .text.start, "ax"
.global smoke_start
smoke_start:
    adr     x1, smoke_stack_top
    mov     sp, x1
    bl      smoke_main
1:  wfi
    b       1b

.bss
.balign 16
smoke_stack:
    .space  4096
smoke_stack_top:
