/* Fuzz target: the PL011 model (devices/pl011.c) through the real device
 * manager: register accesses of any offset and width (inside the 4 KiB
 * window and around it), host input bytes, reset.
 *
 * Oracle (besides ASan/UBSan), from a shadow of the receive FIFO and of the
 * interrupt line:
 *   - received bytes come out of UARTDR in order, each once; an empty FIFO
 *     reads 0; UARTFR.RXFE says whether the FIFO is empty, TXFE is set;
 *   - push_input refuses (EBUSY) exactly when rx_room is 0, and the room is
 *     the FIFO depth (16, or 1 with UARTLCR_H.FEN clear) minus what it holds;
 *   - every byte written to UARTDR's data lane reaches `tx`, unchanged;
 *   - set_irq is called only for a change, and the line it reports is
 *     UARTMIS != 0 after every operation;
 *   - 64-bit accesses and misaligned ones fault, others succeed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/device.h"
#include "axvm/pl011.h"
#include "axvm/vm.h"
#include "fake_hal.h"
#include "fuzz_input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE 0x09000000ull
#define DR 0x000u
#define FR 0x018u
#define LCR_H 0x02Cu
#define MIS 0x040u
#define FR_RXFE 0x10u
#define FR_TXFE 0x80u
#define FEN 0x10u

static struct axvm_vm vm;
static struct axvm_pl011 *uart;
static bool line;
static int tx_expect; /* byte the next tx must carry; -1: none expected */
static unsigned tx_count;

/* shadow receive FIFO (it may briefly hold more than 1 with FEN off) */
static uint8_t q[64];
static unsigned q_head, q_n;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fake_hal_reset();
    return 0;
}

static void cb_tx(void *arg, uint8_t c)
{
    FZ_CHECK(arg == &vm);
    FZ_CHECK(tx_expect == c);
    tx_expect = -1;
    tx_count++;
}

static void cb_irq(void *arg, bool level)
{
    FZ_CHECK(arg == &vm);
    FZ_CHECK(level != line);
    line = level;
}

static const struct axvm_pl011_ops ops = {.set_irq = cb_irq, .tx = cb_tx};

static int rd(uint64_t off, unsigned w, uint64_t *v)
{
    return axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, NULL, BASE + off, w, v);
}

static uint32_t rd32(uint64_t off)
{
    uint64_t v = 0;
    FZ_CHECK(rd(off, 4, &v) == AXVM_OK);
    return (uint32_t)v;
}

static unsigned depth(void)
{
    return (rd32(LCR_H) & FEN) ? AXVM_PL011_FIFO_DEPTH : 1;
}

static void check_state(void)
{
    FZ_CHECK(line == (rd32(MIS) != 0));
    uint32_t fr = rd32(FR);
    FZ_CHECK((fr & FR_TXFE) != 0);
    FZ_CHECK(((fr & FR_RXFE) != 0) == (q_n == 0));
    unsigned room = axvm_pl011_rx_room(uart);
    unsigned d = depth();
    FZ_CHECK(room == (q_n >= d ? 0 : d - q_n));
}

static uint64_t pick_off(struct fz *f)
{
    switch (fz_u8(f) % 4) {
    case 0: return fz_u8(f) & 0x4F;                /* the registers */
    case 1: return 0xFE0 + (fz_u8(f) & 0x1F);      /* identification */
    case 2: return fz_u16(f) % 0x1010;             /* anywhere, and past the end */
    default: return fz_u64(f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    memset(&vm, 0, sizeof(vm));
    axvm_devices_init(&vm.devices, AXVM_UNHANDLED_FAULT);
    line = false;
    tx_expect = -1;
    tx_count = 0;
    q_head = q_n = 0;
    FZ_CHECK(axvm_pl011_attach(&vm, BASE, &ops, &vm, &uart) == AXVM_OK);

    unsigned n = 0;
    while (fz_left(&f) && n++ < 2048) {
        uint8_t op = fz_u8(&f) % 8;
        if (op <= 2) { /* read */
            uint64_t off = pick_off(&f), v = 0xDEAD;
            unsigned w = fz_width(&f);
            int rc = rd(off, w, &v);
            bool inside = off < AXVM_PL011_SIZE && w <= AXVM_PL011_SIZE - off;
            bool ok = inside && (w == 1 || w == 2 || w == 4) && (off & (w - 1)) == 0;
            FZ_CHECK((rc == AXVM_OK) == ok);
            if (rc == AXVM_OK && (off & ~3ull) == DR && (off & 3) == 0) {
                uint8_t want = 0;
                if (q_n) {
                    want = q[q_head];
                    q_head = (q_head + 1) % sizeof(q);
                    q_n--;
                }
                FZ_CHECK((v & 0xFF) == want);
            }
        } else if (op <= 5) { /* write */
            uint64_t off = pick_off(&f);
            unsigned w = fz_width(&f);
            uint64_t v = fz_u64(&f);
            if (w && w < 8)
                v &= (1ull << (8 * w)) - 1;
            bool hits_data = off < 4 && (off & 3) == 0 && (w == 1 || w == 2 || w == 4);
            unsigned before = tx_count;
            tx_expect = hits_data ? (int)(v & 0xFF) : -1;
            int rc = axvm_devices_write(&vm.devices, AXVM_SPACE_MMIO, NULL, BASE + off, w, v);
            FZ_CHECK(rc <= 0);
            FZ_CHECK(tx_count == before + (rc == AXVM_OK && hits_data ? 1u : 0u));
            tx_expect = -1;
        } else if (op == 6) { /* host input */
            unsigned k = 1 + fz_u8(&f) % 20;
            for (unsigned i = 0; i < k; i++) {
                uint8_t c = fz_u8(&f);
                unsigned room = axvm_pl011_rx_room(uart);
                int rc = axvm_pl011_push_input(uart, c);
                FZ_CHECK((rc == AXVM_EBUSY) == (room == 0));
                FZ_CHECK(rc == AXVM_OK || rc == AXVM_EBUSY);
                if (rc == AXVM_OK) {
                    FZ_CHECK(q_n < sizeof(q));
                    q[(q_head + q_n) % sizeof(q)] = c;
                    q_n++;
                }
            }
        } else if (fz_u8(&f) >= 0xF0) { /* VM reboot */
            axvm_pl011_reset(uart);
            q_head = q_n = 0;
        }
        check_state();
    }
    axvm_pl011_release(uart);
    return 0;
}
