/* Fuzz target: the AArch64 exit decoder (arch/aarch64/exit.c: ESR_EL2
 * syndrome -> struct axvm_exit), with the code it reaches (psci.c,
 * sysreg.c, inject.c), built hosted as they are: tests/fuzz/a64_hosted.h
 * turns their system-register reads into reads of the values the fuzzer
 * chose for ESR_EL2, FAR_EL2 and HPFAR_EL2.
 *
 * A two-vCPU VM is built by the real core; its backend here is a thin
 * stand-in for arch/aarch64/vcpu.c (which needs the hardware): vcpu_run plays
 * one guest exit per call, fuzzer-chosen (exception class biased to WFx, HVC,
 * SMC, MSR/MRS, instruction and data aborts; any ISS; IL; PSTATE; registers)
 * and hands it to a64_decode_sync; registers are read and written with the
 * AArch64 backend's rules (x0-x30, 31 = XZR); faults are injected by the real
 * a64_vcpu_inject_fault; the vGIC and the test device are attached. The core
 * then completes the exit (MMIO through the test device and the vGIC,
 * register write-back, PSCI CPU_ON/OFF, hypercalls...) through the real per-
 * pCPU loop.
 *
 * Oracle (besides ASan/UBSan), per exit, written from the Arm ARM: the exit
 * the syndrome means (MMIO read/write with address HPFAR:FAR[11:0], width
 * 1 << SAS, register SRT, 32/64-bit destination from SF, sign extension
 * from SSE, write data truncated to the width and XZR as 0; nested page
 * fault; halt), the PC stepped by 2 or 4 per IL where the instruction is
 * complete (HVC: already past), untouched registers, and every injected
 * exception (abort, UNDEFINED) taken to the right EL1 vector with ELR, SPSR,
 * ESR class and IL, FAR. PSCI calls are checked by tests/fuzz/a64_check.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "a64_check.h"
#include "a64_hosted.h"
#include "axvm/arch.h"
#include "axvm/sched.h"
#include "axvm/testdev.h"
#include "fake_arch.h"
#include "fake_hal.h"
#include "vgic.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM 0x40000000ull
#define RAM_SIZE 0x40000ull
#define GICD 0x08000000ull
#define GICR 0x080A0000ull
#define TESTDEV 0x0B000000ull
#define NVCPU 2u
#define MAX_EXITS 96u

#define EC_WFX 0x01u
#define EC_HVC64 0x16u
#define EC_SMC64 0x17u
#define EC_SYS64 0x18u
#define EC_IABT_LOW 0x20u
#define EC_DABT_LOW 0x24u
#define ESR_IL (1ull << 25)

/* ---- what the hardware would say ---------------------------------------- */

static uint64_t hw_esr, hw_far, hw_hpfar;

uint64_t fz_a64_read_sysreg(const char *name)
{
    if (!strcmp(name, "esr_el2"))
        return hw_esr;
    if (!strcmp(name, "far_el2"))
        return hw_far;
    if (!strcmp(name, "hpfar_el2"))
        return hw_hpfar;
    /* ID registers (a64_sysreg_init): every feature field at its maximum, so
     * that sanitizing has something to remove */
    return ~0ull;
}

void fz_a64_write_sysreg(const char *name, uint64_t value)
{
    (void)name;
    (void)value;
}

/* ---- the stand-in backend ------------------------------------------------ */

/* vcpu.c keeps a vCPU's EL1 registers live in hardware until someone needs
 * them; here struct a64_ctx.el1 always holds them, so there is nothing to
 * fetch. */
void a64_el1_fetch(struct a64_ctx *ctx);
void a64_el1_fetch(struct a64_ctx *ctx)
{
    (void)ctx;
}

static struct fz in;
static unsigned exits_left;

/* A load from the test device's PATTERN register that decoded to an MMIO
 * read: what the destination register must hold when the vCPU next enters,
 * if the core completed the load (PC and EL1 state as the decode left them,
 * i.e. no abort injected since). */
struct expect {
    bool on;
    unsigned reg;
    uint64_t val;
    uint64_t pc;
    uint64_t el1[A64_EL1_NREGS];
};
static struct expect expect[NVCPU];

static int h_vm_init(struct axvm_vm *vm)
{
    struct a64_vm *a = calloc(1, sizeof(*a));
    if (!a)
        return AXVM_ENOMEM;
    a->has_vgic = true;
    a->gicd_base = GICD;
    a->gicr_base = GICR;
    a->nr_spis = 64;
    vm->arch = a;
    int rc = vgic_vm_init(vm, GICD, GICR, 64);
    if (rc) {
        free(a);
        vm->arch = NULL;
    }
    return rc;
}

