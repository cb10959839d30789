/* Minimal formatted output: %d %i %u %x %X %p %s %c %%, flags '-' '0' '#',
 * width, and the l / ll / z length modifiers. One call prints atomically
 * with respect to the other vCPUs. */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int g_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int g_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int g_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void g_puts_raw(const char *s);

#endif
