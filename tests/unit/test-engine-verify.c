/* The verify engine against the in-memory driver: the merge of the two
 * sides in key order, what it reports (table, key, column, both values)
 * and its edge cases, including the re-sort when keys come out of order;
 * and, for tables the run copied, the pass that pairs both sides as stored
 * and its fallback. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"
#include "tap.h"

/* The key is not the first column, so "first column" and "key" differ. */
static const char *const columns[] = { "name", "id", "amount", "payload" };
static const enum col_type types[] = { COL_TEXT, COL_INT64, COL_FLOAT64, COL_BYTES };
static const char *const pk[] = { "id", NULL };
#define N 4

static void add(struct mem_db *db, const char *table, int64_t id, const char *name, double amount, const char *payload) {
        struct value row[N] = {
                name ? V_TEXT(name) : V_NULL,
                V_INT(id),
                V_REAL(amount),
                payload ? V_BLOB(payload, strlen(payload)) : V_NULL,
        };
        CHECK(mem_table_add_row(mem_db_table(db, table), N, row) == 0);
}

/* The same ten rows on both sides. */
static void setup(struct engine_fixture *f) {
        CHECK(fixture_init(f) == 0);
        CHECK(fixture_add_table(f, "items", N, columns, types, pk) == 0);
        for (int64_t id = 1; id <= 10; id++) {
                char name[16];
                snprintf(name, sizeof(name), "item %d", (int) id);
                add(f->source, "items", id, name, (double) id / 4, "blob");
                add(f->target, "items", id, name, (double) id / 4, "blob");
        }
}

static struct value *row_of(struct mem_db *db, const char *table, int64_t id) {
        struct mem_table *t = mem_db_table(db, table);
        for (size_t i = 0; i < t->n_rows; i++)
                if (t->rows[i][1].kind == VALUE_INT && t->rows[i][1].i == id)
                        return t->rows[i];
        return NULL;
}

/* Replace one stored cell (the old value's bytes are freed). */
static void set_cell(struct mem_db *db, const char *table, int64_t id, size_t column, struct value v) {
        struct value *row = row_of(db, table, id);
        CHECK(row);
        if (!row)
                return;
        free((char *) row[column].s);
        row[column] = v;
        if (v.s) {
                char *s = malloc(v.n + 1);
                CHECK(s);
                if (s) {
                        if (v.n)
                                memcpy(s, v.s, v.n);
                        row[column].s = s;
                }
        }
}

static void delete_row(struct mem_db *db, const char *table, int64_t id) {
        struct mem_table *t = mem_db_table(db, table);
        for (size_t i = 0; i < t->n_rows; i++)
                if (t->rows[i][1].i == id) {
                        for (size_t c = 0; c < N; c++)
                                free((char *) t->rows[i][c].s);
                        free(t->rows[i]);
                        memmove(&t->rows[i], &t->rows[i + 1], (t->n_rows - i - 1) * sizeof(t->rows[0]));
                        t->n_rows--;
                        return;
                }
        CHECK(!"no such row");
}

/* engine_verify() with the messages it printed. */
static char *verify(struct engine_fixture *f, size_t *ret_mismatches) {
        *ret_mismatches = 999;
        CHECK(fixture_map(f) == 0);
        CHECK(capture_start() == 0);
        CHECK(engine_verify(&f->e, ret_mismatches) == 0);
        return capture_end();
}

static void test_identical(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out, "");
        fixture_done(&f);
}

static void test_first_column_differs(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        set_cell(f.target, "items", 4, 0, V_TEXT("item four"));
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 1);
        CHECK(count_occurrences(out, "migrate: error: ") == 1);
        CHECK_CONTAINS(out, "migrate: error: verification: main database, table items, row id=4, column name: "
                            "source 'item 4', target 'item four'\n");
        fixture_done(&f);
}

static void test_last_column_differs(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        set_cell(f.target, "items", 10, 3, V_BLOB("blo\0", 4));
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 1);
        CHECK(count_occurrences(out, "migrate: error: ") == 1);
        CHECK_CONTAINS(out, "table items, row id=10, column payload: source x'626c6f62', target x'626c6f00'\n");
        fixture_done(&f);
}

