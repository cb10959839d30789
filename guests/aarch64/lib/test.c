#include "test.h"

#include <stdarg.h>

#include "axvm/hypercall.h"
#include "exc.h"
#include "printf.h"
#include "psci.h"
#include "smccc.h"
#include "sysreg.h"
#include "testdev.h"
#include "timer.h"

enum guest_env g_env;
uint64_t g_axvm_version;

static unsigned n_pass, n_fail, n_skip;

static void line(const char *verdict, const char *name, const char *why)
{
    if (why)
        g_printf("%s %s.%s: %s\n", verdict, guest_name, name, why);
    else
        g_printf("%s %s.%s\n", verdict, guest_name, name);
}

void test_pass(const char *name)
{
    __atomic_add_fetch(&n_pass, 1, __ATOMIC_RELAXED);
    line("PASS", name, 0);
}

static void vfail(const char *name, const char *fmt, va_list ap)
{
    char why[256];
    g_vsnprintf(why, sizeof(why), fmt, ap);
    __atomic_add_fetch(&n_fail, 1, __ATOMIC_RELAXED);
    line("FAIL", name, why);
}

void test_fail(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(name, fmt, ap);
    va_end(ap);
}

void test_skip(const char *name, const char *why)
{
    __atomic_add_fetch(&n_skip, 1, __ATOMIC_RELAXED);
    line("SKIP", name, why);
}

void test_note(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    g_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    g_printf("# %s: %s\n", guest_name, buf);
}

bool test_eq(const char *name, uint64_t got, uint64_t want)
{
    if (got == want) {
        test_pass(name);
        return true;
    }
    test_fail(name, "got %#lx, want %#lx", got, want);
    return false;
}

bool test_check(const char *name, bool cond, const char *fmt, ...)
{
    if (cond) {
        test_pass(name);
        return true;
    }
    va_list ap;
    va_start(ap, fmt);
    vfail(name, fmt, ap);
    va_end(ap);
    return false;
}

bool test_need_axvm(const char *name)
{
    if (g_env == ENV_AXVM)
        return true;
    test_skip(name, g_env == ENV_BARE ? "axvm only (bare)" : "axvm only (other hypervisor)");
    return false;
}

unsigned test_failures(void)
{
    return __atomic_load_n(&n_fail, __ATOMIC_RELAXED);
}

const char *env_name(void)
{
    return g_env == ENV_AXVM ? "axvm" : g_env == ENV_BARE ? "bare" : "other";
}

void guest_exit(uint64_t status)
{
    if (g_env == ENV_AXVM) {
        testdev_write64(TESTDEV_EXIT, status);
        /* The VM should be gone; give the hypervisor a moment, then fall back. */
        uint64_t t0 = time_ns();
        while (time_ns() - t0 < 100000000ull)
            cpu_relax();
        g_printf("# %s: test device EXIT did not stop the VM\n", guest_name);
    }
    psci_system_off();
    for (;;)
        wfi();
}

void test_print_result(void)
{
    g_printf("RESULT %s env=%s passed=%u failed=%u skipped=%u\n", guest_name, env_name(),
             __atomic_load_n(&n_pass, __ATOMIC_RELAXED), __atomic_load_n(&n_fail, __ATOMIC_RELAXED),
             __atomic_load_n(&n_skip, __ATOMIC_RELAXED));
}

void test_finish(unsigned status)
{
    test_print_result();
    guest_exit(status);
}

void test_abort(void)
{
    test_finish(test_failures() ? test_failures() : 1);
}

uint64_t time_ns(void)
{
    uint64_t f = timer_freq();
    uint64_t c = timer_vcount();
    if (!f)
        return 0;
    return (c / f) * 1000000000ull + (c % f) * 1000000000ull / f;
}

bool wait_until(bool (*cond)(void), uint64_t timeout_ms)
{
    uint64_t t0 = time_ns();
    while (!cond()) {
        if (time_ns() - t0 > timeout_ms * 1000000ull)
            return cond();
        cpu_relax();
    }
    return true;
}

static void detect_env(void)
{
    struct smccc_res r;
    bool trapped = smccc_try(SMCCC_HVC, AXVM_HC_FID(AXVM_HC_VERSION), 0, 0, 0, 0, 0, 0, &r);
    if (!trapped && (int64_t)r.a0 >= 0) {
        g_env = ENV_AXVM;
        g_axvm_version = r.a0;
        return;
    }
    /* Not axvm. QEMU without EL2 reports no EL2 in ID_AA64PFR0 (and, with
     * an HVC PSCI conduit, answers unknown HVC calls with -1 itself). */
    g_env = ((read_sysreg(id_aa64pfr0_el1) >> 8) & 0xf) == 0 ? ENV_BARE : ENV_OTHER;
}

/* Called from _start on the boot CPU with the MMU on. */
void guest_boot_main(void);
void guest_boot_main(void)
{
    detect_env();
    g_printf("# %s: start, env=%s", guest_name, env_name());
    if (g_env == ENV_AXVM)
        g_printf(" (axvm %lu.%lu)", g_axvm_version >> 16, g_axvm_version & 0xffff);
    g_printf(", MPIDR %#lx, CNTFRQ %lu\n", read_sysreg(mpidr_el1), timer_freq());
    guest_main();
    test_finish(test_failures());
}
