/* axvm-kvm: the axvm core on Linux/KVM. One VM described on the command
 * line (until tools/axvm-config supports x86), one thread per vCPU acting as
 * its physical CPU, guest console on stdout, UART input from stdin. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axvm/arch.h"
#include "axvm/hal.h"
#include "axvm/log.h"
#include "axvm/stats.h"
#include "axvm/vm.h"
#include "caps.h"
#include "hal_kvm.h"
#include "linux_boot.h"
#include "msr.h"
#include "x86_kvm.h"

static _Atomic bool stopping;

static bool should_stop(void)
{
    return atomic_load(&stopping);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: axvm-kvm --caps\n"
            "       axvm-kvm --image FILE [--mode real|long] [--mem SIZE] [--vcpus N] [--load ADDR]\n"
            "                [--entry ADDR] [--msr-trap MSR]... [--cpuid-hide LEAF:REG:BIT]...\n"
            "                [--no-uart] [--testdev ADDR|none] [--debug-port PORT|none]\n"
            "                [--unhandled fault|raz|stop] [--timeout SECONDS] [--stats] [--trace] [--name NAME]\n"
            "       axvm-kvm --linux BZIMAGE [--initrd FILE] [--cmdline STRING] [--mem SIZE] ... (64-bit boot protocol)\n"
            "Defaults: real mode, 2M of RAM at 0, 1 vCPU, load/entry 0x1000 (real) or 0x100000 (long),\n"
            "COM1 16550 at port 0x3f8 (IRQ 4 -> vector 0x24 on vCPU 0), debug port 0x500,\n"
            "test device at 0xd0000000.\n");
    exit(2);
}

static uint64_t parse_num(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1ull << 10, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1ull << 20, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1ull << 30, end++;
    if (errno || end == s || *end) {
        fprintf(stderr, "axvm-kvm: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v * mul;
}

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "axvm-kvm: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "axvm-kvm: out of memory reading %s\n", path);
            exit(1);
        }
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                fprintf(stderr, "axvm-kvm: out of memory reading %s\n", path);
                exit(1);
            }
            buf = bigger;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* stdin -> the UART's receive FIFO; the guest drains it at its own pace */
