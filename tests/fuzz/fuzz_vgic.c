/* Fuzz target: the emulated GICv3 (arch/aarch64/vgic_*.c), built hosted.
 *
 * One VM of 1-8 vCPUs with a fuzzer-chosen number of SPIs (invalid counts
 * must be refused) and list registers. The fuzzer then interleaves:
 *   - distributor and redistributor accesses of any offset and width, from
 *     any vCPU that is not in guest mode (through the real device manager,
 *     as the run loop dispatches them);
 *   - injections (any INTID, with or without a hardware link), level changes,
 *     trapped ICC_SGI1R_EL1 writes;
 *   - entries and exits of each vCPU as the AArch64 backend performs them:
 *     vgic_flush into a simulated set of ICH_* registers, what the guest can
 *     do to them meanwhile (acknowledge, EOI, deactivate, rewrite its
 *     ICH_VMCR fields), vgic_sync; vgic_vcpu_pending; VM reset.
 * Oracle (besides ASan/UBSan): what flush loads is well formed: at most
 * nr_lr entries, each valid, Group 1, with an INTID the VM has, no INTID
 * twice, an SPI in one vCPU's LRs at a time, ICH_HCR_EL2.En set, unused LRs
 * zero; reads of the identification registers are stable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/device.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"
#include "fake_hal.h"
#include "fuzz_input.h"
#include "vgic.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GICD 0x08000000ull
#define GICR 0x080A0000ull
#define STRIDE 0x20000ull

#define LR_PENDING (1ull << 62)
#define LR_ACTIVE (1ull << 63)
#define LR_STATE (3ull << 62)
#define LR_HW (1ull << 61)
#define LR_GROUP1 (1ull << 60)
#define LR_VINTID(lr) ((uint32_t)((lr) & 0xFFFFFFFFull))
#define HCR_EN 1ull

static struct axvm_vm vm;
static struct vgic_cpu_hw hw[AXVM_MAX_VCPUS];
static bool in_guest[AXVM_MAX_VCPUS];
static unsigned nvcpu, nr_spis;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fake_hal_reset();
    fake_hal_ncpus = FAKE_HAL_MAX_CPUS;
    return 0;
}

static uint32_t pick_intid(struct fz *f)
{
    switch (fz_u8(f) % 6) {
    case 0: return fz_u8(f) % 16;                       /* SGI */
    case 1: return 16 + fz_u8(f) % 16;                  /* PPI */
    case 2: case 3: return 32 + fz_u16(f) % (nr_spis + 8); /* SPI, and just past the last */
    case 4: return 1020 + fz_u8(f) % 8;                 /* special INTIDs */
    default: return fz_u32(f);
    }
}

static uint64_t pick_addr(struct fz *f)
{
    switch (fz_u8(f) % 8) {
    case 0: case 1: case 2:
        return GICD + fz_u16(f);
    case 3:
        return GICD + (fz_u16(f) & 0x7FFC);              /* word registers */
    case 4: case 5:
        return GICR + STRIDE * (fz_u8(f) % (nvcpu + 1)) + (fz_u32(f) % 0x20000);
    case 6:
        return GICR + STRIDE * (fz_u8(f) % (nvcpu + 1)) + 0x10000 + (fz_u16(f) & 0xFFC);
    default:
        return fz_u64(f);
    }
}

/* Check what the last flush loaded for vCPU `me`. */
static void check_loaded(unsigned me)
{
    const struct vgic_cpu_hw *h = &hw[me];
    FZ_CHECK(h->used_lr <= h->nr_lr && h->used_lr <= VGIC_MAX_LRS);
    FZ_CHECK(h->hcr & HCR_EN);
    for (unsigned i = 0; i < VGIC_MAX_LRS; i++) {
        uint64_t lr = h->lr[i];
        if (i >= h->used_lr) {
            FZ_CHECK(lr == 0);
            continue;
        }
        uint32_t id = LR_VINTID(lr);
        FZ_CHECK(lr & LR_STATE);
        FZ_CHECK(lr & LR_GROUP1);
        FZ_CHECK(id < 32 + nr_spis);
        if (lr & LR_HW)
            FZ_CHECK((lr & LR_STATE) != LR_STATE); /* never pending+active with a hardware link */
        for (unsigned j = 0; j < i; j++)
            FZ_CHECK(LR_VINTID(h->lr[j]) != id);
        /* an SPI is in one vCPU's LRs at a time */
        if (id >= 32)
            for (unsigned o = 0; o < nvcpu; o++) {
                if (o == me || !in_guest[o])
                    continue;
                for (unsigned j = 0; j < hw[o].used_lr; j++)
                    FZ_CHECK(LR_VINTID(hw[o].lr[j]) != id);
            }
    }
}

