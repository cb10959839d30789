/* What the Linux host adds to include/axvm/hal.h for its own main program and
 * for the KVM backend (arch/x86_64), which only ever runs inside this host.
 *
 * Each physical CPU of axvm is a thread here. A thread in KVM_RUN is pulled
 * out by a signal plus the vCPU's kvm_run.immediate_exit (which closes the
 * window between the last check and the ioctl); its timer deadline is watched
 * by one timer thread that turns an expiry into a kick, after which the CPU's
 * own thread runs axvm_timer_tick (never in signal context, so timer callbacks
 * may take the core's locks). */
#ifndef AXVM_HOST_KVM_HAL_H
#define AXVM_HOST_KVM_HAL_H

#include "axvm/types.h"

/* Number of physical-CPU threads to run (<= AXVM_MAX_PCPUS); before any VM. */
int hal_kvm_set_cpu_count(unsigned n);
/* Start the CPU threads, each running axvm_pcpu_loop(should_stop), and the
 * timer thread. */
int hal_kvm_start(bool (*should_stop)(void));
/* Kick every CPU (after should_stop turned true) and join the threads. */
void hal_kvm_join(void);

/* The current CPU's kvm_run.immediate_exit byte (NULL when not in a vCPU). */
void hal_kvm_set_immediate_exit(volatile uint8_t *flag);
/* Run the current CPU's expired timers; the backend calls it after KVM_RUN. */
void hal_kvm_service(void);

/* Serialised output of guests and axvm itself (stdout). */
void hal_kvm_console_flush(void);

#endif
