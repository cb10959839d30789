/* ivc: two VMs talking through axvm's inter-VM channels (configs/multivm/ivc.toml,
 * tests/suites/35-multivm-ivc.sh). One image; the role comes from the VM id:
 * IVC_ID_A ("ivc-a"), IVC_ID_B ("ivc-b") and IVC_ID_C ("ivc-c", linked to
 * nobody by the configuration).
 *
 * 1. The channel declared in the configuration (CFG_GPA in both VMs, found
 *    with the IVC_FIND hypercall): A sends ROUNDS numbered messages, each
 *    announced by a doorbell; B answers each one with its own doorbell.
 * 2. A allocates a second channel at run time (IVC_ALLOC, mapped at RT_GPA_A
 *    in A and RT_GPA_B in B) and publishes its id on the first one; B finds
 *    it, and now B sends ROUNDS messages and A answers: the other direction.
 *    Its doorbells must be ones the configuration declared for the pair
 *    (include/axvm/ivc.h): the configured channel's, so both channels share
 *    an interrupt; the protocol never has both ringing at once.
 * 3. A releases it; both check that the id is dead and B that the window is
 *    gone from its address space (an access aborts).
 * Every message carries a sequence number and a value derived from it; the
 * receiver checks that each number arrives exactly once and in order, and
 * both sides count the doorbell interrupts: exactly one per message.
 * A also feeds the hypercalls bad arguments, which must return the right
 * error codes and leave nothing behind. C, linked to nobody, must find A and
 * B as absent as a VM id that does not exist, and no channel of theirs. */
#include "exc.h"
#include "multivm.h"
#include "printf.h"

const char guest_name[] = "ivc";

#define IVC_ID_A 41u
#define IVC_ID_B 42u
#define IVC_ID_C 43u
#define NO_VM_ID 999u

#define CFG_GPA 0x10000000ul /* the configured channel, in both VMs */
#define CFG_IRQ_A 40u        /* its doorbell in A */
#define CFG_IRQ_B 41u        /* and in B */
#define RT_GPA_A 0x10010000ul
#define RT_GPA_B 0x10020000ul
#define RT_SIZE 0x2000ul
#define RT_IRQ_A CFG_IRQ_A /* the only doorbells declared for the pair */
#define RT_IRQ_B CFG_IRQ_B
#define UNDECLARED_IRQ 42u

#define ROUNDS 2000u
#define WAIT_MS 5000u

/* Mailboxes in a channel's first page: each word has one writer. */
#define M_AB_SEQ 0x00   /* A -> B: last message's sequence number */
#define M_AB_VAL 0x08
#define M_BA_SEQ 0x40   /* B -> A */
#define M_BA_VAL 0x48
#define M_RT_ID 0x80    /* A -> B (configured channel): run-time channel id + 1 */
#define M_RELEASED 0x88 /* A -> B (configured channel): the run-time channel is gone */
#define M_B_DONE 0x90   /* B -> A: B's failure count + 1 when finished */
#define M_READY_B 0xC0  /* B -> A: B's GIC is set up */

static uint64_t val_ab(uint64_t seq) { return seq * 0x9E3779B97F4A7C15ull ^ 0xA5A5u; }
static uint64_t val_ba(uint64_t seq) { return ~seq * 0xC2B2AE3D27D4EB4Full ^ 0x5A5Au; }

struct link {
    uint64_t page;      /* this side's view of the channel */
    uint64_t id;        /* channel id */
    unsigned my_irq;    /* doorbell raised here by the peer */
    unsigned bells;     /* doorbells received on my_irq */
    unsigned other;     /* other interrupts while waiting */
};

/* Wait for the doorbell of `l`; false on timeout. */
static bool wait_bell(struct link *l)
{
    for (;;) {
        uint32_t id = mv_wait_irq(WAIT_MS);
        if (id == l->my_irq) {
            l->bells++;
            return true;
        }
        if (id == TIMER_VIRT_INTID)
            return false;
        l->other++;
    }
}

static int64_t ring(const struct link *l)
{
    return mv_hc(AXVM_HC_IVC_DOORBELL, l->id, 0, 0, 0, 0, 0);
}