static void h_vm_destroy(struct axvm_vm *vm)
{
    vgic_vm_destroy(vm);
    free(vm->arch);
    vm->arch = NULL;
}

static int h_vm_reset(struct axvm_vm *vm)
{
    vgic_vm_reset(vm);
    return AXVM_OK;
}

static int h_attach(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev)
{
    switch (dev->kind) {
    case AXVM_EMU_DEBUG_EXIT:
        return axvm_testdev_attach(vm, dev->base);
    case AXVM_EMU_GIC_DIST:
    case AXVM_EMU_GIC_REDIST:
        return AXVM_OK; /* registered by vm_init */
    default:
        return AXVM_ENOTSUP;
    }
}

static struct a64_ctx *ctx_of(struct axvm_vcpu *v)
{
    return v->arch;
}

static int h_vcpu_create(struct axvm_vcpu *v)
{
    struct a64_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return AXVM_ENOMEM;
    c->vcpu = v;
    c->gic.nr_lr = 4;
    c->vmpidr = (1ull << 31) | v->id;
    v->hwid = v->id;
    v->arch = c;
    return AXVM_OK;
}

static void h_vcpu_destroy(struct axvm_vcpu *v)
{
    free(v->arch);
    v->arch = NULL;
}

static int h_vcpu_setup(struct axvm_vcpu *v, axvm_gpa_t entry, uint64_t arg, axvm_hpa_t root)
{
    (void)root;
    struct a64_ctx *c = ctx_of(v);
    memset(c->x, 0, sizeof(c->x));
    memset(c->el1, 0, sizeof(c->el1));
    c->x[0] = arg;
    c->pc = entry;
    c->pstate = 0x3c5;
    if (v->id < NVCPU)
        expect[v->id].on = false;
    return AXVM_OK;
}

/* the AArch64 backend's rules (vcpu.c): 31 is XZR in a data abort's SRT */
static int h_get_gpr(struct axvm_vcpu *v, unsigned idx, uint64_t *value)
{
    if (idx > 31)
        return AXVM_ERANGE;
    *value = idx == 31 ? 0 : ctx_of(v)->x[idx];
    return AXVM_OK;
}

static int h_set_gpr(struct axvm_vcpu *v, unsigned idx, uint64_t value)
{
    if (idx > 31)
        return AXVM_ERANGE;
    if (idx < 31)
        ctx_of(v)->x[idx] = value;
    return AXVM_OK;
}

static void h_set_return_value(struct axvm_vcpu *v, uint64_t value)
{
    ctx_of(v)->x[0] = value;
}

static int h_inject_irq(struct axvm_vcpu *v, uint32_t irq)
{
    struct axvm_vcpu *target = NULL;
    return vgic_inject(v->vm, v, irq, 0, &target);
}

static bool h_irq_pending(struct axvm_vcpu *v)
{
    return vgic_vcpu_pending(v);
}

static uint64_t pick_gpa_page(struct fz *f)
{
    switch (fz_u8(f) % 5) {
    case 0: return TESTDEV;
    case 1: return GICD + (fz_u8(f) % 16) * 0x1000ull;
    case 2: return GICR + (fz_u8(f) % 0x40) * 0x1000ull;
    case 3: return RAM + (fz_u16(f) % 0x48) * 0x1000ull;
    default: return (uint64_t)fz_u32(f) << 12;
    }
}

static uint32_t pick_iss(struct fz *f, unsigned ec)
{
    uint32_t iss = fz_u32(f) & 0x1ffffff;
    if (ec == EC_DABT_LOW && fz_u8(f) < 0xC0) {
        /* mostly the common case: valid syndrome, translation fault, no CM/S1PTW */
        iss |= 1u << 24;
        iss &= ~((1u << 8) | (1u << 7));
        iss = (iss & ~0x3fu) | (0x04u + fz_u8(f) % 4);
    }
    if (ec == EC_SYS64 && fz_u8(f) < 0x80) {
        /* ICC_SGI1R_EL1, ACTLR_EL1, the ID space, DC ISW */
        static const uint32_t sys[] = {(3u << 20) | (5u << 17) | (0u << 14) | (12u << 10) | (11u << 1),
                                       (3u << 20) | (1u << 17) | (1u << 10),
                                       (3u << 20) | (0u << 10) | (4u << 1),
                                       (1u << 20) | (2u << 17) | (7u << 10) | (6u << 1)};
        iss = (sys[fz_u8(f) % 4] & ~(0x1fu << 5 | 1u)) | (fz_u8(f) & 0x1f) << 5 | (fz_u8(f) & 1);
    }
    return iss;
}

