#include "migrate/logical_type.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/strbuf.h"

static const char *const words[_COL_TYPE_ALL] = {
        [COL_INT64] = "64-bit integer",
        [COL_INT32] = "32-bit integer",
        [COL_INT16] = "16-bit integer",
        [COL_FLOAT64] = "64-bit floating-point number",
        [COL_FLOAT32] = "32-bit floating-point number",
        [COL_DECIMAL] = "decimal",
        [COL_BOOL] = "boolean",
        [COL_TEXT] = "text",
        [COL_BYTES] = "bytes",
        [COL_TIMESTAMP_LOCAL] = "timestamp without time zone",
        [COL_TIMESTAMP_UTC] = "UTC timestamp",
        [COL_DATE] = "date",
        [COL_JSON_TEXT] = "JSON text",
        [COL_JSON_DOCUMENT] = "JSON document",
        [COL_UUID] = "UUID",
        [COL_TIME] = "time of day",
        [COL_INTERVAL] = "duration",
        [COL_INET] = "IP address",
        [COL_CIDR] = "IP network",
        [COL_MACADDR] = "MAC address",
};

const char *logical_type_word(enum col_type t) {
        return t < _COL_TYPE_ALL && words[t] ? words[t] : "?";
}

bool col_spec_equal(const struct col_spec *a, const struct col_spec *b) {
        return a->type == b->type && a->length == b->length && a->precision == b->precision && a->scale == b->scale &&
               a->padded == b->padded;
}

char *logical_type_describe(const struct col_spec *spec) {
        if (spec->type == COL_TEXT && spec->length >= 0)
                return strdup_printf(spec->padded ? "text of %d characters, padded with spaces" :
                                                    "text of at most %d characters",
                                     spec->length);
        if (spec->type == COL_DECIMAL && spec->precision >= 0)
                return strdup_printf("decimal(%d,%d)", spec->precision, spec->scale);
        if ((spec->type == COL_TIMESTAMP_LOCAL || spec->type == COL_TIMESTAMP_UTC || spec->type == COL_TIME) &&
            spec->precision >= 0)
                return strdup_printf("%s to %d fraction digits", logical_type_word(spec->type), spec->precision);
        return strdup(logical_type_word(spec->type));
}

char *col_spec_name(const struct col_spec *spec) {
        return spec->name ? strdup(spec->name) : logical_type_describe(spec);
}

void logical_type_modifiers(const char *s, int *a, int *b) {
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
