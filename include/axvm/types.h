/* Basic types, error codes and static limits shared by every layer of axvm.
 *
 * axvm is static by design (as Bao is): every table has a compile-time
 * capacity, so nothing on the exit path allocates and every limit is visible
 * here. Only freestanding headers are used so the core builds without libc. */
#ifndef AXVM_TYPES_H
#define AXVM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t axvm_gpa_t;  /* guest-physical address */
typedef uint64_t axvm_hpa_t;  /* host-physical address */

/* Errors are negative ints; 0 is success. Propagate them: a guest-caused
 * error stops at most that guest's VM, never the hypervisor. */
enum {
    AXVM_OK = 0,
    AXVM_EINVAL = -1,   /* bad argument */
    AXVM_ENOMEM = -2,   /* allocation failed or pool exhausted */
    AXVM_EOVERLAP = -3, /* range overlaps an existing one */
    AXVM_ENOENT = -4,   /* no such object (device, channel, vCPU, VM) */
    AXVM_ESTATE = -5,   /* operation illegal in the current state */
    AXVM_ERANGE = -6,   /* value or index out of range */
    AXVM_EALIGN = -7,   /* misaligned address or size */
    AXVM_EWIDTH = -8,   /* access width not supported */
    AXVM_EFAULT = -9,   /* guest address not backed */
    AXVM_ENOTSUP = -10, /* not supported by this backend / device */
    AXVM_EBUSY = -11,   /* resource in use */
    AXVM_EALREADY = -12,/* already in the requested state (e.g. vCPU on) */
    AXVM_ENODEV = -13,  /* access hit no device */
    AXVM_EIO = -14,     /* backend / hardware failure */
    AXVM_ERR_COUNT_ = 15
};

/* Human-readable name of an error code ("EOVERLAP"). Never NULL. */
const char *axvm_strerror(int err);

/* Static capacities. Raising one costs memory, nothing else. */
#define AXVM_MAX_VMS 8
#define AXVM_MAX_VCPUS 8          /* per VM */
#define AXVM_MAX_PCPUS 8
#define AXVM_MAX_MEM_REGIONS 16   /* per VM, all kinds */
#define AXVM_MAX_PASSTHROUGH 16   /* per VM */
#define AXVM_MAX_MMIO_DEVS 32     /* per VM */
#define AXVM_MAX_PORT_DEVS 16     /* per VM */
#define AXVM_MAX_SYSREG_DEVS 32   /* per VM */
#define AXVM_MAX_IMAGES 4         /* per VM: kernel, dtb, ramdisk, extra */
#define AXVM_MAX_IVC_CHANNELS 16  /* system-wide */
#define AXVM_MAX_UNHANDLED 16     /* distinct unhandled addresses remembered per VM */
#define AXVM_TRACE_DEPTH 32       /* exits remembered per vCPU in the trace ring */
#define AXVM_NAME_LEN 32

#define AXVM_PAGE_SIZE 4096ull
#define AXVM_PAGE_SHIFT 12

#define AXVM_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define AXVM_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define AXVM_IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define AXVM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
