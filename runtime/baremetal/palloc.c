/* The HAL page pool: a bitmap over 0x5000_0000..end of RAM, one bit per
 * 4 KiB page, first fit from a rotating hint. Allocations are contiguous and
 * aligned as asked; they happen while VMs are built (and for IVC channels),
 * never on the exit path, so a linear scan is fine. */
#include "axvm/hal.h"
#include "axvm/lib.h"
#include "axvm/spinlock.h"
#include "rt.h"

#define POOL_PAGES ((PLAT_POOL_END - PLAT_POOL_BASE) / AXVM_PAGE_SIZE)

static uint64_t bitmap[POOL_PAGES / 64];
static uint64_t pool_base, pool_pages, pool_free;
static axvm_spinlock_t pool_lock = AXVM_SPINLOCK_INIT;

static bool page_used(uint64_t i) { return (bitmap[i / 64] >> (i % 64)) & 1; }

static void mark(uint64_t first, uint64_t n, bool used)
{
    for (uint64_t i = first; i < first + n; i++) {
        if (used)
            bitmap[i / 64] |= 1ull << (i % 64);
        else
            bitmap[i / 64] &= ~(1ull << (i % 64));
    }
}

void rt_palloc_init(uint64_t base, uint64_t end)
{
    pool_base = base;
    pool_pages = (end - base) / AXVM_PAGE_SIZE;
    if (pool_pages > POOL_PAGES)
        pool_pages = POOL_PAGES;
    pool_free = pool_pages;
}

uint64_t rt_palloc_free_pages(void) { return pool_free; }

void *hal_pages_alloc(size_t npages, size_t align)
{
    if (npages == 0 || align < AXVM_PAGE_SIZE || (align & (align - 1)))
        return NULL;
    uint64_t step = align / AXVM_PAGE_SIZE;
    void *va = NULL;
    axvm_spin_lock(&pool_lock);
    /* pool_base is 256 MiB aligned, so page index alignment = address alignment
     * for any align up to that; beyond it, align the address itself. */
    uint64_t i = AXVM_ALIGN_UP(pool_base, (uint64_t)align) - pool_base;
    i /= AXVM_PAGE_SIZE;
    while (i + npages <= pool_pages) {
        if (bitmap[i / 64] == ~0ull && i % 64 == 0 && step <= 64) {
            i += 64;
            continue;
        }
        uint64_t j = 0;
        while (j < npages && !page_used(i + j))
            j++;
        if (j == npages) {
            mark(i, npages, true);
            pool_free -= npages;
            va = (void *)(uintptr_t)(pool_base + i * AXVM_PAGE_SIZE);
            break;
        }
        /* skip past the used page, keeping alignment */
        i = AXVM_ALIGN_UP(i + j + 1, step);
    }
    axvm_spin_unlock(&pool_lock);
    if (va)
        memset(va, 0, npages * AXVM_PAGE_SIZE);
    return va;
}

void hal_pages_free(void *va, size_t npages)
{
    uint64_t pa = (uint64_t)(uintptr_t)va;
    if (!va || pa < pool_base || (pa - pool_base) % AXVM_PAGE_SIZE)
        return;
    uint64_t first = (pa - pool_base) / AXVM_PAGE_SIZE;
    if (first + npages > pool_pages)
        return;
    axvm_spin_lock(&pool_lock);
    for (uint64_t k = first; k < first + npages; k++) {
        if (page_used(k)) {
            mark(k, 1, false);
            pool_free++;
        }
    }
    axvm_spin_unlock(&pool_lock);
}

axvm_hpa_t hal_virt_to_phys(const void *va) { return (axvm_hpa_t)(uintptr_t)va; }
void *hal_phys_to_virt(axvm_hpa_t pa) { return (void *)(uintptr_t)pa; }
