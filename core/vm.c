/* VM table, construction / teardown and the lifecycle state machine. */
#include "axvm/arch.h"
#include "axvm/hal.h"
#include "axvm/ivc.h"
#include "axvm/lib.h"
#include "axvm/log.h"
#include "axvm/sched.h"
#include "axvm/vm.h"
#include "internal.h"

static struct axvm_vm vms[AXVM_MAX_VMS];
static axvm_spinlock_t table_lock = AXVM_SPINLOCK_INIT;

#define V(x) (1u << AXVM_VM_##x)
static const unsigned legal_next[] = {
    [AXVM_VM_LOADING] = V(LOADED),
    [AXVM_VM_LOADED] = V(RUNNING),
    [AXVM_VM_RUNNING] = V(SUSPENDED) | V(STOPPING),
    [AXVM_VM_SUSPENDED] = V(RUNNING) | V(STOPPING),
    [AXVM_VM_STOPPING] = V(STOPPED) | V(LOADED),
    [AXVM_VM_STOPPED] = V(LOADED),
};

int axvm_vm_set_state(struct axvm_vm *vm, enum axvm_vm_state from, enum axvm_vm_state to)
{
    if (!vm || (unsigned)from >= AXVM_ARRAY_SIZE(legal_next) || (unsigned)to >= AXVM_ARRAY_SIZE(legal_next))
        return AXVM_EINVAL;
    if (!(legal_next[from] & (1u << to)))
        return AXVM_ESTATE;
    int expected = (int)from;
    if (!atomic_compare_exchange_strong_explicit(&vm->state, &expected, (int)to, memory_order_acq_rel,
                                                 memory_order_acquire))
        return AXVM_ESTATE;
    return AXVM_OK;
}

/* What create has built so far, so that a failure undoes exactly that. */
struct build {
    bool as;
    bool arch_vm;
    unsigned vcpus_created;
    unsigned vcpus_assigned;
};

static void teardown(struct axvm_vm *vm, const struct build *b)
{
    axvm_ivc_release_all(vm);
    for (unsigned i = 0; i < b->vcpus_assigned; i++)
        axvm_pcpu_release(vm->vcpus[i].pcpu, &vm->vcpus[i]);
    for (unsigned i = 0; i < b->vcpus_created; i++)
        if (axvm_arch->vcpu_destroy)
            axvm_arch->vcpu_destroy(&vm->vcpus[i]);
    if (b->arch_vm && axvm_arch->vm_destroy)
        axvm_arch->vm_destroy(vm);
    if (b->as)
        axvm_as_destroy(&vm->as);
    axvm_spin_lock(&table_lock);
    vm->in_use = false;
    axvm_spin_unlock(&table_lock);
}

/* Copy the pristine images in, zeroing RAM first unless it is fresh from the
 * HAL (zeroing a large guest's RAM twice at create costs real time). */
static int load_images(struct axvm_vm *vm, bool zero)
{
    for (unsigned i = 0; zero && i < vm->as.n_regions; i++) {
        struct axvm_region *r = &vm->as.regions[i];
        if (r->type == AXVM_REGION_RAM && r->hva)
            memset(r->hva, 0, (size_t)r->size);
    }
    for (unsigned i = 0; i < vm->cfg.n_images; i++) {
        const struct axvm_image *im = &vm->cfg.images[i];
        int rc = axvm_as_write(&vm->as, im->load_gpa, im->data, im->size);
        if (rc)
            return rc;
    }
    return AXVM_OK;
}

static int map_all_regions(struct axvm_vm *vm)
{
    if (axvm_arch->pt_format)
        return AXVM_OK;
    for (unsigned i = 0; i < vm->as.n_regions; i++) {
        const struct axvm_region *r = &vm->as.regions[i];
        if (r->type == AXVM_REGION_EMULATED)
            continue;
        int rc = axvm_arch->vm_map_region(vm, r);
        if (rc)
            return rc;
    }
    return AXVM_OK;
}