/* The sending side: ROUNDS messages out on `out_seq`, each answered. */
static void send_side(const char *name, struct link *l, unsigned out_seq, unsigned out_val, unsigned in_seq,
                      unsigned in_val, uint64_t (*vout)(uint64_t), uint64_t (*vin)(uint64_t))
{
    unsigned bad = 0, lost = 0, ring_err = 0;
    uint64_t t0 = time_ns();
    char what[64];
    for (uint64_t seq = 1; seq <= ROUNDS; seq++) {
        mv_write64(l->page + out_val, vout(seq));
        mv_write64(l->page + out_seq, seq);
        if (ring(l) != 0)
            ring_err++;
        if (!wait_bell(l)) {
            lost++;
            g_snprintf(what, sizeof(what), "%s.send", name);
            test_fail(what, "no answer to message %lu within %u ms", seq, WAIT_MS);
            break;
        }
        uint64_t got = mv_read64(l->page + in_seq), v = mv_read64(l->page + in_val);
        if (got != seq || v != vin(seq)) {
            if (bad++ < 3)
                test_note("%s: answer %lu (value %#lx) to message %lu", name, got, v, seq);
        }
    }
    uint64_t us = (time_ns() - t0) / 1000u;
    g_snprintf(what, sizeof(what), "%s.round-trips", name);
    test_check(what, !bad && !lost && !ring_err && l->bells == ROUNDS, "%u bad answers, %u lost, %u doorbell errors, %u doorbells for %u messages",
               bad, lost, ring_err, l->bells, ROUNDS);
    test_note("%s: %u round trips in %lu ms (%lu us each)", name, ROUNDS, us / 1000u, us / ROUNDS);
}

/* The answering side: exactly ROUNDS messages, in order, each once. */
static void answer_side(const char *name, struct link *l, unsigned in_seq, unsigned in_val, unsigned out_seq,
                        unsigned out_val, uint64_t (*vin)(uint64_t), uint64_t (*vout)(uint64_t))
{
    uint64_t expect = 1;
    unsigned dup = 0, gap = 0, bad = 0, ring_err = 0;
    char what[64];
    while (expect <= ROUNDS) {
        if (!wait_bell(l)) {
            g_snprintf(what, sizeof(what), "%s.receive", name);
            test_fail(what, "no message %lu within %u ms", expect, WAIT_MS);
            break;
        }
        uint64_t seq = mv_read64(l->page + in_seq), v = mv_read64(l->page + in_val);
        if (seq < expect) {
            dup++; /* a doorbell without a new message */
            continue;
        }
        if (seq > expect)
            gap += (unsigned)(seq - expect);
        if (v != vin(seq))
            bad++;
        mv_write64(l->page + out_val, vout(seq));
        mv_write64(l->page + out_seq, seq);
        if (ring(l) != 0)
            ring_err++;
        expect = seq + 1;
    }
    g_snprintf(what, sizeof(what), "%s.received", name);
    test_check(what, expect == ROUNDS + 1 && !dup && !gap && !bad && !ring_err && l->bells == ROUNDS,
               "up to %lu of %u: %u duplicated, %u lost, %u bad values, %u doorbell errors, %u doorbells", expect - 1,
               ROUNDS, dup, gap, bad, ring_err, l->bells);
}

static bool check_err(const char *name, int64_t got, int want)
{
    return test_check(name, got == want, "returned %ld (%s), want %d", got, got >= 0 ? "success" : "error", want);
}

