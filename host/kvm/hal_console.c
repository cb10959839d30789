/* Console: stdout, one write per call so lines of different CPUs stay whole. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "axvm/hal.h"
#include "hal_kvm.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void hal_console_write(const char *buf, size_t len)
{
    pthread_mutex_lock(&out_lock);
    while (len) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue; /* a kick signal landed here */
            break;
        }
        buf += n;
        len -= (size_t)n;
    }
    pthread_mutex_unlock(&out_lock);
}

void hal_kvm_console_flush(void)
{
    fflush(stdout);
}

_Noreturn void hal_halt(void)
{
    static const char msg[] = "axvm-kvm: halted\n";
    hal_console_write(msg, sizeof msg - 1);
    _exit(70);
}
