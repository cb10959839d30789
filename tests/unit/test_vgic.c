/* Unit tests of the emulated GICv3: register behaviour through the real
 * device manager, injection and routing, SGI1R decoding, and the list
 * registers the vCPU backend would load. The ICH_LR_EL2 layout is spelled
 * out here from the architecture, independently of the model's own macros. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sched.h>

#include "vgic.h"
#include "axvm/device.h"
#include "axvm/vcpu.h"
#include "axvm/vm.h"

#define GICD 0x08000000ull
#define GICR 0x080A0000ull
#define SGI_FRAME 0x10000ull
#define STRIDE 0x20000ull

/* ICH_LR_EL2 */
#define LR_STATE(lr) ((unsigned)((lr) >> 62))
#define LR_PENDING 1u
#define LR_ACTIVE 2u
#define LR_HW(lr) (((lr) >> 61) & 1)
#define LR_GROUP(lr) (((lr) >> 60) & 1)
#define LR_PRIO(lr) ((unsigned)(((lr) >> 48) & 0xFF))
#define LR_PINTID(lr) ((unsigned)(((lr) >> 32) & 0x3FF))
#define LR_EOI(lr) (((lr) >> 41) & 1)
#define LR_VINTID(lr) ((unsigned)((lr) & 0xFFFFFFFF))
#define HCR_EN 1ull
#define HCR_UIE 2ull

static struct axvm_vm vm;

static void vm_setup(unsigned nvcpu, unsigned nr_spis)
{
    memset(&vm, 0, sizeof(vm));
    vm.in_use = true;
    vm.cfg.vcpu_count = nvcpu;
    for (unsigned i = 0; i < nvcpu; i++) {
        vm.vcpus[i].vm = &vm;
        vm.vcpus[i].id = i;
        vm.vcpus[i].pcpu = 0;
        vm.vcpus[i].hwid = i;
    }
    axvm_devices_init(&vm.devices, AXVM_UNHANDLED_FAULT);
    assert_int_equal(vgic_vm_init(&vm, GICD, GICR, nr_spis), AXVM_OK);
}

static int setup4(void **state)
{
    (void)state;
    vm_setup(4, 64);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vgic_vm_destroy(&vm);
    return 0;
}

static int acc_read(unsigned vcpu, uint64_t addr, unsigned width, uint64_t *v)
{
    return axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, &vm.vcpus[vcpu], addr, width, v);
}

static int acc_write(unsigned vcpu, uint64_t addr, unsigned width, uint64_t v)
{
    return axvm_devices_write(&vm.devices, AXVM_SPACE_MMIO, &vm.vcpus[vcpu], addr, width, v);
}

static uint64_t rd(uint64_t addr, unsigned width)
{
    uint64_t v = 0xDEADBEEFDEADBEEFull;
    assert_int_equal(acc_read(0, addr, width, &v), AXVM_OK);
    return v;
}

static void wr(uint64_t addr, unsigned width, uint64_t v)
{
    assert_int_equal(acc_write(0, addr, width, v), AXVM_OK);
}

static uint64_t gicr(unsigned vcpu, uint64_t off)
{
    return GICR + vcpu * STRIDE + off;
}

/* Distributor on, SPI `intid` enabled with `prio`, routed to vCPU `cpu`. */
static void spi_enable(uint32_t intid, uint8_t prio, unsigned cpu)
{
    wr(GICD + 0x0000, 4, 0x12); /* ARE | EnableGrp1 */
    wr(GICD + 0x0100 + intid / 32 * 4, 4, 1u << (intid % 32));
    wr(GICD + 0x0400 + intid, 1, prio);
    wr(GICD + 0x6000 + intid * 8ull, 8, cpu);
}

static void ppi_enable(unsigned cpu, uint32_t intid, uint8_t prio)
{
    wr(GICD + 0x0000, 4, 0x12);
    wr(gicr(cpu, SGI_FRAME + 0x100), 4, 1u << intid);
    wr(gicr(cpu, SGI_FRAME + 0x400 + intid), 1, prio);
}

/* ICH_VMCR_EL2 of a guest that enabled Group 1 with PMR 0xFF */
#define VMCR_OPEN ((0xFFull << 24) | 2)

static void hw_init(struct vgic_cpu_hw *hw, unsigned nr_lr)
{
    memset(hw, 0, sizeof(*hw));
    hw->nr_lr = nr_lr;
    hw->vmcr = VMCR_OPEN;
}

/* What a guest does with an LR: acknowledge (pending -> active), EOI with
 * EOImode 0 (active -> invalid). */
static void guest_ack(struct vgic_cpu_hw *hw, unsigned i)
{
    assert_int_equal(LR_STATE(hw->lr[i]), LR_PENDING);
    hw->lr[i] = (hw->lr[i] & ~(3ull << 62)) | (uint64_t)LR_ACTIVE << 62;
}

static void guest_eoi(struct vgic_cpu_hw *hw, unsigned i)
{
    hw->lr[i] &= ~(3ull << 62);
}

static bool kicked(unsigned i)
{
    return atomic_exchange(&vm.vcpus[i].kick, false);
}

static void clear_kicks(void)
{
    for (unsigned i = 0; i < AXVM_MAX_VCPUS; i++)
        atomic_store(&vm.vcpus[i].kick, false);
}

/* ---- registers after reset ---- */

static void test_dist_reset_registers(void **state)
{
    (void)state;
    /* 64 SPIs: 96 INTIDs -> ITLinesNumber 2; IDbits 9 (10 bits); no LPIs/MBIS */
    assert_int_equal(rd(GICD + 0x0004, 4), 2u | (9u << 19));
    uint64_t iidr = rd(GICD + 0x0008, 4);
    assert_int_equal(iidr & 0xFFF, 0x43B);
    assert_int_not_equal(iidr, 0);
    assert_int_equal(rd(GICD + 0x000C, 4), 0); /* TYPER2 */
    assert_int_equal((rd(GICD + 0xFFE8, 4) >> 4) & 0xF, 3); /* PIDR2.ArchRev */
    /* ARE forced on (and DS), enables off, RWP 0 */
    assert_int_equal(rd(GICD + 0x0000, 4), (1u << 4) | (1u << 6));
    wr(GICD, 4, 0);
    assert_int_equal(rd(GICD, 4) & (1u << 4), 1u << 4);
    wr(GICD, 4, 0xFFFFFFFF);
    assert_int_equal(rd(GICD, 4), 0x53);
    /* IGROUPR: RAZ for the banked word, RAO for SPIs, RAZ beyond them; WI */
    assert_int_equal(rd(GICD + 0x0080, 4), 0);
    assert_int_equal(rd(GICD + 0x0084, 4), 0xFFFFFFFF);
    assert_int_equal(rd(GICD + 0x0088, 4), 0xFFFFFFFF);
    assert_int_equal(rd(GICD + 0x008C, 4), 0);
    wr(GICD + 0x0084, 4, 0);
    assert_int_equal(rd(GICD + 0x0084, 4), 0xFFFFFFFF);
    /* IGRPMODR RAZ/WI */
    wr(GICD + 0x0D04, 4, 0xFFFFFFFF);
    assert_int_equal(rd(GICD + 0x0D04, 4), 0);
    /* everything disabled, inactive, not pending, priority 0, level */
    assert_int_equal(rd(GICD + 0x0104, 4), 0);
    assert_int_equal(rd(GICD + 0x0204, 4), 0);
    assert_int_equal(rd(GICD + 0x0304, 4), 0);
    assert_int_equal(rd(GICD + 0x0420, 4), 0);
    assert_int_equal(rd(GICD + 0x0C08, 4), 0);
}

