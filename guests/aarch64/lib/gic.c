#include "gic.h"

#include "asm.h"
#include "mmio.h"
#include "sysreg.h"

static uint64_t rd_base[GUEST_MAX_CPUS];

static inline uint32_t rd32(uint64_t a) { return (uint32_t)mmio_read32(a); }
static inline void wr32(uint64_t a, uint32_t v) { mmio_write32(a, v); }
static inline uint64_t rd64(uint64_t a) { return mmio_read64(a); }

static bool dist_wait_rwp(void)
{
    for (unsigned i = 0; i < 1000000; i++)
        if (!(rd32(GICD_BASE + GICD_CTLR) & GICD_CTLR_RWP))
            return true;
    return false;
}

int gic_init_dist(void)
{
    wr32(GICD_BASE + GICD_CTLR, 0);
    if (!dist_wait_rwp())
        return -1;
    wr32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
    if (!dist_wait_rwp())
        return -1;
    return 0;
}

static uint64_t find_redist(void)
{
    uint64_t mpidr = read_sysreg(mpidr_el1);
    uint64_t aff = (mpidr & 0xffffff) | ((mpidr >> 8) & 0xff000000ull);
    for (unsigned i = 0; i < 64; i++) {
        uint64_t base = GICR_BASE + i * GICR_STRIDE;
        uint64_t typer = rd64(base + GICR_TYPER);
        if ((typer >> 32) == aff)
            return base;
        if (typer & (1u << 4)) /* Last */
            break;
    }
    return 0;
}

int gic_init_cpu(void)
{
    unsigned cpu = cpu_index();
    uint64_t rd = find_redist();
    if (!rd)
        return -1;
    rd_base[cpu] = rd;
    wr32(rd + GICR_WAKER, rd32(rd + GICR_WAKER) & ~2u);
    for (unsigned i = 0; i < 1000000 && (rd32(rd + GICR_WAKER) & 4u); i++)
        ;
    uint64_t sgi = rd + GICR_SGI_OFFSET;
    wr32(sgi + GICR_ICENABLER0, 0xffffffffu);
    wr32(sgi + GICR_ICPENDR0, 0xffffffffu);
    wr32(sgi + GICR_IGROUPR0, 0xffffffffu);
    for (unsigned i = 0; i < 32; i += 4)
        wr32(sgi + GICR_IPRIORITYR + i, 0x80808080u);

    write_sysreg(icc_sre_el1, read_sysreg(icc_sre_el1) | 1);
    isb();
    write_sysreg(icc_pmr_el1, 0xff);
    write_sysreg(icc_bpr1_el1, 0);
    write_sysreg(icc_ctlr_el1, read_sysreg(icc_ctlr_el1) | (1u << 1)); /* EOImode */
    write_sysreg(icc_igrpen1_el1, 1);
    isb();
    return 0;
}

uint64_t gic_rd_base(void) { return rd_base[cpu_index()]; }

uint64_t gic_rd_base_of(unsigned cpu) { return cpu < GUEST_MAX_CPUS ? rd_base[cpu] : 0; }

void gic_private_enable_on(unsigned cpu, unsigned intid, bool enable)
{
    uint64_t rd = gic_rd_base_of(cpu);
    if (!rd)
        return;
    wr32(rd + GICR_SGI_OFFSET + (enable ? GICR_ISENABLER0 : GICR_ICENABLER0), 1u << intid);
    dsb_sy();
}

void gic_private_enable(unsigned intid, bool enable) { gic_private_enable_on(cpu_index(), intid, enable); }

void gic_private_set_priority(unsigned intid, uint8_t prio)
{
    mmio_write8(gic_rd_base() + GICR_SGI_OFFSET + GICR_IPRIORITYR + intid, prio);
}

bool gic_private_pending(unsigned intid)
{
    return rd32(gic_rd_base() + GICR_SGI_OFFSET + GICR_ISPENDR0) & (1u << intid);
}

void gic_private_clear_pending(unsigned intid)
{
    wr32(gic_rd_base() + GICR_SGI_OFFSET + GICR_ICPENDR0, 1u << intid);
}

uint32_t gic_ack(void)
{
    uint32_t v = (uint32_t)read_sysreg(icc_iar1_el1) & 0xffffff;
    __asm__ volatile("dsb sy" ::: "memory");
    return v;
}

void gic_end(uint32_t intid)
{
    write_sysreg(icc_eoir1_el1, intid);
    isb();
    write_sysreg(icc_dir_el1, intid);
    isb();
}

void gic_send_sgi(unsigned intid, uint16_t target_list)
{
    dsb_sy();
    write_sysreg(icc_sgi1r_el1, ((uint64_t)(intid & 0xf) << 24) | target_list);
    isb();
}

void gic_send_sgi_others(unsigned intid)
{
    dsb_sy();
    write_sysreg(icc_sgi1r_el1, ((uint64_t)(intid & 0xf) << 24) | (1ull << 40));
    isb();
}
