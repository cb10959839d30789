/* The hypervisor's PL011 console: polled output, interrupt-driven input.
 * Input is kept in a small ring until whoever owns the console (the VM whose
 * emulated PL011 is bound to it) drains it with rt_console_getc; Ctrl-]
 * followed by a command byte never reaches a VM (console_cmd.c). */
#include <stdatomic.h>

#include "axvm/hal.h"
#include "axvm/spinlock.h"
#include "rt.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_CR 0x30
#define UART_IMSC 0x38
#define UART_ICR 0x44
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define INT_RX (1u << 4)
#define INT_RT (1u << 6)

static axvm_spinlock_t tx_lock = AXVM_SPINLOCK_INIT;
static bool tx_midline; /* the last byte written was not a newline */
static char rx_ring[256];
static _Atomic unsigned rx_head, rx_tail;
static bool rx_escape;  /* RT_CONSOLE_ESCAPE seen, its command byte not yet */

static inline volatile uint32_t *uart_reg(unsigned off)
{
    return (volatile uint32_t *)(uintptr_t)(PLAT_UART_BASE + off);
}

void rt_console_init(void)
{
    *uart_reg(UART_ICR) = 0x7ff;
    *uart_reg(UART_IMSC) = INT_RX | INT_RT;
}

void rt_console_putc_raw(char c)
{
    while (*uart_reg(UART_FR) & FR_TXFF) {
    }
    *uart_reg(UART_DR) = (uint32_t)(unsigned char)c;
}

void rt_console_puts_raw(const char *s)
{
    while (*s)
        rt_console_putc_raw(*s++);
}

void hal_console_write(const char *buf, size_t len)
{
    axvm_spin_lock(&tx_lock);
    for (size_t i = 0; i < len; i++)
        rt_console_putc_raw(buf[i]);
    if (len)
        tx_midline = buf[len - 1] != '\n';
    axvm_spin_unlock(&tx_lock);
}

bool rt_console_midline(void)
{
    return tx_midline;
}

static void rx_push(char c)
{
    unsigned h = atomic_load(&rx_head);
    if (h - atomic_load(&rx_tail) >= sizeof(rx_ring))
        atomic_fetch_add(&rx_tail, 1);
    rx_ring[h % sizeof(rx_ring)] = c;
    atomic_store(&rx_head, h + 1);
}

/* Called on the CPU that took INTID 33: move the RX FIFO into the ring (the
 * oldest input is dropped when nobody reads), except the escape sequences,
 * which are the hypervisor's console commands (console_cmd.c). */
void rt_console_rx_irq(void)
{
    /* Clear the interrupt status before draining, never after: a byte that
     * arrives between the last RXFE check and a late ICR write would have
     * its RX interrupt wiped while it sits in the (full) holding register,
     * and QEMU then accepts no further input: the console would go dead. */
    *uart_reg(UART_ICR) = INT_RX | INT_RT;
    while (!(*uart_reg(UART_FR) & FR_RXFE)) {
        char c = (char)(*uart_reg(UART_DR) & 0xff);
        if (rx_escape) {
            rx_escape = false;
            if (c != RT_CONSOLE_ESCAPE) {
                rt_console_command(c);
                continue;
            }
        } else if (c == RT_CONSOLE_ESCAPE) {
            rx_escape = true;
            continue;
        }
        rx_push(c);
        rt_console_check_focus();
    }
}

bool rt_console_rx_pending(void)
{
    return atomic_load_explicit(&rx_tail, memory_order_relaxed) != atomic_load_explicit(&rx_head, memory_order_relaxed);
}

/* One input byte, or -1 when none is buffered. Single consumer. */
int rt_console_getc(void)
{
    unsigned t = atomic_load(&rx_tail);
    if (t == atomic_load(&rx_head))
        return -1;
    int c = (unsigned char)rx_ring[t % sizeof(rx_ring)];
    atomic_store(&rx_tail, t + 1);
    return c;
}
