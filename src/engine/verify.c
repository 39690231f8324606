/* The verify engine: row counts, then every record value by value.  The
 * target is read back through its own text output, decoded independently of
 * the binary path the copy wrote with. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/engine.h"
#include "migrate/engine_row.h"
#include "migrate/escape.h"
#include "migrate/interrupt.h"
#include "migrate/log.h"
#include "migrate/row_sort.h"
#include "migrate/sha256.h"
#include "migrate/strbuf.h"

/* Rows past this many bytes go to a temporary file when a table must be sorted. */
#define SORT_MEMORY (64u * 1024 * 1024)

struct comparison {
        struct engine *e;
        struct table_map *t;
        bool report;
        /* While the first pass may still be abandoned, messages wait here. */
        bool hold;
        char **held;
        size_t n_held;
        size_t mismatches;
};

static void mismatch(struct comparison *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mismatch(struct comparison *c, const char *fmt, ...) {
        if (c->report && c->mismatches < c->e->max_reported) {
                va_list ap;
                va_start(ap, fmt);
                _cleanup_free_ char *msg = strdup_vprintf(fmt, ap);
                va_end(ap);
                _cleanup_free_ char *line = strdup_printf("verification: %s database, table %s, %s", c->e->name,
                                                          c->t->source->name, msg ? msg : "?");
                if (!c->hold)
                        log_error("%s", line ? line : "verification: a difference (out of memory)");
                else {
                        char **v = reallocarray(c->held, c->n_held + 1, sizeof(char *));
                        if (v) {
                                c->held = v;
                                c->held[c->n_held++] = TAKE_PTR(line);
                        }
                }
        }
        c->mismatches++;
}

static void drop_held(struct comparison *c, bool print) {
        for (size_t i = 0; i < c->n_held; i++) {
                if (print)
                        log_error("%s", c->held[i]);
                free(c->held[i]);
        }
        free(c->held);
        c->held = NULL;
        c->n_held = 0;
}

static int compare_keys(const struct table_map *t, const struct value *a, const struct value *b) {
        for (size_t k = 0; k < t->n_key; k++) {
                int c = value_compare(&a[t->key_index[k]], &b[t->key_index[k]]);
                if (c)
                        return c;
        }
        return 0;
}

static bool has_non_ascii(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s >= 0x80)
                        return true;
        return false;
}

static void compare_rows(struct comparison *c, const struct value *s, const struct value *t) {
        for (size_t i = engine_row_difference(c->t, s, t, 0); i < c->t->n_columns;
             i = engine_row_difference(c->t, s, t, i + 1)) {
                _cleanup_free_ char *key = mapping_describe_key(c->t, s);
                _cleanup_free_ char *sv = value_describe(&s[i]), *tv = value_describe(&t[i]);
                if (sv && tv && (has_non_ascii(sv) || has_non_ascii(tv) || strcmp(sv, tv) == 0)) {
                        /* Non-ASCII text can look the same on screen in two
                         * spellings (NFC "é", NFD "e" + U+0301): show code points. */
                        free(sv);
                        free(tv);
                        sv = value_describe_escaped(&s[i], ESCAPE_CODEPOINTS);
                        tv = value_describe_escaped(&t[i], ESCAPE_CODEPOINTS);
                }
                mismatch(c, "row %s, column %s: source %s, target %s", key ? key : "?", c->t->source_columns[i],
                         sv ? sv : "?", tv ? tv : "?");
        }
}

/* One side of the comparison: its rows, converted when they come from the
 * source, and (first pass) a check that their keys come in order. */
struct side {
        struct db *db;
        struct row_source *rows;
        bool convert;
        bool check_order;
        struct value *converted;
        struct value_buffer buf;
        struct strbuf last_key; /* the previous row's key, as a record */
        struct value *last, *key;
        bool have_last;
        size_t n_key;
};

static void side_done(struct side *s) {
        if (s->rows)
                s->rows->close(s->rows);
        free(s->converted);
        value_buffer_done(&s->buf);
        strbuf_done(&s->last_key);
        free(s->last);
        free(s->key);
}

