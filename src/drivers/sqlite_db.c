#include "migrate/sqlite_db.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/cleanup.h"
#include "migrate/sql_quote.h"
#include "migrate/sql_token.h"
#include "migrate/sqlite_integrity.h"
#include "migrate/sqlite_source.h"
#include "migrate/sqlite_types.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

struct sqlite_db {
        struct db base;
        sqlite3 *handle;
        char *path;
        dev_t dev; /* the file handle reads */
        ino_t ino;
        struct sqlite_integrity *integrity; /* the check running beside the run, or NULL */
        size_t integrity_max;
};

DEFINE_POINTER_CLEANUP(sqlite3_stmt, sqlite3_finalize)

static int fail_sqlite(struct sqlite_db *s, const char *what) {
        return db_fail(&s->base, -EIO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->handle));
}

/* A table's rows could not be read: the file and table named, and the way
 * to find out whether the file or something holding it is at fault. */
static int fail_sqlite_table(struct sqlite_db *s, const char *table, const char *what) {
        return db_fail(&s->base, -EIO,
                       "%s: table %s: %s: %s. Stop the programs using the file (Package Manager), check it with: "
                       "sqlite3 %s 'PRAGMA integrity_check', correct what SQLite reports, then run the migration again",
                       s->path, table, what, sqlite3_errmsg(s->handle), s->path);
}

static int prepare_for_table(struct sqlite_db *s, const char *table, const char *sql, const char *what,
                             sqlite3_stmt **ret) {
        if (sqlite3_prepare_v2(s->handle, sql, -1, ret, NULL) != SQLITE_OK)
                return fail_sqlite_table(s, table, what);
        return 0;
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

/* An empty declared type holds anything: decide from the values stored.
 * One kind of value gets its own type.  Text and numbers together (a
 * key-value table's value column) get text, each number as its decimal
 * text, as a STRICT table's ANY column does: said in a note.  Blobs with
 * other values fit no one type: the column gets the type of the more
 * numerous side, and the copy refuses the others one by one (exit 65).
 * Reals with integers a double cannot hold exactly get numeric. */
static int type_from_data(struct sqlite_db *s, const char *table, const char *column, const char *declared,
                          struct col_spec *ret, char ***notes) {
        _cleanup_free_ char *qt = sql_quote_identifier(table), *qc = sql_quote_identifier(column);
        _cleanup_free_ char *sql = strdup_printf(
                "SELECT count(CASE WHEN typeof(%1$s)='integer' THEN 1 END), count(CASE WHEN typeof(%1$s)='real' THEN 1 END),"
                " count(CASE WHEN typeof(%1$s)='text' THEN 1 END), count(CASE WHEN typeof(%1$s)='blob' THEN 1 END),"
                " count(CASE WHEN typeof(%1$s)='integer' AND %1$s <> CAST(%1$s AS REAL) THEN 1 END) FROM %2$s",
                qc, qt);
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        _cleanup_free_ char *what = strdup_printf("cannot read the values of column %s, which %s", column,
                                                  declared);
        if (!qt || !qc || !sql || !what)
                return -ENOMEM;
        int r = prepare_for_table(s, table, sql, what, &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail_sqlite_table(s, table, what);
        int64_t ints = sqlite3_column_int64(st, 0), reals = sqlite3_column_int64(st, 1);
        int64_t texts = sqlite3_column_int64(st, 2), blobs = sqlite3_column_int64(st, 3);
        int64_t inexact = sqlite3_column_int64(st, 4); /* integers no double holds exactly (beyond 2^53) */
        int64_t others = ints + reals + texts;
        *ret = (struct col_spec) { .length = -1, .precision = -1, .scale = -1 };
        if (blobs && others) {
                bool bytes = blobs > others;
                ret->type = bytes ? COL_BYTES : texts ? COL_TEXT : reals ? COL_FLOAT64 : COL_INT64;
                return strv_consume(notes, strdup_printf("column %s.%s %s and holds blobs (%" PRId64
                                                         ") and other values (%" PRId64 "), which no one PostgreSQL type "
                                                         "holds: it is created as %s, and each %s is refused by row",
                                                         table, column, declared, blobs, others,
                                                         bytes ? "bytea" : texts ? "text" : reals ? "double precision" : "bigint",
                                                         bytes ? "value that is not a blob" : "blob"));
        }
        if (texts && (ints || reals)) {
                ret->type = COL_TEXT;
                return strv_consume(notes, strdup_printf("column %s.%s %s and holds text (%" PRId64
                                                         ") and numbers (%" PRId64 "): it is created as text, each "
                                                         "number as its decimal text",
                                                         table, column, declared, texts, ints + reals));
        }
        if (reals && inexact) {
                /* double precision would refuse those integers: numeric holds
                 * them and every real (as the decimal it prints as) exactly. */
                ret->type = COL_DECIMAL;
                return strv_consume(notes, strdup_printf("column %s.%s %s and holds reals (%" PRId64
                                                         ") and integers that a double cannot hold exactly (%" PRId64
                                                         "): it is created as numeric, each real as the decimal it "
                                                         "prints as",
                                                         table, column, declared, reals, inexact));
        }
        ret->type = blobs ? COL_BYTES : reals ? COL_FLOAT64 : ints ? COL_INT64 : COL_TEXT;
        return 0;
}

/* Whether a table is STRICT (SQLite 3.37); an older library has no STRICT
 * tables, nor pragma_table_list. */
static bool table_is_strict(struct sqlite_db *s, const char *table) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->handle, "SELECT strict FROM pragma_table_list(?1) WHERE schema = 'main'", -1, &st,
                               NULL) != SQLITE_OK ||
            sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) != SQLITE_OK)
                return false;
        return sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
}