/* NULL against an empty text, and -0 against 0: values that print alike
 * elsewhere are told apart. */
static void test_null_empty_and_negative_zero(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        set_cell(f.source, "items", 2, 0, V_TEXT(""));
        set_cell(f.target, "items", 2, 0, V_NULL);
        set_cell(f.source, "items", 3, 2, V_REAL(-0.0));
        set_cell(f.target, "items", 3, 2, V_REAL(0.0));
        set_cell(f.source, "items", 5, 2, V_REAL(NAN));
        set_cell(f.target, "items", 5, 2, V_REAL(NAN));
        set_cell(f.source, "items", 6, 2, V_REAL(INFINITY));
        set_cell(f.target, "items", 6, 2, V_REAL(-INFINITY));
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 3);
        CHECK_CONTAINS(out, "row id=2, column name: source '', target NULL\n");
        CHECK_CONTAINS(out, "row id=3, column amount: source -0, target 0\n");
        CHECK_CONTAINS(out, "row id=6, column amount: source Infinity, target -Infinity\n");
        CHECK_NOT_CONTAINS(out, "row id=5");
        fixture_done(&f);
}

/* A row whose key differs is another row: missing on one side, extra on
 * the other, each named by its key. */
static void test_key_column_differs(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        set_cell(f.target, "items", 5, 1, V_INT(50));
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 2);
        CHECK(count_occurrences(out, "migrate: error: ") == 2);
        CHECK_CONTAINS(out, "verification: main database, table items, row id=5: missing in the target\n");
        CHECK_CONTAINS(out, "verification: main database, table items, row id=50: in the target but not in the source\n");
        fixture_done(&f);
}

static void test_row_missing_in_target(void) {
        /* First, middle and last rows. */
        const int64_t ids[] = { 1, 6, 10 };
        for (size_t i = 0; i < 3; i++) {
                struct engine_fixture f;
                size_t n;
                char expected[128];
                setup(&f);
                delete_row(f.target, "items", ids[i]);
                _cleanup_free_ char *out = verify(&f, &n);
                CHECK(n == 2); /* the row counts, then the row */
                CHECK_CONTAINS(out, "verification: main database, table items: 10 rows in the source, 9 in the target\n");
                snprintf(expected, sizeof(expected), "table items, row id=%d: missing in the target\n", (int) ids[i]);
                CHECK_CONTAINS(out, expected);
                CHECK(count_occurrences(out, "migrate: error: ") == 2);
                fixture_done(&f);
        }
}

static void test_row_missing_in_source(void) {
        const int64_t ids[] = { 1, 6, 10 };
        for (size_t i = 0; i < 3; i++) {
                struct engine_fixture f;
                size_t n;
                char expected[128];
                setup(&f);
                delete_row(f.source, "items", ids[i]);
                _cleanup_free_ char *out = verify(&f, &n);
                CHECK(n == 2);
                CHECK_CONTAINS(out, "table items: 9 rows in the source, 10 in the target\n");
                snprintf(expected, sizeof(expected), "table items, row id=%d: in the target but not in the source\n",
                         (int) ids[i]);
                CHECK_CONTAINS(out, expected);
                CHECK(count_occurrences(out, "migrate: error: ") == 2);
                fixture_done(&f);
        }
}

/* Extra rows before, between and after the source's keys. */
static void test_extra_rows(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        add(f.target, "items", -5, "before", 0, NULL);
        add(f.target, "items", 11, "after", 0, NULL);
        add(f.target, "items", 12, "after", 0, NULL);
        delete_row(f.source, "items", 7);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 5);
        CHECK_CONTAINS(out, "table items: 9 rows in the source, 13 in the target\n");
        CHECK_CONTAINS(out, "row id=-5: in the target but not in the source\n");
        CHECK_CONTAINS(out, "row id=7: in the target but not in the source\n");
        CHECK_CONTAINS(out, "row id=11: in the target but not in the source\n");
        CHECK_CONTAINS(out, "row id=12: in the target but not in the source\n");
        CHECK_NOT_CONTAINS(out, "missing in the target");
        fixture_done(&f);
}

