/* gic: the emulated distributor and redistributor as a driver sees them, and
 * the list-register path for SPIs: identification and routing registers,
 * byte and 64-bit accesses where the GIC architecture allows them, a
 * software-pended SPI delivered, held back by the priority mask and by its
 * own active state, and a device (PL011 TX) interrupt that is level-sensitive.
 * Mostly polled with IRQs masked at PSTATE, so each step is deterministic. */
#include "exc.h"
#include "gic.h"
#include "mmio.h"
#include "printf.h"
#include "sysreg.h"
#include "test.h"
#include "timer.h"
#include "uart.h"

const char guest_name[] = "gic";

#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0C00
#define GICD_IROUTER 0x6000

#define UART_INTID 33
#define TEST_SPI 40
#define UARTIMSC 0x38
#define UARTMIS 0x40
#define UARTICR 0x44
#define UART_INT_TX (1u << 5)

static uint64_t gicd(uint64_t off) { return GICD_BASE + off; }
static uint64_t bit_reg(uint64_t base, unsigned id) { return gicd(base + 4 * (id / 32)); }
static uint32_t bit(unsigned id) { return 1u << (id % 32); }

static void spi_setup(unsigned id, uint8_t prio, bool edge)
{
    mmio_write32(bit_reg(GICD_ICENABLER, id), bit(id));
    mmio_write32(bit_reg(GICD_ICPENDR, id), bit(id));
    mmio_write32(bit_reg(GICD_ICACTIVER, id), bit(id));
    mmio_write32(bit_reg(GICD_IGROUPR, id), (uint32_t)mmio_read32(bit_reg(GICD_IGROUPR, id)) | bit(id));
    mmio_write8(gicd(GICD_IPRIORITYR + id), prio);
    uint64_t cfg = gicd(GICD_ICFGR + 4 * (id / 16));
    uint32_t shift = 2 * (id % 16) + 1;
    uint32_t v = (uint32_t)mmio_read32(cfg);
    mmio_write32(cfg, edge ? v | (1u << shift) : v & ~(1u << shift));
    mmio_write64(gicd(GICD_IROUTER + 8 * id), 0); /* Aff 0.0.0.0: vCPU 0 */
    mmio_write32(bit_reg(GICD_ISENABLER, id), bit(id));
    dsb_sy();
}

static bool irq_signalled(void) { return (read_sysreg(isr_el1) & (1u << 7)) != 0; }

/* With IRQs masked: wait for the CPU interface to signal, then acknowledge. */
static uint32_t poll_ack(uint64_t ms)
{
    uint64_t t0 = time_ns();
    while (!irq_signalled() && time_ns() - t0 < ms * 1000000ull)
        cpu_relax();
    return gic_ack();
}

static void settle_ms(uint64_t ms)
{
    uint64_t t0 = time_ns();
    while (time_ns() - t0 < ms * 1000000ull)
        cpu_relax();
}

static void id_cases(void)
{
    uint32_t typer = (uint32_t)mmio_read32(gicd(GICD_TYPER));
    unsigned lines = 32 * ((typer & 0x1f) + 1);
    test_check("gicd.typer", lines >= 64 && ((typer >> 19) & 0x1f) >= 9, "GICD_TYPER %#x: %u INTIDs, IDbits %u",
               typer, lines, ((typer >> 19) & 0x1f) + 1);
    uint32_t pidr2 = (uint32_t)mmio_read32(gicd(GICD_PIDR2));
    test_eq("gicd.pidr2-archrev", (pidr2 >> 4) & 0xf, 3);
    uint32_t ctlr = (uint32_t)mmio_read32(gicd(GICD_CTLR));
    test_check("gicd.ctlr", (ctlr & (GICD_CTLR_ARE | GICD_CTLR_GRP1)) == (GICD_CTLR_ARE | GICD_CTLR_GRP1),
               "GICD_CTLR %#x: ARE and Group 1 enable must read back", ctlr);

    uint64_t rd = gic_rd_base();
    uint64_t rtyper = mmio_read64(rd + GICR_TYPER);
    uint64_t mpidr = read_sysreg(mpidr_el1);
    test_check("gicr.typer-affinity", (rtyper >> 32) == (mpidr & 0xffffff), "GICR_TYPER %#lx, MPIDR %#lx", rtyper,
               mpidr);
    test_eq("gicr.pidr2-archrev", (mmio_read32(rd + GICR_PIDR2) >> 4) & 0xf, 3);
    /* A 32-bit read of each half of GICR_TYPER gives the same bits. */
    uint64_t lo = mmio_read32(rd + GICR_TYPER), hi = mmio_read32(rd + GICR_TYPER + 4);
    test_eq("gicr.typer-halves", (hi << 32) | lo, rtyper);
    if (test_need_axvm("gicr.last-frame")) {
        /* This VM has one vCPU: its frame is the last, and nothing is behind it. */
        test_check("gicr.last-frame", (rtyper & (1u << 4)) != 0, "GICR_TYPER %#lx: Last not set", rtyper);
        uint64_t beyond = GICR_BASE + GICR_STRIDE;
        struct fault_info f;
        fault_expect();
        (void)mmio_read32(beyond + GICR_TYPER);
        bool faulted = fault_collect(&f);
        test_check("gicr.beyond-last-faults", faulted && ESR_EC(f.esr) == EC_DABT_CUR,
                   "read at %#lx: faulted %d ESR %#lx", beyond + GICR_TYPER, faulted, faulted ? f.esr : 0);
    }
}

