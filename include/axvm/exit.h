/* Architecture-neutral reasons for leaving guest mode.
 *
 * A backend's run() decodes its hardware syndrome (ESR_EL2, the VMX exit
 * reason, hcause, a KVM exit) into one struct axvm_exit. The core handles
 * MMIO, port I/O, system-register and nested-page-fault exits itself and
 * hands every other one to its caller. */
#ifndef AXVM_EXIT_H
#define AXVM_EXIT_H

#include "axvm/types.h"

enum axvm_exit_reason {
    AXVM_EXIT_NOTHING = 0,     /* returned to the hypervisor with nothing to do */
    AXVM_EXIT_MMIO_READ,
    AXVM_EXIT_MMIO_WRITE,
    AXVM_EXIT_IO_READ,
    AXVM_EXIT_IO_WRITE,
    AXVM_EXIT_SYSREG_READ,
    AXVM_EXIT_SYSREG_WRITE,
    AXVM_EXIT_NESTED_PAGE_FAULT,
    AXVM_EXIT_HYPERCALL,
    AXVM_EXIT_HALT,            /* WFI / HLT: wait for an interrupt */
    AXVM_EXIT_CPU_UP,          /* guest asks to start a vCPU (PSCI CPU_ON, SIPI) */
    AXVM_EXIT_CPU_DOWN,        /* guest stops the current vCPU (PSCI CPU_OFF) */
    AXVM_EXIT_SYSTEM_DOWN,     /* guest powers the VM off */
    AXVM_EXIT_SYSTEM_RESET,    /* guest reboots the VM */
    AXVM_EXIT_SEND_IPI,
    AXVM_EXIT_EXTERNAL_INTERRUPT, /* a host interrupt arrived while in guest */
    AXVM_EXIT_FAIL_ENTRY,      /* the hardware refused to enter / fatal guest state */
    AXVM_EXIT_COUNT_
};

/* Name of a reason ("MMIO_READ"); never NULL. */
const char *axvm_exit_reason_name(enum axvm_exit_reason r);

/* Register index meaning "the backend completes this read itself": the core
 * still computes the width-adjusted value and passes it to vcpu_set_gpr with
 * this index (KVM, where the data goes into the kvm_run area, uses it). */
#define AXVM_REG_DEFERRED 0xFFu

/* Access flags of a nested page fault. */
enum {
    AXVM_ACCESS_READ = 1u << 0,
    AXVM_ACCESS_WRITE = 1u << 1,
    AXVM_ACCESS_EXEC = 1u << 2,
};

/* IPI destinations. */
enum axvm_ipi_dest {
    AXVM_IPI_TARGETS = 0, /* the vCPUs whose bit is set in `targets` */
    AXVM_IPI_SELF,
    AXVM_IPI_ALL_BUT_SELF,
};

struct axvm_exit {
    enum axvm_exit_reason reason;
    uint64_t guest_pc; /* for tracing */
    union {
        struct {
            axvm_gpa_t addr;
            uint8_t width;     /* bytes: 1, 2, 4 or 8 */
            uint8_t reg;       /* general register receiving the value */
            uint8_t reg_width; /* bytes of that register written: 4 or 8 (0 = 8) */
            bool sign_extend;  /* sign-extend `width` bytes to reg_width */
        } mmio_read;
        struct {
            axvm_gpa_t addr;
            uint8_t width;
            uint64_t data;
        } mmio_write;
        struct {
            uint16_t port;
            uint8_t width;     /* 1, 2 or 4 */
            uint8_t reg;       /* read: register receiving the value (or AXVM_REG_DEFERRED) */
            uint64_t data;     /* write: the data */
        } io;
        struct {
            uint64_t addr;     /* encoded register (MSR index, Arm op0:op1:CRn:CRm:op2, CSR number) */
            uint8_t reg;       /* general register: destination of a read, source of a write */
            uint64_t value;    /* write: the value */
        } sysreg;
        struct {
            axvm_gpa_t addr;
            uint32_t access;   /* AXVM_ACCESS_* */
        } npf;
        struct {
            uint64_t nr;
            uint64_t args[6];
        } hypercall;
        struct {
            uint64_t target;   /* architecture's CPU id (MPIDR affinity, APIC id) */
            uint64_t entry;
            uint64_t arg;
        } cpu_up;
        struct {
            uint64_t state;
        } cpu_down;
        struct {
            uint64_t reason;   /* architecture-specific detail (PSCI function id) */
        } system;
        struct {
            enum axvm_ipi_dest dest;
            uint64_t targets;  /* bitmap of vCPU indices, for AXVM_IPI_TARGETS */
            uint32_t vector;
        } ipi;
        struct {
            uint32_t vector;
        } ext_irq;
        struct {
            uint64_t hw_reason;
        } fail_entry;
    } u;
};

#endif