static int side_init(struct side *s, struct db *db, const struct table_map *t, bool convert, bool check_order) {
        *s = (struct side) { .db = db, .convert = convert, .check_order = check_order, .n_key = t->n_key };
        s->converted = calloc(t->n_columns + 1, sizeof(struct value));
        s->last = calloc(t->n_key + 1, sizeof(struct value));
        s->key = calloc(t->n_key + 1, sizeof(struct value));
        return s->converted && s->last && s->key ? 0 : -ENOMEM;
}

/* The next row of a side: 1, 0 at the end, -EAGAIN when its keys are out of
 * order (the conversion does not keep the source's order, or the server's
 * order is not ours), another negative errno on failure. */
static int side_next(struct comparison *c, struct side *s, const struct value **ret) {
        const struct table_map *t = c->t;
        for (;;) {
                const struct value *row;
                int r = s->rows->next(s->rows, &row);
                if (r < 0) {
                        log_error("%s", s->db->error ? s->db->error : "cannot read rows");
                        return r;
                }
                if (r == 0)
                        return 0;
                if (s->convert) {
                        size_t column;
                        _cleanup_free_ char *reason = NULL;
                        r = engine_convert_row(t, row, s->converted, &s->buf, 0, &column, &reason);
                        if (r == -EINVAL) {
                                _cleanup_free_ char *key = mapping_describe_key(t, row);
                                mismatch(c, "row %s, column %s: the source value cannot be held by the target: %s",
                                         key ? key : "?", t->source_columns[column], reason ? reason : "?");
                                continue;
                        }
                        if (r < 0)
                                return r;
                        row = s->converted;
                }
                if (s->check_order) {
                        struct value *key = s->key;
                        for (size_t k = 0; k < t->n_key; k++)
                                key[k] = row[t->key_index[k]];
                        for (size_t k = 0; s->have_last && k < t->n_key; k++) {
                                int cmp = value_compare(&s->last[k], &key[k]);
                                if (cmp > 0)
                                        return -EAGAIN;
                                if (cmp < 0)
                                        break;
                        }
                        s->last_key.len = 0;
                        r = row_record_append(&s->last_key, key, t->n_key);
                        if (r < 0)
                                return r;
                        row_record_decode(s->last_key.data, s->last, t->n_key);
                        s->have_last = true;
                }
                *ret = row;
                return 1;
        }
}

/* How a pass pairs the rows of the two sides. */
enum pass_order {
        /* Both as stored, row by row: the copy wrote the target in the order
         * it read the source, so row n of one is row n of the other.  The
         * first pair whose keys differ (or a side ending first) abandons it. */
        PASS_STORED,
        /* Both in key order, merged: a side whose keys do not come in order
         * abandons it. */
        PASS_KEYED,
        /* Both sorted in a temporary file, then merged. */
        PASS_SORTED,
};

static int merge(struct comparison *c, struct side *src, struct side *dst, bool paired) {
        const struct table_map *t = c->t;
        const struct value *srow = NULL, *trow = NULL;
        bool need_source = true, need_target = true;
        int64_t n = 0;
        int r;
        for (;;) {
                if (need_source) {
                        r = side_next(c, src, &srow);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                srow = NULL;
                        need_source = false;
                }
                if (need_target) {
                        r = side_next(c, dst, &trow);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                trow = NULL;
                        need_target = false;
                }
                if (!srow && !trow)
                        return 0;
                int cmp = !srow ? 1 : !trow ? -1 : compare_keys(t, srow, trow);
                if (cmp != 0 && paired)
                        return -EAGAIN;
                if (cmp < 0) {
                        _cleanup_free_ char *key = mapping_describe_key(t, srow);
                        mismatch(c, "row %s: missing in the target", key ? key : "?");
                        need_source = true;
                } else if (cmp > 0) {
                        _cleanup_free_ char *key = mapping_describe_key(t, trow);
                        mismatch(c, "row %s: in the target but not in the source", key ? key : "?");
                        need_target = true;
                } else {
                        compare_rows(c, srow, trow);
                        need_source = need_target = true;
                }
                if (c->report)
                        progress_update(c->e->progress, ++n);
                if (interrupted())
                        return -EINTR;
        }
}

