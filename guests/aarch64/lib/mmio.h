/* Width-exact MMIO accessors. Each is one load or store instruction with a
 * plain base-register address: no writeback, no pair, so the data abort a
 * hypervisor sees carries a valid syndrome (ISV = 1) and can be emulated.
 * (A volatile pointer is not enough: the compiler may use post-indexed
 * addressing in a loop, which a hypervisor cannot emulate from the syndrome.)
 * The asm also keeps the compiler from merging, splitting or dropping it. */
#ifndef GUEST_MMIO_H
#define GUEST_MMIO_H

#include <stdint.h>

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

#endif
