#include "migrate/predicate.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/cleanup.h"
#include "migrate/strbuf.h"

/* The identifier at p (bare, "quoted", `quoted` or [quoted]); its length. */
static size_t identifier_at(const char *p, char *name, size_t size) {
        size_t n = 0, i = 0;
        char close = *p == '"' ? '"' : *p == '`' ? '`' : *p == '[' ? ']' : 0;
        if (close) {
                for (i = 1; p[i] && p[i] != close; i++)
                        if (n + 1 < size)
                                name[n++] = p[i];
                if (!p[i])
                        return 0;
                i++;
        } else {
                if (!(isalpha((unsigned char) *p) || *p == '_'))
                        return 0;
                for (; isalnum((unsigned char) p[i]) || p[i] == '_'; i++)
                        if (n + 1 < size)
                                name[n++] = p[i];
        }
        name[n] = '\0';
        return i;
}

static bool is_boolean_column(const struct table *t, const char *name) {
        for (size_t i = 0; i < t->n_columns; i++)
                if (strcasecmp(t->columns[i].name, name) == 0)
                        return t->columns[i].spec.type == COL_BOOLEAN;
        return false;
}

char *predicate_for_postgres(const struct table *t, const char *where) {
        _cleanup_strbuf_ struct strbuf out = {};
        const char *p = where;
        while (*p) {
                if (*p == '\'') { /* a string literal: copied as it is */
                        const char *end = p + 1;
                        while (*end && !(end[0] == '\'' && end[1] != '\''))
                                end += end[0] == '\'' ? 2 : 1;
                        size_t n = (size_t) (end - p) + (*end ? 1 : 0);
                        if (strbuf_append(&out, p, n) < 0)
                                return NULL;
                        p += n;
                        continue;
                }
                char name[256];
                size_t len = identifier_at(p, name, sizeof(name));
                bool word_start = p == where || !(isalnum((unsigned char) p[-1]) || p[-1] == '_');
                if (len && word_start && is_boolean_column(t, name)) {
                        /* column <op> 0|1, op one of = == != <> */
                        const char *q = p + len;
                        q += strspn(q, " \t\n");
                        const char *op = q;
                        size_t op_len = strncmp(q, "==", 2) == 0 || strncmp(q, "!=", 2) == 0 || strncmp(q, "<>", 2) == 0 ? 2
                                        : *q == '='                                                                 ? 1
                                                                                                                    : 0;
                        q += op_len;
                        q += strspn(q, " \t\n");
                        if (op_len && (*q == '0' || *q == '1') && !isalnum((unsigned char) q[1]) && q[1] != '.') {
                                const char *pg_op = op_len == 1 || op[0] == '=' ? "=" : "<>";
                                if (strbuf_append(&out, p, len) < 0 ||
                                    strbuf_printf(&out, " %s %s", pg_op, *q == '1' ? "true" : "false") < 0)
                                        return NULL;
                                p = q + 1;
                                continue;
                        }
                }
                if (len) {
                        if (strbuf_append(&out, p, len) < 0)
                                return NULL;
                        p += len;
                        continue;
                }
                if (strbuf_putc(&out, *p++) < 0)
                        return NULL;
        }
        return strbuf_steal(&out);
}