static int open_scan(struct db *db, const struct scan_request *req, struct row_source **ret) {
        int r = db->ops->scan(db, req, ret);
        if (r < 0)
                log_error("%s", db->error ? db->error : "cannot read a table");
        return r;
}

static bool is_key_column(const struct table_map *t, size_t i) {
        for (size_t k = 0; k < t->n_key; k++)
                if (t->key_index[k] == i)
                        return true;
        return false;
}

/* A row with its large texts and blobs (not keys) replaced by their digest,
 * as a target reads them back: the sort never holds a large value. */
static const struct value *digest_large_values(const struct table_map *t, const struct value *row, struct value *out,
                                               unsigned char (*sums)[SHA256_DIGEST_SIZE]) {
        for (size_t i = 0; i < t->n_columns; i++) {
                out[i] = row[i];
                if ((row[i].kind == VALUE_TEXT || row[i].kind == VALUE_BLOB) && row[i].n > VALUE_WHOLE_MAX &&
                    !is_key_column(t, i)) {
                        sha256(row[i].s, row[i].n, sums[i]);
                        out[i] = (struct value) { .kind = VALUE_DIGEST, .s = (const char *) sums[i], .n = row[i].n };
                }
        }
        return out;
}

/* Every row of a side into an external sort; the side then reads them back
 * in key order, converted already. */
static int sort_side(struct comparison *c, struct side *s) {
        struct row_sort *sort = NULL;
        struct row_source *sorted = NULL;
        const struct value *row;
        _cleanup_free_ struct value *small = calloc(c->t->n_columns + 1, sizeof(struct value));
        _cleanup_free_ unsigned char(*sums)[SHA256_DIGEST_SIZE] = calloc(c->t->n_columns + 1, SHA256_DIGEST_SIZE);
        if (!small || !sums)
                return -ENOMEM;
        int r = row_sort_new(c->t->n_columns, c->t->key_index, c->t->n_key, SORT_MEMORY, &sort);
        if (r < 0)
                return r;
        while ((r = side_next(c, s, &row)) > 0) {
                r = row_sort_add(sort, digest_large_values(c->t, row, small, sums));
                if (r >= 0 && interrupted())
                        r = -EINTR;
                if (r < 0)
                        break;
        }
        if (r < 0) {
                row_sort_free(sort);
                return r;
        }
        r = row_sort_finish(sort, &sorted);
        if (r < 0)
                return r;
        s->rows->close(s->rows);
        s->rows = sorted;
        s->convert = false;
        return 0;
}

/* One pass over both sides.  A table this run copied is first read as
 * stored on both sides, row against row, with no index and no sort.  Else,
 * or when that pairing fails, both stream in key order and the keys are
 * checked to come in order; when they do not (a conversion that reorders
 * values: 'f' and 1 as booleans, times with offsets, UUIDs in upper and
 * lower case), the last pass sorts both sides, converted, in a temporary
 * file. */
