/* axvm-kvm: the axvm core on Linux/KVM. VMs come from the same compiled
 * configuration blob as the bare-metal hypervisor's (--config/--blob, checked
 * by the core's axvm_config_load) or one VM from the command line; one thread
 * per physical CPU, guest console on stdout, UART input from stdin. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axvm/arch.h"
#include "axvm/config.h"
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
            "       axvm-kvm --config FILE.toml | --blob FILE.bin [--timeout SECONDS] [--stats] [--trace]\n"
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

extern char **environ;

/* Compile FILE.toml with tools/axvm-config (next to this binary's build
 * directory, or $AXVM_CONFIG_TOOL) into a temporary blob and read it. */
static void *compile_config(const char *toml, size_t *len)
{
    char tool[PATH_MAX + 32], exe[PATH_MAX];
    const char *env = getenv("AXVM_CONFIG_TOOL");
    if (env) {
        snprintf(tool, sizeof tool, "%s", env);
    } else {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) {
            fprintf(stderr, "axvm-kvm: cannot find tools/axvm-config (set AXVM_CONFIG_TOOL)\n");
            exit(1);
        }
        exe[n] = 0;
        /* build/kvm/axvm-kvm -> the tree's tools/axvm-config */
        snprintf(tool, sizeof tool, "%s/../../tools/axvm-config", dirname(exe));
    }
    char dir[] = "/tmp/axvm-kvm.XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "axvm-kvm: mkdtemp: %s\n", strerror(errno));
        exit(1);
    }
    char blob[sizeof dir + 16];
    snprintf(blob, sizeof blob, "%s/vms.bin", dir);
    char *args[] = {tool, "-q", "-o", dir, "--blob", blob, (char *)toml, NULL};
    pid_t pid;
    int st = 0;
    int rc = posix_spawn(&pid, tool, NULL, NULL, args, environ);
    if (rc != 0) {
        fprintf(stderr, "axvm-kvm: running %s: %s\n", tool, strerror(rc));
        rmdir(dir);
        exit(1);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "axvm-kvm: %s: the configuration does not compile (errors above)\n", toml);
        rmdir(dir);
        exit(2);
    }
    void *p = read_file(blob, len);
    unlink(blob);
    rmdir(dir);
    return p;
}

/* The blob's VMs -> configurations and x86 options. Everything the core's
 * loader checks is checked there; what is left is what only this host knows. */
