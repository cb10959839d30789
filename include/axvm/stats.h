/* Exit statistics and the exit trace (seed 000, "Debugging strategies"). */
#ifndef AXVM_STATS_H
#define AXVM_STATS_H

#include "axvm/exit.h"
#include "axvm/types.h"

struct axvm_vcpu_stats {
    uint64_t exits[AXVM_EXIT_COUNT_];
    uint64_t faults_injected;
};

struct axvm_trace_entry {
    uint64_t time_ns;
    uint64_t pc;
    uint64_t addr;   /* MMIO/sysreg address, port, hypercall nr... */
    uint64_t value;
    uint8_t reason;  /* enum axvm_exit_reason */
};

/* A ring of the last AXVM_TRACE_DEPTH exits; off unless `enabled`. */
struct axvm_trace {
    bool enabled;
    unsigned head;   /* next slot */
    uint64_t total;
    struct axvm_trace_entry ring[AXVM_TRACE_DEPTH];
};

struct axvm_vcpu;
struct axvm_vm;

void axvm_trace_record(struct axvm_trace *t, const struct axvm_exit *exit, uint64_t time_ns);
void axvm_stats_print_vcpu(const struct axvm_vcpu *vcpu);
/* Counters of every vCPU, the devices, and the unhandled-access report. */
void axvm_stats_print_vm(const struct axvm_vm *vm);

#endif