static void test_typer_nr_spis(void **state)
{
    (void)state;
    vgic_vm_destroy(&vm);
    vm_setup(1, 0);
    assert_int_equal(rd(GICD + 0x0004, 4) & 0x1F, 0);
    vgic_vm_destroy(&vm);
    vm_setup(1, 256);
    assert_int_equal(rd(GICD + 0x0004, 4) & 0x1F, 8);
    assert_int_equal(rd(GICD + 0x6000 + 287 * 8, 8), 0);
    wr(GICD + 0x6000 + 287 * 8, 8, 0);
}

static void test_redist_typer_last(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 4; i++) {
        uint64_t t = rd(gicr(i, 0x0008), 8);
        assert_int_equal(t >> 32, i);              /* Affinity: Aff0 = index */
        assert_int_equal((t >> 8) & 0xFFFF, i);    /* Processor_Number */
        assert_int_equal((t >> 4) & 1, i == 3);    /* Last */
        assert_int_equal(t & 0xF, 0);              /* no (v)LPIs, no DirectLPI */
        /* 32-bit halves */
        assert_int_equal(rd(gicr(i, 0x0008), 4), t & 0xFFFFFFFF);
        assert_int_equal(rd(gicr(i, 0x000C), 4), t >> 32);
        assert_int_equal((rd(gicr(i, 0xFFE8), 4) >> 4) & 0xF, 3);
        assert_int_equal(rd(gicr(i, 0x0004), 4), rd(GICD + 0x0008, 4));
        assert_int_equal(rd(gicr(i, 0x0000), 4), 0); /* CTLR: no LPIs, RWP 0 */
        assert_int_equal(rd(gicr(i, SGI_FRAME + 0x0080), 4), 0xFFFFFFFF); /* IGROUPR0 */
        assert_int_equal(rd(gicr(i, SGI_FRAME + 0x0C00), 4), 0xAAAAAAAA); /* SGIs edge */
    }
    /* full MPIDR affinity packing: Aff3.Aff2.Aff1.Aff0 */
    vm.vcpus[2].hwid = 0x0000004300020105ull; /* Aff3 0x43, Aff2 0x02, Aff1 0x01, Aff0 0x05 */
    assert_int_equal(rd(gicr(2, 0x0008), 8) >> 32, 0x43020105);
    /* beyond the last frame: no device */
    uint64_t v;
    assert_int_equal(acc_read(0, gicr(4, 0x0008), 8, &v), AXVM_ENODEV);
}

static void test_redist_waker(void **state)
{
    (void)state;
    /* reset: ProcessorSleep and ChildrenAsleep */
    assert_int_equal(rd(gicr(1, 0x0014), 4), 0x6);
    wr(gicr(1, 0x0014), 4, 0);
    assert_int_equal(rd(gicr(1, 0x0014), 4), 0);
    assert_int_equal(rd(gicr(0, 0x0014), 4), 0x6); /* per redistributor */
    wr(gicr(1, 0x0014), 4, 0x2);
    assert_int_equal(rd(gicr(1, 0x0014), 4), 0x6);
    wr(gicr(1, 0x0014), 4, 0x4); /* ChildrenAsleep is read-only */
    assert_int_equal(rd(gicr(1, 0x0014), 4), 0);
}

/* ---- set/clear semantics ---- */

static void test_enable_set_clear(void **state)
{
    (void)state;
    wr(GICD + 0x0104, 4, 0x00000011);
    wr(GICD + 0x0104, 4, 0x00000100);
    assert_int_equal(rd(GICD + 0x0104, 4), 0x111);
    assert_int_equal(rd(GICD + 0x0184, 4), 0x111); /* ICENABLER reads the same */
    wr(GICD + 0x0184, 4, 0x00000001);
    assert_int_equal(rd(GICD + 0x0104, 4), 0x110);
    wr(GICD + 0x0104, 4, 0); /* zeros do nothing */
    wr(GICD + 0x0184, 4, 0);
    assert_int_equal(rd(GICD + 0x0104, 4), 0x110);
    /* the banked word is RAZ/WI in the distributor (ARE) */
    wr(GICD + 0x0100, 4, 0xFFFFFFFF);
    assert_int_equal(rd(GICD + 0x0100, 4), 0);
    assert_int_equal(rd(gicr(0, SGI_FRAME + 0x100), 4), 0);
    /* redistributor: per vCPU */
    wr(gicr(2, SGI_FRAME + 0x100), 4, 0x08000002);
    assert_int_equal(rd(gicr(2, SGI_FRAME + 0x100), 4), 0x08000002);
    assert_int_equal(rd(gicr(1, SGI_FRAME + 0x100), 4), 0);
    wr(gicr(2, SGI_FRAME + 0x180), 4, 0x2);
    assert_int_equal(rd(gicr(2, SGI_FRAME + 0x180), 4), 0x08000000);
    /* SPIs beyond nr_spis do not exist */
    wr(GICD + 0x010C, 4, 0xFFFFFFFF);
    assert_int_equal(rd(GICD + 0x010C, 4), 0);
}

static void test_pending_set_clear(void **state)
{
    (void)state;
    wr(GICD + 0x0204, 4, 0x5);
    assert_int_equal(rd(GICD + 0x0204, 4), 0x5);
    assert_int_equal(rd(GICD + 0x0284, 4), 0x5);
    wr(GICD + 0x0284, 4, 0x1);
    assert_int_equal(rd(GICD + 0x0204, 4), 0x4);
    /* level: a high line keeps it pending through ICPENDR */
    assert_int_equal(vgic_set_level(&vm, 40, true, NULL), AXVM_OK);
    assert_int_equal(rd(GICD + 0x0204, 4), 0x104);
    wr(GICD + 0x0284, 4, 0x100);
    assert_int_equal(rd(GICD + 0x0204, 4), 0x104);
    assert_int_equal(vgic_set_level(&vm, 40, false, NULL), AXVM_OK);
    assert_int_equal(rd(GICD + 0x0204, 4), 0x4);
    /* an ISPENDR latch on a level interrupt outlives the line */
    wr(GICD + 0x0204, 4, 0x100);
    assert_int_equal(vgic_set_level(&vm, 40, true, NULL), AXVM_OK);
    assert_int_equal(vgic_set_level(&vm, 40, false, NULL), AXVM_OK);
    assert_int_equal(rd(GICD + 0x0204, 4), 0x104);
    /* edge: the rising edge latches, the falling one does not clear */
    wr(GICD + 0x0C08, 4, 2u << 2); /* ICFGR2: INTID 33 edge */
    assert_int_equal(rd(GICD + 0x0C08, 4), 2u << 2);
    assert_int_equal(vgic_set_level(&vm, 33, true, NULL), AXVM_OK);
    assert_int_equal(vgic_set_level(&vm, 33, false, NULL), AXVM_OK);
    assert_int_equal(rd(GICD + 0x0204, 4) & 0x2, 0x2);
    wr(GICD + 0x0284, 4, 0x2);
    assert_int_equal(vgic_set_level(&vm, 33, true, NULL), AXVM_OK);
    wr(GICD + 0x0284, 4, 0x2);
    assert_int_equal(vgic_set_level(&vm, 33, true, NULL), AXVM_OK); /* still high: no edge */
    assert_int_equal(rd(GICD + 0x0204, 4) & 0x2, 0);
    /* SGIs/PPIs through the redistributor */
    wr(gicr(3, SGI_FRAME + 0x200), 4, 0x80000001);
    assert_int_equal(rd(gicr(3, SGI_FRAME + 0x200), 4), 0x80000001);
    wr(gicr(3, SGI_FRAME + 0x280), 4, 0x1);
    assert_int_equal(rd(gicr(3, SGI_FRAME + 0x280), 4), 0x80000000);
}

