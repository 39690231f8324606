/* The copy engine (one pass that checks and copies) against the in-memory
 * driver: every row and every value arrives exactly, and every value the
 * target cannot hold is named; sending stops at the first one (the caller
 * rolls back what was sent). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine_fixture.h"
#include "tap.h"

static const char *const columns[] = { "id", "label", "data", "amount", "note" };
static const enum col_type types[] = { COL_INT64, COL_TEXT, COL_BYTES, COL_FLOAT64, COL_TEXT };
static const char *const pk[] = { "id", NULL };
#define N 5

static const char nul_blob[] = { 'a', 0, 'b', 0 };

/* Rows that cover what the value model distinguishes. */
static void fill_source(struct engine_fixture *f) {
        struct mem_table *t = mem_db_table(f->source, "things");
        const struct value rows[][N] = {
                { V_INT(1), V_TEXT(""), V_BLOB("", 0), V_REAL(0.0), V_NULL },
                { V_INT(2), V_NULL, V_NULL, V_REAL(-0.0), V_TEXT("") },
                { V_INT(INT64_MIN), V_TEXT("min"), V_BLOB(nul_blob, sizeof(nul_blob)), V_REAL(INFINITY), V_TEXT("x") },
                { V_INT(INT64_MAX), V_TEXT("max"), V_BLOB("\0", 1), V_REAL(-INFINITY), V_TEXT("é") },
                { V_INT(0), V_TEXT("nan"), V_BLOB("\xff", 1), V_REAL(NAN), V_TEXT("line\nbreak") },
                { V_INT(-1), V_TEXT("tiny"), V_BLOB("b", 1), V_REAL(4.9406564584124654e-324), V_NULL },
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                CHECK(mem_table_add_row(t, N, rows[i]) == 0);
}

static const struct value *find_row(struct mem_table *t, int64_t id) {
        for (size_t i = 0; i < t->n_rows; i++)
                if (t->rows[i][0].kind == VALUE_INT && t->rows[i][0].i == id)
                        return t->rows[i];
        return NULL;
}

static void test_copy_carries_every_value(void) {
        struct engine_fixture f;
        size_t problems = 99, mismatches = 99;
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "things", N, columns, types, pk) == 0);
        fill_source(&f);
        CHECK(fixture_map(&f) == 0);
        CHECK(capture_start() == 0);
        CHECK(engine_copy(&f.e, &problems) == 0);
        CHECK(engine_verify(&f.e, &mismatches) == 0);
        _cleanup_free_ char *out = capture_end();
        CHECK(problems == 0);
        CHECK(mismatches == 0);
        CHECK_STREQ(out, "");

        struct mem_table *src = mem_db_table(f.source, "things"), *dst = mem_db_table(f.target, "things");
        CHECK(dst->n_rows == src->n_rows);
        CHECK(f.map.tables[0].rows_copied == (int64_t) src->n_rows);
        for (size_t i = 0; i < src->n_rows; i++) {
                const struct value *a = src->rows[i], *b = find_row(dst, a[0].i);
                CHECK(b);
                for (size_t c = 0; b && c < N; c++) {
                        CHECK(a[c].kind == b[c].kind);
                        CHECK(value_equal(&a[c], &b[c]));
                }
        }
        /* The distinctions a careless copy loses, one by one. */
        const struct value *r1 = find_row(dst, 1), *r2 = find_row(dst, 2), *rmin = find_row(dst, INT64_MIN),
                           *rmax = find_row(dst, INT64_MAX), *r0 = find_row(dst, 0);
        CHECK(r1 && r1[1].kind == VALUE_TEXT && r1[1].n == 0);     /* empty text, not NULL */
        CHECK(r1 && r1[2].kind == VALUE_BLOB && r1[2].n == 0);     /* empty blob, not NULL */
        CHECK(r1 && r1[4].kind == VALUE_NULL);
        CHECK(r2 && r2[1].kind == VALUE_NULL && r2[2].kind == VALUE_NULL);
        CHECK(r2 && r2[3].kind == VALUE_REAL && r2[3].d == 0 && signbit(r2[3].d)); /* -0.0 stays negative */
        CHECK(r1 && !signbit(r1[3].d));
        CHECK(r2 && r2[4].kind == VALUE_TEXT && r2[4].n == 0);
        CHECK(rmin && rmin[0].i == INT64_MIN && rmin[2].n == sizeof(nul_blob) &&
              memcmp(rmin[2].s, nul_blob, sizeof(nul_blob)) == 0);
        CHECK(rmin && isinf(rmin[3].d) && rmin[3].d > 0);
        CHECK(rmax && rmax[0].i == INT64_MAX && rmax[2].n == 1 && rmax[2].s[0] == 0);
        CHECK(rmax && isinf(rmax[3].d) && rmax[3].d < 0);
        CHECK(rmax && rmax[4].n == strlen("é") && memcmp(rmax[4].s, "é", rmax[4].n) == 0);
        CHECK(r0 && isnan(r0[3].d));
        fixture_done(&f);
}

