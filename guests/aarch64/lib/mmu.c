#include "mmu.h"

#include <stdint.h>

/* Referenced by mmu_enable in start.S. */
uint64_t mmu_l1_table[512] __attribute__((aligned(4096)));

#define BLOCK (1ull << 0)
#define ATTR(i) ((uint64_t)(i) << 2)
#define SH_INNER (3ull << 8)
#define AF (1ull << 10)
#define PXN (1ull << 53)
#define UXN (1ull << 54)
#define GIB (1ull << 30)

enum { ATTR_DEVICE = 0, ATTR_NORMAL = 1, ATTR_NORMAL_NC = 2 };

static uint64_t dev_block(uint64_t pa) { return pa | BLOCK | ATTR(ATTR_DEVICE) | AF | PXN | UXN; }
static uint64_t ram_block(uint64_t pa) { return pa | BLOCK | ATTR(ATTR_NORMAL) | SH_INNER | AF | UXN; }

/* Runs with the MMU off (everything Device), so the build is strict-align. */
void mmu_build_tables(void)
{
    mmu_l1_table[0] = dev_block(0);
    mmu_l1_table[1] = ram_block(1 * GIB);
    mmu_l1_table[2] = dev_block(2 * GIB);
    mmu_l1_table[3] = dev_block(3 * GIB);
    mmu_l1_table[4] = dev_block(4 * GIB);
    mmu_l1_table[5] = ram_block(5 * GIB);
    mmu_l1_table[MMU_ALIAS_DEV / GIB] = dev_block(0);
    mmu_l1_table[MMU_ALIAS_NC / GIB] = 0 | BLOCK | ATTR(ATTR_NORMAL_NC) | AF | PXN | UXN;
    __asm__ volatile("dsb ishst" ::: "memory");
}
