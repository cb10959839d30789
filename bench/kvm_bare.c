/* The bare-KVM side of the x86 port-I/O benchmark (bench/run.py): the
 * smallest VMM that runs bench/kvm/pio.S - one vCPU in real mode, 2 MiB of
 * RAM, a KVM_RUN loop answering port 0x504 reads with a constant and ending
 * at the write to port 0x501 (or HLT). No axvm code: what a port-I/O exit
 * costs with nothing but KVM and one ioctl round trip.
 *
 * usage: kvm_bare IMAGE      exit status 0 when the guest wrote 0 to 0x501,
 *                             3 without usable KVM, 1 otherwise */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE (2u << 20)
#define LOAD 0x1000u

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
        return 2;
    }
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0 || ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        perror("kvm_bare: /dev/kvm");
        return 3;
    }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        perror("kvm_bare: KVM_CREATE_VM");
        return 3;
    }
    unsigned char *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return 1;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    size_t n = fread(mem + LOAD, 1, MEM_SIZE - LOAD, f);
    fclose(f);
    if (n == 0)
        return 1;
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE, .userspace_addr = (unsigned long)mem};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        perror("kvm_bare: KVM_SET_USER_MEMORY_REGION");
        return 1;
    }
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vcpu < 0 || run_size <= 0) {
        perror("kvm_bare: KVM_CREATE_VCPU");
        return 1;
    }
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        return 1;
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        return 1;
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        return 1;
    struct kvm_regs regs;
    memset(&regs, 0, sizeof(regs));
    regs.rip = LOAD;
    regs.rflags = 0x2;
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        return 1;

    unsigned long exits = 0;
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            perror("kvm_bare: KVM_RUN");
            return 1;
        }
        exits++;
        if (run->exit_reason == KVM_EXIT_IO) {
            unsigned char *data = (unsigned char *)run + run->io.data_offset;
            if (run->io.direction == KVM_EXIT_IO_IN && run->io.port == 0x504) {
                memset(data, 0x5a, (size_t)run->io.size * run->io.count);
                continue;
            }
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x501) {
                printf("kvm_bare: %lu exits, status %u\n", exits, data[0]);
                return data[0] == 0 ? 0 : 1;
            }
            fprintf(stderr, "kvm_bare: unexpected port %#x\n", run->io.port);
            return 1;
        }
        if (run->exit_reason == KVM_EXIT_HLT) {
            printf("kvm_bare: %lu exits, HLT\n", exits);
            return 0;
        }
        if (run->exit_reason == KVM_EXIT_INTR)
            continue;
        fprintf(stderr, "kvm_bare: exit reason %u\n", run->exit_reason);
        return 1;
    }
}
