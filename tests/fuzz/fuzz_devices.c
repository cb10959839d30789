/* Fuzz target: the device manager (core/device.c) and the exit path around it.
 *
 * The first byte picks one of two modes.
 *
 * Manager mode: a sequence of registrations (MMIO / port / sysreg, any base,
 * size, width mask, alignment rule, ops) and accesses of any address and
 * width, straight through axvm_devices_*. A shadow list of the registered
 * ranges is the oracle: registration results (EINVAL / EOVERLAP / ENOMEM /
 * OK), the sorted non-overlapping tables, axvm_devices_find against a linear
 * search, and for every access the handler sees an offset inside its device,
 * an accepted and aligned width, and the caller a value truncated to width.
 *
 * Run-loop mode: two VMs built through the real core on the fake backend
 * (tests/unit/fake_hal.c, arch/fake/): "fz" with 1-4 vCPUs, the test device,
 * a register stub, a PL011, a 16550 on port 0x3F8 and a sysreg device, under
 * a fuzzer-chosen unhandled policy; and a one-vCPU peer for IVC. The fuzzer
 * scripts each vCPU's exits (MMIO, port and sysreg accesses, nested page
 * faults, hypercalls, WFI, PSCI-like CPU_UP/DOWN, power off / reset, IPIs,
 * backend failures and nonsense reasons), and the real per-pCPU loop
 * (axvm_pcpu_step) runs them, as the hypervisor's CPUs would. Both VMs are
 * then stopped and destroyed: nothing may crash, and no page may leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/arch.h"
#include "axvm/device.h"
#include "axvm/hypercall.h"
#include "axvm/pl011.h"
#include "axvm/sched.h"
#include "axvm/uart16550.h"
#include "axvm/vm.h"
#include "fake_arch.h"
#include "fake_hal.h"
#include "fuzz_input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fake_hal_reset();
    fake_hal_ncpus = FAKE_HAL_MAX_CPUS;
    fake_arch_reset();
    if (axvm_init(&fake_arch_ops) != AXVM_OK)
        abort();
    return 0;
}

/* ------------------------------------------------------------------ */
/* Manager mode                                                        */

#define MAX_ATTEMPTS 128

struct rec {
    enum axvm_dev_space space;
    uint64_t base, size;
    uint8_t widths;        /* as registered (0 = all) */
    bool allow_unaligned;
    int result;            /* what the handler returns */
    unsigned calls;
    uint64_t junk;         /* read value, full 64 bits */
};

static struct rec recs[MAX_ATTEMPTS];
static unsigned n_recs;
static struct axvm_devices dm;

static uint8_t eff_widths(const struct rec *r)
{
    return r->widths ? r->widths : (uint8_t)AXVM_WALL;
}

static void check_access(const struct rec *r, uint64_t off, unsigned width)
{
    FZ_CHECK(width == 1 || width == 2 || width == 4 || width == 8);
    FZ_CHECK(eff_widths(r) & width);
    if (r->space == AXVM_SPACE_SYSREG) {
        /* sysreg handlers get the full encoding, inside the device */
        FZ_CHECK(off >= r->base && off - r->base < r->size);
    } else {
        FZ_CHECK(off < r->size && width <= r->size - off);
        if (!r->allow_unaligned)
            FZ_CHECK(((r->base + off) & (width - 1)) == 0);
    }
}

static int h_read(void *ctx, struct axvm_vcpu *v, uint64_t off, unsigned width, uint64_t *value)
{
    (void)v;
    struct rec *r = ctx;
    check_access(r, off, width);
    r->calls++;
    *value = r->junk;
    return r->result;
}

static int h_write(void *ctx, struct axvm_vcpu *v, uint64_t off, unsigned width, uint64_t value)
{
    (void)v;
    struct rec *r = ctx;
    check_access(r, off, width);
    if (width < 8)
        FZ_CHECK(value >> (width * 8) == 0);
    r->calls++;
    return r->result;
}

static const struct axvm_dev_ops ops_rw = {h_read, h_write};
static const struct axvm_dev_ops ops_ro = {h_read, NULL};
static const struct axvm_dev_ops ops_wo = {NULL, h_write};
static const struct axvm_dev_ops ops_none = {NULL, NULL};

