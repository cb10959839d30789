/* The process-wide /dev/kvm handle. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "x86_kvm.h"

static int kvm_fd = -1;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void open_kvm(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        close(fd);
        return;
    }
    kvm_fd = fd;
}

int x86_kvm_fd(void)
{
    pthread_once(&once, open_kvm);
    return kvm_fd;
}

int x86_kvm_check(long cap)
{
    int fd = x86_kvm_fd();
    if (fd < 0)
        return 0;
    int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}
