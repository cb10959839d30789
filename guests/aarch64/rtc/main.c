/* rtc: a real device passed through. QEMU virt's PL031 RTC (host 0x0901_0000,
 * level SPI 34) is mapped at the same guest address with its interrupt
 * routed to this VM (configs/tests/rtc.toml). Three times: the match
 * register is set one second ahead, the guest waits in WFI (the virtual
 * timer bounds the wait to 3 s) and handles the interrupt as a driver does:
 * IAR, clear at the device, EOIR, DIR. The hypervisor links the virtual
 * interrupt to the physical one, so only the guest's DIR deactivates the
 * physical SPI: the second and third interrupts arrive only if that worked.
 * Under axvm, the neighbouring host pages (not passed through) must abort,
 * and a reboot with the interrupt left active (acknowledged, never
 * deactivated) must not lose it: the second boot (marked in the test
 * device's SCRATCH register, which a VM reset keeps) runs the rounds again,
 * which only pass if the hypervisor's reset deactivated the physical SPI. */
#include "exc.h"
#include "gic.h"
#include "mmio.h"
#include "printf.h"
#include "psci.h"
#include "smccc.h"
#include "sysreg.h"
#include "test.h"
#include "testdev.h"
#include "timer.h"

const char guest_name[] = "rtc";

#define RTC_BASE 0x09010000ul
#define RTC_INTID 34u
#define RTCDR 0x000
#define RTCMR 0x004
#define RTCIMSC 0x010
#define RTCRIS 0x014
#define RTCMIS 0x018
#define RTCICR 0x01C
#define RTC_PERIPHID0 0xFE0
#define RTC_PERIPHID1 0xFE4
#define ROUNDS 3
#define WAIT_MS 3000u

#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ICPENDR 0x0280
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000

static uint64_t rtc(unsigned off) { return RTC_BASE + off; }
static uint64_t gicd(uint64_t off) { return GICD_BASE + off; }
static uint64_t bit_reg(uint64_t base, unsigned id) { return gicd(base + 4 * (id / 32)); }
static uint32_t bit(unsigned id) { return 1u << (id % 32); }

#define REBOOT_MARK 0x52544352424f4f54ull /* "RTCRBOOT" */

static volatile unsigned rtc_irqs, timer_irqs, other_irqs;
static volatile bool leave_active; /* acknowledge the RTC but never deactivate */
static volatile uint32_t last_other, mis_in_handler, dr_in_handler;

static bool irq(struct exc_frame *frame)
{
    (void)frame;
    uint32_t intid = gic_ack();
    if (intid == GIC_SPURIOUS)
        return false;
    if (intid == RTC_INTID && leave_active) {
        rtc_irqs++;
        return true; /* stays active: only a reset can end it */
    }
    if (intid == RTC_INTID) {
        mis_in_handler = (uint32_t)mmio_read32(rtc(RTCMIS));
        dr_in_handler = (uint32_t)mmio_read32(rtc(RTCDR));
        /* Level-sensitive: clear the source before deactivating. */
        mmio_write32(rtc(RTCICR), 1);
        dsb_sy();
        rtc_irqs++;
    } else if (intid == TIMER_VIRT_INTID) {
        timer_vset_ctl(CNTV_CTL_IMASK);
        timer_irqs++;
    } else {
        other_irqs++;
        last_other = intid;
    }
    gic_end(intid); /* EOIR then DIR */
    return true;
}

static void spi_setup(unsigned id)
{
    mmio_write32(bit_reg(GICD_ICENABLER, id), bit(id));
    mmio_write32(bit_reg(GICD_ICPENDR, id), bit(id));
    mmio_write32(bit_reg(GICD_ICACTIVER, id), bit(id));
    mmio_write32(bit_reg(GICD_IGROUPR, id), (uint32_t)mmio_read32(bit_reg(GICD_IGROUPR, id)) | bit(id));
    mmio_write8(gicd(GICD_IPRIORITYR + id), 0xA0);
    mmio_write64(gicd(GICD_IROUTER + 8 * id), 0); /* CPU 0 */
    mmio_write32(bit_reg(GICD_ISENABLER, id), bit(id));
    dsb_sy();
}

/* WFI until the RTC interrupt number `want` or the timer's timeout. IRQs are
 * masked around the check so that an interrupt arriving just before the
 * WFI still ends it. */
static bool wait_rtc(unsigned want)
{
    timer_vset_cval(timer_vcount() + timer_ticks_from_us(WAIT_MS * 1000ull));
    timer_vset_ctl(CNTV_CTL_ENABLE);
    irq_disable();
    while (rtc_irqs < want && timer_irqs == 0) {
        wfi();
        irq_enable();
        isb();
        irq_disable();
    }
    irq_enable();
    timer_vset_ctl(0);
    return rtc_irqs >= want;
}