static int vms_from_blob(const void *blob, size_t len, struct axvm_platform_config *pc,
                         struct x86_vm_options *opts)
{
    char err[256];
    /* Every host thread can be a physical CPU: the configuration may use up
     * to AXVM_MAX_PCPUS; run_vms then starts only the ones used. */
    int rc = hal_kvm_set_cpu_count(AXVM_MAX_PCPUS);
    if (!rc)
        rc = axvm_config_load(blob, len, pc, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "axvm-kvm: configuration blob: %s (%s)\n", err, axvm_strerror(rc));
        return rc;
    }
    if (pc->n_ivc) {
        fprintf(stderr, "axvm-kvm: configuration blob: %u IVC channel(s): the KVM host has no IVC\n", pc->n_ivc);
        return AXVM_ENOTSUP;
    }
    for (unsigned i = 0; i < pc->n_vms; i++) {
        const struct axvm_vm_config *c = &pc->vms[i];
        const struct axvm_x86_vm_config *x = &pc->x86[i];
        if (pc->arch[i] != AXVM_CONFIG_ARCH_X86_64) {
            fprintf(stderr, "axvm-kvm: vm '%s' is an aarch64 VM: this host runs x86_64 VMs\n", c->name);
            return AXVM_ENOTSUP;
        }
        struct x86_vm_options *o = &opts[i];
        memset(o, 0, sizeof *o);
        o->mode = x->cpu_mode ? X86_MODE_LONG : X86_MODE_REAL;
        o->debug_port = x->debug_port;
        if (x->debug_port > 0xFFF0) {
            fprintf(stderr, "axvm-kvm: vm '%s': debug port 0x%x out of range\n", c->name, x->debug_port);
            return AXVM_ERANGE;
        }
        if (x->n_msr_traps > X86_MAX_MSR_TRAPS || x->n_cpuid_hides > X86_MAX_CPUID_HIDES)
            return AXVM_ERANGE;
        o->n_msr_traps = x->n_msr_traps;
        for (unsigned k = 0; k < x->n_msr_traps; k++)
            o->msr_traps[k] = x->msr_traps[k];
        o->n_hides = x->n_cpuid_hides;
        for (unsigned k = 0; k < x->n_cpuid_hides; k++)
            o->hides[k] = (struct x86_cpuid_hide){x->cpuid_hides[k].leaf, x->cpuid_hides[k].reg,
                                                  x->cpuid_hides[k].bit};
        if (o->mode == X86_MODE_LONG) {
            bool area = false;
            for (unsigned m = 0; m < c->n_mem; m++)
                area |= !(c->mem[m].flags & AXVM_MAP_DEVICE) && c->mem[m].gpa <= X86_BOOT_GDT &&
                        c->mem[m].size >= X86_BOOT_AREA_END - c->mem[m].gpa;
            for (unsigned m = 0; m < c->n_images; m++)
                if (c->images[m].load_gpa < X86_BOOT_AREA_END &&
                    c->images[m].load_gpa + c->images[m].size > X86_BOOT_GDT)
                    area = false;
            if (!area) {
                fprintf(stderr, "axvm-kvm: vm '%s': long mode needs free guest RAM 0x%llx-0x%llx for axvm's boot tables\n",
                        c->name, (unsigned long long)X86_BOOT_GDT, (unsigned long long)X86_BOOT_AREA_END - 1);
                return AXVM_EINVAL;
            }
        }
    }
    return AXVM_OK;
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

static int run_vms(const struct axvm_platform_config *pc, const struct x86_vm_options *opts,
                   double timeout, bool stats, bool trace);

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct x86_vm_options opt;
    memset(&opt, 0, sizeof opt);
    const char *config_path = NULL, *blob_path = NULL, *vm_opt_given = NULL;
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
        /* these describe a VM: a configuration file does that */
        static const char *const vm_opts[] = {"--mode", "--mem", "--vcpus", "--load", "--entry", "--msr-trap",
                                              "--cpuid-hide", "--no-uart", "--testdev", "--debug-port",
                                              "--unhandled", "--name", "--initrd", "--cmdline"};
        for (size_t k = 0; k < sizeof vm_opts / sizeof vm_opts[0]; k++)
            if (!strcmp(a, vm_opts[k]) && !vm_opt_given)
                vm_opt_given = a;
#define NEED() do { if (!v) usage(); i++; } while (0)
        if (!strcmp(a, "--caps")) {
            return kvm_caps_print();
        } else if (!strcmp(a, "--config")) {
            NEED(); config_path = v;
        } else if (!strcmp(a, "--blob")) {
            NEED(); blob_path = v;
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
    static struct axvm_platform_config pc;
    static struct x86_vm_options opts[AXVM_MAX_VMS];
    void *cfg_blob = NULL;
    if ((config_path != NULL) + (blob_path != NULL) + (image != NULL) + (linux_path != NULL) != 1)
        usage();
    if (config_path || blob_path) {
        if (vm_opt_given) {
            fprintf(stderr, "axvm-kvm: %s describes a VM: with --config/--blob the file does (docs/CONFIG.md)\n",
                    vm_opt_given);
            return 2;
        }
        size_t blen = 0;
        cfg_blob = config_path ? compile_config(config_path, &blen) : read_file(blob_path, &blen);
        if (vms_from_blob(cfg_blob, blen, &pc, opts) < 0)
            return 2;
        return run_vms(&pc, opts, timeout, stats, trace);
    }
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

    pc.n_vms = 1;
    pc.vms[0] = cfg;
    pc.arch[0] = AXVM_CONFIG_ARCH_X86_64;
    opts[0] = opt;
    int rc = run_vms(&pc, opts, timeout, stats, trace);
    free(img);
    free(initrd);
    return rc;
}

