/* A 16550A UART model, portable: registered as a port device (x86 COM1 at
 * 0x3F8) or an MMIO device with one byte per register.
 *
 * Transmission is instantaneous (THR is always empty again after a write);
 * reception goes through a 64-byte FIFO fed by the host (stdin on axvm-kvm).
 * The interrupt is a level: the model reports every change of it to its
 * owner, who maps it onto the VM's interrupt controller. */
#ifndef AXVM_UART16550_H
#define AXVM_UART16550_H

#include "axvm/device.h"
#include "axvm/spinlock.h"
#include "axvm/types.h"

#define AXVM_UART16550_FIFO 64

struct axvm_uart16550 {
    axvm_spinlock_t lock;
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    bool thre_pending;  /* THR-empty interrupt condition, cleared by reading IIR */
    bool overrun;
    bool irq_level;     /* last level reported */
    uint8_t rx[AXVM_UART16550_FIFO];
    unsigned rx_head, rx_count;
    void (*tx)(void *ctx, uint8_t c);
    void *tx_ctx;
    void (*irq)(void *ctx, bool level); /* may be NULL; called without the lock held */
    void *irq_ctx;
};

void axvm_uart16550_init(struct axvm_uart16550 *u, void (*tx)(void *, uint8_t), void *tx_ctx,
                         void (*irq)(void *, bool), void *irq_ctx);

/* Queue received bytes; returns how many fit (the rest are lost: overrun is
 * flagged in LSR like the hardware does). Callable from any thread. */
size_t axvm_uart16550_input(struct axvm_uart16550 *u, const uint8_t *buf, size_t n);

/* Device operations: 8 registers, 1-byte accesses; ctx is the uart. */
extern const struct axvm_dev_ops axvm_uart16550_ops;

/* Register offsets and bits guests and tests use. */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};
#define UART_IER_RDI 0x01u
#define UART_IER_THRI 0x02u
#define UART_IER_RLSI 0x04u
#define UART_IIR_NONE 0x01u
#define UART_IIR_RLS 0x06u
#define UART_IIR_RDI 0x04u
#define UART_IIR_THRI 0x02u
#define UART_LCR_DLAB 0x80u
#define UART_MCR_OUT2 0x08u
#define UART_MCR_LOOP 0x10u
#define UART_LSR_DR 0x01u
#define UART_LSR_OE 0x02u
#define UART_LSR_THRE 0x20u
#define UART_LSR_TEMT 0x40u

#endif
