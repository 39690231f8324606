/* SQLite as a target.  Everything is written into a new file beside the
 * final one; only commit() (after verification) renames it into place, so
 * the final file is either the old one or the verified new one. */
#include "migrate/sqlite_target.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/interrupt.h"
#include "migrate/log.h"
#include "migrate/sql_quote.h"
#include "migrate/sqlite_db.h"
#include "migrate/sqlite_types.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"
#include "migrate/timeparse.h"

struct sqlite_target {
        struct db base;
        sqlite3 *handle;
        const struct db_endpoint *ep;
        char *final;     /* the database the server uses */
        char *temp;      /* final + SQLITE_TARGET_SUFFIX: what we write */
        char *reading;   /* the file the catalog and scans read: temp, or final when verifying */
        bool verify_only;
        bool created;    /* temp holds nothing of an old database */
        bool committed;
        char *journal_mode; /* the old database's, restored before the rename */
        char **autoincrement; /* tables created with AUTOINCREMENT */
        int lock_fd;     /* flock on temp while we write it: a second run must not take it for a leftover */
};

DEFINE_POINTER_CLEANUP(sqlite3_stmt, sqlite3_finalize)
DEFINE_POINTER_CLEANUP(struct db, db_close)

static int fail_sqlite(struct sqlite_target *s, const char *what) {
        if (interrupted())
                return db_fail(&s->base, -EINTR, "%s: %s: interrupted", s->final, what);
        return db_fail(&s->base, -EIO, "%s: %s: %s", s->final, what, s->handle ? sqlite3_errmsg(s->handle) : "out of memory");
}

/* fail_sqlite() naming the table: "table T: what". */
static int fail_sqlite_table(struct sqlite_target *s, const char *table, const char *what) {
        _cleanup_free_ char *w = strdup_printf("table %s: %s", table, what);
        return fail_sqlite(s, w ? w : what);
}

static int exec(struct sqlite_target *s, const char *what, const char *sql) {
        if (sqlite3_exec(s->handle, sql, NULL, NULL, NULL) != SQLITE_OK)
                return fail_sqlite(s, what);
        return 0;
}

static int prepare(struct sqlite_target *s, const char *what, const char *sql, sqlite3_stmt **ret) {
        if (sqlite3_prepare_v2(s->handle, sql, -1, ret, NULL) != SQLITE_OK)
                return fail_sqlite(s, what);
        return 0;
}

/* ---- reading: catalog, counts, scans (verification) ------------------- */

static int target_read_catalog(struct db *db, struct catalog **ret) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        if (s->created) {
                *ret = calloc(1, sizeof(struct catalog));
                return *ret ? 0 : -ENOMEM;
        }
        /* The source driver's reader, on its own read-only connection. */
        struct db_endpoint ep = *s->ep;
        ep.sqlite_path = s->reading;
        struct db *reader = NULL;
        _cleanup_free_ char *error = NULL;
        int r = sqlite_db_open_source(&ep, &reader, &error);
        if (r < 0)
                return db_fail(db, r, "%s", error ? error : "cannot open the SQLite database");
        r = reader->ops->read_catalog(reader, ret);
        if (r < 0)
                db_fail(db, r, "%s", reader->error ? reader->error : "cannot read the SQLite catalog");
        db_close(reader);
        return r;
}

/* One number about one table: SQL is before + the quoted name + after;
 * errors say "table T: action". */
