/* Hypervisor console output: one formatted message, one HAL write. */
#include <stdarg.h>

#include "axvm/hal.h"
#include "axvm/log.h"

enum axvm_log_level axvm_log_level = AXVM_LOG_INFO;

#define LOG_LINE_MAX 256

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
    char buf[LOG_LINE_MAX];
    size_t off = 0;
    if (prefix) {
        int n = axvm_snprintf(buf, sizeof(buf), "%s", prefix);
        off = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    }
    int n = axvm_vsnprintf(buf + off, sizeof(buf) - off, fmt, ap);
    size_t len = off + (size_t)n;
    if (len > sizeof(buf) - 1) {
        /* truncated: keep the line ending so the next message starts clean */
        len = sizeof(buf) - 1;
        buf[len - 1] = '\n';
    }
    hal_console_write(buf, len);
}

void axvm_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(NULL, fmt, ap);
    va_end(ap);
}

void axvm_log(enum axvm_log_level lvl, const char *fmt, ...)
{
    static const char *const prefix[] = {"axvm: error: ", "axvm: warning: ", "axvm: ", "axvm: debug: "};
    if (lvl > axvm_log_level || (unsigned)lvl >= 4u)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint(prefix[lvl], fmt, ap);
    va_end(ap);
}
