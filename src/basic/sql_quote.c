#include "migrate/sql_quote.h"

#include <errno.h>
#include <stdlib.h>

static char *quote(const char *s, char q) {
        struct strbuf b = {};
        int r = strbuf_putc(&b, q);
        for (const char *p = s; r >= 0 && *p; p++) {
                if (*p == q) /* doubled */
                        r = strbuf_putc(&b, q);
                if (r >= 0)
                        r = strbuf_putc(&b, *p);
        }
        if (r >= 0)
                r = strbuf_putc(&b, q);
        if (r < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

char *sql_quote_identifier(const char *name) {
        return quote(name, '"');
}

char *sql_quote_literal(const char *text) {
        return quote(text, '\'');
}

int sql_append_identifier(struct strbuf *b, const char *name) {
        int r = strbuf_putc(b, '"');
        for (const char *p = name; r >= 0 && *p; p++)
                r = *p == '"' ? strbuf_puts(b, "\"\"") : strbuf_putc(b, *p);
        return r >= 0 ? strbuf_putc(b, '"') : r;
}

int sql_append_identifier_list(struct strbuf *b, const char *const *names, size_t n) {
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                if (i)
                        r = strbuf_puts(b, ", ");
                if (r >= 0)
                        r = sql_append_identifier(b, names[i]);
        }
        return r < 0 ? -ENOMEM : 0;
}