static void test_active_set_clear(void **state)
{
    (void)state;
    wr(GICD + 0x0304, 4, 0x30);
    assert_int_equal(rd(GICD + 0x0304, 4), 0x30);
    assert_int_equal(rd(GICD + 0x0384, 4), 0x30);
    wr(GICD + 0x0384, 4, 0x10);
    assert_int_equal(rd(GICD + 0x0304, 4), 0x20);
    wr(gicr(1, SGI_FRAME + 0x300), 4, 1u << 27);
    assert_int_equal(rd(gicr(1, SGI_FRAME + 0x380), 4), 1u << 27);
    wr(gicr(1, SGI_FRAME + 0x380), 4, 1u << 27);
    assert_int_equal(rd(gicr(1, SGI_FRAME + 0x300), 4), 0);
}

static void test_priority_bytes(void **state)
{
    (void)state;
    wr(GICD + 0x0420, 4, 0xA0B0C0D0);
    assert_int_equal(rd(GICD + 0x0420, 4), 0xA0B0C0D0);
    assert_int_equal(rd(GICD + 0x0421, 1), 0xC0);
    wr(GICD + 0x0422, 1, 0x10);
    assert_int_equal(rd(GICD + 0x0420, 4), 0xA010C0D0);
    /* 5 priority bits implemented */
    wr(GICD + 0x0423, 1, 0xFF);
    assert_int_equal(rd(GICD + 0x0423, 1), 0xF8);
    /* banked part RAZ/WI in the distributor; per vCPU in the redistributor */
    wr(GICD + 0x0400, 4, 0x80808080);
    assert_int_equal(rd(GICD + 0x0400, 4), 0);
    wr(gicr(1, SGI_FRAME + 0x41B), 1, 0x40);
    assert_int_equal(rd(gicr(1, SGI_FRAME + 0x418), 4), 0x40000000);
    assert_int_equal(rd(gicr(0, SGI_FRAME + 0x418), 4), 0);
    /* beyond nr_spis */
    wr(GICD + 0x0460, 4, 0x80808080);
    assert_int_equal(rd(GICD + 0x0460, 4), 0);
}

static void test_icfgr(void **state)
{
    (void)state;
    /* SGIs: read-only edge */
    wr(gicr(0, SGI_FRAME + 0xC00), 4, 0);
    assert_int_equal(rd(gicr(0, SGI_FRAME + 0xC00), 4), 0xAAAAAAAA);
    /* PPIs configurable; Int_config bit only */
    wr(gicr(0, SGI_FRAME + 0xC04), 4, 0xFFFFFFFF);
    assert_int_equal(rd(gicr(0, SGI_FRAME + 0xC04), 4), 0xAAAAAAAA);
    assert_int_equal(rd(gicr(1, SGI_FRAME + 0xC04), 4), 0);
    wr(GICD + 0x0C0C, 4, 0x80000008);
    assert_int_equal(rd(GICD + 0x0C0C, 4), 0x80000008);
    assert_int_equal(rd(GICD + 0x0C00, 4), 0); /* banked, RAZ */
}

/* ---- routing ---- */

static void test_irouter_routing(void **state)
{
    (void)state;
    struct axvm_vcpu *t;
    spi_enable(40, 0x80, 2);
    assert_int_equal(rd(GICD + 0x6000 + 40 * 8, 8), 2);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, &t), AXVM_OK);
    assert_ptr_equal(t, &vm.vcpus[2]);

    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 0);
    vgic_flush(&vm.vcpus[2], &hw);
    assert_int_equal(hw.used_lr, 1);
    assert_int_equal(LR_VINTID(hw.lr[0]), 40);
    guest_ack(&hw, 0);
    guest_eoi(&hw, 0);
    vgic_sync(&vm.vcpus[2], &hw);

    /* 32-bit halves; unimplemented bits masked */
    wr(GICD + 0x6000 + 41 * 8, 4, 0xFFFFFFFF);
    wr(GICD + 0x6000 + 41 * 8 + 4, 4, 0xFFFFFFFF);
    assert_int_equal(rd(GICD + 0x6000 + 41 * 8, 8), 0xFF80FFFFFFull);
    assert_int_equal(rd(GICD + 0x6000 + 41 * 8 + 4, 4), 0xFF);

    /* IRM = 1: vCPU 0 */
    wr(GICD + 0x6000 + 40 * 8, 8, 1ull << 31 | 3);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, &t), AXVM_OK);
    assert_ptr_equal(t, &vm.vcpus[0]);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 1);
    guest_ack(&hw, 0);
    guest_eoi(&hw, 0);
    vgic_sync(&vm.vcpus[0], &hw);

    /* an affinity that names no vCPU: stays pending, nowhere */
    wr(GICD + 0x6000 + 40 * 8, 8, 0x100); /* Aff1 = 1 */
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, &t), AXVM_OK);
    assert_null(t);
    for (unsigned i = 0; i < 4; i++) {
        vgic_flush(&vm.vcpus[i], &hw);
        assert_int_equal(hw.used_lr, 0);
        vgic_sync(&vm.vcpus[i], &hw);
    }
    assert_true(rd(GICD + 0x0204, 4) & (1u << 8));
    /* re-routing delivers it, and kicks the new target */
    clear_kicks();
    wr(GICD + 0x6000 + 40 * 8, 8, 3);
    assert_true(kicked(3));
    assert_true(vgic_vcpu_pending(&vm.vcpus[3]));
    assert_false(vgic_vcpu_pending(&vm.vcpus[1]));
    vgic_flush(&vm.vcpus[3], &hw);
    assert_int_equal(hw.used_lr, 1);
}

static void test_active_spi_stays_on_its_vcpu(void **state)
{
    (void)state;
    struct vgic_cpu_hw a, b;
    hw_init(&a, 4);
    hw_init(&b, 4);
    wr(GICD + 0x0C08, 4, 2u << 2); /* 33 edge */
    spi_enable(33, 0x80, 0);
    assert_int_equal(vgic_set_level(&vm, 33, true, NULL), AXVM_OK);
    vgic_flush(&vm.vcpus[0], &a);
    assert_int_equal(a.used_lr, 1);
    guest_ack(&a, 0);
    /* re-routed to vCPU 1 while it sits in vCPU 0's LRs, then a new edge */
    wr(GICD + 0x6000 + 33 * 8, 8, 1);
    assert_int_equal(vgic_set_level(&vm, 33, false, NULL), AXVM_OK);
    assert_int_equal(vgic_set_level(&vm, 33, true, NULL), AXVM_OK);
    vgic_flush(&vm.vcpus[1], &b);
    assert_int_equal(b.used_lr, 0); /* not while it is in vCPU 0's LRs */
    vgic_sync(&vm.vcpus[1], &b);
    vgic_sync(&vm.vcpus[0], &a);
    /* active on vCPU 0: vCPU 0 gets it back pending+active */
    vgic_flush(&vm.vcpus[1], &b);
    assert_int_equal(b.used_lr, 0);
    vgic_sync(&vm.vcpus[1], &b);
    vgic_flush(&vm.vcpus[0], &a);
    assert_int_equal(a.used_lr, 1);
    assert_int_equal(LR_STATE(a.lr[0]), LR_PENDING | LR_ACTIVE);
    /* deactivated: the pending edge now follows the routing to vCPU 1 */
    a.lr[0] = (a.lr[0] & ~(3ull << 62)) | (uint64_t)LR_PENDING << 62;
    /* (the guest EOIs; the LR still shows the second edge pending) */
    vgic_sync(&vm.vcpus[0], &a);
    vgic_flush(&vm.vcpus[0], &a);
    assert_int_equal(a.used_lr, 0);
    vgic_flush(&vm.vcpus[1], &b);
    assert_int_equal(b.used_lr, 1);
    assert_int_equal(LR_VINTID(b.lr[0]), 33);
    assert_int_equal(LR_STATE(b.lr[0]), LR_PENDING);
}