static void test_empty_tables(void) {
        struct engine_fixture f;
        size_t n;
        /* Both empty. */
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "items", N, columns, types, pk) == 0);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out, "");
        fixture_done(&f);
        /* The target empty. */
        setup(&f);
        for (int64_t id = 1; id <= 10; id++)
                delete_row(f.target, "items", id);
        _cleanup_free_ char *out2 = verify(&f, &n);
        CHECK(n == 11);
        CHECK_CONTAINS(out2, "table items: 10 rows in the source, 0 in the target\n");
        CHECK(count_occurrences(out2, "missing in the target") == 10);
        fixture_done(&f);
        /* The source empty. */
        setup(&f);
        for (int64_t id = 1; id <= 10; id++)
                delete_row(f.source, "items", id);
        _cleanup_free_ char *out3 = verify(&f, &n);
        CHECK(n == 11);
        CHECK_CONTAINS(out3, "table items: 0 rows in the source, 10 in the target\n");
        CHECK(count_occurrences(out3, "in the target but not in the source") == 10);
        fixture_done(&f);
}

/* Without a primary key every column is the key: duplicate rows pair up
 * one for one, a missing duplicate is named. */
static void test_duplicates_without_key(void) {
        static const char *const cols[] = { "day", "hits" };
        static const enum col_type ty[] = { COL_TEXT, COL_INT64 };
        struct engine_fixture f;
        size_t n;
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "log", 2, cols, ty, NULL) == 0);
        struct mem_table *s = mem_db_table(f.source, "log"), *t = mem_db_table(f.target, "log");
        for (int i = 0; i < 3; i++) {
                CHECK(mem_table_add_row(s, 2, (struct value[]) { V_TEXT("mon"), V_INT(1) }) == 0);
                CHECK(mem_table_add_row(t, 2, (struct value[]) { V_TEXT("mon"), V_INT(1) }) == 0);
        }
        CHECK(mem_table_add_row(s, 2, (struct value[]) { V_TEXT("tue"), V_INT(2) }) == 0);
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_TEXT("tue"), V_INT(2) }) == 0);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out, "");
        fixture_done(&f);

        /* Three copies in the source, two in the target and one other row. */
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "log", 2, cols, ty, NULL) == 0);
        s = mem_db_table(f.source, "log");
        t = mem_db_table(f.target, "log");
        for (int i = 0; i < 3; i++)
                CHECK(mem_table_add_row(s, 2, (struct value[]) { V_TEXT("mon"), V_INT(1) }) == 0);
        for (int i = 0; i < 2; i++)
                CHECK(mem_table_add_row(t, 2, (struct value[]) { V_TEXT("mon"), V_INT(1) }) == 0);
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_TEXT("mon"), V_INT(2) }) == 0);
        _cleanup_free_ char *out2 = verify(&f, &n);
        CHECK(n == 2);
        CHECK_CONTAINS(out2, "table log, row day='mon', hits=1: missing in the target\n");
        CHECK_CONTAINS(out2, "table log, row day='mon', hits=2: in the target but not in the source\n");
        CHECK_NOT_CONTAINS(out2, "rows in the source");
        fixture_done(&f);
}

/* The target sends its rows in an order that is not ours (a server's
 * collation): the first pass notices, the rows are sorted here, and the
 * result is the same as in order: nothing on identical data, exactly one
 * message for one difference (none repeated from the abandoned pass). */
