/* Inter-VM channels: a pool of AXVM_MAX_IVC_CHANNELS, each a set of host pages
 * mapped into two VMs plus a doorbell interrupt per side.
 *
 * Channel ids carry a generation (id = generation * AXVM_MAX_IVC_CHANNELS +
 * slot) so that a stale id never names a later channel in the same slot.
 * A doorbell raises the peer's irq on the peer's vCPU 0: the boot vCPU is the
 * one guaranteed to be running, and a guest wanting another target routes the
 * interrupt itself (vGIC routing) once it is delivered. */
#include "axvm/arch.h"
#include "axvm/hal.h"
#include "axvm/ivc.h"
#include "axvm/lib.h"
#include "axvm/vm.h"

/* Upper bound for one channel: a hostile guest may not drain the page pool. */
#define IVC_MAX_SIZE (16ull << 20)

/* A pair of VMs the configuration connects, and the doorbell of one declared
 * channel between them in each (vm[i] is raised irq[i]). */
struct ivc_link {
    struct axvm_vm *vm[2];
    uint32_t irq[2];
};

static struct axvm_ivc_channel channels[AXVM_MAX_IVC_CHANNELS];
static struct ivc_link links[AXVM_MAX_IVC_CHANNELS];
static unsigned n_links;
static uint32_t generation[AXVM_MAX_IVC_CHANNELS];
static axvm_spinlock_t ivc_lock = AXVM_SPINLOCK_INIT;

static struct axvm_ivc_channel *lookup(uint32_t id)
{
    struct axvm_ivc_channel *ch = &channels[id % AXVM_MAX_IVC_CHANNELS];
    return ch->in_use && ch->id == id ? ch : NULL;
}

/* Emulated devices are no address-space regions (they stay unmapped so that
 * accesses trap): memory mapped over one would silently replace the device
 * (think of a peer's interrupt controller), so refuse it. */
static bool overlaps_device(const struct axvm_vm *vm, axvm_gpa_t gpa, uint64_t size)
{
    uint64_t last = gpa + size - 1;
    for (unsigned i = 0; i < vm->devices.n_mmio; i++) {
        const struct axvm_dev *d = &vm->devices.mmio[i];
        if (gpa <= d->base + d->size - 1 && d->base <= last)
            return true;
    }
    for (unsigned i = 0; i < vm->cfg.n_devs; i++) {
        const struct axvm_emu_dev_config *d = &vm->cfg.devs[i];
        if (d->kind != AXVM_EMU_UART16550 && gpa <= d->base + d->size - 1 && d->base <= last)
            return true;
    }
    return false;
}

static int end_map(struct axvm_vm *vm, axvm_gpa_t gpa, void *pages, uint64_t size)
{
    if (overlaps_device(vm, gpa, size))
        return AXVM_EOVERLAP;
    int rc = axvm_as_add_shared(&vm->as, gpa, pages, size, AXVM_MAP_READ | AXVM_MAP_WRITE);
    if (rc || axvm_arch->pt_format)
        return rc;
    rc = axvm_arch->vm_map_region(vm, axvm_as_find(&vm->as, gpa));
    if (rc)
        (void)axvm_as_remove(&vm->as, gpa);
    return rc;
}

static void end_unmap(struct axvm_vm *vm, axvm_gpa_t gpa)
{
    const struct axvm_region *r = axvm_as_find(&vm->as, gpa);
    if (!r || r->gpa != gpa || r->type != AXVM_REGION_SHARED)
        return;
    if (!axvm_arch->pt_format && axvm_arch->vm_unmap_region)
        (void)axvm_arch->vm_unmap_region(vm, r);
    (void)axvm_as_remove(&vm->as, gpa);
    if (axvm_arch->vm_tlb_flush)
        axvm_arch->vm_tlb_flush(vm);
}

