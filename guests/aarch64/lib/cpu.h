/* Secondary vCPUs: started with PSCI CPU_ON at guest_secondary_entry. */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* Runs on the started CPU; when it returns the CPU calls PSCI CPU_OFF.
 * `context` is the full context id it was started with. */
typedef void (*cpu_fn)(unsigned cpu, uint64_t context);

extern void guest_secondary_entry(void);

/* MPIDR affinity of vCPU `cpu` (Aff0 = index, as axvm and QEMU virt number them). */
static inline uint64_t cpu_mpidr(unsigned cpu) { return cpu & 0xffu; }
/* The context id for CPU_ON: low byte = index, the rest is a cookie the entry code passes on. */
static inline uint64_t cpu_context(unsigned cpu, uint64_t cookie) { return (cookie << 8) | (cpu & 0xffu); }

/* Start `cpu` running fn. Returns the PSCI CPU_ON result. */
int64_t cpu_start(unsigned cpu, cpu_fn fn, uint64_t cookie);
/* Number of times each CPU reached its C entry (bumped before fn runs). */
unsigned cpu_entries(unsigned cpu);
/* Wait until AFFINITY_INFO reports `cpu` OFF; false on timeout. */
bool cpu_wait_off(unsigned cpu, uint64_t timeout_ms);

#endif