/* Whether SQLite keeps a separate index for the table's primary key (it
 * does for every key that is not the rowid). */
static int has_pk_index(struct sqlite_db *s, const char *table, bool *ret) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int r = prepare(s, "SELECT 1 FROM pragma_index_list(?1) WHERE origin = 'pk'", &st);
        if (r < 0)
                return r;
        if (sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) != SQLITE_OK)
                return fail_sqlite(s, "cannot read the schema");
        r = sqlite3_step(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return fail_sqlite(s, "cannot read the schema");
        *ret = r == SQLITE_ROW;
        return 0;
}

/* A rowid table's primary key column not declared NOT NULL may hold NULL
 * (a bug SQLite keeps for compatibility), and NULL keys repeat; the key's
 * index finds them at once. */
static int key_holds_null(struct sqlite_db *s, struct table *t) {
        _cleanup_strbuf_ struct strbuf sql = {};
        const char *sep = " WHERE ";
        int r = strbuf_printf(&sql, "SELECT 1 FROM ");
        if (r >= 0)
                r = sql_append_identifier(&sql, t->name);
        for (size_t i = 0; r >= 0 && !t->without_rowid && i < t->n_columns; i++) {
                const struct column *c = &t->columns[i];
                if (c->pk_position == 0 || c->not_null || c->identity)
                        continue;
                r = strbuf_printf(&sql, "%s", sep);
                if (r >= 0)
                        r = sql_append_identifier(&sql, c->name);
                if (r >= 0)
                        r = strbuf_printf(&sql, " IS NULL");
                sep = " OR ";
        }
        if (r < 0)
                return r;
        if (strcmp(sep, " OR ") != 0)
                return 0; /* no key column may hold NULL */
        if ((r = strbuf_printf(&sql, " LIMIT 1")) < 0)
                return r;
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        if ((r = prepare_for_table(s, t->name, sql.data, "cannot read its primary key", &st)) < 0)
                return r;
        r = sqlite3_step(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return fail_sqlite_table(s, t->name, "cannot read its primary key");
        t->key_holds_null = r == SQLITE_ROW;
        return 0;
}

static int read_columns(struct sqlite_db *s, struct table *t, char ***notes) {
        bool strict = table_is_strict(s, t->name);
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
                /* Said once the target is known (migration.c): a target the application
                 * made may compute it too. */
                c->generated = sqlite3_column_int(st, 6) >= 2;
                /* A column's own collation changes what = and ORDER BY mean
                 * on it; PostgreSQL's text compares exactly.  Keys are
                 * carried on lower() (see pg_db.c); the rest is said. */
                const char *coll = NULL;
                if (sqlite3_table_column_metadata(s->handle, "main", t->name, c->name, NULL, &coll, NULL, NULL, NULL) ==
                            SQLITE_OK &&
                    coll && strcasecmp(coll, "BINARY") != 0 &&
                    (r = strv_consume(notes, strdup_printf("column %s.%s is declared COLLATE %s: SQLite's =, ORDER BY and "
                                                           "indexes on it %s, PostgreSQL's compare its text exactly; the "
                                                           "values are copied as they are, and queries that relied on "
                                                           "%s must now say so (e.g. lower(%s) = lower(...))",
                                                           t->name, c->name, coll,
                                                           strcasecmp(coll, "NOCASE") == 0 ? "ignore ASCII case"
                                                           : strcasecmp(coll, "RTRIM") == 0 ? "ignore trailing spaces"
                                                                                            : "use that collation",
                                                           coll, c->name))) < 0)
                        return r;
                /* A STRICT table's ANY column stores every value as it is
                 * given, like a column with no declared type (elsewhere ANY
                 * is a type name with numeric affinity). */
                if (strict && strcasecmp(c->declared, "ANY") == 0)
                        r = type_from_data(s, t->name, c->name, "is declared ANY in a STRICT table", &c->spec, notes);
                else {
                        r = sqlite_types_from_declared(c->declared, &c->spec, &c->type_guessed);
                        if (r == -ENODATA)
                                r = type_from_data(s, t->name, c->name, "has no declared type", &c->spec, notes);
                }
                if (r < 0)
                        return r;
        }
        if (r != SQLITE_DONE)
                return fail_sqlite(s, "cannot read the columns");
        /* INTEGER PRIMARY KEY is the rowid: the server relies on it generating ids.
         * Not when SQLite keeps an index for it ("INTEGER PRIMARY KEY DESC", a
         * quirk kept for compatibility): then it is a plain column that may
         * hold NULL or text. */
        bool pk_index = false;
        if (n_pk == 1 && !t->without_rowid && (r = has_pk_index(s, t->name, &pk_index)) < 0)
                return r;
        for (size_t i = 0; n_pk == 1 && !t->without_rowid && !pk_index && i < t->n_columns; i++)
                if (t->columns[i].pk_position == 1 && strcasecmp(t->columns[i].declared, "INTEGER") == 0)
                        t->columns[i].identity = true;
        return key_holds_null(s, t);
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
                bool *nocase = reallocarray(x->nocase, x->n_keys + 1, sizeof(bool));
                if (!nocase)
                        return -ENOMEM;
                x->nocase = nocase;
                const char *coll = (const char *) sqlite3_column_text(st, 4);
                x->nocase[x->n_keys] = coll && strcasecmp(coll, "NOCASE") == 0;
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

/* Whether the foreign key from these columns to ref_table is declared
 * DEFERRABLE INITIALLY DEFERRED: PRAGMA foreign_key_list does not say, so
 * the CREATE TABLE text is read with SQLite's tokenizer rules.  Each
 * definition between commas of the column list is either a column (its
 * name first, maybe a REFERENCES clause) or a table constraint (FOREIGN KEY
 * (cols) REFERENCES ...).  Only DEFERRABLE INITIALLY DEFERRED defers in
 * SQLite; every other form is immediate, as PostgreSQL's default. */
/* One definition, tokens [a, b): 1 when it declares fk deferred, 0 when it
 * declares fk immediate, -1 when it is not fk's.  When it is, *ret_name is
 * the CONSTRAINT name written before FOREIGN KEY (a table constraint) or
 * before REFERENCES (a column's), or NULL. */
static int definition_deferred(const struct sql_tokens *tk, size_t a, size_t b, const struct foreign_key *fk,
                               char **ret_name) {
        size_t refs = b, d = 0;
        for (size_t k = a; k < b && refs == b; k++) {
                if (sql_token_is(&tk->v[k], "("))
                        d++;
                else if (sql_token_is(&tk->v[k], ")"))
                        d--;
                else if (d == 0 && sql_token_is(&tk->v[k], "REFERENCES"))
                        refs = k;
        }
        if (refs + 1 >= b)
                return -1;
        _cleanup_free_ char *ref = sql_token_value(&tk->v[refs + 1]);
        if (!ref || strcasecmp(ref, fk->ref_table) != 0)
                return -1;
        size_t n_from = 0;
        bool match = true;
        size_t fkw = a;
        while (fkw < refs && !sql_token_is(&tk->v[fkw], "FOREIGN"))
                fkw++;
        if (fkw < refs) { /* FOREIGN KEY ( a , b ) */
                for (size_t k = fkw + 3; k < refs && !sql_token_is(&tk->v[k], ")"); k++) {
                        if (sql_token_is(&tk->v[k], ","))
                                continue;
                        _cleanup_free_ char *col = sql_token_value(&tk->v[k]);
                        match = match && col && n_from < fk->n && strcasecmp(col, fk->from[n_from]) == 0;
                        n_from++;
                }
        } else { /* a column definition: its name first */
                _cleanup_free_ char *col = sql_token_value(&tk->v[a]);
                match = col && strcasecmp(col, fk->from[0]) == 0;
                n_from = 1;
        }
        if (!match || n_from != fk->n)
                return -1;
        size_t named = fkw < refs ? fkw : refs; /* CONSTRAINT name FOREIGN KEY ... / col ... CONSTRAINT name REFERENCES */
        *ret_name = named >= a + 2 && sql_token_is(&tk->v[named - 2], "CONSTRAINT") ? sql_token_value(&tk->v[named - 1])
                                                                                   : NULL;
        for (size_t k = refs + 2; k + 2 < b; k++)
                if (sql_token_is(&tk->v[k], "DEFERRABLE") && !sql_token_is(&tk->v[k - 1], "NOT") &&
                    sql_token_is(&tk->v[k + 1], "INITIALLY") && sql_token_is(&tk->v[k + 2], "DEFERRED"))
                        return 1;
        return 0;
}

/* Whether a foreign key is declared DEFERRABLE INITIALLY DEFERRED:
 * PRAGMA foreign_key_list does not say, so the CREATE TABLE text is read
 * with SQLite's tokenizer rules, definition by definition (split at the
 * commas of the outer parentheses).  Only DEFERRABLE INITIALLY DEFERRED
 * defers in SQLite; every other form is immediate, PostgreSQL's default. */
static bool foreign_key_deferred(const struct sql_tokens *tk, struct foreign_key *fk) {
        size_t depth = 0, def_start = 0;
        for (size_t i = 0; i < tk->n; i++) {
                const struct sql_token *t = &tk->v[i];
                bool ends = false;
                if (sql_token_is(t, "(")) {
                        if (++depth == 1)
                                def_start = i + 1;
                } else if (sql_token_is(t, ")") && depth > 0)
                        ends = --depth == 0;
                else if (sql_token_is(t, ",") && depth == 1)
                        ends = true;
                if (!ends)
                        continue;
                int r = definition_deferred(tk, def_start, i, fk, &fk->name);
                if (r >= 0)
                        return r == 1;
                def_start = i + 1;
                if (depth == 0)
                        break; /* the end of the column list */
        }
        return false;
}

/* Whether index x (a primary key or UNIQUE constraint) has exactly the
 * columns of tokens [a, b), "col [COLLATE c] [ASC|DESC], ..." split at
 * commas. */
static bool key_columns_match(const struct sql_tokens *tk, size_t a, size_t b, const struct index *x) {
        size_t n = 0;
        bool item_start = true;
        for (size_t k = a; k < b; k++) {
                if (sql_token_is(&tk->v[k], ",")) {
                        item_start = true;
                        continue;
                }
                if (!item_start)
                        continue;
                item_start = false;
                _cleanup_free_ char *col = sql_token_value(&tk->v[k]);
                if (!col || n >= x->n_keys || !x->keys[n] || strcasecmp(col, x->keys[n]) != 0)
                        return false;
                n++;
        }
        return n == x->n_keys;
}

/* The CONSTRAINT names of the primary key and UNIQUE constraints, read from
 * the CREATE TABLE text definition by definition: "CONSTRAINT n PRIMARY KEY
 * (cols)" / "CONSTRAINT n UNIQUE (cols)" as table constraints, "col type
 * CONSTRAINT n PRIMARY KEY" / "... UNIQUE" on a column.  ORMs name them
 * (alembic_version_pkc, TypeORM's UQ_...) and find them again by name. */
static int read_key_names(const struct sql_tokens *tk, struct table *t) {
        size_t depth = 0, def_start = 0;
        for (size_t i = 0; i < tk->n; i++) {
                bool ends = false;
                if (sql_token_is(&tk->v[i], "(")) {
                        if (++depth == 1)
                                def_start = i + 1;
                } else if (sql_token_is(&tk->v[i], ")") && depth > 0)
                        ends = --depth == 0;
                else if (sql_token_is(&tk->v[i], ",") && depth == 1)
                        ends = true;
                if (!ends)
                        continue;
                size_t a = def_start, b = i, d = 0;
                def_start = i + 1;
                bool table_constraint = a < b && (sql_token_is(&tk->v[a], "CONSTRAINT") || sql_token_is(&tk->v[a], "PRIMARY") ||
                                                  sql_token_is(&tk->v[a], "UNIQUE"));
                for (size_t k = a; k + 2 < b; k++) {
                        if (sql_token_is(&tk->v[k], "("))
                                d++;
                        else if (sql_token_is(&tk->v[k], ")"))
                                d--;
                        if (d != 0 || !sql_token_is(&tk->v[k], "CONSTRAINT"))
                                continue;
                        bool primary = sql_token_is(&tk->v[k + 2], "PRIMARY");
                        if (!primary && !sql_token_is(&tk->v[k + 2], "UNIQUE"))
                                continue;
                        size_t from = a, to = a + 1; /* a column: its name */
                        if (table_constraint) {
                                size_t open = k + 3;
                                while (open < b && !sql_token_is(&tk->v[open], "("))
                                        open++;
                                from = open + 1;
                                for (to = from; to < b && !sql_token_is(&tk->v[to], ")"); to++)
                                        ;
                        }
                        for (size_t x = 0; x < t->n_indexes; x++) {
                                struct index *ix = &t->indexes[x];
                                if (ix->constraint_name || !(primary ? ix->primary : ix->constraint) ||
                                    !key_columns_match(tk, from, to, ix))
                                        continue;
                                if (!(ix->constraint_name = sql_token_value(&tk->v[k + 1])))
                                        return -ENOMEM;
                                break;
                        }
                }
                if (depth == 0)
                        break; /* the end of the column list */
        }
        return 0;
}

/* Names PostgreSQL must find unique among a table's constraints: a name the
 * source gave twice (SQLite does not mind) is left to PostgreSQL to choose
 * for all but the first. */
static int drop_repeated_constraint_names(struct table *t) {
        size_t n_all = t->n_checks + t->n_indexes + t->n_fks, n = 0;
        _cleanup_free_ char ***names = calloc(n_all + 1, sizeof(char **));
        if (!names)
                return -ENOMEM;
        for (size_t k = 0; k < t->n_checks; k++)
                names[n++] = &t->checks[k].name;
        for (size_t k = 0; k < t->n_indexes; k++)
                names[n++] = &t->indexes[k].constraint_name;
        for (size_t k = 0; k < t->n_fks; k++)
                names[n++] = &t->fks[k].name;
        for (size_t k = t->n_checks; k < n; k++) /* a CHECK keeps its name, as before */
                for (size_t j = 0; *names[k] && j < k; j++)
                        if (*names[j] && strcmp(*names[j], *names[k]) == 0) {
                                free(*names[k]);
                                *names[k] = NULL;
                        }
        return 0;
}

/* What PRAGMA foreign_key_list and index_list do not say, from the CREATE
 * TABLE text: which foreign keys are deferred, and the constraint names. */
static int read_declared_constraints(struct sqlite_db *s, struct table *t) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int r = prepare(s, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1", &st);
        if (r < 0)
                return r;
        if (sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
                return fail_sqlite(s, "cannot read a table's definition");
        const char *sql = (const char *) sqlite3_column_text(st, 0), *why;
        _cleanup_(sql_tokens_done) struct sql_tokens tk = {};
        if (!sql || sql_tokenize(sql, &tk, &why) < 0)
                return 0; /* SQLite read it: it can only be ours that does not */
        for (size_t k = 0; k < t->n_fks; k++)
                t->fks[k].deferred = foreign_key_deferred(&tk, &t->fks[k]);
        r = read_key_names(&tk, t);
        return r < 0 ? r : drop_repeated_constraint_names(t);
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
        return read_declared_constraints(s, t);
}

/* SQLite resolves a foreign key's table and columns case-insensitively:
 * "REFERENCES users" finds "Users".  The target's names are quoted, so the
 * parent's own spelling is written.  A foreign key that names no parent
 * columns refers to the parent's primary key.  One SQLite cannot resolve
 * either (no such table, no matching key) is not carried, with or without
 * a column list: SQLite never enforced it. */
static int resolve_foreign_key(struct catalog *c, const struct table *t, struct foreign_key *fk, char **ret_why) {
        const struct table *parent = NULL;
        for (size_t i = 0; !parent && i < c->n_tables; i++)
                if (strcasecmp(c->tables[i].name, fk->ref_table) == 0)
                        parent = &c->tables[i];
        if (!parent)
                return (*ret_why = strdup_printf("foreign key of %s (%s) referencing %s: the database has no table %s",
                                                 t->name, fk->from[0], fk->ref_table, fk->ref_table))
                               ? -ENOENT
                               : -ENOMEM;
        char *name = strdup(parent->name);
        if (!name)
                return -ENOMEM;
        free(fk->ref_table);
        fk->ref_table = name;
        for (size_t j = 0; j < fk->n; j++)
                for (size_t i = 0; i < t->n_columns; i++)
                        if (strcasecmp(t->columns[i].name, fk->from[j]) == 0 && strcmp(t->columns[i].name, fk->from[j]) != 0) {
                                free(fk->from[j]);
                                if (!(fk->from[j] = strdup(t->columns[i].name)))
                                        return -ENOMEM;
                        }
        const struct column *key[64];
        size_t n_key = table_primary_key(parent, key, 64);
        for (size_t j = 0; j < fk->n; j++) {
                const struct column *col = NULL;
                if (!fk->to[j])
                        col = n_key == fk->n ? key[j] : NULL;
                for (size_t i = 0; fk->to[j] && !col && i < parent->n_columns; i++)
                        if (strcasecmp(parent->columns[i].name, fk->to[j]) == 0)
                                col = &parent->columns[i];
                if (!col)
                        return (*ret_why = strdup_printf("foreign key of %s (%s) referencing %s: %s has no %s", t->name,
                                                         fk->from[0], parent->name, parent->name,
                                                         fk->to[j] ? "such column" : "matching primary key"))
                                       ? -ENOENT
                                       : -ENOMEM;
                free(fk->to[j]);
                if (!(fk->to[j] = strdup(col->name)))
                        return -ENOMEM;
        }
        return 0;
}

static int resolve_foreign_keys(struct catalog *c) {
        for (size_t i = 0; i < c->n_tables; i++) {
                struct table *t = &c->tables[i];
                for (size_t k = 0; k < t->n_fks;) {
                        _cleanup_free_ char *why = NULL;
                        int r = resolve_foreign_key(c, t, &t->fks[k], &why);
                        if (r == -ENOENT) {
                                r = strv_consume(&c->not_carried, TAKE_PTR(why));
                                foreign_key_done(&t->fks[k]);
                                memmove(&t->fks[k], &t->fks[k + 1], (t->n_fks - k - 1) * sizeof(struct foreign_key));
                                t->n_fks--;
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        if (r < 0)
                                return r;
                        k++;
                }
        }
        return 0;
}

static int read_sequences(struct sqlite_db *s, struct catalog *c) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->handle, "SELECT name, seq FROM sqlite_sequence", -1, &st, NULL) != SQLITE_OK)
                return 0; /* no AUTOINCREMENT table at all */
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *name = (const char *) sqlite3_column_text(st, 0);
                /* Anyone may write sqlite_sequence: a row with no name belongs to no table. */
                for (size_t i = 0; name && i < c->n_tables; i++)
                        if (strcmp(c->tables[i].name, name) == 0)
                                c->tables[i].sequence = sqlite3_column_int64(st, 1);
        }
        return r == SQLITE_DONE ? 0 : fail_sqlite(s, "cannot read sqlite_sequence");
}

