/* The EL2 stage-1 identity map, built at compile time so that every CPU can
 * turn its MMU on in start.S before any C runs: 1 GiB blocks, the first GiB
 * (GIC, UART and the other MMIO of QEMU virt) as Device-nGnRE and
 * execute-never, RAM (0x4000_0000 up to 3 GiB) as normal write-back memory. */
#include <stdint.h>

#include "platform/qemu-virt/platform.h"
#include "rt.h"

#define BLK_VALID 0x1ull
#define BLK_ATTR(i) ((uint64_t)(i) << 2)   /* MAIR_EL2 index: 0 device, 1 normal */
#define BLK_SH_INNER (3ull << 8)
#define BLK_AF (1ull << 10)
#define BLK_XN (1ull << 54)

#define DEVICE_BLOCK(pa) ((pa) | BLK_VALID | BLK_ATTR(0) | BLK_AF | BLK_XN)
#define NORMAL_BLOCK(pa) ((pa) | BLK_VALID | BLK_ATTR(1) | BLK_SH_INNER | BLK_AF)

uint64_t rt_l1_table[512] __attribute__((aligned(4096))) = {
    [0] = DEVICE_BLOCK(0x00000000ull),
    [1] = NORMAL_BLOCK(0x40000000ull),
    [2] = NORMAL_BLOCK(0x80000000ull),
};
