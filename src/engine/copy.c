/* The copy engine: one pass over the source that converts (and so checks)
 * every value as it is sent.  At the first value the target cannot hold,
 * sending stops (PostgreSQL's COPY is abandoned, which aborts the
 * transaction; SQLite's inserts so far stay in its open transaction) and
 * the pass goes on as a check only, so that every problem is listed in the
 * same run; the caller then rolls back, whatever the target. */
#include <errno.h>
#include <stdlib.h>

#include "migrate/cleanup.h"
#include "migrate/engine.h"
#include "migrate/engine_row.h"
#include "migrate/interrupt.h"
#include "migrate/log.h"
#include "migrate/strbuf.h"

static int open_source_scan(struct engine *e, const struct table_map *t, struct row_source **ret) {
        const struct scan_request req = {
                .table = t->source,
                .columns = t->source_columns,
                .n_columns = t->n_columns,
                .stored_order = true, /* verification reads both sides in this order first */
        };
        int r = e->source->ops->scan(e->source, &req, ret);
        if (r < 0)
                log_error("%s", e->source->error ? e->source->error : "cannot read the source");
        return r;
}

static void report_value_problem(struct engine *e, const struct table_map *t, const struct value *row, size_t column,
                                 const char *reason) {
        _cleanup_free_ char *key = mapping_describe_key(t, row), *value = value_describe(&row[column]);
        _cleanup_free_ char *type = col_spec_name(&t->specs[column]);
        log_error("%s database, table %s, row %s, column %s: %s cannot go into the target's %s column: it is %s",
                  e->name, t->source->name, key ? key : "?", t->source_columns[column], value ? value : "?",
                  type ? type : "?", reason ? reason : "not convertible");
}

/* Converts one row; every column that does not fit is reported (not just
 * the first).  Returns 1 when the row converted, 0 when it did not, or a
 * negative errno. */
static int convert_checked(struct engine *e, const struct table_map *t, const struct value *row, struct value *out,
                           struct value_buffer *buf, size_t *problems) {
        size_t column = 0;
        int r = -EINVAL, fits = 1;
        for (size_t from = 0; r == -EINVAL; from = column + 1) {
                _cleanup_free_ char *reason = NULL;
                r = engine_convert_row(t, row, out, buf, from, &column, &reason);
                if (r == -EINVAL) {
                        if (*problems < e->max_reported)
                                report_value_problem(e, t, row, column, reason);
                        (*problems)++;
                        fits = 0;
                }
        }
        return r < 0 ? r : fits;
}

/* The longest text and blob of each column, as sent (converted: what the
 * target holds). */
static void note_longest(const struct table_map *t, const struct value *row, size_t *longest) {
        for (size_t i = 0; i < t->n_columns; i++)
                if ((row[i].kind == VALUE_TEXT || row[i].kind == VALUE_BLOB) && row[i].n > longest[i])
                        longest[i] = row[i].n;
}

static int copy_table(struct engine *e, struct table_map *t, struct value_buffer *buf, size_t *problems) {
        _cleanup_(row_source_closep) struct row_source *src = NULL;
        _cleanup_(row_sink_closep) struct row_sink *sink = NULL;
        _cleanup_free_ struct value *out = calloc(t->n_columns + 1, sizeof(struct value));
        _cleanup_free_ char *what = strdup_printf("%s.%s", e->name, t->source->name);
        _cleanup_free_ size_t *longest = calloc(t->n_columns + 1, sizeof(size_t));
        double started = now_seconds();
        if (!out || !what || !longest)
                return -ENOMEM;
        int r = open_source_scan(e, t, &src);
        if (r < 0)
                return r;
        /* Once a value did not fit, nothing more is sent: the rest is a check. */
        if (*problems == 0) {
                r = e->target->ops->open_sink(e->target, t->target, t->target_columns, t->n_columns, &sink);
                if (r < 0) {
                        log_error("%s", e->target->error);
                        return r;
                }
        }
        progress_start(e->progress, sink ? "copy" : "check", what, t->source_rows);
        const struct value *row;
        int64_t n = 0;
        while ((r = src->next(src, &row)) > 0) {
                r = convert_checked(e, t, row, out, buf, problems);
                if (r == 0 && sink) {
                        sink->close(sink); /* PostgreSQL: abandons the COPY; SQLite: stops inserting */
                        sink = NULL;
                        progress_start(e->progress, "check", what, t->source_rows);
                        progress_update(e->progress, n);
                } else if (r > 0 && sink) {
                        note_longest(t, out, longest);
                        r = sink->write(sink, out);
                }
                if (r < 0) {
                        if (r != -EINTR || !interrupted())
                                log_error("%s", e->target->error ? e->target->error : "cannot write rows");
                        return r;
                }
                progress_update(e->progress, ++n);
                if (interrupted())
                        return -EINTR;
        }
        if (r < 0) {
                log_error("%s", e->source->error ? e->source->error : "cannot read the source");
                return r;
        }
        if (sink) {
                r = sink->finish(sink, &t->bytes);
                if (r < 0) {
                        log_error("%s", e->target->error);
                        return r;
                }
                /* Every row went in: verification need not ask for digests
                 * of columns that never held a large value. */
                free(t->longest);
                t->longest = TAKE_PTR(longest);
        }
        progress_end(e->progress);
        t->rows_copied = n;
        t->copy_seconds = now_seconds() - started;
        return 0;
}

int engine_copy(struct engine *e, size_t *ret_problems) {
        _cleanup_(value_buffer_done) struct value_buffer buf = {};
        size_t problems = 0;
        for (size_t i = 0; i < e->map->n_tables; i++) {
                if (e->map->tables[i].skip_copy)
                        continue;
                int r = engine_spell_types(e, &e->map->tables[i]);
                if (r >= 0)
                        r = copy_table(e, &e->map->tables[i], &buf, &problems);
                if (r < 0)
                        return r;
                if (interrupted())
                        return -EINTR;
        }
        if (problems > e->max_reported)
                log_error("... and %zu more values the target cannot hold", problems - e->max_reported);
        *ret_problems = problems;
        return 0;
}
