/* The self-test build's built-in configuration: one VM running the smoke
 * guest of tests/integration/aarch64, used only when no configuration blob
 * was loaded. It exercises the hypervisor without tools/axvm-config. */
#include "axvm/config.h"
#include "axvm/lib.h"
#include "axvm/pagetable.h"
#include "rt.h"

__asm__(".section .rodata\n"
        ".balign 4096\n"
        "smoke_image:\n"
        ".incbin " A64_SMOKE_Q "\n"
        "smoke_image_end:\n"
        ".text\n");
extern const char smoke_image[], smoke_image_end[];
struct axvm_vm;
int axvm_testdev_attach(struct axvm_vm *vm, uint64_t base) __attribute__((weak));

int rt_builtin_selftest_config(struct axvm_platform_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->n_vms = 1;
    struct axvm_vm_config *vm = &cfg->vms[0];
    vm->id = 1;
    memcpy(vm->name, "smoke", 6);
    vm->vcpu_count = 1;
    vm->phys_cpu[0] = 0;
    vm->mem[0] = (struct axvm_mem_config){.gpa = 0x40000000, .size = 16u << 20, .flags = AXVM_MAP_RWX};
    vm->n_mem = 1;
    vm->devs[0] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_GIC_DIST, .base = 0x08000000, .size = 0x10000};
    vm->devs[1] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_GIC_REDIST, .base = 0x080A0000, .size = 0x20000};
    vm->devs[2] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_PL011, .base = 0x09000000, .size = 0x1000, .irq = 33};
    vm->devs[3] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_DEBUG_EXIT, .base = 0x0B000000, .size = 0x1000};
    /* Without the test device model the smoke guest's MMIO cases fail (abort). */
    vm->n_devs = axvm_testdev_attach ? 4 : 3;
    vm->images[0] = (struct axvm_image){.data = smoke_image,
                                        .size = (uint64_t)((uintptr_t)smoke_image_end - (uintptr_t)smoke_image),
                                        .load_gpa = 0x40000000};
    vm->n_images = 1;
    vm->entry = 0x40000000;
    vm->entry_arg = 0;
    vm->unhandled = AXVM_UNHANDLED_FAULT;
    return 0;
}
