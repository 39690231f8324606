/* A growable NUL-terminated byte string, for building messages and values. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
        char *data;
        size_t len;
        size_t cap;
};

/* Room for "extra" more bytes and the NUL after them, so that a caller may
 * write them at data + len itself (then add them to len and put the NUL). */
int strbuf_reserve(struct strbuf *b, size_t extra);
int strbuf_putc(struct strbuf *b, char c);
int strbuf_append(struct strbuf *b, const char *s, size_t n);
int strbuf_puts(struct strbuf *b, const char *s);
int strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Return the built string (never NULL on success) and reset the buffer. */
char *strbuf_steal(struct strbuf *b);
void strbuf_done(struct strbuf *b);

/* asprintf that returns NULL on failure instead of an undefined pointer. */
char *strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *strdup_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#define _cleanup_strbuf_ __attribute__((cleanup(strbuf_done)))