static void test_target_out_of_order(void) {
        struct engine_fixture f;
        size_t n;
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "items", N, columns, types, pk) == 0);
        for (int64_t id = 1; id <= 10; id++)
                add(f.source, "items", id, "same", 1, "x");
        /* Stored (and, unordered, sent) as 10, 9, ..., 1. */
        for (int64_t id = 10; id >= 1; id--)
                add(f.target, "items", id, "same", 1, "x");
        mem_db_table(f.target, "items")->unordered = true;
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out, "");
        CHECK(f.target->n_scans == 2); /* the first pass, then the sorted one */

        /* The difference is in the first row the target sends, which the first
         * pass compares before it sees the keys out of order. */
        f.source->n_scans = f.target->n_scans = 0;
        set_cell(f.target, "items", 10, 0, V_TEXT("other"));
        set_cell(f.source, "items", 3, 3, V_BLOB("y", 1));
        mapping_done(&f.map);
        catalog_free(f.source_catalog);
        catalog_free(f.target_catalog);
        f.source_catalog = f.target_catalog = NULL;
        _cleanup_free_ char *out2 = verify(&f, &n);
        CHECK(n == 2);
        CHECK(count_occurrences(out2, "migrate: error: ") == 2);
        CHECK(count_occurrences(out2, "row id=10, column name: source 'same', target 'other'\n") == 1);
        CHECK(count_occurrences(out2, "row id=3, column payload: source x'79', target x'78'\n") == 1);
        /* The abandoned pass saw source rows 1..9 before target row 10: none of
         * that reaches the user. */
        CHECK_NOT_CONTAINS(out2, "missing in the target");
        CHECK(f.target->n_scans == 2);
        fixture_done(&f);
}

/* Without a primary key, two rows that differ only in the sign of a zero
 * (-0.0 and 0.0, equal to the servers' ORDER BY, different values to us)
 * may come in either order from either side.  Identical data must verify:
 * it did not when they were paired by their order of arrival. */
static void test_negative_zero_rows_without_key(void) {
        static const char *const cols[] = { "x", "tag" };
        static const enum col_type ty[] = { COL_FLOAT64, COL_TEXT };
        struct engine_fixture f;
        size_t n;
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "readings", 2, cols, ty, NULL) == 0);
        struct mem_table *s = mem_db_table(f.source, "readings"), *t = mem_db_table(f.target, "readings");
        CHECK(mem_table_add_row(s, 2, (struct value[]) { V_REAL(-0.0), V_TEXT("a") }) == 0);
        CHECK(mem_table_add_row(s, 2, (struct value[]) { V_REAL(0.0), V_TEXT("a") }) == 0);
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_REAL(0.0), V_TEXT("a") }) == 0);
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_REAL(-0.0), V_TEXT("a") }) == 0);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out, "");
        /* A server sends them as stored (its ORDER BY finds them equal): our
         * order check sees 0 before -0 and the rows are sorted here. */
        mapping_done(&f.map);
        catalog_free(f.source_catalog);
        catalog_free(f.target_catalog);
        f.source_catalog = f.target_catalog = NULL;
        t->unordered = true;
        f.target->n_scans = 0;
        _cleanup_free_ char *out1 = verify(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out1, "");
        CHECK(f.target->n_scans == 2);
        fixture_done(&f);

        /* And a real difference in the sign is still one. */
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "readings", 2, cols, ty, NULL) == 0);
        s = mem_db_table(f.source, "readings");
        t = mem_db_table(f.target, "readings");
        CHECK(mem_table_add_row(s, 2, (struct value[]) { V_REAL(-0.0), V_TEXT("a") }) == 0);
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_REAL(0.0), V_TEXT("a") }) == 0);
        _cleanup_free_ char *out2 = verify(&f, &n);
        CHECK(n == 2);
        CHECK_CONTAINS(out2, "table readings, row x=-0, tag='a': missing in the target\n");
        CHECK_CONTAINS(out2, "table readings, row x=0, tag='a': in the target but not in the source\n");
        fixture_done(&f);
}

/* The source is in order as text, but not once converted to the target's
 * integers ('10' < '9'): the source side triggers the re-sort. */
