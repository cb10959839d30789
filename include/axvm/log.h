/* Formatted output of the hypervisor, freestanding (no libc printf). */
#ifndef AXVM_LOG_H
#define AXVM_LOG_H

#include <stdarg.h>

#include "axvm/types.h"

/* Supports %d %i %u %x %X %p %s %c %% with flags '-', '0', width, and the
 * length modifiers l, ll, z. Always NUL-terminates (size > 0); returns the
 * length the full output would have. */
int axvm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int axvm_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* To the HAL console; one call is written with one hal_console_write so that
 * lines from different CPUs do not interleave mid-line. */
void axvm_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum axvm_log_level { AXVM_LOG_ERROR = 0, AXVM_LOG_WARN, AXVM_LOG_INFO, AXVM_LOG_DEBUG };
extern enum axvm_log_level axvm_log_level;
void axvm_log(enum axvm_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define AXVM_ERR(...) axvm_log(AXVM_LOG_ERROR, __VA_ARGS__)
#define AXVM_WARN(...) axvm_log(AXVM_LOG_WARN, __VA_ARGS__)
#define AXVM_INFO(...) axvm_log(AXVM_LOG_INFO, __VA_ARGS__)
#define AXVM_DEBUG(...) axvm_log(AXVM_LOG_DEBUG, __VA_ARGS__)

#endif