static int table_scalar(struct sqlite_target *s, const char *table, const char *action, const char *before,
                        const char *after, int64_t *ret) {
        _cleanup_free_ char *qt = sql_quote_identifier(table);
        _cleanup_free_ char *sql = qt ? strdup_printf("%s%s%s", before, qt, after) : NULL;
        _cleanup_free_ char *what = strdup_printf("table %s: %s", table, action);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        if (!sql || !what)
                return -ENOMEM;
        int r = prepare(s, what, sql, &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail_sqlite(s, what);
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

static int target_count_rows(struct db *db, const struct table *t, int64_t *ret) {
        return table_scalar((struct sqlite_target *) db, t->name, "cannot count rows", "SELECT count(*) FROM ", "", ret);
}

struct target_scan {
        struct row_source base;
        struct sqlite_target *db;
        sqlite3_stmt *stmt;
        const struct scan_request *req;
        const char *table;
        const char **columns;
        struct col_spec *specs; /* copies: the request may not outlive the scan */
        size_t n;
        struct value *raw, *row;
        struct value_buffer buf;
};

static int target_scan_next(struct row_source *src, const struct value **ret) {
        struct target_scan *s = (struct target_scan *) src;
        int r = sqlite3_step(s->stmt);
        if (r == SQLITE_DONE)
                return 0;
        if (r != SQLITE_ROW)
                return fail_sqlite_table(s->db, s->table, "cannot read rows");
        for (size_t i = 0; i < s->n; i++)
                sqlite_db_read_value(s->stmt, (int) i, &s->raw[i]);
        if (!s->specs) {
                *ret = s->raw;
                return 1;
        }
        /* Typed as the verification compares: the same conversion rules a
         * source value goes through. */
        for (;;) {
                value_buffer_reset(&s->buf);
                size_t i;
                for (i = 0; i < s->n; i++) {
                        _cleanup_free_ char *why = NULL;
                        r = value_convert(&s->raw[i], &s->specs[i], &s->buf, &s->row[i], &why);
                        if (r == -ENOBUFS)
                                break;
                        if (r < 0) {
                                _cleanup_free_ char *type = sqlite_types_declared(&s->specs[i]);
                                return db_fail(&s->db->base, r, "%s: table %s, column %s: a stored value cannot be read back "
                                               "as %s: it is %s",
                                               s->db->final, s->table, s->columns[i], type ? type : "?",
                                               why ? why : "not convertible");
                        }
                }
                if (i == s->n)
                        break;
                r = value_buffer_reserve(&s->buf, s->buf.size ? s->buf.size * 2 : 4096);
                if (r < 0)
                        return r;
        }
        *ret = s->row;
        return 1;
}

static void target_scan_close(struct row_source *src) {
        struct target_scan *s = (struct target_scan *) src;
        sqlite3_finalize(s->stmt);
        value_buffer_done(&s->buf);
        free(s->specs);
        free(s->raw);
        free(s->row);
        free(s);
}

static int target_scan(struct db *db, const struct scan_request *req, struct row_source **ret) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        _cleanup_strbuf_ struct strbuf sql = {};
        int r = sqlite_db_scan_sql(req, &sql);
        if (r < 0)
                return r;
        struct target_scan *scan = calloc(1, sizeof(*scan));
        if (!scan)
                return -ENOMEM;
        size_t n = req->n_columns;
        *scan = (struct target_scan) {
                .base = { .next = target_scan_next, .close = target_scan_close },
                .db = s,
                .table = req->table->name,
                .columns = (const char **) req->columns,
                .n = n,
                .raw = calloc(n + 1, sizeof(struct value)),
                .row = calloc(n + 1, sizeof(struct value)),
                .specs = req->specs ? calloc(n + 1, sizeof(struct col_spec)) : NULL,
        };
        if (!scan->raw || !scan->row || (req->specs && !scan->specs)) {
                target_scan_close(&scan->base);
                return -ENOMEM;
        }
        if (req->specs)
                memcpy(scan->specs, req->specs, n * sizeof(struct col_spec));
        if (sqlite3_prepare_v2(s->handle, sql.data, -1, &scan->stmt, NULL) != SQLITE_OK) {
                r = fail_sqlite_table(s, req->table->name, "cannot read rows");
                target_scan_close(&scan->base);
                return r;
        }
        *ret = &scan->base;
        return 0;
}

/* What SQLite's storage cannot keep: times are written as text with
 * four-digit years, which is what SQLite's date functions and the server's
 * Go driver read. */
static void target_limit_spec(struct db *db, struct col_spec *spec) {
        (void) db;
        spec->four_digit_years = spec->type == COL_TIMESTAMP_LOCAL || spec->type == COL_TIMESTAMP_UTC ||
                                 spec->type == COL_DATE;
}

static int target_other_sessions(struct db *db, char ***ret) {
        (void) db;
        *ret = NULL; /* the front end has checked that the server is stopped */
        return 0;
}

static int target_tables_with_rows(struct db *db, const char *const *tables, char ***ret) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        *ret = NULL;
        for (size_t i = 0; tables[i]; i++) {
                int64_t has_rows;
                int r = table_scalar(s, tables[i], "cannot look for existing rows", "SELECT EXISTS (SELECT 1 FROM ", ")",
                                     &has_rows);
                if (r < 0)
                        return r;
                if (has_rows && (r = strv_push(ret, tables[i])) < 0)
                        return r;
        }
        return 0;
}

/* ---- writing ----------------------------------------------------------- */

static int target_empty_tables(struct db *db, const struct catalog *existing) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        for (size_t i = 0; i < existing->n_tables; i++) {
                _cleanup_free_ char *qt = sql_quote_identifier(existing->tables[i].name);
                _cleanup_free_ char *sql = strdup_printf("DELETE FROM %s", qt);
                if (!sql)
                        return -ENOMEM;
                int r = exec(s, "cannot empty a table (--drop-all)", sql);
                if (r < 0)
                        return r;
        }
        /* AUTOINCREMENT high-water marks go with the rows; finish_tables sets them again. */
        sqlite3_exec(s->handle, "DELETE FROM sqlite_sequence", NULL, NULL, NULL);
        return 0;
}