/* SQLite's own bookkeeping, not data: AUTOINCREMENT counters and ANALYZE's
 * statistics.  Any other "sqlite_" table (writable_schema makes them) is data. */
static bool is_internal_table(const char *name) {
        static const char *const internal[] = { "sqlite_sequence", "sqlite_stat1", "sqlite_stat2", "sqlite_stat3",
                                                "sqlite_stat4" };
        for (size_t i = 0; i < ELEMENTSOF(internal); i++)
                if (strcmp(name, internal[i]) == 0)
                        return true;
        return false;
}

/* Past a quoted name or string starting at p ('...', "...", `...`, [...]). */
static const char *skip_quoted(const char *p) {
        char close = *p == '[' ? ']' : *p;
        for (p++; *p; p++)
                if (*p == close) {
                        if (close != ']' && p[1] == close)
                                p++; /* a doubled quote stands for itself */
                        else
                                return p + 1;
                }
        return p;
}

static char *unquote(const char *s, size_t n) {
        if (n >= 2 && strchr("'\"`[", s[0]) && s[n - 1] == (s[0] == '[' ? ']' : s[0]))
                return strndup(s + 1, n - 2);
        return strndup(s, n);
}

/* From "CREATE VIRTUAL TABLE x USING module(args)": the module's name and
 * the value of a content= argument (FTS3/4/5: the table holding the rows the
 * index is built from; empty for a contentless index), NULL when absent. */
