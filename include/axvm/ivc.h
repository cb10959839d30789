/* Inter-VM communication channels: one set of host pages mapped into two
 * VMs' address spaces, plus a doorbell interrupt for each side. */
#ifndef AXVM_IVC_H
#define AXVM_IVC_H

#include "axvm/types.h"

struct axvm_vm;

struct axvm_ivc_end {
    struct axvm_vm *vm;
    axvm_gpa_t gpa;     /* where the shared pages appear in this VM */
    uint32_t irq;       /* doorbell interrupt raised in this VM */
};

struct axvm_ivc_channel {
    bool in_use;
    uint32_t id;
    void *pages;        /* host-virtual */
    uint64_t size;      /* bytes, page multiple */
    struct axvm_ivc_end end[2];
    uint64_t doorbells[2]; /* rings delivered to end[i] */
};

/* Channel ids carry a generation, so an id stays invalid after its channel is
 * released even when the slot is reused. A doorbell raises the receiving
 * end's irq on that VM's vCPU 0. A channel is at most 16 MiB; neither end's
 * range may overlap its RAM, other regions or an emulated device. */

/* Allocate a channel of `size` bytes (rounded up to pages) shared by a and b,
 * mapped at gpa_a in a and gpa_b in b. Errors: AXVM_EINVAL (same VM, size 0
 * or overflow, gpa misaligned), AXVM_ESTATE (a VM still LOADING),
 * AXVM_EOVERLAP (the guest range is taken), AXVM_ENOMEM (pool or memory
 * exhausted). */
int axvm_ivc_alloc(struct axvm_vm *a, axvm_gpa_t gpa_a, uint32_t irq_a,
                   struct axvm_vm *b, axvm_gpa_t gpa_b, uint32_t irq_b,
                   uint64_t size, uint32_t *id_out);

/* Who may allocate channels at run time (AXVM_HC_IVC_ALLOC). The host's own
 * axvm_ivc_alloc above applies no policy: it is the platform configuration
 * speaking. A guest's request is confined to what that configuration allows:
 *  - only towards a VM it is linked to: the host records a link per
 *    configured channel (axvm_ivc_link) before allocating it, and the link
 *    outlives that channel's release (run-time channels between the pair stay
 *    possible) until one of the two VMs is destroyed. An unlinked VM answers
 *    exactly like a nonexistent one (AXVM_ENOENT), before any other argument
 *    is looked at: a guest learns nothing of VMs it was not configured to see;
 *  - each end's doorbell must be one the configuration declared for that
 *    VM's end of a channel between the pair (AXVM_EINVAL otherwise): a guest
 *    cannot raise arbitrary interrupts (a timer PPI, an SGI) in its peer;
 *  - both windows go through the checks of axvm_ivc_alloc: neither may
 *    overlap that VM's RAM, regions, IVC windows or emulated devices. */

/* Record that the configuration links a and b by a channel whose doorbell is
 * irq_a in a and irq_b in b. Recording the same link twice is harmless.
 * AXVM_EINVAL (NULL or the same VM), AXVM_ENOMEM (AXVM_MAX_IVC_CHANNELS
 * distinct links already). */
int axvm_ivc_link(struct axvm_vm *a, struct axvm_vm *b, uint32_t irq_a, uint32_t irq_b);
/* A guest's run-time request from `vm` towards `peer` (NULL: no VM with the
 * id it named), checked against the links, then axvm_ivc_alloc. AXVM_ENOENT
 * (no such peer, or not linked), AXVM_EINVAL (itself, an undeclared doorbell)
 * and the errors of axvm_ivc_alloc. */
int axvm_ivc_request(struct axvm_vm *vm, axvm_gpa_t my_gpa, uint32_t my_irq, struct axvm_vm *peer,
                     axvm_gpa_t peer_gpa, uint32_t peer_irq, uint64_t size, uint32_t *id_out);

/* Release: unmap from both VMs and free. AXVM_ENOENT if not allocated
 * (including a double release); AXVM_EINVAL if `by` is not an end (NULL: host). */
int axvm_ivc_release(uint32_t id, struct axvm_vm *by);
/* Ring the other end's doorbell. AXVM_ENOENT / AXVM_EINVAL as above. */
int axvm_ivc_doorbell(uint32_t id, struct axvm_vm *from);
const struct axvm_ivc_channel *axvm_ivc_get(uint32_t id);
/* Id of the channel whose end in `vm` is mapped at `gpa` (the first page of
 * the window); AXVM_ENOENT if none. */
int axvm_ivc_find(const struct axvm_vm *vm, axvm_gpa_t gpa, uint32_t *id_out);
/* Release every channel one VM is an end of and forget its links (VM
 * destruction). */
void axvm_ivc_release_all(struct axvm_vm *vm);

#endif