/* What a guest can do to its list registers while it runs. */
static void guest_acts(struct fz *f, unsigned me)
{
    struct vgic_cpu_hw *h = &hw[me];
    unsigned n = fz_u8(f) % 4;
    for (unsigned k = 0; k < n && h->used_lr; k++) {
        unsigned i = fz_below(f, h->used_lr);
        uint64_t st = h->lr[i] & LR_STATE;
        switch (fz_u8(f) % 4) {
        case 0: /* acknowledge: pending (or pending+active) becomes active */
            if (st & LR_PENDING)
                h->lr[i] = (h->lr[i] & ~LR_STATE) | LR_ACTIVE;
            break;
        case 1: /* EOI / deactivate: active goes, a pending part stays */
            if (st & LR_ACTIVE)
                h->lr[i] &= ~LR_ACTIVE;
            break;
        case 2: /* ack + EOI in one go */
            if (st == LR_PENDING)
                h->lr[i] &= ~LR_STATE;
            break;
        default: /* the guest's own CPU interface settings */
            h->vmcr = fz_u64(f) & 0xFFFC03DFull;
            h->ap1r0 = fz_u32(f);
            break;
        }
    }
    h->elrsr = 0;
    for (unsigned i = 0; i < h->nr_lr; i++)
        if (!(h->lr[i] & LR_STATE))
            h->elrsr |= 1ull << i;
    h->misr = fz_u8(f) & 0xff;
}

static uint64_t reg_rd(unsigned me, uint64_t a, unsigned w)
{
    uint64_t v = 0;
    FZ_CHECK(axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, &vm.vcpus[me], a, w, &v) == AXVM_OK);
    return v;
}

static void reg_wr(unsigned me, uint64_t a, unsigned w, uint64_t v)
{
    FZ_CHECK(axvm_devices_write(&vm.devices, AXVM_SPACE_MMIO, &vm.vcpus[me], a, w, v) == AXVM_OK);
}

/* Read-back rules the GICv3 architecture sets for SPI registers: priority
 * keeps its implemented (high) bits, 5 here; set-enable / clear-enable act
 * on exactly the written ones; IROUTER and ICFGR read back what they took
 * (writing the read value again changes nothing). */
static void spi_readback(struct fz *f, unsigned me)
{
    if (!nr_spis)
        return;
    uint32_t spi = 32 + fz_below(f, nr_spis);
    switch (fz_u8(f) % 4) {
    case 0: {
        uint8_t b = fz_u8(f);
        reg_wr(me, GICD + 0x400 + spi, 1, b);
        FZ_CHECK(reg_rd(me, GICD + 0x400 + spi, 1) == (b & 0xF8u));
        uint64_t word = GICD + 0x400 + (spi & ~3u);
        uint32_t v = fz_u32(f);
        reg_wr(me, word, 4, v);
        FZ_CHECK(reg_rd(me, word, 4) == (v & 0xF8F8F8F8u));
        break;
    }
    case 1: {
        uint64_t off = (spi / 32) * 4;
        uint32_t m = fz_u32(f);
        uint32_t impl = 0;
        for (unsigned i = 0; i < 32; i++)
            if ((spi & ~31u) + i < 32 + nr_spis)
                impl |= 1u << i;
        reg_wr(me, GICD + 0x100 + off, 4, m);
        FZ_CHECK((reg_rd(me, GICD + 0x100 + off, 4) & m) == (m & impl));
        uint32_t c = fz_u32(f);
        reg_wr(me, GICD + 0x180 + off, 4, c);
        FZ_CHECK((reg_rd(me, GICD + 0x100 + off, 4) & c) == 0);
        FZ_CHECK(reg_rd(me, GICD + 0x180 + off, 4) == reg_rd(me, GICD + 0x100 + off, 4));
        break;
    }
    case 2: {
        uint64_t a = GICD + 0x6000 + 8ull * spi;
        reg_wr(me, a, 8, fz_u64(f));
        uint64_t r = reg_rd(me, a, 8);
        reg_wr(me, a, 8, r);
        FZ_CHECK(reg_rd(me, a, 8) == r);
        FZ_CHECK(reg_rd(me, a, 4) == (r & 0xFFFFFFFFu) && reg_rd(me, a + 4, 4) == r >> 32);
        break;
    }
    default: {
        uint64_t a = GICD + 0xC00 + (spi / 16) * 4;
        reg_wr(me, a, 4, fz_u32(f));
        uint64_t r = reg_rd(me, a, 4);
        reg_wr(me, a, 4, r);
        FZ_CHECK(reg_rd(me, a, 4) == r);
        break;
    }
    }
}

static void enter(unsigned me)
{
    vgic_flush(&vm.vcpus[me], &hw[me]);
    in_guest[me] = true;
    check_loaded(me);
}

static void leave(unsigned me)
{
    vgic_sync(&vm.vcpus[me], &hw[me]);
    in_guest[me] = false;
    hw[me].hcr = 0;
}

