/* Generic 4 KiB-granule stage-2 / EPT builder over an entry encoder. */
#include "axvm/hal.h"
#include "axvm/lib.h"
#include "axvm/pagetable.h"

#define PT_ENTRIES 512u

static unsigned lvl_shift(unsigned level)
{
    return 12u + 9u * (3u - level);
}

static uint64_t lvl_size(unsigned level)
{
    return 1ull << lvl_shift(level);
}

static unsigned lvl_index(uint64_t ia, unsigned level)
{
    return (unsigned)((ia >> lvl_shift(level)) & (PT_ENTRIES - 1));
}

static bool block_ok(const struct axvm_pt_format *fmt, unsigned level)
{
    return level == 3 || (level >= 1 && level >= fmt->min_block_level);
}

/* Level-3 entries are always pages, whatever their bits look like (on Arm a
 * page and a table descriptor share the same type bits). */
static bool is_tbl(const struct axvm_pt_format *f, uint64_t e, unsigned level)
{
    return level < 3 && f->is_table(e, level);
}

/* The hardware walker may be reading the table concurrently: one store per entry. */
static void set_entry(uint64_t *slot, uint64_t e)
{
    __atomic_store_n(slot, e, __ATOMIC_RELEASE);
}

static uint64_t *next_table(const struct axvm_pt *pt, uint64_t e, unsigned level)
{
    return (uint64_t *)hal_phys_to_virt(pt->fmt->entry_addr(e, level));
}

static uint64_t *table_alloc(struct axvm_pt *pt, axvm_hpa_t *pa)
{
    uint64_t *t = hal_pages_alloc(1, AXVM_PAGE_SIZE);
    if (!t)
        return NULL;
    memset(t, 0, AXVM_PAGE_SIZE);
    *pa = hal_virt_to_phys(t);
    pt->tables++;
    return t;
}

static void table_free(struct axvm_pt *pt, uint64_t *t, unsigned level)
{
    if (level < 3) {
        for (unsigned i = 0; i < PT_ENTRIES; i++)
            if (is_tbl(pt->fmt, t[i], level))
                table_free(pt, next_table(pt, t[i], level), level + 1);
    }
    hal_pages_free(t, 1);
    pt->tables--;
}

int axvm_pt_init(struct axvm_pt *pt, const struct axvm_pt_format *fmt)
{
    if (!pt || !fmt || fmt->root_level > 2 || !fmt->table_entry || !fmt->leaf_entry || !fmt->is_present ||
        !fmt->is_table || !fmt->entry_addr || !fmt->entry_flags)
        return AXVM_EINVAL;
    memset(pt, 0, sizeof(*pt));
    pt->fmt = fmt;
    pt->root = table_alloc(pt, &pt->root_pa);
    if (!pt->root) {
        pt->fmt = NULL;
        return AXVM_ENOMEM;
    }
    pt->ia_limit = 1ull << (lvl_shift(fmt->root_level) + 9u);
    return AXVM_OK;
}

void axvm_pt_destroy(struct axvm_pt *pt)
{
    if (!pt || !pt->root)
        return;
    table_free(pt, pt->root, pt->fmt->root_level);
    pt->root = NULL;
    pt->root_pa = 0;
}

static int check_range(const struct axvm_pt *pt, axvm_gpa_t gpa, uint64_t size)
{
    if (!pt || !pt->root)
        return AXVM_EINVAL;
    if (size == 0)
        return AXVM_EINVAL;
    if (!AXVM_IS_ALIGNED(gpa, AXVM_PAGE_SIZE) || !AXVM_IS_ALIGNED(size, AXVM_PAGE_SIZE))
        return AXVM_EALIGN;
    if (gpa >= pt->ia_limit || size > pt->ia_limit - gpa)
        return AXVM_ERANGE;
    return AXVM_OK;
}

/* Range [gpa, end) clipped to the entry at `idx` of a table at `level`. */
struct span {
    uint64_t start, end; /* end exclusive */
    uint64_t entry_base;
};

