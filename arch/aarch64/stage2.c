/* The stage-2 translation entry encoder (4 KiB granule, 39-bit IPA, root at
 * level 1, so 1 GiB, 2 MiB and 4 KiB mappings) for the generic builder. */
#include "axvm/pagetable.h"
#include "a64.h"

#define S2_VALID 0x1ull
#define S2_TABLE 0x3ull                 /* table (levels 0-2) or page (level 3) */
#define S2_MEMATTR_NORMAL (0xfull << 2) /* outer/inner write-back */
#define S2_MEMATTR_DEVICE (0x1ull << 2) /* Device-nGnRE */
#define S2_AP_R (1ull << 6)
#define S2_AP_W (1ull << 7)
#define S2_SH_INNER (3ull << 8)
#define S2_AF (1ull << 10)
#define S2_XN (1ull << 54)
#define S2_ADDR_MASK 0x0000fffffffff000ull

static uint64_t s2_table_entry(axvm_hpa_t next) { return (next & S2_ADDR_MASK) | S2_TABLE; }

static uint64_t s2_leaf_entry(axvm_hpa_t pa, unsigned level, uint32_t flags)
{
    uint64_t e = (pa & S2_ADDR_MASK) | S2_AF | (level == 3 ? S2_TABLE : S2_VALID);
    if (flags & AXVM_MAP_DEVICE)
        e |= S2_MEMATTR_DEVICE;
    else
        e |= S2_MEMATTR_NORMAL | S2_SH_INNER;
    if (flags & AXVM_MAP_READ)
        e |= S2_AP_R;
    if (flags & AXVM_MAP_WRITE)
        e |= S2_AP_W;
    if (!(flags & AXVM_MAP_EXEC) || (flags & AXVM_MAP_DEVICE))
        e |= S2_XN;
    return e;
}

static bool s2_is_present(uint64_t e, unsigned level)
{
    (void)level;
    return (e & S2_VALID) != 0;
}

static bool s2_is_table(uint64_t e, unsigned level) { return level < 3 && (e & 3) == S2_TABLE; }

static axvm_hpa_t s2_entry_addr(uint64_t e, unsigned level)
{
    (void)level;
    return e & S2_ADDR_MASK;
}

static uint32_t s2_entry_flags(uint64_t e, unsigned level)
{
    (void)level;
    uint32_t f = 0;
    if (e & S2_AP_R)
        f |= AXVM_MAP_READ;
    if (e & S2_AP_W)
        f |= AXVM_MAP_WRITE;
    if ((e & (0xfull << 2)) == S2_MEMATTR_DEVICE)
        f |= AXVM_MAP_DEVICE;
    else if (!(e & S2_XN))
        f |= AXVM_MAP_EXEC;
    return f;
}

const struct axvm_pt_format a64_stage2_format = {
    .name = "aarch64-stage2-4k-l1",
    .root_level = 1,
    .min_block_level = 1,
    .table_entry = s2_table_entry,
    .leaf_entry = s2_leaf_entry,
    .is_present = s2_is_present,
    .is_table = s2_is_table,
    .entry_addr = s2_entry_addr,
    .entry_flags = s2_entry_flags,
};
