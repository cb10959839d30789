/* Internal interface of the EL2 runtime (runtime/baremetal). */
#ifndef RT_H
#define RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axvm/spinlock.h"
#include "platform/qemu-virt/platform.h"

struct axvm_vcpu;

struct rt_percpu {
    unsigned id;
    uint64_t mpidr;              /* affinity fields only */
    _Atomic bool online;
    _Atomic bool kicked;
    struct axvm_vcpu *current;   /* vCPU whose state is live here */
    uint64_t *fp_owner;          /* FP registers currently hold this area */
    uint64_t timer_deadline_ns;
};

extern struct rt_percpu rt_cpus[PLAT_MAX_CPUS];
extern unsigned rt_ncpus;

static inline unsigned rt_cpu_index(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, tpidr_el2" : "=r"(v));
    return (unsigned)v;
}
static inline struct rt_percpu *rt_this_cpu(void) { return &rt_cpus[rt_cpu_index()]; }

/* console.c */
void rt_console_init(void);
void rt_console_putc_raw(char c);
void rt_console_puts_raw(const char *s);
void rt_console_rx_irq(void);
int rt_console_getc(void);
bool rt_console_rx_pending(void);
bool rt_console_midline(void);

/* console_cmd.c: Ctrl-] <command> typed on the console */
#define RT_CONSOLE_ESCAPE '\x1d'
void rt_console_command(char c);
void rt_console_announce(void);
void rt_console_check_focus(void);

/* palloc.c */
void rt_palloc_init(uint64_t base, uint64_t end);
uint64_t rt_palloc_free_pages(void);

/* gic.c */
void rt_gic_dist_init(void);
void rt_gic_cpu_init(unsigned cpu);
void rt_gic_send_sgi(unsigned cpu, unsigned intid);
uint32_t rt_gic_ack(void);
void rt_gic_eoi(uint32_t intid);
void rt_gic_spi_route(uint32_t intid, unsigned cpu);
void rt_gic_spi_enable(uint32_t intid, bool on);
void rt_gic_spi_clear(uint32_t intid);
void rt_gic_spi_deactivate(uint32_t intid);

/* irq_passthrough.c: physical SPIs owned by a VM (config passthrough_irqs);
 * the lifecycle calls come from arch/aarch64/devices.c */
struct axvm_vm;
int rt_irq_pt_claim(struct axvm_vm *vm);
void rt_irq_pt_reset(struct axvm_vm *vm);
void rt_irq_pt_release(struct axvm_vm *vm);
bool rt_irq_pt_forward(uint32_t intid);

/* timer.c */
void rt_timer_init(void);
void rt_timer_irq(void);

/* smp.c */
unsigned rt_smp_start(void);
int64_t rt_psci_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);

struct axvm_platform_config;
int rt_builtin_selftest_config(struct axvm_platform_config *cfg);
void rt_cpu_main(unsigned cpu);
_Noreturn void rt_system_off(void);

#endif
