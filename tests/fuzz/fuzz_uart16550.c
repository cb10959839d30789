/* Fuzz target: the 16550A model (devices/uart16550.c) as the KVM host uses
 * it, a port device at 0x3F8, through the real device manager: register
 * accesses of any port and width, host input, loopback.
 *
 * Oracle (besides ASan/UBSan), from a shadow of the receive FIFO:
 *   - bytes come out of RBR (DLAB clear) in order, each once; LSR.DR says
 *     whether any is left; the host input takes exactly what fits in the
 *     64-byte FIFO; loopback writes land in the FIFO like input;
 *   - every THR write (DLAB clear, loopback off) reaches `tx`, unchanged;
 *   - the irq callback reports changes only, and its last report is the
 *     model's level after every operation;
 *   - only 1-byte accesses inside the 8 ports succeed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/device.h"
#include "axvm/uart16550.h"
#include "fake_hal.h"
#include "fuzz_input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COM1 0x3F8u

static struct axvm_devices dm;
static struct axvm_uart16550 uart;
static bool line;
static int tx_expect;
static unsigned tx_count;
static uint8_t q[AXVM_UART16550_FIFO];
static unsigned q_head, q_n;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fake_hal_reset();
    return 0;
}

static void cb_tx(void *ctx, uint8_t c)
{
    FZ_CHECK(ctx == &uart);
    FZ_CHECK(tx_expect == c);
    tx_expect = -1;
    tx_count++;
}

static void cb_irq(void *ctx, bool level)
{
    FZ_CHECK(ctx == &dm);
    FZ_CHECK(level != line);
    line = level;
}

static void q_push(uint8_t c)
{
    if (q_n < AXVM_UART16550_FIFO) {
        q[(q_head + q_n) % AXVM_UART16550_FIFO] = c;
        q_n++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    axvm_devices_init(&dm, AXVM_UNHANDLED_FAULT);
    axvm_uart16550_init(&uart, cb_tx, &uart, cb_irq, &dm);
    /* the manager may pass wider accesses through: the model refuses them */
    struct axvm_dev d = {.name = "com1", .base = COM1, .size = 8, .ops = &axvm_uart16550_ops, .ctx = &uart,
                         .widths = fz_bool(&f) ? AXVM_W1 : 0, .allow_unaligned = fz_bool(&f)};
    FZ_CHECK(axvm_devices_add_port(&dm, &d) == AXVM_OK);
    line = false;
    tx_expect = -1;
    tx_count = 0;
    q_head = q_n = 0;

    unsigned n = 0;
    while (fz_left(&f) && n++ < 2048) {
        uint8_t op = fz_u8(&f) % 8;
        uint64_t port = fz_u8(&f) < 0xF0 ? COM1 + fz_u8(&f) % 8 : COM1 - 4 + fz_u8(&f) % 16;
        unsigned w = fz_u8(&f) < 0xE0 ? 1 : fz_width(&f);
        bool dlab = uart.lcr & UART_LCR_DLAB;
        bool loop = uart.mcr & UART_MCR_LOOP;
        bool ok = w == 1 && port >= COM1 && port < COM1 + 8;
        if (op <= 3) {
            uint64_t v = 0xDEAD;
            int rc = axvm_devices_read(&dm, AXVM_SPACE_PORT, NULL, port, w, &v);
            if (ok) {
                FZ_CHECK(rc == AXVM_OK && v <= 0xFF);
                if (port == COM1 + UART_RBR && !dlab) {
                    uint8_t want = 0;
                    if (q_n) {
                        want = q[q_head];
                        q_head = (q_head + 1) % AXVM_UART16550_FIFO;
                        q_n--;
                    }
                    FZ_CHECK(v == want);
                }
                if (port == COM1 + UART_LSR)
                    FZ_CHECK(((v & UART_LSR_DR) != 0) == (q_n != 0));
            } else {
                FZ_CHECK(rc < 0);
            }
        } else if (op <= 6) {
            uint64_t v = fz_u8(&f);
            if (w > 1 && w < 8)
                v |= (uint64_t)fz_u8(&f) << 8;
            bool is_thr = ok && port == COM1 + UART_THR && !dlab;
            tx_expect = is_thr && !loop ? (int)(v & 0xFF) : -1;
            unsigned before = tx_count;
            int rc = axvm_devices_write(&dm, AXVM_SPACE_PORT, NULL, port, w, v);
            FZ_CHECK((rc == AXVM_OK) == ok);
            FZ_CHECK(tx_count == before + (is_thr && !loop ? 1u : 0u));
            tx_expect = -1;
            if (is_thr && loop)
                q_push((uint8_t)v);
            if (ok && port == COM1 + UART_FCR && (v & 2))
                q_head = q_n = 0;
        } else {
            uint8_t buf[80];
            size_t k = fz_u8(&f) % sizeof(buf);
            for (size_t i = 0; i < k; i++)
                buf[i] = fz_u8(&f);
            size_t room = AXVM_UART16550_FIFO - q_n;
            size_t took = axvm_uart16550_input(&uart, buf, k);
            FZ_CHECK(took == (k < room ? k : room));
            for (size_t i = 0; i < took; i++)
                q_push(buf[i]);
        }
        FZ_CHECK(uart.rx_count == q_n);
        FZ_CHECK(line == uart.irq_level);
    }
    return 0;
}