/* The target names its columns in another order and has one more (nullable):
 * values go by name, the extra column stays NULL. */
static void test_copy_by_column_name(void) {
        struct engine_fixture f;
        size_t problems = 99, mismatches = 99;
        static const char *const target_columns[] = { "note", "amount", "extra", "data", "label", "id" };
        static const enum col_type target_types[] = { COL_TEXT, COL_FLOAT64, COL_TEXT, COL_BYTES, COL_TEXT, COL_INT64 };
        CHECK(fixture_init(&f) == 0);
        CHECK(mem_db_add_table(f.source, "things", N, columns, types, pk) == 0);
        CHECK(mem_db_add_table(f.target, "things", 6, target_columns, target_types, pk) == 0);
        fill_source(&f);
        CHECK(fixture_map(&f) == 0);
        CHECK(capture_start() == 0);
        CHECK(engine_copy(&f.e, &problems) == 0);
        CHECK(engine_verify(&f.e, &mismatches) == 0);
        _cleanup_free_ char *out = capture_end();
        CHECK(problems == 0 && mismatches == 0);
        CHECK_STREQ(out, "");
        struct mem_table *dst = mem_db_table(f.target, "things");
        CHECK(dst->n_rows == 6);
        for (size_t i = 0; i < dst->n_rows; i++)
                CHECK(dst->rows[i][2].kind == VALUE_NULL);
        const struct value *src = mem_db_table(f.source, "things")->rows[2];
        for (size_t i = 0; i < dst->n_rows; i++)
                if (dst->rows[i][5].i == INT64_MIN) {
                        CHECK(value_equal(&dst->rows[i][0], &src[4]));
                        CHECK(value_equal(&dst->rows[i][3], &src[2]));
                        CHECK(value_equal(&dst->rows[i][4], &src[1]));
                }
        fixture_done(&f);
}

static void test_copy_empty_table(void) {
        struct engine_fixture f;
        size_t problems = 99, mismatches = 99;
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "things", N, columns, types, pk) == 0);
        CHECK(fixture_add_table(&f, "nothing", N, columns, types, NULL) == 0);
        fill_source(&f);
        CHECK(fixture_map(&f) == 0);
        CHECK(capture_start() == 0);
        CHECK(engine_copy(&f.e, &problems) == 0);
        CHECK(engine_verify(&f.e, &mismatches) == 0);
        _cleanup_free_ char *out = capture_end();
        CHECK(problems == 0 && mismatches == 0);
        CHECK_STREQ(out, "");
        CHECK(mem_db_table(f.target, "nothing")->n_rows == 0);
        CHECK(f.map.tables[1].rows_copied == 0);
        CHECK(mem_db_table(f.target, "things")->n_rows == 6);
        fixture_done(&f);
}

/* Every value the target cannot hold is named (table, row, column, value,
 * type, why), all columns of a row; nothing is sent after the first. */
static void test_copy_names_every_problem(void) {
        struct engine_fixture f;
        size_t problems = 0;
        static const char *const cols[] = { "id", "count", "ratio" };
        static const enum col_type src_types[] = { COL_INT64, COL_TEXT, COL_TEXT };
        static const enum col_type dst_types[] = { COL_INT64, COL_INT64, COL_FLOAT64 };
        CHECK(fixture_init(&f) == 0);
        CHECK(mem_db_add_table(f.source, "stats", 3, cols, src_types, pk) == 0);
        CHECK(mem_db_add_table(f.target, "stats", 3, cols, dst_types, pk) == 0);
        struct mem_table *t = mem_db_table(f.source, "stats");
        CHECK(mem_table_add_row(t, 3, (struct value[]) { V_INT(1), V_TEXT("12"), V_TEXT("0.5") }) == 0);
        CHECK(mem_table_add_row(t, 3, (struct value[]) { V_INT(2), V_TEXT("lots"), V_TEXT("half") }) == 0);
        CHECK(mem_table_add_row(t, 3, (struct value[]) { V_INT(3), V_TEXT("7"), V_TEXT("1e999") }) == 0);
        CHECK(mem_table_add_row(t, 3, (struct value[]) { V_INT(4), V_TEXT("8"), V_TEXT("2") }) == 0);
        CHECK(fixture_map(&f) == 0);
        CHECK(capture_start() == 0);
        CHECK(engine_copy(&f.e, &problems) == 0);
        _cleanup_free_ char *out = capture_end();
        CHECK(problems == 3);
        CHECK_CONTAINS(out, "main database, table stats, row id=2, column count: 'lots' cannot go into the target's bigint column");
        CHECK_CONTAINS(out, "main database, table stats, row id=2, column ratio: 'half' cannot go into the target's double precision column: it is text that is not a number");
        CHECK_CONTAINS(out, "main database, table stats, row id=3, column ratio: '1e999' cannot go into the target's double precision column: it is text with a number out of range");
        CHECK_NOT_CONTAINS(out, "row id=1");
        CHECK(count_occurrences(out, "migrate: error: ") == 3);
        /* Only the row before the first problem was sent; rows 3 and 4 were read as a check only. */
        CHECK(mem_db_table(f.target, "stats")->n_rows == 1);
        fixture_done(&f);
}

