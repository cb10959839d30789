#include "printf.h"

#include <stdbool.h>
#include <stdint.h>

#include "sysreg.h"
#include "uart.h"

/* Owner is cpu+1 so that a CPU faulting while printing (unexpected exception
 * report) does not deadlock on itself. */
static unsigned console_owner;

static void console_lock(bool *taken)
{
    unsigned me = cpu_index() + 1;
    *taken = false;
    if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me)
        return;
    for (;;) {
        unsigned expected = 0;
        if (__atomic_compare_exchange_n(&console_owner, &expected, me, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED))
            break;
        cpu_relax();
    }
    *taken = true;
}

static void console_unlock(bool taken)
{
    if (taken)
        __atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
}

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_num(struct out *o, uint64_t v, unsigned base, bool upper, bool neg, int width, bool zero,
                    bool left)
{
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0);
    if (neg && zero)
        put(o, '-');
    if (!left)
        for (int i = len; i < width; i++)
            put(o, zero ? '0' : ' ');
    if (neg && !zero)
        put(o, '-');
    while (n)
        put(o, tmp[--n]);
    if (left)
        for (int i = len; i < width; i++)
            put(o, ' ');
}

int g_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        bool zero = false, left = false, alt = false;
        for (;; p++) {
            if (*p == '0')
                zero = true;
            else if (*p == '#')
                alt = true;
            else if (*p == '-')
                left = true;
            else
                break;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int lng = 0;
        while (*p == 'l' || *p == 'z') {
            lng++;
            p++;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_num(&o, u, 10, false, v < 0, width, zero, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            if (alt && *p != 'u') {
                put(&o, '0');
                put(&o, 'x');
            }
            put_num(&o, v, *p == 'u' ? 10 : 16, *p == 'X', false, width, zero, left);
            break;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, false, width, zero, left);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = 0;
            while (s[len])
                len++;
            if (!left)
                for (int i = len; i < width; i++)
                    put(&o, ' ');
            for (int i = 0; i < len; i++)
                put(&o, s[i]);
            if (left)
                for (int i = len; i < width; i++)
                    put(&o, ' ');
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            p--;
            break;
        default:
            put(&o, '%');
            put(&o, *p);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int g_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = g_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void g_puts_raw(const char *s)
{
    bool taken;
    console_lock(&taken);
    for (; *s; s++)
        uart_putc(*s);
    console_unlock(taken);
}

int g_printf(const char *fmt, ...)
{
    char buf[320];
    va_list ap;
    va_start(ap, fmt);
    int n = g_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    g_puts_raw(buf);
    return n;
}
