/* The hypervisor's main: bring the machine up, build the VMs of the
 * configuration blob, run them on every CPU, and power off when all stopped. */
#include <stdatomic.h>

#include "axvm/arch.h"
#include "axvm/config.h"
#include "axvm/hal.h"
#include "axvm/ivc.h"
#include "axvm/lib.h"
#include "axvm/log.h"
#include "axvm/sched.h"
#include "axvm/stats.h"
#include "axvm/vm.h"
#include "a64.h"
#include "rt.h"
#include "sysreg.h"

static _Atomic bool vms_ready;
static _Atomic bool all_stopped;
static struct axvm_platform_config plat_cfg;

/* A configuration compiled into the image (the self-test build embeds a
 * smoke guest); used only when no blob was loaded at PLAT_CONFIG_BASE. */
__attribute__((weak)) int rt_builtin_selftest_config(struct axvm_platform_config *cfg)
{
    (void)cfg;
    return AXVM_ENOENT;
}

static bool rt_should_stop(void)
{
    if (atomic_load(&all_stopped))
        return true;
    for (unsigned i = 0;; i++) {
        struct axvm_vm *vm = axvm_vm_at(i);
        if (!vm)
            break;
        if (axvm_vm_state(vm) != AXVM_VM_STOPPED)
            return false;
    }
    atomic_store(&all_stopped, true);
    for (unsigned c = 0; c < rt_ncpus; c++)
        hal_cpu_kick(c);
    return true;
}

static void cpu_common_init(unsigned cpu)
{
    rt_cpus[cpu].id = cpu;
    rt_cpus[cpu].mpidr = read_sysreg(mpidr_el1) & 0xff00ffffffull;
    rt_cpus[cpu].timer_deadline_ns = UINT64_MAX;
    rt_gic_cpu_init(cpu);
    rt_timer_init();
}

static int load_config(void)
{
    char err[128] = "";
    int r = axvm_config_load((const void *)(uintptr_t)PLAT_CONFIG_BASE, PLAT_CONFIG_MAX, &plat_cfg, err,
                             sizeof(err));
    if (r == AXVM_OK)
        return AXVM_OK;
    if (rt_builtin_selftest_config(&plat_cfg) == AXVM_OK) {
        axvm_printf("axvm: no configuration blob (%s); using the built-in self-test configuration\n", err);
        return AXVM_OK;
    }
    axvm_printf("axvm: configuration blob at 0x%llx rejected: %s (%s)\n", (unsigned long long)PLAT_CONFIG_BASE,
                err, axvm_strerror(r));
    return r;
}

/* Why a VM of the configuration cannot run on this machine, or NULL. */
static const char *vm_unrunnable(unsigned i)
{
    const struct axvm_vm_config *c = &plat_cfg.vms[i];
    if (plat_cfg.arch[i] != AXVM_CONFIG_ARCH_AARCH64)
        return "it is not an aarch64 VM (base.arch)";
    /* A vCPU pinned to a CPU this machine does not have would never run. */
    for (unsigned v = 0; v < c->vcpu_count && v < AXVM_MAX_VCPUS; v++)
        if (c->phys_cpu[v] >= rt_ncpus)
            return "a vCPU is pinned to a CPU this machine does not have (base.phys_cpu_ids)";
    return NULL;
}

static void print_ram_placement(const struct axvm_vm *vm)
{
    /* Where each VM's RAM is in host memory (identity-mapped here): what
     * the isolation tests probe for. */
    for (unsigned k = 0; k < vm->as.n_regions; k++) {
        const struct axvm_region *r = &vm->as.regions[k];
        if (r->type == AXVM_REGION_RAM && r->hva)
            axvm_printf("axvm: vm %s: ram 0x%llx+0x%llx at host 0x%llx\n", vm->cfg.name,
                        (unsigned long long)r->gpa, (unsigned long long)r->size, (unsigned long long)r->hpa);
    }
}

/* Build every VM and channel of the configuration, or none: a configuration
 * that cannot be realised whole is refused, and nothing half-built runs. */
