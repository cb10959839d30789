/* Helpers shared by the libFuzzer targets (header-only).
 *
 * struct fz hands out the fuzzer's bytes as integers, little-endian, and
 * zeros once the input is exhausted, so that every input, however short,
 * decodes to a complete operation sequence (libFuzzer's mutations then
 * change meaning locally instead of shifting everything after them).
 *
 * FZ_CHECK is the targets' oracle: a broken invariant of the code under test
 * is reported and aborts, which libFuzzer records as a crash like any
 * sanitizer finding. */
#ifndef AXVM_TESTS_FUZZ_INPUT_H
#define AXVM_TESTS_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fz {
    const uint8_t *p;
    size_t n;
};

static inline size_t fz_left(const struct fz *f)
{
    return f->n;
}

static inline uint8_t fz_u8(struct fz *f)
{
    if (f->n == 0)
        return 0;
    f->n--;
    return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
    return (uint16_t)(fz_u8(f) | (unsigned)fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
    uint32_t lo = fz_u16(f);
    return lo | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t fz_u64(struct fz *f)
{
    uint64_t lo = fz_u32(f);
    return lo | (uint64_t)fz_u32(f) << 32;
}

static inline int fz_bool(struct fz *f)
{
    return fz_u8(f) & 1;
}

/* 0..n-1 (n > 0). */
static inline unsigned fz_below(struct fz *f, unsigned n)
{
    return n <= 256 ? fz_u8(f) % n : fz_u16(f) % n;
}

/* An access width: mostly the architectural ones, sometimes anything. */
static inline unsigned fz_width(struct fz *f)
{
    uint8_t b = fz_u8(f);
    if (b < 0xF0)
        return 1u << (b & 3);
    return b & 0x0F;
}

#define FZ_CHECK(cond)                                                                                                \
    do {                                                                                                              \
        if (!(cond)) {                                                                                                \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);                              \
            abort();                                                                                                  \
        }                                                                                                             \
    } while (0)

#endif