/* Bad arguments (A only): each must fail with its code and leave no channel. */
static void bad_arguments(void)
{
    const uint64_t none = 0x7ffffff0u;
    check_err("bad.doorbell-unknown", mv_hc(AXVM_HC_IVC_DOORBELL, none, 0, 0, 0, 0, 0), AXVM_ENOENT);
    check_err("bad.doorbell-huge-id", mv_hc(AXVM_HC_IVC_DOORBELL, ~0ull, 0, 0, 0, 0, 0), AXVM_ENOENT);
    check_err("bad.info-unknown", mv_hc(AXVM_HC_IVC_INFO, none, 0, 0, 0, 0, 0), AXVM_ENOENT);
    check_err("bad.release-unknown", mv_hc(AXVM_HC_IVC_RELEASE, none, 0, 0, 0, 0, 0), AXVM_ENOENT);
    check_err("bad.find-nothing-there", mv_hc(AXVM_HC_IVC_FIND, 0x30000000, 0, 0, 0, 0, 0), AXVM_ENOENT);
    check_err("bad.alloc-unknown-peer", mv_hc(AXVM_HC_IVC_ALLOC, NO_VM_ID, RT_GPA_A, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B),
              AXVM_ENOENT);
    /* C exists but the configuration links A to B only */
    check_err("bad.alloc-unlinked-peer",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_C, RT_GPA_A, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_ENOENT);
    check_err("bad.alloc-unlinked-peer-bad-args",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_C, RT_GPA_A + 1, 0x40000000, 0, 1, TIMER_VIRT_INTID), AXVM_ENOENT);
    /* doorbells: only the ones declared for each end of the pair */
    check_err("bad.alloc-my-irq-undeclared",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, RT_SIZE, UNDECLARED_IRQ, RT_IRQ_B), AXVM_EINVAL);
    check_err("bad.alloc-peer-irq-undeclared",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, RT_SIZE, RT_IRQ_A, UNDECLARED_IRQ), AXVM_EINVAL);
    check_err("bad.alloc-peer-timer-ppi",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, RT_SIZE, RT_IRQ_A, TIMER_VIRT_INTID), AXVM_EINVAL);
    check_err("bad.alloc-peer-sgi", mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, RT_SIZE, RT_IRQ_A, 0),
              AXVM_EINVAL);
    check_err("bad.alloc-irqs-swapped",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, RT_SIZE, CFG_IRQ_B, CFG_IRQ_A), AXVM_EINVAL);
    check_err("bad.alloc-self", mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_A, RT_GPA_A, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B),
              AXVM_EINVAL);
    check_err("bad.alloc-over-ram", mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, 0x40000000, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B),
              AXVM_EOVERLAP);
    check_err("bad.alloc-peer-over-ram",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, 0x40001000, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EOVERLAP);
    check_err("bad.alloc-over-gicd", mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, GICD_BASE, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B),
              AXVM_EOVERLAP);
    check_err("bad.alloc-peer-over-gicd",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, GICD_BASE, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EOVERLAP);
    check_err("bad.alloc-peer-over-gicr",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, 0x080A0000, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EOVERLAP);
    check_err("bad.alloc-peer-over-uart",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, 0x09000000, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EOVERLAP);
    check_err("bad.alloc-peer-over-testdev",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, 0x0B000000, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EOVERLAP);
    check_err("bad.alloc-peer-over-channel",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, CFG_GPA, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EOVERLAP);
    check_err("bad.alloc-over-channel", mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, CFG_GPA, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B),
              AXVM_EOVERLAP);
    check_err("bad.alloc-misaligned",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A + 0x10, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EINVAL);
    check_err("bad.alloc-outside-ipa-space",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, 1ull << 48, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_ERANGE);
    check_err("bad.alloc-size-zero", mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, 0, RT_IRQ_A, RT_IRQ_B),
              AXVM_EINVAL);
    check_err("bad.alloc-size-overflow", mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, ~0ull, RT_IRQ_A, RT_IRQ_B),
              AXVM_EINVAL);
    check_err("bad.alloc-size-too-big",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, 1ull << 30, RT_IRQ_A, RT_IRQ_B), AXVM_EINVAL);
    check_err("bad.alloc-gpa-wraps",
              mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, 0xFFFFFFFFFFFFF000ull, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EINVAL);
    check_err("bad.alloc-huge-peer-id",
              mv_hc(AXVM_HC_IVC_ALLOC, 1ull << 40, RT_GPA_A, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B), AXVM_EINVAL);
    /* none of these left a mapping behind: the window is still free */
    check_err("bad.nothing-left-behind", mv_hc(AXVM_HC_IVC_FIND, RT_GPA_A, 0, 0, 0, 0, 0), AXVM_ENOENT);
}

static bool find_cfg(struct link *l, unsigned irq)
{
    int64_t id = mv_hc(AXVM_HC_IVC_FIND, CFG_GPA, 0, 0, 0, 0, 0);
    int64_t size = id >= 0 ? mv_hc(AXVM_HC_IVC_INFO, (uint64_t)id, 0, 0, 0, 0, 0) : id;
    if (!test_check("cfg.find", id >= 0 && size == 0x1000, "IVC_FIND %ld, IVC_INFO %ld", id, size))
        return false;
    l->page = CFG_GPA;
    l->id = (uint64_t)id;
    l->my_irq = irq;
    return true;
}