/* The declared type of a new column (sqlite_types.c).  A source's char(n)
 * that it carries as unpadded text keeps CHAR(n) in the declared type. */
static char *declared_type(const struct column *c) {
        if (c->spec.type == COL_TEXT && c->spec.length < 0 && c->declared && strncmp(c->declared, "character(", 10) == 0)
                return strdup_printf("CHAR%s", c->declared + 9);
        return sqlite_types_declared(&c->spec);
}

static bool is_autoincrement(const struct table *t, const struct column *c) {
        const struct column *pk[2];
        return c->identity && table_primary_key(t, pk, 2) == 1 && pk[0] == c &&
               (c->spec.type == COL_INT64 || c->spec.type == COL_INT32 || c->spec.type == COL_INT16);
}

static int create_table(struct sqlite_target *s, const struct table *t) {
        _cleanup_strbuf_ struct strbuf b = {};
        _cleanup_free_ char *qt = sql_quote_identifier(t->name);
        const struct column *pk[64];
        size_t n_pk = table_primary_key(t, pk, 64);
        bool autoinc = false;
        int r = strbuf_printf(&b, "CREATE TABLE %s (", qt);
        for (size_t i = 0; r >= 0 && i < t->n_columns; i++) {
                const struct column *c = &t->columns[i];
                _cleanup_free_ char *qc = sql_quote_identifier(c->name), *type = declared_type(c);
                if (!qc || !type)
                        return -ENOMEM;
                if (is_autoincrement(t, c)) {
                        r = strbuf_printf(&b, "%s%s INTEGER PRIMARY KEY AUTOINCREMENT", i ? ", " : "", qc);
                        autoinc = true;
                } else
                        r = strbuf_printf(&b, "%s%s %s%s%s%s", i ? ", " : "", qc, type, c->not_null ? " NOT NULL" : "",
                                          c->default_sql ? " DEFAULT " : "", c->default_sql ? c->default_sql : "");
        }
        if (r >= 0 && n_pk > 0 && !autoinc) {
                r = strbuf_puts(&b, ", PRIMARY KEY (");
                for (size_t k = 0; r >= 0 && k < n_pk; k++) {
                        _cleanup_free_ char *q = sql_quote_identifier(pk[k]->name);
                        r = strbuf_printf(&b, "%s%s", k ? ", " : "", q);
                }
                if (r >= 0)
                        r = strbuf_puts(&b, ")");
        }
        for (size_t i = 0; r >= 0 && i < t->n_indexes; i++) {
                const struct index *x = &t->indexes[i];
                if (!x->constraint || x->primary)
                        continue;
                r = strbuf_puts(&b, ", UNIQUE (");
                for (size_t k = 0; r >= 0 && k < x->n_keys; k++) {
                        _cleanup_free_ char *q = sql_quote_identifier(x->keys[k]);
                        r = strbuf_printf(&b, "%s%s", k ? ", " : "", q);
                }
                if (r >= 0)
                        r = strbuf_puts(&b, ")");
        }
        for (size_t i = 0; r >= 0 && i < t->n_fks; i++) {
                const struct foreign_key *fk = &t->fks[i];
                _cleanup_free_ char *qr = sql_quote_identifier(fk->ref_table);
                r = strbuf_puts(&b, ", FOREIGN KEY (");
                if (r >= 0)
                        r = sql_append_identifier_list(&b, (const char *const *) fk->from, fk->n);
                if (r >= 0)
                        r = strbuf_printf(&b, ") REFERENCES %s (", qr);
                if (r >= 0)
                        r = sql_append_identifier_list(&b, (const char *const *) fk->to, fk->n);
                if (r >= 0)
                        r = strbuf_printf(&b, ") ON UPDATE %s ON DELETE %s%s", fk->on_update, fk->on_delete,
                                          fk->deferred ? " DEFERRABLE INITIALLY DEFERRED" : "");
        }
        if (r >= 0)
                r = strbuf_puts(&b, ")");
        if (r < 0)
                return r;
        if (sqlite3_exec(s->handle, b.data, NULL, NULL, NULL) != SQLITE_OK)
                return db_fail(&s->base, -EIO, "%s: cannot create table %s: %s", s->final, t->name, sqlite3_errmsg(s->handle));
        if (autoinc)
                return strv_push(&s->autoincrement, t->name);
        return 0;
}