static void register_cases(void)
{
    /* IPRIORITYR is byte-accessible; the implemented bits are the top ones. */
    mmio_write8(gicd(GICD_IPRIORITYR + TEST_SPI), 0xA0);
    uint64_t b = mmio_read8(gicd(GICD_IPRIORITYR + TEST_SPI));
    uint64_t w = mmio_read32(gicd(GICD_IPRIORITYR + (TEST_SPI & ~3u)));
    test_check("gicd.ipriorityr-byte", b == 0xA0 && ((w >> (8 * (TEST_SPI % 4))) & 0xff) == 0xA0,
               "byte read %#lx, word read %#lx", b, w);
    /* IROUTER is 64-bit: an affinity written must read back. */
    mmio_write64(gicd(GICD_IROUTER + 8 * TEST_SPI), 0x1);
    uint64_t r1 = mmio_read64(gicd(GICD_IROUTER + 8 * TEST_SPI));
    mmio_write64(gicd(GICD_IROUTER + 8 * TEST_SPI), 0);
    uint64_t r0 = mmio_read64(gicd(GICD_IROUTER + 8 * TEST_SPI));
    test_check("gicd.irouter-64bit", r1 == 1 && r0 == 0, "read back %#lx and %#lx, want 1 and 0", r1, r0);
    /* Set-enable / clear-enable are a pair of views on one bit. */
    mmio_write32(bit_reg(GICD_ISENABLER, TEST_SPI), bit(TEST_SPI));
    bool on = (mmio_read32(bit_reg(GICD_ICENABLER, TEST_SPI)) & bit(TEST_SPI)) != 0;
    mmio_write32(bit_reg(GICD_ICENABLER, TEST_SPI), bit(TEST_SPI));
    bool off = (mmio_read32(bit_reg(GICD_ISENABLER, TEST_SPI)) & bit(TEST_SPI)) == 0;
    test_check("gicd.enable-pair", on && off, "enabled reads %d, disabled reads %d", on, off);
}

