/* PSCI 1.x client. The conduit is HVC unless a test switches it. */
#ifndef GUEST_PSCI_H
#define GUEST_PSCI_H

#include <stdint.h>

#include "smccc.h"

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_SUSPEND 0xC4000001u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xC4000003u
#define PSCI_AFFINITY_INFO 0xC4000004u
#define PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u
#define PSCI_FEATURES 0x8400000Au

#define PSCI_SUCCESS 0
#define PSCI_E_NOT_SUPPORTED (-1)
#define PSCI_E_INVALID_PARAMETERS (-2)
#define PSCI_E_DENIED (-3)
#define PSCI_E_ALREADY_ON (-4)
#define PSCI_E_ON_PENDING (-5)
#define PSCI_E_INTERNAL_FAILURE (-6)
#define PSCI_E_NOT_PRESENT (-7)
#define PSCI_E_DISABLED (-8)
#define PSCI_E_INVALID_ADDRESS (-9)

#define PSCI_AFF_ON 0
#define PSCI_AFF_OFF 1
#define PSCI_AFF_ON_PENDING 2

extern enum smccc_conduit psci_conduit;

int64_t psci_version(void);
int64_t psci_features(uint32_t fid);
int64_t psci_cpu_on(uint64_t target_mpidr, uint64_t entry, uint64_t context);
int64_t psci_cpu_off(void);
int64_t psci_affinity_info(uint64_t target_mpidr, uint64_t level);
int64_t psci_system_off(void);

#endif