static int target_create_tables(struct db *db, const struct catalog *plan) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        for (size_t i = 0; i < plan->n_tables; i++) {
                int r = create_table(s, &plan->tables[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int target_prepare_load(struct db *db) {
        (void) db; /* foreign keys are not enforced on this connection: load order does not matter */
        return 0;
}

struct target_sink {
        struct row_sink base;
        struct sqlite_target *db;
        sqlite3_stmt *stmt;
        const char *table;
        const char *const *columns;
        struct col_spec *specs;
        bool *text_affinity; /* n: the column converts whatever it is given to text */
        size_t n;
        uint64_t bytes;
        struct value_buffer buf;
};

/* A number goes in as a double only when the double reads back as exactly
 * the same value; otherwise as its decimal text. */
static bool numeric_fits_double(struct target_sink *s, const struct value *v, const struct col_spec *spec, double *ret) {
        char text[64];
        if (v->n >= sizeof(text))
                return false;
        memcpy(text, v->s, v->n);
        text[v->n] = '\0';
        char *end;
        double d = strtod(text, &end);
        if (*end || !isfinite(d))
                return false;
        struct value real = { .kind = VALUE_REAL, .d = d }, back;
        _cleanup_free_ char *why = NULL;
        value_buffer_reset(&s->buf);
        if (value_buffer_reserve(&s->buf, 256) < 0 || value_convert(&real, spec, &s->buf, &back, &why) < 0)
                return false;
        *ret = d;
        return back.kind == VALUE_NUMERIC && back.n == v->n && memcmp(back.s, v->s, v->n) == 0;
}

static int bind_value(struct target_sink *s, int i, const struct value *v, const struct col_spec *spec) {
        char text[64];
        double d;
        switch (v->kind) {
        case VALUE_NULL:
                return sqlite3_bind_null(s->stmt, i);
        case VALUE_INT:
                s->bytes += 8;
                return sqlite3_bind_int64(s->stmt, i, v->i);
        case VALUE_BOOL:
                s->bytes += 1;
                return sqlite3_bind_int(s->stmt, i, v->b);
        case VALUE_REAL:
                s->bytes += 8;
                if (isnan(v->d)) /* SQLite would store NaN as NULL */
                        return sqlite3_bind_text(s->stmt, i, "NaN", 3, SQLITE_STATIC);
                return sqlite3_bind_double(s->stmt, i, v->d);
        case VALUE_TEXT:
                s->bytes += v->n;
                return sqlite3_bind_text(s->stmt, i, v->s, (int) v->n, SQLITE_STATIC);
        case VALUE_BLOB:
                s->bytes += v->n;
                if (v->n == 0)
                        return sqlite3_bind_zeroblob(s->stmt, i, 0); /* empty, not NULL */
                return sqlite3_bind_blob(s->stmt, i, v->s, (int) v->n, SQLITE_STATIC);
        case VALUE_NUMERIC:
                s->bytes += v->n;
                /* A double given to a TEXT column becomes SQLite's text of it ("7.0" for 7). */
                if (!s->text_affinity[i - 1] && numeric_fits_double(s, v, spec, &d))
                        return sqlite3_bind_double(s->stmt, i, d);
                return sqlite3_bind_text(s->stmt, i, v->s, (int) v->n, SQLITE_STATIC);
        case VALUE_TIMESTAMP: {
                /* Go's "2006-01-02 15:04:05.999999-07:00", in UTC; years
                 * 0000-9999 (target_limit_spec), or PostgreSQL's 'infinity'. */
                int n;
                if (v->i == TIME_INFINITY || v->i == TIME_MINUS_INFINITY)
                        n = time_format(v->i, text, sizeof(text));
                else if ((n = time_format_iso(v->i, false, text, sizeof(text) - 8)) >= 0)
                        n += snprintf(text + n, sizeof(text) - (size_t) n, "+00:00");
                if (n < 0)
                        return SQLITE_RANGE;
                s->bytes += (size_t) n;
                return sqlite3_bind_text(s->stmt, i, text, n, SQLITE_TRANSIENT);
        }
        case VALUE_DATE: {
                int n = v->i > INT64_MAX / (INT64_C(86400) * 1000000) || v->i < INT64_MIN / (INT64_C(86400) * 1000000)
                                ? -ERANGE
                                : time_format_iso(v->i * INT64_C(86400) * 1000000, true, text, sizeof(text));
                if (n < 0)
                        return SQLITE_RANGE;
                s->bytes += (size_t) n;
                return sqlite3_bind_text(s->stmt, i, text, n, SQLITE_TRANSIENT);
        }
        case VALUE_UUID: {
                const unsigned char *u = (const unsigned char *) v->s;
                int n = snprintf(text, sizeof(text),
                                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
                                 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
                s->bytes += 16;
                return sqlite3_bind_text(s->stmt, i, text, n, SQLITE_TRANSIENT);
        }
        case VALUE_DIGEST: /* only verification reads values as digests; never written */
                break;
        }
        return SQLITE_MISUSE;
}

static int target_sink_write(struct row_sink *sink, const struct value *row) {
        struct target_sink *s = (struct target_sink *) sink;
        for (size_t i = 0; i < s->n; i++)
                if (bind_value(s, (int) i + 1, &row[i], &s->specs[i]) != SQLITE_OK)
                        return db_fail(&s->db->base, -EIO, "%s: table %s, column %s: cannot store a value: %s", s->db->final,
                                       s->table, s->columns[i], sqlite3_errmsg(s->db->handle));
        int r = sqlite3_step(s->stmt);
        sqlite3_reset(s->stmt);
        if (r != SQLITE_DONE)
                return db_fail(&s->db->base, interrupted() ? -EINTR : -EIO, "%s: table %s: cannot insert a row: %s",
                               s->db->final, s->table, sqlite3_errmsg(s->db->handle));
        if (interrupted())
                return db_fail(&s->db->base, -EINTR, "%s: interrupted", s->db->final);
        return 0;
}

static int target_sink_finish(struct row_sink *sink, uint64_t *ret_bytes) {
        struct target_sink *s = (struct target_sink *) sink;
        *ret_bytes = s->bytes;
        return 0;
}

static void target_sink_close(struct row_sink *sink) {
        struct target_sink *s = (struct target_sink *) sink;
        sqlite3_finalize(s->stmt);
        value_buffer_done(&s->buf);
        free(s->specs);
        free(s->text_affinity);
        free(s);
}

/* SQLite's affinity rule 2 (datatype3.html, 3.1): a declared type without
 * "INT" that contains "CHAR", "CLOB" or "TEXT". */
static bool declared_text_affinity(const char *declared) {
        return declared && !strcasestr(declared, "INT") &&
               (strcasestr(declared, "CHAR") || strcasestr(declared, "CLOB") || strcasestr(declared, "TEXT"));
}

/* Which of the columns have TEXT affinity, from the types the table declares. */
static int read_text_affinity(struct sqlite_target *s, const char *table, const char *const *columns, size_t n,
                              bool *ret) {
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char *qt = sql_quote_identifier(table);
        int r = qt ? strbuf_puts(&sql, "SELECT ") : -ENOMEM;
        if (r >= 0)
                r = sql_append_identifier_list(&sql, columns, n);
        if (r >= 0)
                r = strbuf_printf(&sql, " FROM %s", qt);
        if (r < 0)
                return r;
        sqlite3_stmt *stmt;
        if (sqlite3_prepare_v2(s->handle, sql.data, -1, &stmt, NULL) != SQLITE_OK)
                return fail_sqlite_table(s, table, "cannot read the declared column types");
        for (size_t i = 0; i < n; i++)
                ret[i] = declared_text_affinity(sqlite3_column_decltype(stmt, (int) i));
        sqlite3_finalize(stmt);
        return 0;
}

static int target_open_sink(struct db *db, const struct table *t, const char *const *columns, size_t n,
                            struct row_sink **ret) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char *qt = sql_quote_identifier(t->name);
        int r = strbuf_printf(&sql, "INSERT INTO %s (", qt);
        if (r >= 0)
                r = sql_append_identifier_list(&sql, columns, n);
        if (r >= 0)
                r = strbuf_puts(&sql, ") VALUES (");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = strbuf_puts(&sql, i ? ", ?" : "?");
        if (r >= 0)
                r = strbuf_puts(&sql, ")");
        if (r < 0)
                return r;
        struct target_sink *sink = calloc(1, sizeof(*sink));
        if (!sink)
                return -ENOMEM;
        *sink = (struct target_sink) {
                .base = { .write = target_sink_write, .finish = target_sink_finish, .close = target_sink_close },
                .db = s,
                .table = t->name,
                .columns = columns,
                .n = n,
                .specs = calloc(n + 1, sizeof(struct col_spec)),
                .text_affinity = calloc(n + 1, sizeof(bool)),
        };
        if (!sink->specs || !sink->text_affinity) {
                target_sink_close(&sink->base);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const struct column *c = table_find_column(t, columns[i]);
                sink->specs[i] = c ? c->spec : (struct col_spec) { .type = COL_TEXT, .length = -1 };
        }
        if (sqlite3_prepare_v2(s->handle, sql.data, -1, &sink->stmt, NULL) != SQLITE_OK) {
                r = fail_sqlite_table(s, t->name, "cannot prepare the insert");
                target_sink_close(&sink->base);
                return r;
        }
        r = read_text_affinity(s, t->name, columns, n, sink->text_affinity);
        if (r < 0) {
                target_sink_close(&sink->base);
                return r;
        }
        *ret = &sink->base;
        return 0;
}

static int create_index(struct sqlite_target *s, const struct table *t, const struct index *x, char ***not_carried) {
        _cleanup_strbuf_ struct strbuf b = {};
        _cleanup_free_ char *qx = sql_quote_identifier(x->name), *qt = sql_quote_identifier(t->name);
        int r = strbuf_printf(&b, "CREATE %sINDEX %s ON %s (", x->unique ? "UNIQUE " : "", qx, qt);
        for (size_t k = 0; r >= 0 && k < x->n_keys; k++) {
                _cleanup_free_ char *q = sql_quote_identifier(x->keys[k]);
                r = strbuf_printf(&b, "%s%s%s", k ? ", " : "", q, x->desc && x->desc[k] ? " DESC" : "");
        }
        if (r >= 0)
                r = strbuf_puts(&b, ")");
        if (r < 0)
                return r;
        if (sqlite3_exec(s->handle, b.data, NULL, NULL, NULL) == SQLITE_OK)
                return 0;
        if (x->unique)
                return db_fail(&s->base, -EIO, "%s: cannot create unique index %s on %s: %s", s->final, x->name, t->name,
                               sqlite3_errmsg(s->handle));
        return strv_consume(not_carried, strdup_printf("index %s on %s: %s", x->name, t->name, sqlite3_errmsg(s->handle)));
}

static bool has_autoincrement(struct sqlite_target *s, const char *table) {
        for (size_t i = 0; s->autoincrement && s->autoincrement[i]; i++)
                if (strcmp(s->autoincrement[i], table) == 0)
                        return true;
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->handle, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1 AND sql LIKE "
                               "'%AUTOINCREMENT%'", -1, &st, NULL) != SQLITE_OK)
                return false;
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        return sqlite3_step(st) == SQLITE_ROW;
}

/* sqlite_sequence at least the source's generator value, so keys handed
 * out before the migration are never handed out again. */
static int set_sequence(struct sqlite_target *s, const struct table *t) {
        if (t->sequence < 0 || !has_autoincrement(s, t->name))
                return 0;
        _cleanup_free_ char *what = strdup_printf("table %s: cannot set sqlite_sequence", t->name);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *up = NULL, *ins = NULL;
        if (!what)
                return -ENOMEM;
        int r = prepare(s, what, "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = ?2", &up);
        if (r < 0)
                return r;
        sqlite3_bind_int64(up, 1, t->sequence);
        sqlite3_bind_text(up, 2, t->name, -1, SQLITE_STATIC);
        if (sqlite3_step(up) != SQLITE_DONE)
                return fail_sqlite(s, what);
        if (sqlite3_changes(s->handle) > 0)
                return 0;
        r = prepare(s, what, "INSERT INTO sqlite_sequence (name, seq) VALUES (?2, ?1)", &ins);
        if (r < 0)
                return r;
        sqlite3_bind_int64(ins, 1, t->sequence);
        sqlite3_bind_text(ins, 2, t->name, -1, SQLITE_STATIC);
        return sqlite3_step(ins) == SQLITE_DONE ? 0 : fail_sqlite(s, what);
}

/* The foreign keys hold: PRAGMA foreign_key_check finds nothing. */
static int check_foreign_keys(struct sqlite_target *s) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        _cleanup_strbuf_ struct strbuf b = {};
        size_t n = 0;
        int r = prepare(s, "cannot check foreign keys", "PRAGMA foreign_key_check", &st);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                if (n++ < 20)
                        strbuf_printf(&b, "%stable %s, rowid %lld: no row in %s", n > 1 ? "; " : "", sqlite3_column_text(st, 0),
                                      (long long) sqlite3_column_int64(st, 1), sqlite3_column_text(st, 2));
        }
        if (r != SQLITE_DONE)
                return fail_sqlite(s, "cannot check foreign keys");
        if (n > 0)
                return db_fail(&s->base, -EINVAL,
                               "%s: %zu row%s break a foreign key, nothing was committed: %s. Correct or delete those "
                               "rows in the source (or drop the foreign key there), then run migrate again",
                               s->final, n, n == 1 ? "" : "s", b.data ? b.data : "");
        return 0;
}