static int virtual_table_module(const char *sql, char **ret_module, char **ret_content) {
        const char *p = sql, *using = NULL;
        *ret_module = *ret_content = NULL;
        while (*p && !using) {
                if (strchr("'\"`[", *p))
                        p = skip_quoted(p);
                else if (strncasecmp(p, "USING", 5) == 0 && (p == sql || strchr(" \t\n\r", p[-1])) &&
                         (p[5] == 0 || strchr(" \t\n\r", p[5])))
                        using = p + 5;
                else
                        p++;
        }
        if (!using)
                return 0;
        p = using + strspn(using, " \t\n\r");
        size_t n = strcspn(p, " \t\n\r(");
        if (!(*ret_module = unquote(p, n)))
                return -ENOMEM;
        p += n;
        p += strspn(p, " \t\n\r");
        if (*p != '(')
                return 0;
        /* Top-level comma-separated arguments, each "content = value" or something else. */
        for (const char *arg = ++p; *p;) {
                if (strchr("'\"`[", *p)) {
                        p = skip_quoted(p);
                        continue;
                }
                if (*p == '(') {
                        int depth = 0;
                        for (; *p; p = strchr("'\"`[", *p) ? skip_quoted(p) : p + 1)
                                if ((depth += *p == '(' ? 1 : *p == ')' ? -1 : 0) == 0 && *p == ')')
                                        break;
                        if (*p)
                                p++;
                        continue;
                }
                if (*p != ',' && *p != ')') {
                        p++;
                        continue;
                }
                const char *a = arg + strspn(arg, " \t\n\r"), *end = p;
                if (strncasecmp(a, "content", 7) == 0) {
                        const char *eq = a + 7 + strspn(a + 7, " \t\n\r");
                        if (*eq == '=') {
                                eq++;
                                eq += strspn(eq, " \t\n\r");
                                while (end > eq && strchr(" \t\n\r", end[-1]))
                                        end--;
                                free(*ret_content);
                                if (!(*ret_content = unquote(eq, (size_t) (end - eq))))
                                        return -ENOMEM;
                        }
                }
                if (*p == ')')
                        break;
                arg = ++p;
        }
        return 0;
}

