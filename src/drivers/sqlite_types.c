/* SQLite's declared types and the logical types, both ways, as data. */
#include "migrate/sqlite_types.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/strbuf.h"

/* Read: checked in order; the first rule whose word occurs in the
 * upper-cased declared type wins.  The specific names come before SQLite's
 * own affinity rules (INT, CHAR/CLOB/TEXT, BLOB, REAL/FLOA/DOUB, else
 * NUMERIC), so a BOOLEAN stays boolean and a DATETIME a timestamp. */
static const struct read_rule {
        const char *word;
        bool prefix;  /* must start the type rather than occur anywhere */
        enum col_type type;
        bool guessed; /* the word does not name this type: SQLite's rules made it so */
} read_rules[] = {
        { "BOOL", false, COL_BOOL, false },
        { "TIMESTAMPTZ", true, COL_TIMESTAMP_UTC, false },
        { "DATETIME", false, COL_TIMESTAMP_UTC, false },   /* naive values are UTC, as the Go server reads them */
        { "TIMESTAMP", true, COL_TIMESTAMP_UTC, false },
        { "DATE", true, COL_DATE, false },
        { "JSONB_TEXT", true, COL_JSON_DOCUMENT, false }, /* what this tool writes for jsonb: back to jsonb */
        { "JSON", false, COL_JSON_TEXT, false },
        { "UUID", false, COL_UUID, false },
        { "NUMERIC", true, COL_DECIMAL, false },
        { "DECIMAL", true, COL_DECIMAL, false },
        { "POINT", false, COL_INT64, true },     /* FLOATING POINT: the "INT" in it makes it an integer */
        { "INT", false, COL_INT64, false },             /* SQLite integers are 64-bit, whatever the name */
        { "CHAR", false, COL_TEXT, false },
        { "CLOB", false, COL_TEXT, false },
        { "TEXT", false, COL_TEXT, false },
        { "BLOB", false, COL_BYTES, false },
        { "REAL", false, COL_FLOAT64, false },
        { "FLOA", false, COL_FLOAT64, false },
        { "DOUB", false, COL_FLOAT64, false },
};

int sqlite_types_from_declared(const char *declared, struct col_spec *ret, bool *ret_guessed) {
        char upper[128];
        size_t n = 0;
        for (const char *p = declared; *p && n < sizeof(upper) - 1; p++)
                upper[n++] = (char) toupper((unsigned char) *p);
        upper[n] = '\0';
        const char *start = upper + strspn(upper, " \t");

        *ret = COL_SPEC(COL_DECIMAL);
        *ret_guessed = false;
        if (!*start)
                return -ENODATA;
        for (size_t i = 0; i < sizeof(read_rules) / sizeof(read_rules[0]); i++) {
                const struct read_rule *rule = &read_rules[i];
                const char *hit = strstr(start, rule->word);
                if (!hit || (rule->prefix && hit != start))
                        continue;
                ret->type = rule->type;
                *ret_guessed = rule->guessed;
                int a, b;
                logical_type_modifiers(start, &a, &b);
                if (rule->type == COL_DECIMAL) {
                        ret->precision = a;
                        ret->scale = a >= 0 ? (b >= 0 ? b : 0) : -1;
                } else if (rule->type == COL_TEXT && (strstr(start, "CHAR") != NULL) && a > 0)
                        ret->length = a; /* VARCHAR(n), CHARACTER(n), NVARCHAR(n): the limit is kept */
                return 0;
        }
        /* SQLite's NUMERIC affinity: anything else (TIME, STRING, ENUM, ...);
         * a guess unless the name says it is a number. */
        *ret_guessed = !strstr(start, "NUMERIC") && !strstr(start, "DECIMAL");
        return 0;
}

/* Write.  SQLite has one integer, one floating point and one timestamp
 * form and pads no text, so INT32 and INT16,
 * FLOAT32, TIMESTAMP_LOCAL and padded text read back as the
 * wider INT64, FLOAT64, TIMESTAMP_UTC and unpadded text, and a
 * timestamp with fewer fraction digits as one with all six: types that
 * hold every value of the original. */
static const char *const declared[_COL_TYPE_ALL] = {
        [COL_INT64] = "BIGINT",
        [COL_INT32] = "INTEGER",
        [COL_INT16] = "SMALLINT",
        [COL_FLOAT64] = "DOUBLE PRECISION",
        [COL_FLOAT32] = "REAL",
        [COL_DECIMAL] = "NUMERIC_TEXT", /* TEXT affinity: NUMERIC affinity would round long decimals to a double */
        [COL_BOOL] = "BOOLEAN",          /* go-sqlite3: bool */
        [COL_TEXT] = "TEXT",
        [COL_BYTES] = "BLOB",
        [COL_TIMESTAMP_LOCAL] = "DATETIME", /* go-sqlite3: time.Time */
        [COL_TIMESTAMP_UTC] = "TIMESTAMP",  /* go-sqlite3: time.Time */
        [COL_DATE] = "DATE",                /* go-sqlite3: time.Time */
        [COL_JSON_TEXT] = "JSON_TEXT",
        [COL_JSON_DOCUMENT] = "JSONB_TEXT",
        [COL_UUID] = "UUID_TEXT",
        /* Never made from PostgreSQL (its source carries these as text); for completeness. */
        [COL_TIME] = "TEXT",
        [COL_INTERVAL] = "BIGINT",
        [COL_INET] = "TEXT",
        [COL_CIDR] = "TEXT",
        [COL_MACADDR] = "TEXT",
};

char *sqlite_types_declared(const struct col_spec *spec) {
        if (spec->type == COL_DECIMAL && spec->precision >= 0)
                return strdup_printf("NUMERIC_TEXT(%d,%d)", spec->precision, spec->scale);
        if (spec->type == COL_TEXT && spec->length >= 0)
                return strdup_printf("%s(%d)", spec->padded ? "CHAR" : "VARCHAR", spec->length);
        return strdup(spec->type < _COL_TYPE_ALL && declared[spec->type] ? declared[spec->type] : "TEXT");
}