static int target_finish_tables(struct db *db, const struct catalog *plan, bool created, char ***not_carried) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        for (size_t i = 0; i < plan->n_tables; i++) {
                const struct table *t = &plan->tables[i];
                for (size_t k = 0; created && k < t->n_indexes; k++) {
                        if (t->indexes[k].primary || t->indexes[k].constraint)
                                continue;
                        int r = create_index(s, t, &t->indexes[k], not_carried);
                        if (r < 0)
                                return r;
                }
                int r = set_sequence(s, t);
                if (r < 0)
                        return r;
        }
        return check_foreign_keys(s);
}

static int fsync_path(const char *path, int flags) {
        _cleanup_close_ int fd = open(path, flags | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

static int target_commit(struct db *db) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        if (interrupted())
                return db_fail(db, -EINTR, "%s: interrupted before commit", s->final);
        int r = exec(s, "cannot commit", "COMMIT");
        if (r >= 0 && s->journal_mode) {
                _cleanup_free_ char *sql = strdup_printf("PRAGMA journal_mode = %s", s->journal_mode);
                r = sql ? exec(s, "cannot restore the journal mode", sql) : -ENOMEM;
        }
        if (r < 0)
                return r;
        if (sqlite3_close(s->handle) != SQLITE_OK)
                return fail_sqlite(s, "cannot close the new database");
        s->handle = NULL;
        _cleanup_free_ char *dir_buf = strdup(s->final);
        if (!dir_buf)
                return -ENOMEM;
        const char *dir = dirname(dir_buf);
        if ((r = fsync_path(s->temp, O_RDONLY)) < 0)
                return db_fail(db, r, "%s: cannot flush the new database to disk: %s", s->temp, strerror(-r));
        if (interrupted())
                return db_fail(db, -EINTR, "%s: interrupted before commit", s->final);
        if (rename(s->temp, s->final) < 0)
                return db_fail(db, -errno, "cannot move %s into place as %s: %s", s->temp, s->final, strerror(errno));
        s->committed = true;
        if ((r = fsync_path(dir, O_RDONLY | O_DIRECTORY)) < 0)
                return db_fail(db, r, "%s: the new database is in place, but flushing its directory failed: %s", dir,
                               strerror(-r));
        return 0;
}

static void remove_temp(const char *temp) {
        static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                _cleanup_free_ char *p = strdup_printf("%s%s", temp, suffixes[i]);
                if (p)
                        unlink(p);
        }
}

