/* Stage-2 table pages of the benchmark's Linux VM, counted by the core's own
 * table builder (core/pagetable.c) with the AArch64 entry format
 * (arch/aarch64/stage2.c), hosted: the hypervisor does not report them. The
 * layout is the one core/addrspace.c builds: each RAM region backed by
 * physically contiguous, 2 MiB-aligned pages; devices are not mapped (their
 * accesses fault into the hypervisor).
 *
 * usage: s2tables GPA:SIZE...   prints "tables=N" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/hal.h"
#include "axvm/pagetable.h"

extern const struct axvm_pt_format a64_stage2_format;

void *hal_pages_alloc(size_t npages, size_t align)
{
    void *p = aligned_alloc(align, npages * AXVM_PAGE_SIZE);
    if (p)
        memset(p, 0, npages * AXVM_PAGE_SIZE);
    return p;
}
void hal_pages_free(void *va, size_t npages)
{
    (void)npages;
    free(va);
}
axvm_hpa_t hal_virt_to_phys(const void *va) { return (axvm_hpa_t)(uintptr_t)va; }
void *hal_phys_to_virt(axvm_hpa_t pa) { return (void *)(uintptr_t)pa; }
void hal_console_write(const char *buf, size_t len) { fwrite(buf, 1, len, stderr); }

int main(int argc, char **argv)
{
    struct axvm_pt pt;
    if (axvm_pt_init(&pt, &a64_stage2_format) != 0)
        return 1;
    /* Backing at the start of the HAL page pool (0x5000_0000), 2 MiB-aligned. */
    axvm_hpa_t pa = 0x50000000ull;
    for (int i = 1; i < argc; i++) {
        unsigned long long gpa, size;
        if (sscanf(argv[i], "%llx:%llx", &gpa, &size) != 2)
            return 2;
        int rc = axvm_pt_map(&pt, gpa, pa, size, AXVM_MAP_RWX);
        if (rc != 0) {
            fprintf(stderr, "map %s: %d\n", argv[i], rc);
            return 1;
        }
        pa += (size + 0x1fffffull) & ~0x1fffffull;
    }
    printf("tables=%zu\n", pt.tables);
    return 0;
}
