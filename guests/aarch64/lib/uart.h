/* PL011 console (transmit only, polled). */
#ifndef GUEST_UART_H
#define GUEST_UART_H

#define UART_BASE 0x09000000ul

void uart_putc(char c);

#endif
