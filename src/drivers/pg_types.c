/* PostgreSQL's types and the logical types, both ways, as data. */
#include "migrate/pg_types.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/strbuf.h"

/* Read: format_type() names, and the short DDL spellings pg_types_ddl()
 * writes ("varchar(40)", "timestamp").  Write: the first rule of each
 * logical type is the name CREATE TABLE gets. */
static const struct pg_rule {
        const char *name;
        enum col_type type;
        bool alone; /* read only when nothing follows: "timestamp with time zone" is not "timestamp" */
} rules[] = {
        { "bigint", COL_INT64, false },
        { "integer", COL_INT32, false },
        { "smallint", COL_INT16, false },
        { "double precision", COL_FLOAT64, false },
        { "real", COL_FLOAT32, false },
        { "numeric", COL_DECIMAL, false },
        { "boolean", COL_BOOL, false },
        { "text", COL_TEXT, false },
        { "character varying", COL_TEXT, false },
        { "character", COL_TEXT, false }, /* char(n): padded */
        { "varchar", COL_TEXT, false },
        { "bytea", COL_BYTES, false },
        { "timestamp", COL_TIMESTAMP_LOCAL, true },
        { "timestamp without time zone", COL_TIMESTAMP_LOCAL, false },
        { "timestamp with time zone", COL_TIMESTAMP_UTC, false },
        { "date", COL_DATE, false },
        { "json", COL_JSON_TEXT, false },
        { "jsonb", COL_JSON_DOCUMENT, false },
        { "uuid", COL_UUID, false },
};

/* Read only from a target the application made (pg_types_from_existing()). */
static const struct pg_rule target_rules[] = {
        { "time without time zone", COL_TIME, false },
        { "interval", COL_INTERVAL, false },
        { "inet", COL_INET, false },
        { "cidr", COL_CIDR, false },
        { "macaddr", COL_MACADDR, false },
};

static int read_formatted(const char *formatted, const struct pg_rule *table, size_t n_rules, struct col_spec *ret) {
        *ret = COL_SPEC(COL_TEXT);
        /* format_type() puts a timestamp's precision inside the name:
         * "timestamp(3) without time zone".  Match the name without it. */
        char name[64];
        int digits = -1;
        bool stamp = sscanf(formatted, "timestamp(%d)", &digits) == 1;
        if (stamp || (table == target_rules && sscanf(formatted, "time(%d)", &digits) == 1)) {
                const char *close = strchr(formatted, ')');
                if (!close || digits < 0 || digits > 6 ||
                    snprintf(name, sizeof(name), "%s%s", stamp ? "timestamp" : "time", close + 1) >= (int) sizeof(name))
                        return -EOPNOTSUPP;
                formatted = name;
        }
        for (size_t i = 0; i < n_rules; i++) {
                size_t len = strlen(table[i].name);
                if (strncmp(formatted, table[i].name, len) != 0)
                        continue;
                const char *rest = formatted + len;
                /* Modifiers follow the name: "numeric(10,2)". */
                if (*rest != '\0' && (*rest != '(' || table[i].alone))
                        continue;
                ret->type = table[i].type;
                int a, b;
                logical_type_modifiers(rest, &a, &b);
                if (ret->type == COL_TIMESTAMP_LOCAL || ret->type == COL_TIMESTAMP_UTC || ret->type == COL_TIME) {
                        if (a >= 0)
                                return -EOPNOTSUPP;
                        ret->precision = digits; /* fraction digits kept, or -1: all six */
                } else if (ret->type == COL_DECIMAL) {
                        ret->precision = a;
                        ret->scale = a >= 0 ? (b >= 0 ? b : 0) : -1;
                } else if (ret->type == COL_TEXT) {
                        ret->length = a;
                        if (strcmp(table[i].name, "character") == 0) {
                                ret->padded = true;
                                ret->length = a >= 0 ? a : 1; /* "character" alone is char(1) */
                        }
                } else if (a >= 0)
                        return -EOPNOTSUPP; /* e.g. bit widths we do not model */
                return 0;
        }
        return -EOPNOTSUPP;
}

int pg_types_from_formatted(const char *formatted, struct col_spec *ret) {
        return read_formatted(formatted, rules, ELEMENTSOF(rules), ret);
}

int pg_types_from_existing(const char *formatted, struct col_spec *ret) {
        if (pg_types_from_formatted(formatted, ret) == 0)
                return 0;
        return read_formatted(formatted, target_rules, ELEMENTSOF(target_rules), ret);
}

char *pg_types_ddl(const struct col_spec *spec) {
        if (spec->type == COL_TEXT && spec->length >= 0)
                return strdup_printf("%s(%d)", spec->padded ? "character" : "varchar", spec->length);
        if (spec->type == COL_DECIMAL && spec->precision >= 0)
                return strdup_printf("numeric(%d,%d)", spec->precision, spec->scale);
        if ((spec->type == COL_TIMESTAMP_LOCAL || spec->type == COL_TIMESTAMP_UTC) && spec->precision >= 0)
                return strdup_printf("timestamp(%d) with%s time zone", spec->precision,
                                     spec->type == COL_TIMESTAMP_LOCAL ? "out" : "");
        if (spec->type == COL_TIME && spec->precision >= 0)
                return strdup_printf("time(%d) without time zone", spec->precision);
        for (size_t i = 0; i < ELEMENTSOF(rules); i++)
                if (rules[i].type == spec->type)
                        return strdup(rules[i].name);
        for (size_t i = 0; i < ELEMENTSOF(target_rules); i++) /* for messages: never created */
                if (target_rules[i].type == spec->type)
                        return strdup(target_rules[i].name);
        return NULL;
}
