/* Physical facts of QEMU's `virt` machine (AArch64, gic-version=3), as
 * checked in /work/shared/notes/qemu-virt-aarch64.md. The hypervisor carries
 * them itself instead of parsing QEMU's DTB: with the ELF linked at
 * 0x4020_0000 the DTB is not reliably at the base of RAM. */
#ifndef PLAT_QEMU_VIRT_H
#define PLAT_QEMU_VIRT_H

#define PLAT_GICD_BASE 0x08000000ull
#define PLAT_GICR_BASE 0x080A0000ull
#define PLAT_GICR_STRIDE 0x20000ull
#define PLAT_UART_BASE 0x09000000ull
#define PLAT_UART_INTID 33u

#define PLAT_RAM_BASE 0x40000000ull
/* -m 2048 is the documented machine; the MMU maps RAM up to 3 GiB and the
 * page pool ends here. */
#define PLAT_RAM_SIZE 0x80000000ull
#define PLAT_RAM_END (PLAT_RAM_BASE + PLAT_RAM_SIZE)

/* Hypervisor image, stacks and tables: 0x4000_0000-0x47FF_FFFF. */
#define PLAT_HYP_BASE 0x40200000ull
/* Compiled configuration blob (tools/axvm-config), up to 128 MiB. */
#define PLAT_CONFIG_BASE 0x48000000ull
#define PLAT_CONFIG_MAX 0x08000000ull
/* HAL page pool: guest RAM and stage-2 tables. */
#define PLAT_POOL_BASE 0x50000000ull
#define PLAT_POOL_END PLAT_RAM_END

/* GIC INTIDs the hypervisor uses. */
#define PLAT_SGI_KICK 0u
#define PLAT_INTID_MAINT 25u
#define PLAT_INTID_HYPTIMER 26u
#define PLAT_INTID_VTIMER 27u

#define PLAT_MAX_CPUS 8u

#endif