/* ---- widths ---- */

static void test_bad_widths(void **state)
{
    (void)state;
    uint64_t v;
    /* 32-bit-only registers */
    assert_int_equal(acc_read(0, GICD + 0x0000, 1, &v), AXVM_EWIDTH);
    assert_int_equal(acc_read(0, GICD + 0x0000, 2, &v), AXVM_EWIDTH);
    assert_int_equal(acc_read(0, GICD + 0x0000, 8, &v), AXVM_EWIDTH);
    assert_int_equal(acc_write(0, GICD + 0x0104, 1, 1), AXVM_EWIDTH);
    assert_int_equal(acc_write(0, GICD + 0x0100, 8, 1), AXVM_EWIDTH);
    assert_int_equal(rd(GICD + 0x0104, 4), 0); /* nothing happened */
    assert_int_equal(acc_read(0, GICD + 0x0C00, 2, &v), AXVM_EWIDTH);
    /* byte-accessible: priorities, not IROUTER */
    assert_int_equal(acc_read(0, GICD + 0x0421, 1, &v), AXVM_OK);
    assert_int_equal(acc_read(0, GICD + 0x0420, 2, &v), AXVM_EWIDTH);
    assert_int_equal(acc_read(0, GICD + 0x0420, 8, &v), AXVM_EWIDTH);
    assert_int_equal(acc_write(0, GICD + 0x6100, 1, 1), AXVM_EWIDTH);
    assert_int_equal(acc_write(0, GICD + 0x6100, 2, 1), AXVM_EWIDTH);
    /* misaligned */
    assert_int_equal(acc_read(0, GICD + 0x6104, 8, &v), AXVM_EALIGN);
    assert_int_equal(acc_read(0, GICD + 0x0002, 4, &v), AXVM_EALIGN);
    /* redistributor */
    assert_int_equal(acc_read(0, gicr(0, 0x0008), 8, &v), AXVM_OK);
    assert_int_equal(acc_read(0, gicr(0, 0x0008), 2, &v), AXVM_EWIDTH);
    assert_int_equal(acc_read(0, gicr(0, 0x0014), 1, &v), AXVM_EWIDTH);
    assert_int_equal(acc_read(0, gicr(0, 0x0010), 8, &v), AXVM_EWIDTH);
    assert_int_equal(acc_write(0, gicr(1, SGI_FRAME + 0x0100), 8, 1), AXVM_EWIDTH);
    assert_int_equal(acc_write(0, gicr(1, SGI_FRAME + 0x0100), 1, 1), AXVM_EWIDTH);
    assert_int_equal(acc_write(0, gicr(1, SGI_FRAME + 0x0401), 1, 0x80), AXVM_OK);
    assert_int_equal(acc_write(0, gicr(1, SGI_FRAME + 0x0420), 1, 0x80), AXVM_EWIDTH);
}

static void test_reserved_raz_wi(void **state)
{
    (void)state;
    static const uint64_t dist_res[] = {0x0010, 0x0040, 0x0F00, 0x5000, 0xC000, 0xFFCC};
    for (unsigned i = 0; i < sizeof(dist_res) / sizeof(dist_res[0]); i++) {
        wr(GICD + dist_res[i], 4, 0xFFFFFFFF);
        assert_int_equal(rd(GICD + dist_res[i], 4), 0);
    }
    /* ITARGETSR is RAZ/WI with affinity routing */
    wr(GICD + 0x0820, 1, 0xFF);
    assert_int_equal(rd(GICD + 0x0820, 4), 0);
    /* LPI registers and reserved redistributor space */
    wr(gicr(0, 0x0070), 8, ~0ull);
    assert_int_equal(rd(gicr(0, 0x0070), 8), 0);
    wr(gicr(0, 0x0000), 4, 1); /* EnableLPIs */
    assert_int_equal(rd(gicr(0, 0x0000), 4), 0);
    wr(gicr(0, SGI_FRAME + 0x0D00), 4, ~0u); /* IGRPMODR0 */
    assert_int_equal(rd(gicr(0, SGI_FRAME + 0x0D00), 4), 0);
    wr(gicr(0, SGI_FRAME + 0x0104), 4, ~0u); /* ISENABLER1E: no extended PPIs */
    assert_int_equal(rd(gicr(0, SGI_FRAME + 0x0104), 4), 0);
    assert_int_equal(rd(gicr(0, SGI_FRAME + 0x0100), 4), 0);
}

/* ---- SGIs ---- */

static uint32_t sgi_pending(unsigned cpu)
{
    return (uint32_t)rd(gicr(cpu, SGI_FRAME + 0x200), 4) & 0xFFFF;
}

static void test_sgi1r_target_list(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 4; i++)
        ppi_enable(i, 3, 0x80);
    clear_kicks();
    /* INTID 3 to Aff0 1 and 3 (Aff1..3 = 0) */
    assert_int_equal(vgic_sgi1r_write(&vm.vcpus[0], 3ull << 24 | 0xA), AXVM_OK);
    assert_int_equal(sgi_pending(0), 0);
    assert_int_equal(sgi_pending(1), 1u << 3);
    assert_int_equal(sgi_pending(2), 0);
    assert_int_equal(sgi_pending(3), 1u << 3);
    assert_false(kicked(0));
    assert_true(kicked(1));
    assert_false(kicked(2));
    assert_true(kicked(3));
    /* to self */
    ppi_enable(2, 5, 0x80);
    assert_int_equal(vgic_sgi1r_write(&vm.vcpus[2], 5ull << 24 | 0x4), AXVM_OK);
    assert_int_equal(sgi_pending(2), 1u << 5);
    assert_false(kicked(2)); /* re-flushes on its own way back in */
}