static void role_a(void)
{
    struct link cfg = {0}, rt = {0};
    if (!find_cfg(&cfg, CFG_IRQ_A))
        return;
    mv_spi_enable(CFG_IRQ_A, true);
    bad_arguments();
    /* B's GIC must be ready before its first doorbell means anything. */
    uint64_t t0 = time_ns();
    while (!mv_read64(CFG_GPA + M_READY_B) && time_ns() - t0 < 10000000000ull)
        mv_sleep_ms(1, NULL);
    if (!test_check("cfg.peer-ready", mv_read64(CFG_GPA + M_READY_B) == 1, "B not ready after 10 s"))
        return;

    send_side("cfg", &cfg, M_AB_SEQ, M_AB_VAL, M_BA_SEQ, M_BA_VAL, val_ab, val_ba);

    int64_t id = mv_hc(AXVM_HC_IVC_ALLOC, IVC_ID_B, RT_GPA_A, RT_GPA_B, RT_SIZE, RT_IRQ_A, RT_IRQ_B);
    if (!test_check("rt.alloc", id >= 0, "IVC_ALLOC returned %ld", id))
        return;
    int64_t found = mv_hc(AXVM_HC_IVC_FIND, RT_GPA_A, 0, 0, 0, 0, 0);
    int64_t size = mv_hc(AXVM_HC_IVC_INFO, (uint64_t)id, 0, 0, 0, 0, 0);
    test_check("rt.find-info", found == id && size == (int64_t)RT_SIZE, "IVC_FIND %ld (id %ld), IVC_INFO %ld", found,
               id, size);
    /* the new pages are zeroed and shared: both ends start from zero */
    test_check("rt.zeroed", mv_read64(RT_GPA_A + M_AB_SEQ) == 0 && mv_read64(RT_GPA_A + RT_SIZE - 8) == 0,
               "fresh channel not zero");
    rt = (struct link){.page = RT_GPA_A, .id = (uint64_t)id, .my_irq = RT_IRQ_A};
    mv_write64(CFG_GPA + M_RT_ID, (uint64_t)id + 1);
    ring(&cfg);

    /* The other direction: B sends, A answers. */
    answer_side("rt", &rt, M_BA_SEQ, M_BA_VAL, M_AB_SEQ, M_AB_VAL, val_ba, val_ab);

    /* B reports done on the configured channel; then the run-time one goes. */
    if (!wait_bell(&cfg) || !mv_read64(CFG_GPA + M_B_DONE))
        test_fail("rt.peer-done", "B did not report the end of its run (done word %#lx)", mv_read64(CFG_GPA + M_B_DONE));
    check_err("rt.release", mv_hc(AXVM_HC_IVC_RELEASE, (uint64_t)id, 0, 0, 0, 0, 0), 0);
    check_err("rt.double-release", mv_hc(AXVM_HC_IVC_RELEASE, (uint64_t)id, 0, 0, 0, 0, 0), AXVM_ENOENT);
    check_err("rt.doorbell-after-release", ring(&rt), AXVM_ENOENT);
    check_err("rt.find-after-release", mv_hc(AXVM_HC_IVC_FIND, RT_GPA_A, 0, 0, 0, 0, 0), AXVM_ENOENT);
    mv_write64(CFG_GPA + M_RELEASED, 1);
    ring(&cfg);
    /* B's last word: its own checks of the released channel */
    if (!wait_bell(&cfg))
        test_fail("peer-result", "B did not finish");
    uint64_t b_done = mv_read64(CFG_GPA + M_B_DONE);
    test_check("peer-result", b_done == 1, "B reports %ld failures", (int64_t)b_done - 1);
    test_check("no-stray-interrupts", cfg.other == 0 && rt.other == 0, "%u / %u unexpected interrupts", cfg.other,
               rt.other);
    test_note("doorbells received: configured channel %u, run-time channel %u", cfg.bells, rt.bells);
}

