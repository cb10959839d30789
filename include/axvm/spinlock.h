/* A ticket spinlock on C11 atomics: fair, tiny, usable freestanding and hosted. */
#ifndef AXVM_SPINLOCK_H
#define AXVM_SPINLOCK_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct {
    _Atomic uint32_t next;
    _Atomic uint32_t owner;
} axvm_spinlock_t;

#define AXVM_SPINLOCK_INIT {0, 0}

static inline void axvm_spin_init(axvm_spinlock_t *l)
{
    atomic_init(&l->next, 0);
    atomic_init(&l->owner, 0);
}

static inline void axvm_spin_lock(axvm_spinlock_t *l)
{
    uint32_t ticket = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
    while (atomic_load_explicit(&l->owner, memory_order_acquire) != ticket) {
    }
}

static inline void axvm_spin_unlock(axvm_spinlock_t *l)
{
    uint32_t o = atomic_load_explicit(&l->owner, memory_order_relaxed);
    atomic_store_explicit(&l->owner, o + 1, memory_order_release);
}

#endif
