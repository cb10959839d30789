/* A virtual machine: configuration, lifecycle, vCPUs, address space, devices.
 *
 * Lifecycle (anything else is AXVM_ESTATE):
 *   LOADING --images copied--> LOADED --boot--> RUNNING
 *   RUNNING <--> SUSPENDED
 *   RUNNING/SUSPENDED --shutdown--> STOPPING --all vCPUs out--> STOPPED
 *   STOPPED --load--> LOADED            (restart with pristine images)
 *   RUNNING --reboot--> STOPPING --all vCPUs out--> LOADED --> RUNNING
 * VMs live in a static table (AXVM_MAX_VMS). */
#ifndef AXVM_VM_H
#define AXVM_VM_H

#include <stdatomic.h>

#include "axvm/addrspace.h"
#include "axvm/device.h"
#include "axvm/spinlock.h"
#include "axvm/types.h"
#include "axvm/vcpu.h"

enum axvm_vm_state {
    AXVM_VM_LOADING = 0,
    AXVM_VM_LOADED,
    AXVM_VM_RUNNING,
    AXVM_VM_SUSPENDED,
    AXVM_VM_STOPPING,
    AXVM_VM_STOPPED,
};
const char *axvm_vm_state_name(enum axvm_vm_state s);

enum axvm_irq_mode { AXVM_IRQ_EMULATED = 0, AXVM_IRQ_PASSTHROUGH };

/* Kinds of emulated device a configuration can ask for. Which kinds exist
 * depends on the backend (vm_attach_device answers AXVM_ENOTSUP otherwise). */
enum axvm_emu_kind {
    AXVM_EMU_GIC_DIST = 1,    /* GICv3 distributor */
    AXVM_EMU_GIC_REDIST,      /* GICv3 redistributor frames, one per vCPU */
    AXVM_EMU_PL011,           /* Arm PL011 UART */
    AXVM_EMU_UART16550,       /* 16550 UART (port or MMIO) */
    AXVM_EMU_DEBUG_EXIT,      /* test device: a write ends the VM with a status */
    AXVM_EMU_IVC_DOORBELL,
    AXVM_EMU_RTC,
};

struct axvm_emu_dev_config {
    uint32_t kind;            /* enum axvm_emu_kind */
    uint64_t base;
    uint64_t size;
    uint32_t irq;             /* 0: none */
    uint64_t arg;             /* kind-specific */
};

struct axvm_mem_config {
    axvm_gpa_t gpa;
    uint64_t size;
    uint32_t flags;           /* AXVM_MAP_* */
};

/* An image copied into guest RAM at every (re)load. `data` is the pristine
 * host copy and is never written, which is what makes reboot possible. */
struct axvm_image {
    const void *data;
    uint64_t size;
    axvm_gpa_t load_gpa;
};

struct axvm_vm_config {
    uint32_t id;
    char name[AXVM_NAME_LEN];
    unsigned vcpu_count;
    unsigned phys_cpu[AXVM_MAX_VCPUS];   /* pCPU for each vCPU */
    struct axvm_mem_config mem[AXVM_MAX_MEM_REGIONS];
    unsigned n_mem;
    struct axvm_emu_dev_config devs[AXVM_MAX_MMIO_DEVS];
    unsigned n_devs;
    struct axvm_passthrough passthrough[AXVM_MAX_PASSTHROUGH];
    unsigned n_passthrough;
    uint32_t passthrough_irqs[AXVM_MAX_PASSTHROUGH];
    unsigned n_passthrough_irqs;
    enum axvm_irq_mode irq_mode;
    struct axvm_image images[AXVM_MAX_IMAGES];
    unsigned n_images;
    axvm_gpa_t entry;         /* boot vCPU's entry point */
    uint64_t entry_arg;       /* boot vCPU's argument (DTB address on Arm) */
    enum axvm_unhandled_policy unhandled;
};

/* Check a configuration without building anything. On error, `why` (if not
 * NULL) receives a static string naming the field and the problem. */
int axvm_vm_config_validate(const struct axvm_vm_config *cfg, const char **why);

