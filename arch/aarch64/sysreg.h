/* System-register access for the AArch64 backend and the EL2 runtime.
 * Registers are named by their generic encoding where older assemblers do
 * not know the name (GICv3 CPU interface, EL2 timers). */
#ifndef A64_SYSREG_H
#define A64_SYSREG_H

#include <stdint.h>

#define A64_STR_(x) #x
#define A64_STR(x) A64_STR_(x)

#define read_sysreg(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " A64_STR(r) : "=r"(v_)); v_; })
#define write_sysreg(r, v) do { uint64_t w_ = (uint64_t)(v); __asm__ volatile("msr " A64_STR(r) ", %0" :: "r"(w_) : "memory"); } while (0)

static inline void a64_isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void a64_dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void a64_dsb_ish(void) { __asm__ volatile("dsb ish" ::: "memory"); }

/* GICv3 CPU interface (physical, accessed from EL2). */
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICC_CTLR_EL1 S3_0_C12_C12_4
#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_DIR_EL1 S3_0_C12_C11_1
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
#define ICC_SRE_EL2 S3_4_C12_C9_5

/* GICv3 virtualization control. */
#define ICH_AP0R0_EL2 S3_4_C12_C8_0
#define ICH_AP1R0_EL2 S3_4_C12_C9_0
#define ICH_HCR_EL2 S3_4_C12_C11_0
#define ICH_VTR_EL2 S3_4_C12_C11_1
#define ICH_MISR_EL2 S3_4_C12_C11_2
#define ICH_ELRSR_EL2 S3_4_C12_C11_5
#define ICH_VMCR_EL2 S3_4_C12_C11_7

/* Timers. */
#define CNTHCTL_EL2_R S3_4_C14_C1_0
#define CNTVOFF_EL2_R S3_4_C14_C0_3
#define CNTHP_TVAL_EL2_R S3_4_C14_C2_0
#define CNTHP_CTL_EL2_R S3_4_C14_C2_1
#define CNTHP_CVAL_EL2_R S3_4_C14_C2_2
#define CNTV_CTL_EL0_R S3_3_C14_C3_1
#define CNTV_CVAL_EL0_R S3_3_C14_C3_2

#endif