/* A virtual table is carried by the ordinary table its rows live in (an FTS
 * index with content=TABLE); one that holds its rows itself cannot be
 * carried, and its rows must not vanish without a word. */
static int virtual_table(struct catalog *c, const char *name, const char *sql, struct strbuf *refused, size_t *n_refused) {
        _cleanup_free_ char *module = NULL, *content = NULL;
        int r = virtual_table_module(sql ? sql : "", &module, &content);
        if (r < 0)
                return r;
        bool fts = module && (strcasecmp(module, "fts3") == 0 || strcasecmp(module, "fts4") == 0 ||
                              strcasecmp(module, "fts5") == 0);
        if (fts && content && *content)
                return strv_consume(&c->not_carried,
                                    strdup_printf("virtual table %s (%s full-text index of table %s: its rows are carried "
                                                  "with that table; the index is not)",
                                                  name, module, content));
        (*n_refused)++;
        return strbuf_printf(refused, "%s%s (module %s%s)", refused->len ? ", " : "", name, module ? module : "unknown",
                             fts && content ? ", contentless" : "");
}

static int sqlite_read_catalog(struct db *db, struct catalog **ret) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        _cleanup_(catalog_freep) struct catalog *c = calloc(1, sizeof(*c));
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        _cleanup_strbuf_ struct strbuf refused = {};
        size_t n_refused = 0;
        int r;

        if (!c)
                return -ENOMEM;
        /* table_list knows which tables a virtual table's module owns ("shadow"),
         * so a table is never taken for one because of its name. */
        r = prepare(s,
                    "SELECT m.type, m.name, m.sql, tl.type FROM sqlite_schema AS m "
                    "LEFT JOIN pragma_table_list AS tl ON tl.schema = 'main' AND tl.name = m.name "
                    "WHERE m.type IN ('table', 'view', 'trigger') ORDER BY m.name",
                    &st);
        if (r < 0)
                return r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *type = (const char *) sqlite3_column_text(st, 0);
                const char *name = (const char *) sqlite3_column_text(st, 1);
                const char *sql = (const char *) sqlite3_column_text(st, 2);
                const char *kind = (const char *) sqlite3_column_text(st, 3);
                if (!name)
                        return db_fail(&s->base, -EBADMSG, "%s: the schema has a %s without a name: the file is damaged; "
                                                           "restore it from a backup",
                                       s->path, type);
                if (strcmp(type, "table") != 0) {
                        r = strv_consume(&c->not_carried, strdup_printf("%s %s", type, name));
                } else if (is_internal_table(name))
                        continue;
                else if (kind && strcmp(kind, "shadow") == 0)
                        r = strv_consume(&c->not_carried, strdup_printf("shadow table %s (part of a virtual table's index)", name));
                else if ((kind && strcmp(kind, "virtual") == 0) || (sql && strncasecmp(sql, "CREATE VIRTUAL TABLE", 20) == 0))
                        r = virtual_table(c, name, sql, &refused, &n_refused);
                else {
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
                }
                if (r < 0)
                        return r;
        }
        if (r != SQLITE_DONE)
                return fail_sqlite(s, "cannot list the tables");
        if (n_refused > 0) {
                size_t n = n_refused;
                return db_fail(&s->base, -EMEDIUMTYPE,
                               "%s: virtual table%s %s hold%s rows of %s own that cannot be carried into PostgreSQL, so "
                               "nothing was migrated. In a copy of the database, move the rows into ordinary tables "
                               "(CREATE TABLE t_rows AS SELECT * FROM t; DROP TABLE t), or drop the virtual tables if "
                               "they are not needed, then migrate the copy",
                               s->path, n == 1 ? "" : "s", refused.data, n == 1 ? "s" : "", n == 1 ? "its" : "their");
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
        r = resolve_foreign_keys(c);
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
        if (!qt || !sql)
                return -ENOMEM;
        int r = prepare_for_table(s, t->name, sql, "cannot count the rows", &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail_sqlite_table(s, t->name, "cannot count the rows");
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

struct sqlite_scan {
        struct row_source base;
        struct sqlite_db *db;
        sqlite3_stmt *stmt;
        char *table; /* named in errors */
        struct value *row;
        size_t n;
};

/* The stored value as SQLite holds it.  One sqlite3_column_value() per
 * column, then the sqlite3_value_*() getters: each sqlite3_column_*() call
 * would look the column up again and take the connection's (absent) mutex.
 * The value is "unprotected", which only matters across threads: a
 * connection is used by one thread at a time. */
void sqlite_db_read_value(sqlite3_stmt *st, int col, struct value *v) {
        sqlite3_value *sv = sqlite3_column_value(st, col);
        switch (sqlite3_value_type(sv)) {
        case SQLITE_INTEGER:
                *v = (struct value) { .kind = VALUE_INT, .i = sqlite3_value_int64(sv) };
                break;
        case SQLITE_FLOAT:
                *v = (struct value) { .kind = VALUE_REAL, .d = sqlite3_value_double(sv) };
                break;
        case SQLITE_TEXT:
                /* Text first, then its length: the length of the UTF-8 form. */
                *v = (struct value) { .kind = VALUE_TEXT, .s = (const char *) sqlite3_value_text(sv) };
                v->n = (size_t) sqlite3_value_bytes(sv);
                break;
        case SQLITE_BLOB:
                *v = (struct value) { .kind = VALUE_BLOB, .s = sqlite3_value_blob(sv) };
                v->n = (size_t) sqlite3_value_bytes(sv);
                if (!v->s)
                        v->s = ""; /* a zero-length blob is still a blob, not NULL */
                break;
        default:
                *v = (struct value) { .kind = VALUE_NULL };
                break;
        }
}

static int sqlite_scan_next(struct row_source *src, const struct value **ret) {
        struct sqlite_scan *s = (struct sqlite_scan *) src;
        int r = sqlite3_step(s->stmt);
        if (r == SQLITE_DONE)
                return 0;
        if (r != SQLITE_ROW)
                return fail_sqlite_table(s->db, s->table, "cannot read the rows");
        for (size_t i = 0; i < s->n; i++)
                sqlite_db_read_value(s->stmt, (int) i, &s->row[i]);
        *ret = s->row;
        return 1;
}

static void sqlite_scan_close(struct row_source *src) {
        struct sqlite_scan *s = (struct sqlite_scan *) src;
        sqlite3_finalize(s->stmt);
        free(s->table);
        free(s->row);
        free(s);
}

int sqlite_db_scan_sql(const struct scan_request *req, struct strbuf *sql) {
        _cleanup_free_ char *qt = sql_quote_identifier(req->table->name);
        int r = strbuf_puts(sql, "SELECT ");
        if (r >= 0)
                r = sql_append_identifier_list(sql, req->columns, req->n_columns);
        if (r >= 0)
                r = strbuf_printf(sql, " FROM %s%s", qt, req->stored_order ? " NOT INDEXED" : "");
        /* NOT INDEXED: a rowid table's own b-tree, never a covering index
         * the planner might prefer one time and not the next.  (SQLite 3.40
         * may still scan a covering index of a WITHOUT ROWID table; the copy
         * and verification then read it alike, in one snapshot.) */
        for (size_t i = 0; r >= 0 && !req->stored_order && req->order_by && req->order_by[i]; i++) {
                _cleanup_free_ char *q = sql_quote_identifier(req->order_by[i]);
                /* Byte order, whatever collation the column declares: PostgreSQL sorts with COLLATE "C". */
                r = strbuf_printf(sql, "%s%s COLLATE BINARY", i ? ", " : " ORDER BY ", q);
        }
        return r;
}

static int sqlite_scan(struct db *db, const struct scan_request *req, struct row_source **ret) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        _cleanup_strbuf_ struct strbuf sql = {};
        int r = sqlite_db_scan_sql(req, &sql);
        if (r < 0)
                return r;
        struct sqlite_scan *scan = calloc(1, sizeof(*scan));
        if (!scan)
                return -ENOMEM;
        *scan = (struct sqlite_scan) {
                .base = { .next = sqlite_scan_next, .close = sqlite_scan_close },
                .db = s,
                .table = strdup(req->table->name),
                .n = req->n_columns,
                .row = calloc(req->n_columns ? req->n_columns : 1, sizeof(struct value)),
        };
        if (!scan->row || !scan->table || sqlite3_prepare_v2(s->handle, sql.data, -1, &scan->stmt, NULL) != SQLITE_OK) {
                r = scan->row && scan->table ? fail_sqlite_table(s, req->table->name, "cannot read the rows") : -ENOMEM;
                sqlite_scan_close(&scan->base);
                return r;
        }
        *ret = &scan->base;
        return 0;
}

static void sqlite_close(struct db *db) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        sqlite_integrity_free(s->integrity);
        if (s->handle) {
                sqlite3_exec(s->handle, "ROLLBACK", NULL, NULL, NULL);
                sqlite3_close_v2(s->handle);
        }
        free(s->path);
        free(s->base.label);
        free(s->base.error);
        free(s);
}

