#include "uart.h"

#include <stdint.h>

#include "mmio.h"

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTFR_TXFF (1u << 5)

void uart_putc(char c)
{
    /* Bounded: an emulated UART that never drains must not hang the test. */
    for (unsigned i = 0; i < 100000 && (mmio_read32(UART_BASE + UARTFR) & UARTFR_TXFF); i++)
        ;
    mmio_write32(UART_BASE + UARTDR, (uint8_t)c);
}
