/* What the AArch64 exit decoder and SMCCC dispatcher must do, written from
 * the Arm ARM (exception entry, ESR_EL2 syndromes) and PSCI 1.1 / SMCCC 1.1,
 * independently of the sources in arch/aarch64/. Shared by the a64_exit and psci fuzz
 * targets (header-only). */
#ifndef AXVM_TESTS_FUZZ_A64_CHECK_H
#define AXVM_TESTS_FUZZ_A64_CHECK_H

#include <string.h>

#include "a64.h"
#include "axvm/exit.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "fuzz_input.h"

/* The guest state a decode may change. */
struct a64_snap {
    uint64_t x[31];
    uint64_t pc, pstate;
    uint64_t el1[A64_EL1_NREGS];
};

static inline void a64_snap_take(struct a64_snap *s, const struct a64_ctx *c)
{
    memcpy(s->x, c->x, sizeof(s->x));
    s->pc = c->pc;
    s->pstate = c->pstate;
    memcpy(s->el1, c->el1, sizeof(s->el1));
}

/* x[i] unchanged for every i except `except` (or none: 32). */
static inline void a64_check_regs_kept(const struct a64_snap *s, const struct a64_ctx *c, unsigned except)
{
    for (unsigned i = 0; i < 31; i++)
        if (i != except)
            FZ_CHECK(c->x[i] == s->x[i]);
}

static inline void a64_check_el1_kept(const struct a64_snap *s, const struct a64_ctx *c)
{
    FZ_CHECK(memcmp(s->el1, c->el1, sizeof(s->el1)) == 0);
}

/* Vector offset for a synchronous exception taken to EL1 from `pstate`
 * (Arm ARM D1.10.2): current EL with SP_EL0 0x000, with SP_ELx 0x200, lower
 * EL using AArch64 0x400, using AArch32 0x600. */
static inline uint64_t a64_expect_vector(uint64_t pstate, bool *from_el1)
{
    uint64_t m = pstate & 0x1f;
    *from_el1 = m == 0x4 || m == 0x5;
    if (m & 0x10)
        return 0x600;
    return m == 0x4 ? 0x000 : m == 0x5 ? 0x200 : 0x400;
}

/* An exception of class `ec` (and, for aborts, FAR = far) was injected into
 * EL1 for the instruction at `pc`; IL follows the trapped one. */
static inline void a64_check_injected(const struct a64_snap *s, const struct a64_ctx *c, uint64_t esr_el2,
                                      unsigned ec_lower, unsigned ec_current, bool check_far, uint64_t far,
                                      uint64_t pc)
{
    bool from_el1;
    uint64_t vec = a64_expect_vector(s->pstate, &from_el1);
    uint64_t esr = c->el1[A64_ESR];
    FZ_CHECK(c->pc == s->el1[A64_VBAR] + vec);
    FZ_CHECK(c->pstate == 0x3c5);                     /* EL1h, DAIF masked */
    FZ_CHECK(c->el1[A64_ELR_EL1] == pc);
    FZ_CHECK(c->el1[A64_SPSR_EL1] == s->pstate);
    FZ_CHECK((esr >> 26) == (from_el1 ? ec_current : ec_lower));
    FZ_CHECK((esr & (1ull << 25)) == (esr_el2 & (1ull << 25)));
    if (check_far)
        FZ_CHECK(c->el1[A64_FAR] == far);
    else
        FZ_CHECK(c->el1[A64_FAR] == s->el1[A64_FAR]);
    a64_check_regs_kept(s, c, 32);
}

