/* An emulated Arm PL011 UART (PrimeCell r1p4 register map, 4 KiB window).
 *
 * Transmission is instantaneous: every byte written to UARTDR goes to the
 * `tx` callback at once, so the TX FIFO always reads empty. Reception goes
 * through a 16-entry FIFO (1 entry while UARTLCR_H.FEN is clear) that the
 * host fills with axvm_pl011_push_input from any CPU. Baud rate, line
 * control and DMA registers are stored and read back, nothing more.
 *
 * Interrupts (UARTRIS/IMSC/MIS/ICR): RX (FIFO at or above the UARTIFLS
 * trigger level), RX timeout (FIFO not empty: with no bit timing, the
 * timeout is taken as already expired), TX (raised by each byte written,
 * as the FIFO drains at once; cleared through UARTICR). The combined line
 * (UARTMIS != 0) goes to `set_irq` on every change; the backend wires it to
 * the interrupt controller (on AArch64, vgic_set_level for INTID 33).
 *
 * Accesses: 8-, 16- and 32-bit, naturally aligned (Linux uses 16-bit by
 * default, earlycon 8-bit); a narrow access covers its byte lanes of the
 * 32-bit register. 64-bit accesses fault (AXVM_EWIDTH). Reserved offsets
 * and writes to read-only registers are ignored, reads of them give 0.
 *
 * Both callbacks run with the UART's lock held (so that line changes and
 * bytes are seen in order): they must not call back into this UART. */
#ifndef AXVM_PL011_H
#define AXVM_PL011_H

#include "axvm/types.h"

struct axvm_vm;
struct axvm_pl011;

#define AXVM_PL011_SIZE 0x1000ull
#define AXVM_PL011_FIFO_DEPTH 16
/* Instances system-wide (one console UART per VM, and room for a second). */
#define AXVM_PL011_MAX (2 * AXVM_MAX_VMS)

struct axvm_pl011_ops {
    /* Interrupt output level changed. May be NULL (polled UART). */
    void (*set_irq)(void *arg, bool level);
    /* One byte the guest transmitted. May be NULL (output discarded). */
    void (*tx)(void *arg, uint8_t c);
};

/* Create a UART in its reset state and register it as an MMIO device of
 * `vm` at `base` (4 KiB). `ops` must stay valid while the UART exists.
 * AXVM_ENOMEM when every instance is in use; device-table errors pass
 * through (the instance is released then). */
int axvm_pl011_attach(struct axvm_vm *vm, uint64_t base, const struct axvm_pl011_ops *ops, void *arg,
                      struct axvm_pl011 **out);
/* Give the instance back (VM destroyed). Its device registration must not
 * be used afterwards. */
void axvm_pl011_release(struct axvm_pl011 *u);
/* Back to the reset state (VM reboot); lowers the interrupt line. */
void axvm_pl011_reset(struct axvm_pl011 *u);

/* Host input: one received byte. AXVM_EBUSY when the RX FIFO is full (the
 * byte is not taken: retry later, nothing is lost or flagged as overrun). */
int axvm_pl011_push_input(struct axvm_pl011 *u, uint8_t c);
/* Free room in the RX FIFO (for a host that wants to pace its input). */
unsigned axvm_pl011_rx_room(struct axvm_pl011 *u);

#endif