static void build_vms(void)
{
    if (load_config() != AXVM_OK)
        return;
    struct axvm_vm *vms[AXVM_MAX_VMS] = {0};
    bool ok = true;
    for (unsigned i = 0; i < plat_cfg.n_vms && ok; i++) {
        const char *why = vm_unrunnable(i);
        int r = why ? AXVM_EINVAL : axvm_vm_create(&plat_cfg.vms[i], &vms[i]);
        if (r != AXVM_OK) {
            axvm_printf("axvm: vm %s: cannot be created: %s\n", plat_cfg.vms[i].name, why ? why : axvm_strerror(r));
            vms[i] = NULL;
            ok = false;
        }
    }
    for (unsigned i = 0; i < plat_cfg.n_ivc && ok; i++) {
        const struct axvm_ivc_config *c = &plat_cfg.ivc[i];
        struct axvm_vm *a = axvm_vm_by_id(c->vm_a), *b = axvm_vm_by_id(c->vm_b);
        uint32_t id;
        /* the link is what lets the pair's guests allocate channels at run
         * time, with these doorbells only (include/axvm/ivc.h) */
        int r = (a && b) ? axvm_ivc_link(a, b, c->irq_a, c->irq_b) : AXVM_ENOENT;
        if (r == AXVM_OK)
            r = axvm_ivc_alloc(a, c->gpa_a, c->irq_a, b, c->gpa_b, c->irq_b, c->size, &id);
        if (r != AXVM_OK) {
            axvm_printf("axvm: ivc channel %u (vm %u <-> vm %u): %s\n", i, c->vm_a, c->vm_b, axvm_strerror(r));
            ok = false;
        } else {
            axvm_printf("axvm: ivc channel %u: vm %u <-> vm %u, %llu bytes\n", id, c->vm_a, c->vm_b,
                        (unsigned long long)c->size);
        }
    }
    if (!ok) {
        for (unsigned i = 0; i < plat_cfg.n_vms; i++)
            if (vms[i])
                (void)axvm_vm_destroy(vms[i]); /* also releases its channels */
        axvm_printf("axvm: configuration refused: no VM started\n");
        return;
    }
    unsigned created = 0;
    for (unsigned i = 0; i < plat_cfg.n_vms; i++) {
        print_ram_placement(vms[i]);
        created++;
    }
    /* Several VMs share the console: tell their lines apart. */
    if (created > 1)
        axvm_vm_console_set_prefix(true);
    for (unsigned i = 0; i < plat_cfg.n_vms; i++) {
        int r = axvm_vm_boot(vms[i]);
        if (r != AXVM_OK)
            axvm_printf("axvm: vm %s: boot failed: %s\n", vms[i]->cfg.name, axvm_strerror(r));
        else
            axvm_printf("axvm: vm %s: booted, %u vCPU(s)\n", vms[i]->cfg.name, vms[i]->cfg.vcpu_count);
    }
    if (created > 1)
        rt_console_announce();
}

static _Noreturn void primary_main(void)
{
    rt_console_init();
    rt_console_puts_raw("axvm: EL2 hypervisor starting on QEMU virt\n");
    if (!a64_arch_ops.hardware_supported()) {
        rt_console_puts_raw("axvm: not entered at EL2, cannot host guests\n");
        hal_halt();
    }
    rt_palloc_init(PLAT_POOL_BASE, PLAT_POOL_END);
    rt_gic_dist_init();
    cpu_common_init(0);
    int r = axvm_init(&a64_arch_ops);
    if (r == AXVM_OK)
        r = a64_arch_ops.percpu_init(0);
    if (r != AXVM_OK) {
        axvm_printf("axvm: backend init failed: %s\n", axvm_strerror(r));
        hal_halt();
    }
    atomic_store(&rt_cpus[0].online, true);
    rt_ncpus = rt_smp_start();
    axvm_printf("axvm: %u CPUs online, page pool %llu MiB free\n", rt_ncpus,
                (unsigned long long)(rt_palloc_free_pages() >> 8));

    build_vms();
    atomic_store_explicit(&vms_ready, true, memory_order_release);
    for (unsigned c = 1; c < rt_ncpus; c++)
        hal_cpu_kick(c);

    axvm_pcpu_loop(rt_should_stop);

    for (unsigned i = 0;; i++) {
        struct axvm_vm *vm = axvm_vm_at(i);
        if (!vm)
            break;
        axvm_stats_print_vm(vm);
    }
    axvm_printf("axvm: all VMs stopped, powering off\n");
    rt_system_off();
}

static _Noreturn void secondary_main(unsigned cpu)
{
    cpu_common_init(cpu);
    if (a64_arch_ops.percpu_init(cpu) != AXVM_OK) {
        rt_console_puts_raw("axvm: secondary CPU init failed\n");
        for (;;)
            __asm__ volatile("wfi");
    }
    /* rt_ncpus grows as CPUs come up; CPU 0 waits for each one. */
    atomic_store_explicit(&rt_cpus[cpu].online, true, memory_order_release);
    while (!atomic_load_explicit(&vms_ready, memory_order_acquire))
        hal_cpu_idle();
    axvm_pcpu_loop(rt_should_stop);
    for (;;)
        hal_cpu_idle();
}

void rt_cpu_main(unsigned cpu)
{
    if (cpu == 0)
        primary_main();
    secondary_main(cpu);
}
