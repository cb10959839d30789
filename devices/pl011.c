/* The emulated PL011 UART; see include/axvm/pl011.h for the model. */
#include "axvm/pl011.h"

#include "axvm/device.h"
#include "axvm/lib.h"
#include "axvm/spinlock.h"
#include "axvm/vm.h"

#define UARTDR 0x000
#define UARTRSR 0x004
#define UARTFR 0x018
#define UARTILPR 0x020
#define UARTIBRD 0x024
#define UARTFBRD 0x028
#define UARTLCR_H 0x02C
#define UARTCR 0x030
#define UARTIFLS 0x034
#define UARTIMSC 0x038
#define UARTRIS 0x03C
#define UARTMIS 0x040
#define UARTICR 0x044
#define UARTDMACR 0x048
#define UARTID 0xFE0

#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_RXFF (1u << 6)
#define FR_TXFE (1u << 7)

#define LCR_H_FEN (1u << 4)

#define INT_RX (1u << 4)
#define INT_TX (1u << 5)
#define INT_RT (1u << 6)
#define INT_ALL 0x7FFu

#define CR_RESET 0x0300u    /* TXE | RXE */
#define IFLS_RESET 0x12u    /* both trigger levels at 1/2 */

/* UARTPeriphID0..3 (0x00041011: PL011, designer Arm) and UARTPCellID0..3
 * (0xB105F00D): what the Linux AMBA bus matches the driver on. */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x04, 0x00, 0x0D, 0xF0, 0x05, 0xB1};

struct axvm_pl011 {
    bool in_use;
    axvm_spinlock_t lock;
    const struct axvm_pl011_ops *ops;
    void *arg;
    uint8_t fifo[AXVM_PL011_FIFO_DEPTH];
    unsigned head, count;
    uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr;
    bool irq_level;
};

static struct axvm_pl011 pl011_pool[AXVM_PL011_MAX];
static axvm_spinlock_t pl011_pool_lock = AXVM_SPINLOCK_INIT;

static unsigned pl011_depth(const struct axvm_pl011 *u)
{
    return (u->lcr_h & LCR_H_FEN) ? AXVM_PL011_FIFO_DEPTH : 1;
}

static unsigned pl011_rx_trigger(const struct axvm_pl011 *u)
{
    static const uint8_t level[8] = {2, 4, 8, 12, 14, 8, 8, 8}; /* 1/8 .. 7/8; reserved: 1/2 */
    if (!(u->lcr_h & LCR_H_FEN))
        return 1;
    return level[(u->ifls >> 3) & 7];
}

/* Present the combined interrupt line; called with the lock held after any
 * change of RIS or IMSC. */
static void pl011_update_irq(struct axvm_pl011 *u)
{
    bool level = (u->ris & u->imsc) != 0;
    if (level == u->irq_level)
        return;
    u->irq_level = level;
    if (u->ops && u->ops->set_irq)
        u->ops->set_irq(u->arg, level);
}

static void pl011_reset_locked(struct axvm_pl011 *u)
{
    u->head = u->count = 0;
    u->ilpr = u->ibrd = u->fbrd = u->lcr_h = u->imsc = u->ris = u->dmacr = 0;
    u->cr = CR_RESET;
    u->ifls = IFLS_RESET;
    pl011_update_irq(u);
}

static uint8_t pl011_pop(struct axvm_pl011 *u)
{
    if (u->count == 0)
        return 0;
    uint8_t c = u->fifo[u->head];
    u->head = (u->head + 1) % AXVM_PL011_FIFO_DEPTH;
    u->count--;
    if (u->count < pl011_rx_trigger(u))
        u->ris &= ~INT_RX;
    if (u->count == 0)
        u->ris &= ~INT_RT;
    pl011_update_irq(u);
    return c;
}

