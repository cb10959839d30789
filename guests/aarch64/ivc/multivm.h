/* Helpers of the multi-VM test guests (ivc, probe, life; docs/MULTIVM.md):
 * axvm hypercalls, SPIs, and waiting for an interrupt with IRQs masked.
 *
 * The guests keep IRQs masked at PSTATE and wait with WFI, which still ends
 * when an interrupt is pending; then they acknowledge it themselves. Unlike
 * "check, then WFI with IRQs on", no wake-up can slip in between. */
#ifndef GUEST_MULTIVM_H
#define GUEST_MULTIVM_H

#include <stdbool.h>
#include <stdint.h>

#include "axvm/hypercall.h"
#include "axvm/types.h"
#include "gic.h"
#include "mmio.h"
#include "smccc.h"
#include "sysreg.h"
#include "test.h"
#include "timer.h"

#define MV_GICD_IGROUPR 0x0080
#define MV_GICD_ISENABLER 0x0100
#define MV_GICD_ICENABLER 0x0180
#define MV_GICD_ICPENDR 0x0280
#define MV_GICD_IPRIORITYR 0x0400
#define MV_GICD_ICFGR 0x0C00
#define MV_GICD_IROUTER 0x6000

static inline int64_t mv_hc(unsigned nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5,
                            uint64_t a6)
{
    struct smccc_res r;
    smccc_call(SMCCC_HVC, AXVM_HC_FID(nr), a1, a2, a3, a4, a5, a6, &r);
    return (int64_t)r.a0;
}

static inline uint32_t mv_vm_id(void)
{
    return (uint32_t)mv_hc(AXVM_HC_VM_ID, 0, 0, 0, 0, 0, 0);
}

/* An SPI, Group 1, edge, to vCPU 0, enabled. */
static inline void mv_spi_enable(unsigned id, bool edge)
{
    uint64_t bank = 4u * (id / 32u);
    uint32_t bit = 1u << (id % 32u);
    mmio_write32(GICD_BASE + MV_GICD_ICENABLER + bank, bit);
    mmio_write32(GICD_BASE + MV_GICD_ICPENDR + bank, bit);
    mmio_write32(GICD_BASE + MV_GICD_IGROUPR + bank, (uint32_t)mmio_read32(GICD_BASE + MV_GICD_IGROUPR + bank) | bit);
    mmio_write8(GICD_BASE + MV_GICD_IPRIORITYR + id, 0x80);
    uint64_t cfg = GICD_BASE + MV_GICD_ICFGR + 4u * (id / 16u);
    uint32_t shift = 2u * (id % 16u) + 1u;
    uint32_t v = (uint32_t)mmio_read32(cfg);
    mmio_write32(cfg, edge ? v | (1u << shift) : v & ~(1u << shift));
    mmio_write64(GICD_BASE + MV_GICD_IROUTER + 8u * id, 0);
    mmio_write32(GICD_BASE + MV_GICD_ISENABLER + bank, bit);
    dsb_sy();
}

/* GIC up for the boot vCPU, IRQs masked, the virtual timer PPI enabled (it
 * is the timeout of mv_wait_irq). False when the GIC does not answer. */
static inline bool mv_gic_setup(void)
{
    irq_disable();
    if (gic_init_dist() < 0 || gic_init_cpu() < 0)
        return false;
    gic_private_enable(TIMER_VIRT_INTID, true);
    return true;
}

/* Next interrupt acknowledged and ended, or TIMER_VIRT_INTID once `ms`
 * milliseconds passed without one (the caller's timeout). */
static inline uint32_t mv_wait_irq(uint64_t ms)
{
    uint64_t deadline = timer_vcount() + timer_ticks_from_us(ms * 1000u);
    timer_vset_cval(deadline);
    timer_vset_ctl(CNTV_CTL_ENABLE);
    for (;;) {
        uint32_t id = gic_ack();
        if (id == GIC_SPURIOUS) {
            if (timer_vcount() >= deadline + timer_ticks_from_us(100000))
                break; /* the timer interrupt itself never came: do not hang */
            wfi();
            continue;
        }
        if (id == TIMER_VIRT_INTID) {
            timer_vset_ctl(CNTV_CTL_IMASK); /* level: silence it before the end */
            gic_end(id);
            if (timer_vcount() >= deadline)
                return id;
            timer_vset_ctl(CNTV_CTL_ENABLE); /* a stale one from an earlier wait */
            continue;
        }
        gic_end(id);
        timer_vset_ctl(CNTV_CTL_IMASK);
        return id;
    }
    timer_vset_ctl(CNTV_CTL_IMASK);
    return TIMER_VIRT_INTID;
}

/* Sleep `ms` of virtual time in WFI; interrupts other than the timer's are
 * acknowledged and counted in *others (may be NULL). */
static inline void mv_sleep_ms(uint64_t ms, unsigned *others)
{
    uint64_t end = time_ns() + ms * 1000000u;
    for (;;) {
        uint64_t now = time_ns();
        if (now >= end)
            return;
        uint32_t id = mv_wait_irq((end - now) / 1000000u + 1u);
        if (id != TIMER_VIRT_INTID && others)
            (*others)++;
    }
}

static inline void mv_write64(uint64_t addr, uint64_t v)
{
    dsb_sy();
    *(volatile uint64_t *)addr = v;
    dsb_sy();
}

static inline uint64_t mv_read64(uint64_t addr)
{
    dsb_sy();
    return *(volatile uint64_t *)addr;
}

#endif
