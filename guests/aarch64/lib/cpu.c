#include "cpu.h"

#include "asm.h"
#include "exc.h"
#include "psci.h"
#include "sysreg.h"
#include "test.h"

static cpu_fn cpu_fns[GUEST_MAX_CPUS];
static unsigned cpu_entry_count[GUEST_MAX_CPUS];

int64_t cpu_start(unsigned cpu, cpu_fn fn, uint64_t cookie)
{
    if (cpu >= GUEST_MAX_CPUS)
        return PSCI_E_INVALID_PARAMETERS;
    __atomic_store_n(&cpu_fns[cpu], fn, __ATOMIC_RELEASE);
    dsb_sy();
    return psci_cpu_on(cpu_mpidr(cpu), (uint64_t)(uintptr_t)guest_secondary_entry, cpu_context(cpu, cookie));
}

unsigned cpu_entries(unsigned cpu)
{
    return cpu < GUEST_MAX_CPUS ? __atomic_load_n(&cpu_entry_count[cpu], __ATOMIC_ACQUIRE) : 0;
}

bool cpu_wait_off(unsigned cpu, uint64_t timeout_ms)
{
    uint64_t t0 = time_ns();
    do {
        if (psci_affinity_info(cpu_mpidr(cpu), 0) == PSCI_AFF_OFF)
            return true;
        cpu_relax();
    } while (time_ns() - t0 < timeout_ms * 1000000ull);
    return false;
}

void guest_secondary_main(uint64_t context);
void guest_secondary_main(uint64_t context)
{
    unsigned cpu = cpu_index();
    exc_set_irq_handler(0);
    __atomic_add_fetch(&cpu_entry_count[cpu], 1, __ATOMIC_ACQ_REL);
    cpu_fn fn = __atomic_load_n(&cpu_fns[cpu], __ATOMIC_ACQUIRE);
    if (fn)
        fn(cpu, context);
    irq_disable();
    int64_t r = psci_cpu_off();
    test_fail("cpu-off", "cpu %u: CPU_OFF returned %ld", cpu, r);
}
