/* A VM's guest-physical regions and the stage-2 tables that realise them. */
#include "axvm/addrspace.h"
#include "axvm/exit.h"
#include "axvm/hal.h"
#include "axvm/lib.h"

#define RAM_BLOCK_ALIGN (2ull << 20)

int axvm_as_init(struct axvm_addrspace *as, const struct axvm_pt_format *fmt)
{
    if (!as)
        return AXVM_EINVAL;
    memset(as, 0, sizeof(*as));
    if (fmt)
        return axvm_pt_init(&as->pt, fmt);
    return AXVM_OK;
}

static bool is_mapped_type(enum axvm_region_type t)
{
    return t != AXVM_REGION_EMULATED;
}

static void region_release(struct axvm_region *r)
{
    if (r->owned && r->hva)
        hal_pages_free(r->hva, (size_t)(r->size >> AXVM_PAGE_SHIFT));
    r->hva = NULL;
    r->owned = false;
}

void axvm_as_destroy(struct axvm_addrspace *as)
{
    if (!as)
        return;
    for (unsigned i = 0; i < as->n_regions; i++)
        region_release(&as->regions[i]);
    as->n_regions = 0;
    if (as->pt.fmt)
        axvm_pt_destroy(&as->pt);
    as->pt.fmt = NULL;
}

static int check_new(const struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size)
{
    if (!as || size == 0 || gpa + size - 1 < gpa)
        return AXVM_EINVAL;
    if (!AXVM_IS_ALIGNED(gpa, AXVM_PAGE_SIZE) || !AXVM_IS_ALIGNED(size, AXVM_PAGE_SIZE))
        return AXVM_EALIGN;
    uint64_t last = gpa + size - 1;
    for (unsigned i = 0; i < as->n_regions; i++) {
        const struct axvm_region *r = &as->regions[i];
        if (gpa <= r->gpa + r->size - 1 && r->gpa <= last)
            return AXVM_EOVERLAP;
    }
    if (as->n_regions >= AXVM_MAX_MEM_REGIONS)
        return AXVM_ENOMEM;
    return AXVM_OK;
}

