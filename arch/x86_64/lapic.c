/* x2APIC model; see lapic.h. Register numbers: SDM Vol. 3A, 11.12.1. */
#include "lapic.h"

#include <string.h>

#include "axvm/hal.h"
#include "axvm/vcpu.h"
#include "msr.h"

enum {
    X2_ID = 0x802, X2_VER = 0x803, X2_TPR = 0x808, X2_PPR = 0x80A, X2_EOI = 0x80B, X2_LDR = 0x80D,
    X2_SVR = 0x80F, X2_ISR0 = 0x810, X2_TMR0 = 0x818, X2_IRR0 = 0x820, X2_ESR = 0x828, X2_LVT_CMCI = 0x82F,
    X2_ICR = 0x830, X2_LVT_TIMER = 0x832, X2_LVT_ERROR = 0x837, X2_TMICT = 0x838, X2_TMCCT = 0x839,
    X2_DCR = 0x83E, X2_SELF_IPI = 0x83F,
};

static void timer_fn(void *arg);

void x86_lapic_reset(struct x86_lapic *l, struct axvm_vcpu *vcpu, uint32_t apic_id)
{
    if (!l->timer_inited) {
        /* initialised once: a timer may still sit in its CPU's list */
        axvm_spin_init(&l->lock);
        axvm_timer_init(&l->timer, timer_fn, l);
        l->timer_inited = true;
    }
    axvm_spin_lock(&l->lock);
    l->vcpu = vcpu;
    l->id = apic_id;
    l->tpr = 0;
    l->svr = 0xFF;
    l->esr = 0;
    l->dcr = 0;
    for (unsigned i = 0; i < 7; i++)
        l->lvt[i] = LVT_MASKED;
    l->icr = 0;
    memset(l->irr, 0, sizeof l->irr);
    memset(l->isr, 0, sizeof l->isr);
    l->tmict = 0;
    l->period_ns = 0;
    l->deadline_ns = 0; /* a stale armed timer finds nothing to do */
    l->wait_sipi = false;
    axvm_spin_unlock(&l->lock);
}

static int highest(const uint64_t *bits)
{
    for (int w = 3; w >= 0; w--)
        if (bits[w])
            return w * 64 + 63 - __builtin_clzll(bits[w]);
    return -1;
}

static void setb(uint64_t *bits, uint32_t v) { bits[v / 64] |= 1ull << (v % 64); }
static void clrb(uint64_t *bits, uint32_t v) { bits[v / 64] &= ~(1ull << (v % 64)); }

static uint32_t ppr(const struct x86_lapic *l)
{
    int isrv = highest(l->isr);
    uint32_t isr_class = isrv < 0 ? 0 : ((uint32_t)isrv & 0xF0u);
    return (l->tpr & 0xF0u) >= isr_class ? l->tpr & 0xFFu : isr_class;
}

int x86_lapic_set_irr(struct x86_lapic *l, uint32_t vector)
{
    if (vector < 16 || vector > 255)
        return AXVM_ERANGE;
    axvm_spin_lock(&l->lock);
    setb(l->irr, vector);
    axvm_spin_unlock(&l->lock);
    return AXVM_OK;
}

int x86_lapic_deliverable(struct x86_lapic *l)
{
    axvm_spin_lock(&l->lock);
    int v = highest(l->irr);
    if (v >= 0 && (!(l->svr & 0x100u) || ((uint32_t)v & 0xF0u) <= (ppr(l) & 0xF0u)))
        v = -1;
    axvm_spin_unlock(&l->lock);
    return v;
}

void x86_lapic_ack(struct x86_lapic *l, uint32_t vector)
{
    if (vector > 255)
        return;
    axvm_spin_lock(&l->lock);
    clrb(l->irr, vector);
    setb(l->isr, vector);
    axvm_spin_unlock(&l->lock);
}

static uint32_t divisor(uint32_t dcr)
{
    uint32_t v = ((dcr & 8u) >> 1) | (dcr & 3u);
    return v == 7 ? 1u : 2u << v;
}

static uint32_t current_count(const struct x86_lapic *l, uint64_t now)
{
    if (!l->deadline_ns || now >= l->deadline_ns)
        return 0;
    uint64_t ticks = (l->deadline_ns - now) / ((uint64_t)divisor(l->dcr) * X86_LAPIC_TICK_NS);
    return ticks > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)ticks;
}

int x86_lapic_read(struct x86_lapic *l, uint32_t msr, uint64_t *value, uint64_t now)
{
    int rc = AXVM_OK;
    uint64_t v = 0;
    axvm_spin_lock(&l->lock);
    switch (msr) {
    case X2_ID: v = l->id; break;
    case X2_VER: v = 0x00050014u; break; /* integrated APIC, 6 LVT entries */
    case X2_TPR: v = l->tpr; break;
    case X2_PPR: v = ppr(l); break;
    case X2_LDR: v = ((l->id >> 4) << 16) | (1u << (l->id & 0xFu)); break;
    case X2_SVR: v = l->svr; break;
    case X2_ESR: v = l->esr; break;
    case X2_ICR: v = l->icr; break;
    case X2_LVT_CMCI: v = l->lvt[LVT_CMCI]; break;
    case X2_TMICT: v = l->tmict; break;
    case X2_TMCCT: v = current_count(l, now); break;
    case X2_DCR: v = l->dcr; break;
    default:
        if (msr >= X2_ISR0 && msr < X2_ISR0 + 8)
            v = (l->isr[(msr - X2_ISR0) / 2] >> (32 * ((msr - X2_ISR0) % 2))) & 0xFFFFFFFFu;
        else if (msr >= X2_TMR0 && msr < X2_TMR0 + 8)
            v = 0; /* every vector is edge-triggered here */
        else if (msr >= X2_IRR0 && msr < X2_IRR0 + 8)
            v = (l->irr[(msr - X2_IRR0) / 2] >> (32 * ((msr - X2_IRR0) % 2))) & 0xFFFFFFFFu;
        else if (msr >= X2_LVT_TIMER && msr <= X2_LVT_ERROR)
            v = l->lvt[LVT_TIMER + (msr - X2_LVT_TIMER)];
        else
            rc = AXVM_EINVAL; /* EOI, SELF_IPI (write-only) and reserved: #GP */
    }
    axvm_spin_unlock(&l->lock);
    if (!rc)
        *value = v;
    return rc;
}

