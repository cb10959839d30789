/* Physical GICv3 driver: distributor, one redistributor per CPU, and the
 * system-register CPU interface at EL2. Everything is group 1 non-secure
 * (QEMU virt runs the GIC with a single security state). EOImode=1: an EOI
 * only drops the priority, so an interrupt handed to a guest through a
 * HW-linked list register stays active until the guest deactivates it. */
#include "axvm/hal.h"
#include "axvm/log.h"
#include "a64.h"
#include "rt.h"
#include "sysreg.h"

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ICPENDR 0x0280
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0C00
#define GICD_IROUTER 0x6000
#define CTLR_RWP (1u << 31)

#define GICR_CTLR 0x0000
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_SGI 0x10000
#define WAKER_PS (1u << 1)
#define WAKER_CA (1u << 2)

#define PRIO_DEFAULT 0xA0u

static inline volatile uint32_t *gicd(unsigned off)
{
    return (volatile uint32_t *)(uintptr_t)(PLAT_GICD_BASE + off);
}

static volatile uint8_t *gicr_base[PLAT_MAX_CPUS];

static void gicd_wait_rwp(void)
{
    while (*gicd(GICD_CTLR) & CTLR_RWP) {
    }
}

void rt_gic_dist_init(void)
{
    unsigned lines = ((*gicd(GICD_TYPER) & 0x1f) + 1) * 32;
    *gicd(GICD_CTLR) = 0;
    gicd_wait_rwp();
    for (unsigned i = 32; i < lines; i += 32) {
        *gicd(GICD_ICENABLER + i / 8) = 0xffffffffu;
        *gicd(GICD_IGROUPR + i / 8) = 0xffffffffu;
    }
    for (unsigned i = 32; i < lines; i += 4)
        *gicd(GICD_IPRIORITYR + i) = PRIO_DEFAULT * 0x01010101u;
    gicd_wait_rwp();
    /* ARE + EnableGrp1 (DS=1 layout: bit 1 = Grp1, bit 4 = ARE). */
    *gicd(GICD_CTLR) = (1u << 4);
    gicd_wait_rwp();
    *gicd(GICD_CTLR) = (1u << 4) | (1u << 1);
    gicd_wait_rwp();

    /* The console's RX interrupt goes to CPU 0. */
    volatile uint64_t *route = (volatile uint64_t *)(uintptr_t)(PLAT_GICD_BASE + GICD_IROUTER + 8 * PLAT_UART_INTID);
    *route = 0;
    *gicd(GICD_ISENABLER + (PLAT_UART_INTID / 32) * 4) = 1u << (PLAT_UART_INTID % 32);
}

/* Find this CPU's redistributor by its affinity, as the GIC spec asks. */
static volatile uint8_t *gicr_find(uint64_t mpidr)
{
    uint32_t aff = (uint32_t)((mpidr & 0xffffff) | ((mpidr >> 8) & 0xff000000));
    for (unsigned i = 0; i < 64; i++) {
        volatile uint8_t *r = (volatile uint8_t *)(uintptr_t)(PLAT_GICR_BASE + i * PLAT_GICR_STRIDE);
        uint64_t typer = *(volatile uint64_t *)(r + GICR_TYPER);
        if ((uint32_t)(typer >> 32) == aff)
            return r;
        if (typer & (1u << 4)) /* Last */
            break;
    }
    return NULL;
}