static int verify_pass(struct engine *e, struct comparison *c, enum pass_order order) {
        bool sorted = order == PASS_SORTED, stored = order == PASS_STORED;
        struct table_map *t = c->t;
        _cleanup_free_ const char **source_key = calloc(t->n_key + 1, sizeof(char *));
        _cleanup_free_ bool *known_small = t->longest ? calloc(t->n_columns + 1, sizeof(bool)) : NULL;
        _cleanup_(side_done) struct side src = {}, dst = {};
        int r;
        if (!source_key || (t->longest && !known_small))
                return -ENOMEM;
        for (size_t i = 0; known_small && i < t->n_columns; i++)
                known_small[i] = t->longest[i] <= VALUE_WHOLE_MAX;
        for (size_t k = 0; k < t->n_key; k++)
                source_key[k] = t->source_columns[t->key_index[k]];
        const struct scan_request source_req = {
                .table = t->source,
                .columns = t->source_columns,
                .n_columns = t->n_columns,
                .order_by = sorted ? NULL : source_key,
                .stored_order = stored,
        };
        const struct scan_request target_req = {
                .table = t->target,
                .columns = t->target_columns,
                .specs = t->specs,
                .n_columns = t->n_columns,
                /* Ordered even when sorted here: the driver's messages name the key. */
                .order_by = t->key,
                .stored_order = stored,
                .large_as_digest = true,
                .known_small = known_small,
        };
        r = side_init(&src, e->source, t, true, order == PASS_KEYED);
        if (r >= 0)
                r = side_init(&dst, e->target, t, false, order == PASS_KEYED);
        if (r >= 0)
                r = open_scan(e->source, &source_req, &src.rows);
        if (r < 0)
                return r;
        if (sorted) {
                /* The source first: its scan is done before the target's starts. */
                r = sort_side(c, &src);
                if (r >= 0)
                        r = open_scan(e->target, &target_req, &dst.rows);
                if (r >= 0)
                        r = sort_side(c, &dst);
                if (r < 0) {
                        if (r != -EINTR && r != -ENOMEM)
                                log_error("verification: %s database, table %s: cannot sort the rows in a temporary file in %s: %s",
                                          e->name, t->source->name, row_sort_directory(), strerror(-r));
                        return r;
                }
        } else {
                r = open_scan(e->target, &target_req, &dst.rows);
                if (r < 0)
                        return r;
        }
        return merge(c, &src, &dst, stored);
}

int engine_verify_table(struct engine *e, struct table_map *t, bool report, size_t *ret_mismatches) {
        _cleanup_free_ char *what = strdup_printf("%s.%s", e->name, t->source->name);
        struct comparison c = { .e = e, .t = t, .report = report, .hold = true };
        double started = now_seconds();
        if (!what)
                return -ENOMEM;
        int r = engine_spell_types(e, t);
        if (r < 0)
                return r;
        /* Stored order only where the copy alone wrote every row (the
         * longest values are known just then). */
        for (enum pass_order order = t->longest ? PASS_STORED : PASS_KEYED;; order++) {
                /* What an abandoned pass found may be an artefact of the order:
                 * its messages wait, and the next pass starts again. */
                c.mismatches = 0;
                c.hold = order != PASS_SORTED;
                if (report)
                        progress_start(e->progress, "verify", what, t->source_rows);
                r = verify_pass(e, &c, order);
                drop_held(&c, r >= 0);
                if (r != -EAGAIN || order == PASS_SORTED)
                        break;
        }
        if (r < 0)
                return r;
        if (report)
                progress_end(e->progress);
        t->verify_seconds = now_seconds() - started;
        *ret_mismatches = c.mismatches;
        return 0;
}

int engine_verify(struct engine *e, size_t *ret_mismatches) {
        size_t total = 0;
        /* Row counts first: cheap, and they name a table at once. */
        for (size_t i = 0; i < e->map->n_tables; i++) {
                struct table_map *t = &e->map->tables[i];
                int64_t target_rows;
                /* The source is one read-only snapshot: a count taken before the
                 * copy still holds, so it is not scanned again. */
                int r = t->source_rows >= 0 ? 0 : e->source->ops->count_rows(e->source, t->source, &t->source_rows);
                if (r < 0) {
                        log_error("%s", e->source->error);
                        return r;
                }
                r = e->target->ops->count_rows(e->target, t->target, &target_rows);
                if (r < 0) {
                        log_error("%s", e->target->error);
                        return r;
                }
                if (t->source_rows != target_rows) {
                        log_error("verification: %s database, table %s: %lld rows in the source, %lld in the target", e->name,
                                  t->source->name, (long long) t->source_rows, (long long) target_rows);
                        total++;
                }
        }
        for (size_t i = 0; i < e->map->n_tables; i++) {
                size_t n = 0;
                int r = engine_verify_table(e, &e->map->tables[i], true, &n);
                if (r < 0)
                        return r;
                total += n;
                if (n > e->max_reported)
                        log_error("verification: %s database, table %s: ... %zu differences in all", e->name,
                                  e->map->tables[i].source->name, n);
        }
        *ret_mismatches = total;
        return 0;
}