/* In the background where a second connection and a thread can be had;
 * else check_integrity() checks this connection, in the foreground. */
static int sqlite_start_integrity_check(struct db *db, size_t max) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        s->integrity_max = max;
        if (!s->integrity)
                (void) sqlite_integrity_start(s->path, s->dev, s->ino, max, &s->integrity);
        return 0;
}

static int sqlite_check_integrity(struct db *db, char ***ret_findings, double *ret_seconds) {
        struct sqlite_db *s = (struct sqlite_db *) db;
        int r;
        if (s->integrity)
                r = sqlite_integrity_wait(s->integrity, ret_findings, ret_seconds);
        else {
                double started = now_seconds();
                r = sqlite_integrity_check(s->handle, s->integrity_max, ret_findings);
                *ret_seconds = now_seconds() - started;
        }
        sqlite_integrity_free(TAKE_PTR(s->integrity));
        if (r < 0 && r != -EINTR && r != -ENOMEM)
                return fail_sqlite(s, "cannot check its integrity");
        return r;
}

static const struct db_ops sqlite_source_ops = {
        .read_catalog = sqlite_read_catalog,
        .count_rows = sqlite_count_rows,
        .scan = sqlite_scan,
        .start_integrity_check = sqlite_start_integrity_check,
        .check_integrity = sqlite_check_integrity,
        .close = sqlite_close,
};

int sqlite_db_open_source(const struct db_endpoint *ep, struct db **ret, char **ret_error) {
        struct sqlite_db *s = calloc(1, sizeof(*s));
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
        int r = sqlite_source_open(ep->sqlite_path, &s->handle, &s->dev, &s->ino, ret_error);
        if (r < 0) {
                sqlite_close(&s->base);
                if (r == -EBUSY || r == -ENOMEM || r == -EINTR)
                        return r; /* locked by a writer; or nothing to say of the file */
                /* Missing, not a regular file, unreadable, empty, a hot journal...:
                 * the file cannot be used as it is (exit 66). */
                if (!*ret_error && !(*ret_error = strdup(strerror(-r))))
                        return -ENOMEM;
                return -EMEDIUMTYPE;
        }
        *ret = &s->base;
        return 0;
}