static int build(struct axvm_vm *vm, struct build *b)
{
    const struct axvm_vm_config *cfg = &vm->cfg;
    int rc = axvm_as_init(&vm->as, axvm_arch->pt_format);
    if (rc)
        return rc;
    b->as = true;
    for (unsigned i = 0; i < cfg->n_mem; i++) {
        rc = axvm_as_add_ram(&vm->as, cfg->mem[i].gpa, cfg->mem[i].size, cfg->mem[i].flags);
        if (rc)
            return rc;
    }
    struct axvm_passthrough pt[AXVM_MAX_PASSTHROUGH];
    memcpy(pt, cfg->passthrough, sizeof(pt[0]) * cfg->n_passthrough);
    int npt = axvm_passthrough_normalize(pt, cfg->n_passthrough);
    if (npt < 0)
        return npt;
    for (unsigned i = 0; i < (unsigned)npt; i++) {
        rc = axvm_as_add_passthrough(&vm->as, pt[i].gpa, pt[i].hpa, pt[i].size);
        if (rc)
            return rc;
    }
    axvm_devices_init(&vm->devices, cfg->unhandled);
    if (axvm_arch->vm_init) {
        rc = axvm_arch->vm_init(vm);
        if (rc)
            return rc;
    }
    b->arch_vm = true;
    /* after vm_init: a hosted backend needs its VM handle to map memory */
    rc = map_all_regions(vm);
    if (rc)
        return rc;
    for (unsigned i = 0; i < cfg->n_devs; i++) {
        rc = axvm_arch->vm_attach_device ? axvm_arch->vm_attach_device(vm, &cfg->devs[i]) : AXVM_ENOTSUP;
        if (rc) {
            AXVM_ERR("vm %s: device %u (kind %u at 0x%llx): %s\n", cfg->name, i, cfg->devs[i].kind,
                     (unsigned long long)cfg->devs[i].base, axvm_strerror(rc));
            return rc;
        }
    }
    for (unsigned i = 0; i < cfg->vcpu_count; i++) {
        struct axvm_vcpu *v = &vm->vcpus[i];
        v->vm = vm;
        v->id = i;
        v->pcpu = cfg->phys_cpu[i];
        v->hwid = i; /* MPIDR Aff0 / APIC id = index; vcpu_create may change it */
        atomic_init(&v->state, AXVM_VCPU_CREATED);
        atomic_init(&v->kick, false);
        rc = axvm_arch->vcpu_create(v);
        if (rc)
            return rc;
        b->vcpus_created++;
        rc = axvm_pcpu_assign(v->pcpu, v);
        if (rc)
            return rc;
        b->vcpus_assigned++;
    }
    return load_images(vm, false);
}

int axvm_vm_create(const struct axvm_vm_config *cfg, struct axvm_vm **out)
{
    const char *why = NULL;
    if (!axvm_arch)
        return AXVM_ESTATE;
    int rc = axvm_vm_config_validate(cfg, &why);
    if (rc) {
        AXVM_ERR("vm config rejected: %s (%s)\n", why ? why : "?", axvm_strerror(rc));
        return rc;
    }
    struct axvm_vm *vm = NULL;
    axvm_spin_lock(&table_lock);
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        if (vms[i].in_use && vms[i].cfg.id == cfg->id) {
            axvm_spin_unlock(&table_lock);
            AXVM_ERR("vm %s: id %u already in use\n", cfg->name, cfg->id);
            return AXVM_EBUSY;
        }
    }
    for (unsigned i = 0; i < AXVM_MAX_VMS && !vm; i++)
        if (!vms[i].in_use)
            vm = &vms[i];
    if (vm) {
        memset(vm, 0, sizeof(*vm));
        vm->in_use = true;
    }
    axvm_spin_unlock(&table_lock);
    if (!vm)
        return AXVM_ENOMEM;

    vm->cfg = *cfg;
    atomic_init(&vm->state, AXVM_VM_LOADING);
    axvm_spin_init(&vm->lock);
    axvm_spin_init(&vm->con_lock);
    atomic_init(&vm->vcpus_parked, 0u);

    struct build b = {0};
    rc = build(vm, &b);
    if (rc) {
        AXVM_ERR("vm %s: create failed: %s\n", cfg->name, axvm_strerror(rc));
        teardown(vm, &b);
        return rc;
    }
    (void)axvm_vm_set_state(vm, AXVM_VM_LOADING, AXVM_VM_LOADED);
    if (out)
        *out = vm;
    return AXVM_OK;
}

int axvm_vm_destroy(struct axvm_vm *vm)
{
    if (!vm || !vm->in_use)
        return AXVM_EINVAL;
    enum axvm_vm_state s = axvm_vm_state(vm);
    if (s != AXVM_VM_STOPPED && s != AXVM_VM_LOADED)
        return AXVM_ESTATE;
    axvm_vm_console_flush(vm);
    struct build b = {true, true, vm->cfg.vcpu_count, vm->cfg.vcpu_count};
    teardown(vm, &b);
    return AXVM_OK;
}

struct axvm_vm *axvm_vm_by_id(uint32_t id)
{
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++)
        if (vms[i].in_use && vms[i].cfg.id == id)
            return &vms[i];
    return NULL;
}

