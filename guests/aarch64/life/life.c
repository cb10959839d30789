/* life: VMs with independent lifecycles beside each other
 * (configs/multivm/, tests/suites/35-multivm-isolation.sh and -console.sh).
 * One image; the role comes from the VM id:
 *
 *   ticker   (61) prints "TICK <n>" every TICK_MS, publishes n in the IVC page
 *                 it shares with the rebooter, and checks a slice of an 8 MiB
 *                 pattern in its RAM at every tick (the probe VM tries to
 *                 reach it); ends LINGER ticks after the rebooter and the
 *                 probe reported done (second IVC page), with a full check.
 *   rebooter (62) first boot: remembers the ticker's count, dirties its own
 *                 data and RAM, PSCI SYSTEM_RESET. Second boot: its data and
 *                 RAM must be pristine again, the ticker's count must have
 *                 gone on; then PSCI SYSTEM_OFF. Its boots are counted in the
 *                 IVC page, which is not guest RAM and survives the reset.
 *   faulter  (63) after a while touches an address no device handles; its
 *                 VM's policy is "stop": only this VM stops.
 *   echo  (64, 65) console input: echoes each line typed to it as
 *                 "ECHO <line>"; "quit" ends it.
 *   beacon   (66) echo, and "TICK <n>" every BEACON_TICK_MS (beside Linux:
 *                 configs/qemu-virt-linux-plus-guest.toml). */
#include "../ivc/multivm.h"
#include "printf.h"
#include "psci.h"
#include "uart.h"

const char guest_name[] = "life";

#define ID_TICKER 61u
#define ID_REBOOTER 62u
#define ID_FAULTER 63u
#define ID_ECHO_1 64u
#define ID_ECHO_2 65u
#define ID_BEACON 66u
#define BEACON_TICK_MS 250u
#define BEACON_MAX_MS 900000u /* it is also the interactive example's companion */

#define PAGE 0x10000000ul      /* IVC page ticker <-> rebooter */
#define P_TICKS 0x00           /* ticker: its count */
#define P_BOOTS 0x08           /* rebooter: boots so far */
#define P_TICKS_AT_RESET 0x10  /* rebooter: the ticker's count before its reset */
#define P_DONE 0x18            /* rebooter: 1 + its failures, when done */
#define PROBE_PAGE 0x10001000ul /* IVC page ticker <-> probe */
#define PP_DONE 0x00             /* probe: 1 + its failures, when done */

#define TICK_MS 20u
#define LINGER 25u
#define MAX_RUN_MS 60000u

#define RAM_BASE 0x40000000ul
#define REBOOTER_RAM 0x00200000ul /* configs/multivm/rebooter.toml */

/* ---- ticker ---- */

/* In RAM past the image, not in .bss: the other roles have 2 MiB of RAM. */
#define PAT_WORDS (1u << 20) /* 8 MiB */
#define SLICE 16384u
static volatile uint64_t *const pattern = (volatile uint64_t *)0x40400000ul; /* ticker RAM: 16 MiB */
static unsigned mem_errors;

static uint64_t pat(unsigned i) { return ((uint64_t)i * 0xD6E8FEB86659FD93ull) ^ 0x7157u; }

static void check_words(unsigned from, unsigned n)
{
    for (unsigned i = from; i < from + n && i < PAT_WORDS; i++) {
        uint64_t v = pattern[i];
        if (v != pat(i) && mem_errors++ < 4)
            test_fail("ticker.memory", "word %u at %p: %#lx, want %#lx", i, (const void *)&pattern[i], v, pat(i));
    }
}

static void ticker(void)
{
    for (unsigned i = 0; i < PAT_WORDS; i++)
        pattern[i] = pat(i);
    unsigned n = 0, after = 0, others = 0, slice = 0;
    uint64_t t0 = time_ns(), last = t0, max_gap = 0;
    bool done = false;
    for (;;) {
        mv_sleep_ms(TICK_MS, &others);
        n++;
        uint64_t now = time_ns();
        if (now - last > max_gap)
            max_gap = now - last;
        last = now;
        mv_write64(PAGE + P_TICKS, n);
        check_words(slice * SLICE, SLICE);
        slice = (slice + 1) % (PAT_WORDS / SLICE);
        g_printf("TICK %u\n", n);
        if (!done && mv_read64(PAGE + P_DONE) && mv_read64(PROBE_PAGE + PP_DONE)) {
            done = true;
            test_note("rebooter and probe done at tick %u", n);
        }
        if (done && ++after >= LINGER)
            break;
        if (now - t0 > MAX_RUN_MS * 1000000ull)
            break;
    }
    test_check("ticker.others-done", done, "rebooter (%#lx) and probe (%#lx) not both done within %u ms",
               mv_read64(PAGE + P_DONE), mv_read64(PROBE_PAGE + PP_DONE), MAX_RUN_MS);
    test_check("ticker.rebooter-ok", mv_read64(PAGE + P_DONE) == 1, "rebooter reports %ld failures",
               (int64_t)mv_read64(PAGE + P_DONE) - 1);
    check_words(0, PAT_WORDS);
    test_check("ticker.memory-intact", mem_errors == 0, "%u words of the 8 MiB pattern changed", mem_errors);
    test_check("ticker.no-stray-interrupts", others == 0, "%u", others);
    test_note("%u ticks, longest gap %lu ms", n, max_gap / 1000000u);
}

/* ---- rebooter ---- */

static volatile uint64_t pristine = 0x5EED5EED5EED5EEDull; /* .data: back after a reset */
static uint64_t bss_word;                                  /* .bss: zero after a reset */

