/* Unit tests of the PL011 model through the real device manager. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sched.h>

#include "axvm/device.h"
#include "axvm/pl011.h"
#include "axvm/vm.h"

#define BASE 0x09000000ull
#define DR 0x000
#define RSR 0x004
#define FR 0x018
#define IBRD 0x024
#define FBRD 0x028
#define LCR_H 0x02C
#define CR 0x030
#define IFLS 0x034
#define IMSC 0x038
#define RIS 0x03C
#define MIS 0x040
#define ICR 0x044
#define DMACR 0x048

#define FR_RXFE 0x10
#define FR_TXFF 0x20
#define FR_RXFF 0x40
#define FR_TXFE 0x80
#define FR_BUSY 0x08
#define INT_RX 0x10
#define INT_TX 0x20
#define INT_RT 0x40
#define FEN 0x10

static struct axvm_vm vm;
static struct axvm_pl011 *uart;

static char txbuf[256];
static unsigned txlen;
static bool irq_line;
static unsigned irq_changes;

static void cb_tx(void *arg, uint8_t c)
{
    assert_ptr_equal(arg, &vm);
    if (txlen < sizeof(txbuf))
        txbuf[txlen++] = (char)c;
}

static void cb_irq(void *arg, bool level)
{
    assert_ptr_equal(arg, &vm);
    assert_true(level != irq_line); /* only changes are reported */
    irq_line = level;
    irq_changes++;
}

static const struct axvm_pl011_ops ops = {.set_irq = cb_irq, .tx = cb_tx};

static int setup(void **state)
{
    (void)state;
    memset(&vm, 0, sizeof(vm));
    axvm_devices_init(&vm.devices, AXVM_UNHANDLED_FAULT);
    txlen = 0;
    irq_line = false;
    irq_changes = 0;
    assert_int_equal(axvm_pl011_attach(&vm, BASE, &ops, &vm, &uart), AXVM_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    axvm_pl011_release(uart);
    return 0;
}

static int acc_read(uint64_t off, unsigned width, uint64_t *v)
{
    return axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, NULL, BASE + off, width, v);
}

static int acc_write(uint64_t off, unsigned width, uint64_t v)
{
    return axvm_devices_write(&vm.devices, AXVM_SPACE_MMIO, NULL, BASE + off, width, v);
}

static uint64_t rd(uint64_t off, unsigned width)
{
    uint64_t v = 0xDEADBEEF;
    assert_int_equal(acc_read(off, width, &v), AXVM_OK);
    return v;
}

static void wr(uint64_t off, unsigned width, uint64_t v)
{
    assert_int_equal(acc_write(off, width, v), AXVM_OK);
}

static void test_id_registers(void **state)
{
    (void)state;
    uint32_t periph = 0, cell = 0;
    for (unsigned i = 0; i < 4; i++) {
        periph |= (uint32_t)rd(0xFE0 + 4 * i, 4) << (8 * i);
        cell |= (uint32_t)rd(0xFF0 + 4 * i, 4) << (8 * i);
    }
    assert_int_equal(periph, 0x00041011);
    assert_int_equal(cell, 0xB105F00D);
    assert_int_equal(rd(0xFE0, 1), 0x11);
    assert_int_equal(rd(0xFFC, 2), 0xB1);
}

static void test_reset_values(void **state)
{
    (void)state;
    assert_int_equal(rd(FR, 4), FR_TXFE | FR_RXFE);
    assert_int_equal(rd(CR, 4), 0x300);
    assert_int_equal(rd(IFLS, 4), 0x12);
    assert_int_equal(rd(IMSC, 4), 0);
    assert_int_equal(rd(RIS, 4), 0);
    assert_int_equal(rd(MIS, 4), 0);
    assert_int_equal(rd(LCR_H, 4), 0);
    assert_false(irq_line);
}