static void role_b(void)
{
    struct link cfg = {0}, rt = {0};
    if (!find_cfg(&cfg, CFG_IRQ_B))
        return;
    mv_spi_enable(CFG_IRQ_B, true);
    mv_write64(CFG_GPA + M_READY_B, 1);

    answer_side("cfg", &cfg, M_AB_SEQ, M_AB_VAL, M_BA_SEQ, M_BA_VAL, val_ab, val_ba);

    /* A announces the run-time channel with one more doorbell. */
    unsigned before = cfg.bells;
    if (!wait_bell(&cfg) || !mv_read64(CFG_GPA + M_RT_ID)) {
        test_fail("rt.announced", "no run-time channel id from A (doorbells %u -> %u)", before, cfg.bells);
        return;
    }
    uint64_t id = mv_read64(CFG_GPA + M_RT_ID) - 1;
    int64_t found = mv_hc(AXVM_HC_IVC_FIND, RT_GPA_B, 0, 0, 0, 0, 0);
    int64_t size = mv_hc(AXVM_HC_IVC_INFO, id, 0, 0, 0, 0, 0);
    if (!test_check("rt.find-info", found == (int64_t)id && size == (int64_t)RT_SIZE,
                    "IVC_FIND %ld (A says %lu), IVC_INFO %ld", found, id, size))
        return;
    rt = (struct link){.page = RT_GPA_B, .id = id, .my_irq = RT_IRQ_B};

    send_side("rt", &rt, M_BA_SEQ, M_BA_VAL, M_AB_SEQ, M_AB_VAL, val_ba, val_ab);

    /* the last page of the window is the same memory in both VMs */
    test_check("rt.whole-window-shared", mv_read64(RT_GPA_B + RT_SIZE - 8) == 0, "last word not zero");
    mv_write64(CFG_GPA + M_B_DONE, 1 + test_failures());
    ring(&cfg);
    if (!wait_bell(&cfg) || mv_read64(CFG_GPA + M_RELEASED) != 1) {
        test_fail("rt.released", "A did not release the run-time channel");
    } else {
        check_err("rt.doorbell-after-release", ring(&rt), AXVM_ENOENT);
        check_err("rt.info-after-release", mv_hc(AXVM_HC_IVC_INFO, id, 0, 0, 0, 0, 0), AXVM_ENOENT);
        check_err("rt.release-by-peer-after-release", mv_hc(AXVM_HC_IVC_RELEASE, id, 0, 0, 0, 0, 0), AXVM_ENOENT);
        /* the window left B's address space: an access aborts */
        struct fault_info f;
        fault_expect();
        uint64_t v = *(volatile uint64_t *)RT_GPA_B;
        bool faulted = fault_collect(&f);
        test_check("rt.unmapped-after-release", faulted && ESR_EC(f.esr) == EC_DABT_CUR && f.far == RT_GPA_B,
                   "read %#lx, fault %d ESR %#lx FAR %#lx", v, faulted, f.esr, f.far);
    }
    test_check("no-stray-interrupts", cfg.other == 0 && rt.other == 0, "%u / %u unexpected interrupts", cfg.other,
               rt.other);
    mv_write64(CFG_GPA + M_B_DONE, 1 + test_failures());
    ring(&cfg);
}

/* C: linked to nobody. A and B answer exactly like a VM that does not exist;
 * their channels are none of its business. */
static void role_c(void)
{
    static const struct { const char *name; uint64_t peer; uint64_t my_irq, peer_irq; } reqs[] = {
        {"c.alloc-to-a", IVC_ID_A, CFG_IRQ_B, CFG_IRQ_A},
        {"c.alloc-to-b", IVC_ID_B, CFG_IRQ_A, CFG_IRQ_B},
        {"c.alloc-to-b-timer", IVC_ID_B, CFG_IRQ_A, TIMER_VIRT_INTID},
        {"c.alloc-to-nobody", NO_VM_ID, CFG_IRQ_A, CFG_IRQ_B},
    };
    for (unsigned i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
        check_err(reqs[i].name, mv_hc(AXVM_HC_IVC_ALLOC, reqs[i].peer, RT_GPA_A, RT_GPA_B, RT_SIZE, reqs[i].my_irq,
                                      reqs[i].peer_irq),
                  AXVM_ENOENT);
    check_err("c.nothing-mapped", mv_hc(AXVM_HC_IVC_FIND, RT_GPA_A, 0, 0, 0, 0, 0), AXVM_ENOENT);
    check_err("c.no-channel-at-cfg-gpa", mv_hc(AXVM_HC_IVC_FIND, CFG_GPA, 0, 0, 0, 0, 0), AXVM_ENOENT);
    /* every channel id of the first generations: none is C's */
    unsigned seen = 0;
    for (uint64_t id = 0; id < 4u * AXVM_MAX_IVC_CHANNELS; id++)
        if (mv_hc(AXVM_HC_IVC_INFO, id, 0, 0, 0, 0, 0) != AXVM_ENOENT ||
            mv_hc(AXVM_HC_IVC_DOORBELL, id, 0, 0, 0, 0, 0) != AXVM_ENOENT)
            seen++;
    test_check("c.no-foreign-channel", seen == 0, "%u channel ids answered", seen);
}

void guest_main(void)
{
    if (!test_need_axvm("run"))
        return;
    if (!test_check("gic-init", mv_gic_setup(), "no GIC"))
        return;
    uint32_t id = mv_vm_id();
    test_note("vm id %u: role %s", id, id == IVC_ID_A ? "A" : id == IVC_ID_B ? "B" : id == IVC_ID_C ? "C" : "none");
    if (id == IVC_ID_A)
        role_a();
    else if (id == IVC_ID_B)
        role_b();
    else if (id == IVC_ID_C)
        role_c();
    else
        test_fail("role", "VM id %u is none of %u, %u, %u", id, IVC_ID_A, IVC_ID_B, IVC_ID_C);
}