/* Create, boot and wait for every VM; exit code as documented in docs/KVM.md. */
static int run_vms(const struct axvm_platform_config *pc, const struct x86_vm_options *opts,
                   double timeout, bool stats, bool trace)
{
    unsigned ncpu = 0;
    for (unsigned v = 0; v < pc->n_vms; v++)
        for (unsigned i = 0; i < pc->vms[v].vcpu_count; i++)
            if (pc->vms[v].phys_cpu[i] + 1 > ncpu)
                ncpu = pc->vms[v].phys_cpu[i] + 1;
    if (!x86_kvm_ops.hardware_supported()) {
        fprintf(stderr, "axvm-kvm: /dev/kvm not available\n");
        return 3;
    }
    int rc = axvm_init(&x86_kvm_ops);
    if (!rc)
        rc = hal_kvm_set_cpu_count(ncpu);
    struct axvm_vm *vms[AXVM_MAX_VMS] = {0};
    for (unsigned v = 0; !rc && v < pc->n_vms; v++) {
        rc = x86_vm_options_set(pc->vms[v].id, &opts[v]);
        if (!rc)
            rc = axvm_vm_create(&pc->vms[v], &vms[v]);
        if (rc)
            fprintf(stderr, "axvm-kvm: creating VM '%s': %s\n", pc->vms[v].name, axvm_strerror(rc));
        for (unsigned i = 0; !rc && trace && i < pc->vms[v].vcpu_count; i++)
            vms[v]->vcpus[i].trace.enabled = true;
    }
    if (rc)
        return 1;
    rc = hal_kvm_start(should_stop);
    for (unsigned v = 0; !rc && v < pc->n_vms; v++)
        if ((rc = axvm_vm_boot(vms[v])) != 0)
            fprintf(stderr, "axvm-kvm: booting VM '%s': %s\n", pc->vms[v].name, axvm_strerror(rc));
    if (rc)
        return 1;
    /* stdin feeds the first VM with a UART */
    for (unsigned v = 0; v < pc->n_vms; v++) {
        bool has_uart = false;
        for (unsigned d = 0; d < pc->vms[v].n_devs; d++)
            has_uart |= pc->vms[v].devs[d].kind == AXVM_EMU_UART16550;
        if (has_uart) {
            pthread_t t;
            if (pthread_create(&t, NULL, stdin_main, vms[v]->arch) == 0)
                pthread_detach(t);
            break;
        }
    }
    uint64_t start = hal_time_ns();
    bool timed_out = false;
    for (;;) {
        bool all_stopped = true;
        for (unsigned v = 0; v < pc->n_vms; v++)
            all_stopped &= axvm_vm_state(vms[v]) == AXVM_VM_STOPPED;
        if (all_stopped)
            break;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        if (!timed_out && timeout > 0 && (double)(hal_time_ns() - start) / 1e9 > timeout) {
            fprintf(stderr, "axvm-kvm: timeout after %.1f s, stopping the VM(s)\n", timeout);
            timed_out = true;
            for (unsigned v = 0; v < pc->n_vms; v++)
                if (axvm_vm_state(vms[v]) != AXVM_VM_STOPPED)
                    (void)axvm_vm_shutdown(vms[v]);
        }
    }
    atomic_store(&stopping, true);
    hal_kvm_join();
    int status = 0;
    for (unsigned v = 0; v < pc->n_vms; v++) {
        struct axvm_vm *vm = vms[v];
        axvm_vm_console_flush(vm);
        if (stats)
            axvm_stats_print_vm(vm);
        if (trace)
            for (unsigned i = 0; i < pc->vms[v].vcpu_count; i++)
                axvm_stats_print_vcpu(&vm->vcpus[i]);
        if (vm->exit_status != 0)
            status = 1;
        (void)axvm_vm_destroy(vm);
    }
    if (timed_out)
        return 124;
    return status;
}
