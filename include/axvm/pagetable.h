/* A stage-2 / EPT page-table builder, generic over the architecture's entry
 * encoding.
 *
 * The walk (4 KiB granule, 512 entries per table, levels numbered so that
 * level 3 maps 4 KiB pages, level 2 2 MiB blocks and level 1 1 GiB blocks) is
 * the same on Arm stage 2, x86 EPT and RISC-V Sv39x4/Sv48x4; only the bits of
 * an entry differ, so a backend supplies an encoder and this code does the rest.
 * Tables come from hal_pages_alloc. Not used on the exit path. */
#ifndef AXVM_PAGETABLE_H
#define AXVM_PAGETABLE_H

#include "axvm/types.h"

/* Mapping attributes, architecture-neutral. */
enum {
    AXVM_MAP_READ = 1u << 0,
    AXVM_MAP_WRITE = 1u << 1,
    AXVM_MAP_EXEC = 1u << 2,
    AXVM_MAP_DEVICE = 1u << 3, /* device memory (uncached, no reordering) */
    AXVM_MAP_RWX = AXVM_MAP_READ | AXVM_MAP_WRITE | AXVM_MAP_EXEC,
};

struct axvm_pt_format {
    const char *name;
    unsigned root_level;        /* level of the root table: 0 (48-bit) or 1 (39-bit) */
    unsigned min_block_level;   /* smallest level allowed to hold a block: 1 allows 1 GiB, 2 only 2 MiB, 3 none */
    uint64_t (*table_entry)(axvm_hpa_t next_table);
    uint64_t (*leaf_entry)(axvm_hpa_t pa, unsigned level, uint32_t flags);
    bool (*is_present)(uint64_t e, unsigned level);
    bool (*is_table)(uint64_t e, unsigned level); /* present and points to a next-level table */
    axvm_hpa_t (*entry_addr)(uint64_t e, unsigned level);
    uint32_t (*entry_flags)(uint64_t e, unsigned level);
};

struct axvm_pt {
    const struct axvm_pt_format *fmt;
    uint64_t *root;        /* host-virtual */
    axvm_hpa_t root_pa;
    uint64_t ia_limit;     /* input addresses must be below this */
    size_t tables;         /* table pages in use, for footprint reports */
};

int axvm_pt_init(struct axvm_pt *pt, const struct axvm_pt_format *fmt);
/* Free every table (not the mapped memory). */
void axvm_pt_destroy(struct axvm_pt *pt);

/* Map [gpa, gpa+size) to [pa, pa+size). All three page aligned. Uses the
 * largest block the alignment of both addresses and the remaining size allow.
 * AXVM_EOVERLAP if any page in the range is already mapped. */
int axvm_pt_map(struct axvm_pt *pt, axvm_gpa_t gpa, axvm_hpa_t pa, uint64_t size, uint32_t flags);
/* Unmap; a block partly inside the range is split first. Unmapped holes in
 * the range are fine. */
int axvm_pt_unmap(struct axvm_pt *pt, axvm_gpa_t gpa, uint64_t size);
/* Change the attributes of a fully mapped range (splitting blocks as needed). */
int axvm_pt_protect(struct axvm_pt *pt, axvm_gpa_t gpa, uint64_t size, uint32_t flags);
/* Translate; AXVM_EFAULT when unmapped. `flags` and `level` may be NULL. */
int axvm_pt_translate(const struct axvm_pt *pt, axvm_gpa_t gpa, axvm_hpa_t *pa, uint32_t *flags, unsigned *level);

#endif