static struct span clip(uint64_t gpa, uint64_t end, unsigned level)
{
    struct span s;
    uint64_t blk = lvl_size(level);
    s.entry_base = AXVM_ALIGN_DOWN(gpa, blk);
    s.start = gpa;
    s.end = s.entry_base + blk < end ? s.entry_base + blk : end;
    return s;
}

/* Does any page of [gpa, end) have a mapping? (all=false) / Is every page
 * mapped? (all=true) */
static bool range_check(const struct axvm_pt *pt, const uint64_t *t, unsigned level, uint64_t gpa, uint64_t end,
                        bool all)
{
    while (gpa < end) {
        struct span s = clip(gpa, end, level);
        uint64_t e = t[lvl_index(gpa, level)];
        if (!pt->fmt->is_present(e, level)) {
            if (all)
                return false;
        } else if (is_tbl(pt->fmt, e, level)) {
            bool r = range_check(pt, next_table(pt, e, level), level + 1, s.start, s.end, all);
            if (r != all)
                return r;
        } else if (!all) {
            return true;
        }
        gpa = s.end;
    }
    return all;
}

static bool table_empty(const struct axvm_pt *pt, const uint64_t *t, unsigned level)
{
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        if (pt->fmt->is_present(t[i], level))
            return false;
    return true;
}

static int map_range(struct axvm_pt *pt, uint64_t *t, unsigned level, uint64_t gpa, uint64_t end, axvm_hpa_t pa,
                     uint32_t flags)
{
    const struct axvm_pt_format *f = pt->fmt;
    while (gpa < end) {
        struct span s = clip(gpa, end, level);
        uint64_t blk = lvl_size(level);
        uint64_t *slot = &t[lvl_index(gpa, level)];
        if (block_ok(f, level) && s.start == s.entry_base && s.end - s.start == blk && AXVM_IS_ALIGNED(pa, blk)) {
            /* an empty table skeleton may sit here (range pre-checked) */
            if (is_tbl(f, *slot, level)) {
                uint64_t *sub = next_table(pt, *slot, level);
                set_entry(slot, 0);
                table_free(pt, sub, level + 1);
            }
            set_entry(slot, f->leaf_entry(pa, level, flags));
        } else {
            if (level == 3)
                return AXVM_EINVAL; /* unreachable with page-aligned input */
            uint64_t *sub;
            if (!f->is_present(*slot, level)) {
                axvm_hpa_t sub_pa;
                sub = table_alloc(pt, &sub_pa);
                if (!sub)
                    return AXVM_ENOMEM;
                set_entry(slot, f->table_entry(sub_pa));
            } else if (is_tbl(f, *slot, level)) {
                sub = next_table(pt, *slot, level);
            } else {
                return AXVM_EOVERLAP;
            }
            int rc = map_range(pt, sub, level + 1, s.start, s.end, pa, flags);
            if (rc)
                return rc;
        }
        pa += s.end - s.start;
        gpa = s.end;
    }
    return AXVM_OK;
}

/* Replace the block in *slot by a table of the next level mapping the same. */
static int split_block(struct axvm_pt *pt, uint64_t *slot, unsigned level)
{
    const struct axvm_pt_format *f = pt->fmt;
    uint64_t e = *slot;
    axvm_hpa_t base = f->entry_addr(e, level);
    uint32_t flags = f->entry_flags(e, level);
    axvm_hpa_t sub_pa;
    uint64_t *sub = table_alloc(pt, &sub_pa);
    if (!sub)
        return AXVM_ENOMEM;
    uint64_t step = lvl_size(level + 1);
    for (unsigned i = 0; i < PT_ENTRIES; i++)
        sub[i] = f->leaf_entry(base + i * step, level + 1, flags);
    /* Invalid first, but the TLB invalidation that a full break-before-make
     * needs in between is the backend's (vm_tlb_flush after the change):
     * splits of live mappings are rare (unmap/protect of part of a block). */
    set_entry(slot, 0);
    set_entry(slot, f->table_entry(sub_pa));
    return AXVM_OK;
}

/* Unmap, or rewrite the leaves with `flags`, splitting blocks that the range
 * covers only in part. */