static uint32_t pl011_fr(const struct axvm_pl011 *u)
{
    uint32_t fr = FR_TXFE;
    if (u->count == 0)
        fr |= FR_RXFE;
    if (u->count >= pl011_depth(u))
        fr |= FR_RXFF;
    return fr;
}

/* Whole-register read at a word offset; `pop` when the access covers the
 * data byte of UARTDR. */
static uint32_t pl011_reg_read(struct axvm_pl011 *u, uint64_t word, bool pop)
{
    switch (word) {
    case UARTDR: return pop ? pl011_pop(u) : 0;
    case UARTRSR: return 0; /* no framing, parity, break or overrun errors */
    case UARTFR: return pl011_fr(u);
    case UARTILPR: return u->ilpr;
    case UARTIBRD: return u->ibrd;
    case UARTFBRD: return u->fbrd;
    case UARTLCR_H: return u->lcr_h;
    case UARTCR: return u->cr;
    case UARTIFLS: return u->ifls;
    case UARTIMSC: return u->imsc;
    case UARTRIS: return u->ris;
    case UARTMIS: return u->ris & u->imsc;
    case UARTDMACR: return u->dmacr;
    default: break;
    }
    if (word >= UARTID)
        return pl011_id[(word - UARTID) / 4];
    return 0;
}

/* `value` and `mask` are already shifted to their byte lanes. */
static void pl011_reg_write(struct axvm_pl011 *u, uint64_t word, uint32_t value, uint32_t mask)
{
#define MERGE(reg, valid) ((reg) = (((reg) & ~mask) | (value & mask)) & (valid))
    switch (word) {
    case UARTDR:
        if (mask & 0xFF) {
            if (u->ops && u->ops->tx)
                u->ops->tx(u->arg, (uint8_t)value);
            /* The byte leaves the (empty) FIFO at once: the TX FIFO has
             * dropped to or below any trigger level again. */
            u->ris |= INT_TX;
            pl011_update_irq(u);
        }
        break;
    case UARTILPR: MERGE(u->ilpr, 0xFFu); break;
    case UARTIBRD: MERGE(u->ibrd, 0xFFFFu); break;
    case UARTFBRD: MERGE(u->fbrd, 0x3Fu); break;
    case UARTLCR_H: {
        MERGE(u->lcr_h, 0xFFu);
        /* The trigger level may have moved (FIFO switched on or off). */
        if (u->count >= pl011_rx_trigger(u))
            u->ris |= INT_RX;
        else
            u->ris &= ~INT_RX;
        pl011_update_irq(u);
        break;
    }
    case UARTCR: MERGE(u->cr, 0xFFFFu); break;
    case UARTIFLS: MERGE(u->ifls, 0x3Fu); break;
    case UARTIMSC:
        MERGE(u->imsc, INT_ALL);
        pl011_update_irq(u);
        break;
    case UARTICR:
        u->ris &= ~(value & mask & INT_ALL);
        pl011_update_irq(u);
        break;
    case UARTDMACR: MERGE(u->dmacr, 0x7u); break;
    default: break; /* RSR/ECR (no errors to clear), read-only, reserved */
    }
#undef MERGE
}

static int pl011_access_ok(const struct axvm_pl011 *u, uint64_t off, unsigned width)
{
    if (!u->in_use)
        return AXVM_ENODEV;
    if (width != 1 && width != 2 && width != 4)
        return AXVM_EWIDTH;
    if (off >= AXVM_PL011_SIZE || (off & (width - 1)))
        return AXVM_EALIGN;
    return AXVM_OK;
}

static int pl011_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    (void)vcpu;
    struct axvm_pl011 *u = ctx;
    int err = pl011_access_ok(u, off, width);
    if (err != AXVM_OK)
        return err;
    unsigned lane = (unsigned)(off & 3);
    axvm_spin_lock(&u->lock);
    uint32_t v = pl011_reg_read(u, off & ~3ull, lane == 0);
    axvm_spin_unlock(&u->lock);
    v >>= 8 * lane;
    if (width < 4)
        v &= (1u << (8 * width)) - 1;
    *value = v;
    return AXVM_OK;
}