static void test_source_out_of_order_after_conversion(void) {
        static const char *const cols[] = { "id", "v" };
        static const enum col_type src_types[] = { COL_TEXT, COL_TEXT };
        static const enum col_type dst_types[] = { COL_INT64, COL_TEXT };
        struct engine_fixture f;
        size_t n;
        CHECK(fixture_init(&f) == 0);
        CHECK(mem_db_add_table(f.source, "codes", 2, cols, src_types, pk) == 0);
        CHECK(mem_db_add_table(f.target, "codes", 2, cols, dst_types, pk) == 0);
        struct mem_table *s = mem_db_table(f.source, "codes"), *t = mem_db_table(f.target, "codes");
        const char *ids[] = { "8", "9", "10", "11", "100" };
        for (size_t i = 0; i < 5; i++) {
                CHECK(mem_table_add_row(s, 2, (struct value[]) { V_TEXT(ids[i]), V_TEXT(ids[i]) }) == 0);
                CHECK(mem_table_add_row(t, 2, (struct value[]) { V_INT(atoi(ids[i])), V_TEXT(ids[i]) }) == 0);
        }
        /* One difference, and one row only in the target. */
        free((char *) t->rows[3][1].s);
        t->rows[3][1] = V_TEXT("eleven");
        t->rows[3][1].s = strdup("eleven");
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_INT(12), V_TEXT("12") }) == 0);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 3);
        CHECK_CONTAINS(out, "table codes: 5 rows in the source, 6 in the target\n");
        CHECK(count_occurrences(out, "table codes, row id=11, column v: source '11', target 'eleven'\n") == 1);
        CHECK(count_occurrences(out, "table codes, row id=12: in the target but not in the source\n") == 1);
        CHECK_NOT_CONTAINS(out, "missing in the target");
        CHECK(f.source->n_scans == 2);
        fixture_done(&f);
}

/* A source value the target's type cannot hold is a difference, named. */
static void test_source_value_not_convertible(void) {
        static const char *const cols[] = { "id", "n" };
        static const enum col_type src_types[] = { COL_INT64, COL_TEXT };
        static const enum col_type dst_types[] = { COL_INT64, COL_INT64 };
        struct engine_fixture f;
        size_t n;
        CHECK(fixture_init(&f) == 0);
        CHECK(mem_db_add_table(f.source, "t", 2, cols, src_types, pk) == 0);
        CHECK(mem_db_add_table(f.target, "t", 2, cols, dst_types, pk) == 0);
        CHECK(mem_table_add_row(mem_db_table(f.source, "t"), 2, (struct value[]) { V_INT(1), V_TEXT("one") }) == 0);
        CHECK(mem_table_add_row(mem_db_table(f.target, "t"), 2, (struct value[]) { V_INT(1), V_INT(1) }) == 0);
        _cleanup_free_ char *out = verify(&f, &n);
        /* Named with the reason, and the target's row then has no partner. */
        CHECK(n == 2);
        CHECK_CONTAINS(out, "table t, row id=1, column n: the source value cannot be held by the target: "
                            "text that is not a whole number\n");
        CHECK_CONTAINS(out, "table t, row id=1: in the target but not in the source\n");
        fixture_done(&f);
}

/* Large values are read back from the target as their digest: a difference
 * in the last byte of a 2 MB blob is still found, and shown by its SHA-256. */
static void test_large_value_differs(void) {
        struct engine_fixture f;
        size_t n;
        size_t size = 2 * 1024 * 1024;
        char *big = malloc(size);
        CHECK(big);
        if (!big)
                return;
        memset(big, 'a', size);
        setup(&f);
        set_cell(f.source, "items", 7, 3, V_BLOB(big, size));
        set_cell(f.target, "items", 7, 3, V_BLOB(big, size));
        set_cell(f.source, "items", 8, 3, V_BLOB(big, size));
        big[size - 1] = 'b';
        set_cell(f.target, "items", 8, 3, V_BLOB(big, size));
        free(big);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 1);
        CHECK_CONTAINS(out, "row id=8, column payload: source x'6161");
        CHECK_CONTAINS(out, "(2097152 bytes) SHA-256 ");
        CHECK_CONTAINS(out, ", target a value of 2097152 bytes SHA-256 ");
        fixture_done(&f);
}

/* The same when the rows must be sorted here: large values go into the
 * sort as their digest on both sides, and still compare. */
