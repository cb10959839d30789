/* The hypervisor's console commands: Ctrl-] followed by one byte.
 *
 *   Ctrl-] 1..9   console input to the VM listed at that position
 *   Ctrl-] n      console input to the next VM that has a console
 *   Ctrl-] s      status: VMs, states, vCPU -> pCPU placement, exit statistics
 *   Ctrl-] h, ?   help
 *   Ctrl-] Ctrl-] a Ctrl-] for the VM itself
 *
 * Ctrl-] and not Ctrl-a: QEMU's -nographic keeps Ctrl-a for itself. The
 * commands run on the CPU that took the console interrupt, between guest
 * entries, so they only read what the VMs are doing. */
#include "axvm/hal.h"
#include "axvm/log.h"
#include "axvm/stats.h"
#include "axvm/vm.h"
#include "a64.h"
#include "rt.h"

/* Hypervisor messages start on a line of their own. */
static void line_start(void)
{
    if (rt_console_midline())
        hal_console_write("\n", 1);
}

static unsigned vm_position(const struct axvm_vm *vm)
{
    for (unsigned i = 0;; i++) {
        const struct axvm_vm *v = axvm_vm_at(i);
        if (!v)
            return 0;
        if (v == vm)
            return i + 1;
    }
}

void rt_console_announce(void)
{
    struct axvm_vm *vm = a64_console_focus();
    line_start();
    if (!vm) {
        axvm_printf("axvm: console input goes to no VM (none has a console); Ctrl-] h for help\n");
        return;
    }
    axvm_printf("axvm: console input goes to #%u %s; Ctrl-] then 1-9 picks a VM, n the next, s shows status, "
                "h help\n",
                vm_position(vm), vm->cfg.name);
}

static void focus(struct axvm_vm *vm)
{
    int r = a64_console_set_focus(vm);
    if (r != AXVM_OK) {
        line_start();
        axvm_printf("axvm: vm %s has no console (%s)\n", vm->cfg.name, axvm_strerror(r));
        return;
    }
    line_start();
    axvm_printf("axvm: console input -> #%u %s\n", vm_position(vm), vm->cfg.name);
}

/* The next VM after the current owner (in table order, wrapping) that has
 * a console and has not stopped. */
static void focus_next(void)
{
    struct axvm_vm *cur = a64_console_focus();
    unsigned n = 0, at = 0;
    while (axvm_vm_at(n))
        n++;
    if (cur)
        at = vm_position(cur);
    for (unsigned k = 1; k <= n; k++) {
        struct axvm_vm *vm = axvm_vm_at((at + k - 1) % n);
        if (vm && vm != cur && axvm_vm_state(vm) != AXVM_VM_STOPPED && a64_console_set_focus(vm) == AXVM_OK) {
            line_start();
            axvm_printf("axvm: console input -> #%u %s\n", vm_position(vm), vm->cfg.name);
            return;
        }
    }
    line_start();
    axvm_printf("axvm: no other VM with a console\n");
}

/* Input for a VM that has stopped goes nowhere: say so, once per VM. */
void rt_console_check_focus(void)
{
    static const struct axvm_vm *warned;
    struct axvm_vm *vm = a64_console_focus();
    if (!vm || vm == warned || axvm_vm_state(vm) != AXVM_VM_STOPPED)
        return;
    warned = vm;
    line_start();
    axvm_printf("axvm: vm %s has stopped, its input is dropped; Ctrl-] n switches to the next VM\n", vm->cfg.name);
}

static void status(void)
{
    struct axvm_vm *input = a64_console_focus();
    unsigned n = 0;
    while (axvm_vm_at(n))
        n++;
    uint64_t ms = hal_time_ns() / 1000000u;
    line_start();
    axvm_printf("axvm: status: %u VM(s), %u CPU(s), up %llu.%03llu s\n", n, rt_ncpus,
                (unsigned long long)(ms / 1000u), (unsigned long long)(ms % 1000u));
    for (unsigned c = 0; c < rt_ncpus; c++) {
        const struct axvm_vcpu *v = rt_cpus[c].current;
        if (v && v->vm)
            axvm_printf("axvm:   pcpu %u: last ran vm %s vcpu %u\n", c, v->vm->cfg.name, v->id);
        else
            axvm_printf("axvm:   pcpu %u: no vCPU yet\n", c);
    }
    for (unsigned i = 0; i < n; i++) {
        const struct axvm_vm *vm = axvm_vm_at(i);
        if (!vm)
            break;
        axvm_printf("axvm: #%u%s\n", i + 1, vm == input ? " (console input)" : "");
        axvm_stats_print_vm(vm);
    }
    axvm_printf("axvm: end of status\n");
}

static void help(void)
{
    line_start();
    static const char *const lines[] = {
        "console commands: Ctrl-] then",
        "  1-9     send input to the VM at that position (see s)",
        "  n       send input to the next VM",
        "  s       status: VMs, vCPU placement, exit statistics",
        "  h ?     this help",
        "  Ctrl-]  a Ctrl-] for the VM",
    };
    for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        axvm_printf("axvm: %s\n", lines[i]);
}

void rt_console_command(char c)
{
    if (c >= '1' && c <= '9') {
        struct axvm_vm *vm = axvm_vm_at((unsigned)(c - '1'));
        if (vm) {
            focus(vm);
        } else {
            line_start();
            axvm_printf("axvm: no VM #%c\n", c);
        }
        return;
    }
    switch (c) {
    case 'n':
        focus_next();
        return;
    case 's':
        status();
        return;
    case 'h':
    case '?':
        help();
        return;
    default:
        line_start();
        axvm_printf("axvm: unknown console command 0x%02x; Ctrl-] h for help\n", (unsigned)(unsigned char)c);
        return;
    }
}