static void write_begin(struct axvm_addrspace *as)
{
    atomic_fetch_add_explicit(&as->seq, 1u, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
}

static void write_end(struct axvm_addrspace *as)
{
    atomic_fetch_add_explicit(&as->seq, 1u, memory_order_release);
}

/* Map (when the address space owns tables) and insert in gpa order. */
static int insert(struct axvm_addrspace *as, const struct axvm_region *r)
{
    if (as->pt.fmt && is_mapped_type(r->type)) {
        int rc = axvm_pt_map(&as->pt, r->gpa, r->hpa, r->size, r->flags);
        if (rc)
            return rc;
    }
    unsigned pos = 0;
    while (pos < as->n_regions && as->regions[pos].gpa < r->gpa)
        pos++;
    write_begin(as);
    memmove(&as->regions[pos + 1], &as->regions[pos], (as->n_regions - pos) * sizeof(*r));
    as->regions[pos] = *r;
    as->n_regions++;
    write_end(as);
    return AXVM_OK;
}

int axvm_as_add_ram(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size, uint32_t flags)
{
    int rc = check_new(as, gpa, size);
    if (rc)
        return rc;
    if ((size >> AXVM_PAGE_SHIFT) > (uint64_t)SIZE_MAX)
        return AXVM_ENOMEM;
    size_t npages = (size_t)(size >> AXVM_PAGE_SHIFT);
    /* 2 MiB-aligned backing lets the tables use blocks; fall back to pages */
    void *hva = NULL;
    if (size >= RAM_BLOCK_ALIGN)
        hva = hal_pages_alloc(npages, RAM_BLOCK_ALIGN);
    if (!hva)
        hva = hal_pages_alloc(npages, AXVM_PAGE_SIZE);
    if (!hva)
        return AXVM_ENOMEM;
    struct axvm_region r = {
        .type = AXVM_REGION_RAM,
        .gpa = gpa,
        .size = size,
        .flags = flags ? flags : AXVM_MAP_RWX,
        .hpa = hal_virt_to_phys(hva),
        .hva = hva,
        .owned = true,
    };
    rc = insert(as, &r);
    if (rc)
        hal_pages_free(hva, npages);
    return rc;
}

int axvm_as_add_passthrough(struct axvm_addrspace *as, axvm_gpa_t gpa, axvm_hpa_t hpa, uint64_t size)
{
    int rc = check_new(as, gpa, size);
    if (rc)
        return rc;
    if (!AXVM_IS_ALIGNED(hpa, AXVM_PAGE_SIZE))
        return AXVM_EALIGN;
    if (hpa + size - 1 < hpa)
        return AXVM_EINVAL;
    struct axvm_region r = {
        .type = AXVM_REGION_PASSTHROUGH,
        .gpa = gpa,
        .size = size,
        .flags = AXVM_MAP_READ | AXVM_MAP_WRITE | AXVM_MAP_DEVICE,
        .hpa = hpa,
    };
    return insert(as, &r);
}

int axvm_as_add_emulated(struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t size)
{
    int rc = check_new(as, gpa, size);
    if (rc)
        return rc;
    struct axvm_region r = {.type = AXVM_REGION_EMULATED, .gpa = gpa, .size = size};
    return insert(as, &r);
}

int axvm_as_add_shared(struct axvm_addrspace *as, axvm_gpa_t gpa, void *hva, uint64_t size, uint32_t flags)
{
    if (!hva || !AXVM_IS_ALIGNED((uintptr_t)hva, AXVM_PAGE_SIZE))
        return hva ? AXVM_EALIGN : AXVM_EINVAL;
    int rc = check_new(as, gpa, size);
    if (rc)
        return rc;
    struct axvm_region r = {
        .type = AXVM_REGION_SHARED,
        .gpa = gpa,
        .size = size,
        .flags = flags ? flags : (AXVM_MAP_READ | AXVM_MAP_WRITE),
        .hpa = hal_virt_to_phys(hva),
        .hva = hva,
    };
    return insert(as, &r);
}

int axvm_as_remove(struct axvm_addrspace *as, axvm_gpa_t gpa)
{
    if (!as)
        return AXVM_EINVAL;
    for (unsigned i = 0; i < as->n_regions; i++) {
        struct axvm_region *r = &as->regions[i];
        if (r->gpa != gpa)
            continue;
        if (as->pt.fmt && is_mapped_type(r->type)) {
            int rc = axvm_pt_unmap(&as->pt, r->gpa, r->size);
            if (rc)
                return rc;
        }
        region_release(r);
        write_begin(as);
        memmove(r, r + 1, (as->n_regions - i - 1) * sizeof(*r));
        as->n_regions--;
        write_end(as);
        return AXVM_OK;
    }
    return AXVM_ENOENT;
}

const struct axvm_region *axvm_as_find(const struct axvm_addrspace *as, axvm_gpa_t gpa)
{
    if (!as)
        return NULL;
    unsigned lo = 0, hi = as->n_regions;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const struct axvm_region *r = &as->regions[mid];
        if (gpa < r->gpa)
            hi = mid;
        else if (gpa - r->gpa >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

bool axvm_as_lookup(const struct axvm_addrspace *as, axvm_gpa_t gpa, struct axvm_region *out)
{
    if (!as || !out)
        return false;
    for (;;) {
        unsigned seq = atomic_load_explicit(&as->seq, memory_order_acquire);
        if (seq & 1u)
            continue; /* a writer is moving entries */
        const struct axvm_region *r = axvm_as_find(as, gpa);
        if (r)
            *out = *r;
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&as->seq, memory_order_relaxed) == seq)
            return r != NULL;
    }
}

static bool has_backing(const struct axvm_region *r)
{
    return r && (r->type == AXVM_REGION_RAM || r->type == AXVM_REGION_SHARED) && r->hva;
}

void *axvm_as_hva(const struct axvm_addrspace *as, axvm_gpa_t gpa, uint64_t len)
{
    const struct axvm_region *r = axvm_as_find(as, gpa);
    if (!has_backing(r))
        return NULL;
    uint64_t off = gpa - r->gpa;
    if (len > r->size - off)
        return NULL;
    return (uint8_t *)r->hva + off;
}

/* Copy across as many adjacent backed regions as the range needs. */
static int copy(const struct axvm_addrspace *as, axvm_gpa_t gpa, void *buf, const void *src, uint64_t len)
{
    if (!as || (len && !(buf || src)))
        return AXVM_EINVAL;
    if (len && gpa + len - 1 < gpa)
        return AXVM_EFAULT;
    /* check everything first so that a failing write changes nothing */
    for (uint64_t done = 0; done < len;) {
        const struct axvm_region *r = axvm_as_find(as, gpa + done);
        if (!has_backing(r))
            return AXVM_EFAULT;
        uint64_t off = gpa + done - r->gpa;
        uint64_t n = r->size - off < len - done ? r->size - off : len - done;
        done += n;
    }
    for (uint64_t done = 0; done < len;) {
        const struct axvm_region *r = axvm_as_find(as, gpa + done);
        uint64_t off = gpa + done - r->gpa;
        uint64_t n = r->size - off < len - done ? r->size - off : len - done;
        uint8_t *hva = (uint8_t *)r->hva + off;
        if (buf)
            memcpy((uint8_t *)buf + done, hva, (size_t)n);
        else
            memcpy(hva, (const uint8_t *)src + done, (size_t)n);
        done += n;
    }
    return AXVM_OK;
}

int axvm_as_read(const struct axvm_addrspace *as, axvm_gpa_t gpa, void *buf, uint64_t len)
{
    if (len && !buf)
        return AXVM_EINVAL;
    return copy(as, gpa, buf, NULL, len);
}

int axvm_as_write(struct axvm_addrspace *as, axvm_gpa_t gpa, const void *buf, uint64_t len)
{
    if (len && !buf)
        return AXVM_EINVAL;
    return copy(as, gpa, NULL, buf, len);
}

static uint32_t access_needs(uint32_t access)
{
    uint32_t need = 0;
    if (access & AXVM_ACCESS_READ)
        need |= AXVM_MAP_READ;
    if (access & AXVM_ACCESS_WRITE)
        need |= AXVM_MAP_WRITE;
    if (access & AXVM_ACCESS_EXEC)
        need |= AXVM_MAP_EXEC;
    return need;
}

int axvm_as_handle_fault(struct axvm_addrspace *as, axvm_gpa_t gpa, uint32_t access)
{
    if (!as)
        return AXVM_EINVAL;
    as->page_faults++;
    struct axvm_region r;
    if (!axvm_as_lookup(as, gpa, &r) || !is_mapped_type(r.type) || !as->pt.fmt)
        return AXVM_EFAULT;
    uint32_t need = access_needs(access);
    if ((r.flags & need) != need)
        return AXVM_EFAULT; /* e.g. a write to read-only memory */
    uint32_t have;
    if (axvm_pt_translate(&as->pt, gpa, NULL, &have, NULL) != AXVM_OK)
        return AXVM_EFAULT;
    return (have & need) == need ? AXVM_OK : AXVM_EFAULT;
}