static void test_sgi1r_irm_and_missing_targets(void **state)
{
    (void)state;
    /* IRM: everyone but the sender, whatever the target list says */
    assert_int_equal(vgic_sgi1r_write(&vm.vcpus[1], 1ull << 40 | 7ull << 24 | 0x2), AXVM_OK);
    assert_int_equal(sgi_pending(0), 1u << 7);
    assert_int_equal(sgi_pending(1), 0);
    assert_int_equal(sgi_pending(2), 1u << 7);
    assert_int_equal(sgi_pending(3), 1u << 7);
    wr(gicr(0, SGI_FRAME + 0x280), 4, 0xFFFF);
    wr(gicr(2, SGI_FRAME + 0x280), 4, 0xFFFF);
    wr(gicr(3, SGI_FRAME + 0x280), 4, 0xFFFF);
    /* targets that do not exist: Aff0 4..15, Aff1 = 1, Aff2, Aff3, RS = 1 */
    uint64_t none[] = {
        2ull << 24 | 0xFFF0,
        2ull << 24 | 1ull << 16 | 0xF,
        2ull << 24 | 1ull << 32 | 0xF,
        2ull << 24 | 1ull << 48 | 0xF,
        2ull << 24 | 1ull << 44 | 0xF,
        2ull << 24, /* empty list */
    };
    for (unsigned i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        assert_int_equal(vgic_sgi1r_write(&vm.vcpus[0], none[i]), AXVM_OK);
        for (unsigned c = 0; c < 4; c++)
            assert_int_equal(sgi_pending(c), 0);
    }
    /* Aff1 matching a vCPU whose MPIDR has Aff1 = 1 */
    vm.vcpus[3].hwid = 0x100;
    assert_int_equal(vgic_sgi1r_write(&vm.vcpus[0], 9ull << 24 | 1ull << 16 | 0x1), AXVM_OK);
    assert_int_equal(sgi_pending(3), 1u << 9);
    assert_int_equal(sgi_pending(0), 0);
    /* RS selects Aff0 16..31 */
    vm.vcpus[2].hwid = 0x11; /* Aff0 17 */
    assert_int_equal(vgic_sgi1r_write(&vm.vcpus[0], 4ull << 24 | 1ull << 44 | 0x2), AXVM_OK);
    assert_int_equal(sgi_pending(2), 1u << 4);
    assert_int_equal(sgi_pending(1), 0);
}

/* ---- list registers ---- */

static void test_flush_priority_order(void **state)
{
    (void)state;
    spi_enable(40, 0xA0, 0);
    spi_enable(41, 0x20, 0);
    spi_enable(42, 0x60, 0);
    ppi_enable(0, 27, 0x40);
    ppi_enable(0, 1, 0x60); /* SGI 1, same priority as 42: lower INTID first */
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, NULL), AXVM_OK);
    assert_int_equal(vgic_inject(&vm, NULL, 41, 0, NULL), AXVM_OK);
    assert_int_equal(vgic_inject(&vm, NULL, 42, 0, NULL), AXVM_OK);
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[0], 27, 0, NULL), AXVM_OK);
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[0], 1, 0, NULL), AXVM_OK);
    struct vgic_cpu_hw hw;
    hw_init(&hw, 8);
    hw.lr[7] = 0x1234; /* stale: must be cleared */
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 5);
    static const unsigned order[] = {41, 27, 1, 42, 40};
    static const unsigned prio[] = {0x20, 0x40, 0x60, 0x60, 0xA0};
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(LR_VINTID(hw.lr[i]), order[i]);
        assert_int_equal(LR_PRIO(hw.lr[i]), prio[i]);
        assert_int_equal(LR_STATE(hw.lr[i]), LR_PENDING);
        assert_int_equal(LR_GROUP(hw.lr[i]), 1);
        assert_int_equal(LR_HW(hw.lr[i]), 0);
    }
    assert_int_equal(hw.lr[7], 0);
    assert_int_equal(hw.hcr & HCR_EN, HCR_EN);
    assert_int_equal(hw.hcr & HCR_UIE, 0);
    /* exit before the guest took any: all of them are pending again */
    vgic_sync(&vm.vcpus[0], &hw);
    assert_true(vgic_vcpu_pending(&vm.vcpus[0]));
}

static void test_flush_overflow_uie(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 6; i++) {
        spi_enable(32 + i, (uint8_t)(0x80 - 8 * i), 1); /* 37 most urgent */
        assert_int_equal(vgic_inject(&vm, NULL, 32 + i, 0, NULL), AXVM_OK);
    }
    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    vgic_flush(&vm.vcpus[1], &hw);
    assert_int_equal(hw.used_lr, 4);
    assert_int_equal(hw.hcr & (HCR_EN | HCR_UIE), HCR_EN | HCR_UIE);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(LR_VINTID(hw.lr[i]), 37 - i);
    /* the guest takes and finishes three, acknowledges the fourth */
    for (unsigned i = 0; i < 3; i++) {
        guest_ack(&hw, i);
        guest_eoi(&hw, i);
    }
    guest_ack(&hw, 3);
    vgic_sync(&vm.vcpus[1], &hw);
    assert_int_equal(rd(GICD + 0x0304, 4), 1u << 2); /* 34 active */
    assert_int_equal(rd(GICD + 0x0204, 4), 0x3);     /* 32, 33 pending */
    vgic_flush(&vm.vcpus[1], &hw);
    assert_int_equal(hw.used_lr, 3);
    assert_int_equal(hw.hcr & HCR_UIE, 0);
    assert_int_equal(LR_VINTID(hw.lr[0]), 34); /* active first */
    assert_int_equal(LR_STATE(hw.lr[0]), LR_ACTIVE);
    assert_int_equal(LR_VINTID(hw.lr[1]), 33);
    assert_int_equal(LR_VINTID(hw.lr[2]), 32);
}

static void test_overflow_preempts_less_urgent(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 2; i++) {
        spi_enable(32 + i, 0x80, 0);
        assert_int_equal(vgic_inject(&vm, NULL, 32 + i, 0, NULL), AXVM_OK);
    }
    struct vgic_cpu_hw hw;
    hw_init(&hw, 2);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.hcr & HCR_UIE, 0);
    vgic_sync(&vm.vcpus[0], &hw); /* exit before the guest took any */
    spi_enable(50, 0x10, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 50, 0, NULL), AXVM_OK);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(LR_VINTID(hw.lr[0]), 50);
    assert_int_equal(LR_VINTID(hw.lr[1]), 32);
    assert_int_equal(hw.hcr & HCR_UIE, HCR_UIE);
    /* 33 was not lost */
    vgic_sync(&vm.vcpus[0], &hw);
    assert_int_equal(rd(GICD + 0x0204, 4) & 0x3, 0x3);
    /* a single LR: no underflow request (it would fire on entry) */
    hw_init(&hw, 1);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 1);
    assert_int_equal(LR_VINTID(hw.lr[0]), 50);
    assert_int_equal(hw.hcr, HCR_EN);
}

static void test_active_keeps_its_lr(void **state)
{
    (void)state;
    spi_enable(40, 0xA0, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, NULL), AXVM_OK);
    struct vgic_cpu_hw hw;
    hw_init(&hw, 2);
    vgic_flush(&vm.vcpus[0], &hw);
    guest_ack(&hw, 0);
    vgic_sync(&vm.vcpus[0], &hw);
    /* two more urgent ones arrive while the guest handles 40 */
    spi_enable(41, 0x20, 0);
    spi_enable(42, 0x30, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 41, 0, NULL), AXVM_OK);
    assert_int_equal(vgic_inject(&vm, NULL, 42, 0, NULL), AXVM_OK);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 2);
    assert_int_equal(LR_VINTID(hw.lr[0]), 40); /* deactivatable by the guest */
    assert_int_equal(LR_STATE(hw.lr[0]), LR_ACTIVE);
    assert_int_equal(LR_VINTID(hw.lr[1]), 41);
    assert_int_equal(hw.hcr & HCR_UIE, HCR_UIE);
}

