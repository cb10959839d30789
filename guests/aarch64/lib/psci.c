#include "psci.h"

enum smccc_conduit psci_conduit = SMCCC_HVC;

int64_t psci_version(void) { return smccc_call3(psci_conduit, PSCI_VERSION, 0, 0, 0); }
int64_t psci_features(uint32_t fid) { return smccc_call3(psci_conduit, PSCI_FEATURES, fid, 0, 0); }
int64_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context)
{
    return smccc_call3(psci_conduit, PSCI_CPU_ON, target_mpidr, entry, context);
}
int64_t psci_cpu_off(void) { return smccc_call3(psci_conduit, PSCI_CPU_OFF, 0, 0, 0); }
int64_t psci_affinity_info(uint64_t target_mpidr, uint64_t level)
{
    return smccc_call3(psci_conduit, PSCI_AFFINITY_INFO, target_mpidr, level, 0);
}
int64_t psci_system_off(void) { return smccc_call3(psci_conduit, PSCI_SYSTEM_OFF, 0, 0, 0); }
