/* Creating the target: a column whose declared type would refuse the
 * values the source let it hold (a source that never enforced a type, like
 * SQLite's affinity, never refuses one) gets the narrowest wider type that
 * holds every value of the column exactly, and that choice is reported per
 * column.  Only a limit the source may not have enforced, or a type the
 * source's rules guessed from a name that does not name it
 * (column.type_guessed), is widened:
 *   text with a length limit                 -> text
 *   decimal(p,s)                             -> decimal
 *   decimal by a guess (TIME, STRING, ENUM, INET, ANY...)      -> text
 *   64-bit integer by a guess (FLOATING POINT, POINT)          -> 64-bit float, decimal, text
 *   JSON, UUID                               -> text
 * A genuine integer, floating point, decimal, boolean, date or time, or
 * bytes column keeps its type: a value it refuses is refused by name (dirty
 * data is not a reason to change the server's schema).  Into existing
 * tables nothing is widened: the server made their types.  The notes name
 * the types as the target spells them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/engine.h"
#include "migrate/interrupt.h"
#include "migrate/log.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

#define MAX_CANDIDATES 4

struct column_widening {
        struct col_spec candidates[MAX_CANDIDATES]; /* [0]: the declared type */
        bool viable[MAX_CANDIDATES];
        size_t n;
        char *first_reason; /* why the declared type refused a value */
};

static size_t candidates_for(const struct col_spec *spec, bool guessed, struct col_spec out[static MAX_CANDIDATES]) {
        size_t n = 0;
        out[n++] = *spec;
        switch (spec->type) {
        case COL_TEXT:
                if (spec->length >= 0)
                        out[n++] = COL_SPEC(COL_TEXT);
                break;
        case COL_DECIMAL:
                if (spec->precision >= 0)
                        out[n++] = COL_SPEC(COL_DECIMAL);
                else if (guessed)
                        out[n++] = COL_SPEC(COL_TEXT);
                break;
        case COL_INT64:
                if (guessed) {
                        out[n++] = COL_SPEC(COL_FLOAT64);
                        out[n++] = COL_SPEC(COL_DECIMAL);
                        out[n++] = COL_SPEC(COL_TEXT);
                }
                break;
        case COL_JSON_TEXT:
        case COL_JSON_DOCUMENT:
        case COL_UUID:
                out[n++] = COL_SPEC(COL_TEXT);
                break;
        default:
                break;
        }
        return n;
}

static int widen_table(struct engine *e, struct table_map *t, char ***notes) {
        _cleanup_(value_buffer_done) struct value_buffer buf = {};
        _cleanup_free_ struct column_widening *w = calloc(t->n_columns + 1, sizeof(*w));
        _cleanup_free_ char *what = strdup_printf("%s.%s", e->name, t->source->name);
        bool any = false;
        int r = 0;
        if (!w || !what)
                return -ENOMEM;
        r = engine_spell_types(e, t); /* so the reasons name the declared type as the target spells it */
        if (r < 0)
                return r;
        for (size_t i = 0; i < t->n_columns; i++) {
                const struct column *c = table_find_column(t->target, t->target_columns[i]);
                if (c && !c->identity)
                        w[i].n = candidates_for(&t->specs[i], c->type_guessed, w[i].candidates);
                for (size_t k = 0; k < w[i].n; k++)
                        w[i].viable[k] = true;
                any |= w[i].n > 1;
        }
        if (!any)
                return 0;
        const struct scan_request req = { .table = t->source, .columns = t->source_columns, .n_columns = t->n_columns };
        _cleanup_(row_source_closep) struct row_source *src = NULL;
        r = e->source->ops->scan(e->source, &req, &src);
        if (r < 0) {
                log_error("%s", e->source->error ? e->source->error : "cannot read the source");
                return r;
        }
        progress_start(e->progress, "types", what, t->source_rows);
        const struct value *row;
        int64_t n_rows = 0;
        while ((r = src->next(src, &row)) > 0) {
                for (size_t i = 0; i < t->n_columns; i++)
                        for (size_t k = 0; k < w[i].n; k++) {
                                if (!w[i].viable[k])
                                        continue;
                                struct value out;
                                _cleanup_free_ char *reason = NULL;
                                value_buffer_reset(&buf);
                                int c = value_convert(&row[i], &w[i].candidates[k], &buf, &out, &reason);
                                while (c == -ENOBUFS) {
                                        free(reason);
                                        reason = NULL;
                                        if ((c = value_buffer_reserve(&buf, buf.size ? buf.size * 2 : 4096)) >= 0)
                                                c = value_convert(&row[i], &w[i].candidates[k], &buf, &out, &reason);
                                }
                                if (c == -EINVAL) {
                                        w[i].viable[k] = false;
                                        if (k == 0)
                                                w[i].first_reason = TAKE_PTR(reason);
                                } else if (c < 0)
                                        return c;
                        }
                progress_update(e->progress, ++n_rows);
                if (interrupted())
                        return -EINTR;
        }
        progress_end(e->progress);
        if (r < 0) {
                log_error("%s", e->source->error ? e->source->error : "cannot read the source");
                return r;
        }
        for (size_t i = 0; r >= 0 && i < t->n_columns; i++) {
                size_t k = 0;
                while (k < w[i].n && !w[i].viable[k])
                        k++;
                if (k == 0 || k == w[i].n) { /* fits as declared, or nothing holds it: the one-pass copy says which values */
                        free(w[i].first_reason);
                        continue;
                }
                struct column *c = (struct column *) table_find_column(t->target, t->target_columns[i]);
                _cleanup_free_ char *from = engine_type_name(e, &w[i].candidates[0]),
                                    *to = engine_type_name(e, &w[i].candidates[k]);
                r = strv_consume(notes, strdup_printf("note: column %s.%s (declared %s): a %s column would refuse some of "
                                                      "its values (%s), so it is created as %s, which holds every one "
                                                      "exactly",
                                                      t->source->name, t->source_columns[i], c->declared,
                                                      from ? from : "?", w[i].first_reason ? w[i].first_reason : "?",
                                                      to ? to : "?"));
                free(w[i].first_reason);
                c->spec = w[i].candidates[k];
                c->spec.name = NULL; /* the spelling belongs to the mapping */
                t->specs[i] = w[i].candidates[k];
        }
        return r;
}

int engine_widen(struct engine *e, char ***notes) {
        for (size_t i = 0; i < e->map->n_tables; i++) {
                int r = widen_table(e, &e->map->tables[i], notes);
                if (r < 0)
                        return r;
        }
        return 0;
}
