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

/* Returns false when it found nothing to acknowledge (IAR read 1023). */
typedef bool (*irq_handler_fn)(struct exc_frame *frame);
/* IRQ handler for this CPU (NULL: an IRQ is unexpected). An IRQ that keeps
 * being signalled while the handler finds nothing (a stuck virtual
 * interrupt) would loop forever: after IRQ_STORM_LIMIT such IRQs in a row the
 * runtime prints FAIL <guest>.irq-storm and returns with IRQs masked, so the
 * test's own timeouts can report what did not happen. */
void exc_set_irq_handler(irq_handler_fn fn);

#define IRQ_STORM_LIMIT 100000u

void exc_dispatch(struct exc_frame *frame, uint64_t kind);

#endif
