#include "uart.h"

#include <stdint.h>

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTFR_TXFF (1u << 5)

void uart_putc(char c)
{
    volatile uint32_t *fr = (volatile uint32_t *)(UART_BASE + UARTFR);
    volatile uint32_t *dr = (volatile uint32_t *)(UART_BASE + UARTDR);
    /* Bounded: an emulated UART that never drains must not hang the test. */
    for (unsigned i = 0; i < 100000 && (*fr & UARTFR_TXFF); i++)
        ;
    *dr = (uint8_t)c;
}