static void test_large_value_differs_sorted(void) {
        struct engine_fixture f;
        size_t n;
        size_t size = VALUE_WHOLE_MAX + 1;
        char *big = malloc(size);
        CHECK(big);
        if (!big)
                return;
        memset(big, 'q', size);
        setup(&f);
        mem_db_table(f.target, "items")->unordered = true;
        /* Out of order: 10 first. */
        struct mem_table *t = mem_db_table(f.target, "items");
        struct value *last = t->rows[t->n_rows - 1];
        memmove(&t->rows[1], &t->rows[0], (t->n_rows - 1) * sizeof(t->rows[0]));
        t->rows[0] = last;
        set_cell(f.source, "items", 4, 3, V_BLOB(big, size));
        set_cell(f.target, "items", 4, 3, V_BLOB(big, size));
        set_cell(f.source, "items", 9, 3, V_BLOB(big, size));
        big[0] = 'r';
        set_cell(f.target, "items", 9, 3, V_BLOB(big, size));
        free(big);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 1);
        CHECK(f.target->n_scans == 2);
        CHECK_CONTAINS(out, "row id=9, column payload: source a value of 1048577 bytes SHA-256 ");
        CHECK_CONTAINS(out, ", target a value of 1048577 bytes SHA-256 ");
        fixture_done(&f);
}

/* engine_verify() as a migration run calls it after copying the tables:
 * the copy noted their longest values (none large here), so the first pass
 * reads both sides as stored (here: in the order the rows were added) and
 * pairs row n with row n. */
static char *verify_copied(struct engine_fixture *f, size_t *ret_mismatches) {
        *ret_mismatches = 999;
        CHECK(fixture_map(f) == 0);
        for (size_t i = 0; i < f->map.n_tables; i++) {
                struct table_map *t = &f->map.tables[i];
                t->longest = calloc(t->n_columns + 1, sizeof(size_t));
                CHECK(t->longest);
        }
        CHECK(capture_start() == 0);
        CHECK(engine_verify(&f->e, ret_mismatches) == 0);
        return capture_end();
}

/* The same rows in the same order: the paired pass alone proves them equal. */
static void test_stored_pairs_equal(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        _cleanup_free_ char *out = verify_copied(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out, "");
        CHECK(f.source->n_scans == 1 && f.source->n_stored_scans == 1);
        CHECK(f.target->n_scans == 1 && f.target->n_stored_scans == 1);
        fixture_done(&f);
}

/* --verify (the run did not copy): no stored pass, key order at once. */
static void test_stored_not_without_copy(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 0);
        CHECK(f.target->n_scans == 1 && f.target->n_stored_scans == 0);
        fixture_done(&f);
}

/* A value differs: the paired pass names it, once, with the row's key. */
static void test_stored_value_differs(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        set_cell(f.target, "items", 7, 0, V_TEXT("item seven"));
        _cleanup_free_ char *out = verify_copied(&f, &n);
        CHECK(n == 1);
        CHECK(count_occurrences(out, "migrate: error: ") == 1);
        CHECK_CONTAINS(out, "migrate: error: verification: main database, table items, row id=7, column name: "
                            "source 'item 7', target 'item seven'\n");
        CHECK(f.target->n_scans == 1); /* no fallback */
        fixture_done(&f);
}

/* A key differs (the row stays in its place): the pairing fails there, the
 * key-ordered pass names one row missing and one extra. */
static void test_stored_key_differs(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        set_cell(f.target, "items", 5, 1, V_INT(50));
        _cleanup_free_ char *out = verify_copied(&f, &n);
        CHECK(n == 2);
        CHECK(count_occurrences(out, "migrate: error: ") == 2);
        CHECK_CONTAINS(out, "verification: main database, table items, row id=5: missing in the target\n");
        CHECK_CONTAINS(out, "verification: main database, table items, row id=50: in the target but not in the source\n");
        CHECK(f.target->n_scans == 2 && f.target->n_stored_scans == 1);
        CHECK(f.source->n_scans == 2 && f.source->n_stored_scans == 1);
        fixture_done(&f);
}

