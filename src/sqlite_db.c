#include "migrate/sqlite_db.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "migrate/cleanup.h"
#include "migrate/sql_quote.h"
#include "migrate/sql_token.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"
#include "migrate/typemap.h"

struct sqlite_db {
        struct db base;
        sqlite3 *handle;
        char *path;
};

DEFINE_POINTER_CLEANUP(sqlite3_stmt, sqlite3_finalize)

static int fail_sqlite(struct sqlite_db *s, const char *what) {
        return db_fail(&s->base, -EIO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->handle));
}

static int prepare(struct sqlite_db *s, const char *sql, sqlite3_stmt **ret) {
        if (sqlite3_prepare_v2(s->handle, sql, -1, ret, NULL) != SQLITE_OK)
                return fail_sqlite(s, "cannot read the schema");
        return 0;
}

static char *column_text(sqlite3_stmt *st, int i) {
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? strdup((const char *) t) : NULL;
}

/* An empty declared type holds anything: decide from the values stored. */
static int type_from_data(struct sqlite_db *s, const char *table, const char *column, struct col_spec *ret) {
        _cleanup_free_ char *qt = sql_quote_identifier(table), *qc = sql_quote_identifier(column);
        _cleanup_free_ char *sql = strdup_printf(
                "SELECT count(CASE WHEN typeof(%1$s)='integer' THEN 1 END), count(CASE WHEN typeof(%1$s)='real' THEN 1 END),"
                " count(CASE WHEN typeof(%1$s)='text' THEN 1 END), count(CASE WHEN typeof(%1$s)='blob' THEN 1 END) FROM %2$s",
                qc, qt);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail_sqlite(s, "cannot profile a column without a declared type");
        int64_t ints = sqlite3_column_int64(st, 0), reals = sqlite3_column_int64(st, 1);
        int64_t texts = sqlite3_column_int64(st, 2), blobs = sqlite3_column_int64(st, 3);
        *ret = (struct col_spec) { .length = -1, .precision = -1, .scale = -1 };
        if (blobs && (ints || reals || texts))
                return db_fail(&s->base, -EINVAL, "%s: column %s.%s has no declared type and holds both blobs and other values: "
                               "no PostgreSQL type holds them all; give the column a type",
                               s->path, table, column);
        if (texts && (ints || reals))
                return db_fail(&s->base, -EINVAL, "%s: column %s.%s has no declared type and holds both text and numbers: "
                               "give the column a type so the target's is not a guess",
                               s->path, table, column);
        ret->type = blobs ? COL_BYTEA : reals ? COL_DOUBLE : ints ? COL_BIGINT : COL_TEXT;
        return 0;
}

static int read_columns(struct sqlite_db *s, struct table *t, char ***notes) {
        _cleanup_free_ char *qt = sql_quote_identifier(t->name);
        _cleanup_free_ char *sql = strdup_printf("PRAGMA table_xinfo(%s)", qt);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        size_t n_pk = 0;
        int r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct column *v = reallocarray(t->columns, t->n_columns + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->columns = v;
                struct column *c = &t->columns[t->n_columns++];
                *c = (struct column) {
                        .name = column_text(st, 1),
                        .declared = column_text(st, 2),
                        .not_null = sqlite3_column_int(st, 3) != 0,
                        .default_sql = column_text(st, 4),
                        .pk_position = sqlite3_column_int(st, 5),
                };
                if (!c->name || !c->declared)
                        return -ENOMEM;
                if (c->pk_position > 0)
                        n_pk++;
                if (sqlite3_column_int(st, 6) >= 2)
                        strv_consume(notes, strdup_printf("generated column %s.%s is copied as a plain column holding its values",
                                                          t->name, c->name));
                r = typemap_from_sqlite(c->declared, &c->spec);
                if (r == -ENODATA)
                        r = type_from_data(s, t->name, c->name, &c->spec);
                if (r < 0)
                        return r;
        }
        if (r != SQLITE_DONE)
                return fail_sqlite(s, "cannot read the columns");
        /* INTEGER PRIMARY KEY is the rowid: the server relies on it generating ids. */
        for (size_t i = 0; n_pk == 1 && !t->without_rowid && i < t->n_columns; i++)
                if (t->columns[i].pk_position == 1 && strcasecmp(t->columns[i].declared, "INTEGER") == 0)
                        t->columns[i].identity = true;
        return 0;
}