static void test_sync_edge_completion(void **state)
{
    (void)state;
    ppi_enable(2, 20, 0x80);
    wr(gicr(2, SGI_FRAME + 0xC04), 4, 2u << 8); /* PPI 20 edge */
    struct axvm_vcpu *t;
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[2], 20, 0, &t), AXVM_OK);
    assert_ptr_equal(t, &vm.vcpus[2]);
    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    vgic_flush(&vm.vcpus[2], &hw);
    assert_int_equal(hw.used_lr, 1);
    assert_int_equal(LR_EOI(hw.lr[0]), 0); /* edge: no EOI maintenance */
    /* exit while still pending: pending again in the model */
    vgic_sync(&vm.vcpus[2], &hw);
    assert_int_equal(rd(gicr(2, SGI_FRAME + 0x200), 4), 1u << 20);
    vgic_flush(&vm.vcpus[2], &hw);
    guest_ack(&hw, 0);
    vgic_sync(&vm.vcpus[2], &hw);
    assert_int_equal(rd(gicr(2, SGI_FRAME + 0x200), 4), 0);
    assert_int_equal(rd(gicr(2, SGI_FRAME + 0x300), 4), 1u << 20);
    assert_false(vgic_vcpu_pending(&vm.vcpus[2]));
    /* a second edge while active: pending+active */
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[2], 20, 0, &t), AXVM_OK);
    assert_ptr_equal(t, &vm.vcpus[2]);
    vgic_flush(&vm.vcpus[2], &hw);
    assert_int_equal(LR_STATE(hw.lr[0]), LR_PENDING | LR_ACTIVE);
    /* EOI (the LR keeps the pending part), then the second is handled */
    hw.lr[0] &= ~((uint64_t)LR_ACTIVE << 62);
    vgic_sync(&vm.vcpus[2], &hw);
    vgic_flush(&vm.vcpus[2], &hw);
    assert_int_equal(LR_STATE(hw.lr[0]), LR_PENDING);
    guest_ack(&hw, 0);
    guest_eoi(&hw, 0);
    vgic_sync(&vm.vcpus[2], &hw);
    assert_int_equal(rd(gicr(2, SGI_FRAME + 0x200), 4), 0);
    assert_int_equal(rd(gicr(2, SGI_FRAME + 0x300), 4), 0);
    vgic_flush(&vm.vcpus[2], &hw);
    assert_int_equal(hw.used_lr, 0);
    assert_int_equal(hw.hcr, HCR_EN);
}

static void test_sync_level(void **state)
{
    (void)state;
    spi_enable(33, 0x80, 0);
    struct axvm_vcpu *t;
    assert_int_equal(vgic_set_level(&vm, 33, true, &t), AXVM_OK);
    assert_ptr_equal(t, &vm.vcpus[0]);
    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 1);
    assert_int_equal(LR_EOI(hw.lr[0]), 1); /* level: EOI maintenance requested */
    guest_ack(&hw, 0);
    guest_eoi(&hw, 0);
    vgic_sync(&vm.vcpus[0], &hw);
    /* the line is still high: pending again */
    assert_true(vgic_vcpu_pending(&vm.vcpus[0]));
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 1);
    assert_int_equal(LR_STATE(hw.lr[0]), LR_PENDING);
    guest_ack(&hw, 0);
    vgic_sync(&vm.vcpus[0], &hw);
    /* the device drops the line while the interrupt is active */
    assert_int_equal(vgic_set_level(&vm, 33, false, &t), AXVM_OK);
    assert_null(t);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(LR_STATE(hw.lr[0]), LR_ACTIVE);
    guest_eoi(&hw, 0);
    vgic_sync(&vm.vcpus[0], &hw);
    assert_false(vgic_vcpu_pending(&vm.vcpus[0]));
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 0);
    /* line dropped while still pending in the LR: withdrawn at the next entry */
    assert_int_equal(vgic_set_level(&vm, 33, true, NULL), AXVM_OK);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 1);
    assert_int_equal(vgic_set_level(&vm, 33, false, &t), AXVM_OK);
    assert_ptr_equal(t, &vm.vcpus[0]); /* its LR owner is told */
    vgic_sync(&vm.vcpus[0], &hw);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 0);
}

static void test_hw_linked(void **state)
{
    (void)state;
    ppi_enable(1, 27, 0x80);
    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[1], 27, 27, NULL), AXVM_OK);
    vgic_flush(&vm.vcpus[1], &hw);
    assert_int_equal(hw.used_lr, 1);
    assert_int_equal(LR_HW(hw.lr[0]), 1);
    assert_int_equal(LR_PINTID(hw.lr[0]), 27);
    assert_int_equal(LR_VINTID(hw.lr[0]), 27);
    assert_int_equal(LR_STATE(hw.lr[0]), LR_PENDING);
    guest_ack(&hw, 0);
    vgic_sync(&vm.vcpus[1], &hw);
    /* injected again while active: never pending+active with HW = 1 */
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[1], 27, 27, NULL), AXVM_OK);
    vgic_flush(&vm.vcpus[1], &hw);
    assert_int_equal(LR_STATE(hw.lr[0]), LR_ACTIVE);
    assert_int_equal(LR_HW(hw.lr[0]), 1);
    guest_eoi(&hw, 0); /* deactivates the physical one too */
    vgic_sync(&vm.vcpus[1], &hw);
    vgic_flush(&vm.vcpus[1], &hw);
    assert_int_equal(LR_STATE(hw.lr[0]), LR_PENDING);
    assert_int_equal(LR_HW(hw.lr[0]), 1);
    guest_ack(&hw, 0);
    guest_eoi(&hw, 0);
    vgic_sync(&vm.vcpus[1], &hw);
    /* an unlinked injection once it is done drops the link */
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[1], 27, 0, NULL), AXVM_OK);
    vgic_flush(&vm.vcpus[1], &hw);
    assert_int_equal(LR_HW(hw.lr[0]), 0);
    assert_int_equal(LR_EOI(hw.lr[0]), 1); /* PPI 27 is level after reset */
    /* SPI link to a different physical INTID */
    spi_enable(48, 0x80, 1);
    assert_int_equal(vgic_inject(&vm, NULL, 48, 100, NULL), AXVM_OK);
    vgic_sync(&vm.vcpus[1], &hw);
    vgic_flush(&vm.vcpus[1], &hw);
    bool seen = false;
    for (unsigned i = 0; i < hw.used_lr; i++) {
        if (LR_VINTID(hw.lr[i]) == 48) {
            seen = true;
            assert_int_equal(LR_HW(hw.lr[i]), 1);
            assert_int_equal(LR_PINTID(hw.lr[i]), 100);
        }
    }
    assert_true(seen);
}

/* The runtime's hook (arch/aarch64/vgic.h), recorded here. */
static unsigned hw_deact_calls;
static uint32_t hw_deact_last;
void vgic_hw_deactivate(struct axvm_vm *v, uint32_t hw_intid)
{
    assert_ptr_equal(v, &vm);
    hw_deact_calls++;
    hw_deact_last = hw_intid;
}

/* The guest clearing the pending or active state of a linked SPI hands the
 * physical one back (a GIC driver's init after a reboot); a linked PPI, an
 * unlinked SPI, a clear that leaves it pending or active, do not. */