/* Past max_reported problems, the rest are counted, not listed. */
static void test_copy_counts_past_the_limit(void) {
        struct engine_fixture f;
        size_t problems = 0;
        static const char *const cols[] = { "id", "count" };
        static const enum col_type src_types[] = { COL_INT64, COL_TEXT };
        static const enum col_type dst_types[] = { COL_INT64, COL_INT64 };
        CHECK(fixture_init(&f) == 0);
        f.e.max_reported = 2;
        CHECK(mem_db_add_table(f.source, "stats", 2, cols, src_types, pk) == 0);
        CHECK(mem_db_add_table(f.target, "stats", 2, cols, dst_types, pk) == 0);
        struct mem_table *t = mem_db_table(f.source, "stats");
        for (int64_t i = 0; i < 5; i++)
                CHECK(mem_table_add_row(t, 2, (struct value[]) { V_INT(i), V_TEXT("x") }) == 0);
        CHECK(fixture_map(&f) == 0);
        CHECK(capture_start() == 0);
        CHECK(engine_copy(&f.e, &problems) == 0);
        _cleanup_free_ char *out = capture_end();
        CHECK(problems == 5);
        CHECK(count_occurrences(out, "cannot go into the target's bigint column") == 2);
        CHECK_CONTAINS(out, "... and 3 more values the target cannot hold");
        fixture_done(&f);
}

/* A value the target cannot hold stops the sending, with a message naming
 * it, and is counted as a problem. */
static void test_copy_stops_at_a_value_it_cannot_write(void) {
        struct engine_fixture f;
        size_t problems = 0;
        static const char *const cols[] = { "id", "count" };
        static const enum col_type src_types[] = { COL_INT64, COL_TEXT };
        static const enum col_type dst_types[] = { COL_INT64, COL_INT64 };
        CHECK(fixture_init(&f) == 0);
        CHECK(mem_db_add_table(f.source, "stats", 2, cols, src_types, pk) == 0);
        CHECK(mem_db_add_table(f.target, "stats", 2, cols, dst_types, pk) == 0);
        struct mem_table *t = mem_db_table(f.source, "stats");
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_INT(1), V_TEXT("5") }) == 0);
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_INT(2), V_TEXT("five") }) == 0);
        CHECK(fixture_map(&f) == 0);
        CHECK(capture_start() == 0);
        CHECK(engine_copy(&f.e, &problems) == 0);
        _cleanup_free_ char *out = capture_end();
        CHECK(problems == 1);
        CHECK(mem_db_table(f.target, "stats")->n_rows == 1);
        CHECK_CONTAINS(out, "main database, table stats, row id=2, column count: 'five' cannot go into the target's bigint column");
        CHECK(count_occurrences(out, "migrate: error: ") == 1);
        fixture_done(&f);
}

/* A table marked skip_copy (schema_migrations already equal) is not written. */
static void test_copy_skips_what_it_is_told(void) {
        struct engine_fixture f;
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "things", N, columns, types, pk) == 0);
        fill_source(&f);
        CHECK(fixture_map(&f) == 0);
        f.map.tables[0].skip_copy = true;
        size_t problems = 99;
        CHECK(capture_start() == 0);
        CHECK(engine_copy(&f.e, &problems) == 0);
        CHECK(problems == 0);
        _cleanup_free_ char *out = capture_end();
        CHECK_STREQ(out, "");
        CHECK(mem_db_table(f.target, "things")->n_rows == 0);
        fixture_done(&f);
}

int main(void) {
        RUN(test_copy_carries_every_value);
        RUN(test_copy_by_column_name);
        RUN(test_copy_empty_table);
        RUN(test_copy_names_every_problem);
        RUN(test_copy_counts_past_the_limit);
        RUN(test_copy_stops_at_a_value_it_cannot_write);
        RUN(test_copy_skips_what_it_is_told);
        TAP_END();
}