static int read_index_keys(struct sqlite_db *s, struct index *x) {
        _cleanup_free_ char *qi = sql_quote_identifier(x->name);
        _cleanup_free_ char *sql = strdup_printf("PRAGMA index_xinfo(%s)", qi);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                if (sqlite3_column_int(st, 5) == 0)
                        continue; /* auxiliary columns stored in the index, not keys */
                char **keys = reallocarray(x->keys, x->n_keys + 1, sizeof(char *));
                bool *desc = keys ? reallocarray(x->desc, x->n_keys + 1, sizeof(bool)) : NULL;
                if (keys)
                        x->keys = keys;
                if (!keys || !desc)
                        return -ENOMEM;
                x->desc = desc;
                /* cid -2 is an expression: no column name. */
                x->keys[x->n_keys] = sqlite3_column_int(st, 1) == -2 ? NULL : column_text(st, 2);
                x->desc[x->n_keys] = sqlite3_column_int(st, 3) != 0;
                x->n_keys++;
        }
        return r == SQLITE_DONE ? 0 : fail_sqlite(s, "cannot read an index");
}

/* The pieces of a CREATE INDEX statement, read with SQLite's own tokenizer
 * rules so comments and strings are never taken for structure: the text of
 * each key (its ASC/DESC dropped) and of the WHERE clause.  The statement
 * must be exactly one CREATE INDEX: with writable_schema anything can be
 * stored after it.  -EINVAL with a static reason. */
static int index_parts(struct index *x, bool partial, const char **why) {
        _cleanup_(sql_tokens_done) struct sql_tokens tk = {};
        int r = sql_tokenize(x->sql, &tk, why);
        if (r < 0)
                return r;
        size_t i = 0, k = 0, depth = 0, key_start = 0;
        while (i < tk.n && !sql_token_is(&tk.v[i], "(") && !sql_token_is(&tk.v[i], ";"))
                i++;
        if (i == tk.n || !sql_token_is(&tk.v[i], "(")) {
                *why = "its stored SQL has no key list";
                return -EINVAL;
        }
        if (!(x->exprs = calloc(x->n_keys ? x->n_keys : 1, sizeof(char *))))
                return -ENOMEM;
        for (; i < tk.n; i++) {
                const struct sql_token *t = &tk.v[i];
                if (sql_token_is(t, "(")) {
                        if (depth++ == 0)
                                key_start = i + 1;
                        continue;
                }
                bool close = sql_token_is(t, ")");
                if (close)
                        depth--;
                if (!(close && depth == 0) && !(depth == 1 && sql_token_is(t, ",")))
                        continue;
                if (k >= x->n_keys) {
                        *why = "its stored SQL has more keys than SQLite reports";
                        return -EINVAL;
                }
                size_t key_end = i;
                if (key_end > key_start && (sql_token_is(&tk.v[key_end - 1], "ASC") || sql_token_is(&tk.v[key_end - 1], "DESC")))
                        key_end--;
                if (!x->keys[k] && !(x->exprs[k] = sql_tokens_text(&tk, key_start, key_end)))
                        return -ENOMEM;
                k++;
                key_start = i + 1;
                if (close) {
                        i++;
                        break;
                }
        }
        if (k != x->n_keys) {
                *why = "its stored SQL does not match the keys SQLite reports";
                return -EINVAL;
        }
        size_t where_end = i;
        if (i < tk.n && sql_token_is(&tk.v[i], "WHERE")) {
                for (where_end = ++i, depth = 0; where_end < tk.n; where_end++) {
                        if (sql_token_is(&tk.v[where_end], "("))
                                depth++;
                        else if (sql_token_is(&tk.v[where_end], ")") && depth > 0)
                                depth--;
                        else if (sql_token_is(&tk.v[where_end], ";") && depth == 0)
                                break;
                }
                if (partial && !(x->where = sql_tokens_text(&tk, i, where_end)))
                        return -ENOMEM;
        }
        if (partial && !x->where) {
                *why = "it is a partial index, but its stored SQL has no WHERE";
                return -EINVAL;
        }
        if (where_end < tk.n && sql_token_is(&tk.v[where_end], ";"))
                where_end++;
        if (where_end < tk.n) {
                *why = "its stored SQL holds more than one statement";
                return -EINVAL;
        }
        return 0;
}

