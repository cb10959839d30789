/* The axvm test device (registers: docs/TEST-GUESTS.md) and width-exact
 * MMIO accessors. Each accessor is one load or store instruction with a plain
 * base-register address (no writeback), so the hypervisor gets a valid
 * syndrome; the asm keeps the compiler from merging, splitting or dropping it. */
#ifndef GUEST_TESTDEV_H
#define GUEST_TESTDEV_H

#include <stdint.h>

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

static inline uint64_t mmio_read8(uint64_t a)
{
    uint32_t v;
    __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}
static inline uint64_t mmio_read16(uint64_t a)
{
    uint32_t v;
    __asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}
static inline uint64_t mmio_read32(uint64_t a)
{
    uint32_t v;
    __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}
static inline uint64_t mmio_read64(uint64_t a)
{
    uint64_t v;
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}
static inline void mmio_write8(uint64_t a, uint64_t v)
{
    __asm__ volatile("strb %w0, [%1]" ::"r"((uint32_t)v), "r"(a) : "memory");
}
static inline void mmio_write16(uint64_t a, uint64_t v)
{
    __asm__ volatile("strh %w0, [%1]" ::"r"((uint32_t)v), "r"(a) : "memory");
}
static inline void mmio_write32(uint64_t a, uint64_t v)
{
    __asm__ volatile("str %w0, [%1]" ::"r"((uint32_t)v), "r"(a) : "memory");
}
static inline void mmio_write64(uint64_t a, uint64_t v)
{
    __asm__ volatile("str %0, [%1]" ::"r"(v), "r"(a) : "memory");
}
static inline uint64_t mmio_read(uint64_t a, unsigned width)
{
    switch (width) {
    case 1: return mmio_read8(a);
    case 2: return mmio_read16(a);
    case 4: return mmio_read32(a);
    default: return mmio_read64(a);
    }
}
static inline void mmio_write(uint64_t a, unsigned width, uint64_t v)
{
    switch (width) {
    case 1: mmio_write8(a, v); break;
    case 2: mmio_write16(a, v); break;
    case 4: mmio_write32(a, v); break;
    default: mmio_write64(a, v); break;
    }
}

static inline uint64_t testdev_read64(uint64_t off) { return mmio_read64(TESTDEV_BASE + off); }
static inline void testdev_write64(uint64_t off, uint64_t v) { mmio_write64(TESTDEV_BASE + off, v); }

#endif
