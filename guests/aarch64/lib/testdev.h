/* The axvm test device (registers: docs/TEST-GUESTS.md). */
#ifndef GUEST_TESTDEV_H
#define GUEST_TESTDEV_H

#include <stdint.h>

#include "axvm/testdev.h"
#include "mmio.h"

#define TESTDEV_BASE 0x0B000000ul
#define TESTDEV_EXIT 0x000
#define TESTDEV_SCRATCH 0x008
#define TESTDEV_PATTERN 0x010
#define TESTDEV_COUNT 0x018
#define TESTDEV_PUTC 0x020
#define TESTDEV_LAST_WIDTH 0x028
#define TESTDEV_STRICT 0x100
#define TESTDEV_STRICT_END 0x200
#define TESTDEV_PATTERN_VALUE 0xF1E2D3C4B5A69788ull
#define TESTDEV_STRICT_TAG 0xA5000000u

/* The guests spell the register map out themselves (it is what they test);
 * it must agree with the device's header. */
_Static_assert(TESTDEV_SCRATCH == AXVM_TESTDEV_SCRATCH && TESTDEV_PATTERN == AXVM_TESTDEV_PATTERN &&
                   TESTDEV_COUNT == AXVM_TESTDEV_COUNT && TESTDEV_PUTC == AXVM_TESTDEV_PUTC &&
                   TESTDEV_LAST_WIDTH == AXVM_TESTDEV_LAST_WIDTH && TESTDEV_STRICT == AXVM_TESTDEV_STRICT &&
                   TESTDEV_EXIT == AXVM_TESTDEV_EXIT,
               "test device offsets differ from include/axvm/testdev.h");
_Static_assert(TESTDEV_PATTERN_VALUE == AXVM_TESTDEV_PATTERN_VALUE && TESTDEV_STRICT_TAG == AXVM_TESTDEV_STRICT_TAG,
               "test device values differ from include/axvm/testdev.h");

static inline uint64_t testdev_read64(uint64_t off) { return mmio_read64(TESTDEV_BASE + off); }
static inline void testdev_write64(uint64_t off, uint64_t v) { mmio_write64(TESTDEV_BASE + off, v); }

#endif