static void check_decode(const struct a64_snap *s, struct axvm_vcpu *v, const struct axvm_exit *e)
{
    const struct a64_ctx *c = ctx_of(v);
    unsigned ec = (unsigned)(hw_esr >> 26) & 0x3f;
    uint32_t iss = (uint32_t)hw_esr & 0x1ffffff;
    uint64_t step = (hw_esr & ESR_IL) ? 4 : 2;
    FZ_CHECK((unsigned)e->reason < AXVM_EXIT_COUNT_);
    switch (ec) {
    case EC_WFX:
        FZ_CHECK(c->pc == s->pc + step);
        FZ_CHECK(e->reason == ((iss & 1) ? AXVM_EXIT_NOTHING : AXVM_EXIT_HALT));
        a64_check_regs_kept(s, c, 32);
        a64_check_el1_kept(s, c);
        return;
    case EC_HVC64:
    case EC_SMC64: {
        struct a64_snap at = *s;
        if (ec == EC_SMC64)
            at.pc += step; /* HVC: ELR is past the instruction already */
        a64_check_smccc(v, &at, c, e);
        return;
    }
    case EC_SYS64: {
        FZ_CHECK(e->reason == AXVM_EXIT_NOTHING);
        unsigned rt = (iss >> 5) & 0x1f;
        bool read = iss & 1;
        bool completed = c->pc == s->pc + step && c->pstate == s->pstate &&
                         !memcmp(c->el1, s->el1, sizeof(s->el1));
        if (!completed) {
            a64_check_injected(s, c, hw_esr, 0x00, 0x00, false, 0, s->pc); /* UNDEFINED */
            return;
        }
        a64_check_regs_kept(s, c, read ? rt : 32);
        /* ID_AA64PFR0_EL1 as the guest sees it: no EL2/EL3, no SVE, RAS,
         * MPAM, AMU; AArch64-only EL1; GIC system registers */
        if (read && rt < 31 && (iss & ~(0x1fu << 5 | 1u)) == ((3u << 20) | (4u << 1))) {
            uint64_t val = c->x[rt];
            FZ_CHECK(((val >> 8) & 0xf) == 0 && ((val >> 12) & 0xf) == 0);
            FZ_CHECK(((val >> 28) & 0xf) == 0 && ((val >> 32) & 0xf) == 0 && ((val >> 40) & 0xf) == 0);
            FZ_CHECK(((val >> 44) & 0xf) == 0 && ((val >> 4) & 0xf) == 1 && ((val >> 24) & 0xf) == 1);
        }
        return;
    }
    case EC_DABT_LOW:
    case EC_IABT_LOW: {
        uint32_t fsc = iss & 0x3f, type = fsc & 0x3c;
        bool miss = (type == 0x04 || type == 0x08 || type == 0x0c) && !(iss & (1u << 7));
        uint64_t ipa = ((hw_hpfar >> 4) << 12) | (hw_far & 0xfff);
        if (!miss) {
            FZ_CHECK(e->reason == AXVM_EXIT_NOTHING);
            if (ec == EC_IABT_LOW)
                a64_check_injected(s, c, hw_esr, 0x20, 0x21, true, hw_far, s->pc);
            else
                a64_check_injected(s, c, hw_esr, 0x24, 0x25, true, hw_far, s->pc);
            /* an injected data abort reports WnR like the access */
            if (ec == EC_DABT_LOW)
                FZ_CHECK(((c->el1[A64_ESR] >> 6) & 1) == ((iss >> 6) & 1));
            return;
        }
        a64_check_el1_kept(s, c);
        a64_check_regs_kept(s, c, 32);
        if (ec == EC_IABT_LOW) {
            FZ_CHECK(e->reason == AXVM_EXIT_NESTED_PAGE_FAULT && e->u.npf.addr == ipa &&
                     e->u.npf.access == AXVM_ACCESS_EXEC);
            FZ_CHECK(c->pc == s->pc);
            return;
        }
        bool write = iss & (1u << 6);
        if (iss & (1u << 8)) { /* cache maintenance on a device: a no-op */
            FZ_CHECK(e->reason == AXVM_EXIT_NOTHING && c->pc == s->pc + step);
            return;
        }
        if (!(iss & (1u << 24))) {
            FZ_CHECK(e->reason == AXVM_EXIT_NESTED_PAGE_FAULT && e->u.npf.addr == ipa && c->pc == s->pc);
            FZ_CHECK(e->u.npf.access == (write ? AXVM_ACCESS_WRITE : AXVM_ACCESS_READ));
            return;
        }
        unsigned width = 1u << ((iss >> 22) & 3), srt = (iss >> 16) & 0x1f;
        FZ_CHECK(c->pc == s->pc + step);
        if (write) {
            uint64_t d = srt == 31 ? 0 : s->x[srt];
            if (width < 8)
                d &= (1ull << (8 * width)) - 1;
            FZ_CHECK(e->reason == AXVM_EXIT_MMIO_WRITE && e->u.mmio_write.addr == ipa &&
                     e->u.mmio_write.width == width && e->u.mmio_write.data == d);
        } else {
            FZ_CHECK(e->reason == AXVM_EXIT_MMIO_READ && e->u.mmio_read.addr == ipa &&
                     e->u.mmio_read.width == width && e->u.mmio_read.reg == srt);
            FZ_CHECK(e->u.mmio_read.reg_width == ((iss & (1u << 15)) ? 8 : 4));
            FZ_CHECK(e->u.mmio_read.sign_extend == ((iss & (1u << 21)) != 0));
            uint64_t pat = TESTDEV + AXVM_TESTDEV_PATTERN;
            if (ipa >= pat && ipa - pat + width <= 8 && srt < 31 && v->id < NVCPU) {
                /* LDR/LDRB/LDRH/LDRSB/LDRSH/LDRSW semantics (Arm ARM C6) */
                unsigned off = (unsigned)(ipa - pat);
                uint64_t val = AXVM_TESTDEV_PATTERN_VALUE >> (8 * off);
                if (width < 8) {
                    val &= (1ull << (8 * width)) - 1;
                    if ((iss & (1u << 21)) && (val >> (8 * width - 1)))
                        val |= ~0ull << (8 * width);
                }
                if (!(iss & (1u << 15)))
                    val &= 0xffffffffull; /* a W register: the upper half is zeroed */
                struct expect *x = &expect[v->id];
                x->on = true;
                x->reg = srt;
                x->val = val;
                x->pc = c->pc;
                memcpy(x->el1, c->el1, sizeof(x->el1));
            }
        }
        return;
    }
    default:
        FZ_CHECK(e->reason == AXVM_EXIT_NOTHING);
        a64_check_injected(s, c, hw_esr, 0x00, 0x00, false, 0, s->pc);
        return;
    }
}

