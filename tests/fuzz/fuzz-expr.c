/* The expression translator (SQLite -> PostgreSQL) on any text: no crash,
 * and what it writes is one expression that cannot carry anything else:
 * outside its quoted strings and names there is no ';' and no comment, and
 * every quote is closed.  The first byte chooses the use (index key,
 * predicate, default, check) and the type of the column a default fills. */
#include "fuzz.h"

#include <errno.h>
#include <stdbool.h>

#include "migrate/catalog.h"
#include "migrate/expr.h"

static struct column columns[] = {
        { .name = (char *) "name", .spec = { .type = COL_TEXT, .length = -1, .precision = -1, .scale = -1 } },
        { .name = (char *) "n", .spec = { .type = COL_INT64, .length = -1, .precision = -1, .scale = -1 } },
        { .name = (char *) "flag", .spec = { .type = COL_BOOL, .length = -1, .precision = -1, .scale = -1 } },
        { .name = (char *) "at", .spec = { .type = COL_TIMESTAMP_UTC, .length = -1, .precision = -1, .scale = -1 } },
        { .name = (char *) "we\"ird;--", .spec = { .type = COL_TEXT, .length = -1, .precision = -1, .scale = -1 } },
};
static const struct table table = { .name = (char *) "t", .columns = columns, .n_columns = 5 };

/* PostgreSQL text with standard_conforming_strings: '...' and "..." with
 * doubled quotes inside. */
static void check_closed(const char *sql, const char *from) {
        for (const char *p = sql; *p; p++) {
                if (*p == '\'' || *p == '"') {
                        char q = *p;
                        for (p++;; p++) {
                                FUZZ_CHECK(*p, "an unclosed %c in '%s' from '%s'", q, sql, from);
                                if (*p == q && p[1] == q)
                                        p++;
                                else if (*p == q)
                                        break;
                        }
                        continue;
                }
                FUZZ_CHECK(*p != ';', "a ';' in '%s' from '%s'", sql, from);
                FUZZ_CHECK(!(p[0] == '-' && p[1] == '-') && !(p[0] == '/' && p[1] == '*'),
                           "a comment in '%s' from '%s'", sql, from);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        static const enum expr_use uses[] = { EXPR_INDEX_KEY, EXPR_PREDICATE, EXPR_DEFAULT, EXPR_CHECK };
        struct col_spec column = { .type = (enum col_type) ((data[0] >> 2) % _COL_TYPE_MAX),
                                   .length = -1, .precision = -1, .scale = -1 };
        struct expr_target target = { .use = uses[data[0] & 3], .table = &table, .column = &column };
        char *text = fuzz_cstring(data + 1, size - 1), *sql = NULL, *why = NULL;
        int r = expr_translate(text, &target, &sql, &why);
        if (r == 0) {
                FUZZ_CHECK(sql && *sql, "an empty translation of '%s'", text);
                check_closed(sql, text);
        } else
                FUZZ_CHECK(r == -EOPNOTSUPP && why, "expr_translate returned %d for '%s'", r, text);
        free(sql);
        free(why);
        free(text);
        return 0;
}