static unsigned space_count(enum axvm_dev_space s)
{
    return s == AXVM_SPACE_MMIO ? dm.n_mmio : s == AXVM_SPACE_PORT ? dm.n_port : dm.n_sysreg;
}

static const struct axvm_dev *space_tab(enum axvm_dev_space s)
{
    return s == AXVM_SPACE_MMIO ? dm.mmio : s == AXVM_SPACE_PORT ? dm.port : dm.sysreg;
}

static unsigned space_cap(enum axvm_dev_space s)
{
    return s == AXVM_SPACE_MMIO ? AXVM_MAX_MMIO_DEVS : s == AXVM_SPACE_PORT ? AXVM_MAX_PORT_DEVS
                                                                            : AXVM_MAX_SYSREG_DEVS;
}

static bool covers(uint64_t base, uint64_t size, uint64_t a)
{
    return a >= base && a - base < size;
}

/* The registered device covering `a`, by linear search over the shadow. */
static struct rec *shadow_find(enum axvm_dev_space s, uint64_t a)
{
    for (unsigned i = 0; i < n_recs; i++)
        if (recs[i].space == s && covers(recs[i].base, recs[i].size, a))
            return &recs[i];
    return NULL;
}

static void check_tables(void)
{
    for (unsigned s = 0; s < AXVM_SPACE_COUNT_; s++) {
        const struct axvm_dev *t = space_tab((enum axvm_dev_space)s);
        unsigned n = space_count((enum axvm_dev_space)s);
        FZ_CHECK(n <= space_cap((enum axvm_dev_space)s));
        for (unsigned i = 0; i < n; i++) {
            FZ_CHECK(t[i].size > 0 && t[i].base + t[i].size - 1 >= t[i].base);
            if (i > 0)
                FZ_CHECK(t[i - 1].base + (t[i - 1].size - 1) < t[i].base);
        }
    }
    FZ_CHECK(dm.n_unhandled <= AXVM_MAX_UNHANDLED);
}

/* An address near something interesting, or anywhere. */
static uint64_t pick_addr(struct fz *f, enum axvm_dev_space s)
{
    unsigned k = fz_u8(f) % 4;
    if (k < 3) {
        /* relative to a registered device: inside, just before, just after */
        unsigned n = 0;
        struct rec *c[MAX_ATTEMPTS];
        for (unsigned i = 0; i < n_recs; i++)
            if (recs[i].space == s)
                c[n++] = &recs[i];
        if (n) {
            struct rec *r = c[fz_below(f, n)];
            int16_t d = (int16_t)fz_u16(f);
            if (k == 0)
                return r->base + (uint64_t)(int64_t)d;
            if (k == 1)
                return r->base + r->size - 1 - (uint64_t)(int64_t)(d & 0xf);
            return r->base + r->size + (uint64_t)(d & 0xf);
        }
    }
    return fz_u64(f);
}

static uint64_t pick_base(struct fz *f)
{
    switch (fz_u8(f) % 4) {
    case 0:
        return (uint64_t)fz_u8(f) << 8;
    case 1:
        return UINT64_MAX - fz_u16(f);
    case 2:
        return 0x1000ull * fz_u8(f) + fz_u8(f);
    default:
        return fz_u64(f);
    }
}

static uint64_t pick_size(struct fz *f)
{
    switch (fz_u8(f) % 4) {
    case 0:
        return fz_u8(f);
    case 1:
        return 0x100ull << (fz_u8(f) % 12);
    case 2:
        return UINT64_MAX - fz_u8(f);
    default:
        return fz_u64(f);
    }
}