static void round_trip(unsigned n)
{
    char name[32];
    g_snprintf(name, sizeof(name), "irq.%u", n);
    timer_irqs = 0;
    mmio_write32(rtc(RTCICR), 1);
    uint32_t dr = (uint32_t)mmio_read32(rtc(RTCDR));
    uint32_t match = dr + 1;
    mmio_write32(rtc(RTCMR), match);
    mmio_write32(rtc(RTCIMSC), 1);
    dsb_sy();
    uint64_t t0 = time_ns();
    bool got = wait_rtc(n);
    uint64_t ms = (time_ns() - t0) / 1000000u;
    if (!got) {
        test_fail(name, "no interrupt within %u ms (RTCDR %u, MR %u, RIS %#lx, other irqs %u last %u)", WAIT_MS,
                  (uint32_t)mmio_read32(rtc(RTCDR)), match, mmio_read32(rtc(RTCRIS)), other_irqs, last_other);
        return;
    }
    test_check(name, rtc_irqs == n && (mis_in_handler & 1) && dr_in_handler >= match && ms <= 1500,
               "interrupts %u of %u, MIS %#x in the handler, RTCDR %u for MR %u, after %lu ms", rtc_irqs, n,
               mis_in_handler, dr_in_handler, match, ms);
    g_snprintf(name, sizeof(name), "cleared.%u", n);
    test_eq(name, mmio_read32(rtc(RTCRIS)) & 1, 0);
}

static void expect_abort(const char *name, uint64_t addr)
{
    struct fault_info f;
    fault_expect();
    (void)mmio_read32(addr);
    bool faulted = fault_collect(&f);
    test_check(name, faulted && ((f.esr >> 26) & 0x3f) == 0x25 && f.far == addr,
               "read of %#lx: %s (ESR %#lx FAR %#lx)", addr, faulted ? "faulted" : "no fault", f.esr, f.far);
}

void guest_main(void)
{
    if (gic_init_dist() < 0 || gic_init_cpu() < 0) {
        test_fail("gic-init", "distributor or redistributor not responding");
        return;
    }
    test_pass("gic-init");
    exc_set_irq_handler(irq);

    /* The real PL031 answers: PrimeCell peripheral id 0x?41031. */
    uint32_t id0 = (uint32_t)mmio_read32(rtc(RTC_PERIPHID0)) & 0xff;
    uint32_t id1 = (uint32_t)mmio_read32(rtc(RTC_PERIPHID1)) & 0xff;
    if (!test_check("id", id0 == 0x31 && id1 == 0x10, "PeriphID0/1 %#x %#x, want 0x31 0x10", id0, id1))
        return;
    uint32_t d0 = (uint32_t)mmio_read32(rtc(RTCDR));
    test_check("counting", d0 > 1000000000u, "RTCDR %u is not a current date", d0);

    mmio_write32(rtc(RTCIMSC), 0);
    mmio_write32(rtc(RTCICR), 1);
    spi_setup(RTC_INTID);
    gic_private_enable(TIMER_VIRT_INTID, true);
    irq_enable();

    for (unsigned n = 1; n <= ROUNDS; n++)
        round_trip(n);

    /* Masked at the device: the next match raises nothing. */
    mmio_write32(rtc(RTCIMSC), 0);
    mmio_write32(rtc(RTCMR), (uint32_t)mmio_read32(rtc(RTCDR)) + 1);
    dsb_sy();
    unsigned before = rtc_irqs;
    timer_irqs = 0;
    timer_vset_cval(timer_vcount() + timer_ticks_from_us(1200000));
    timer_vset_ctl(CNTV_CTL_ENABLE);
    irq_disable();
    while (timer_irqs == 0) {
        wfi();
        irq_enable();
        isb();
        irq_disable();
    }
    irq_enable();
    test_check("masked-quiet", rtc_irqs == before && (mmio_read32(rtc(RTCRIS)) & 1),
               "%u interrupts while masked at the device (RIS %#lx)", rtc_irqs - before, mmio_read32(rtc(RTCRIS)));
    mmio_write32(rtc(RTCICR), 1);
    test_check("no-strays", other_irqs == 0, "%u unexpected interrupts (last %u)", other_irqs, last_other);

    /* Reboot with the interrupt active (first boot), then everything again. */
    bool second = g_env == ENV_AXVM && mmio_read64(TESTDEV_BASE + TESTDEV_SCRATCH) == REBOOT_MARK;
    if (second) {
        mmio_write64(TESTDEV_BASE + TESTDEV_SCRATCH, 0);
        test_check("reboot.rounds-after-reset", rtc_irqs == ROUNDS, "%u of %u interrupts after the reboot", rtc_irqs,
                   ROUNDS);
    } else if (test_need_axvm("reboot.active-at-reset")) {
        rtc_irqs = 0;
        leave_active = true;
        timer_irqs = 0;
        mmio_write32(rtc(RTCMR), (uint32_t)mmio_read32(rtc(RTCDR)) + 1);
        mmio_write32(rtc(RTCIMSC), 1);
        dsb_sy();
        if (!wait_rtc(1)) {
            test_fail("reboot.active-at-reset", "no interrupt to leave active");
        } else {
            mmio_write64(TESTDEV_BASE + TESTDEV_SCRATCH, REBOOT_MARK);
            test_note("rebooting with INTID %u active", RTC_INTID);
            struct smccc_res r;
            smccc_call(SMCCC_HVC, PSCI_SYSTEM_RESET, 0, 0, 0, 0, 0, 0, &r);
            test_fail("reboot.active-at-reset", "SYSTEM_RESET returned %ld", (long)r.a0);
        }
    }

    /* Only the configured page is passed through. */
    if (test_need_axvm("isolation.next-page"))
        expect_abort("isolation.next-page", RTC_BASE + 0x1000);
    if (test_need_axvm("isolation.gpio"))
        expect_abort("isolation.gpio", 0x09030000ul);
}
