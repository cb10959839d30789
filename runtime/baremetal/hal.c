/* The HAL services of include/axvm/hal.h that concern CPUs and interrupts,
 * and the hypervisor's own fault handler.
 *
 * The hypervisor never unmasks interrupts at EL2: a pending physical
 * interrupt either makes the guest exit (HCR_EL2.IMO) or ends a WFI, and
 * rt_irq_drain then acknowledges and handles everything that is pending. */
#include <stdatomic.h>

#include "axvm/hal.h"
#include "axvm/log.h"
#include "a64.h"
#include "rt.h"
#include "sysreg.h"

struct rt_percpu rt_cpus[PLAT_MAX_CPUS];
unsigned rt_ncpus = 1;

unsigned hal_cpu_id(void) { return rt_cpu_index(); }
unsigned hal_cpu_count(void) { return rt_ncpus; }

struct axvm_vcpu *rt_current_vcpu(void) { return rt_this_cpu()->current; }
void rt_set_current_vcpu(struct axvm_vcpu *vcpu) { rt_this_cpu()->current = vcpu; }

void hal_cpu_kick(unsigned pcpu)
{
    if (pcpu >= rt_ncpus)
        return;
    atomic_store_explicit(&rt_cpus[pcpu].kicked, true, memory_order_release);
    if (pcpu != rt_cpu_index())
        rt_gic_send_sgi(pcpu, PLAT_SGI_KICK);
}

uint32_t rt_irq_drain(struct axvm_vcpu *vcpu)
{
    uint32_t first = 1023;
    for (;;) {
        uint32_t id = rt_gic_ack();
        if (id >= 1020)
            break;
        if (first == 1023)
            first = id;
        rt_gic_eoi(id);
        switch (id) {
        case PLAT_INTID_HYPTIMER:
            rt_timer_irq();
            rt_gic_deactivate(id);
            break;
        case PLAT_INTID_VTIMER:
            /* The guest's timer: left active, handed to the guest HW-linked. */
            if (vcpu)
                a64_vtimer_irq(vcpu);
            else
                rt_gic_deactivate(id);
            break;
        case PLAT_UART_INTID:
            rt_console_rx_irq();
            rt_gic_deactivate(id);
            rt_console_input_ready();
            break;
        default:
            /* A passthrough SPI stays active: the guest deactivates it. */
            if (rt_irq_pt_forward(id))
                break;
            /* kick SGI, maintenance interrupt: the exit itself is the point */
            rt_gic_deactivate(id);
            break;
        }
    }
    return first;
}

void hal_cpu_idle(void)
{
    struct rt_percpu *pc = rt_this_cpu();
    if (atomic_exchange_explicit(&pc->kicked, false, memory_order_acq_rel))
        return;
    __asm__ volatile("dsb sy\n\twfi" ::: "memory");
    rt_irq_drain(NULL);
    atomic_store_explicit(&pc->kicked, false, memory_order_release);
}

/* Not a power-off: QEMU would exit 0 and a hypervisor bug would look like
 * a clean run. This CPU stops; the others stop at their next exit or wake. */
_Noreturn void hal_halt(void)
{
    rt_console_puts_raw("axvm: hypervisor halted\n");
    for (;;)
        __asm__ volatile("wfi");
}

static void put_hex(const char *name, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[17];
    for (int i = 15; i >= 0; i--) {
        buf[i] = digits[v & 0xf];
        v >>= 4;
    }
    buf[16] = 0;
    rt_console_puts_raw(name);
    rt_console_puts_raw("=0x");
    rt_console_puts_raw(buf);
    rt_console_puts_raw(" ");
}

void rt_hyp_fault(uint64_t *frame, unsigned type);
/* An exception taken at EL2 is a hypervisor bug: dump and stop. Written with
 * the raw console so that it works even if the fault was in the logger. */
void rt_hyp_fault(uint64_t *frame, unsigned type)
{
    rt_console_puts_raw("\naxvm: HYPERVISOR FAULT ");
    put_hex("type", type);
    put_hex("cpu", rt_cpu_index());
    rt_console_puts_raw("\n");
    put_hex("ESR_EL2", read_sysreg(esr_el2));
    put_hex("ELR_EL2", read_sysreg(elr_el2));
    put_hex("FAR_EL2", read_sysreg(far_el2));
    put_hex("SPSR_EL2", read_sysreg(spsr_el2));
    rt_console_puts_raw("\n");
    for (unsigned i = 0; i < 31; i++) {
        char name[4] = {'x', (char)('0' + i / 10), (char)('0' + i % 10), 0};
        put_hex(name, frame[i]);
        if (i % 4 == 3)
            rt_console_puts_raw("\n");
    }
    put_hex("sp", (uint64_t)(uintptr_t)(frame + 34));
    rt_console_puts_raw("\n");
    hal_halt();
}