static void test_hw_linked_clear(void **state)
{
    (void)state;
    hw_deact_calls = 0;
    spi_enable(34, 0x80, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 34, 34, NULL), AXVM_OK);
    wr(GICD + 0x0200 + 4, 4, 1u << 2); /* ISPENDR: no */
    assert_int_equal(hw_deact_calls, 0);
    wr(GICD + 0x0380 + 4, 4, 1u << 2); /* ICACTIVER: still pending, no */
    assert_int_equal(hw_deact_calls, 0);
    wr(GICD + 0x0280 + 4, 4, 1u << 2); /* ICPENDR */
    assert_int_equal(hw_deact_calls, 1);
    assert_int_equal(hw_deact_last, 34);
    assert_int_equal(vgic_inject(&vm, NULL, 34, 34, NULL), AXVM_OK);
    wr(GICD + 0x0300 + 4, 4, 1u << 2); /* ISACTIVER: active and pending */
    wr(GICD + 0x0280 + 4, 4, 1u << 2); /* ICPENDR: still active, no */
    assert_int_equal(hw_deact_calls, 1);
    wr(GICD + 0x0380 + 4, 4, 1u << 2); /* ICACTIVER */
    assert_int_equal(hw_deact_calls, 2);
    /* unlinked SPI */
    spi_enable(40, 0x80, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, NULL), AXVM_OK);
    wr(GICD + 0x0280 + 4, 4, 1u << 8);
    assert_int_equal(hw_deact_calls, 2);
    /* the timer's PPI stays the backend's business */
    ppi_enable(0, 27, 0x80);
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[0], 27, 27, NULL), AXVM_OK);
    wr(gicr(0, SGI_FRAME + 0x280), 4, 1u << 27);
    assert_int_equal(hw_deact_calls, 2);
}

static void test_inject_errors_and_gating(void **state)
{
    (void)state;
    struct axvm_vcpu *t = &vm.vcpus[0];
    assert_int_equal(vgic_inject(&vm, NULL, 96, 0, &t), AXVM_ERANGE);
    assert_null(t);
    assert_int_equal(vgic_inject(&vm, NULL, 1020, 0, NULL), AXVM_ERANGE);
    assert_int_equal(vgic_inject(&vm, NULL, 5, 0, NULL), AXVM_EINVAL);  /* SGI needs a vCPU */
    assert_int_equal(vgic_inject(&vm, &vm.vcpus[0], 5, 20, NULL), AXVM_EINVAL); /* SGI linked */
    assert_int_equal(vgic_inject(&vm, NULL, 40, 1020, NULL), AXVM_EINVAL);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 3, NULL), AXVM_EINVAL);
    assert_int_equal(vgic_set_level(&vm, 27, true, NULL), AXVM_ERANGE);
    assert_int_equal(vgic_set_level(&vm, 96, true, NULL), AXVM_ERANGE);
    struct axvm_vm other;
    memset(&other, 0, sizeof(other));
    assert_int_equal(vgic_inject(&other, NULL, 40, 0, NULL), AXVM_ENOENT);
    other.vcpus[0].vm = &other;
    assert_int_equal(vgic_sgi1r_write(&other.vcpus[0], 0), AXVM_ENOENT);
    assert_int_equal(vgic_inject(&vm, &other.vcpus[0], 27, 0, NULL), AXVM_EINVAL);

    /* disabled: pending but not delivered, no kick target */
    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    wr(GICD + 0x0000, 4, 0x12);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, &t), AXVM_OK);
    assert_null(t);
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 0);
    assert_false(vgic_vcpu_pending(&vm.vcpus[0]));
    vgic_sync(&vm.vcpus[0], &hw);
    /* enabling it makes it deliverable, and kicks its target */
    clear_kicks();
    assert_int_equal(acc_write(1, GICD + 0x0104, 4, 1u << 8), AXVM_OK);
    assert_true(kicked(0));
    assert_true(vgic_vcpu_pending(&vm.vcpus[0]));
    /* distributor Group 1 off gates it again */
    wr(GICD + 0x0000, 4, 0x10);
    assert_false(vgic_vcpu_pending(&vm.vcpus[0]));
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 0);
    vgic_sync(&vm.vcpus[0], &hw);
    clear_kicks();
    assert_int_equal(acc_write(1, GICD + 0x0000, 4, 0x12), AXVM_OK);
    assert_true(kicked(0));
    vgic_flush(&vm.vcpus[0], &hw);
    assert_int_equal(hw.used_lr, 1);
}

static void test_wfi_wake_follows_cpu_interface(void **state)
{
    (void)state;
    spi_enable(40, 0x80, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, NULL), AXVM_OK);
    /* before any exit nothing is known of the CPU interface: wake */
    assert_true(vgic_vcpu_pending(&vm.vcpus[0]));
    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    hw.vmcr = 0; /* reset: Group 1 off, PMR 0 */
    vgic_sync(&vm.vcpus[0], &hw);
    assert_false(vgic_vcpu_pending(&vm.vcpus[0]));
    hw.vmcr = 0x80ull << 24 | 2; /* PMR 0x80: priority 0x80 is masked */
    vgic_sync(&vm.vcpus[0], &hw);
    assert_false(vgic_vcpu_pending(&vm.vcpus[0]));
    hw.vmcr = 0x88ull << 24; /* above the mask, but Group 1 disabled */
    vgic_sync(&vm.vcpus[0], &hw);
    assert_false(vgic_vcpu_pending(&vm.vcpus[0]));
    hw.vmcr = 0x88ull << 24 | 2;
    vgic_sync(&vm.vcpus[0], &hw);
    assert_true(vgic_vcpu_pending(&vm.vcpus[0]));
    /* a reset forgets the old settings */
    hw.vmcr = 0;
    vgic_sync(&vm.vcpus[0], &hw);
    vgic_vm_reset(&vm);
    spi_enable(40, 0x80, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, NULL), AXVM_OK);
    assert_true(vgic_vcpu_pending(&vm.vcpus[0]));
}

static void test_double_flush_keeps_state(void **state)
{
    (void)state;
    wr(GICD + 0x0C08, 4, 2u << 2); /* 33 edge */
    spi_enable(33, 0x80, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 33, 0, NULL), AXVM_OK);
    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    vgic_flush(&vm.vcpus[0], &hw);
    vgic_flush(&vm.vcpus[0], &hw); /* entry abandoned, flushed again */
    assert_int_equal(hw.used_lr, 1);
    assert_int_equal(LR_STATE(hw.lr[0]), LR_PENDING);
    vgic_sync(&vm.vcpus[0], &hw);
    vgic_sync(&vm.vcpus[0], &hw); /* a second sync is harmless */
    assert_int_equal(rd(GICD + 0x0204, 4), 0x2);
}

static void test_reset(void **state)
{
    (void)state;
    spi_enable(40, 0x80, 1);
    wr(gicr(1, 0x0014), 4, 0);
    assert_int_equal(vgic_inject(&vm, NULL, 40, 0, NULL), AXVM_OK);
    assert_int_equal(vgic_set_level(&vm, 41, true, NULL), AXVM_OK);
    struct vgic_cpu_hw hw;
    hw_init(&hw, 4);
    vgic_flush(&vm.vcpus[1], &hw);
    vgic_vm_reset(&vm);
    assert_int_equal(rd(GICD + 0x0000, 4), 0x50);
    assert_int_equal(rd(GICD + 0x0104, 4), 0);
    assert_int_equal(rd(GICD + 0x0420 + 8, 4), 0);
    assert_int_equal(rd(GICD + 0x6000 + 40 * 8, 8), 0);
    assert_int_equal(rd(gicr(1, 0x0014), 4), 0x6);
    /* the input line is the device's: still high, so 41 still pending */
    assert_int_equal(rd(GICD + 0x0204, 4), 1u << 9);
    /* the LRs of before the reset are not folded into the new state */
    hw.lr[0] |= (uint64_t)LR_ACTIVE << 62;
    vgic_sync(&vm.vcpus[1], &hw);
    assert_int_equal(rd(GICD + 0x0304, 4), 0);
}

