/* A scripted HAL for hosted unit tests (implements include/axvm/hal.h).
 *
 * Link tests/unit/fake_hal.c into any unit test that needs the core (or a
 * model built on it). Everything is deterministic and single-threaded:
 *   pages      aligned_alloc'd and zeroed; host-physical == host-virtual;
 *              every allocation is tracked, so fake_hal_pages_outstanding()
 *              finds leaks and hal_pages_free() aborts on a bad free;
 *              fake_hal_fail_alloc_after(n) makes the (n+1)-th allocation
 *              from now fail (n = 0: the next one), -1 never;
 *              fake_hal_fail_allocs_from(n) makes that one and every later
 *              one fail (until reset or -1)
 *   time       fake_hal_now (ns), moved only by the test
 *   timer      hal_timer_set records the deadline per pCPU; fake_hal_fire_timers()
 *              runs axvm_timer_tick on the current pCPU when it is due
 *   CPUs       fake_hal_cpu (current id, thread-local) and fake_hal_ncpus are
 *              plain variables
 *   kicks      counted per pCPU (fake_hal_kicks[])
 *   idle       counted; optional hook (e.g. to advance time or stop a loop)
 *   console    everything hal_console_write gets, NUL-terminated, in
 *              fake_hal_console (truncated at FAKE_HAL_CONSOLE_MAX)
 *   halt       calls fake_hal_halt_hook if set (which must not return, e.g.
 *              longjmp), else abort()
 * Call fake_hal_reset() at the start of each test. */
#ifndef AXVM_TESTS_FAKE_HAL_H
#define AXVM_TESTS_FAKE_HAL_H

#include <stddef.h>
#include <stdint.h>

#include "axvm/hal.h"

#define FAKE_HAL_MAX_CPUS 8
#define FAKE_HAL_CONSOLE_MAX 65536

extern uint64_t fake_hal_now;
extern _Thread_local unsigned fake_hal_cpu; /* per thread: threads can play pCPUs */
extern unsigned fake_hal_ncpus;
extern uint64_t fake_hal_timer_deadline[FAKE_HAL_MAX_CPUS];
extern unsigned fake_hal_kicks[FAKE_HAL_MAX_CPUS];
extern unsigned fake_hal_idles;
extern void (*fake_hal_idle_hook)(void);
extern void (*fake_hal_halt_hook)(void);
extern char fake_hal_console[FAKE_HAL_CONSOLE_MAX];
extern size_t fake_hal_console_len;

/* Back to a fresh machine: 4 CPUs, time 0, empty console, no failures, no
 * hooks. Outstanding allocations stay (so a test can still check them). */
void fake_hal_reset(void);
void fake_hal_console_clear(void);
/* Does the console contain `s`? */
int fake_hal_console_has(const char *s);
void fake_hal_fail_alloc_after(long n);
void fake_hal_fail_allocs_from(long n);
size_t fake_hal_pages_outstanding(void);
/* Allocations made since the last reset (successful ones). */
unsigned long fake_hal_alloc_count(void);
/* Run axvm_timer_tick on the current CPU if its deadline has passed; returns 1 if it did. */
int fake_hal_fire_timers(void);

#endif