static int pl011_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)vcpu;
    struct axvm_pl011 *u = ctx;
    int err = pl011_access_ok(u, off, width);
    if (err != AXVM_OK)
        return err;
    unsigned lane = (unsigned)(off & 3);
    uint32_t mask = (width == 4 ? 0xFFFFFFFFu : (1u << (8 * width)) - 1) << (8 * lane);
    axvm_spin_lock(&u->lock);
    pl011_reg_write(u, off & ~3ull, (uint32_t)(value << (8 * lane)), mask);
    axvm_spin_unlock(&u->lock);
    return AXVM_OK;
}

static const struct axvm_dev_ops pl011_dev_ops = {
    .read = pl011_read,
    .write = pl011_write,
};

int axvm_pl011_attach(struct axvm_vm *vm, uint64_t base, const struct axvm_pl011_ops *ops, void *arg,
                      struct axvm_pl011 **out)
{
    if (!vm || !out)
        return AXVM_EINVAL;
    if (!AXVM_IS_ALIGNED(base, AXVM_PL011_SIZE))
        return AXVM_EALIGN;
    struct axvm_pl011 *u = NULL;
    axvm_spin_lock(&pl011_pool_lock);
    for (unsigned i = 0; i < AXVM_PL011_MAX; i++) {
        if (!pl011_pool[i].in_use) {
            u = &pl011_pool[i];
            memset(u, 0, sizeof(*u));
            u->in_use = true;
            break;
        }
    }
    axvm_spin_unlock(&pl011_pool_lock);
    if (!u)
        return AXVM_ENOMEM;
    axvm_spin_init(&u->lock);
    u->ops = ops;
    u->arg = arg;
    pl011_reset_locked(u);

    struct axvm_dev dev = {
        .name = "pl011",
        .base = base,
        .size = AXVM_PL011_SIZE,
        .ops = &pl011_dev_ops,
        .ctx = u,
        .widths = AXVM_W1 | AXVM_W2 | AXVM_W4,
    };
    int err = axvm_devices_add_mmio(&vm->devices, &dev);
    if (err != AXVM_OK) {
        axvm_pl011_release(u);
        return err;
    }
    *out = u;
    return AXVM_OK;
}

void axvm_pl011_release(struct axvm_pl011 *u)
{
    if (!u)
        return;
    axvm_spin_lock(&pl011_pool_lock);
    u->in_use = false;
    axvm_spin_unlock(&pl011_pool_lock);
}

void axvm_pl011_reset(struct axvm_pl011 *u)
{
    if (!u)
        return;
    axvm_spin_lock(&u->lock);
    pl011_reset_locked(u);
    axvm_spin_unlock(&u->lock);
}

int axvm_pl011_push_input(struct axvm_pl011 *u, uint8_t c)
{
    if (!u || !u->in_use)
        return AXVM_EINVAL;
    int err = AXVM_OK;
    axvm_spin_lock(&u->lock);
    if (u->count >= pl011_depth(u)) {
        err = AXVM_EBUSY;
    } else {
        u->fifo[(u->head + u->count) % AXVM_PL011_FIFO_DEPTH] = c;
        u->count++;
        u->ris |= INT_RT;
        if (u->count >= pl011_rx_trigger(u))
            u->ris |= INT_RX;
        pl011_update_irq(u);
    }
    axvm_spin_unlock(&u->lock);
    return err;
}

unsigned axvm_pl011_rx_room(struct axvm_pl011 *u)
{
    if (!u || !u->in_use)
        return 0;
    axvm_spin_lock(&u->lock);
    unsigned depth = pl011_depth(u);
    unsigned room = u->count >= depth ? 0 : depth - u->count;
    axvm_spin_unlock(&u->lock);
    return room;
}