static void test_init_errors(void **state)
{
    (void)state;
    assert_int_equal(vgic_vm_init(&vm, GICD, GICR, 64), AXVM_EALREADY);
    vgic_vm_destroy(&vm);
    assert_int_equal(vgic_vm_init(&vm, GICD, GICR, 48), AXVM_EINVAL);
    assert_int_equal(vgic_vm_init(&vm, GICD, GICR, 288), AXVM_EINVAL);
    assert_int_equal(vgic_vm_init(&vm, GICD + 0x1000, GICR, 64), AXVM_EALIGN);
    assert_int_equal(vgic_vm_init(NULL, GICD, GICR, 64), AXVM_EINVAL);
    vm.cfg.vcpu_count = 0;
    assert_int_equal(vgic_vm_init(&vm, GICD, GICR, 64), AXVM_EINVAL);
    vm.cfg.vcpu_count = 4;
    /* overlapping frames: refused, nothing left claimed */
    axvm_devices_init(&vm.devices, AXVM_UNHANDLED_FAULT);
    assert_int_equal(vgic_vm_init(&vm, GICD, GICD, 64), AXVM_EOVERLAP);
    uint64_t v;
    assert_int_equal(acc_read(0, GICD + 4, 4, &v), AXVM_ENODEV); /* the slot is free again */
    axvm_devices_init(&vm.devices, AXVM_UNHANDLED_FAULT);
    assert_int_equal(vgic_vm_init(&vm, GICD, GICR, 64), AXVM_OK);
    assert_int_equal(rd(GICD + 4, 4) & 0x1F, 2);
    /* every slot */
    static struct axvm_vm many[AXVM_MAX_VMS];
    unsigned ok = 0;
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        many[i].cfg.vcpu_count = 1;
        axvm_devices_init(&many[i].devices, AXVM_UNHANDLED_FAULT);
        if (vgic_vm_init(&many[i], GICD, GICR, 32) == AXVM_OK)
            ok++;
        else
            assert_int_equal(vgic_vm_init(&many[i], GICD, GICR, 32), AXVM_ENOMEM);
    }
    assert_int_equal(ok, AXVM_MAX_VMS - 1);
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++)
        vgic_vm_destroy(&many[i]);
}

static void test_foreign_vcpu_refused(void **state)
{
    (void)state;
    struct axvm_vm other;
    memset(&other, 0, sizeof(other));
    other.vcpus[0].vm = &other;
    uint64_t v;
    assert_int_equal(axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, &other.vcpus[0], GICD + 4, 4, &v),
                     AXVM_ENODEV);
    assert_int_equal(axvm_devices_read(&vm.devices, AXVM_SPACE_MMIO, &other.vcpus[0], gicr(0, 8), 8, &v),
                     AXVM_ENODEV);
}

/* ---- concurrency: injections from other CPUs while a vCPU runs ---- */

/* Ticket locks assume pinned, unpreempted CPUs; on a loaded test machine a
 * preempted waiter stalls everyone behind it, so the threads yield between
 * operations and the rounds stay few. */
#define STRESS_ROUNDS 500

static _Atomic unsigned stress_done;

static void *stress_injector(void *arg)
{
    uint32_t intid = (uint32_t)(uintptr_t)arg;
    for (unsigned i = 0; i < STRESS_ROUNDS; i++) {
        if (vgic_inject(&vm, NULL, intid, 0, NULL) != AXVM_OK)
            return (void *)1;
        (void)vgic_set_level(&vm, 50, (i & 1) != 0, NULL);
        sched_yield();
    }
    atomic_fetch_add(&stress_done, 1);
    return NULL;
}

static void test_concurrent_injection(void **state)
{
    (void)state;
    /* edge SPIs 40, 41; a level SPI 50 toggled underneath */
    wr(GICD + 0x0C08, 4, (2u << 16) | (2u << 18));
    spi_enable(40, 0x80, 0);
    spi_enable(41, 0x80, 0);
    spi_enable(50, 0x80, 0);
    pthread_t th[2];
    atomic_store(&stress_done, 0);
    assert_int_equal(pthread_create(&th[0], NULL, stress_injector, (void *)(uintptr_t)40), 0);
    assert_int_equal(pthread_create(&th[1], NULL, stress_injector, (void *)(uintptr_t)41), 0);
    struct vgic_cpu_hw hw;
    hw_init(&hw, 2);
    unsigned taken[64] = {0};
    /* the vCPU's entries and exits run until both injectors are done */
    while (atomic_load(&stress_done) < 2) {
        vgic_flush(&vm.vcpus[0], &hw);
        assert_true(hw.used_lr <= 2);
        for (unsigned i = 0; i < hw.used_lr; i++) {
            unsigned id = LR_VINTID(hw.lr[i]);
            assert_true(id == 40 || id == 41 || id == 50);
            if (LR_STATE(hw.lr[i]) & LR_PENDING) {
                taken[id - 32]++;
                hw.lr[i] &= ~(3ull << 62); /* ack + EOI */
            }
        }
        vgic_sync(&vm.vcpus[0], &hw);
        sched_yield();
    }
    void *r0, *r1;
    pthread_join(th[0], &r0);
    pthread_join(th[1], &r1);
    assert_null(r0);
    assert_null(r1);
    /* drain what is left: each edge SPI ends up delivered at least once
     * after its last injection, and nothing stays active */
    for (unsigned round = 0; round < 4; round++) {
        vgic_flush(&vm.vcpus[0], &hw);
        for (unsigned i = 0; i < hw.used_lr; i++) {
            taken[LR_VINTID(hw.lr[i]) - 32]++;
            hw.lr[i] &= ~(3ull << 62);
        }
        vgic_sync(&vm.vcpus[0], &hw);
    }
    assert_true(taken[8] > 0);
    assert_true(taken[9] > 0);
    assert_int_equal(rd(GICD + 0x0304, 4), 0);
    assert_int_equal(rd(GICD + 0x0204, 4) & 0x300, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dist_reset_registers, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_typer_nr_spis, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_redist_typer_last, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_redist_waker, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_enable_set_clear, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_pending_set_clear, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_active_set_clear, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_priority_bytes, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_icfgr, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_irouter_routing, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_active_spi_stays_on_its_vcpu, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_bad_widths, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_raz_wi, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_sgi1r_target_list, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_sgi1r_irm_and_missing_targets, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_flush_priority_order, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_flush_overflow_uie, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_overflow_preempts_less_urgent, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_active_keeps_its_lr, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_sync_edge_completion, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_sync_level, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_hw_linked, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_hw_linked_clear, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_inject_errors_and_gating, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_wfi_wake_follows_cpu_interface, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_double_flush_keeps_state, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_reset, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_init_errors, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_vcpu_refused, setup4, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_injection, setup4, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
