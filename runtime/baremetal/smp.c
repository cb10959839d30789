/* PSCI to the platform firmware (QEMU's, over SMC) and secondary CPU start. */
#include <stdatomic.h>

#include "axvm/hal.h"
#include "rt.h"

#define PSCI_CPU_ON_64 0xC4000003ull
#define PSCI_SYSTEM_OFF 0x84000008ull

extern char rt_secondary_entry[];

int64_t rt_psci_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fid;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    return (int64_t)x0;
}

/* Start CPUs 1.. until the firmware refuses one. The target must carry the
 * MPIDR affinity fields only (QEMU rejects bit 31), and QEMU virt numbers
 * CPUs by Aff0 (Aff1 for clusters above 8, which PLAT_MAX_CPUS excludes). */
unsigned rt_smp_start(void)
{
    unsigned n = 1;
    for (unsigned cpu = 1; cpu < PLAT_MAX_CPUS; cpu++) {
        rt_cpus[cpu].id = cpu;
        rt_cpus[cpu].mpidr = cpu;
        __asm__ volatile("dsb sy" ::: "memory");
        int64_t r = rt_psci_smc(PSCI_CPU_ON_64, cpu, (uint64_t)(uintptr_t)rt_secondary_entry, cpu);
        if (r != 0)
            break;
        while (!atomic_load_explicit(&rt_cpus[cpu].online, memory_order_acquire)) {
        }
        n++;
    }
    return n;
}

_Noreturn void rt_system_off(void)
{
    rt_psci_smc(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}