static void test_stored_registers(void **state)
{
    (void)state;
    wr(IBRD, 4, 0x12345);
    assert_int_equal(rd(IBRD, 4), 0x2345);
    wr(FBRD, 4, 0xFF);
    assert_int_equal(rd(FBRD, 4), 0x3F);
    wr(LCR_H, 2, 0x70);
    assert_int_equal(rd(LCR_H, 4), 0x70);
    wr(CR, 2, 0x0301);
    assert_int_equal(rd(CR, 2), 0x0301);
    /* a byte write to the high byte merges into the register */
    wr(CR + 1, 1, 0x83);
    assert_int_equal(rd(CR, 4), 0x8301);
    assert_int_equal(rd(CR + 1, 1), 0x83);
    wr(DMACR, 4, 0xFF);
    assert_int_equal(rd(DMACR, 4), 0x7);
    /* read-only registers ignore writes */
    wr(FR, 4, 0);
    assert_int_equal(rd(FR, 4), FR_TXFE | FR_RXFE);
    wr(RIS, 4, 0x7FF);
    assert_int_equal(rd(RIS, 4), 0);
    wr(0xFE0, 4, 0);
    assert_int_equal(rd(0xFE0, 4), 0x11);
}

static void test_tx(void **state)
{
    (void)state;
    wr(DR, 1, 'h');
    wr(DR, 2, 'i');
    wr(DR, 4, 0xFFFFFF00 | '!');
    assert_int_equal(txlen, 3);
    assert_memory_equal(txbuf, "hi!", 3);
    /* the upper byte lanes of UARTDR carry no data */
    wr(DR + 1, 1, 'x');
    assert_int_equal(txlen, 3);
    /* the TX FIFO drains at once */
    assert_int_equal(rd(FR, 4) & (FR_TXFE | FR_TXFF | FR_BUSY), FR_TXFE);
}

static void test_rx_fifo_and_flags(void **state)
{
    (void)state;
    /* FIFO off: a one-character holding register */
    assert_int_equal(axvm_pl011_rx_room(uart), 1);
    assert_int_equal(axvm_pl011_push_input(uart, 'a'), AXVM_OK);
    assert_int_equal(rd(FR, 4) & (FR_RXFE | FR_RXFF), FR_RXFF);
    assert_int_equal(axvm_pl011_push_input(uart, 'b'), AXVM_EBUSY);
    assert_int_equal(rd(DR, 4), 'a');
    assert_int_equal(rd(FR, 4) & (FR_RXFE | FR_RXFF), FR_RXFE);
    assert_int_equal(rd(DR, 4), 0); /* empty */
    /* FIFO on: 16 deep, in order */
    wr(LCR_H, 4, FEN);
    assert_int_equal(axvm_pl011_rx_room(uart), 16);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(axvm_pl011_push_input(uart, (uint8_t)('A' + i)), AXVM_OK);
    assert_int_equal(axvm_pl011_push_input(uart, 'Z'), AXVM_EBUSY);
    assert_int_equal(axvm_pl011_rx_room(uart), 0);
    assert_int_equal(rd(FR, 4) & (FR_RXFE | FR_RXFF), FR_RXFF);
    /* reading a non-data byte lane does not consume */
    assert_int_equal(rd(DR + 1, 1), 0);
    assert_int_equal(rd(DR, 1), 'A');
    assert_int_equal(rd(FR, 4) & (FR_RXFE | FR_RXFF), 0);
    for (unsigned i = 1; i < 16; i++)
        assert_int_equal(rd(DR, 2), 'A' + i);
    assert_int_equal(rd(FR, 4) & FR_RXFE, FR_RXFE);
    /* the ring wraps */
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 10; i++)
            assert_int_equal(axvm_pl011_push_input(uart, (uint8_t)(round * 10 + i)), AXVM_OK);
        for (unsigned i = 0; i < 10; i++)
            assert_int_equal(rd(DR, 4), round * 10 + i);
    }
    assert_int_equal(rd(RSR, 4), 0);
}