int axvm_ivc_alloc(struct axvm_vm *a, axvm_gpa_t gpa_a, uint32_t irq_a, struct axvm_vm *b, axvm_gpa_t gpa_b,
                   uint32_t irq_b, uint64_t size, uint32_t *id_out)
{
    if (!a || !b || a == b || size == 0 || size > IVC_MAX_SIZE)
        return AXVM_EINVAL;
    /* a VM still being built has no stable address space yet */
    if (!a->in_use || !b->in_use || axvm_vm_state(a) == AXVM_VM_LOADING || axvm_vm_state(b) == AXVM_VM_LOADING)
        return AXVM_ESTATE;
    if (!AXVM_IS_ALIGNED(gpa_a, AXVM_PAGE_SIZE) || !AXVM_IS_ALIGNED(gpa_b, AXVM_PAGE_SIZE))
        return AXVM_EINVAL;
    size = AXVM_ALIGN_UP(size, AXVM_PAGE_SIZE);
    if (gpa_a + size - 1 < gpa_a || gpa_b + size - 1 < gpa_b)
        return AXVM_EINVAL;

    axvm_spin_lock(&ivc_lock);
    struct axvm_ivc_channel *ch = NULL;
    unsigned slot = 0;
    for (; slot < AXVM_MAX_IVC_CHANNELS; slot++) {
        if (!channels[slot].in_use) {
            ch = &channels[slot];
            break;
        }
    }
    if (!ch) {
        axvm_spin_unlock(&ivc_lock);
        return AXVM_ENOMEM;
    }
    size_t npages = (size_t)(size >> AXVM_PAGE_SHIFT);
    void *pages = hal_pages_alloc(npages, AXVM_PAGE_SIZE);
    if (!pages) {
        axvm_spin_unlock(&ivc_lock);
        return AXVM_ENOMEM;
    }
    memset(pages, 0, (size_t)size);
    int rc = end_map(a, gpa_a, pages, size);
    if (!rc) {
        rc = end_map(b, gpa_b, pages, size);
        if (rc)
            end_unmap(a, gpa_a);
    }
    if (rc) {
        hal_pages_free(pages, npages);
        axvm_spin_unlock(&ivc_lock);
        return rc;
    }
    /* ids stay below 2^31: the hypercall returns them in a signed result */
    generation[slot] = (generation[slot] + 1) % (INT32_MAX / AXVM_MAX_IVC_CHANNELS);
    memset(ch, 0, sizeof(*ch));
    ch->in_use = true;
    ch->id = generation[slot] * AXVM_MAX_IVC_CHANNELS + slot;
    ch->pages = pages;
    ch->size = size;
    ch->end[0] = (struct axvm_ivc_end){a, gpa_a, irq_a};
    ch->end[1] = (struct axvm_ivc_end){b, gpa_b, irq_b};
    if (id_out)
        *id_out = ch->id;
    axvm_spin_unlock(&ivc_lock);
    return AXVM_OK;
}

int axvm_ivc_link(struct axvm_vm *a, struct axvm_vm *b, uint32_t irq_a, uint32_t irq_b)
{
    if (!a || !b || a == b)
        return AXVM_EINVAL;
    int rc = AXVM_OK;
    axvm_spin_lock(&ivc_lock);
    unsigned i = 0;
    for (; i < n_links; i++) {
        const struct ivc_link *l = &links[i];
        if ((l->vm[0] == a && l->vm[1] == b && l->irq[0] == irq_a && l->irq[1] == irq_b) ||
            (l->vm[0] == b && l->vm[1] == a && l->irq[0] == irq_b && l->irq[1] == irq_a))
            break;
    }
    if (i == n_links) {
        if (n_links == AXVM_MAX_IVC_CHANNELS)
            rc = AXVM_ENOMEM;
        else
            links[n_links++] = (struct ivc_link){{a, b}, {irq_a, irq_b}};
    }
    axvm_spin_unlock(&ivc_lock);
    return rc;
}

/* Under ivc_lock. Bit 0: the pair is linked; bit 1: my_irq is declared for
 * vm's end; bit 2: peer_irq for peer's end (each in any link of the pair). */
static unsigned link_check_locked(const struct axvm_vm *vm, uint32_t my_irq, const struct axvm_vm *peer,
                                  uint32_t peer_irq)
{
    unsigned found = 0;
    for (unsigned i = 0; i < n_links; i++) {
        const struct ivc_link *l = &links[i];
        for (unsigned me = 0; me < 2; me++) {
            if (l->vm[me] != vm || l->vm[1 - me] != peer)
                continue;
            found |= 1u;
            if (l->irq[me] == my_irq)
                found |= 2u;
            if (l->irq[1 - me] == peer_irq)
                found |= 4u;
        }
    }
    return found;
}

