/* Unit tests of the 16550 model (devices/uart16550.c) through the real
 * device manager, as axvm-kvm registers it (port 0x3F8, 1-byte accesses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axvm/device.h"
#include "axvm/uart16550.h"

#define PORT 0x3F8u

static struct axvm_devices dm;
static struct axvm_uart16550 u;
static char txbuf[256];
static unsigned ntx, rises, falls;

static void tx(void *ctx, uint8_t c)
{
    (void)ctx;
    txbuf[ntx++ % sizeof txbuf] = (char)c;
}

static void irq(void *ctx, bool level)
{
    (void)ctx;
    if (level)
        rises++;
    else
        falls++;
}

static int setup(void **state)
{
    (void)state;
    ntx = rises = falls = 0;
    axvm_devices_init(&dm, AXVM_UNHANDLED_FAULT);
    axvm_uart16550_init(&u, tx, NULL, irq, NULL);
    struct axvm_dev d = {.name = "uart", .base = PORT, .size = 8, .ops = &axvm_uart16550_ops, .ctx = &u,
                         .widths = AXVM_W1};
    assert_int_equal(axvm_devices_add_port(&dm, &d), AXVM_OK);
    return 0;
}

static uint8_t rd(unsigned reg)
{
    uint64_t v = 0xAAAA;
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_PORT, NULL, PORT + reg, 1, &v), AXVM_OK);
    assert_true(v <= 0xFF);
    return (uint8_t)v;
}

static void wr(unsigned reg, uint8_t v)
{
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_PORT, NULL, PORT + reg, 1, v), AXVM_OK);
}

static void transmit_and_registers(void **state)
{
    (void)state;
    wr(UART_THR, 'h');
    wr(UART_THR, 'i');
    assert_int_equal(ntx, 2);
    assert_memory_equal(txbuf, "hi", 2);
    assert_int_equal(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR), UART_LSR_THRE | UART_LSR_TEMT);
    wr(UART_SCR, 0x77);
    assert_int_equal(rd(UART_SCR), 0x77);
    wr(UART_LCR, 0x80 | 0x03);
    wr(UART_DLL, 0x01);
    wr(UART_DLM, 0x02);
    assert_int_equal(rd(UART_DLL), 0x01);
    assert_int_equal(rd(UART_DLM), 0x02);
    wr(UART_LCR, 0x03);
    assert_int_equal(rd(UART_IER), 0);
    assert_int_equal(ntx, 2); /* divisor writes are not data */
    /* 2- and 4-byte accesses are refused by the manager */
    uint64_t v;
    assert_int_equal(axvm_devices_read(&dm, AXVM_SPACE_PORT, NULL, PORT, 2, &v), AXVM_EWIDTH);
    assert_int_equal(axvm_devices_write(&dm, AXVM_SPACE_PORT, NULL, PORT, 4, 0), AXVM_EWIDTH);
}

static void receive_and_interrupts(void **state)
{
    (void)state;
    assert_int_equal(rd(UART_IIR) & 0x0F, UART_IIR_NONE);
    wr(UART_IER, UART_IER_RDI);
    const uint8_t in[] = "ab";
    assert_int_equal(axvm_uart16550_input(&u, in, 2), 2);
    assert_int_equal(rises, 0); /* OUT2 clear: the line is gated off */
    wr(UART_MCR, UART_MCR_OUT2);
    assert_int_equal(rises, 1);
    assert_int_equal(rd(UART_IIR) & 0x0F, UART_IIR_RDI);
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    assert_int_equal(rd(UART_RBR), 'a');
    assert_int_equal(falls, 0);
    assert_int_equal(rd(UART_RBR), 'b');
    assert_int_equal(falls, 1); /* FIFO empty: the line drops */
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
    assert_int_equal(rd(UART_RBR), 0); /* empty FIFO reads 0 */
    /* THRE: pending when enabled, acknowledged by reading IIR, raised again by a write */
    wr(UART_IER, UART_IER_THRI);
    assert_int_equal(rd(UART_IIR) & 0x0F, UART_IIR_THRI);
    assert_int_equal(rd(UART_IIR) & 0x0F, UART_IIR_NONE);
    wr(UART_THR, 'x');
    assert_int_equal(rd(UART_IIR) & 0x0F, UART_IIR_THRI);
    /* FIFO enabled: IIR bits 7:6 set */
    wr(UART_FCR, 0x01);
    assert_int_equal(rd(UART_IIR) & 0xC0, 0xC0);
}

static void overrun_and_loopback(void **state)
{
    (void)state;
    uint8_t big[AXVM_UART16550_FIFO + 5];
    memset(big, 'z', sizeof big);
    assert_int_equal(axvm_uart16550_input(&u, big, sizeof big), AXVM_UART16550_FIFO);
    assert_int_equal(rd(UART_LSR) & UART_LSR_OE, UART_LSR_OE);
    assert_int_equal(rd(UART_LSR) & UART_LSR_OE, 0); /* cleared by the read */
    wr(UART_FCR, 0x03);                               /* clear the receive FIFO */
    assert_int_equal(rd(UART_LSR) & UART_LSR_DR, 0);
    wr(UART_MCR, UART_MCR_LOOP | 0x0B);               /* loopback, DTR, RTS, OUT2 */
    wr(UART_THR, 'L');
    assert_int_equal(ntx, 0); /* looped back, not sent */
    assert_int_equal(rd(UART_RBR), 'L');
    assert_int_equal(rd(UART_MSR) & 0xF0, 0x20 | 0x10 | 0x80);
    wr(UART_MCR, 0);
    assert_int_equal(rd(UART_MSR), 0xB0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(transmit_and_registers, setup),
        cmocka_unit_test_setup(receive_and_interrupts, setup),
        cmocka_unit_test_setup(overrun_and_loopback, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