static int read_indexes(struct sqlite_db *s, struct table *t, char ***not_carried) {
        _cleanup_free_ char *qt = sql_quote_identifier(t->name);
        _cleanup_free_ char *sql = strdup_printf(
                "SELECT il.name, il.\"unique\", il.origin, il.partial, m.sql FROM pragma_index_list(%s) AS il "
                "LEFT JOIN sqlite_schema AS m ON m.type = 'index' AND m.name = il.name ORDER BY il.name",
                qt);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                struct index *v = reallocarray(t->indexes, t->n_indexes + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->indexes = v;
                struct index *x = &t->indexes[t->n_indexes++];
                const char *origin = (const char *) sqlite3_column_text(st, 2);
                *x = (struct index) {
                        .name = column_text(st, 0),
                        .unique = sqlite3_column_int(st, 1) != 0,
                        .primary = origin && strcmp(origin, "pk") == 0,
                        .constraint = origin && strcmp(origin, "u") == 0,
                        .sql = column_text(st, 4),
                };
                if (!x->name)
                        return -ENOMEM;
                r = read_index_keys(s, x);
                if (r < 0)
                        return r;
                const char *why = NULL;
                r = x->sql ? index_parts(x, sqlite3_column_int(st, 3) != 0, &why) : 0;
                if (r == -EINVAL) { /* never run, never guessed at: reported */
                        r = strv_consume(not_carried, strdup_printf("index %s on %s: %s", x->name, t->name, why));
                        index_done(x);
                        t->n_indexes--;
                }
                if (r < 0)
                        return r;
        }
        if (r != SQLITE_DONE)
                return fail_sqlite(s, "cannot list indexes");
        /* A rowid table's INTEGER PRIMARY KEY has no index entry: add the key. */
        bool has_pk = false;
        for (size_t i = 0; i < t->n_indexes; i++)
                has_pk |= t->indexes[i].primary;
        size_t n_pk = 0;
        for (size_t i = 0; i < t->n_columns; i++)
                n_pk += t->columns[i].pk_position > 0;
        if (!has_pk && n_pk > 0) {
                struct index *v = reallocarray(t->indexes, t->n_indexes + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->indexes = v;
                struct index *x = &t->indexes[t->n_indexes++];
                *x = (struct index) { .name = strdup_printf("%s_pkey", t->name), .unique = true, .primary = true };
                x->keys = calloc(n_pk, sizeof(char *));
                x->desc = calloc(n_pk, sizeof(bool));
                if (!x->name || !x->keys || !x->desc)
                        return -ENOMEM;
                x->n_keys = n_pk;
                for (size_t i = 0; i < t->n_columns; i++)
                        if (t->columns[i].pk_position > 0 && !(x->keys[t->columns[i].pk_position - 1] = strdup(t->columns[i].name)))
                                return -ENOMEM;
        }
        return 0;
}

/* The CHECK constraints of a CREATE TABLE statement, found with SQLite's
 * tokenizer rules: CHECK is a keyword, never a bare name, and what is in a
 * comment or a string is not structure.  Only the first statement counts:
 * SQLite reads nothing after it. */
static int read_checks(struct table *t, const char *sql) {
        _cleanup_(sql_tokens_done) struct sql_tokens tk = {};
        const char *why;
        if (!sql || sql_tokenize(sql, &tk, &why) < 0)
                return 0; /* SQLite read it: it can only be ours that does not */
        size_t depth = 0;
        for (size_t i = 0; i < tk.n; i++) {
                if (sql_token_is(&tk.v[i], "("))
                        depth++;
                else if (sql_token_is(&tk.v[i], ")") && depth > 0)
                        depth--;
                else if (sql_token_is(&tk.v[i], ";") && depth == 0)
                        break;
                if (!sql_token_is(&tk.v[i], "CHECK") || i + 1 == tk.n || !sql_token_is(&tk.v[i + 1], "("))
                        continue;
                size_t start = i + 2, end = start;
                for (size_t d = 1; end < tk.n; end++) {
                        if (sql_token_is(&tk.v[end], "("))
                                d++;
                        else if (sql_token_is(&tk.v[end], ")") && --d == 0)
                                break;
                }
                struct check *v = reallocarray(t->checks, t->n_checks + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->checks = v;
                struct check *c = &t->checks[t->n_checks++];
                *c = (struct check) { .expr = sql_tokens_text(&tk, start, end) };
                if (i >= 2 && sql_token_is(&tk.v[i - 2], "CONSTRAINT"))
                        c->name = sql_token_value(&tk.v[i - 1]);
                if (!c->expr || (i >= 2 && sql_token_is(&tk.v[i - 2], "CONSTRAINT") && !c->name))
                        return -ENOMEM;
        }
        return 0;
}

static int read_foreign_keys(struct sqlite_db *s, struct table *t) {
        _cleanup_free_ char *qt = sql_quote_identifier(t->name);
        _cleanup_free_ char *sql = strdup_printf(
                "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(%s) ORDER BY id, seq", qt);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int r = prepare(s, sql, &st), last_id = -1;
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                int id = sqlite3_column_int(st, 0);
                if (id != last_id) {
                        struct foreign_key *v = reallocarray(t->fks, t->n_fks + 1, sizeof(*v));
                        if (!v)
                                return -ENOMEM;
                        t->fks = v;
                        t->fks[t->n_fks++] = (struct foreign_key) {
                                .ref_table = column_text(st, 1),
                                .on_update = column_text(st, 4),
                                .on_delete = column_text(st, 5),
                        };
                        last_id = id;
                }
                struct foreign_key *fk = &t->fks[t->n_fks - 1];
                char **from = reallocarray(fk->from, fk->n + 1, sizeof(char *));
                char **to = from ? reallocarray(fk->to, fk->n + 1, sizeof(char *)) : NULL;
                if (from)
                        fk->from = from;
                if (!from || !to)
                        return -ENOMEM;
                fk->to = to;
                fk->from[fk->n] = column_text(st, 2);
                fk->to[fk->n] = column_text(st, 3); /* NULL: the parent's primary key */
                fk->n++;
        }
        if (r != SQLITE_DONE)
                return fail_sqlite(s, "cannot list foreign keys");
        return 0;
}

/* A foreign key that names no parent columns refers to the parent's key. */
static int resolve_foreign_keys(struct sqlite_db *s, struct catalog *c) {
        for (size_t i = 0; i < c->n_tables; i++)
                for (size_t k = 0; k < c->tables[i].n_fks; k++) {
                        struct foreign_key *fk = &c->tables[i].fks[k];
                        const struct table *parent = catalog_find_table(c, fk->ref_table);
                        for (size_t j = 0; j < fk->n; j++) {
                                if (fk->to[j])
                                        continue;
                                const struct column *key[64];
                                if (!parent || table_primary_key(parent, key, 64) != fk->n)
                                        return db_fail(&s->base, -EINVAL,
                                                       "%s: a foreign key of table %s refers to %s, which has no matching primary key",
                                                       s->path, c->tables[i].name, fk->ref_table);
                                if (!(fk->to[j] = strdup(key[j]->name)))
                                        return -ENOMEM;
                        }
                }
        return 0;
}

static int read_sequences(struct sqlite_db *s, struct catalog *c) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->handle, "SELECT name, seq FROM sqlite_sequence", -1, &st, NULL) != SQLITE_OK)
                return 0; /* no AUTOINCREMENT table at all */
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW)
                for (size_t i = 0; i < c->n_tables; i++)
                        if (strcmp(c->tables[i].name, (const char *) sqlite3_column_text(st, 0)) == 0)
                                c->tables[i].sequence = sqlite3_column_int64(st, 1);
        return r == SQLITE_DONE ? 0 : fail_sqlite(s, "cannot read sqlite_sequence");
}