int axvm_ivc_request(struct axvm_vm *vm, axvm_gpa_t my_gpa, uint32_t my_irq, struct axvm_vm *peer,
                     axvm_gpa_t peer_gpa, uint32_t peer_irq, uint64_t size, uint32_t *id_out)
{
    if (!vm)
        return AXVM_EINVAL;
    if (peer == vm)
        return AXVM_EINVAL; /* its own id: nothing to hide */
    if (!peer)
        return AXVM_ENOENT;
    axvm_spin_lock(&ivc_lock);
    unsigned found = link_check_locked(vm, my_irq, peer, peer_irq);
    axvm_spin_unlock(&ivc_lock);
    /* an unlinked VM answers like a missing one, whatever the other arguments */
    if (!(found & 1u))
        return AXVM_ENOENT;
    if (found != 7u)
        return AXVM_EINVAL;
    /* links only go when a VM is destroyed, which a VM running this call
     * cannot be; the peer's destruction is serialised by axvm_ivc_alloc's
     * state checks and ivc_lock like a host request's */
    return axvm_ivc_alloc(vm, my_gpa, my_irq, peer, peer_gpa, peer_irq, size, id_out);
}

static void release_locked(struct axvm_ivc_channel *ch)
{
    end_unmap(ch->end[0].vm, ch->end[0].gpa);
    end_unmap(ch->end[1].vm, ch->end[1].gpa);
    hal_pages_free(ch->pages, (size_t)(ch->size >> AXVM_PAGE_SHIFT));
    ch->in_use = false;
    ch->pages = NULL;
}

int axvm_ivc_release(uint32_t id, struct axvm_vm *by)
{
    axvm_spin_lock(&ivc_lock);
    struct axvm_ivc_channel *ch = lookup(id);
    int rc = AXVM_OK;
    if (!ch)
        rc = AXVM_ENOENT;
    else if (by && ch->end[0].vm != by && ch->end[1].vm != by)
        rc = AXVM_EINVAL;
    else
        release_locked(ch);
    axvm_spin_unlock(&ivc_lock);
    return rc;
}

int axvm_ivc_doorbell(uint32_t id, struct axvm_vm *from)
{
    axvm_spin_lock(&ivc_lock);
    struct axvm_ivc_channel *ch = lookup(id);
    if (!ch) {
        axvm_spin_unlock(&ivc_lock);
        return AXVM_ENOENT;
    }
    unsigned to;
    if (from == ch->end[0].vm)
        to = 1;
    else if (from == ch->end[1].vm)
        to = 0;
    else {
        axvm_spin_unlock(&ivc_lock);
        return AXVM_EINVAL;
    }
    struct axvm_vm *peer = ch->end[to].vm;
    uint32_t irq = ch->end[to].irq;
    ch->doorbells[to]++;
    axvm_spin_unlock(&ivc_lock);
    return axvm_vm_inject_irq(peer, 1, irq);
}

const struct axvm_ivc_channel *axvm_ivc_get(uint32_t id)
{
    return lookup(id);
}

int axvm_ivc_find(const struct axvm_vm *vm, axvm_gpa_t gpa, uint32_t *id_out)
{
    int rc = AXVM_ENOENT;
    axvm_spin_lock(&ivc_lock);
    for (unsigned i = 0; i < AXVM_MAX_IVC_CHANNELS && rc; i++) {
        const struct axvm_ivc_channel *ch = &channels[i];
        for (unsigned e = 0; ch->in_use && e < 2 && rc; e++) {
            if (ch->end[e].vm == vm && ch->end[e].gpa == gpa) {
                if (id_out)
                    *id_out = ch->id;
                rc = AXVM_OK;
            }
        }
    }
    axvm_spin_unlock(&ivc_lock);
    return rc;
}

void axvm_ivc_release_all(struct axvm_vm *vm)
{
    axvm_spin_lock(&ivc_lock);
    for (unsigned i = 0; i < AXVM_MAX_IVC_CHANNELS; i++) {
        struct axvm_ivc_channel *ch = &channels[i];
        if (ch->in_use && (ch->end[0].vm == vm || ch->end[1].vm == vm))
            release_locked(ch);
    }
    /* a VM slot is reused by the next VM created: its links must not be */
    unsigned kept = 0;
    for (unsigned i = 0; i < n_links; i++)
        if (links[i].vm[0] != vm && links[i].vm[1] != vm)
            links[kept++] = links[i];
    n_links = kept;
    axvm_spin_unlock(&ivc_lock);
}