#define A64_PSCI_VERSION 0x84000000u
#define A64_PSCI_CPU_SUSPEND_32 0x84000001u
#define A64_PSCI_CPU_SUSPEND_64 0xC4000001u
#define A64_PSCI_CPU_OFF 0x84000002u
#define A64_PSCI_CPU_ON_32 0x84000003u
#define A64_PSCI_CPU_ON_64 0xC4000003u
#define A64_PSCI_AFFINITY_INFO_32 0x84000004u
#define A64_PSCI_AFFINITY_INFO_64 0xC4000004u
#define A64_PSCI_MIGRATE_INFO_TYPE 0x84000006u
#define A64_PSCI_SYSTEM_OFF 0x84000008u
#define A64_PSCI_SYSTEM_RESET 0x84000009u
#define A64_PSCI_FEATURES 0x8400000Au
#define A64_SMCCC_VERSION 0x80000000u
#define A64_SMCCC_ARCH_FEATURES 0x80000001u

/* Function ids worth trying: every one above, axvm's, and neighbours. */
static inline uint64_t a64_pick_fid(struct fz *f)
{
    static const uint32_t fids[] = {
        A64_PSCI_VERSION, A64_PSCI_CPU_SUSPEND_32, A64_PSCI_CPU_SUSPEND_64, A64_PSCI_CPU_OFF,
        A64_PSCI_CPU_ON_32, A64_PSCI_CPU_ON_64, A64_PSCI_AFFINITY_INFO_32, A64_PSCI_AFFINITY_INFO_64,
        A64_PSCI_MIGRATE_INFO_TYPE, A64_PSCI_SYSTEM_OFF, A64_PSCI_SYSTEM_RESET, A64_PSCI_FEATURES,
        A64_SMCCC_VERSION, A64_SMCCC_ARCH_FEATURES, 0x84000005u /* MIGRATE */, 0xC4000005u,
        0x84000007u /* MIGRATE_INFO_UP_CPU */, 0x8400000Cu /* SYSTEM_SUSPEND */, 0xC400000Eu,
        0x80008000u /* ARCH_WORKAROUND_1 */, 0x80007FFFu, 0xC6000000u, 0x86000000u,
    };
    uint8_t k = fz_u8(f);
    uint64_t hi = fz_u8(f) >= 0xF0 ? (uint64_t)fz_u32(f) << 32 : 0; /* upper half must be ignored */
    if (k < 0xA0)
        return hi | fids[k % (sizeof(fids) / sizeof(fids[0]))];
    if (k < 0xE0)
        return hi | 0xC6000000u | fz_below(f, 12);                /* axvm hypercalls */
    return fz_u64(f);
}

static inline int64_t a64_affinity_expect(struct axvm_vcpu *vcpu, uint64_t target, uint64_t level)
{
    if (level != 0 || (target & ~0xff00ffffffull))
        return -2;
    struct axvm_vm *vm = vcpu->vm;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
        if (vm->vcpus[i].hwid != target)
            continue;
        enum axvm_vcpu_state st = axvm_vcpu_state(&vm->vcpus[i]);
        return st == AXVM_VCPU_CREATED || st == AXVM_VCPU_FREE || st == AXVM_VCPU_INVALID ? 1 : 0;
    }
    return -2;
}

/* Check an SMCCC call: `s` is the state at the call (pc already where it
 * returns to), `c` after the dispatcher, `e` the exit it produced. */