static void op_add(struct fz *f)
{
    if (n_recs >= MAX_ATTEMPTS)
        return;
    enum axvm_dev_space s = (enum axvm_dev_space)fz_below(f, AXVM_SPACE_COUNT_);
    struct rec *r = &recs[n_recs];
    memset(r, 0, sizeof(*r));
    r->space = s;
    r->base = pick_base(f);
    r->size = pick_size(f);
    uint8_t wb = fz_u8(f);
    r->widths = (wb & 0x80) ? (uint8_t)(wb & 0x7f) : (uint8_t)(wb & 0x0f);
    r->allow_unaligned = fz_bool(f);
    uint8_t res = fz_u8(f);
    r->result = res < 0xC0 ? AXVM_OK : res < 0xF0 ? -(int)(res % 14) - 1 : (int)(res & 0x0f);
    r->junk = fz_u64(f);
    const struct axvm_dev_ops *ops;
    switch (fz_u8(f) % 8) {
    case 0: ops = &ops_ro; break;
    case 1: ops = &ops_wo; break;
    case 2: ops = &ops_none; break;
    case 3: ops = NULL; break;
    default: ops = &ops_rw; break;
    }
    struct axvm_dev d = {.name = "fz", .base = r->base, .size = r->size, .ops = ops, .ctx = r,
                         .widths = r->widths, .allow_unaligned = r->allow_unaligned};
    unsigned before = space_count(s);

    int expect;
    bool overlap = false;
    bool bad = !ops || (!ops->read && !ops->write) || r->size == 0 || r->base + r->size - 1 < r->base ||
               (r->widths & ~AXVM_WALL);
    if (!bad) {
        for (unsigned i = 0; i < n_recs; i++) {
            const struct rec *o = &recs[i];
            if (o->space == s && r->base <= o->base + (o->size - 1) &&
                o->base <= r->base + (r->size - 1))
                overlap = true;
        }
    }
    expect = bad ? AXVM_EINVAL : overlap ? AXVM_EOVERLAP : before >= space_cap(s) ? AXVM_ENOMEM : AXVM_OK;

    int rc = s == AXVM_SPACE_MMIO ? axvm_devices_add_mmio(&dm, &d)
           : s == AXVM_SPACE_PORT ? axvm_devices_add_port(&dm, &d)
                                  : axvm_devices_add_sysreg(&dm, &d);
    if (overlap && before >= space_cap(s))
        FZ_CHECK(rc == AXVM_EOVERLAP || rc == AXVM_ENOMEM); /* both hold: either may be reported */
    else
        FZ_CHECK(rc == expect);
    if (rc == AXVM_OK) {
        FZ_CHECK(space_count(s) == before + 1);
        n_recs++;
    } else {
        FZ_CHECK(space_count(s) == before);
    }
    check_tables();
}

static void op_access(struct fz *f, bool write)
{
    enum axvm_dev_space s = (enum axvm_dev_space)fz_below(f, AXVM_SPACE_COUNT_ + 1); /* one invalid space */
    uint64_t a = pick_addr(f, s);
    unsigned w = fz_width(f);
    uint64_t wv = fz_u64(f);
    struct rec *r = s < AXVM_SPACE_COUNT_ ? shadow_find(s, a) : NULL;
    unsigned calls = r ? r->calls : 0;
    uint64_t unhandled = dm.unhandled_total;
    uint64_t v = 0xA5A5A5A5A5A5A5A5ull;
    if (w > 0 && w < 8)
        wv &= (1ull << (w * 8)) - 1; /* the exit decoders give width-sized data */
    int rc = write ? axvm_devices_write(&dm, s, NULL, a, w, wv) : axvm_devices_read(&dm, s, NULL, a, w, &v);

    FZ_CHECK(rc <= 0 && rc > -AXVM_ERR_COUNT_);
    if (s >= AXVM_SPACE_COUNT_) {
        FZ_CHECK(rc == AXVM_EINVAL);
        return;
    }
    struct axvm_dev *found = axvm_devices_find(&dm, s, a);
    FZ_CHECK((found == NULL) == (r == NULL));
    if (found)
        FZ_CHECK(found->ctx == r);
    /* an access no device takes is recorded; a handler may fail with any
     * error, AXVM_ENODEV included (a released UART), and is not */
    bool ran = r && r->calls == calls + 1;
    if (rc == AXVM_ENODEV && !ran)
        FZ_CHECK(dm.unhandled_total == unhandled + 1);
    else
        FZ_CHECK(dm.unhandled_total == unhandled);
    if (rc == AXVM_OK) {
        FZ_CHECK(r && r->calls == calls + 1 && r->result == AXVM_OK);
        if (!write)
            FZ_CHECK(v == (w == 8 ? r->junk : r->junk & ((1ull << (w * 8)) - 1)));
    } else if (ran) {
        FZ_CHECK(r->result != AXVM_OK); /* the handler ran and failed */
        FZ_CHECK(rc == (r->result < 0 ? r->result : AXVM_EIO));
    } else if (r) {
        FZ_CHECK(r->calls == calls);
    }
    check_tables();
}

