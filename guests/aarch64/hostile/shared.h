/* The IVC page the heartbeat VM shares with each hostile VM
 * (configs/hostile/): 64-bit words, each written by one side only. IVC
 * pages are not guest RAM, so they survive a VM reset: the reset storm
 * counts its boots here. */
#ifndef GUEST_HOSTILE_SHARED_H
#define GUEST_HOSTILE_SHARED_H

#include <stdint.h>

/* Where the page is: in hostile and hostile-reset at HB_PAGE; in the
 * heartbeat VM the hostile channel at HB_PAGE, the hostile-reset one next. */
#define HB_PAGE 0x10000000ul
#define HB_PAGE_RESET 0x10001000ul

#define HB_BEATS 0x00   /* heartbeat -> peer: beats so far */
#define HB_DONE 0x08    /* peer -> heartbeat: HB_DONE_MAGIC when finished */
#define HB_BOOTS 0x10   /* hostile-reset: its boots so far */
#define HB_FAILED 0x18  /* peer -> heartbeat: the peer's failure count at the end */

#define HB_DONE_MAGIC 0xD0E5D0E5ull

/* VM ids of configs/hostile/ (the hostile image picks its role by VM_ID). */
#define HOSTILE_VM_ID 20
#define HEARTBEAT_VM_ID 21
#define HOSTILE_RESET_VM_ID 22
#define HOSTILE_WEDGE_VM_ID 23 /* run-wedge.toml: a reproducer on its own */

/* SYSTEM_RESETs the reset VM performs before its last boot. */
#define HOSTILE_RESETS 5

static inline uint64_t hb_read(uint64_t page, unsigned off)
{
    return *(volatile uint64_t *)(page + off);
}
static inline void hb_write(uint64_t page, unsigned off, uint64_t v)
{
    __asm__ volatile("dsb sy" ::: "memory");
    *(volatile uint64_t *)(page + off) = v;
    __asm__ volatile("dsb sy" ::: "memory");
}

#endif