static void rebooter(void)
{
    uint64_t boots = mv_read64(PAGE + P_BOOTS) + 1;
    mv_write64(PAGE + P_BOOTS, boots);
    volatile uint64_t *last_word = (volatile uint64_t *)(RAM_BASE + REBOOTER_RAM - 8);
    g_printf("REBOOTER boot %lu\n", boots);
    if (boots == 1) {
        test_check("rebooter.boot1.pristine", pristine == 0x5EED5EED5EED5EEDull && *last_word == 0 && bss_word == 0,
                   "data %#lx, last RAM word %#lx, bss %#lx", pristine, *last_word, bss_word);
        /* let the ticker go on a while, then dirty everything and reset */
        mv_sleep_ms(200, NULL);
        uint64_t ticks = mv_read64(PAGE + P_TICKS);
        test_check("rebooter.boot1.ticker-running", ticks > 0, "ticker count %lu", ticks);
        mv_write64(PAGE + P_TICKS_AT_RESET, ticks);
        pristine = 0xD1D1D1D1;
        bss_word = 0xB55;
        *last_word = 0xDEADBEEF;
        dsb_sy();
        if (test_failures())
            mv_write64(PAGE + P_DONE, 1 + test_failures()); /* do not hide it behind the reset */
        g_printf("REBOOTER resetting at ticker %lu\n", ticks);
        smccc_call3(psci_conduit, PSCI_SYSTEM_RESET, 0, 0, 0);
        test_fail("rebooter.reset", "PSCI SYSTEM_RESET returned");
        return;
    }
    test_check("rebooter.boot2.count", boots == 2, "boot %lu", boots);
    test_check("rebooter.boot2.data-pristine", pristine == 0x5EED5EED5EED5EEDull, "data word %#lx after reset",
               pristine);
    test_check("rebooter.boot2.bss-zero", bss_word == 0, "bss word %#lx after reset", bss_word);
    test_check("rebooter.boot2.ram-zeroed", *last_word == 0, "last RAM word %#lx after reset", *last_word);
    uint64_t at_reset = mv_read64(PAGE + P_TICKS_AT_RESET);
    mv_sleep_ms(200, NULL);
    uint64_t now = mv_read64(PAGE + P_TICKS);
    test_check("rebooter.boot2.ticker-went-on", now > at_reset + 2, "ticker at %lu, was %lu at the reset", now,
               at_reset);
    mv_write64(PAGE + P_DONE, 1 + test_failures());
    /* power off rather than the test device: the lifecycle's last step */
    test_print_result();
    g_printf("REBOOTER powering off\n");
    psci_system_off();
    test_fail("rebooter.off", "PSCI SYSTEM_OFF returned");
}

/* ---- faulter ---- */

static void faulter(void)
{
    mv_sleep_ms(300, NULL);
    g_printf("FAULTER touching 0x0A000000\n");
    (void)mmio_read32(0x0A000000ul); /* nothing there; the VM's policy stops it */
    test_fail("faulter.stopped", "still running after the unhandled access");
}

/* ---- echo ---- */

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_IMSC 0x38
#define UART_ICR 0x44
#define UART_FR_RXFE (1u << 4)
#define UART_INT_RX (1u << 4)
#define UART_INT_RT (1u << 6)
#define UART_INTID 33u

/* tick_ms: also print "TICK <n>" that often (0: never); ends after max_ms. */
static void echo(unsigned tick_ms, uint64_t max_ms)
{
    mv_spi_enable(UART_INTID, false);
    mmio_write32(UART_BASE + UART_IMSC, UART_INT_RX | UART_INT_RT);
    char line[80];
    unsigned len = 0, lines = 0, ticks = 0;
    g_printf("ECHO ready\n");
    uint64_t t0 = time_ns(), next_tick = t0 + tick_ms * 1000000ull;
    while (time_ns() - t0 < max_ms * 1000000ull) {
        uint64_t now = time_ns();
        if (tick_ms && now >= next_tick) {
            g_printf("TICK %u\n", ++ticks);
            next_tick += tick_ms * 1000000ull;
            continue;
        }
        uint64_t wait_ms = tick_ms ? (next_tick - now) / 1000000u + 1u : 1000u;
        uint32_t id = mv_wait_irq(wait_ms);
        if (id == TIMER_VIRT_INTID)
            continue;
        while (!(mmio_read32(UART_BASE + UART_FR) & UART_FR_RXFE)) {
            char c = (char)(mmio_read32(UART_BASE + UART_DR) & 0xff);
            if (c != '\r' && c != '\n') {
                if (len < sizeof(line) - 1)
                    line[len++] = c;
                continue;
            }
            if (!len)
                continue;
            line[len] = 0;
            len = 0;
            lines++;
            g_printf("ECHO %s\n", line);
            if (line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't' && !line[4]) {
                test_check("echo.lines", lines >= 2, "%u lines", lines);
                return;
            }
        }
        mmio_write32(UART_BASE + UART_ICR, UART_INT_RX | UART_INT_RT);
    }
    test_fail("echo.quit", "no \"quit\" within %lu ms", max_ms);
}

void guest_main(void)
{
    if (!test_need_axvm("run"))
        return;
    if (!test_check("gic-init", mv_gic_setup(), "no GIC"))
        return;
    uint32_t id = mv_vm_id();
    switch (id) {
    case ID_TICKER:
        ticker();
        break;
    case ID_REBOOTER:
        rebooter();
        break;
    case ID_FAULTER:
        faulter();
        break;
    case ID_ECHO_1:
    case ID_ECHO_2:
        echo(0, MAX_RUN_MS);
        break;
    case ID_BEACON:
        echo(BEACON_TICK_MS, BEACON_MAX_MS);
        break;
    default:
        test_fail("role", "VM id %u has no role", id);
    }
}
