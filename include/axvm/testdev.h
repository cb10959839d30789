/* The axvm test device (devices/testdev.c): a 4 KiB MMIO window that test
 * guests use to end the VM with a status, print, and probe the MMIO path.
 * Register map (little-endian, offsets from the base):
 *   0x000 EXIT        write: the VM stops with this exit status (0 = success)
 *   0x008 SCRATCH     read/write, any of widths 1/2/4/8 inside 0x008-0x00F
 *   0x010 PATTERN     read-only 0xF1E2D3C4B5A69788, widths 1/2/4/8 inside 0x010-0x017
 *   0x018 COUNT       read-only, 8 bytes: accesses seen before this one
 *   0x020 PUTC        write: low byte to the VM's console
 *   0x028 LAST_WIDTH  read-only: width of the previous access
 *   0x100-0x1FF       STRICT: aligned 4-byte accesses only; reads give
 *                     (offset from the base) | 0xA5000000, writes are ignored
 *   0x200-0xFFF       no device: unhandled (VM policy)
 * Reads of the write-only registers (EXIT, PUTC) return 0. Anything else
 * (writes to read-only registers, accesses straddling registers or hitting
 * the gaps of 0x000-0x0FF, unsupported widths) is refused and the guest gets
 * an abort. */
#ifndef AXVM_TESTDEV_H
#define AXVM_TESTDEV_H

#include "axvm/types.h"

struct axvm_vm;

#define AXVM_TESTDEV_SIZE 0x1000u
#define AXVM_TESTDEV_EXIT 0x000u
#define AXVM_TESTDEV_SCRATCH 0x008u
#define AXVM_TESTDEV_PATTERN 0x010u
#define AXVM_TESTDEV_COUNT 0x018u
#define AXVM_TESTDEV_PUTC 0x020u
#define AXVM_TESTDEV_LAST_WIDTH 0x028u
#define AXVM_TESTDEV_STRICT 0x100u
#define AXVM_TESTDEV_STRICT_SIZE 0x100u
#define AXVM_TESTDEV_PATTERN_VALUE 0xF1E2D3C4B5A69788ull
#define AXVM_TESTDEV_STRICT_TAG 0xA5000000u

/* Register the device's two MMIO ranges in the VM's device manager. State is
 * per VM (static pool, one per VM slot) and reset by each attach. */
int axvm_testdev_attach(struct axvm_vm *vm, uint64_t base);

#endif
