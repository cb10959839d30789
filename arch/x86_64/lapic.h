/* The local APIC of a vCPU, emulated by axvm in x2APIC mode: the guest
 * reaches it through MSRs 0x800-0x8FF, which KVM (without an in-kernel
 * irqchip) hands to user space. Implemented: ID, version, TPR/PPR, EOI,
 * ISR/IRR/TMR, SVR, ESR, LDR, the LVTs (stored; the timer's is used), ICR
 * with fixed/lowest-priority IPIs, INIT and SIPI, physical and logical
 * destinations and the shorthands, SELF_IPI, and the timer (one-shot and
 * periodic; TSC-deadline is hidden from CPUID). Outside the model: NMI and SMI
 * delivery modes (ignored, ESR "send accept" error), xAPIC MMIO mode. */
#ifndef AXVM_X86_LAPIC_H
#define AXVM_X86_LAPIC_H

#include "axvm/spinlock.h"
#include "axvm/timer.h"
#include "axvm/types.h"

struct axvm_vcpu;

/* Bus clock of the emulated timer: one tick per 10 ns (100 MHz) before the
 * divider. CPUID leaf 0x15/0x16 are not involved; guests calibrate or trust
 * this documented value. */
#define X86_LAPIC_TICK_NS 10u

struct x86_lapic {
    axvm_spinlock_t lock;
    struct axvm_vcpu *vcpu;
    uint32_t id;
    uint32_t tpr, svr, esr, dcr;
    uint32_t lvt[7]; /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
    uint64_t icr;
    uint64_t irr[4], isr[4];
    /* timer */
    uint32_t tmict;
    uint64_t period_ns, deadline_ns; /* deadline 0: not counting */
    struct axvm_timer timer;
    bool timer_inited;
    bool wait_sipi;                  /* INIT received: a SIPI may start this vCPU */
    uint64_t timer_fired, ipis_sent;
};

enum { LVT_CMCI = 0, LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };
#define LVT_MASKED (1u << 16)

/* Power-on state (every LVT masked, SVR 0xFF, timer stopped). */
void x86_lapic_reset(struct x86_lapic *l, struct axvm_vcpu *vcpu, uint32_t apic_id);

/* Mark a vector requested. Vectors below 16 are illegal (AXVM_ERANGE). */
int x86_lapic_set_irr(struct x86_lapic *l, uint32_t vector);
/* Highest vector the vCPU would take now (SVR enabled, priority above PPR), or -1. */
int x86_lapic_deliverable(struct x86_lapic *l);
/* The vector was injected: IRR -> ISR. */
void x86_lapic_ack(struct x86_lapic *l, uint32_t vector);

/* MSR access from the vCPU's own thread. AXVM_EINVAL for what raises #GP
 * on hardware (write-only/read-only/reserved register, bad EOI). */
int x86_lapic_read(struct x86_lapic *l, uint32_t msr, uint64_t *value, uint64_t now_ns);
/* For ICR writes the caller dispatches the IPI: *icr_out gets the value,
 * *icr_sent is set. */
int x86_lapic_write(struct x86_lapic *l, uint32_t msr, uint64_t value, uint64_t now_ns, bool *icr_sent);

/* Timer expiry (run by the timer on the vCPU's physical CPU). Returns true if
 * an interrupt became pending. */
bool x86_lapic_timer_expired(struct x86_lapic *l, uint64_t now_ns);

/* Does an x2APIC destination (ICR[63:32]) select this APIC? */
bool x86_lapic_match_dest(const struct x86_lapic *l, uint32_t dest, bool logical);

#endif