struct axvm_vm {
    bool in_use;
    struct axvm_vm_config cfg;          /* copy; immutable after create */
    _Atomic int state;                  /* enum axvm_vm_state */
    axvm_spinlock_t lock;               /* lifecycle transitions */
    struct axvm_vcpu vcpus[AXVM_MAX_VCPUS];
    struct axvm_addrspace as;
    struct axvm_devices devices;
    void *arch;                         /* backend per-VM state */
    _Atomic unsigned vcpus_parked;      /* vCPUs out of guest while STOPPING */
    bool reboot_pending;                /* STOPPING ends in LOADED+RUNNING */
    uint32_t boot_count;
    int exit_status;                    /* set by a debug-exit device or an error */
    /* console line buffer (axvm_vm_console_putc) */
    axvm_spinlock_t con_lock;
    unsigned con_len;
    char con_buf[120];
};

/* Validate `cfg`, then build the VM (address space, RAM, passthrough,
 * backend state, devices, vCPUs) and load its images: the VM ends LOADED.
 * On any failure everything built so far is torn down and nothing runs. */
int axvm_vm_create(const struct axvm_vm_config *cfg, struct axvm_vm **out);
/* Tear down a STOPPED or LOADED VM and free its slot. */
int axvm_vm_destroy(struct axvm_vm *vm);

struct axvm_vm *axvm_vm_by_id(uint32_t id);
/* Iterate live VMs: idx from 0; NULL at the end. */
struct axvm_vm *axvm_vm_at(unsigned idx);

int axvm_vm_set_state(struct axvm_vm *vm, enum axvm_vm_state from, enum axvm_vm_state to);
static inline enum axvm_vm_state axvm_vm_state(const struct axvm_vm *vm)
{
    return (enum axvm_vm_state)atomic_load_explicit(&vm->state, memory_order_acquire);
}

/* STOPPED -> LOADED: copy the pristine images into RAM again (RAM is zeroed
 * first, so nothing of the previous run survives). */
int axvm_vm_load(struct axvm_vm *vm);
/* LOADED -> RUNNING: set up every vCPU, make the boot vCPU (0) ready and
 * kick its physical CPU. Secondary vCPUs stay FREE until the guest starts them. */
int axvm_vm_boot(struct axvm_vm *vm);
int axvm_vm_suspend(struct axvm_vm *vm);
int axvm_vm_resume(struct axvm_vm *vm);
/* RUNNING/SUSPENDED -> STOPPING; the VM reaches STOPPED when every vCPU has
 * left guest mode (axvm_vm_park_vcpu). */
int axvm_vm_shutdown(struct axvm_vm *vm);
/* Like shutdown, but the VM comes back LOADED and RUNNING from pristine images
 * (RAM zeroed, images copied, arch vm_reset, vCPU 0 at the entry; IVC
 * channels stay mapped). */
int axvm_vm_reboot(struct axvm_vm *vm);
/* Called on a vCPU's physical CPU when it sees its VM STOPPING. */
void axvm_vm_park_vcpu(struct axvm_vcpu *vcpu);

/* Mark `irq` pending on every vCPU whose bit is set in `vcpu_mask` and make
 * each notice it, wherever it is: running here, running on another physical
 * CPU (HAL kick), or blocked (woken). Bits of nonexistent vCPUs are ignored;
 * returns the first backend error (the other vCPUs still get the irq). */
int axvm_vm_inject_irq(struct axvm_vm *vm, uint64_t vcpu_mask, uint32_t irq);

/* vCPU with the given architecture id (MPIDR affinity / APIC id), or NULL. */
struct axvm_vcpu *axvm_vm_vcpu_by_hwid(struct axvm_vm *vm, uint64_t hwid);

/* Is [gpa, gpa+len) inside the VM's RAM? (entry points, hypercall buffers) */
bool axvm_vm_gpa_is_ram(const struct axvm_vm *vm, axvm_gpa_t gpa, uint64_t len);

/* The VM's own console (test device PUTC, DEBUG_PUTC hypercall, UART models):
 * line-buffered so that lines of different VMs and of the hypervisor do not
 * interleave mid-line; a line is written when it ends or the buffer fills. */
void axvm_vm_console_putc(struct axvm_vm *vm, char c);
void axvm_vm_console_flush(struct axvm_vm *vm);
/* Start every line a VM writes with "[name] " (off by default; the runtime
 * turns it on when several VMs share one console). */
void axvm_vm_console_set_prefix(bool on);

#endif