/* The paired pass finds row 2's value before row 3's key abandons it: what
 * it found is dropped, and the key-ordered pass says each thing once. */
static void test_stored_abandoned_messages_dropped(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        set_cell(f.target, "items", 2, 0, V_TEXT("item two"));
        set_cell(f.target, "items", 3, 1, V_INT(30));
        _cleanup_free_ char *out = verify_copied(&f, &n);
        CHECK(n == 3);
        CHECK(count_occurrences(out, "migrate: error: ") == 3);
        CHECK(count_occurrences(out, "row id=2, column name: source 'item 2', target 'item two'\n") == 1);
        CHECK(count_occurrences(out, "row id=3: missing in the target\n") == 1);
        CHECK(count_occurrences(out, "row id=30: in the target but not in the source\n") == 1);
        CHECK(f.target->n_scans == 2);
        fixture_done(&f);
}

/* The target one row short (first, middle, last: the last makes the target
 * end first): the pairing fails, the row is named once. */
static void test_stored_target_short(void) {
        const int64_t ids[] = { 1, 6, 10 };
        for (size_t i = 0; i < 3; i++) {
                struct engine_fixture f;
                size_t n;
                char expected[128];
                setup(&f);
                delete_row(f.target, "items", ids[i]);
                _cleanup_free_ char *out = verify_copied(&f, &n);
                CHECK(n == 2);
                CHECK_CONTAINS(out, "table items: 10 rows in the source, 9 in the target\n");
                snprintf(expected, sizeof(expected), "table items, row id=%d: missing in the target\n", (int) ids[i]);
                CHECK(count_occurrences(out, expected) == 1);
                CHECK(count_occurrences(out, "migrate: error: ") == 2);
                CHECK(f.target->n_scans == 2);
                fixture_done(&f);
        }
}

/* The target one row longer, the extra row stored last (the source ends
 * first) with a key before every other. */
static void test_stored_target_long(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        add(f.target, "items", 0, "zero", 0, NULL);
        _cleanup_free_ char *out = verify_copied(&f, &n);
        CHECK(n == 2);
        CHECK_CONTAINS(out, "table items: 10 rows in the source, 11 in the target\n");
        CHECK(count_occurrences(out, "table items, row id=0: in the target but not in the source\n") == 1);
        CHECK(count_occurrences(out, "migrate: error: ") == 2);
        CHECK(f.target->n_scans == 2);
        fixture_done(&f);
}

/* Stored in other orders (a target written by something else): the
 * pairing fails at once, key order proves them equal; and when the target
 * does not even send its keys in our order, the sort does. */
static void test_stored_orders_differ(void) {
        struct engine_fixture f;
        size_t n;
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "items", N, columns, types, pk) == 0);
        for (int64_t id = 1; id <= 10; id++)
                add(f.source, "items", id, "same", 1, "x");
        for (int64_t id = 10; id >= 1; id--)
                add(f.target, "items", id, "same", 1, "x");
        _cleanup_free_ char *out = verify_copied(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out, "");
        CHECK(f.target->n_scans == 2 && f.target->n_stored_scans == 1);

        mapping_done(&f.map);
        catalog_free(f.source_catalog);
        catalog_free(f.target_catalog);
        f.source_catalog = f.target_catalog = NULL;
        f.source->n_scans = f.target->n_scans = f.source->n_stored_scans = f.target->n_stored_scans = 0;
        mem_db_table(f.target, "items")->unordered = true;
        set_cell(f.target, "items", 4, 2, V_REAL(4));
        _cleanup_free_ char *out2 = verify_copied(&f, &n);
        CHECK(n == 1);
        CHECK(count_occurrences(out2, "migrate: error: ") == 1);
        CHECK_CONTAINS(out2, "table items, row id=4, column amount: source 1, target 4\n");
        CHECK(f.target->n_scans == 3); /* as stored, in key order, sorted */
        fixture_done(&f);
}

/* Without a primary key every column is the key: duplicates pair one for
 * one; -0 and 0 stored in other orders on the two sides fall back and
 * verify equal. */
