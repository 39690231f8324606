#include "migrate/log.h"

#include <stdarg.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/escape.h"
#include "migrate/strbuf.h"

static bool holding;
static struct strbuf held; /* errors and hints kept while holding */

/* The sink: prefix (ours, trusted) + the escaped message + end (ours). */
__attribute__((format(printf, 5, 0)))
static void emit(FILE *f, bool may_hold, const char *prefix, const char *end, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = strdup_vprintf(fmt, ap);
        _cleanup_strbuf_ struct strbuf b = {};
        if (!msg || strbuf_puts(&b, prefix) < 0 || escape_append(&b, msg, strlen(msg), 0) < 0 ||
            strbuf_puts(&b, end) < 0) {
                fprintf(f, "%s(out of memory while formatting a message)%s", prefix, end);
                return;
        }
        if (may_hold && holding && strbuf_puts(&held, b.data) >= 0)
                return;
        fputs(b.data, f);
}

#define EMIT_HELD(f, may_hold, prefix, end, fmt)          \
        do {                                              \
                va_list ap;                               \
                va_start(ap, fmt);                        \
                emit(f, may_hold, prefix, end, fmt, ap);  \
                va_end(ap);                               \
        } while (0)
#define EMIT(f, prefix, end, fmt) EMIT_HELD(f, false, prefix, end, fmt)

void log_hold(void) {
        holding = true;
}

void log_release(bool print) {
        if (print && held.data)
                fputs(held.data, stderr);
        strbuf_done(&held);
        holding = false;
}

void log_error(const char *fmt, ...) {
        EMIT_HELD(stderr, true, "migrate: error: ", "\n", fmt);
}

void log_notice(const char *fmt, ...) {
        EMIT(stderr, "migrate: notice: ", "\n", fmt);
}

void log_hint(const char *fmt, ...) {
        EMIT_HELD(stderr, true, "migrate: hint: ", "\n", fmt);
}

void log_info(const char *fmt, ...) {
        EMIT(stderr, "migrate: ", "\n", fmt);
}

int log_error_errno(int r, const char *fmt, ...) {
        EMIT_HELD(stderr, true, "migrate: error: ", "\n", fmt);
        return r;
}

void out_line(FILE *f, const char *fmt, ...) {
        EMIT(f, "", "\n", fmt);
}

void log_status_line(const char *fmt, ...) {
        /* Back to column 0 and clear the line: our own control sequence. */
        EMIT(stderr, "\r\033[K", "", fmt);
        fflush(stderr);
}

void log_status_end(void) {
        fputc('\n', stderr);
        fflush(stderr);
}
