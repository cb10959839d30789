/* The few C library routines the core uses. Hosted builds get them from libc;
 * the bare-metal runtime provides its own (runtime/baremetal/lib.c). The
 * compiler may also emit calls to memcpy/memset on its own, which is why the
 * runtime must provide exactly these names. */
#ifndef AXVM_LIB_H
#define AXVM_LIB_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
