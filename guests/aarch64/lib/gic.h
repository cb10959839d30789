/* GICv3: distributor, this CPU's redistributor, and the system-register CPU
 * interface. All interrupts are Group 1; the CPU interface runs with
 * EOImode = 1, so a handler drops priority with ICC_EOIR1_EL1 and then
 * deactivates with ICC_DIR_EL1 (gic_end does both). */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include <stdbool.h>
#include <stdint.h>

#define GICD_BASE 0x08000000ul
#define GICR_BASE 0x080A0000ul
#define GICR_STRIDE 0x20000ul
#define GICR_SGI_OFFSET 0x10000ul

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_PIDR2 0xFFE8
#define GICD_CTLR_RWP (1u << 31)
#define GICD_CTLR_ARE (1u << 4)
#define GICD_CTLR_GRP1 (1u << 1)

#define GICR_CTLR 0x0000
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xFFE8
#define GICR_IGROUPR0 0x0080
#define GICR_ISENABLER0 0x0100
#define GICR_ICENABLER0 0x0180
#define GICR_ISPENDR0 0x0200
#define GICR_ICPENDR0 0x0280
#define GICR_ISACTIVER0 0x0300
#define GICR_ICACTIVER0 0x0380
#define GICR_IPRIORITYR 0x0400
#define GICR_ICFGR1 0x0C04

#define GIC_SPURIOUS 1023u

/* Boot CPU, once: enable affinity routing and Group 1. 0 or negative on a GIC that does not respond. */
int gic_init_dist(void);
/* Every CPU: find and wake its redistributor, all SGIs/PPIs Group 1, disabled,
 * priority 0x80; CPU interface on (PMR 0xFF, EOImode 1, Group 1 enabled).
 * Returns 0, or -1 when no redistributor matches this CPU's MPIDR. */
int gic_init_cpu(void);
/* RD_base of this CPU's redistributor (valid after gic_init_cpu). */
uint64_t gic_rd_base(void);
/* RD_base of another CPU's redistributor (0 before that CPU ran gic_init_cpu). */
uint64_t gic_rd_base_of(unsigned cpu);
/* Enable/disable an SGI or PPI in another CPU's redistributor. */
void gic_private_enable_on(unsigned cpu, unsigned intid, bool enable);

void gic_private_enable(unsigned intid, bool enable);
void gic_private_set_priority(unsigned intid, uint8_t prio);
bool gic_private_pending(unsigned intid);
void gic_private_clear_pending(unsigned intid);

uint32_t gic_ack(void);
void gic_end(uint32_t intid);
/* SGI `intid` to the CPUs in `target_list` (Aff0 bits) of cluster aff3.aff2.aff1 = 0. */
void gic_send_sgi(unsigned intid, uint16_t target_list);
/* SGI to every CPU except the sender (IRM = 1). */
void gic_send_sgi_others(unsigned intid);

#endif