static void *stdin_main(void *arg)
{
    struct x86_vm *xvm = arg;
    uint8_t buf[64];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            return NULL;
        }
        size_t done = 0;
        while (done < (size_t)n && !should_stop()) {
            /* a full FIFO would drop bytes: wait for room instead (flow control) */
            size_t room;
            axvm_spin_lock(&xvm->uart.lock);
            room = AXVM_UART16550_FIFO - xvm->uart.rx_count;
            axvm_spin_unlock(&xvm->uart.lock);
            if (!room) {
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
                continue;
            }
            size_t chunk = (size_t)n - done < room ? (size_t)n - done : room;
            done += axvm_uart16550_input(&xvm->uart, buf + done, chunk);
        }
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct x86_vm_options opt;
    memset(&opt, 0, sizeof opt);
    const char *image = NULL, *name = "x86", *linux_path = NULL, *initrd_path = NULL, *cmdline = NULL;
    bool mem_given = false;
    uint64_t mem = 2ull << 20, load = UINT64_MAX, entry = UINT64_MAX, testdev = 0xD0000000ull, dport = 0x500;
    unsigned vcpus = 1;
    double timeout = 0;
    bool uart = true, stats = false, trace = false;
    enum axvm_unhandled_policy unhandled = AXVM_UNHANDLED_FAULT;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED() do { if (!v) usage(); i++; } while (0)
        if (!strcmp(a, "--caps")) {
            return kvm_caps_print();
        } else if (!strcmp(a, "--image")) {
            NEED(); image = v;
        } else if (!strcmp(a, "--linux")) {
            NEED(); linux_path = v;
        } else if (!strcmp(a, "--initrd")) {
            NEED(); initrd_path = v;
        } else if (!strcmp(a, "--cmdline")) {
            NEED(); cmdline = v;
        } else if (!strcmp(a, "--mode")) {
            NEED();
            if (!strcmp(v, "real")) opt.mode = X86_MODE_REAL;
            else if (!strcmp(v, "long")) opt.mode = X86_MODE_LONG;
            else usage();
        } else if (!strcmp(a, "--mem")) {
            NEED(); mem = parse_num(v, "memory size"); mem_given = true;
        } else if (!strcmp(a, "--vcpus")) {
            NEED(); vcpus = (unsigned)parse_num(v, "vCPU count");
        } else if (!strcmp(a, "--load")) {
            NEED(); load = parse_num(v, "load address");
        } else if (!strcmp(a, "--entry")) {
            NEED(); entry = parse_num(v, "entry address");
        } else if (!strcmp(a, "--msr-trap")) {
            NEED();
            if (opt.n_msr_traps == X86_MAX_MSR_TRAPS) {
                fprintf(stderr, "axvm-kvm: at most %d trapped MSRs\n", X86_MAX_MSR_TRAPS);
                return 2;
            }
            uint64_t m = parse_num(v, "MSR");
            if (m > 0xFFFFFFFFull || (m >= X2APIC_MSR_FIRST && m <= X2APIC_MSR_LAST)) {
                fprintf(stderr, "axvm-kvm: MSR %s cannot be trapped (x2APIC range is axvm's own)\n", v);
                return 2;
            }
            opt.msr_traps[opt.n_msr_traps++] = (uint32_t)m;
        } else if (!strcmp(a, "--cpuid-hide")) {
            NEED();
            unsigned long leaf, bit;
            char reg[4] = {0};
            int r = -1;
            if (sscanf(v, "%li:%3[a-z]:%lu", (long *)&leaf, reg, &bit) == 3 && reg[0] == 'e' && reg[2] == 'x')
                r = reg[1] == 'a' ? 0 : reg[1] == 'b' ? 1 : reg[1] == 'c' ? 2 : reg[1] == 'd' ? 3 : -1;
            if (opt.n_hides == X86_MAX_CPUID_HIDES || r < 0 || bit > 31) {
                fprintf(stderr, "axvm-kvm: bad --cpuid-hide '%s' (LEAF:eax|ebx|ecx|edx:BIT)\n", v);
                return 2;
            }
            opt.hides[opt.n_hides++] = (struct x86_cpuid_hide){(uint32_t)leaf, (uint8_t)r, (uint8_t)bit};
        } else if (!strcmp(a, "--no-uart")) {
            uart = false;
        } else if (!strcmp(a, "--testdev")) {
            NEED(); testdev = !strcmp(v, "none") ? 0 : parse_num(v, "test device address");
        } else if (!strcmp(a, "--debug-port")) {
            NEED(); dport = !strcmp(v, "none") ? 0 : parse_num(v, "debug port");
        } else if (!strcmp(a, "--unhandled")) {
            NEED();
            if (!strcmp(v, "fault")) unhandled = AXVM_UNHANDLED_FAULT;
            else if (!strcmp(v, "raz")) unhandled = AXVM_UNHANDLED_RAZ_WI;
            else if (!strcmp(v, "stop")) unhandled = AXVM_UNHANDLED_STOP_VM;
            else usage();
        } else if (!strcmp(a, "--timeout")) {
            NEED(); timeout = atof(v);
        } else if (!strcmp(a, "--stats")) {
            stats = true;
        } else if (!strcmp(a, "--trace")) {
            trace = true;
        } else if (!strcmp(a, "--name")) {
            NEED(); name = v;
        } else {
            usage();
        }
