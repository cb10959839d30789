/* psci: the PSCI 1.1 / SMCCC firmware interface the hypervisor emulates,
 * over HVC and again over SMC: versions, feature discovery, unknown
 * functions, CPU_ON/CPU_OFF/AFFINITY_INFO state machine and its error
 * codes, and SYSTEM_OFF as the very last call. Runs on 2 vCPUs. */
#include "cpu.h"
#include "exc.h"
#include "printf.h"
#include "psci.h"
#include "sysreg.h"
#include "test.h"
#include "timer.h"

const char guest_name[] = "psci";

/* Addresses CPU_ON must refuse: not RAM of a 64 MiB VM at 0x4000_0000. */
#define ENTRY_NOT_RAM 0x20000000ul
#define ENTRY_PAST_RAM 0x44000000ul

static char cname[64];
/* "<conduit>.<case>", so the HVC and SMC rounds have distinct case names. */
static const char *cn(const char *c)
{
    g_snprintf(cname, sizeof(cname), "%s.%s", psci_conduit == SMCCC_SMC ? "smc" : "hvc", c);
    return cname;
}

static volatile uint64_t sec_context;
static volatile int sec_running, sec_release;

static void secondary(unsigned cpu, uint64_t ctx)
{
    (void)cpu;
    sec_context = ctx;
    dsb_sy();
    sec_running = 1;
    uint64_t t0 = time_ns();
    while (!sec_release && time_ns() - t0 < 5000000000ull)
        cpu_relax();
    sec_running = 0;
    dsb_sy();
}

static bool sec_is_running(void) { return sec_running != 0; }

static void version_cases(void)
{
    int64_t v = psci_version();
    if (g_env == ENV_AXVM)
        test_eq(cn("version"), (uint64_t)v, 0x10001);
    else
        test_check(cn("version"), v >= 2, "PSCI_VERSION %#lx, want at least 0.2", v);
    test_note("%s PSCI_VERSION %#lx", cn("x"), v);

    static const uint32_t supported[] = { PSCI_VERSION, PSCI_CPU_ON, PSCI_CPU_OFF, PSCI_AFFINITY_INFO,
                                          PSCI_SYSTEM_OFF, PSCI_FEATURES };
    bool ok = true;
    for (unsigned i = 0; i < sizeof(supported) / sizeof(supported[0]) && ok; i++) {
        int64_t r = psci_features(supported[i]);
        if (r < 0) {
            test_fail(cn("features.known"), "FEATURES(%#x) = %ld, want >= 0", supported[i], r);
            ok = false;
        }
    }
    if (ok)
        test_pass(cn("features.known"));
    test_eq(cn("features.unknown-psci"), (uint64_t)psci_features(0x8400001Fu), (uint64_t)PSCI_E_NOT_SUPPORTED);
    test_eq(cn("features.non-psci"), (uint64_t)psci_features(0xC6000000u), (uint64_t)PSCI_E_NOT_SUPPORTED);

    int64_t sv = smccc_call3(psci_conduit, SMCCC_VERSION, 0, 0, 0);
    test_note("%s SMCCC_VERSION %#lx", cn("x"), sv);
    if (test_need_axvm(cn("smccc.version"))) {
        test_check(cn("smccc.version"), sv >= 0x10001, "SMCCC_VERSION %#lx, want >= 1.1", sv);
        test_eq(cn("features.smccc-version"), (uint64_t)psci_features(SMCCC_VERSION), 0);
        test_eq(cn("smccc.arch-features-unknown"),
                (uint64_t)smccc_call3(psci_conduit, SMCCC_ARCH_FEATURES, 0x8000FFFFu, 0, 0),
                (uint64_t)SMCCC_NOT_SUPPORTED);
    }

    /* Not 0x84000050..5F (TRNG) or other optional standard services: reserved ids. */
    static const uint32_t unknown[] = { 0x8400001Fu, 0xC400001Fu, 0x82000000u, 0xC3000000u, 0x8400FF00u };
    ok = true;
    for (unsigned i = 0; i < sizeof(unknown) / sizeof(unknown[0]) && ok; i++) {
        int64_t r = smccc_call3(psci_conduit, unknown[i], 1, 2, 3);
        if (r != SMCCC_NOT_SUPPORTED) {
            test_fail(cn("unknown-function"), "function %#x returned %ld, want -1", unknown[i], r);
            ok = false;
        }
    }
    if (ok)
        test_pass(cn("unknown-function"));
}

