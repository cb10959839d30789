/* Private state of the x86_64 KVM backend (arch/x86_64/kvm_*.c). */
#ifndef AXVM_X86_KVM_H
#define AXVM_X86_KVM_H

#include <linux/kvm.h>

#include "axvm/arch.h"
#include "axvm/spinlock.h"
#include "axvm/timer.h"
#include "axvm/uart16550.h"
#include "axvm/vm.h"
#include "lapic.h"
#include "regs.h"

/* Per-VM x86 options. axvm's VM configuration is architecture-neutral, so
 * axvm-kvm hands these to the backend by VM id before axvm_vm_create. */
enum x86_boot_mode { X86_MODE_REAL = 0, X86_MODE_LONG };

#define X86_MAX_MSR_TRAPS 14 /* KVM allows 16 filter ranges; axvm keeps two */
#define X86_MAX_CPUID_HIDES 16

struct x86_cpuid_hide {
    uint32_t leaf;
    uint8_t reg;   /* 0 eax, 1 ebx, 2 ecx, 3 edx */
    uint8_t bit;
};

struct x86_vm_options {
    enum x86_boot_mode mode;
    uint32_t msr_traps[X86_MAX_MSR_TRAPS]; /* trapped to axvm, emulated by a shadow register */
    unsigned n_msr_traps;
    struct x86_cpuid_hide hides[X86_MAX_CPUID_HIDES];
    unsigned n_hides;
    uint32_t uart_vector_base; /* legacy IRQ n arrives as this vector + n (default 0x20) */
    uint16_t debug_port;       /* base of the debug port (0: none); ports are not config devices */
};

/* Set the options of VM `vm_id` (copied). Without a call a VM runs real mode. */
int x86_vm_options_set(uint32_t vm_id, const struct x86_vm_options *opt);

/* Boot structures axvm writes into a long-mode guest's RAM (documented in
 * docs/KVM.md): a GDT and identity page tables covering 4 GiB with 2 MiB pages. */
#define X86_BOOT_GDT 0x8000ull
#define X86_BOOT_PML4 0x9000ull
#define X86_BOOT_PDPT 0xA000ull
#define X86_BOOT_PD 0xB000ull /* four pages: 0xB000-0xEFFF */
#define X86_BOOT_AREA_END 0xF000ull
/* the Linux 64-bit boot protocol's __BOOT_CS / __BOOT_DS */
#define X86_SEL_CODE32 0x08u
#define X86_SEL_CODE64 0x10u
#define X86_SEL_DATA 0x18u

struct x86_msr_shadow {
    uint32_t msr;
    uint64_t value;
};

struct x86_vm {
    int fd;
    struct axvm_vm *vm;
    struct x86_vm_options opt;
    unsigned n_slots;
    struct kvm_cpuid2 *cpuid;       /* base table; per-vCPU copies patch the APIC id */
    struct x86_msr_shadow shadow[X86_MAX_MSR_TRAPS];
    axvm_spinlock_t shadow_lock;
    struct axvm_uart16550 uart;
    uint32_t uart_vector;
    bool have_uart;
};

/* A port I/O exit with count > 1 (REP INS/OUTS) is replayed to the core one
 * element per exit: the core sees exactly the accesses the guest made. */
struct x86_pio {
    uint32_t count, index;
    uint8_t size, dir;
    uint16_t port;
    uint64_t data_offset;
};

struct x86_vcpu {
    int fd;
    struct kvm_run *run;
    size_t run_size;
    struct axvm_vcpu *v;
    struct kvm_regs regs;
    bool regs_valid, regs_dirty;
    uint32_t kvm_exit;              /* KVM exit being completed (0: none) */
    enum axvm_exit_reason last;     /* reason handed to the core last */
    struct x86_pio pio;
    bool fault_gp;                  /* deliver #GP(0) at the next entry */
    struct x86_lapic lapic;
    /* INIT/SIPI sent by this vCPU, turned into CPU_UP exits (target hwid, vector + 1; 0 = none) */
    uint32_t sipi[AXVM_MAX_VCPUS];
};

extern const struct axvm_arch_ops x86_kvm_ops;

/* kvm_vm.c: per-VM operations */
int x86_vm_init(struct axvm_vm *vm);
void x86_vm_destroy(struct axvm_vm *vm);
int x86_vm_map_region(struct axvm_vm *vm, const struct axvm_region *r);
int x86_vm_unmap_region(struct axvm_vm *vm, const struct axvm_region *r);
int x86_vm_attach_device(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev);
int x86_vm_reset(struct axvm_vm *vm);

/* kvm_sys.c: the /dev/kvm handle, shared by every VM. */
int x86_kvm_fd(void);
int x86_kvm_check(long cap);

/* cpuid.c */
int x86_cpuid_build(struct x86_vm *xvm);
int x86_cpuid_apply(struct x86_vm *xvm, struct x86_vcpu *xv, uint32_t apic_id);

/* boot.c: registers for a cold start. */
int x86_boot_setup(struct x86_vm *xvm, struct x86_vcpu *xv, axvm_gpa_t entry, uint64_t arg, bool ap);

/* devices: x2APIC MSRs, trapped-MSR shadows, the debug port. */
int x86_platform_devices_attach(struct x86_vm *xvm);
int x86_debugport_attach(struct axvm_vm *vm, uint16_t base);
int x86_uart_attach(struct x86_vm *xvm, const struct axvm_emu_dev_config *dev);

static inline struct x86_vm *x86_vm_of(struct axvm_vm *vm) { return vm->arch; }
static inline struct x86_vcpu *x86_vcpu_of(struct axvm_vcpu *v) { return v->arch; }

#endif
