/* Stage-1 translation of the test guests: 1 GiB blocks, 39-bit VA.
 *
 *   VA 0x00_0000_0000 - 0x00_3FFF_FFFF  identity, Device-nGnRnE, XN  (GIC, PL011, test device, holes)
 *   VA 0x00_4000_0000 - 0x00_7FFF_FFFF  identity, Normal WB           (RAM: code, data, stacks)
 *   VA 0x00_8000_0000 - 0x01_3FFF_FFFF  identity, Device, XN          (addresses far above RAM)
 *   VA 0x01_4000_0000 - 0x01_7FFF_FFFF  identity, Normal WB, executable (instruction fetch from
 *                                       an address with nothing behind it)
 *   VA 0x40_0000_0000 (MMU_ALIAS_DEV)   -> PA 0, Device, XN  (the device window again at another VA:
 *                                       the hypervisor must decode the IPA, not the VA)
 *   VA 0x40_4000_0000 (MMU_ALIAS_NC)    -> PA 0, Normal non-cacheable, XN (misaligned accesses reach
 *                                       stage 2 instead of faulting at stage 1)
 * Everything else is unmapped. */
#ifndef GUEST_MMU_H
#define GUEST_MMU_H

#define MMU_ALIAS_DEV 0x4000000000ul
#define MMU_ALIAS_NC 0x4040000000ul
#define MMU_EXEC_HOLE 0x140000000ul

void mmu_build_tables(void);
void mmu_enable(void);

#endif
