/* The services the core needs from whatever hosts it.
 *
 * Three hosts implement this interface, each chosen at link time:
 *   runtime/baremetal  - the EL2 hypervisor image (real pages, GIC IPIs, PL011)
 *   host/kvm           - a Linux process (mmap'd memory, threads, stdout)
 *   tests/unit         - a scripted fake for unit tests
 * The core never calls anything outside this file and its own sources. */
#ifndef AXVM_HAL_H
#define AXVM_HAL_H

#include "axvm/types.h"

/* Physically contiguous, zeroed pages, aligned to `align` bytes (a power of
 * two >= AXVM_PAGE_SIZE). Returns the host-virtual address, NULL when out of
 * memory. */
void *hal_pages_alloc(size_t npages, size_t align);
void hal_pages_free(void *va, size_t npages);

/* Host-virtual <-> host-physical translation of memory the HAL gave out (and,
 * on bare metal, of the images loaded beside the hypervisor). */
axvm_hpa_t hal_virt_to_phys(const void *va);
void *hal_phys_to_virt(axvm_hpa_t pa);

/* Monotonic time in nanoseconds. */
uint64_t hal_time_ns(void);

/* One-shot timer of the current physical CPU: when `deadline_ns` passes the
 * host calls axvm_timer_tick() on this CPU. A later call replaces the deadline;
 * UINT64_MAX disarms. */
void hal_timer_set(uint64_t deadline_ns);

/* Index of the physical CPU this code runs on, 0..hal_cpu_count()-1. */
unsigned hal_cpu_id(void);
unsigned hal_cpu_count(void);

/* Make physical CPU `pcpu` leave guest mode or its idle wait and look at its
 * vCPU again (pending interrupts, state changes). Safe to call for the
 * current CPU (then it only marks the CPU so that hal_cpu_idle returns). */
void hal_cpu_kick(unsigned pcpu);

/* Wait on the current physical CPU until a kick, an interrupt or the timer
 * arrives. May return spuriously: callers re-check their condition. */
void hal_cpu_idle(void);

/* Console output of the hypervisor itself (not of guests' UARTs). */
void hal_console_write(const char *buf, size_t len);

/* Stop everything: the hypervisor cannot continue (never because of a guest). */
_Noreturn void hal_halt(void);

#endif