/* One guest exit per call, as the backend's run would produce it. */
static int h_vcpu_run(struct axvm_vcpu *v, struct axvm_exit *e)
{
    memset(e, 0, sizeof(*e));
    struct a64_ctx *c = ctx_of(v);
    struct expect *x = v->id < NVCPU ? &expect[v->id] : NULL;
    if (x && x->on) {
        if (c->pc == x->pc && !memcmp(c->el1, x->el1, sizeof(x->el1)))
            FZ_CHECK(c->x[x->reg] == x->val);
        x->on = false;
    }
    if (!exits_left || !fz_left(&in)) {
        e->reason = AXVM_EXIT_NOTHING;
        return AXVM_OK;
    }
    exits_left--;
    struct fz *f = &in;
    static const unsigned ecs[] = {EC_WFX, EC_HVC64, EC_SMC64, EC_SYS64, EC_IABT_LOW, EC_DABT_LOW, EC_DABT_LOW,
                                   EC_DABT_LOW, EC_HVC64, 0x00, 0x07, 0x15, 0x21, 0x25, 0x2f, 0x3c};
    uint8_t k = fz_u8(f);
    unsigned ec = k < 0xF0 ? ecs[k % 16] : fz_u8(f) & 0x3f;
    uint32_t iss = pick_iss(f, ec);
    bool il = fz_u8(f) < 0xE0;
    hw_esr = (uint64_t)ec << 26 | (il ? ESR_IL : 0) | iss;
    uint64_t page = pick_gpa_page(f);
    hw_hpfar = (page >> 12) << 4 | (fz_u8(f) < 0x10 ? 0xf : 0);
    uint8_t fk = fz_u8(f);
    if (fk < 0x60)
        hw_far = 0xFFFF000000000000ull | (AXVM_TESTDEV_PATTERN + fz_u8(f) % 8); /* the PATTERN bytes */
    else if (fk < 0xF0)
        hw_far = 0xFFFF000000000000ull | (fz_u16(f) & 0xfff);
    else
        hw_far = fz_u64(f);
    /* the guest's registers at the exit */
    unsigned nreg = fz_u8(f) % 4;
    for (unsigned i = 0; i < nreg; i++) {
        unsigned r = fz_u8(f) % 31;
        c->x[r] = fz_bool(f) ? fz_u64(f) : fz_u8(f);
    }
    if (ec == EC_HVC64 || ec == EC_SMC64) {
        c->x[0] = a64_pick_fid(f);
        if (fz_bool(f))
            c->x[1] = fz_u8(f) % (NVCPU + 1); /* CPU_ON / AFFINITY_INFO targets */
        if (fz_bool(f))
            c->x[2] = RAM + fz_u16(f);        /* entry points */
    }
    if (fz_u8(f) >= 0xE0)
        c->pstate = fz_u8(f) & 0x1f;          /* EL0t, EL1t, EL1h, AArch32 modes */
    if (fz_u8(f) >= 0xF0)
        c->el1[A64_VBAR] = fz_u64(f) & ~0x7ffull;
    c->esr = 0;

    struct a64_snap s;
    a64_snap_take(&s, c);
    e->guest_pc = c->pc;
    int rc = a64_decode_sync(v, c, e);
    FZ_CHECK(rc == AXVM_OK);
    check_decode(&s, v, e);
    return rc;
}

