/* A VM's guest-physical address space: the list of regions and the stage-2
 * (or EPT) tables that realise them.
 *
 *   RAM          host pages from the HAL, mapped normal memory
 *   PASSTHROUGH  a host device range mapped 1:1 in size as device memory
 *   EMULATED     left unmapped so every access traps to the device manager
 *   SHARED       pages owned elsewhere (IVC channels), mapped normal memory */
#ifndef AXVM_ADDRSPACE_H
#define AXVM_ADDRSPACE_H

#include <stdatomic.h>

#include "axvm/pagetable.h"
#include "axvm/types.h"

enum axvm_region_type {
    AXVM_REGION_RAM = 0,
    AXVM_REGION_PASSTHROUGH,
    AXVM_REGION_EMULATED,
    AXVM_REGION_SHARED,
};

struct axvm_region {
    enum axvm_region_type type;
    axvm_gpa_t gpa;
    uint64_t size;
    uint32_t flags;     /* AXVM_MAP_* */
    axvm_hpa_t hpa;     /* RAM, PASSTHROUGH, SHARED */
    void *hva;          /* RAM, SHARED: host-virtual address of the backing */
    bool owned;         /* RAM allocated by the address space (freed on destroy) */
};

struct axvm_addrspace {
    struct axvm_pt pt;      /* unused (fmt NULL) when the backend maps memory itself (KVM) */
    struct axvm_region regions[AXVM_MAX_MEM_REGIONS];
    unsigned n_regions;
    uint64_t page_faults;
    /* Region-list sequence count: odd while a writer (IVC, holding its lock)
     * changes the list, so that vCPUs of the VM reading it concurrently
     * (axvm_as_lookup) retry instead of seeing a half-moved entry. */
    _Atomic unsigned seq;
};

/* `fmt` NULL: keep only the region list (hosted backends map memory through
 * their own API, e.g. KVM memory slots). */
int axvm_as_init(struct axvm_addrspace *as, const struct axvm_pt_format *fmt);
void axvm_as_destroy(struct axvm_addrspace *as);

/* Each rejects size 0, wrap-around, non-page-aligned gpa/size and overlap
 * with another region (AXVM_EINVAL / AXVM_EALIGN / AXVM_EOVERLAP). */
int axvm_as_add_ram(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size, uint32_t flags);
int axvm_as_add_passthrough(struct axvm_addrspace *as, axvm_gpa_t gpa, axvm_hpa_t hpa, uint64_t size);
int axvm_as_add_emulated(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size);
int axvm_as_add_shared(struct axvm_addrspace *as, axvm_gpa_t gpa, void *hva, uint64_t size, uint32_t flags);
/* Remove the region starting exactly at gpa (unmaps it; frees owned RAM). */
int axvm_as_remove(struct axvm_addrspace *as, axvm_gpa_t gpa);

/* The region containing gpa, or NULL. For the thread that owns the list
 * (building the VM, IVC under its lock); vCPUs use axvm_as_lookup. */
const struct axvm_region *axvm_as_find(const struct axvm_addrspace *as, axvm_gpa_t gpa);
/* A consistent copy of the region containing gpa, safe while the list
 * changes (an IVC channel mapped into a running VM). false if none. */
bool axvm_as_lookup(const struct axvm_addrspace *as, axvm_gpa_t gpa, struct axvm_region *out);

/* Host-virtual pointer for [gpa, gpa+len) when it lies inside one RAM or
 * SHARED region, else NULL. */
void *axvm_as_hva(const struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t len);

/* Copy to/from guest RAM; AXVM_EFAULT if any byte is outside RAM/SHARED regions. */
int axvm_as_read(const struct axvm_addrspace *as, axvm_gpa_t gpa, void *buf, uint64_t len);
int axvm_as_write(struct axvm_addrspace *as, axvm_gpa_t gpa, const void *buf, uint64_t len);

/* A nested page fault the hardware reported. Returns AXVM_OK if it was
 * spurious (the page is mapped with the rights the access needs, e.g. a
 * stale TLB entry: the guest retries), AXVM_EFAULT otherwise (not guest
 * memory, or not with these rights: the caller reflects an abort). Memory is
 * mapped eagerly, so nothing is mapped here and the tables keep one writer.
 * Counted in page_faults. */
int axvm_as_handle_fault(struct axvm_addrspace *as, axvm_gpa_t gpa, uint32_t access);

/* Passthrough ranges as configured: made 4 KiB-aligned (base down, end up),
 * sorted by guest address, overlapping and adjacent ranges merged when their
 * host addresses are contiguous too. Works in place; returns the new count or
 * a negative error (AXVM_EOVERLAP when two ranges overlap in guest space but
 * disagree on the host address). */
struct axvm_passthrough {
    axvm_gpa_t gpa;
    axvm_hpa_t hpa;
    uint64_t size;
};
int axvm_passthrough_normalize(struct axvm_passthrough *ranges, unsigned n);

#endif