static void manager_mode(struct fz *f)
{
    n_recs = 0;
    axvm_devices_init(&dm, (enum axvm_unhandled_policy)fz_below(f, 3));
    unsigned ops = 0;
    while (fz_left(f) && ops++ < 512) {
        switch (fz_u8(f) % 4) {
        case 0: op_add(f); break;
        case 1: op_access(f, false); break;
        case 2: op_access(f, true); break;
        default:
            if (fz_bool(f))
                axvm_devices_report(&dm);
            fake_hal_console_clear();
            break;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Run-loop mode                                                       */

#define RAM 0x40000000ull
#define RAM_SIZE 0x40000ull
#define PEER_RAM_SIZE 0x10000ull
#define TESTDEV 0x0B000000ull
#define STUB 0x0C000000ull
#define PL011 0x09000000ull
#define COM1 0x3F8u
#define SYSREG_BASE 0x30000ull
#define SYSREG_N 0x40ull
#define IVC_GPA 0x50000000ull
#define PEER_PCPU 7u
#define MAX_EXITS 160

static struct axvm_vm_config cfg_a, cfg_b;
static struct axvm_uart16550 com1;

static int sr_read(void *ctx, struct axvm_vcpu *v, uint64_t enc, unsigned width, uint64_t *value)
{
    (void)ctx, (void)v;
    FZ_CHECK(width == 8 && enc >= SYSREG_BASE && enc < SYSREG_BASE + SYSREG_N);
    *value = enc * 0x0101010101ull;
    return (enc & 7) == 7 ? AXVM_EINVAL : AXVM_OK; /* some encodings refuse */
}

static int sr_write(void *ctx, struct axvm_vcpu *v, uint64_t enc, unsigned width, uint64_t value)
{
    (void)ctx, (void)v, (void)value;
    FZ_CHECK(width == 8 && enc >= SYSREG_BASE && enc < SYSREG_BASE + SYSREG_N);
    return (enc & 7) == 6 ? AXVM_ENOTSUP : AXVM_OK;
}

static const struct axvm_dev_ops sr_ops = {sr_read, sr_write};

static void uart_tx(void *ctx, uint8_t c)
{
    axvm_vm_console_putc(ctx, (char)c);
}

static void pl011_irq(void *arg, bool level)
{
    struct axvm_vm *vm = arg;
    if (level)
        (void)axvm_vm_inject_irq(vm, 1, 33);
}

static const struct axvm_pl011_ops pl011_ops = {.set_irq = pl011_irq, .tx = uart_tx};

static void base_config(struct axvm_vm_config *c, uint32_t id, const char *name, unsigned nvcpu,
                        unsigned first_pcpu, uint64_t ram)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    strncpy(c->name, name, sizeof(c->name) - 1);
    c->vcpu_count = nvcpu;
    for (unsigned i = 0; i < nvcpu; i++)
        c->phys_cpu[i] = first_pcpu + i;
    c->mem[0] = (struct axvm_mem_config){RAM, ram, AXVM_MAP_RWX};
    c->n_mem = 1;
    c->devs[0] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_DEBUG_EXIT, .base = TESTDEV, .size = 0x1000};
    c->n_devs = 1;
    c->entry = RAM;
}

/* Idling lets time pass: timers that come due fire on this pCPU, as the
 * host's timer interrupt would make them. */
static void idle_hook(void)
{
    fake_hal_now += 250000;
    (void)fake_hal_fire_timers();
}

static uint64_t pick_gpa(struct fz *f)
{
    switch (fz_u8(f) % 10) {
    case 0: return TESTDEV + fz_u16(f) % 0x1100;
    case 1: return TESTDEV + (fz_u8(f) & 0x38);          /* the registers, aligned */
    case 2: return PL011 + fz_u16(f) % 0x1010;
    case 3: return PL011 + (fz_u8(f) & 0x4c);
    case 4: return STUB + fz_u16(f) % 0x1010;
    case 5: return RAM + fz_u32(f) % (RAM_SIZE + 0x2000);
    case 6: return IVC_GPA + fz_u16(f) % 0x3000;
    case 7: return TESTDEV - 8 + fz_u8(f) % 16;
    default: return fz_u64(f);
    }
}

/* An argument the run hook replaces with the last value a hypercall returned
 * to any vCPU: a guest uses the channel id it was given (ids carry a
 * generation, so the script cannot know them in advance). */
#define ARG_LAST_RETURN 0x1A57BEEF1A57BEEFull
static uint64_t last_return;
static unsigned seen_returns[AXVM_MAX_VCPUS + 1];

static void run_hook(struct axvm_vcpu *v, struct axvm_exit *e)
{
    struct fake_vcpu *fv = fake_vcpu(v);
    unsigned slot = v->vm->cfg.id == 1 ? v->id : AXVM_MAX_VCPUS;
    if (fv->n_ret != seen_returns[slot] && fv->n_ret > 0) {
        seen_returns[slot] = fv->n_ret;
        last_return = fv->ret[fv->n_ret - 1];
    }
    if (e->reason != AXVM_EXIT_HYPERCALL)
        return;
    for (unsigned i = 0; i < 6; i++)
        if (e->u.hypercall.args[i] == ARG_LAST_RETURN)
            e->u.hypercall.args[i] = last_return;
}

static uint64_t pick_arg(struct fz *f)
{
    switch (fz_u8(f) % 9) {
    case 7: return ARG_LAST_RETURN;
    case 0: return fz_u8(f) % 4;                           /* VM ids, channel slots */
    case 1: return IVC_GPA + 0x1000ull * (fz_u8(f) % 4);   /* free guest-physical space */
    case 2: return RAM + 0x1000ull * (fz_u8(f) % 0x44);    /* RAM and just past it */
    case 3: return 0x1000ull << (fz_u8(f) % 14);           /* sizes */
    case 4: return fz_u32(f);                              /* channel ids with a generation */
    case 5: return fz_u8(f);                               /* irqs, characters */
    default: return fz_u64(f);
    }
}

static void make_exit(struct fz *f, struct axvm_exit *e, unsigned nvcpu)
{
    memset(e, 0, sizeof(*e));
    e->guest_pc = fz_u16(f);
    uint8_t k = fz_u8(f) % 24;
    switch (k) {
    case 0: case 1: case 2:
        e->reason = AXVM_EXIT_MMIO_READ;
        e->u.mmio_read.addr = pick_gpa(f);
        e->u.mmio_read.width = (uint8_t)fz_width(f);
        e->u.mmio_read.reg = (uint8_t)(fz_u8(f) % 34);
        e->u.mmio_read.reg_width = (uint8_t)(fz_u8(f) % 10);
        e->u.mmio_read.sign_extend = fz_bool(f);
        break;
    case 3: case 4: case 5:
        e->reason = AXVM_EXIT_MMIO_WRITE;
        e->u.mmio_write.addr = pick_gpa(f);
        e->u.mmio_write.width = (uint8_t)fz_width(f);
        e->u.mmio_write.data = fz_bool(f) ? fz_u8(f) : fz_u64(f);
        break;
    case 6: case 7:
        e->reason = fz_bool(f) ? AXVM_EXIT_IO_READ : AXVM_EXIT_IO_WRITE;
        e->u.io.port = fz_bool(f) ? (uint16_t)(COM1 + fz_u8(f) % 10) : fz_u16(f);
        e->u.io.width = (uint8_t)fz_width(f);
        e->u.io.reg = fz_u8(f) == 0xff ? AXVM_REG_DEFERRED : (uint8_t)(fz_u8(f) % 32);
        e->u.io.data = fz_u8(f);
        break;
    case 8:
        e->reason = fz_bool(f) ? AXVM_EXIT_SYSREG_READ : AXVM_EXIT_SYSREG_WRITE;
        e->u.sysreg.addr = fz_bool(f) ? SYSREG_BASE + fz_u8(f) % (SYSREG_N + 2) : fz_u64(f);
        e->u.sysreg.reg = (uint8_t)(fz_u8(f) % 33);
        e->u.sysreg.value = fz_u64(f);
        break;
    case 9:
        e->reason = AXVM_EXIT_NESTED_PAGE_FAULT;
        e->u.npf.addr = pick_gpa(f);
        e->u.npf.access = fz_u8(f) & 0xf;
        break;
    case 10: case 11: case 12:
        e->reason = AXVM_EXIT_HYPERCALL;
        e->u.hypercall.nr = fz_u8(f) < 0xf0 ? fz_u8(f) % (AXVM_HC_COUNT_ + 1) : fz_u64(f);
        for (unsigned i = 0; i < 6; i++)
            e->u.hypercall.args[i] = pick_arg(f);
        break;
    case 13:
        e->reason = AXVM_EXIT_HALT;
        break;
    case 14:
        e->reason = AXVM_EXIT_CPU_UP;
        e->u.cpu_up.target = fz_u8(f) < 0xf0 ? fz_u8(f) % (nvcpu + 1) : fz_u64(f);
        e->u.cpu_up.entry = pick_arg(f);
        e->u.cpu_up.arg = fz_u64(f);
        break;
    case 15:
        e->reason = AXVM_EXIT_CPU_DOWN;
        e->u.cpu_down.state = fz_u64(f);
        break;
    case 16:
        e->reason = fz_u8(f) < 0xc0 ? AXVM_EXIT_NOTHING : AXVM_EXIT_SYSTEM_DOWN;
        break;
    case 17:
        e->reason = fz_u8(f) < 0xc0 ? AXVM_EXIT_EXTERNAL_INTERRUPT : AXVM_EXIT_SYSTEM_RESET;
        break;
    case 18: case 19:
        e->reason = AXVM_EXIT_SEND_IPI;
        e->u.ipi.dest = (enum axvm_ipi_dest)(fz_u8(f) % 4);
        e->u.ipi.targets = fz_bool(f) ? fz_u8(f) : fz_u64(f);
        e->u.ipi.vector = fz_u16(f);
        break;
    case 20:
        e->reason = fz_u8(f) < 0x80 ? AXVM_EXIT_FAIL_ENTRY : (enum axvm_exit_reason)fz_u8(f);
        e->u.fail_entry.hw_reason = fz_u64(f);
        break;
    case 21:
        /* a well-formed channel request (the peer is VM 2, or VM 1 for the peer) */
        e->reason = AXVM_EXIT_HYPERCALL;
        e->u.hypercall.nr = AXVM_HC_IVC_ALLOC;
        e->u.hypercall.args[0] = 1 + fz_u8(f) % 2;
        e->u.hypercall.args[1] = IVC_GPA + 0x1000ull * (fz_u8(f) % 4);
        e->u.hypercall.args[2] = IVC_GPA + 0x1000ull * (fz_u8(f) % 4);
        e->u.hypercall.args[3] = 0x1000ull * (1 + fz_u8(f) % 3);
        e->u.hypercall.args[4] = 32 + fz_u8(f) % 8;
        e->u.hypercall.args[5] = 32 + fz_u8(f) % 8;
        break;
    case 22:
        /* use the channel id the last call returned */
        e->reason = AXVM_EXIT_HYPERCALL;
        e->u.hypercall.nr = AXVM_HC_IVC_RELEASE + fz_u8(f) % 3; /* RELEASE, DOORBELL, INFO */
        e->u.hypercall.args[0] = ARG_LAST_RETURN;
        break;
    default:
        e->reason = AXVM_EXIT_NOTHING;
        break;
    }
}

static void step_all(unsigned nvcpu)
{
    for (unsigned p = 0; p < nvcpu; p++) {
        fake_hal_cpu = p;
        (void)axvm_pcpu_step();
    }
    fake_hal_cpu = PEER_PCPU;
    (void)axvm_pcpu_step();
    fake_hal_cpu = 0;
}

/* Stop a VM however it is (running, rebooting, stopped by its guest), let
 * its pCPUs park and unbind its vCPUs, and destroy it. */
static void teardown(struct axvm_vm *vm, unsigned nvcpu)
{
    for (unsigned round = 0; round < 8 && axvm_vm_state(vm) != AXVM_VM_STOPPED; round++) {
        enum axvm_vm_state s = axvm_vm_state(vm);
        if (s == AXVM_VM_RUNNING || s == AXVM_VM_SUSPENDED || s == AXVM_VM_LOADED)
            (void)axvm_vm_shutdown(vm);
        step_all(nvcpu);
    }
    FZ_CHECK(axvm_vm_state(vm) == AXVM_VM_STOPPED || axvm_vm_state(vm) == AXVM_VM_LOADED);
    step_all(nvcpu); /* a STOPPED VM's pCPUs unbind */
}

static void run_mode(struct fz *f)
{
    unsigned nvcpu = 1 + fz_below(f, 4);
    base_config(&cfg_a, 1, "fz", nvcpu, 0, RAM_SIZE);
    cfg_a.unhandled = (enum axvm_unhandled_policy)fz_below(f, 3);
    cfg_a.devs[1] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_RTC, .base = STUB, .size = 0x1000};
    cfg_a.n_devs = 2;
    base_config(&cfg_b, 2, "peer", 1, PEER_PCPU, PEER_RAM_SIZE);

    last_return = 0;
    memset(seen_returns, 0, sizeof(seen_returns));
    fake_run_hook = run_hook;
    fake_hal_idle_hook = idle_hook;

    struct axvm_vm *a = NULL, *b = NULL;
    FZ_CHECK(axvm_vm_create(&cfg_a, &a) == AXVM_OK);
    FZ_CHECK(axvm_vm_create(&cfg_b, &b) == AXVM_OK);
    struct axvm_pl011 *uart = NULL;
    FZ_CHECK(axvm_pl011_attach(a, PL011, &pl011_ops, a, &uart) == AXVM_OK);
    axvm_uart16550_init(&com1, uart_tx, a, NULL, NULL);
    struct axvm_dev com = {.name = "com1", .base = COM1, .size = 8, .ops = &axvm_uart16550_ops, .ctx = &com1,
                           .widths = AXVM_W1};
    FZ_CHECK(axvm_devices_add_port(&a->devices, &com) == AXVM_OK);
    struct axvm_dev sr = {.name = "sysregs", .base = SYSREG_BASE, .size = SYSREG_N, .ops = &sr_ops};
    FZ_CHECK(axvm_devices_add_sysreg(&a->devices, &sr) == AXVM_OK);
    FZ_CHECK(axvm_vm_boot(a) == AXVM_OK);
    FZ_CHECK(axvm_vm_boot(b) == AXVM_OK);

    /* the script: exits for any vCPU of either VM (index nvcpu is the peer's) */
    unsigned n = 0;
    while (fz_left(f) && n++ < MAX_EXITS) {
        unsigned who = fz_below(f, nvcpu + 1);
        struct axvm_vcpu *v = who < nvcpu ? &a->vcpus[who] : &b->vcpus[0];
        uint8_t kind = fz_u8(f);
        if (fake_script_left(v) + fake_vcpu(v)->pos >= FAKE_SCRIPT_MAX)
            continue;
        if (kind == 0xff) {
            fake_script_error(v, fz_bool(f) ? AXVM_EIO : -(int)(fz_u8(f) % 20));
        } else if (kind >= 0xf0 && kind < 0xf8) {
            /* the guest programs its timer: a blocked vCPU wakes at the deadline */
            fake_vcpu(v)->wake_deadline = fz_u8(f) == 0xff ? UINT64_MAX : (uint64_t)fz_u8(f) * 500000;
        } else if (kind >= 0xf8) {
            /* host input between exits */
            uint8_t c = fz_u8(f);
            if (kind & 1)
                (void)axvm_pl011_push_input(uart, c);
            else
                (void)axvm_uart16550_input(&com1, &c, 1);
        } else {
            struct axvm_exit e;
            make_exit(f, &e, nvcpu);
            fake_script(v, &e);
        }
    }

    /* the per-pCPU loops, interleaved; time moves so that timers fire */
    for (unsigned round = 0; round < n + 8; round++) {
        step_all(nvcpu);
        fake_hal_now += 1000000;
        for (unsigned p = 0; p < FAKE_HAL_MAX_CPUS; p++) {
            fake_hal_cpu = p;
            (void)fake_hal_fire_timers();
        }
        fake_hal_cpu = 0;
    }

    teardown(a, nvcpu);
    teardown(b, nvcpu);
    axvm_pl011_release(uart);
    FZ_CHECK(axvm_vm_destroy(a) == AXVM_OK);
    FZ_CHECK(axvm_vm_destroy(b) == AXVM_OK);
    fake_run_hook = NULL;
    fake_hal_idle_hook = NULL;
    FZ_CHECK(axvm_vm_at(0) == NULL);
    FZ_CHECK(fake_hal_pages_outstanding() == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    fake_hal_console_clear();
    fake_hal_now = 0;
    if (fz_u8(&f) & 1)
        run_mode(&f);
    else
        manager_mode(&f);
    return 0;
}