void rt_gic_cpu_init(unsigned cpu)
{
    volatile uint8_t *r = gicr_find(rt_cpus[cpu].mpidr);
    if (!r) {
        rt_console_puts_raw("axvm: no GIC redistributor for this CPU\n");
        hal_halt();
    }
    gicr_base[cpu] = r;
    volatile uint32_t *waker = (volatile uint32_t *)(r + GICR_WAKER);
    *waker &= ~WAKER_PS;
    while (*waker & WAKER_CA) {
    }
    volatile uint8_t *sgi = r + GICR_SGI;
    *(volatile uint32_t *)(sgi + GICD_ICENABLER) = 0xffffffffu;
    *(volatile uint32_t *)(sgi + GICD_IGROUPR) = 0xffffffffu;
    for (unsigned i = 0; i < 32; i += 4)
        *(volatile uint32_t *)(sgi + GICD_IPRIORITYR + i) = PRIO_DEFAULT * 0x01010101u;
    *(volatile uint32_t *)(sgi + GICD_ISENABLER) =
        (1u << PLAT_SGI_KICK) | (1u << PLAT_INTID_MAINT) | (1u << PLAT_INTID_HYPTIMER) | (1u << PLAT_INTID_VTIMER);

    write_sysreg(ICC_SRE_EL2, 0xf); /* SRE, DFB, DIB, Enable (EL1 may use SRE) */
    a64_isb();
    write_sysreg(ICC_PMR_EL1, 0xff);
    write_sysreg(ICC_BPR1_EL1, 0);
    write_sysreg(ICC_CTLR_EL1, 1u << 1); /* EOImode: EOI drops priority only */
    write_sysreg(ICC_IGRPEN1_EL1, 1);
    a64_isb();
}

void rt_gic_send_sgi(unsigned cpu, unsigned intid)
{
    uint64_t m = rt_cpus[cpu].mpidr;
    uint64_t v = ((m >> 32) & 0xff) << 48 | ((m >> 16) & 0xff) << 32 | ((m >> 8) & 0xff) << 16 |
                 (uint64_t)(intid & 0xf) << 24 | (1ull << (m & 0xf));
    /* Aff0 beyond 15 would need RS; QEMU virt numbers CPUs 0..n in Aff0. */
    a64_dsb_ish();
    write_sysreg(ICC_SGI1R_EL1, v);
    a64_isb();
}

/* A passthrough SPI, while disabled: group 1, default priority, routed to
 * the physical CPU `cpu` (IROUTER holds the affinity in MPIDR layout). The
 * trigger (GICD_ICFGR) stays as the platform set it. */
void rt_gic_spi_route(uint32_t intid, unsigned cpu)
{
    volatile uint8_t *prio = (volatile uint8_t *)(uintptr_t)(PLAT_GICD_BASE + GICD_IPRIORITYR + intid);
    volatile uint64_t *route = (volatile uint64_t *)(uintptr_t)(PLAT_GICD_BASE + GICD_IROUTER + 8 * intid);
    *gicd(GICD_IGROUPR + (intid / 32) * 4) |= 1u << (intid % 32);
    *prio = PRIO_DEFAULT;
    *route = rt_cpus[cpu].mpidr & 0xff00ffffffull;
    a64_dsb_ish();
}

void rt_gic_spi_enable(uint32_t intid, bool on)
{
    *gicd((on ? GICD_ISENABLER : GICD_ICENABLER) + (intid / 32) * 4) = 1u << (intid % 32);
    if (!on)
        gicd_wait_rwp();
}

/* Forget an SPI's pending and active state: ICACTIVER works from any CPU,
 * unlike ICC_DIR_EL1 for an interrupt another CPU acknowledged. */
void rt_gic_spi_clear(uint32_t intid)
{
    *gicd(GICD_ICPENDR + (intid / 32) * 4) = 1u << (intid % 32);
    *gicd(GICD_ICACTIVER + (intid / 32) * 4) = 1u << (intid % 32);
    a64_dsb_ish();
}

void rt_gic_spi_deactivate(uint32_t intid)
{
    *gicd(GICD_ICACTIVER + (intid / 32) * 4) = 1u << (intid % 32);
    a64_dsb_ish();
}

uint32_t rt_gic_ack(void)
{
    uint32_t v = (uint32_t)read_sysreg(ICC_IAR1_EL1) & 0xffffff;
    __asm__ volatile("dsb sy" ::: "memory");
    return v;
}

void rt_gic_eoi(uint32_t intid) { write_sysreg(ICC_EOIR1_EL1, intid); }
void rt_gic_deactivate(uint32_t intid) { write_sysreg(ICC_DIR_EL1, intid); }

unsigned rt_gic_nr_lrs(void) { return (unsigned)(read_sysreg(ICH_VTR_EL2) & 0x1f) + 1; }
