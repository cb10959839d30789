/* Fuzz target: the SMCCC / PSCI dispatcher of the AArch64 backend
 * (arch/aarch64/psci.c, a64_handle_smccc), built hosted as it is.
 *
 * A VM of 1-8 vCPUs whose states (off, on, blocked, failed) the fuzzer
 * chooses; calls with any function id (biased to PSCI 1.1, SMCCC 1.1 and
 * axvm's hypercall range, with garbage in the upper half of x0) and any
 * arguments, through HVC and SMC conventions alike. The oracle is
 * tests/fuzz/a64_check.h, written from PSCI 1.1 / SMCCC 1.1: return values in
 * x0 (32-bit for SMC32 calls), argument masking for SMC32, the exit each
 * call becomes, and no other register, the PC or EL1 state touched. Also
 * a64_error_to_guest maps every error code to a PSCI error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "a64_check.h"
#include "fake_hal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct axvm_vm vm;
static struct a64_ctx ctx[AXVM_MAX_VCPUS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fake_hal_reset();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    memset(&vm, 0, sizeof(vm));
    vm.in_use = true;
    vm.cfg.vcpu_count = 1 + fz_below(&f, AXVM_MAX_VCPUS);
    static const int states[] = {AXVM_VCPU_FREE, AXVM_VCPU_READY, AXVM_VCPU_RUNNING, AXVM_VCPU_BLOCKED,
                                 AXVM_VCPU_INVALID, AXVM_VCPU_CREATED};
    for (unsigned i = 0; i < vm.cfg.vcpu_count; i++) {
        struct axvm_vcpu *v = &vm.vcpus[i];
        v->vm = &vm;
        v->id = i;
        /* MPIDR affinity as the backend gives it (Aff0 = index); sometimes a
         * sparse layout, as another backend could */
        v->hwid = fz_u8(&f) < 0xE0 ? i : (uint64_t)fz_u8(&f) << 8 | i;
        atomic_init(&v->state, states[fz_below(&f, 6)]);
        memset(&ctx[i], 0, sizeof(ctx[i]));
        v->arch = &ctx[i];
        ctx[i].vcpu = v;
    }

    /* error mapping: every error is some PSCI error, success is 0 */
    for (int e = 0; e > -AXVM_ERR_COUNT_ - 2; e--) {
        int64_t r = (int64_t)a64_error_to_guest(e);
        FZ_CHECK(e == 0 ? r == 0 : (r <= -1 && r >= -9));
    }

    unsigned n = 0;
    while (fz_left(&f) && n++ < 256) {
        unsigned me = fz_below(&f, vm.cfg.vcpu_count);
        struct axvm_vcpu *v = &vm.vcpus[me];
        struct a64_ctx *c = &ctx[me];
        c->x[0] = a64_pick_fid(&f);
        for (unsigned i = 1; i < 8; i++) {
            switch (fz_u8(&f) % 4) {
            case 0: c->x[i] = vm.vcpus[fz_below(&f, vm.cfg.vcpu_count)].hwid; break;  /* a real target */
            case 1: c->x[i] = fz_u8(&f); break;
            case 2: c->x[i] = (uint64_t)fz_u32(&f) << 32 | fz_u8(&f); break;        /* junk above 32 bits */
            default: c->x[i] = fz_u64(&f); break;
            }
        }
        c->pc = fz_u64(&f);
        c->pstate = fz_u8(&f) & 0x1f;
        struct a64_snap s;
        a64_snap_take(&s, c);
        struct axvm_exit e;
        memset(&e, 0xA5, sizeof(e));
        FZ_CHECK(a64_handle_smccc(v, c, &e) == AXVM_OK);
        FZ_CHECK((unsigned)e.reason < AXVM_EXIT_COUNT_);
        a64_check_smccc(v, &s, c, &e);
    }
    return 0;
}
