/* The device manager: routes trapped MMIO, port-I/O and system-register
 * accesses to emulated devices.
 *
 * Each VM owns one struct axvm_devices. Devices are registered while the VM
 * is being built; registration keeps each table sorted and rejects empty,
 * wrapping and overlapping ranges, so that the exit path is a binary search
 * over a fixed array: O(log n), no allocation, no locks (the tables do not
 * change while vCPUs run). */
#ifndef AXVM_DEVICE_H
#define AXVM_DEVICE_H

#include "axvm/types.h"

struct axvm_vcpu;

/* Handlers get the offset from the device's base (for sysreg devices: the
 * full encoded register address). They return AXVM_OK, or an error that the
 * core reflects to the guest as a fault for that access. */
struct axvm_dev_ops {
    int (*read)(void *ctx, struct axvm_vcpu *vcpu, uint64_t offset, unsigned width, uint64_t *value);
    int (*write)(void *ctx, struct axvm_vcpu *vcpu, uint64_t offset, unsigned width, uint64_t value);
};

/* Bits of axvm_dev.widths: which access sizes the device accepts. */
enum {
    AXVM_W1 = 1u << 0,
    AXVM_W2 = 1u << 1,
    AXVM_W4 = 1u << 2,
    AXVM_W8 = 1u << 3,
    AXVM_WALL = AXVM_W1 | AXVM_W2 | AXVM_W4 | AXVM_W8,
};

/* A registered device. The manager copies it; `ctx` stays owned by the caller. */
struct axvm_dev {
    const char *name;
    uint64_t base;          /* MMIO: guest-physical; port: port number; sysreg: first encoding */
    uint64_t size;          /* bytes / ports / number of encodings; > 0, base+size must not wrap */
    const struct axvm_dev_ops *ops;
    void *ctx;
    uint8_t widths;         /* AXVM_W* mask; 0 means AXVM_WALL */
    bool allow_unaligned;   /* otherwise an access must be naturally aligned */
    /* statistics, maintained by the manager */
    uint64_t reads, writes, errors;
};

/* What happens to an access that hits no device. */
enum axvm_unhandled_policy {
    AXVM_UNHANDLED_FAULT = 0, /* reflect to the guest as an abort / fault (default) */
    AXVM_UNHANDLED_RAZ_WI,    /* reads as zero, writes ignored */
    AXVM_UNHANDLED_STOP_VM,   /* stop the VM */
};

enum axvm_dev_space { AXVM_SPACE_MMIO = 0, AXVM_SPACE_PORT, AXVM_SPACE_SYSREG, AXVM_SPACE_COUNT_ };

struct axvm_unhandled_access {
    uint8_t space;          /* enum axvm_dev_space */
    uint8_t is_write;
    uint8_t width;
    uint64_t addr;
    uint64_t count;
};

struct axvm_devices {
    struct axvm_dev mmio[AXVM_MAX_MMIO_DEVS];
    struct axvm_dev port[AXVM_MAX_PORT_DEVS];
    struct axvm_dev sysreg[AXVM_MAX_SYSREG_DEVS];
    unsigned n_mmio, n_port, n_sysreg;
    enum axvm_unhandled_policy policy;
    uint64_t unhandled_total;
    /* distinct unhandled addresses (handler coverage report); the last slot
     * absorbs everything once the table is full */
    struct axvm_unhandled_access unhandled[AXVM_MAX_UNHANDLED];
    unsigned n_unhandled;
};

void axvm_devices_init(struct axvm_devices *dm, enum axvm_unhandled_policy policy);

/* Register a device; AXVM_EINVAL for size 0, wrapping ranges, missing ops or
 * a bad width mask, AXVM_EOVERLAP when it overlaps a registered one,
 * AXVM_ENOMEM when the table is full. */
int axvm_devices_add_mmio(struct axvm_devices *dm, const struct axvm_dev *dev);
int axvm_devices_add_port(struct axvm_devices *dm, const struct axvm_dev *dev);
int axvm_devices_add_sysreg(struct axvm_devices *dm, const struct axvm_dev *dev);

/* Find the device covering `addr` in a space, or NULL. */
struct axvm_dev *axvm_devices_find(struct axvm_devices *dm, enum axvm_dev_space space, uint64_t addr);

/* Dispatch one access. Returns AXVM_OK (value filled for reads),
 * AXVM_ENODEV when no device covers [addr, addr+width), AXVM_EWIDTH for a
 * width the device does not accept (or not 1/2/4/8), AXVM_EALIGN for a
 * misaligned access, or the handler's error. Unhandled accesses are counted
 * and recorded here; the policy is applied by the caller (the run loop). */
int axvm_devices_read(struct axvm_devices *dm, enum axvm_dev_space space, struct axvm_vcpu *vcpu,
                      uint64_t addr, unsigned width, uint64_t *value);
int axvm_devices_write(struct axvm_devices *dm, enum axvm_dev_space space, struct axvm_vcpu *vcpu,
                       uint64_t addr, unsigned width, uint64_t value);

/* Print the per-device counters and the unhandled-access report. */
void axvm_devices_report(const struct axvm_devices *dm);

#endif