#undef NEED
    }
    if (!image == !linux_path)
        usage();
    static struct x86_linux_boot lb;
    void *initrd = NULL;
    size_t initrd_len = 0;
    if (linux_path) {
        /* Linux: long mode, images placed by the boot protocol loader */
        opt.mode = X86_MODE_LONG;
        if (!mem_given)
            mem = 256ull << 20;
        lb.bzimage = read_file(linux_path, &lb.bzimage_len);
        if (initrd_path)
            initrd = read_file(initrd_path, &initrd_len);
        lb.cmdline = cmdline ? cmdline : "console=ttyS0 earlyprintk=serial,ttyS0,115200";
        lb.ram_size = mem;
        lb.initrd_size = initrd_len;
        const char *why = NULL;
        if (x86_linux_prepare(&lb, &why)) {
            fprintf(stderr, "axvm-kvm: %s: %s\n", linux_path, why);
            return 2;
        }
        fprintf(stderr, "axvm-kvm: Linux boot protocol %u.%02u, kernel at 0x%llx, entry 0x%llx, zero page 0x%llx\n",
                lb.version >> 8, lb.version & 0xFF, (unsigned long long)lb.kernel_gpa, (unsigned long long)lb.entry,
                (unsigned long long)lb.zero_page_gpa);
    }
    if (load == UINT64_MAX)
        load = opt.mode == X86_MODE_LONG ? 0x100000 : 0x1000;
    if (entry == UINT64_MAX)
        entry = load;
    if (vcpus == 0 || vcpus > AXVM_MAX_VCPUS || vcpus > AXVM_MAX_PCPUS) {
        fprintf(stderr, "axvm-kvm: 1..%d vCPUs\n", AXVM_MAX_VCPUS);
        return 2;
    }
    size_t img_len = 0;
    void *img = image ? read_file(image, &img_len) : NULL;
    if (image && (load + img_len > mem || load + img_len < load)) {
        fprintf(stderr, "axvm-kvm: image (%zu bytes at 0x%llx) does not fit in %llu bytes of RAM\n", img_len,
                (unsigned long long)load, (unsigned long long)mem);
        return 2;
    }
    if (opt.mode == X86_MODE_LONG && (mem < X86_BOOT_AREA_END || (image && load < X86_BOOT_AREA_END && load + img_len > X86_BOOT_GDT))) {
        fprintf(stderr, "axvm-kvm: long mode reserves guest RAM 0x%llx-0x%llx for axvm's boot tables\n",
                (unsigned long long)X86_BOOT_GDT, (unsigned long long)X86_BOOT_AREA_END - 1);
        return 2;
    }

    struct axvm_vm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.id = 1;
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    cfg.vcpu_count = vcpus;
    for (unsigned i = 0; i < vcpus; i++)
        cfg.phys_cpu[i] = i;
    cfg.mem[0] = (struct axvm_mem_config){.gpa = 0, .size = mem, .flags = AXVM_MAP_RWX};
    cfg.n_mem = 1;
    if (uart)
        cfg.devs[cfg.n_devs++] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_UART16550, .base = 0x3F8, .size = 8, .irq = 4};
    if (dport > 0xFFF0) {
        fprintf(stderr, "axvm-kvm: debug port 0x%llx out of range\n", (unsigned long long)dport);
        return 2;
    }
    opt.debug_port = (uint16_t)dport;
    if (testdev)
        cfg.devs[cfg.n_devs++] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_DEBUG_EXIT, .base = testdev, .size = 0x1000};
    if (image) {
        cfg.images[0] = (struct axvm_image){.data = img, .size = img_len, .load_gpa = load};
        cfg.n_images = 1;
        cfg.entry = entry;
    } else {
        cfg.images[0] = (struct axvm_image){.data = lb.kernel, .size = lb.kernel_len, .load_gpa = lb.kernel_gpa};
        cfg.images[1] = (struct axvm_image){.data = lb.zero_page, .size = sizeof lb.zero_page, .load_gpa = lb.zero_page_gpa};
        cfg.images[2] = (struct axvm_image){.data = lb.cmdline, .size = lb.cmdline_len, .load_gpa = lb.cmdline_gpa};
        cfg.n_images = 3;
        if (initrd)
            cfg.images[cfg.n_images++] = (struct axvm_image){.data = initrd, .size = initrd_len, .load_gpa = lb.initrd_gpa};
        cfg.entry = lb.entry;
        cfg.entry_arg = lb.zero_page_gpa; /* rsi */
    }
    cfg.unhandled = unhandled;

    if (!x86_kvm_ops.hardware_supported()) {
        fprintf(stderr, "axvm-kvm: /dev/kvm not available\n");
        return 3;
    }
    int rc = axvm_init(&x86_kvm_ops);
    if (!rc)
        rc = hal_kvm_set_cpu_count(vcpus);
    if (!rc)
        rc = x86_vm_options_set(cfg.id, &opt);
    struct axvm_vm *vm = NULL;
    if (!rc)
        rc = axvm_vm_create(&cfg, &vm);
    if (rc) {
        fprintf(stderr, "axvm-kvm: creating the VM: %s\n", axvm_strerror(rc));
        return 1;
    }
    for (unsigned i = 0; trace && i < vcpus; i++)
        vm->vcpus[i].trace.enabled = true;
    rc = hal_kvm_start(should_stop);
    if (!rc)
        rc = axvm_vm_boot(vm);
    if (rc) {
        fprintf(stderr, "axvm-kvm: booting: %s\n", axvm_strerror(rc));
        return 1;
    }
    if (uart) {
        pthread_t t;
        if (pthread_create(&t, NULL, stdin_main, vm->arch) == 0)
            pthread_detach(t);
    }
    uint64_t start = hal_time_ns();
    bool timed_out = false;
    while (axvm_vm_state(vm) != AXVM_VM_STOPPED) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        if (!timed_out && timeout > 0 && (double)(hal_time_ns() - start) / 1e9 > timeout) {
            fprintf(stderr, "axvm-kvm: timeout after %.1f s, stopping the VM\n", timeout);
            timed_out = true;
            (void)axvm_vm_shutdown(vm);
        }
    }
    atomic_store(&stopping, true);
    hal_kvm_join();
    axvm_vm_console_flush(vm);
    if (stats)
        axvm_stats_print_vm(vm);
    if (trace)
        for (unsigned i = 0; i < vcpus; i++)
            axvm_stats_print_vcpu(&vm->vcpus[i]);
    int status = vm->exit_status;
    (void)axvm_vm_destroy(vm);
    free(img);
    if (timed_out)
        return 124;
    return status == 0 ? 0 : 1;
}
