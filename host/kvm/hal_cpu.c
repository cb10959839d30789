/* Physical CPUs as threads, their kicks, idle waits and one-shot timers. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "axvm/hal.h"
#include "axvm/sched.h"
#include "axvm/timer.h"
#include "hal_kvm.h"

#define KICK_SIGNAL SIGUSR1

struct hcpu {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool kicked;                          /* under lock */
    _Atomic bool timer_due;
    _Atomic uint64_t deadline;            /* UINT64_MAX: disarmed */
    volatile uint8_t *_Atomic immediate_exit;
};

static struct hcpu cpus[AXVM_MAX_PCPUS];
static unsigned ncpus = 1;
static _Thread_local unsigned self = AXVM_MAX_PCPUS; /* not a CPU thread */
static bool (*stop_fn)(void);

static pthread_t timer_thread;
static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond;
static bool timer_quit;

uint64_t hal_time_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

unsigned hal_cpu_id(void)
{
    /* non-CPU threads (main, stdin) answer an id the core treats as invalid */
    return self;
}

unsigned hal_cpu_count(void)
{
    return ncpus;
}

int hal_kvm_set_cpu_count(unsigned n)
{
    if (n == 0 || n > AXVM_MAX_PCPUS)
        return AXVM_ERANGE;
    ncpus = n;
    return AXVM_OK;
}

void hal_cpu_kick(unsigned pcpu)
{
    if (pcpu >= ncpus)
        return;
    struct hcpu *c = &cpus[pcpu];
    pthread_mutex_lock(&c->lock);
    c->kicked = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
    volatile uint8_t *ie = atomic_load(&c->immediate_exit);
    if (ie)
        *ie = 1; /* a KVM_RUN about to start returns at once */
    if (pcpu != self && c->started)
        pthread_kill(c->thread, KICK_SIGNAL); /* one already running leaves with EINTR */
}

void hal_kvm_set_immediate_exit(volatile uint8_t *flag)
{
    if (self < ncpus)
        atomic_store(&cpus[self].immediate_exit, flag);
}

void hal_kvm_service(void)
{
    if (self >= ncpus)
        return;
    if (atomic_exchange(&cpus[self].timer_due, false))
        axvm_timer_tick();
}

void hal_cpu_idle(void)
{
    if (self >= ncpus)
        return;
    struct hcpu *c = &cpus[self];
    pthread_mutex_lock(&c->lock);
    while (!c->kicked && !atomic_load(&c->timer_due))
        pthread_cond_wait(&c->cond, &c->lock);
    c->kicked = false;
    pthread_mutex_unlock(&c->lock);
    hal_kvm_service();
}

void hal_timer_set(uint64_t deadline_ns)
{
    if (self >= ncpus)
        return;
    atomic_store(&cpus[self].deadline, deadline_ns);
    pthread_mutex_lock(&timer_lock);
    pthread_cond_signal(&timer_cond);
    pthread_mutex_unlock(&timer_lock);
}

/* Sleeps until the earliest deadline, then marks it due and kicks its CPU. */
static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&timer_lock);
    while (!timer_quit) {
        uint64_t now = hal_time_ns(), next = UINT64_MAX;
        unsigned due = 0;
        for (unsigned i = 0; i < ncpus; i++) {
            uint64_t d = atomic_load(&cpus[i].deadline);
            if (d <= now) {
                atomic_store(&cpus[i].deadline, UINT64_MAX);
                atomic_store(&cpus[i].timer_due, true);
                due |= 1u << i;
            } else if (d < next) {
                next = d;
            }
        }
        if (due) {
            /* a kicked CPU may set its next deadline before we look again:
             * rescan instead of sleeping on what we computed */
            pthread_mutex_unlock(&timer_lock);
            for (unsigned i = 0; i < ncpus; i++)
                if (due & (1u << i))
                    hal_cpu_kick(i);
            pthread_mutex_lock(&timer_lock);
            continue;
        }
        if (next == UINT64_MAX) {
            pthread_cond_wait(&timer_cond, &timer_lock);
        } else {
            struct timespec ts = {(time_t)(next / 1000000000ull), (long)(next % 1000000000ull)};
            pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
        }
    }
    pthread_mutex_unlock(&timer_lock);
    return NULL;
}

static void on_kick(int sig)
{
    (void)sig; /* only there to make KVM_RUN return EINTR */
}

static void *cpu_main(void *arg)
{
    self = (unsigned)(uintptr_t)arg;
    axvm_pcpu_loop(stop_fn);
    return NULL;
}

int hal_kvm_start(bool (*should_stop)(void))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_kick; /* no SA_RESTART: the ioctl must come back */
    sigemptyset(&sa.sa_mask);
    if (sigaction(KICK_SIGNAL, &sa, NULL))
        return AXVM_EIO;
    stop_fn = should_stop;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&timer_cond, &ca);
    for (unsigned i = 0; i < ncpus; i++) {
        pthread_mutex_init(&cpus[i].lock, NULL);
        pthread_cond_init(&cpus[i].cond, NULL);
        atomic_store(&cpus[i].deadline, UINT64_MAX);
    }
    if (pthread_create(&timer_thread, NULL, timer_main, NULL))
        return AXVM_EIO;
    for (unsigned i = 0; i < ncpus; i++) {
        if (pthread_create(&cpus[i].thread, NULL, cpu_main, (void *)(uintptr_t)i))
            return AXVM_EIO;
        cpus[i].started = true;
    }
    return AXVM_OK;
}

void hal_kvm_join(void)
{
    for (unsigned i = 0; i < ncpus; i++)
        hal_cpu_kick(i);
    for (unsigned i = 0; i < ncpus; i++) {
        if (cpus[i].started) {
            /* a CPU may be between its stop check and a wait: keep kicking */
            struct timespec ts;
            while (pthread_tryjoin_np(cpus[i].thread, NULL) == EBUSY) {
                hal_cpu_kick(i);
                ts.tv_sec = 0;
                ts.tv_nsec = 1000000;
                nanosleep(&ts, NULL);
            }
            cpus[i].started = false;
        }
    }
    pthread_mutex_lock(&timer_lock);
    timer_quit = true;
    pthread_cond_signal(&timer_cond);
    pthread_mutex_unlock(&timer_lock);
    pthread_join(timer_thread, NULL);
}
