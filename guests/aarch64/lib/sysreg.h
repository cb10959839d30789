/* System register access and the exception syndrome fields the tests check. */
#ifndef GUEST_SYSREG_H
#define GUEST_SYSREG_H

#include <stdint.h>

#define read_sysreg(r) ({ uint64_t v__; __asm__ volatile("mrs %0, " #r : "=r"(v__) :: "memory"); v__; })
#define write_sysreg(r, v) do { uint64_t w__ = (uint64_t)(v); __asm__ volatile("msr " #r ", %0" :: "r"(w__) : "memory"); } while (0)

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dmb_ish(void) { __asm__ volatile("dmb ish" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }

/* ESR_ELx */
#define ESR_EC(esr) (((esr) >> 26) & 0x3f)
#define ESR_IL (1u << 25)
#define ESR_ISS(esr) ((esr) & 0x1ffffff)
#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP_TRAP 0x07
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYSREG 0x18
#define EC_IABT_CUR 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_CUR 0x25
#define EC_SP_ALIGN 0x26
/* Data/instruction abort ISS */
#define ESR_DFSC(esr) ((esr) & 0x3f)
#define ESR_FNV (1u << 10)
#define ESR_WNR (1u << 6)
#define ESR_ISV (1u << 24)
#define DFSC_ALIGN 0x21

static inline unsigned cpu_index(void) { return (unsigned)read_sysreg(tpidr_el1); }

#endif