static void target_close(struct db *db) {
        struct sqlite_target *s = (struct sqlite_target *) db;
        if (s->handle)
                sqlite3_close_v2(s->handle);
        if (!s->verify_only && !s->committed && s->temp && s->lock_fd >= 0)
                remove_temp(s->temp); /* ours, never committed: the final file was never touched */
        if (s->lock_fd >= 0)
                close(s->lock_fd);
        strv_free(s->autoincrement);
        free(s->journal_mode);
        free(s->final);
        free(s->temp);
        free(s->base.label);
        free(s->base.error);
        free(s);
}

static char *target_type_name(struct db *db, const struct col_spec *spec) {
        (void) db;
        return sqlite_types_declared(spec);
}

static const struct db_ops target_ops = {
        .read_catalog = target_read_catalog,
        .count_rows = target_count_rows,
        .scan = target_scan,
        .other_sessions = target_other_sessions,
        .type_name = target_type_name,
        .tables_with_rows = target_tables_with_rows,
        .empty_tables = target_empty_tables,
        .limit_spec = target_limit_spec,
        .create_tables = target_create_tables,
        .prepare_load = target_prepare_load,
        .open_sink = target_open_sink,
        .finish_tables = target_finish_tables,
        .commit = target_commit,
        .close = target_close,
};

