/* Normalisation of configured passthrough ranges (seed 003: align, sort, merge). */
#include "axvm/addrspace.h"

int axvm_passthrough_normalize(struct axvm_passthrough *ranges, unsigned n)
{
    if (n && !ranges)
        return AXVM_EINVAL;
    for (unsigned i = 0; i < n; i++) {
        struct axvm_passthrough *p = &ranges[i];
        if (p->size == 0 || p->gpa + p->size - 1 < p->gpa || p->hpa + p->size - 1 < p->hpa)
            return AXVM_EINVAL;
        /* both sides move by the same amount, so they must share the page offset */
        uint64_t off = p->gpa & (AXVM_PAGE_SIZE - 1);
        if ((p->hpa & (AXVM_PAGE_SIZE - 1)) != off)
            return AXVM_EALIGN;
        uint64_t end = p->gpa + p->size; /* may be 0 when the range ends at 2^64 */
        uint64_t aligned_end = AXVM_ALIGN_UP(end, AXVM_PAGE_SIZE);
        if (end != 0 && aligned_end == 0)
            return AXVM_EINVAL;
        p->gpa -= off;
        p->hpa -= off;
        p->size = aligned_end - p->gpa;
        if (p->hpa + p->size - 1 < p->hpa)
            return AXVM_EINVAL;
    }
    /* insertion sort: n is at most a few dozen */
    for (unsigned i = 1; i < n; i++) {
        struct axvm_passthrough key = ranges[i];
        unsigned j = i;
        while (j > 0 && ranges[j - 1].gpa > key.gpa) {
            ranges[j] = ranges[j - 1];
            j--;
        }
        ranges[j] = key;
    }
    unsigned out = 0;
    for (unsigned i = 0; i < n; i++) {
        struct axvm_passthrough *cur = &ranges[i];
        if (out > 0) {
            struct axvm_passthrough *prev = &ranges[out - 1];
            uint64_t prev_last = prev->gpa + prev->size - 1;
            bool overlaps = cur->gpa <= prev_last;
            bool adjacent = prev_last + 1 == cur->gpa && prev_last != UINT64_MAX;
            bool contiguous = cur->hpa - cur->gpa == prev->hpa - prev->gpa;
            if (overlaps && !contiguous)
                return AXVM_EOVERLAP;
            if ((overlaps || adjacent) && contiguous) {
                uint64_t cur_last = cur->gpa + cur->size - 1;
                if (cur_last > prev_last)
                    prev->size = cur_last - prev->gpa + 1;
                continue;
            }
        }
        ranges[out++] = *cur;
    }
    return (int)out;
}