static void test_rx_interrupts(void **state)
{
    (void)state;
    wr(LCR_H, 4, FEN);
    wr(IMSC, 4, INT_RX | INT_RT);
    assert_false(irq_line);
    /* one byte: the receive timeout (no timing: taken as expired) */
    assert_int_equal(axvm_pl011_push_input(uart, '1'), AXVM_OK);
    assert_true(irq_line);
    assert_int_equal(rd(RIS, 4), INT_RT);
    assert_int_equal(rd(MIS, 4), INT_RT);
    /* up to the trigger level (1/2 = 8) */
    for (unsigned i = 1; i < 8; i++)
        assert_int_equal(axvm_pl011_push_input(uart, '1'), AXVM_OK);
    assert_int_equal(rd(RIS, 4), INT_RX | INT_RT);
    /* below the trigger: RX clears, the timeout stays until empty */
    (void)rd(DR, 4);
    assert_int_equal(rd(RIS, 4), INT_RT);
    assert_true(irq_line);
    for (unsigned i = 1; i < 8; i++)
        (void)rd(DR, 4);
    assert_int_equal(rd(RIS, 4), 0);
    assert_false(irq_line);
    /* ICR clears a raised interrupt while data stays */
    assert_int_equal(axvm_pl011_push_input(uart, '2'), AXVM_OK);
    assert_true(irq_line);
    wr(ICR, 4, INT_RT);
    assert_false(irq_line);
    assert_int_equal(rd(FR, 4) & FR_RXFE, 0);
    /* masked: RIS shows it, MIS and the line do not */
    wr(IMSC, 4, 0);
    assert_int_equal(axvm_pl011_push_input(uart, '3'), AXVM_OK);
    assert_int_equal(rd(RIS, 4), INT_RT);
    assert_int_equal(rd(MIS, 4), 0);
    assert_false(irq_line);
    /* unmasking a raised interrupt raises the line */
    wr(IMSC, 4, INT_RT);
    assert_true(irq_line);
    /* trigger level 1/8 */
    wr(IFLS, 4, 0 << 3);
    (void)rd(DR, 4);
    (void)rd(DR, 4);
    assert_false(irq_line);
    wr(IMSC, 4, INT_RX);
    assert_int_equal(axvm_pl011_push_input(uart, 'a'), AXVM_OK);
    assert_false(irq_line);
    assert_int_equal(axvm_pl011_push_input(uart, 'b'), AXVM_OK);
    assert_true(irq_line);
}

static void test_tx_interrupt(void **state)
{
    (void)state;
    wr(IMSC, 4, INT_TX);
    assert_false(irq_line);
    wr(DR, 4, 'x');
    assert_true(irq_line);
    assert_int_equal(rd(MIS, 4), INT_TX);
    wr(ICR, 2, INT_TX);
    assert_false(irq_line);
    assert_int_equal(rd(RIS, 4), 0);
    /* written bytes raise it again; masking lowers the line */
    wr(DR, 1, 'y');
    assert_true(irq_line);
    wr(IMSC, 4, 0);
    assert_false(irq_line);
    unsigned changes = irq_changes;
    wr(DR, 1, 'z');
    assert_int_equal(irq_changes, changes);
}

static void test_reset_lowers_line(void **state)
{
    (void)state;
    wr(LCR_H, 4, FEN);
    wr(IMSC, 4, INT_RT);
    assert_int_equal(axvm_pl011_push_input(uart, 'q'), AXVM_OK);
    assert_true(irq_line);
    axvm_pl011_reset(uart);
    assert_false(irq_line);
    assert_int_equal(rd(FR, 4), FR_TXFE | FR_RXFE);
    assert_int_equal(rd(LCR_H, 4), 0);
    assert_int_equal(rd(IMSC, 4), 0);
}

