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
/* Release: unmap from both VMs and free. AXVM_ENOENT if not allocated
 * (including a double release); AXVM_EINVAL if `by` is not an end (NULL: host). */
int axvm_ivc_release(uint32_t id, struct axvm_vm *by);
/* Ring the other end's doorbell. AXVM_ENOENT / AXVM_EINVAL as above. */
int axvm_ivc_doorbell(uint32_t id, struct axvm_vm *from);
const struct axvm_ivc_channel *axvm_ivc_get(uint32_t id);
/* Id of the channel whose end in `vm` is mapped at `gpa` (the first page of
 * the window); AXVM_ENOENT if none. */
int axvm_ivc_find(const struct axvm_vm *vm, axvm_gpa_t gpa, uint32_t *id_out);
/* Release every channel one VM is an end of (VM destruction). */
void axvm_ivc_release_all(struct axvm_vm *vm);

#endif