/* A leftover of a run that was killed: never a database anyone uses.  One
 * that another migrate still holds locked is not a leftover. */
static int remove_leftovers(const char *temp, char **ret_error) {
        static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
        _cleanup_close_ int fd = open(temp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
                *ret_error = strdup_printf("%s is being written by another migrate run: wait for it to finish", temp);
                return -EBUSY;
        }
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                _cleanup_free_ char *p = strdup_printf("%s%s", temp, suffixes[i]);
                if (p && unlink(p) == 0)
                        log_notice("removed %s, left behind by an interrupted migrate run", p);
        }
        return 0;
}

/* Create the new file: group-writable and in the group the worker runs
 * with (rstudio-pm), so the server can use it. */
static int create_temp(struct sqlite_target *s, char **ret_error) {
        int fd = s->lock_fd = open(s->temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0660);
        if (fd < 0) {
                int e = errno;
                *ret_error = strdup_printf("%s: cannot create the new database file: %s%s", s->temp, strerror(e),
                                           e == EACCES ? " (the directory must be writable by the account migrate runs as)"
                                                       : "");
                return -e;
        }
        /* Locked so that a run started meanwhile sees it is not a leftover. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int e = errno;
                *ret_error = strdup_printf("%s: cannot lock the new database file: %s%s", s->temp, strerror(e),
                                           e == EWOULDBLOCK ? " (another migrate run holds it: wait for it to finish, "
                                                              "then run the migration again)"
                                                            : "");
                return e == EWOULDBLOCK ? -EBUSY : -e;
        }
        if (fchown(fd, (uid_t) -1, getegid()) < 0 || fchmod(fd, 0660) < 0) {
                int e = errno;
                *ret_error = strdup_printf("%s: cannot set the new file's group and mode: %s", s->temp, strerror(e));
                return -e;
        }
        return 0;
}

static int open_handle(struct sqlite_target *s, const char *path, int flags, char **ret_error) {
        if (sqlite3_open_v2(path, &s->handle, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
                *ret_error = strdup_printf("%s: cannot open the SQLite database: %s", path,
                                           s->handle ? sqlite3_errmsg(s->handle) : "out of memory");
                return -EIO;
        }
        return 0;
}

/* Copy the existing database into the new file with SQLite's backup API:
 * a consistent copy, whatever journal mode the server used. */
static int copy_existing(struct sqlite_target *s, char **ret_error) {
        sqlite3 *old = NULL;
        int rc = sqlite3_open_v2(s->final, &old, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
        sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(s->handle, "main", old, "main") : NULL;
        if (b) {
                rc = sqlite3_backup_step(b, -1);
                rc = sqlite3_backup_finish(b) == SQLITE_OK && rc == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        } else
                rc = SQLITE_ERROR;
        if (rc != SQLITE_OK)
                *ret_error = strdup_printf("%s: cannot copy the existing database: %s", s->final,
                                           sqlite3_errmsg(old ? old : s->handle));
        sqlite3_close_v2(old);
        return rc == SQLITE_OK ? 0 : -EIO;
}

static int open_for_writing(struct sqlite_target *s, char **ret_error) {
        struct stat st;
        _cleanup_free_ char *wal = strdup_printf("%s-wal", s->final);
        if (!wal)
                return -ENOMEM;
        int r = remove_leftovers(s->temp, ret_error);
        if (r < 0)
                return r;
        if (stat(wal, &st) == 0 && st.st_size > 0) {
                *ret_error = strdup_printf("%s has a write-ahead log (%s) with changes not yet in the database: a Package "
                                           "Manager server may still be running, or stopped uncleanly. Start and stop the "
                                           "server, then run migrate again",
                                           s->final, wal);
                return -EBUSY;
        }
        bool exists = stat(s->final, &st) == 0;
        s->created = !exists || st.st_size == 0;
        r = create_temp(s, ret_error);
        if (r >= 0)
                r = open_handle(s, s->temp, SQLITE_OPEN_READWRITE, ret_error);
        if (r >= 0 && !s->created)
                r = copy_existing(s, ret_error);
        if (r < 0)
                return r;
        /* Keep the old database's journal mode (e.g. WAL) for the server. */
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *jm = NULL;
        if (sqlite3_prepare_v2(s->handle, "PRAGMA journal_mode", -1, &jm, NULL) == SQLITE_OK &&
            sqlite3_step(jm) == SQLITE_ROW && !s->created) {
                const char *mode = (const char *) sqlite3_column_text(jm, 0);
                if (mode && strcasecmp(mode, "delete") != 0 && strspn(mode, "abcdefghijklmnopqrstuvwxyz") == strlen(mode))
                        s->journal_mode = strdup(mode);
        }
        sqlite3_finalize(TAKE_PTR(jm));
        /* The new file is thrown away on any failure: no journal needed.  Durability comes from fsync at commit. */
        if (sqlite3_exec(s->handle, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; BEGIN",
                         NULL, NULL, NULL) != SQLITE_OK) {
                *ret_error = strdup_printf("%s: cannot start writing: %s", s->temp, sqlite3_errmsg(s->handle));
                return -EIO;
        }
        return 0;
}

int sqlite_target_open(const struct db_endpoint *ep, bool verify_only, struct db **ret, char **ret_error) {
        _cleanup_(db_closep) struct db *db = NULL;
        struct sqlite_target *s = calloc(1, sizeof(*s));
        *ret_error = NULL;
        if (!s)
                return -ENOMEM;
        db = &s->base;
        s->lock_fd = -1;
        s->base.ops = &target_ops;
        s->ep = ep;
        s->verify_only = verify_only;
        s->final = strdup(ep->sqlite_path);
        s->temp = strdup_printf("%s%s", ep->sqlite_path, SQLITE_TARGET_SUFFIX);
        s->base.label = strdup_printf("SQLite %s database %s", db_role_label(ep->role), ep->sqlite_path);
        if (!s->final || !s->temp || !s->base.label)
                return -ENOMEM;
        int r;
        if (verify_only) {
                struct stat st;
                if (stat(s->final, &st) < 0) {
                        *ret_error = strdup_printf("%s: %s: there is nothing to verify", s->final, strerror(errno));
                        return -ENOENT;
                }
                s->reading = s->final;
                r = open_handle(s, s->final, SQLITE_OPEN_READONLY, ret_error);
                if (r >= 0 && sqlite3_exec(s->handle, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
                        *ret_error = strdup_printf("%s: cannot read the SQLite database: %s", s->final, sqlite3_errmsg(s->handle));
                        r = -EIO;
                }
        } else {
                s->reading = s->temp;
                r = open_for_writing(s, ret_error);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(db);
        return 0;
}