static void test_bad_accesses(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(acc_read(DR, 8, &v), AXVM_EWIDTH);
    assert_int_equal(acc_write(DR, 8, 'x'), AXVM_EWIDTH);
    assert_int_equal(txlen, 0);
    assert_int_equal(acc_read(FR + 1, 2, &v), AXVM_EALIGN);
    assert_int_equal(acc_write(CR + 2, 4, 0), AXVM_EALIGN);
    assert_int_equal(acc_read(0xFFD, 2, &v), AXVM_EALIGN);
    assert_int_equal(acc_read(0xFFF, 2, &v), AXVM_ENODEV); /* runs past the window */
    /* reserved offsets: RAZ/WI */
    wr(0x100, 4, 0xFFFFFFFF);
    assert_int_equal(rd(0x100, 4), 0);
    assert_int_equal(rd(0x04C, 4), 0);
    /* outside the 4 KiB window: no device */
    assert_int_equal(acc_read(0x1000, 4, &v), AXVM_ENODEV);
}

static void test_attach_errors(void **state)
{
    (void)state;
    struct axvm_pl011 *u = (struct axvm_pl011 *)1;
    assert_int_equal(axvm_pl011_attach(&vm, BASE + 0x800, &ops, &vm, &u), AXVM_EALIGN);
    assert_int_equal(axvm_pl011_attach(&vm, BASE, &ops, &vm, &u), AXVM_EOVERLAP);
    assert_int_equal(axvm_pl011_attach(NULL, BASE, &ops, &vm, &u), AXVM_EINVAL);
    assert_int_equal(axvm_pl011_push_input(NULL, 'x'), AXVM_EINVAL);
    /* the pool: every instance, then ENOMEM; callbacks may be absent */
    static const struct axvm_pl011_ops none = {0};
    struct axvm_pl011 *all[AXVM_PL011_MAX];
    unsigned n = 0;
    for (unsigned i = 0; i < AXVM_PL011_MAX; i++) {
        int err = axvm_pl011_attach(&vm, BASE + 0x1000ull * (i + 1), &none, NULL, &all[n]);
        if (err == AXVM_OK)
            n++;
        else
            assert_int_equal(err, AXVM_ENOMEM);
    }
    assert_int_equal(n, AXVM_PL011_MAX - 1);
    /* polled UART without callbacks works */
    wr(0x1000 + DR, 4, 'p');
    assert_int_equal(axvm_pl011_push_input(all[0], 'r'), AXVM_OK);
    assert_int_equal(rd(0x1000 + DR, 4), 'r');
    for (unsigned i = 0; i < n; i++)
        axvm_pl011_release(all[i]);
    /* a released instance refuses accesses */
    uint64_t v;
    assert_int_equal(acc_read(0x1000 + FR, 4, &v), AXVM_ENODEV);
    assert_int_equal(axvm_pl011_push_input(all[0], 'x'), AXVM_EINVAL);
}

/* ---- concurrency: host input on one CPU, guest reads on another ---- */

#define STRESS_BYTES 20000u

static void *producer(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < STRESS_BYTES;) {
        if (axvm_pl011_push_input(uart, (uint8_t)i) == AXVM_OK)
            i++;
        else
            sched_yield(); /* FIFO full: let the reader run */
    }
    return NULL;
}

static void test_concurrent_input(void **state)
{
    (void)state;
    wr(LCR_H, 4, FEN);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, producer, NULL), 0);
    unsigned got = 0;
    while (got < STRESS_BYTES) {
        if (rd(FR, 4) & FR_RXFE) {
            sched_yield();
            continue;
        }
        uint64_t c = rd(DR, 4);
        assert_int_equal(c, (uint8_t)got); /* nothing lost, duplicated or reordered */
        got++;
    }
    pthread_join(th, NULL);
    assert_int_equal(rd(FR, 4) & FR_RXFE, FR_RXFE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_id_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stored_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_fifo_and_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_lowers_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_accesses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attach_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_input, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
