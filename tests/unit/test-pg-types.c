/* PostgreSQL's type map (pg_types.c): format_type() names -> logical types,
 * logical types -> the types CREATE TABLE gets, and the round trip. */
#include <errno.h>

#include "migrate/cleanup.h"
#include "migrate/pg_types.h"
#include "tap.h"
#include "types_fixture.h"

static struct col_spec read_type(const char *formatted, int expect) {
        struct col_spec s;
        int r = pg_types_from_formatted(formatted, &s);
        if (r != expect) {
                printf("# \"%s\": r=%d, want %d\n", formatted, r, expect);
                tap_case_failed = true;
        }
        return s;
}

static void test_round_trip(void) {
        struct col_spec all[32];
        size_t n = every_logical_type(all);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *ddl = pg_types_ddl(&all[i]);
                CHECK(ddl != NULL);
                if (!ddl)
                        continue;
                struct col_spec back = read_type(ddl, 0);
                if (!col_spec_equal(&back, &all[i])) {
                        _cleanup_free_ char *want = logical_type_describe(&all[i]), *got = logical_type_describe(&back);
                        printf("# %s -> \"%s\" -> %s\n", want, ddl, got);
                        tap_case_failed = true;
                }
        }
}

static void test_ddl_spelling(void) {
        struct col_spec all[32];
        size_t n = every_logical_type(all);
        static const char *const want[] = {
                "bigint", "integer", "smallint", "double precision", "real", "numeric", "boolean", "text", "bytea",
                "timestamp", "timestamp with time zone", "date", "json", "jsonb", "uuid",
                "varchar(40)", "character(3)", "numeric(10,2)", "numeric(5,0)", "timestamp(3) with time zone",
                "timestamp(0) without time zone",
        };
        CHECK(n == sizeof(want) / sizeof(want[0]));
        for (size_t i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++) {
                _cleanup_free_ char *ddl = pg_types_ddl(&all[i]);
                CHECK_STREQ(ddl, want[i]);
        }
}

static void test_format_type_names(void) {
        struct col_spec s = read_type("character varying(40)", 0);
        CHECK(s.type == COL_TEXT && s.length == 40 && !s.padded);
        s = read_type("character varying", 0);
        CHECK(s.type == COL_TEXT && s.length == -1);
        s = read_type("character(64)", 0);
        CHECK(s.type == COL_TEXT && s.length == 64 && s.padded);
        s = read_type("character", 0); /* char alone is char(1) */
        CHECK(s.type == COL_TEXT && s.length == 1 && s.padded);
        s = read_type("numeric(10,2)", 0);
        CHECK(s.type == COL_DECIMAL && s.precision == 10 && s.scale == 2);
        s = read_type("numeric", 0);
        CHECK(s.type == COL_DECIMAL && s.precision == -1 && s.scale == -1);
        CHECK(read_type("timestamp without time zone", 0).type == COL_TIMESTAMP_LOCAL);
        CHECK(read_type("timestamp with time zone", 0).type == COL_TIMESTAMP_UTC);
        CHECK(read_type("jsonb", 0).type == COL_JSON_DOCUMENT);
        CHECK(read_type("json", 0).type == COL_JSON_TEXT);
        CHECK(read_type("double precision", 0).type == COL_FLOAT64);
        CHECK(read_type("real", 0).type == COL_FLOAT32);
        CHECK(read_type("smallint", 0).type == COL_INT16);
        s = read_type("timestamp(3) with time zone", 0);
        CHECK(s.type == COL_TIMESTAMP_UTC && s.precision == 3);
        s = read_type("timestamp(0) without time zone", 0);
        CHECK(s.type == COL_TIMESTAMP_LOCAL && s.precision == 0);
        CHECK(read_type("timestamp with time zone", 0).precision == -1);
}

static void test_refused(void) {
        read_type("money", -EOPNOTSUPP);
        read_type("point", -EOPNOTSUPP);
        read_type("timestamp(7) with time zone", -EOPNOTSUPP); /* below the microsecond */
        read_type("time(3) without time zone", -EOPNOTSUPP);
        read_type("bit(3)", -EOPNOTSUPP);
        read_type("integer[]", -EOPNOTSUPP);
        read_type("texts", -EOPNOTSUPP);
        read_type("varchar varying", -EOPNOTSUPP);
}

int main(void) {
        RUN(test_round_trip);
        RUN(test_ddl_spelling);
        RUN(test_format_type_names);
        RUN(test_refused);
        TAP_END();
}