static struct axvm_arch_ops ops;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fake_hal_reset();
    fake_hal_ncpus = FAKE_HAL_MAX_CPUS;
    a64_sysreg_init();
    ops = (struct axvm_arch_ops){
        .name = "a64-fuzz",
        .pt_format = &fake_pt_format,
        .vm_init = h_vm_init,
        .vm_destroy = h_vm_destroy,
        .vm_reset = h_vm_reset,
        .vm_attach_device = h_attach,
        .vcpu_create = h_vcpu_create,
        .vcpu_destroy = h_vcpu_destroy,
        .vcpu_setup = h_vcpu_setup,
        .vcpu_run = h_vcpu_run,
        .vcpu_get_gpr = h_get_gpr,
        .vcpu_set_gpr = h_set_gpr,
        .vcpu_set_return_value = h_set_return_value,
        .error_to_guest = a64_error_to_guest,
        .vcpu_inject_irq = h_inject_irq,
        .vcpu_irq_pending = h_irq_pending,
        .vcpu_inject_fault = a64_vcpu_inject_fault,
    };
    if (axvm_init(&ops) != AXVM_OK)
        abort();
    return 0;
}

static void step_all(void)
{
    for (unsigned p = 0; p < NVCPU; p++) {
        fake_hal_cpu = p;
        (void)axvm_pcpu_step();
    }
    fake_hal_cpu = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in = (struct fz){data, size};
    exits_left = MAX_EXITS;
    memset(expect, 0, sizeof(expect));
    fake_hal_console_clear();

    struct axvm_vm_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.id = 1;
    strcpy(cfg.name, "a64");
    cfg.vcpu_count = NVCPU;
    for (unsigned i = 0; i < NVCPU; i++)
        cfg.phys_cpu[i] = i;
    cfg.mem[0] = (struct axvm_mem_config){RAM, RAM_SIZE, AXVM_MAP_RWX};
    cfg.n_mem = 1;
    cfg.devs[0] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_DEBUG_EXIT, .base = TESTDEV, .size = 0x1000};
    cfg.devs[1] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_GIC_DIST, .base = GICD, .size = 0x10000};
    cfg.devs[2] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_GIC_REDIST, .base = GICR, .size = 2 * 0x20000};
    cfg.n_devs = 3;
    cfg.entry = RAM;
    cfg.unhandled = (enum axvm_unhandled_policy)(size ? data[0] % 3 : 0);

    struct axvm_vm *vm = NULL;
    FZ_CHECK(axvm_vm_create(&cfg, &vm) == AXVM_OK);
    FZ_CHECK(axvm_vm_boot(vm) == AXVM_OK);
    for (unsigned round = 0; round < MAX_EXITS + 8 && exits_left && fz_left(&in); round++)
        step_all();
    for (unsigned round = 0; round < 8 && axvm_vm_state(vm) != AXVM_VM_STOPPED; round++) {
        enum axvm_vm_state s = axvm_vm_state(vm);
        if (s == AXVM_VM_RUNNING || s == AXVM_VM_SUSPENDED || s == AXVM_VM_LOADED)
            (void)axvm_vm_shutdown(vm);
        step_all();
    }
    FZ_CHECK(axvm_vm_state(vm) == AXVM_VM_STOPPED);
    step_all();
    FZ_CHECK(axvm_vm_destroy(vm) == AXVM_OK);
    FZ_CHECK(fake_hal_pages_outstanding() == 0);
    return 0;
}
