/* A small freestanding vsnprintf: the core may not use libc's. */
#include <stdarg.h>

#include "axvm/lib.h"
#include "axvm/log.h"

struct out {
    char *buf;
    size_t size;
    size_t len; /* length the full output would have */
};

static void out_ch(struct out *o, char c)
{
    if (o->size && o->len < o->size - 1)
        o->buf[o->len] = c;
    o->len++;
}

static void out_pad(struct out *o, char c, size_t n)
{
    while (n--)
        out_ch(o, c);
}

/* Emit `body` (digits or text) of length n with optional sign/prefix, padded
 * to `width` per the '-' and '0' flags. */
static void out_field(struct out *o, const char *prefix, const char *body, size_t n, size_t width, bool left,
                      bool zero)
{
    size_t plen = strlen(prefix);
    size_t total = plen + n;
    size_t pad = width > total ? width - total : 0;
    if (!left && !zero)
        out_pad(o, ' ', pad);
    for (size_t i = 0; i < plen; i++)
        out_ch(o, prefix[i]);
    if (!left && zero)
        out_pad(o, '0', pad);
    for (size_t i = 0; i < n; i++)
        out_ch(o, body[i]);
    if (left)
        out_pad(o, ' ', pad);
}

static size_t utoa(char *tmp, unsigned long long v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char rev[24];
    size_t n = 0;
    do {
        rev[n++] = digits[v % base];
        v /= base;
    } while (v);
    for (size_t i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    return n;
}

enum len_mod { LEN_NONE, LEN_L, LEN_LL, LEN_Z };

int axvm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    char tmp[24];

    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            out_ch(&o, *p);
            continue;
        }
        p++;
        bool left = false, zero = false;
        for (;; p++) {
            if (*p == '-')
                left = true;
            else if (*p == '0')
                zero = true;
            else
                break;
        }
        size_t width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (size_t)(*p++ - '0');
        enum len_mod lm = LEN_NONE;
        if (*p == 'l') {
            p++;
            lm = LEN_L;
            if (*p == 'l') {
                p++;
                lm = LEN_LL;
            }
        } else if (*p == 'z') {
            p++;
            lm = LEN_Z;
        }

        switch (*p) {
        case 'd':
        case 'i': {
            long long v;
            if (lm == LEN_LL)
                v = va_arg(ap, long long);
            else if (lm == LEN_L) /* same type as long long on LP64 only */
                v = va_arg(ap, long); /* NOLINT(bugprone-branch-clone) */
            else if (lm == LEN_Z)
                v = (long long)va_arg(ap, size_t);
            else
                v = va_arg(ap, int);
            unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            size_t n = utoa(tmp, mag, 10, false);
            out_field(&o, v < 0 ? "-" : "", tmp, n, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v;
            if (lm == LEN_LL)
                v = va_arg(ap, unsigned long long);
            else if (lm == LEN_L)
                v = va_arg(ap, unsigned long); /* NOLINT(bugprone-branch-clone) */
            else if (lm == LEN_Z)
                v = va_arg(ap, size_t);
            else
                v = va_arg(ap, unsigned);
            size_t n = utoa(tmp, v, *p == 'u' ? 10u : 16u, *p == 'X');
            out_field(&o, "", tmp, n, width, left, zero);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            size_t n = utoa(tmp, v, 16, false);
            out_field(&o, "0x", tmp, n, width, left, zero);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            out_field(&o, "", s, strlen(s), width, left, false);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            out_field(&o, "", &c, 1, width, left, false);
            break;
        }
        case '%':
            out_ch(&o, '%');
            break;
        case '\0':
            p--; /* lone '%' at the end: stop at the terminator */
            break;
        default:
            /* unknown conversion: print it literally so the bug is visible */
            out_ch(&o, '%');
            out_ch(&o, *p);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > (size_t)0x7fffffff ? 0x7fffffff : (int)o.len;
}

int axvm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = axvm_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
