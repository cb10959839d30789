/* probe: a VM that reaches for memory that is not its own
 * (configs/multivm/probe.toml, tests/suites/35-multivm-isolation.sh).
 *
 * Its RAM is 2 MiB at 0x4000_0000. It reads, writes and jumps to guest-
 * physical addresses that are host-physical addresses of other things on
 * this machine: the hypervisor's image (0x4020_0000) and the rest of its
 * range, the configuration blob, and the page pool that holds the other VMs'
 * RAM (0x5000_0000 to the end of RAM), page by page where the first VMs' RAM
 * lies (DENSE_END; the suite checks the hypervisor put the ticker's RAM
 * there) and every 256 KiB beyond. A stage-2 that maps none of it gives an
 * abort for every access. The written value is a marker the ticker VM would
 * find in its pattern, and the hypervisor would not survive. */
#include "exc.h"
#include "../ivc/multivm.h"
#include "printf.h"

const char guest_name[] = "probe";

#define MY_RAM_END 0x40200000ul
#define HYP_IMAGE 0x40200000ul
#define HYP_END 0x48000000ul
#define BLOB_END 0x50000000ul
#define POOL_BASE 0x50000000ul
#define DENSE_END 0x54000000ul
#define POOL_END 0xC0000000ul
#define MARK 0xBADC0FFEE0DDF00Dull
#define TICKER_PAGE 0x10000000ul /* IVC page shared with the ticker */

struct tally {
    unsigned probes, missed, wrong;
};

static void note_miss(const char *what, uint64_t addr, bool faulted, const struct fault_info *f, uint64_t v)
{
    if (faulted)
        test_note("%s at %#lx: ESR %#lx FAR %#lx (want a data abort at that address)", what, addr, f->esr, f->far);
    else
        test_note("%s at %#lx: no abort (read %#lx)", what, addr, v);
}

static void probe_read(struct tally *t, uint64_t addr)
{
    struct fault_info f;
    fault_expect();
    uint64_t v = *(volatile uint64_t *)addr;
    bool faulted = fault_collect(&f);
    t->probes++;
    if (!faulted || ESR_EC(f.esr) != EC_DABT_CUR || f.far != addr || (f.esr & ESR_WNR)) {
        if (!faulted)
            t->missed++;
        else
            t->wrong++;
        if (t->missed + t->wrong <= 4)
            note_miss("read", addr, faulted, &f, v);
    }
}

static void probe_write(struct tally *t, uint64_t addr)
{
    struct fault_info f;
    fault_expect();
    *(volatile uint64_t *)addr = MARK;
    bool faulted = fault_collect(&f);
    t->probes++;
    if (!faulted || ESR_EC(f.esr) != EC_DABT_CUR || f.far != addr || !(f.esr & ESR_WNR)) {
        if (!faulted)
            t->missed++;
        else
            t->wrong++;
        if (t->missed + t->wrong <= 4)
            note_miss("write", addr, faulted, &f, 0);
    }
}

static void sweep(const char *name, uint64_t from, uint64_t to, uint64_t step, bool write)
{
    struct tally t = {0};
    for (uint64_t a = from; a < to; a += step) {
        probe_read(&t, a);
        if (write)
            probe_write(&t, a + 8);
    }
    test_check(name, t.missed == 0 && t.wrong == 0, "%u of %u accesses did not abort, %u aborted wrongly", t.missed,
               t.probes, t.wrong);
    test_note("%s: %u accesses %#lx..%#lx, every %#lx", name, t.probes, from, to, step);
}

typedef void (*fn_t)(void);

void guest_main(void)
{
    if (!test_need_axvm("run"))
        return;
    /* What is ours works. */
    volatile uint64_t *mine = (volatile uint64_t *)(MY_RAM_END - 4096);
    *mine = MARK;
    test_check("own-ram", *mine == MARK, "own RAM reads %#lx", *mine);

    /* The hypervisor's image: read, write, execute. */
    struct tally t = {0};
    probe_read(&t, HYP_IMAGE);
    probe_write(&t, HYP_IMAGE);
    test_check("hyp-image.read-write", t.missed == 0 && t.wrong == 0, "%u of %u accesses to 0x40200000 not aborted",
               t.missed + t.wrong, t.probes);
    struct fault_info f;
    fault_expect_return();
    ((fn_t)HYP_IMAGE)();
    bool faulted = fault_collect(&f);
    test_check("hyp-image.exec", faulted && ESR_EC(f.esr) == EC_IABT_CUR && f.far == HYP_IMAGE,
               "branch to 0x40200000: fault %d ESR %#lx FAR %#lx", faulted, f.esr, f.far);

    sweep("hyp-range", MY_RAM_END, HYP_END, 0x100000, true);
    sweep("blob", HYP_END, BLOB_END, 0x100000, true);
    sweep("pool.dense", POOL_BASE, DENSE_END, 0x1000, true);
    sweep("pool.sparse", DENSE_END, POOL_END, 0x40000, true);
    sweep("above-ram", POOL_END, POOL_END + 0x40000000ul, 0x1000000, true);

    test_check("own-ram-after", *mine == MARK, "own RAM reads %#lx", *mine);
    /* the ticker goes on until it reads this */
    mv_write64(TICKER_PAGE, 1 + test_failures());
}
