/* Pages for guest RAM and backend structures: anonymous mmap, so they are
 * zeroed, page-aligned and usable as KVM memory-slot backing. "Physical"
 * addresses are the process's virtual addresses: nothing here is DMA'd. */
#include <stdint.h>
#include <sys/mman.h>

#include "axvm/hal.h"

void *hal_pages_alloc(size_t npages, size_t align)
{
    if (npages == 0 || align < AXVM_PAGE_SIZE || (align & (align - 1)))
        return NULL;
    size_t len = npages * AXVM_PAGE_SIZE;
    if (len / AXVM_PAGE_SIZE != npages || len + align < len)
        return NULL;
    size_t over = len + (align > AXVM_PAGE_SIZE ? align : 0);
    uint8_t *p = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (over == len)
        return p;
    /* trim to the requested alignment */
    uintptr_t a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = a - (uintptr_t)p, tail = over - head - len;
    if (head)
        munmap(p, head);
    if (tail)
        munmap((uint8_t *)a + len, tail);
    return (void *)a;
}

void hal_pages_free(void *va, size_t npages)
{
    if (va && npages)
        munmap(va, npages * AXVM_PAGE_SIZE);
}

axvm_hpa_t hal_virt_to_phys(const void *va)
{
    return (axvm_hpa_t)(uintptr_t)va;
}

void *hal_phys_to_virt(axvm_hpa_t pa)
{
    return (void *)(uintptr_t)pa;
}
