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
#include "migrate/strbuf.h"

struct comparison {
        struct engine *e;
        struct table_map *t;
        bool report;
        size_t mismatches;
};

static void mismatch(struct comparison *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mismatch(struct comparison *c, const char *fmt, ...) {
        if (c->report && c->mismatches < c->e->max_reported) {
                va_list ap;
                va_start(ap, fmt);
                _cleanup_free_ char *msg = strdup_vprintf(fmt, ap);
                va_end(ap);
                log_error("verification: %s database, table %s, %s", c->e->name, c->t->source->name, msg ? msg : "?");
        }
        c->mismatches++;
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
        for (size_t i = 0; i < c->t->n_columns; i++) {
                if (value_equal(&s[i], &t[i]))
                        continue;
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

int engine_verify_table(struct engine *e, struct table_map *t, bool report, size_t *ret_mismatches) {
        _cleanup_(row_source_closep) struct row_source *src = NULL, *dst = NULL;
        _cleanup_(value_buffer_done) struct value_buffer buf = {};
        _cleanup_free_ struct value *converted = calloc(t->n_columns + 1, sizeof(struct value));
        _cleanup_free_ const char **source_key = calloc(t->n_key + 1, sizeof(char *));
        _cleanup_free_ char *what = strdup_printf("%s.%s", e->name, t->source->name);
        struct comparison c = { .e = e, .t = t, .report = report };
        double started = now_seconds();
        int r;

        if (!converted || !source_key || !what)
                return -ENOMEM;
        for (size_t k = 0; k < t->n_key; k++)
                source_key[k] = t->source_columns[t->key_index[k]];
        const struct scan_request source_req = {
                .table = t->source,
                .columns = t->source_columns,
                .n_columns = t->n_columns,
                .order_by = source_key,
        };
        const struct scan_request target_req = {
                .table = t->target,
                .columns = t->target_columns,
                .specs = t->specs,
                .n_columns = t->n_columns,
                .order_by = t->key,
        };
        r = e->source->ops->scan(e->source, &source_req, &src);
        if (r < 0) {
                log_error("%s", e->source->error);
                return r;
        }
        r = e->target->ops->scan(e->target, &target_req, &dst);
        if (r < 0) {
                log_error("%s", e->target->error);
                return r;
        }
        if (report)
                progress_start(e->progress, "verify", what, t->source_rows);

        const struct value *srow = NULL, *trow = NULL;
        bool need_source = true, need_target = true;
        int64_t n = 0;
        for (;;) {
                if (need_source) {
                        r = src->next(src, &srow);
                        if (r < 0) {
                                log_error("%s", e->source->error);
                                return r;
                        }
                        if (r == 0)
                                srow = NULL;
                        else {
                                size_t column;
                                _cleanup_free_ char *reason = NULL;
                                r = engine_convert_row(t, srow, converted, &buf, 0, &column, &reason);
                                if (r == -EINVAL) {
                                        _cleanup_free_ char *key = mapping_describe_key(t, srow);
                                        mismatch(&c, "row %s, column %s: the source value cannot be held by the target: %s",
                                                 key ? key : "?", t->source_columns[column], reason ? reason : "?");
                                        continue;
                                }
                                if (r < 0)
                                        return r;
                        }
                        need_source = false;
                }
                if (need_target) {
                        r = dst->next(dst, &trow);
                        if (r < 0) {
                                log_error("%s", e->target->error);
                                return r;
                        }
                        if (r == 0)
                                trow = NULL;
                        need_target = false;
                }
                if (!srow && !trow)
                        break;
                int cmp = !srow ? 1 : !trow ? -1 : compare_keys(t, converted, trow);
                if (cmp < 0) {
                        _cleanup_free_ char *key = mapping_describe_key(t, converted);
                        mismatch(&c, "row %s: missing in the target", key ? key : "?");
                        need_source = true;
                } else if (cmp > 0) {
                        _cleanup_free_ char *key = mapping_describe_key(t, trow);
                        mismatch(&c, "row %s: in the target but not in the source", key ? key : "?");
                        need_target = true;
                } else {
                        compare_rows(&c, converted, trow);
                        need_source = need_target = true;
                }
                if (report)
                        progress_update(e->progress, ++n);
                if (interrupted())
                        return -EINTR;
        }
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
