/* The fake HAL: see fake_hal.h. */
#include "fake_hal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/timer.h"

uint64_t fake_hal_now;
_Thread_local unsigned fake_hal_cpu;
unsigned fake_hal_ncpus = 4;
uint64_t fake_hal_timer_deadline[FAKE_HAL_MAX_CPUS];
unsigned fake_hal_kicks[FAKE_HAL_MAX_CPUS];
unsigned fake_hal_idles;
void (*fake_hal_idle_hook)(void);
void (*fake_hal_halt_hook)(void);
char fake_hal_console[FAKE_HAL_CONSOLE_MAX];
size_t fake_hal_console_len;

struct alloc {
    void *va;
    size_t npages;
};
static struct alloc *allocs;
static size_t n_allocs, cap_allocs;
static long fail_after = -1;
static bool fail_sticky;
static unsigned long alloc_count;

void fake_hal_console_clear(void)
{
    fake_hal_console_len = 0;
    fake_hal_console[0] = '\0';
}

void fake_hal_reset(void)
{
    fake_hal_now = 0;
    fake_hal_cpu = 0;
    fake_hal_ncpus = 4;
    for (unsigned i = 0; i < FAKE_HAL_MAX_CPUS; i++) {
        fake_hal_timer_deadline[i] = UINT64_MAX;
        fake_hal_kicks[i] = 0;
    }
    fake_hal_idles = 0;
    fake_hal_idle_hook = NULL;
    fake_hal_halt_hook = NULL;
    fail_after = -1;
    fail_sticky = false;
    alloc_count = 0;
    fake_hal_console_clear();
}

int fake_hal_console_has(const char *s)
{
    return strstr(fake_hal_console, s) != NULL;
}

void fake_hal_fail_alloc_after(long n)
{
    fail_after = n;
    fail_sticky = false;
}

void fake_hal_fail_allocs_from(long n)
{
    fail_after = n;
    fail_sticky = true;
}

size_t fake_hal_pages_outstanding(void)
{
    size_t n = 0;
    for (size_t i = 0; i < n_allocs; i++)
        n += allocs[i].npages;
    return n;
}

unsigned long fake_hal_alloc_count(void)
{
    return alloc_count;
}

void *hal_pages_alloc(size_t npages, size_t align)
{
    if (npages == 0 || align < AXVM_PAGE_SIZE || (align & (align - 1)))
        return NULL;
    if (fail_after == 0) {
        if (!fail_sticky)
            fail_after = -1;
        return NULL;
    }
    if (fail_after > 0)
        fail_after--;
    size_t bytes = npages * AXVM_PAGE_SIZE;
    void *va = aligned_alloc(align, bytes);
    if (!va)
        return NULL;
    memset(va, 0, bytes);
    if (n_allocs == cap_allocs) {
        cap_allocs = cap_allocs ? cap_allocs * 2 : 64;
        allocs = realloc(allocs, cap_allocs * sizeof(*allocs));
        if (!allocs)
            abort();
    }
    allocs[n_allocs++] = (struct alloc){va, npages};
    alloc_count++;
    return va;
}

void hal_pages_free(void *va, size_t npages)
{
    for (size_t i = 0; i < n_allocs; i++) {
        if (allocs[i].va == va) {
            if (allocs[i].npages != npages) {
                fprintf(stderr, "fake_hal: free of %p with %zu pages, allocated %zu\n", va, npages, allocs[i].npages);
                abort();
            }
            free(va);
            allocs[i] = allocs[--n_allocs];
            return;
        }
    }
    fprintf(stderr, "fake_hal: free of unknown pages %p\n", va);
    abort();
}

axvm_hpa_t hal_virt_to_phys(const void *va)
{
    return (axvm_hpa_t)(uintptr_t)va;
}

void *hal_phys_to_virt(axvm_hpa_t pa)
{
    return (void *)(uintptr_t)pa;
}

uint64_t hal_time_ns(void)
{
    return fake_hal_now;
}

void hal_timer_set(uint64_t deadline_ns)
{
    if (fake_hal_cpu < FAKE_HAL_MAX_CPUS)
        fake_hal_timer_deadline[fake_hal_cpu] = deadline_ns;
}

int fake_hal_fire_timers(void)
{
    if (fake_hal_cpu >= FAKE_HAL_MAX_CPUS || fake_hal_timer_deadline[fake_hal_cpu] > fake_hal_now)
        return 0;
    axvm_timer_tick();
    return 1;
}

unsigned hal_cpu_id(void)
{
    return fake_hal_cpu;
}

unsigned hal_cpu_count(void)
{
    return fake_hal_ncpus;
}

void hal_cpu_kick(unsigned pcpu)
{
    if (pcpu < FAKE_HAL_MAX_CPUS)
        fake_hal_kicks[pcpu]++;
}

void hal_cpu_idle(void)
{
    fake_hal_idles++;
    if (fake_hal_idle_hook)
        fake_hal_idle_hook();
}

void hal_console_write(const char *buf, size_t len)
{
    size_t room = FAKE_HAL_CONSOLE_MAX - 1 - fake_hal_console_len;
    size_t n = len < room ? len : room;
    memcpy(fake_hal_console + fake_hal_console_len, buf, n);
    fake_hal_console_len += n;
    fake_hal_console[fake_hal_console_len] = '\0';
    if (getenv("FAKE_HAL_ECHO"))
        fwrite(buf, 1, len, stderr);
}

_Noreturn void hal_halt(void)
{
    if (fake_hal_halt_hook)
        fake_hal_halt_hook();
    abort();
}
