#include "migrate/log.h"

#include <stdarg.h>

static void log_v(const char *level, const char *fmt, va_list ap) {
        fprintf(stderr, "migrate: %s", level);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

void log_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_v("error: ", fmt, ap);
        va_end(ap);
}

void log_notice(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_v("notice: ", fmt, ap);
        va_end(ap);
}

int log_error_errno(int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        log_v("error: ", fmt, ap);
        va_end(ap);
        return r;
}