struct axvm_vm *axvm_vm_at(unsigned idx)
{
    for (unsigned i = 0; i < AXVM_MAX_VMS; i++) {
        if (!vms[i].in_use)
            continue;
        if (idx == 0)
            return &vms[i];
        idx--;
    }
    return NULL;
}

/* Every vCPU back to power-off, the backend to its reset state, pristine RAM. */
static int reload(struct axvm_vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
        struct axvm_vcpu *v = &vm->vcpus[i];
        if (axvm_vcpu_state(v) != AXVM_VCPU_FREE)
            atomic_store_explicit(&v->state, AXVM_VCPU_FREE, memory_order_release);
    }
    int rc = load_images(vm, true);
    if (rc)
        return rc;
    if (axvm_arch->vm_reset)
        rc = axvm_arch->vm_reset(vm);
    return rc;
}

int axvm_vm_load(struct axvm_vm *vm)
{
    if (!vm || !vm->in_use)
        return AXVM_EINVAL;
    axvm_spin_lock(&vm->lock);
    int rc = axvm_vm_state(vm) == AXVM_VM_STOPPED ? AXVM_OK : AXVM_ESTATE;
    if (!rc)
        rc = reload(vm);
    if (!rc)
        rc = axvm_vm_set_state(vm, AXVM_VM_STOPPED, AXVM_VM_LOADED);
    axvm_spin_unlock(&vm->lock);
    return rc;
}

int axvm_vm_boot(struct axvm_vm *vm)
{
    if (!vm || !vm->in_use)
        return AXVM_EINVAL;
    if (axvm_vm_state(vm) != AXVM_VM_LOADED)
        return AXVM_ESTATE;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
        struct axvm_vcpu *v = &vm->vcpus[i];
        (void)axvm_vcpu_set_state(v, AXVM_VCPU_CREATED, AXVM_VCPU_FREE);
        v->entry = i == 0 ? vm->cfg.entry : 0;
        v->entry_arg = i == 0 ? vm->cfg.entry_arg : 0;
    }
    struct axvm_vcpu *boot = &vm->vcpus[0];
    int rc = axvm_arch->vcpu_setup(boot, vm->cfg.entry, vm->cfg.entry_arg, vm->as.pt.root_pa);
    if (rc)
        return rc;
    rc = axvm_vm_set_state(vm, AXVM_VM_LOADED, AXVM_VM_RUNNING);
    if (rc)
        return rc;
    vm->boot_count++;
    rc = axvm_vcpu_set_state(boot, AXVM_VCPU_FREE, AXVM_VCPU_READY);
    if (rc)
        return rc;
    axvm_vcpu_kick(boot);
    return AXVM_OK;
}

int axvm_vm_suspend(struct axvm_vm *vm)
{
    if (!vm || !vm->in_use)
        return AXVM_EINVAL;
    int rc = axvm_vm_set_state(vm, AXVM_VM_RUNNING, AXVM_VM_SUSPENDED);
    if (rc)
        return rc;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++)
        if (axvm_vcpu_state(&vm->vcpus[i]) == AXVM_VCPU_RUNNING)
            hal_cpu_kick(vm->vcpus[i].pcpu);
    return AXVM_OK;
}

int axvm_vm_resume(struct axvm_vm *vm)
{
    if (!vm || !vm->in_use)
        return AXVM_EINVAL;
    int rc = axvm_vm_set_state(vm, AXVM_VM_SUSPENDED, AXVM_VM_RUNNING);
    if (rc)
        return rc;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++)
        hal_cpu_kick(vm->vcpus[i].pcpu);
    return AXVM_OK;
}

static bool vcpu_out(const struct axvm_vcpu *v)
{
    enum axvm_vcpu_state s = axvm_vcpu_state(v);
    return s == AXVM_VCPU_FREE || s == AXVM_VCPU_INVALID || s == AXVM_VCPU_CREATED;
}

/* Park a vCPU that is not in guest mode (from any CPU). */
static void park(struct axvm_vcpu *v)
{
    if (axvm_vcpu_set_state(v, AXVM_VCPU_READY, AXVM_VCPU_FREE) == AXVM_OK ||
        axvm_vcpu_set_state(v, AXVM_VCPU_BLOCKED, AXVM_VCPU_FREE) == AXVM_OK)
        atomic_fetch_add_explicit(&v->vm->vcpus_parked, 1u, memory_order_relaxed);
}

