/* Long-mode test guest library; see guest.h. */
#include <stdarg.h>

#include "guest.h"

int failures;
volatile int exc_vector = -1;
volatile uint64_t exc_fixup;
void (*volatile irq_handler[256])(unsigned vector);
volatile unsigned irq_count[256];
volatile uint64_t ap_stack_top;
static bool apic_on;

void putc_(char c)
{
    outb(COM1, (uint8_t)c);
}

void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

static void put_num(uint64_t v, unsigned base, int width, char pad)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < width--)
        putc_(pad);
    while (n)
        putc_(buf[--n]);
}

static void vprint(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putc_(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0;
        if (*fmt == '0')
            pad = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        bool l = false;
        while (*fmt == 'l')
            l = true, fmt++;
        switch (*fmt) {
        case 'd': {
            int64_t v = l ? va_arg(ap, int64_t) : va_arg(ap, int);
            if (v < 0)
                putc_('-'), v = -v;
            put_num((uint64_t)v, 10, width, pad);
            break;
        }
        case 'u': put_num(l ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad); break;
        case 'x': put_num(l ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad); break;
        case 's': puts_(va_arg(ap, const char *)); break;
        case 'c': putc_((char)va_arg(ap, int)); break;
        default: putc_(*fmt); break;
        }
    }
}

void printf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

_Noreturn void guest_exit(int status)
{
    outb(DEBUG_PORT + 1, (uint8_t)status);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void pass(const char *name)
{
    printf_("PASS %s\n", name);
}

void fail(const char *name, const char *fmt, ...)
{
    failures++;
    printf_("FAIL %s: ", name);
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
    putc_('\n');
}

struct frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

void trap(struct frame *f);
void trap(struct frame *f)
{
    unsigned v = (unsigned)f->vector;
    if (v < 32) {
        exc_vector = (int)v;
        if (exc_fixup) {
            f->rip = exc_fixup;
            exc_fixup = 0;
            return;
        }
        printf_("FAIL guest: unexpected exception %u error 0x%lx at rip 0x%lx\n", v, f->error, f->rip);
        guest_exit(99);
    }
    irq_count[v]++;
    if (irq_handler[v])
        irq_handler[v](v);
    if (apic_on)
        wrmsr(X2APIC_EOI, 0);
}

struct idt_entry {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
} __attribute__((packed));
static struct idt_entry idt[256] __attribute__((aligned(16)));
extern const uint64_t isr_table[256];

void idt_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint64_t a = isr_table[i];
        idt[i] = (struct idt_entry){(uint16_t)a, 0x10, 0, 0x8E, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
    }
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) p = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(p));
}

void apic_enable(void)
{
    apic_on = true;
    wrmsr(X2APIC_SVR, 0x1FF); /* software enable, spurious vector 0xFF */
}

int rdmsr_safe(uint32_t msr, uint64_t *value)
{
    uint32_t lo = 0xDEADu, hi = 0xBEEFu;
    exc_vector = -1;
    __asm__ volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, exc_fixup(%%rip)\n\trdmsr\n1:\tmovq $0, exc_fixup(%%rip)"
                     : "+a"(lo), "+d"(hi)
                     : "c"(msr)
                     : "r11", "memory");
    *value = ((uint64_t)hi << 32) | lo;
    return exc_vector;
}

int wrmsr_safe(uint32_t msr, uint64_t v)
{
    exc_vector = -1;
    __asm__ volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, exc_fixup(%%rip)\n\twrmsr\n1:\tmovq $0, exc_fixup(%%rip)"
                     :
                     : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
                     : "r11", "memory");
    return exc_vector;
}

#define SAFE_ACCESS(insn, ...)                                                                                 \
    __asm__ volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, exc_fixup(%%rip)\n\t" insn                          \
                     "\n1:\tmovq $0, exc_fixup(%%rip)" __VA_ARGS__)

int mmio_read_safe(uintptr_t addr, unsigned width, uint64_t *value)
{
    uint64_t v = 0;
    exc_vector = -1;
    switch (width) {
    case 1: SAFE_ACCESS("movzbq (%1), %0", : "=r"(v) : "r"(addr) : "r11", "memory"); break;
    case 2: SAFE_ACCESS("movzwq (%1), %0", : "=r"(v) : "r"(addr) : "r11", "memory"); break;
    case 4: SAFE_ACCESS("movl (%1), %k0", : "=r"(v) : "r"(addr) : "r11", "memory"); break;
    default: SAFE_ACCESS("movq (%1), %0", : "=r"(v) : "r"(addr) : "r11", "memory"); break;
    }
    *value = v;
    return exc_vector;
}

int mmio_write_safe(uintptr_t addr, unsigned width, uint64_t v)
{
    exc_vector = -1;
    switch (width) {
    case 1: SAFE_ACCESS("movb %b0, (%1)", : : "r"(v), "r"(addr) : "r11", "memory"); break;
    case 2: SAFE_ACCESS("movw %w0, (%1)", : : "r"(v), "r"(addr) : "r11", "memory"); break;
    case 4: SAFE_ACCESS("movl %k0, (%1)", : : "r"(v), "r"(addr) : "r11", "memory"); break;
    default: SAFE_ACCESS("movq %0, (%1)", : : "r"(v), "r"(addr) : "r11", "memory"); break;
    }
    return exc_vector;
}

extern const char tramp_start[], tramp_end[], tramp_params[];
extern char ap_entry64[];

/* INIT, then SIPI to `page` (< 1 MiB, not axvm's boot area), as the MP spec says. */
int start_ap(uint32_t apic_id, uint32_t page)
{
    volatile uint8_t *dst = (volatile uint8_t *)(uintptr_t)page;
    size_t len = (size_t)(tramp_end - tramp_start);
    for (size_t i = 0; i < len; i++)
        dst[i] = (uint8_t)tramp_start[i];
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) g;
    __asm__ volatile("sgdt %0" : "=m"(g));
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    volatile uint8_t *params = dst + (tramp_params - tramp_start);
    *(volatile uint16_t *)(params + 0) = g.limit;
    *(volatile uint32_t *)(params + 2) = (uint32_t)g.base;
    *(volatile uint32_t *)(params + 8) = (uint32_t)cr3;
    *(volatile uint32_t *)(params + 16) = (uint32_t)(uintptr_t)ap_entry64;
    uint64_t dest = (uint64_t)apic_id << 32;
    wrmsr(X2APIC_ICR, dest | (5u << 8) | (1u << 14)); /* INIT, assert */
    wrmsr(X2APIC_ICR, dest | (6u << 8) | (page >> 12)); /* SIPI */
    return 0;
}

/* guests without an AP entry: a started AP just stops */
__attribute__((weak)) void ap_main(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}
