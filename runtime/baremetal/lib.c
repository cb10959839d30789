/* The C library routines of include/axvm/lib.h for the bare-metal image.
 * Word-at-a-time when both sides are aligned; memset zeroes whole cache
 * blocks with DC ZVA (the page pool hands out zeroed guest RAM by the
 * hundreds of MiB, so this path matters). */
#include <stdint.h>

#include "axvm/lib.h"

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

static size_t zva_block(void)
{
    static size_t cached;
    if (cached == 0) {
        uint64_t dczid;
        __asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
        cached = (dczid & 0x10) ? 1 : (size_t)4 << (dczid & 0xf);
    }
    return cached;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char b = (unsigned char)c;
    size_t blk;
    if (b == 0 && n >= 4096 && (blk = zva_block()) > 1) {
        while (((uintptr_t)d & (blk - 1)) && n) {
            *d++ = 0;
            n--;
        }
        for (; n >= blk; n -= blk, d += blk)
            __asm__ volatile("dc zva, %0" :: "r"(d) : "memory");
    }
    if (((uintptr_t)d & 7) == 0) {
        uint64_t w = 0x0101010101010101ull * b;
        for (; n >= 8; n -= 8, d += 8)
            *(uint64_t *)(void *)d = w;
    }
    while (n--)
        *d++ = b;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}