static int sqlite_read_catalog(struct db *db, struct catalog **ret) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        _cleanup_(catalog_freep) struct catalog *c = calloc(1, sizeof(*c));
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        _cleanup_(strv_freep) char **virtual_tables = NULL;
        int r;

        if (!c)
                return -ENOMEM;
        r = prepare(s, "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'view', 'trigger') ORDER BY name", &st);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *type = (const char *) sqlite3_column_text(st, 0);
                const char *name = (const char *) sqlite3_column_text(st, 1);
                const char *sql = (const char *) sqlite3_column_text(st, 2);
                /* SQLite's own bookkeeping (sqlite_sequence, sqlite_stat*) is not data. */
                if (strncmp(name, "sqlite_", 7) == 0)
                        continue;
                if (strcmp(type, "table") != 0) {
                        strv_consume(&c->not_carried, strdup_printf("%s %s", type, name));
                        continue;
                }
                if (sql && strncasecmp(sql, "CREATE VIRTUAL TABLE", 20) == 0) {
                        strv_consume(&c->not_carried, strdup_printf("virtual table %s", name));
                        strv_push(&virtual_tables, name);
                        continue;
                }
                struct table *v = reallocarray(c->tables, c->n_tables + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                c->tables = v;
                struct table *t = &c->tables[c->n_tables++];
                *t = (struct table) { .name = strdup(name), .sequence = -1 };
                if (!t->name)
                        return -ENOMEM;
                t->without_rowid = sql && strcasestr(sql, "WITHOUT ROWID") != NULL;
                r = read_checks(t, sql);
                if (r < 0)
                        return r;
        }
        if (r != SQLITE_DONE)
                return fail_sqlite(s, "cannot list the tables");

        /* A virtual table's shadow tables (fts_content, ...) belong to it. */
        for (size_t i = 0; virtual_tables && i < c->n_tables;) {
                bool shadow = false;
                for (size_t k = 0; virtual_tables[k]; k++) {
                        size_t n = strlen(virtual_tables[k]);
                        shadow |= strncmp(c->tables[i].name, virtual_tables[k], n) == 0 && c->tables[i].name[n] == '_';
                }
                if (!shadow) {
                        i++;
                        continue;
                }
                table_done(&c->tables[i]);
                memmove(&c->tables[i], &c->tables[i + 1], (c->n_tables - i - 1) * sizeof(struct table));
                c->n_tables--;
        }
        for (size_t i = 0; i < c->n_tables; i++) {
                r = read_columns(s, &c->tables[i], &c->notes);
                if (r >= 0)
                        r = read_indexes(s, &c->tables[i], &c->not_carried);
                if (r >= 0)
                        r = read_foreign_keys(s, &c->tables[i]);
                if (r < 0)
                        return r;
        }
        r = resolve_foreign_keys(s, c);
        if (r >= 0)
                r = read_sequences(s, c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static int sqlite_count_rows(struct db *db, const struct table *t, int64_t *ret) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        _cleanup_free_ char *qt = sql_quote_identifier(t->name);
        _cleanup_free_ char *sql = strdup_printf("SELECT count(*) FROM %s", qt);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int r = prepare(s, sql, &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail_sqlite(s, "cannot count rows");
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

struct sqlite_scan {
        struct row_source base;
        struct sqlite_db *db;
        sqlite3_stmt *stmt;
        struct value *row;
        size_t n;
};

static int sqlite_scan_next(struct row_source *src, const struct value **ret) {
        struct sqlite_scan *s = (struct sqlite_scan *) src;
        int r = sqlite3_step(s->stmt);
        if (r == SQLITE_DONE)
                return 0;
        if (r != SQLITE_ROW)
                return fail_sqlite(s->db, "cannot read rows");
        for (size_t i = 0; i < s->n; i++) {
                struct value *v = &s->row[i];
                int col = (int) i;
                switch (sqlite3_column_type(s->stmt, col)) {
                case SQLITE_INTEGER:
                        *v = (struct value) { .kind = VALUE_INT, .i = sqlite3_column_int64(s->stmt, col) };
                        break;
                case SQLITE_FLOAT:
                        *v = (struct value) { .kind = VALUE_REAL, .d = sqlite3_column_double(s->stmt, col) };
                        break;
                case SQLITE_TEXT:
                        *v = (struct value) { .kind = VALUE_TEXT, .s = (const char *) sqlite3_column_text(s->stmt, col) };
                        v->n = (size_t) sqlite3_column_bytes(s->stmt, col);
                        break;
                case SQLITE_BLOB:
                        *v = (struct value) { .kind = VALUE_BLOB, .s = sqlite3_column_blob(s->stmt, col) };
                        v->n = (size_t) sqlite3_column_bytes(s->stmt, col);
                        if (!v->s)
                                v->s = ""; /* a zero-length blob is still a blob, not NULL */
                        break;
                default:
                        *v = (struct value) { .kind = VALUE_NULL };
                        break;
                }
        }
        *ret = s->row;
        return 1;
}

static void sqlite_scan_close(struct row_source *src) {
        struct sqlite_scan *s = (struct sqlite_scan *) src;
        sqlite3_finalize(s->stmt);
        free(s->row);
        free(s);
}

static int sqlite_scan(struct db *db, const struct scan_request *req, struct row_source **ret) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char *qt = sql_quote_identifier(req->table->name);
        int r = strbuf_puts(&sql, "SELECT ");
        for (size_t i = 0; r >= 0 && i < req->n_columns; i++) {
                _cleanup_free_ char *q = sql_quote_identifier(req->columns[i]);
                r = strbuf_printf(&sql, "%s%s", i ? ", " : "", q);
        }
        if (r >= 0)
                r = strbuf_printf(&sql, " FROM %s", qt);
        for (size_t i = 0; r >= 0 && req->order_by && req->order_by[i]; i++) {
                _cleanup_free_ char *q = sql_quote_identifier(req->order_by[i]);
                /* Byte order, whatever collation the column declares: PostgreSQL sorts with COLLATE "C". */
                r = strbuf_printf(&sql, "%s%s COLLATE BINARY", i ? ", " : " ORDER BY ", q);
        }
        if (r < 0)
                return r;
        struct sqlite_scan *scan = calloc(1, sizeof(*scan));
        if (!scan)
                return -ENOMEM;
        *scan = (struct sqlite_scan) {
                .base = { .next = sqlite_scan_next, .close = sqlite_scan_close },
                .db = s,
                .n = req->n_columns,
                .row = calloc(req->n_columns ? req->n_columns : 1, sizeof(struct value)),
        };
        if (!scan->row || sqlite3_prepare_v2(s->handle, sql.data, -1, &scan->stmt, NULL) != SQLITE_OK) {
                r = scan->row ? fail_sqlite(s, "cannot read a table") : -ENOMEM;
                sqlite_scan_close(&scan->base);
                return r;
        }
        *ret = &scan->base;
        return 0;
}

static void sqlite_close(struct db *db) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        if (s->handle) {
                sqlite3_exec(s->handle, "ROLLBACK", NULL, NULL, NULL);
                sqlite3_close_v2(s->handle);
        }
        free(s->path);
        free(s->base.label);
        free(s->base.error);
        free(s);
}