static unsigned out_vcpu(struct fz *f)
{
    unsigned me = fz_below(f, nvcpu);
    if (in_guest[me])
        leave(me); /* an access from the guest is an exit first */
    return me;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    nvcpu = 1 + fz_below(&f, AXVM_MAX_VCPUS);
    uint8_t sb = fz_u8(&f);
    nr_spis = sb < 0xF0 ? 32u * (sb % 9) : (unsigned)fz_u16(&f);
    unsigned nr_lr = 1 + fz_below(&f, VGIC_MAX_LRS);

    memset(&vm, 0, sizeof(vm));
    vm.in_use = true;
    vm.cfg.vcpu_count = nvcpu;
    for (unsigned i = 0; i < nvcpu; i++) {
        vm.vcpus[i].vm = &vm;
        vm.vcpus[i].id = i;
        vm.vcpus[i].pcpu = i;
        vm.vcpus[i].hwid = i; /* Aff0 = index, as the backend sets MPIDR */
        memset(&hw[i], 0, sizeof(hw[i]));
        hw[i].nr_lr = nr_lr;
        in_guest[i] = false;
    }
    axvm_devices_init(&vm.devices, AXVM_UNHANDLED_FAULT);
    int rc = vgic_vm_init(&vm, GICD, GICR, nr_spis);
    if (nr_spis % 32 || nr_spis > VGIC_MAX_SPIS) {
        FZ_CHECK(rc == AXVM_EINVAL);
        return 0;
    }
    FZ_CHECK(rc == AXVM_OK);
    uint64_t iidr = 0;
    FZ_CHECK(axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, &vm.vcpus[0], GICD + 0x8, 4, &iidr) == AXVM_OK);

    unsigned ops = 0;
    while (fz_left(&f) && ops++ < 1024) {
        switch (fz_u8(&f) % 13) {
        case 12:
            spi_readback(&f, out_vcpu(&f));
            break;
        case 0: case 1: case 2: {
            unsigned me = out_vcpu(&f);
            uint64_t a = pick_addr(&f), v = 0;
            unsigned w = fz_width(&f);
            rc = axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, &vm.vcpus[me], a, w, &v);
            FZ_CHECK(rc <= 0);
            if (rc == AXVM_OK && w < 8)
                FZ_CHECK(v >> (8 * w) == 0);
            break;
        }
        case 3: case 4: case 5: {
            unsigned me = out_vcpu(&f);
            uint64_t a = pick_addr(&f);
            unsigned w = fz_width(&f);
            uint64_t v = fz_bool(&f) ? fz_u64(&f) : (uint64_t)fz_u8(&f) << (8 * (fz_u8(&f) % 8));
            if (w < 8)
                v &= (1ull << (8 * (w & 7))) - 1;
            FZ_CHECK(axvm_devices_write(&vm.devices, AXVM_SPACE_MMIO, &vm.vcpus[me], a, w, v) <= 0);
            break;
        }
        case 6: {
            struct axvm_vcpu *target = NULL;
            unsigned me = fz_below(&f, nvcpu);
            uint32_t id = pick_intid(&f);
            uint32_t hwid = fz_u8(&f) < 0xE0 ? 0 : 16 + fz_u16(&f) % 1020;
            rc = vgic_inject(&vm, &vm.vcpus[me], id, hwid, &target);
            FZ_CHECK(rc <= 0);
            if (target)
                FZ_CHECK(target->vm == &vm && target->id < nvcpu);
            break;
        }
        case 7: {
            struct axvm_vcpu *target = NULL;
            rc = vgic_set_level(&vm, pick_intid(&f), fz_bool(&f), &target);
            FZ_CHECK(rc <= 0);
            if (target)
                FZ_CHECK(target->vm == &vm && target->id < nvcpu);
            break;
        }
        case 8: {
            unsigned me = out_vcpu(&f);
            uint64_t v = fz_bool(&f) ? fz_u64(&f)
                                     : ((uint64_t)fz_u8(&f) << 24) | ((uint64_t)fz_bool(&f) << 40) | fz_u16(&f);
            FZ_CHECK(vgic_sgi1r_write(&vm.vcpus[me], v) <= 0);
            break;
        }
        case 9: case 10: {
            unsigned me = fz_below(&f, nvcpu);
            if (!in_guest[me]) {
                enter(me);
            } else {
                guest_acts(&f, me);
                if (fz_bool(&f))
                    leave(me);
            }
            break;
        }
        default: {
            unsigned me = fz_below(&f, nvcpu);
            uint8_t k = fz_u8(&f);
            if (k < 0xF0) {
                (void)vgic_vcpu_pending(&vm.vcpus[me]);
            } else {
                /* VM reboot: every vCPU is out of the guest first */
                for (unsigned i = 0; i < nvcpu; i++)
                    if (in_guest[i])
                        leave(i);
                vgic_vm_reset(&vm);
            }
            break;
        }
        }
    }
    uint64_t iidr2 = 0;
    FZ_CHECK(axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, &vm.vcpus[0], GICD + 0x8, 4, &iidr2) == AXVM_OK);
    FZ_CHECK(iidr == iidr2);
    for (unsigned i = 0; i < nvcpu; i++)
        if (in_guest[i])
            leave(i);
    vgic_vm_destroy(&vm);
    return 0;
}