static void test_stored_without_key(void) {
        static const char *const cols[] = { "x", "tag" };
        static const enum col_type ty[] = { COL_FLOAT64, COL_TEXT };
        struct engine_fixture f;
        size_t n;
        CHECK(fixture_init(&f) == 0);
        CHECK(fixture_add_table(&f, "readings", 2, cols, ty, NULL) == 0);
        struct mem_table *s = mem_db_table(f.source, "readings"), *t = mem_db_table(f.target, "readings");
        for (int i = 0; i < 3; i++) {
                CHECK(mem_table_add_row(s, 2, (struct value[]) { V_REAL(1), V_TEXT("a") }) == 0);
                CHECK(mem_table_add_row(t, 2, (struct value[]) { V_REAL(1), V_TEXT("a") }) == 0);
        }
        CHECK(mem_table_add_row(s, 2, (struct value[]) { V_REAL(-0.0), V_TEXT("a") }) == 0);
        CHECK(mem_table_add_row(s, 2, (struct value[]) { V_REAL(0.0), V_TEXT("a") }) == 0);
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_REAL(0.0), V_TEXT("a") }) == 0);
        CHECK(mem_table_add_row(t, 2, (struct value[]) { V_REAL(-0.0), V_TEXT("a") }) == 0);
        _cleanup_free_ char *out = verify_copied(&f, &n);
        CHECK(n == 0);
        CHECK_STREQ(out, "");
        CHECK(f.target->n_scans == 2);
        fixture_done(&f);
}

/* Past max_reported, differences are counted, and the total is said. */
static void test_many_differences(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        f.e.max_reported = 3;
        for (int64_t id = 1; id <= 10; id++)
                set_cell(f.target, "items", id, 0, V_TEXT("changed"));
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 10);
        CHECK(count_occurrences(out, "target 'changed'") == 3);
        CHECK_CONTAINS(out, "verification: main database, table items: ... 10 differences in all\n");
        fixture_done(&f);
}

/* Row counts are compared for every table, even when the records agree
 * where both have them. */
static void test_row_counts_differ(void) {
        struct engine_fixture f;
        size_t n;
        setup(&f);
        CHECK(fixture_add_table(&f, "other", N, columns, types, pk) == 0);
        add(f.target, "other", 1, "a", 0, NULL);
        delete_row(f.source, "items", 10);
        _cleanup_free_ char *out = verify(&f, &n);
        CHECK(n == 4);
        CHECK_CONTAINS(out, "verification: main database, table items: 9 rows in the source, 10 in the target\n");
        CHECK_CONTAINS(out, "verification: main database, table other: 0 rows in the source, 1 in the target\n");
        CHECK_CONTAINS(out, "table items, row id=10: in the target but not in the source\n");
        CHECK_CONTAINS(out, "table other, row id=1: in the target but not in the source\n");
        fixture_done(&f);
}

int main(void) {
        RUN(test_identical);
        RUN(test_first_column_differs);
        RUN(test_last_column_differs);
        RUN(test_null_empty_and_negative_zero);
        RUN(test_key_column_differs);
        RUN(test_row_missing_in_target);
        RUN(test_row_missing_in_source);
        RUN(test_extra_rows);
        RUN(test_empty_tables);
        RUN(test_duplicates_without_key);
        RUN(test_target_out_of_order);
        RUN(test_source_out_of_order_after_conversion);
        RUN(test_negative_zero_rows_without_key);
        RUN(test_source_value_not_convertible);
        RUN(test_large_value_differs);
        RUN(test_large_value_differs_sorted);
        RUN(test_many_differences);
        RUN(test_row_counts_differ);
        RUN(test_stored_pairs_equal);
        RUN(test_stored_not_without_copy);
        RUN(test_stored_value_differs);
        RUN(test_stored_key_differs);
        RUN(test_stored_abandoned_messages_dropped);
        RUN(test_stored_target_short);
        RUN(test_stored_target_long);
        RUN(test_stored_orders_differ);
        RUN(test_stored_without_key);
        TAP_END();
}