static void spi_cases(void)
{
    irq_disable();
    spi_setup(TEST_SPI, 0xA0, true);

    mmio_write32(bit_reg(GICD_ISPENDR, TEST_SPI), bit(TEST_SPI));
    uint32_t id = poll_ack(1000);
    test_eq("spi.pend-delivered", id, TEST_SPI);
    if (id != TEST_SPI)
        return;
    /* Acknowledged: active, no longer pending. */
    bool active = (mmio_read32(bit_reg(GICD_ISACTIVER, TEST_SPI)) & bit(TEST_SPI)) != 0;
    test_check("spi.active-after-ack", active, "GICD_ISACTIVER does not show SPI %u active", TEST_SPI);

    /* Priority dropped but not deactivated: pending again must wait. */
    write_sysreg(icc_eoir1_el1, TEST_SPI);
    isb();
    mmio_write32(bit_reg(GICD_ISPENDR, TEST_SPI), bit(TEST_SPI));
    settle_ms(20);
    uint32_t early = gic_ack();
    test_eq("spi.active-blocks-redelivery", early, GIC_SPURIOUS);
    if (early != GIC_SPURIOUS)
        gic_end(early);
    write_sysreg(icc_dir_el1, TEST_SPI);
    isb();
    id = poll_ack(1000);
    test_eq("spi.delivered-after-deactivate", id, TEST_SPI);
    if (id != GIC_SPURIOUS)
        gic_end(id);

    /* The priority mask: 0xA0 is not higher than a mask of 0xA0. */
    write_sysreg(icc_pmr_el1, 0xA0);
    isb();
    mmio_write32(bit_reg(GICD_ISPENDR, TEST_SPI), bit(TEST_SPI));
    settle_ms(20);
    uint32_t masked = gic_ack();
    test_eq("spi.pmr-masks", masked, GIC_SPURIOUS);
    if (masked != GIC_SPURIOUS)
        gic_end(masked);
    write_sysreg(icc_pmr_el1, 0xff);
    isb();
    id = poll_ack(1000);
    test_eq("spi.pmr-release", id, TEST_SPI);
    if (id != GIC_SPURIOUS)
        gic_end(id);

    /* Disabled while pending: held, then delivered on enable. */
    mmio_write32(bit_reg(GICD_ICENABLER, TEST_SPI), bit(TEST_SPI));
    mmio_write32(bit_reg(GICD_ISPENDR, TEST_SPI), bit(TEST_SPI));
    settle_ms(20);
    uint32_t held = gic_ack();
    bool pending = (mmio_read32(bit_reg(GICD_ISPENDR, TEST_SPI)) & bit(TEST_SPI)) != 0;
    test_check("spi.disabled-held", held == GIC_SPURIOUS && pending, "ack %u, pending bit %d", held, pending);
    if (held != GIC_SPURIOUS)
        gic_end(held);
    mmio_write32(bit_reg(GICD_ISENABLER, TEST_SPI), bit(TEST_SPI));
    id = poll_ack(1000);
    test_eq("spi.enabled-delivers", id, TEST_SPI);
    if (id != GIC_SPURIOUS)
        gic_end(id);

    /* Cleared while pending: never delivered. */
    irq_disable();
    mmio_write32(bit_reg(GICD_ICENABLER, TEST_SPI), bit(TEST_SPI));
    mmio_write32(bit_reg(GICD_ISPENDR, TEST_SPI), bit(TEST_SPI));
    mmio_write32(bit_reg(GICD_ICPENDR, TEST_SPI), bit(TEST_SPI));
    mmio_write32(bit_reg(GICD_ISENABLER, TEST_SPI), bit(TEST_SPI));
    settle_ms(20);
    uint32_t cleared = gic_ack();
    test_eq("spi.cleared-not-delivered", cleared, GIC_SPURIOUS);
    if (cleared != GIC_SPURIOUS)
        gic_end(cleared);
    mmio_write32(bit_reg(GICD_ICENABLER, TEST_SPI), bit(TEST_SPI));
}

/* PL011 transmit interrupt: level-sensitive SPI 33 from an emulated device. */
static volatile unsigned uart_irqs, other_irqs;
static volatile uint32_t uart_mis;

static bool uart_irq(struct exc_frame *frame)
{
    (void)frame;
    uint32_t id = gic_ack();
    if (id == GIC_SPURIOUS)
        return false;
    if (id == UART_INTID) {
        uart_mis = (uint32_t)mmio_read32(UART_BASE + UARTMIS);
        /* Lower the line before deactivating, as a level handler must. */
        mmio_write32(UART_BASE + UARTIMSC, 0);
        mmio_write32(UART_BASE + UARTICR, UART_INT_TX);
        uart_irqs++;
    } else {
        other_irqs++;
    }
    gic_end(id);
    return true;
}

static bool uart_irq_seen(void) { return uart_irqs > 0; }

static void uart_cases(void)
{
    spi_setup(UART_INTID, 0x80, false);
    exc_set_irq_handler(uart_irq);
    irq_enable();
    mmio_write32(UART_BASE + UARTIMSC, UART_INT_TX);
    test_note("pl011 TX interrupt probe");
    bool got = wait_until(uart_irq_seen, 1000);
    settle_ms(20);
    irq_disable();
    test_check("pl011.tx-irq", got && uart_irqs == 1 && (uart_mis & UART_INT_TX) && other_irqs == 0,
               "interrupts %u (want 1), UARTMIS %#x, others %u", uart_irqs, uart_mis, other_irqs);
    mmio_write32(UART_BASE + UARTIMSC, 0);
    mmio_write32(bit_reg(GICD_ICENABLER, UART_INTID), bit(UART_INTID));
    exc_set_irq_handler(0);
}

void guest_main(void)
{
    if (gic_init_dist() < 0 || gic_init_cpu() < 0) {
        test_fail("gic-init", "distributor or redistributor not responding");
        return;
    }
    id_cases();
    register_cases();
    spi_cases();
    uart_cases();
}