/* Under the lock, on the vCPU's own CPU (axvm_timer_arm runs there). */
static void timer_start(struct x86_lapic *l, uint64_t now)
{
    if (!l->tmict) {
        l->deadline_ns = 0;
        l->period_ns = 0;
        axvm_timer_cancel(&l->timer);
        return;
    }
    l->period_ns = (uint64_t)l->tmict * divisor(l->dcr) * X86_LAPIC_TICK_NS;
    l->deadline_ns = now + l->period_ns;
    axvm_timer_arm(&l->timer, l->deadline_ns);
}

int x86_lapic_write(struct x86_lapic *l, uint32_t msr, uint64_t value, uint64_t now, bool *icr_sent)
{
    int rc = AXVM_OK;
    uint32_t v32 = (uint32_t)value;
    *icr_sent = false;
    if (msr != X2_ICR && (value >> 32))
        return AXVM_EINVAL; /* reserved upper half */
    axvm_spin_lock(&l->lock);
    switch (msr) {
    case X2_TPR: l->tpr = v32 & 0xFFu; break;
    case X2_EOI: {
        if (v32) {
            rc = AXVM_EINVAL; /* x2APIC: a non-zero EOI write is #GP */
            break;
        }
        int v = highest(l->isr);
        if (v >= 0)
            clrb(l->isr, (uint32_t)v);
        break;
    }
    case X2_SVR: l->svr = v32 & 0x11FFu; break;
    case X2_ESR: l->esr = 0; break;
    case X2_ICR:
        l->icr = value & ~(1ull << 12); /* delivery completes at once: never "send pending" */
        *icr_sent = true;
        break;
    case X2_LVT_CMCI: l->lvt[LVT_CMCI] = v32 & 0x117FFu; break;
    case X2_TMICT:
        l->tmict = v32;
        timer_start(l, now);
        break;
    case X2_DCR: l->dcr = v32 & 0xBu; break;
    case X2_SELF_IPI:
        if ((v32 & 0xFFu) < 16)
            l->esr |= 1u << 6; /* received illegal vector */
        else
            setb(l->irr, v32 & 0xFFu);
        break;
    default:
        if (msr >= X2_LVT_TIMER && msr <= X2_LVT_ERROR) {
            unsigned i = LVT_TIMER + (msr - X2_LVT_TIMER);
            uint32_t mask = i == LVT_TIMER ? 0x700FFu : 0x1F7FFu; /* timer: vector, mask, mode */
            if (!(l->svr & 0x100u))
                v32 |= LVT_MASKED; /* software-disabled APIC keeps LVTs masked */
            l->lvt[i] = v32 & mask;
        } else {
            rc = AXVM_EINVAL; /* read-only or reserved: #GP */
        }
    }
    axvm_spin_unlock(&l->lock);
    return rc;
}

bool x86_lapic_timer_expired(struct x86_lapic *l, uint64_t now)
{
    bool raised = false;
    axvm_spin_lock(&l->lock);
    if (l->deadline_ns && now >= l->deadline_ns) {
        uint32_t lvt = l->lvt[LVT_TIMER];
        l->timer_fired++;
        if (!(lvt & LVT_MASKED) && (lvt & 0xFFu) >= 16) {
            setb(l->irr, lvt & 0xFFu);
            raised = true;
        }
        if (((lvt >> 17) & 3u) == 1u && l->period_ns) {
            /* periodic: next period from the previous deadline, without a burst of catch-up ticks */
            l->deadline_ns += l->period_ns;
            if (l->deadline_ns <= now)
                l->deadline_ns = now + l->period_ns;
            axvm_timer_arm(&l->timer, l->deadline_ns);
        } else {
            l->deadline_ns = 0;
        }
    }
    axvm_spin_unlock(&l->lock);
    return raised;
}

static void timer_fn(void *arg)
{
    struct x86_lapic *l = arg;
    if (x86_lapic_timer_expired(l, hal_time_ns()) && l->vcpu)
        axvm_vcpu_kick(l->vcpu);
}

bool x86_lapic_match_dest(const struct x86_lapic *l, uint32_t dest, bool logical)
{
    if (dest == 0xFFFFFFFFu)
        return true;
    if (!logical)
        return dest == l->id;
    /* x2APIC logical: cluster in bits 31:16, one bit per APIC in 15:0 */
    return (dest >> 16) == (l->id >> 4) && (dest & 0xFFFFu & (1u << (l->id & 0xFu)));
}