static int change_range(struct axvm_pt *pt, uint64_t *t, unsigned level, uint64_t gpa, uint64_t end, bool unmap,
                        uint32_t flags)
{
    const struct axvm_pt_format *f = pt->fmt;
    while (gpa < end) {
        struct span s = clip(gpa, end, level);
        uint64_t blk = lvl_size(level);
        uint64_t *slot = &t[lvl_index(gpa, level)];
        if (f->is_present(*slot, level)) {
            bool whole = s.start == s.entry_base && s.end - s.start == blk;
            if (!is_tbl(f, *slot, level) && whole) {
                if (unmap)
                    set_entry(slot, 0);
                else
                    set_entry(slot, f->leaf_entry(f->entry_addr(*slot, level), level, flags));
            } else {
                if (!is_tbl(f, *slot, level)) {
                    int rc = split_block(pt, slot, level);
                    if (rc)
                        return rc;
                }
                uint64_t *sub = next_table(pt, *slot, level);
                int rc = change_range(pt, sub, level + 1, s.start, s.end, unmap, flags);
                if (rc)
                    return rc;
                if (unmap && table_empty(pt, sub, level + 1)) {
                    set_entry(slot, 0);
                    table_free(pt, sub, level + 1);
                }
            }
        }
        gpa = s.end;
    }
    return AXVM_OK;
}

int axvm_pt_map(struct axvm_pt *pt, axvm_gpa_t gpa, axvm_hpa_t pa, uint64_t size, uint32_t flags)
{
    int rc = check_range(pt, gpa, size);
    if (rc)
        return rc;
    if (!AXVM_IS_ALIGNED(pa, AXVM_PAGE_SIZE))
        return AXVM_EALIGN;
    if (pa + size - 1 < pa)
        return AXVM_ERANGE;
    unsigned root = pt->fmt->root_level;
    if (range_check(pt, pt->root, root, gpa, gpa + size, false))
        return AXVM_EOVERLAP;
    rc = map_range(pt, pt->root, root, gpa, gpa + size, pa, flags);
    if (rc) {
        /* the range was empty before: remove whatever got mapped */
        (void)change_range(pt, pt->root, root, gpa, gpa + size, true, 0);
    }
    return rc;
}

int axvm_pt_unmap(struct axvm_pt *pt, axvm_gpa_t gpa, uint64_t size)
{
    int rc = check_range(pt, gpa, size);
    if (rc)
        return rc;
    return change_range(pt, pt->root, pt->fmt->root_level, gpa, gpa + size, true, 0);
}

int axvm_pt_protect(struct axvm_pt *pt, axvm_gpa_t gpa, uint64_t size, uint32_t flags)
{
    int rc = check_range(pt, gpa, size);
    if (rc)
        return rc;
    unsigned root = pt->fmt->root_level;
    if (!range_check(pt, pt->root, root, gpa, gpa + size, true))
        return AXVM_EFAULT;
    return change_range(pt, pt->root, root, gpa, gpa + size, false, flags);
}

int axvm_pt_translate(const struct axvm_pt *pt, axvm_gpa_t gpa, axvm_hpa_t *pa, uint32_t *flags, unsigned *level)
{
    if (!pt || !pt->root)
        return AXVM_EINVAL;
    if (gpa >= pt->ia_limit)
        return AXVM_EFAULT;
    const struct axvm_pt_format *f = pt->fmt;
    const uint64_t *t = pt->root;
    for (unsigned lvl = f->root_level; lvl <= 3; lvl++) {
        uint64_t e = t[lvl_index(gpa, lvl)];
        if (!f->is_present(e, lvl))
            return AXVM_EFAULT;
        if (is_tbl(f, e, lvl)) {
            t = next_table(pt, e, lvl);
            continue;
        }
        if (pa)
            *pa = f->entry_addr(e, lvl) + (gpa & (lvl_size(lvl) - 1));
        if (flags)
            *flags = f->entry_flags(e, lvl);
        if (level)
            *level = lvl;
        return AXVM_OK;
    }
    return AXVM_EFAULT;
}
