/* Constants shared by start.S and C (plain #defines only). */
#ifndef GUEST_ASM_H
#define GUEST_ASM_H

#define GUEST_MAX_CPUS 4
#define GUEST_STACK_SIZE 0x4000

/* struct exc_frame layout: x0..x30, elr, spsr, esr, far, pad */
#define FRAME_SIZE 288

#define EXC_SYNC_SP0 0
#define EXC_IRQ_SP0 1
#define EXC_FIQ_SP0 2
#define EXC_SERR_SP0 3
#define EXC_SYNC 4
#define EXC_IRQ 5
#define EXC_FIQ 6
#define EXC_SERR 7
#define EXC_SYNC_LOWER 8
#define EXC_IRQ_LOWER 9
#define EXC_FIQ_LOWER 10
#define EXC_SERR_LOWER 11
#define EXC_SYNC_LOWER32 12
#define EXC_IRQ_LOWER32 13
#define EXC_FIQ_LOWER32 14
#define EXC_SERR_LOWER32 15

#ifdef __ASSEMBLER__
/* MAIR_EL1: attr0 Device-nGnRnE, attr1 Normal write-back, attr2 Normal non-cacheable. */
#define MMU_MAIR 0x44FF00
/* TCR_EL1: T0SZ=25 (39-bit VA, walk starts at level 1), inner/outer WB,
 * inner shareable, 4 KiB granule, TTBR1 walks disabled, IPS=36 bits. */
#define MMU_TCR ((25) | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23) | (1 << 32))
/* SCTLR_EL1: M, C, SA, I on; A (alignment check) and WXN off. */
#define SCTLR_SET ((1 << 0) | (1 << 2) | (1 << 3) | (1 << 12))
#define SCTLR_CLEAR ((1 << 1) | (1 << 19))
#endif

#endif