static const struct db_ops sqlite_source_ops = {
        .read_catalog = sqlite_read_catalog,
        .count_rows = sqlite_count_rows,
        .scan = sqlite_scan,
        .close = sqlite_close,
};

int sqlite_db_open_source(const struct db_endpoint *ep, struct db **ret, char **ret_error) {
        struct sqlite_db *s = calloc(1, sizeof(*s));
        struct stat st;
        *ret_error = NULL;
        if (!s)
                return -ENOMEM;
        s->base.ops = &sqlite_source_ops;
        s->path = strdup(ep->sqlite_path);
        s->base.label = strdup_printf("SQLite %s database %s", db_role_label(ep->role), ep->sqlite_path);
        if (!s->path || !s->base.label) {
                sqlite_close(&s->base);
                return -ENOMEM;
        }
        if (stat(ep->sqlite_path, &st) < 0) {
                int e = errno;
                *ret_error = strdup_printf("%s: %s%s", ep->sqlite_path, strerror(e),
                                           e == ENOENT ? " (check SQLite.Dir in the configuration)" : "");
                sqlite_close(&s->base);
                return -e;
        }
        /* Read-only, and inside one transaction: one snapshot for copy and verify. */
        if (sqlite3_open_v2(ep->sqlite_path, &s->handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
            sqlite3_exec(s->handle, "PRAGMA query_only = 1; BEGIN; SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL) !=
                    SQLITE_OK) {
                *ret_error = strdup_printf("%s: cannot open the SQLite database: %s", ep->sqlite_path,
                                           s->handle ? sqlite3_errmsg(s->handle) : "out of memory");
                sqlite_close(&s->base);
                return -EIO;
        }
        *ret = &s->base;
        return 0;
}
