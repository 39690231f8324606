/* The pieces of verification that decide "equal" and "in order": the row
 * comparison (every column, the first and the last included), row records,
 * and the external sort the verification falls back to. */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "migrate/engine_row.h"
#include "migrate/row_sort.h"
#include "tap.h"

#define N_COLS 4

static const char *names[N_COLS + 1] = { "id", "a", "b", "last", NULL };
static size_t key_index[1] = { 0 };

static struct table_map table(void) {
        return (struct table_map) {
                .n_columns = N_COLS,
                .source_columns = names,
                .target_columns = names,
                .key = names,
                .key_index = key_index,
                .n_key = 1,
        };
}

static void row(struct value out[N_COLS], int64_t id, const char *a, double b, const char *last) {
        out[0] = (struct value) { .kind = VALUE_INT, .i = id };
        out[1] = (struct value) { .kind = VALUE_TEXT, .s = a, .n = strlen(a) };
        out[2] = (struct value) { .kind = VALUE_REAL, .d = b };
        out[3] = last ? (struct value) { .kind = VALUE_BLOB, .s = last, .n = strlen(last) }
                      : (struct value) { .kind = VALUE_NULL };
}

static void test_difference_first_and_last_column(void) {
        struct table_map t = table();
        struct value x[N_COLS], y[N_COLS];
        row(x, 1, "a", 1.5, "z");
        row(y, 1, "a", 1.5, "z");
        CHECK(engine_row_difference(&t, x, y, 0) == N_COLS);
        /* Only the first column differs. */
        row(y, 2, "a", 1.5, "z");
        CHECK(engine_row_difference(&t, x, y, 0) == 0);
        CHECK(engine_row_difference(&t, x, y, 1) == N_COLS);
        /* Only the last column differs: one byte, then NULL against a value. */
        row(y, 1, "a", 1.5, "y");
        CHECK(engine_row_difference(&t, x, y, 0) == 3);
        CHECK(engine_row_difference(&t, x, y, 3) == 3);
        CHECK(engine_row_difference(&t, x, y, 4) == N_COLS);
        row(y, 1, "a", 1.5, NULL);
        CHECK(engine_row_difference(&t, x, y, 0) == 3);
        row(y, 1, "a", 1.5, "zz");
        CHECK(engine_row_difference(&t, x, y, 0) == 3);
        /* -0.0 is not 0.0 in an inner column; first and last both differ. */
        row(x, 1, "a", 0.0, "z");
        row(y, 9, "a", -0.0, "q");
        CHECK(engine_row_difference(&t, x, y, 0) == 0);
        CHECK(engine_row_difference(&t, x, y, 1) == 2);
        CHECK(engine_row_difference(&t, x, y, 3) == 3);
}

static void test_record_round_trip(void) {
        struct strbuf b = {};
        struct value in[7] = {
                { .kind = VALUE_NULL },
                { .kind = VALUE_INT, .i = INT64_MIN },
                { .kind = VALUE_REAL, .d = -0.0 },
                { .kind = VALUE_TEXT, .s = "a\0b", .n = 3 },
                { .kind = VALUE_BLOB, .s = "", .n = 0 },
                { .kind = VALUE_BOOL, .b = true },
                { .kind = VALUE_TIMESTAMP, .i = -1 },
        }, out[7];
        CHECK(row_record_append(&b, in, 7) == 0);
        const char *end = row_record_decode(b.data, out, 7);
        CHECK(end == b.data + b.len);
        for (int i = 0; i < 7; i++)
                CHECK(value_equal(&in[i], &out[i]));
        CHECK(signbit(out[2].d));
        strbuf_done(&b);
}

/* Rows 0..n-1 with keys in a scrambled order come back sorted, every row
 * once, whether they fit in memory or went through the temporary file. */
static void sort_rows(size_t memory_limit, int n) {
        struct row_sort *s = NULL;
        struct row_source *sorted = NULL;
        char text[32];
        CHECK(row_sort_new(N_COLS, key_index, 1, memory_limit, &s) == 0);
        for (int i = 0; i < n; i++) {
                struct value v[N_COLS];
                int id = (int) (((int64_t) i * 7919) % n); /* 7919 is prime: a permutation */
                snprintf(text, sizeof(text), "row %d", id);
                row(v, id, text, id * 0.5, id % 3 ? "x" : NULL);
                CHECK(row_sort_add(s, v) == 0);
        }
        CHECK(row_sort_finish(s, &sorted) == 0);
        const struct value *r;
        int seen = 0, rc;
        while ((rc = sorted->next(sorted, &r)) > 0) {
                snprintf(text, sizeof(text), "row %d", seen);
                if (r[0].i != seen || r[1].n != strlen(text) || memcmp(r[1].s, text, r[1].n) != 0 || r[2].d != seen * 0.5 ||
                    (r[3].kind == VALUE_NULL) != (seen % 3 == 0)) {
                        printf("# row %d came back as id %lld\n", seen, (long long) r[0].i);
                        tap_case_failed = true;
                        break;
                }
                seen++;
        }
        CHECK(rc == 0 || tap_case_failed);
        CHECK(seen == n);
        sorted->close(sorted);
}

static void test_sort_in_memory(void) {
        sort_rows(64u << 20, 10000);
}

static void test_sort_through_a_file(void) {
        /* A few kilobytes per run: dozens of runs merged. */
        sort_rows(4096, 10000);
}

static void test_sort_empty(void) {
        sort_rows(4096, 0);
}

int main(void) {
        RUN(test_difference_first_and_last_column);
        RUN(test_record_round_trip);
        RUN(test_sort_in_memory);
        RUN(test_sort_through_a_file);
        RUN(test_sort_empty);
        TAP_END();
}