static inline void a64_check_smccc(struct axvm_vcpu *vcpu, const struct a64_snap *s, const struct a64_ctx *c,
                                   const struct axvm_exit *e)
{
    uint32_t fid = (uint32_t)s->x[0];
    bool smc32 = !(fid & 0x40000000u);
    uint64_t m = smc32 ? 0xffffffffull : ~0ull;
    uint64_t a1 = s->x[1] & m, a2 = s->x[2] & m, a3 = s->x[3] & m;
    FZ_CHECK(c->pc == s->pc && c->pstate == s->pstate);
    a64_check_el1_kept(s, c);
    a64_check_regs_kept(s, c, 0);

    if ((fid & 0xFFFF0000u) == 0xC6000000u) {
        FZ_CHECK(e->reason == AXVM_EXIT_HYPERCALL);
        FZ_CHECK(e->u.hypercall.nr == (fid & 0xffffu));
        for (unsigned i = 0; i < 6; i++)
            FZ_CHECK(e->u.hypercall.args[i] == s->x[1 + i]);
        return;
    }
    int64_t want = 0;
    bool kept_x0 = false;
    enum axvm_exit_reason reason = AXVM_EXIT_NOTHING;
    switch (fid) {
    case A64_PSCI_VERSION: want = 0x10001; break;           /* PSCI 1.1 */
    case A64_SMCCC_VERSION: want = 0x10001; break;          /* SMCCC 1.1 */
    case A64_SMCCC_ARCH_FEATURES: want = (uint32_t)a1 == A64_SMCCC_VERSION ? 0 : -1; break;
    case A64_PSCI_FEATURES:
        switch ((uint32_t)a1) {
        case A64_PSCI_VERSION: case A64_PSCI_CPU_SUSPEND_32: case A64_PSCI_CPU_SUSPEND_64: case A64_PSCI_CPU_OFF:
        case A64_PSCI_CPU_ON_32: case A64_PSCI_CPU_ON_64: case A64_PSCI_AFFINITY_INFO_32:
        case A64_PSCI_AFFINITY_INFO_64: case A64_PSCI_MIGRATE_INFO_TYPE: case A64_PSCI_SYSTEM_OFF:
        case A64_PSCI_SYSTEM_RESET: case A64_PSCI_FEATURES: case A64_SMCCC_VERSION:
            want = 0;
            break;
        default:
            want = -1;
            break;
        }
        break;
    case A64_PSCI_MIGRATE_INFO_TYPE: want = 2; break;       /* no Trusted OS */
    case A64_PSCI_CPU_SUSPEND_32:
    case A64_PSCI_CPU_SUSPEND_64:
        /* power_state, original format (PSCI 1.1 5.4.2): StateID 15:0,
         * StateType 16, PowerLevel 25:24, the rest reserved; this platform
         * has core and cluster levels only */
        if (((uint32_t)a1 & 0xFCFE0000u) || (((uint32_t)a1 >> 24) & 3) > 1) {
            want = -2;
        } else {
            want = 0;
            reason = AXVM_EXIT_HALT;
        }
        break;
    case A64_PSCI_CPU_OFF: want = -3; reason = AXVM_EXIT_CPU_DOWN; break;
    case A64_PSCI_CPU_ON_32:
    case A64_PSCI_CPU_ON_64:
        if (a1 & ~0xff00ffffffull) {
            want = -2;
        } else if ((a2 & 3) && a64_affinity_expect(vcpu, a1, 0) != -2) {
            want = -9; /* INVALID_ADDRESS: A64 code is 4-byte aligned */
        } else {
            reason = AXVM_EXIT_CPU_UP;
            FZ_CHECK(e->reason != AXVM_EXIT_CPU_UP ||
                     (e->u.cpu_up.target == a1 && e->u.cpu_up.entry == a2 && e->u.cpu_up.arg == a3));
        }
        break;
    case A64_PSCI_AFFINITY_INFO_32:
    case A64_PSCI_AFFINITY_INFO_64: want = a64_affinity_expect(vcpu, a1, a2); break;
    case A64_PSCI_SYSTEM_OFF: kept_x0 = true; reason = AXVM_EXIT_SYSTEM_DOWN; break;
    case A64_PSCI_SYSTEM_RESET: kept_x0 = true; reason = AXVM_EXIT_SYSTEM_RESET; break;
    default: want = -1; break;                              /* NOT_SUPPORTED */
    }
    FZ_CHECK(e->reason == reason);
    if (kept_x0)
        FZ_CHECK(c->x[0] == s->x[0]);
    else if (smc32)
        FZ_CHECK((uint32_t)c->x[0] == (uint32_t)want);
    else
        FZ_CHECK(c->x[0] == (uint64_t)want);
}

#endif
