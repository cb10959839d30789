/* Long-mode test guest library: console on COM1, PASS/FAIL reporting, the
 * debug-port exit, exceptions with fix-ups, x2APIC and MSR helpers. */
#ifndef AXVM_X86_GUEST_H
#define AXVM_X86_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEBUG_PORT 0x500
#define TESTDEV_BASE 0xD0000000ull
#define COM1 0x3F8

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
/* sti;hlt: an interrupt pending at the sti is taken at the hlt, not lost */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

void putc_(char c);
void puts_(const char *s);
void printf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void guest_exit(int status);

extern int failures;
void pass(const char *name);
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define CHECK(name, cond, ...) ((cond) ? pass(name) : fail(name, __VA_ARGS__))

/* Exceptions: the last vector taken (-1 none). An access wrapped by the
 * *_safe helpers resumes after the instruction when it faults. */
extern volatile int exc_vector;
extern volatile uint64_t exc_fixup;
void idt_init(void);
/* interrupt handlers for vectors >= 32 (EOI is sent by the library) */
extern void (*volatile irq_handler[256])(unsigned vector);
extern volatile unsigned irq_count[256];

int rdmsr_safe(uint32_t msr, uint64_t *value);   /* returns the exception vector or -1 */
int wrmsr_safe(uint32_t msr, uint64_t value);
int mmio_read_safe(uintptr_t addr, unsigned width, uint64_t *value);
int mmio_write_safe(uintptr_t addr, unsigned width, uint64_t value);

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* x2APIC */
#define X2APIC_ID 0x802
#define X2APIC_VER 0x803
#define X2APIC_TPR 0x808
#define X2APIC_PPR 0x80A
#define X2APIC_EOI 0x80B
#define X2APIC_SVR 0x80F
#define X2APIC_ISR0 0x810
#define X2APIC_IRR0 0x820
#define X2APIC_ESR 0x828
#define X2APIC_ICR 0x830
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_TMICT 0x838
#define X2APIC_TMCCT 0x839
#define X2APIC_DCR 0x83E
#define X2APIC_SELF_IPI 0x83F
void apic_enable(void);

/* SMP: start vCPU `apic_id` at ap_main with its own stack. */
extern volatile uint64_t ap_stack_top;
void ap_main(void);
int start_ap(uint32_t apic_id, uint32_t page);

/* rsi at entry */
extern uint64_t boot_rsi;

static inline uint32_t sysreg_exits(void) { return inl(DEBUG_PORT + 8); }

#endif
