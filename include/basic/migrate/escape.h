/* The one function that makes text from a file or a database safe to print:
 * no byte of it can drive a terminal.  log.h applies it to every message, so
 * callers format freely and nothing reaches the terminal unescaped. */
#pragma once

#include <stddef.h>

#include "migrate/strbuf.h"

enum {
        /* Every non-ASCII character as \u{...}: for two values that differ but
         * would print alike (NFC vs NFD, look-alike letters). */
        ESCAPE_CODEPOINTS = 1 << 0,
        /* Inside '...': a quote is doubled and a backslash is \x5c, so the
         * quoted form reads back unambiguously. */
        ESCAPE_QUOTED = 1 << 1,
};

/* Append s[0..n) to b with C0 controls (newline and tab included), DEL, C1
 * controls, Unicode line separators and bidirectional overrides written as
 * \xHH (a newline is \x0a) or \u{HHHH}, and each byte of invalid UTF-8 as \xHH.
 * Valid printable UTF-8 is kept.  0 or -ENOMEM. */
int escape_append(struct strbuf *b, const char *s, size_t n, unsigned flags);

/* A NUL-terminated escaped copy (flags 0); NULL on ENOMEM. */
char *escape_text(const char *s);