static void cpu_on_round(uint64_t cookie, const char *label)
{
    char name[64];
    sec_release = 0;
    sec_running = 0;
    sec_context = 0;
    dsb_sy();
    unsigned entries0 = cpu_entries(1);
    int64_t r = cpu_start(1, secondary, cookie);
    g_snprintf(name, sizeof(name), "%s", cn(label));
    if (r != PSCI_SUCCESS) {
        test_fail(name, "CPU_ON of vCPU 1 returned %ld", r);
        return;
    }
    if (!wait_until(sec_is_running, 2000)) {
        test_fail(name, "vCPU 1 did not start within 2 s");
        return;
    }
    test_check(name, cpu_entries(1) == entries0 + 1 && sec_context == cpu_context(1, cookie),
               "entries %u (want %u), context %#lx (want %#lx)", cpu_entries(1), entries0 + 1, sec_context,
               cpu_context(1, cookie));
    g_snprintf(name, sizeof(name), "%s.affinity-on", cn(label));
    test_eq(name, (uint64_t)psci_affinity_info(cpu_mpidr(1), 0), PSCI_AFF_ON);
    int64_t again = psci_cpu_on(cpu_mpidr(1), (uint64_t)(uintptr_t)guest_secondary_entry, cpu_context(1, 0));
    g_snprintf(name, sizeof(name), "%s.already-on", cn(label));
    test_eq(name, (uint64_t)again, (uint64_t)PSCI_E_ALREADY_ON);
    sec_release = 1;
    dsb_sy();
    sev();
    g_snprintf(name, sizeof(name), "%s.off-after-cpu-off", cn(label));
    test_check(name, cpu_wait_off(1, 2000), "vCPU 1 not OFF 2 s after release");
}

static void cpu_cases(void)
{
    test_eq(cn("affinity.off-before"), (uint64_t)psci_affinity_info(cpu_mpidr(1), 0), PSCI_AFF_OFF);
    test_eq(cn("affinity.self-on"), (uint64_t)psci_affinity_info(cpu_mpidr(0), 0), PSCI_AFF_ON);
    test_eq(cn("affinity.nonexistent"), (uint64_t)psci_affinity_info(cpu_mpidr(7), 0),
            (uint64_t)PSCI_E_INVALID_PARAMETERS);

    cpu_on_round(0xABCDEu, "cpu-on.first");
    cpu_on_round(0x12345u, "cpu-on.restart");

    uint64_t entry = (uint64_t)(uintptr_t)guest_secondary_entry;
    test_eq(cn("cpu-on.nonexistent"), (uint64_t)psci_cpu_on(cpu_mpidr(7), entry, 7),
            (uint64_t)PSCI_E_INVALID_PARAMETERS);
    test_eq(cn("cpu-on.nonexistent-aff1"), (uint64_t)psci_cpu_on(0x100, entry, 0),
            (uint64_t)PSCI_E_INVALID_PARAMETERS);
    test_eq(cn("cpu-on.self"), (uint64_t)psci_cpu_on(cpu_mpidr(0), entry, 0), (uint64_t)PSCI_E_ALREADY_ON);
    /* Bare QEMU starts a CPU at any address; only the hypervisor checks. */
    if (test_need_axvm(cn("cpu-on.entry-not-ram"))) {
        test_eq(cn("cpu-on.entry-not-ram"), (uint64_t)psci_cpu_on(cpu_mpidr(1), ENTRY_NOT_RAM, 1),
                (uint64_t)PSCI_E_INVALID_ADDRESS);
        test_eq(cn("cpu-on.entry-past-ram"), (uint64_t)psci_cpu_on(cpu_mpidr(1), ENTRY_PAST_RAM, 1),
                (uint64_t)PSCI_E_INVALID_ADDRESS);
        test_eq(cn("affinity.still-off"), (uint64_t)psci_affinity_info(cpu_mpidr(1), 0), PSCI_AFF_OFF);
    }
}

void guest_main(void)
{
    psci_conduit = SMCCC_HVC;
    version_cases();
    cpu_cases();

    /* The same over SMC: axvm accepts both conduits. Without EL2/EL3 to
     * take it, SMC is UNDEFINED. */
    struct smccc_res r;
    bool undef = smccc_try(SMCCC_SMC, PSCI_VERSION, 0, 0, 0, 0, 0, 0, &r);
    if (g_env == ENV_AXVM) {
        if (undef) {
            test_fail("smc.conduit", "SMC was UNDEFINED; axvm must take PSCI over SMC too");
        } else {
            test_pass("smc.conduit");
            psci_conduit = SMCCC_SMC;
            version_cases();
            cpu_cases();
            psci_conduit = SMCCC_HVC;
        }
    } else {
        test_note("SMC %s here: SMC round not run", undef ? "is UNDEFINED" : "answered");
    }

    if (test_failures()) {
        test_note("failures: ending with the test device, not SYSTEM_OFF");
        return;
    }
    test_print_result();
    g_printf("# psci: calling SYSTEM_OFF; nothing may follow this line\n");
    int64_t ret = psci_system_off();
    test_fail("system-off", "SYSTEM_OFF returned %ld", ret);
}
