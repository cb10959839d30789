/* 16550A UART model; see include/axvm/uart16550.h. */
#include "axvm/uart16550.h"

#include "axvm/lib.h"

void axvm_uart16550_init(struct axvm_uart16550 *u, void (*tx)(void *, uint8_t), void *tx_ctx,
                         void (*irq)(void *, bool), void *irq_ctx)
{
    memset(u, 0, sizeof *u);
    axvm_spin_init(&u->lock);
    u->tx = tx;
    u->tx_ctx = tx_ctx;
    u->irq = irq;
    u->irq_ctx = irq_ctx;
    u->lcr = 0x03; /* 8N1, what firmware leaves behind */
    u->dll = 1;    /* 115200 baud */
}

/* Highest-priority pending source as the IIR identification, or NONE. */
static uint8_t iir_id(const struct axvm_uart16550 *u)
{
    if ((u->ier & UART_IER_RLSI) && u->overrun)
        return UART_IIR_RLS;
    if ((u->ier & UART_IER_RDI) && u->rx_count)
        return UART_IIR_RDI;
    if ((u->ier & UART_IER_THRI) && u->thre_pending)
        return UART_IIR_THRI;
    return UART_IIR_NONE;
}

/* Level of the output line; on a PC the OUT2 bit gates it. Returns whether it
 * changed (the caller reports it once the lock is dropped). */
static bool update_irq(struct axvm_uart16550 *u)
{
    bool level = iir_id(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2);
    bool changed = level != u->irq_level;
    u->irq_level = level;
    return changed;
}

static void report(struct axvm_uart16550 *u, bool changed)
{
    if (changed && u->irq)
        u->irq(u->irq_ctx, u->irq_level);
}

static bool push_rx(struct axvm_uart16550 *u, uint8_t c)
{
    if (u->rx_count == AXVM_UART16550_FIFO) {
        u->overrun = true;
        return false;
    }
    u->rx[(u->rx_head + u->rx_count) % AXVM_UART16550_FIFO] = c;
    u->rx_count++;
    return true;
}

size_t axvm_uart16550_input(struct axvm_uart16550 *u, const uint8_t *buf, size_t n)
{
    size_t done = 0;
    axvm_spin_lock(&u->lock);
    while (done < n && push_rx(u, buf[done]))
        done++;
    bool ch = update_irq(u);
    axvm_spin_unlock(&u->lock);
    report(u, ch);
    return done;
}

static int uart_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    (void)vcpu;
    struct axvm_uart16550 *u = ctx;
    if (width != 1 || off > 7)
        return AXVM_EWIDTH;
    uint8_t v = 0;
    /* DLAB under the lock: another vCPU may be rewriting LCR */
    axvm_spin_lock(&u->lock);
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (off) {
    case UART_RBR:
        if (dlab) {
            v = u->dll;
        } else if (u->rx_count) {
            v = u->rx[u->rx_head];
            u->rx_head = (u->rx_head + 1) % AXVM_UART16550_FIFO;
            u->rx_count--;
        }
        break;
    case UART_IER: v = dlab ? u->dlm : u->ier; break;
    case UART_IIR: {
        uint8_t id = iir_id(u);
        if (id == UART_IIR_THRI)
            u->thre_pending = false; /* reading IIR acknowledges a THRE interrupt */
        v = (uint8_t)(id | ((u->fcr & 1u) ? 0xC0u : 0u));
        break;
    }
    case UART_LCR: v = u->lcr; break;
    case UART_MCR: v = u->mcr; break;
    case UART_LSR:
        v = (uint8_t)(UART_LSR_THRE | UART_LSR_TEMT | (u->rx_count ? UART_LSR_DR : 0u) |
                      (u->overrun ? UART_LSR_OE : 0u));
        u->overrun = false; /* error bits clear on read */
        break;
    case UART_MSR:
        if (u->mcr & UART_MCR_LOOP) /* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
            v = (uint8_t)(((u->mcr & 1u) << 5) | ((u->mcr & 2u) << 3) | ((u->mcr & 4u) << 4) |
                          ((u->mcr & 8u) << 4));
        else
            v = 0xB0; /* CTS, DSR, DCD: a cable that is always ready */
        break;
    case UART_SCR: v = u->scr; break;
    default: break;
    }
    bool ch = update_irq(u);
    axvm_spin_unlock(&u->lock);
    report(u, ch);
    *value = v;
    return AXVM_OK;
}

static int uart_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)vcpu;
    struct axvm_uart16550 *u = ctx;
    if (width != 1 || off > 7)
        return AXVM_EWIDTH;
    uint8_t v = (uint8_t)value;
    int tx = -1;
    axvm_spin_lock(&u->lock);
    bool dlab = u->lcr & UART_LCR_DLAB;
    switch (off) {
    case UART_THR:
        if (dlab) {
            u->dll = v;
        } else {
            if (u->mcr & UART_MCR_LOOP)
                push_rx(u, v);
            else
                tx = v;
            u->thre_pending = true; /* sent at once: THR is empty again */
        }
        break;
    case UART_IER:
        if (dlab) {
            u->dlm = v;
        } else {
            /* enabling THRI while THR is empty raises the interrupt at once */
            if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
                u->thre_pending = true;
            u->ier = v & 0x0Fu;
        }
        break;
    case UART_FCR:
        u->fcr = v & 0xC9u;
        if (v & 0x02u) { /* clear receive FIFO */
            u->rx_head = 0;
            u->rx_count = 0;
        }
        break;
    case UART_LCR: u->lcr = v; break;
    case UART_MCR: u->mcr = v & 0x1Fu; break;
    case UART_LSR: /* factory test registers: writes have no defined effect */
    case UART_MSR:
        break;
    case UART_SCR: u->scr = v; break;
    default: break;
    }
    bool ch = update_irq(u);
    axvm_spin_unlock(&u->lock);
    if (tx >= 0 && u->tx)
        u->tx(u->tx_ctx, (uint8_t)tx);
    report(u, ch);
    return AXVM_OK;
}

const struct axvm_dev_ops axvm_uart16550_ops = {.read = uart_read, .write = uart_write};
