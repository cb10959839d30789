/* Exceptions taken at EL1.
 *
 * A test that wants to provoke a fault arms the expectation, performs the
 * access, then collects what was recorded:
 *
 *     fault_expect();
 *     mmio_read32(addr);
 *     if (!fault_collect(&f)) ... no fault was taken ...
 *
 * While armed, the next synchronous exception on this CPU is recorded
 * (ESR_EL1, FAR_EL1, ELR_EL1) and the faulting instruction is skipped, so
 * execution resumes right after it. With fault_expect_return() the handler
 * instead resumes at the link register: for a branch-with-link to an address
 * that cannot be fetched. Any exception that is not expected is reported as a
 * FAIL line and ends the guest. */
#ifndef GUEST_EXC_H
#define GUEST_EXC_H

#include <stdbool.h>
#include <stdint.h>

struct exc_frame {
    uint64_t x[31];
    uint64_t elr, spsr, esr, far, pad;
};

struct fault_info {
    uint64_t esr, far, elr;
};

void fault_expect(void);
void fault_expect_return(void);
/* Disarms; true (and *f filled) when an exception was taken. */
bool fault_collect(struct fault_info *f);

typedef void (*irq_handler_fn)(struct exc_frame *frame);
/* IRQ handler for this CPU (NULL: an IRQ is unexpected). */
void exc_set_irq_handler(irq_handler_fn fn);

void exc_dispatch(struct exc_frame *frame, uint64_t kind);

#endif
