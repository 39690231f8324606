#include "migrate/typemap.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/strbuf.h"

/* Checked in order; the first rule whose word occurs in the upper-cased
 * declared type wins.  The specific names come before SQLite's own affinity
 * rules (INT, CHAR/CLOB/TEXT, BLOB, REAL/FLOA/DOUB, else NUMERIC), so a
 * BOOLEAN stays boolean and a DATETIME a timestamp. */
static const struct sqlite_rule {
        const char *word;
        bool prefix; /* must start the type rather than occur anywhere */
        enum col_type type;
} sqlite_rules[] = {
        { "BOOL", false, COL_BOOL },
        { "TIMESTAMPTZ", true, COL_TIMESTAMP_UTC },
        { "DATETIME", false, COL_TIMESTAMP_UTC },   /* naive values are UTC, as the Go server reads them */
        { "TIMESTAMP", true, COL_TIMESTAMP_UTC },
        { "DATE", true, COL_DATE },
        { "JSON", false, COL_JSON_TEXT },
        { "UUID", false, COL_UUID },
        { "NUMERIC", true, COL_DECIMAL },
        { "DECIMAL", true, COL_DECIMAL },
        { "INT", false, COL_INT64 },             /* SQLite integers are 64-bit, whatever the name */
        { "CHAR", false, COL_TEXT },
        { "CLOB", false, COL_TEXT },
        { "TEXT", false, COL_TEXT },
        { "BLOB", false, COL_BYTES },
        { "REAL", false, COL_FLOAT64 },
        { "FLOA", false, COL_FLOAT64 },
        { "DOUB", false, COL_FLOAT64 },
};

/* "(a)" or "(a,b)" after the type name; -1 where absent. */
static void type_arguments(const char *s, int *a, int *b) {
        *a = *b = -1;
        const char *open = strchr(s, '(');
        if (!open)
                return;
        if (sscanf(open, "( %d , %d )", a, b) == 2)
                return;
        *b = -1;
        if (sscanf(open, "( %d )", a) != 1)
                *a = -1;
}

int typemap_from_sqlite(const char *declared, struct col_spec *ret) {
        char upper[128];
        size_t n = 0;
        for (const char *p = declared; *p && n < sizeof(upper) - 1; p++)
                upper[n++] = (char) toupper((unsigned char) *p);
        upper[n] = '\0';
        const char *start = upper + strspn(upper, " \t");

        *ret = (struct col_spec) { .length = -1, .precision = -1, .scale = -1 };
        if (!*start)
                return -ENODATA;
        for (size_t i = 0; i < sizeof(sqlite_rules) / sizeof(sqlite_rules[0]); i++) {
                const struct sqlite_rule *rule = &sqlite_rules[i];
                const char *hit = strstr(start, rule->word);
                if (!hit || (rule->prefix && hit != start))
                        continue;
                ret->type = rule->type;
                int a, b;
                type_arguments(start, &a, &b);
                if (rule->type == COL_DECIMAL) {
                        ret->precision = a;
                        ret->scale = a >= 0 ? (b >= 0 ? b : 0) : -1;
                } else if (rule->type == COL_TEXT && (strstr(start, "CHAR") != NULL) && a > 0)
                        ret->length = a; /* VARCHAR(n), CHARACTER(n), NVARCHAR(n): the limit is kept */
                return 0;
        }
        ret->type = COL_DECIMAL; /* SQLite's NUMERIC affinity: anything else */
        return 0;
}

static const struct pg_rule {
        const char *name;
        enum col_type type;
} pg_rules[] = {
        { "bigint", COL_INT64 },
        { "integer", COL_INT32 },
        { "smallint", COL_INT16 },
        { "double precision", COL_FLOAT64 },
        { "real", COL_FLOAT32 },
        { "numeric", COL_DECIMAL },
        { "boolean", COL_BOOL },
        { "text", COL_TEXT },
        { "character varying", COL_TEXT },
        { "character", COL_TEXT }, /* char(n): padded, see value.c */
        { "bytea", COL_BYTES },
        { "timestamp without time zone", COL_TIMESTAMP_LOCAL },
        { "timestamp with time zone", COL_TIMESTAMP_UTC },
        { "date", COL_DATE },
        { "json", COL_JSON_TEXT },
        { "jsonb", COL_JSON_DOCUMENT },
        { "uuid", COL_UUID },
};

int typemap_from_postgres(const char *formatted, struct col_spec *ret) {
        *ret = (struct col_spec) { .length = -1, .precision = -1, .scale = -1 };
        /* format_type() puts a timestamp's precision inside the name:
         * "timestamp(3) without time zone".  Match the name without it. */
        char name[64];
        int digits = -1;
        if (sscanf(formatted, "timestamp(%d)", &digits) == 1) {
                const char *close = strchr(formatted, ')');
                if (!close || digits < 0 || digits > 6 ||
                    snprintf(name, sizeof(name), "timestamp%s", close + 1) >= (int) sizeof(name))
                        return -EOPNOTSUPP;
                formatted = name;
        }
        for (size_t i = 0; i < sizeof(pg_rules) / sizeof(pg_rules[0]); i++) {
                size_t len = strlen(pg_rules[i].name);
                if (strncmp(formatted, pg_rules[i].name, len) != 0)
                        continue;
                const char *rest = formatted + len;
                if (*rest != '\0' && *rest != '(')
                        continue;
                ret->type = pg_rules[i].type;
                int a, b;
                type_arguments(rest, &a, &b);
                if (ret->type == COL_TIMESTAMP_LOCAL || ret->type == COL_TIMESTAMP_UTC)
                        ret->precision = digits; /* fraction digits kept, or -1: all six */
                else if (ret->type == COL_DECIMAL) {
                        ret->precision = a;
                        ret->scale = a >= 0 ? (b >= 0 ? b : 0) : -1;
                } else if (ret->type == COL_TEXT) {
                        ret->length = a;
                        if (strcmp(pg_rules[i].name, "character") == 0) {
                                ret->padded = true;
                                ret->length = a >= 0 ? a : 1; /* "character" alone is char(1) */
                        }
                }
                else if (a >= 0)
                        return -EOPNOTSUPP; /* e.g. bit widths we do not model */
                return 0;
        }
        return -EOPNOTSUPP;
}

char *typemap_postgres_ddl(const struct col_spec *spec) {
        return col_spec_name(spec);
}