void axvm_vm_try_finish_stop(struct axvm_vm *vm)
{
    axvm_spin_lock(&vm->lock);
    if (axvm_vm_state(vm) != AXVM_VM_STOPPING) {
        axvm_spin_unlock(&vm->lock);
        return;
    }
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
        if (!vcpu_out(&vm->vcpus[i])) {
            axvm_spin_unlock(&vm->lock);
            return;
        }
    }
    bool restart = false;
    if (vm->reboot_pending) {
        vm->reboot_pending = false;
        int rc = reload(vm);
        if (rc) {
            AXVM_ERR("vm %s: reboot failed: %s\n", vm->cfg.name, axvm_strerror(rc));
            vm->exit_status = rc;
        } else {
            restart = true;
        }
    }
    (void)axvm_vm_set_state(vm, AXVM_VM_STOPPING, restart ? AXVM_VM_LOADED : AXVM_VM_STOPPED);
    axvm_spin_unlock(&vm->lock);
    axvm_vm_console_flush(vm);
    if (restart) {
        AXVM_INFO("vm %s: rebooting\n", vm->cfg.name);
        int rc = axvm_vm_boot(vm);
        if (rc)
            AXVM_ERR("vm %s: boot after reboot failed: %s\n", vm->cfg.name, axvm_strerror(rc));
    } else {
        AXVM_INFO("vm %s: stopped\n", vm->cfg.name);
    }
}

static int stop(struct axvm_vm *vm, bool reboot)
{
    if (!vm || !vm->in_use)
        return AXVM_EINVAL;
    axvm_spin_lock(&vm->lock);
    int rc = axvm_vm_set_state(vm, AXVM_VM_RUNNING, AXVM_VM_STOPPING);
    if (rc)
        rc = axvm_vm_set_state(vm, AXVM_VM_SUSPENDED, AXVM_VM_STOPPING);
    if (!rc) {
        vm->reboot_pending = reboot;
        atomic_store_explicit(&vm->vcpus_parked, 0u, memory_order_relaxed);
        /* under the lock: the stop cannot finish (and a reboot start the
         * next boot, whose vCPUs this must not touch) while we park */
        for (unsigned i = 0; i < vm->cfg.vcpu_count; i++)
            park(&vm->vcpus[i]);
    }
    axvm_spin_unlock(&vm->lock);
    if (rc)
        return rc;
    /* the ones in guest mode or handling an exit park themselves on their
     * pCPU (axvm_vm_park_vcpu) */
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++)
        if (axvm_vcpu_state(&vm->vcpus[i]) == AXVM_VCPU_RUNNING)
            axvm_vcpu_kick(&vm->vcpus[i]);
    axvm_vm_try_finish_stop(vm);
    return AXVM_OK;
}

int axvm_vm_shutdown(struct axvm_vm *vm)
{
    return stop(vm, false);
}

int axvm_vm_reboot(struct axvm_vm *vm)
{
    return stop(vm, true);
}

void axvm_vm_park_vcpu(struct axvm_vcpu *vcpu)
{
    if (!vcpu || !vcpu->vm)
        return;
    struct axvm_vm *vm = vcpu->vm;
    /* check and park atomically with respect to the stop finishing: once a
     * reboot has started the next boot, this vCPU belongs to it */
    axvm_spin_lock(&vm->lock);
    bool stopping = axvm_vm_state(vm) == AXVM_VM_STOPPING;
    if (stopping)
        park(vcpu);
    axvm_spin_unlock(&vm->lock);
    if (stopping)
        axvm_vm_try_finish_stop(vm);
}

int axvm_vm_inject_irq(struct axvm_vm *vm, uint64_t vcpu_mask, uint32_t irq)
{
    if (!vm || !vm->in_use)
        return AXVM_EINVAL;
    int first_err = AXVM_OK;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++) {
        if (!(vcpu_mask & (1ull << i)))
            continue;
        struct axvm_vcpu *v = &vm->vcpus[i];
        int rc = axvm_arch->vcpu_inject_irq(v, irq);
        if (rc) {
            if (!first_err)
                first_err = rc;
            continue;
        }
        axvm_vcpu_kick(v);
    }
    return first_err;
}

struct axvm_vcpu *axvm_vm_vcpu_by_hwid(struct axvm_vm *vm, uint64_t hwid)
{
    if (!vm)
        return NULL;
    for (unsigned i = 0; i < vm->cfg.vcpu_count; i++)
        if (vm->vcpus[i].hwid == hwid)
            return &vm->vcpus[i];
    return NULL;
}

bool axvm_vm_gpa_is_ram(const struct axvm_vm *vm, axvm_gpa_t gpa, uint64_t len)
{
    if (!vm)
        return false;
    struct axvm_region r;
    if (!axvm_as_lookup(&vm->as, gpa, &r) || r.type != AXVM_REGION_RAM)
        return false;
    if (len == 0)
        len = 1;
    return len <= r.size - (gpa - r.gpa);
}
