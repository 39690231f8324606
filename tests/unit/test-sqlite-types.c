/* SQLite's type map (sqlite_types.c): declared types -> logical types (its
 * affinity rules, and the guesses among them), the declared types a new
 * column gets, and the round trip. */
#include <errno.h>

#include "migrate/cleanup.h"
#include "migrate/sqlite_types.h"
#include "tap.h"
#include "types_fixture.h"

static struct col_spec read_type(const char *declared, bool guessed) {
        struct col_spec s;
        bool g = !guessed;
        int r = sqlite_types_from_declared(declared, &s, &g);
        if (r != 0 || g != guessed) {
                printf("# \"%s\": r=%d guessed=%d, want 0 and %d\n", declared, r, g, guessed);
                tap_case_failed = true;
        }
        return s;
}

/* SQLite has one form for several logical types: these read back as the
 * wider type, which holds every value of the original (timestamps with
 * all six fraction digits). */
static struct col_spec read_back_as(const struct col_spec *s) {
        struct col_spec w = *s;
        switch (s->type) {
        case COL_INT32:
        case COL_INT16:
                w.type = COL_INT64;
                break;
        case COL_FLOAT32:
                w.type = COL_FLOAT64;
                break;
        case COL_TIMESTAMP_LOCAL:
                w.type = COL_TIMESTAMP_UTC;
                w.precision = -1; /* SQLite keeps every digit it is given */
                break;
        case COL_TIMESTAMP_UTC:
                w.precision = -1;
                break;
        default:
                break;
        }
        w.padded = false; /* SQLite pads nothing */
        return w;
}

static void test_round_trip(void) {
        struct col_spec all[32];
        size_t n = every_logical_type(all);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *declared = sqlite_types_declared(&all[i]);
                CHECK(declared != NULL);
                if (!declared)
                        continue;
                struct col_spec back = read_type(declared, false), want = read_back_as(&all[i]);
                if (!col_spec_equal(&back, &want)) {
                        _cleanup_free_ char *w = logical_type_describe(&want), *g = logical_type_describe(&back);
                        printf("# \"%s\" reads back as %s, want %s\n", declared, g, w);
                        tap_case_failed = true;
                }
        }
}

/* mattn/go-sqlite3 gives time.Time only for columns declared exactly
 * timestamp, datetime or date, and bool only for boolean. */
static void test_go_readable(void) {
        static const struct {
                enum col_type type;
                const char *declared;
        } cases[] = {
                { COL_TIMESTAMP_UTC, "TIMESTAMP" }, { COL_TIMESTAMP_LOCAL, "DATETIME" }, { COL_DATE, "DATE" },
                { COL_BOOL, "BOOLEAN" },            { COL_BYTES, "BLOB" },               { COL_TEXT, "TEXT" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_free_ char *d = sqlite_types_declared(&COL_SPEC(cases[i].type));
                CHECK_STREQ(d, cases[i].declared);
        }
        struct col_spec dec = COL_SPEC(COL_DECIMAL);
        dec.precision = 10;
        dec.scale = 2;
        _cleanup_free_ char *d = sqlite_types_declared(&dec); /* TEXT affinity: long decimals stay exact */
        CHECK_STREQ(d, "NUMERIC_TEXT(10,2)");
}

static void test_affinity_rules(void) {
        struct col_spec s = read_type("VARCHAR(255)", false);
        CHECK(s.type == COL_TEXT && s.length == 255);
        s = read_type("nvarchar(10)", false);
        CHECK(s.type == COL_TEXT && s.length == 10);
        CHECK(read_type("TEXT", false).length == -1);
        CHECK(read_type("INTEGER", false).type == COL_INT64); /* SQLite integers are 64-bit */
        CHECK(read_type("SMALLINT", false).type == COL_INT64);
        CHECK(read_type("BOOLEAN", false).type == COL_BOOL);
        CHECK(read_type("DATETIME", false).type == COL_TIMESTAMP_UTC);
        CHECK(read_type("timestamptz", false).type == COL_TIMESTAMP_UTC);
        CHECK(read_type("DATE", false).type == COL_DATE);
        CHECK(read_type("REAL", false).type == COL_FLOAT64);
        CHECK(read_type("BLOB", false).type == COL_BYTES);
        CHECK(read_type("JSON", false).type == COL_JSON_TEXT);
        CHECK(read_type("UUID", false).type == COL_UUID);
        s = read_type("DECIMAL(10,2)", false);
        CHECK(s.type == COL_DECIMAL && s.precision == 10 && s.scale == 2);
        s = read_type("NUMERIC(7)", false);
        CHECK(s.type == COL_DECIMAL && s.precision == 7 && s.scale == 0);
        CHECK(read_type("MY NUMERIC", false).type == COL_DECIMAL); /* says it is a number */
}

static void test_guesses(void) {
        CHECK(read_type("FLOATING POINT", true).type == COL_INT64); /* the INT in POINT */
        CHECK(read_type("POINT", true).type == COL_INT64);
        CHECK(read_type("STRING", true).type == COL_DECIMAL);      /* anything else: NUMERIC affinity */
        CHECK(read_type("TIME", true).type == COL_DECIMAL);
        struct col_spec s;
        bool g;
        CHECK(sqlite_types_from_declared("", &s, &g) == -ENODATA);
        CHECK(sqlite_types_from_declared("  ", &s, &g) == -ENODATA);
}

int main(void) {
        RUN(test_round_trip);
        RUN(test_go_readable);
        RUN(test_affinity_rules);
        RUN(test_guesses);
        TAP_END();
}
