/* PostgreSQL: catalog, DDL, binary COPY in and out (text COPY out as a fallback), one transaction. */
#include "migrate/pg_db.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/hex.h"
#include "migrate/interrupt.h"
#include "migrate/log.h"
#include "migrate/numeric.h"
#include "migrate/pg_binary.h"
#include "migrate/sha256.h"
#include "migrate/expr.h"
#include "migrate/pg_names.h"
#include "migrate/pg_types.h"
#include "migrate/sql_quote.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"
#include "migrate/timeparse.h"

#define COPY_CHUNK (1024 * 1024)
/* Without connect_timeout in the URL, give up on a silent server after this. */
#define DEFAULT_CONNECT_TIMEOUT_S 30
/* The longest the tool waits for a lock before naming who holds it. */
#define LOCK_TIMEOUT "30s"
#define SQLSTATE_LOCK_NOT_AVAILABLE "55P03"
#define SQLSTATE_PROGRAM_LIMIT_EXCEEDED "54000" /* among others, an index entry longer than a btree page allows */

struct pg_db {
        struct db base;
        PGconn *conn;
        PGcancel *cancel;
        enum pg_mode mode;
        unsigned notices;  /* notices received, to tell them from errors during COPY */
        char *gid;         /* set while a transaction is prepared (two-phase commit) */
        bool commit_sent;  /* a COMMIT [PREPARED] went out: a broken connection leaves its outcome unknown */
        const struct db_endpoint *ep; /* to connect again and finish a prepared transaction */
        char **lifted_fks; /* "constraint on table\tALTER TABLE ... ADD CONSTRAINT ..." to restore */
        char *schema;      /* current_schema(), quoted: every table name is qualified with it */
};

DEFINE_POINTER_CLEANUP(PGresult, PQclear)

/* "schema"."table": a table named like a pg_catalog one (pg_language,
 * pg_type...) must never resolve to the catalog's, which comes first in
 * every search path.  NULL on ENOMEM. */
static char *qualified(const struct pg_db *p, const char *table) {
        _cleanup_free_ char *q = sql_quote_identifier(table);
        return q ? strdup_printf("%s.%s", p->schema, q) : NULL;
}

/* The server's words, with its detail and context when it gave them. */
static char *server_message(struct pg_db *p, const PGresult *res) {
        const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
        const char *context = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
        if (!primary) {
                /* libpq breaks its lines with "\n\t": one line of ours, blanks
                 * instead (log.h escapes any other control byte). */
                char *m = strdup(PQerrorMessage(p->conn));
                size_t n = m ? strlen(m) : 0;
                while (n > 0 && m[n - 1] == '\n')
                        m[--n] = '\0';
                for (size_t i = 0; i < n; i++)
                        if (m[i] == '\n' || m[i] == '\t')
                                m[i] = ' ';
                return m;
        }
        return strdup_printf("%s%s%s%s%s%s%s", primary, detail ? " (" : "", detail ? detail : "", detail ? ")" : "",
                             context ? " [" : "", context ? context : "", context ? "]" : "");
}

static int fail_result(struct pg_db *p, const char *what, const PGresult *res) {
        _cleanup_free_ char *msg = server_message(p, res);
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        if (interrupted())
                return db_fail(&p->base, -EINTR, "%s: %s: interrupted", p->base.label, what);
        if (state && strcmp(state, SQLSTATE_LOCK_NOT_AVAILABLE) == 0)
                return db_fail(&p->base, -EBUSY,
                               "%s: %s: %s: another session or a prepared transaction (see pg_locks and "
                               "pg_prepared_xacts) held a lock migrate needs for longer than its lock_timeout of %s",
                               p->base.label, what, msg ? msg : "lock timeout", LOCK_TIMEOUT);
        if (PQstatus(p->conn) == CONNECTION_BAD)
                return db_fail(&p->base, -ECONNRESET, "%s: %s: the connection to the server was lost: %s", p->base.label,
                               what, msg ? msg : "unknown error");
        return db_fail(&p->base, -EIO, "%s: %s: %s", p->base.label, what, msg ? msg : "unknown error");
}

/* Every statement goes through the extended protocol, which takes exactly
 * one: text built from a source's schema can never chain a second. */
static PGresult *exec_one(struct pg_db *p, const char *sql) {
        return PQexecParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
}

static int exec(struct pg_db *p, const char *what, const char *sql) {
        _cleanup_(PQclearp) PGresult *res = exec_one(p, sql);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                return fail_result(p, what, res);
        return 0;
}

static int query(struct pg_db *p, const char *what, const char *sql, int n_params, const char *const *params,
                 PGresult **ret) {
        PGresult *res = PQexecParams(p->conn, sql, n_params, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                int r = fail_result(p, what, res);
                PQclear(res);
                return r;
        }
        *ret = res;
        return 0;
}

/* Run sql inside a savepoint.  A failure with SQLSTATE tolerated (any
 * failure when NULL) leaves the transaction going on and the server's
 * message in *ret_why; any other is the statement's failure, said as
 * exec() says it with what. */
static int exec_tolerating(struct pg_db *p, const char *what, const char *sql, const char *tolerated, char **ret_why) {
        int r = exec(p, "savepoint", "SAVEPOINT migrate_optional");
        if (r < 0)
                return r;
        _cleanup_(PQclearp) PGresult *res = exec_one(p, sql);
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
                *ret_why = NULL;
                return exec(p, "savepoint", "RELEASE SAVEPOINT migrate_optional");
        }
        if (interrupted())
                return fail_result(p, "interrupted", res);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (tolerated && (!state || strcmp(state, tolerated) != 0))
                return fail_result(p, what, res);
        *ret_why = server_message(p, res);
        return exec(p, "savepoint", "ROLLBACK TO SAVEPOINT migrate_optional");
}

/* Run sql inside a savepoint: on failure the transaction goes on and the
 * server's message comes back in *ret_why. */
static int exec_optional(struct pg_db *p, const char *sql, char **ret_why) {
        return exec_tolerating(p, NULL, sql, NULL, ret_why);
}

/* ---- catalog -------------------------------------------------------- */

static struct table *add_table(struct catalog *c, const char *name) {
        struct table *v = reallocarray(c->tables, c->n_tables + 1, sizeof(*v));
        if (!v)
                return NULL;
        c->tables = v;
        struct table *t = &c->tables[c->n_tables++];
        *t = (struct table) { .name = strdup(name), .sequence = -1 };
        return t->name ? t : NULL;
}

/* The sequence a column's default takes its values from (nextval('s')),
 * whether or not the column owns it: SQLAlchemy's Sequence(), hand-written
 * DDL and migration tools give ids a sequence of their own that
 * pg_get_serial_sequence() does not see.  ad: the column's pg_attrdef row. */
#define DEFAULT_SEQUENCE(ad) \
        "pg_depend dp JOIN pg_class s ON s.oid = dp.refobjid AND s.relkind = 'S'" \
        " WHERE dp.classid = 'pg_attrdef'::regclass AND dp.refclassid = 'pg_class'::regclass AND dp.objid = " ad ".oid"

/* An enum type's labels, in their order. */
static int enum_labels(struct pg_db *p, const char *type_oid, char ***ret) {
        const char *params[] = { type_oid };
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot read an enum type's labels",
                      "SELECT enumlabel FROM pg_enum WHERE enumtypid = $1::oid ORDER BY enumsortorder", 1, params, &res);
        if (r < 0)
                return r;
        for (int i = 0; i < PQntuples(res); i++)
                if ((r = strv_push(ret, PQgetvalue(res, i, 0))) < 0)
                        return r;
        /* An enum without labels holds nothing: an empty list, not "no list". */
        if (!*ret && !(*ret = calloc(1, sizeof(char *))))
                return -ENOMEM;
        return 0;
}

static int pg_read_catalog(struct db *db, struct catalog **ret) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_(catalog_freep) struct catalog *c = calloc(1, sizeof(*c));
        _cleanup_(PQclearp) PGresult *res = NULL;
        if (!c)
                return -ENOMEM;
        int r = query(p, "cannot read the catalog",
                      "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
                      "       pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> '',"
                      "       pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) IS NOT NULL"
                      "       OR EXISTS (SELECT 1 FROM " DEFAULT_SEQUENCE("d") "),"
                      "       coalesce(array_position(pk.conkey, a.attnum), 0),"
                      /* An enum or citext is carried as text, a domain as its base type. */
                      "       ty.typtype, CASE WHEN ty.typtype = 'd' THEN format_type(ty.typbasetype, ty.typtypmod) END,"
                      "       ty.typtype = 'b' AND ty.typname = 'citext', a.atttypid"
                      "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      "  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                      "  JOIN pg_type ty ON ty.oid = a.atttypid"
                      "  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
                      "  LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'"
                      " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
                      " ORDER BY c.relname COLLATE \"C\", a.attnum",
                      0, NULL, &res);
        if (r < 0)
                return r;
        struct table *t = NULL;
        for (int i = 0; i < PQntuples(res); i++) {
                const char *table = PQgetvalue(res, i, 0);
                if (!t || strcmp(t->name, table) != 0)
                        if (!(t = add_table(c, table)))
                                return -ENOMEM;
                if (strcmp(PQgetvalue(res, i, 5), "t") == 0) {
                        strv_consume(&c->notes, strdup_printf("generated column %s.%s is computed by PostgreSQL, not copied",
                                                              table, PQgetvalue(res, i, 1)));
                        if (strv_push(&t->generated, PQgetvalue(res, i, 1)) < 0)
                                return -ENOMEM;
                        continue;
                }
                struct column *v = reallocarray(t->columns, t->n_columns + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->columns = v;
                struct column *col = &t->columns[t->n_columns++];
                *col = (struct column) {
                        .name = strdup(PQgetvalue(res, i, 1)),
                        .declared = strdup(PQgetvalue(res, i, 2)),
                        .not_null = strcmp(PQgetvalue(res, i, 3), "t") == 0,
                        .default_sql = PQgetisnull(res, i, 4) ? NULL : strdup(PQgetvalue(res, i, 4)),
                        .identity = strcmp(PQgetvalue(res, i, 6), "t") == 0,
                        .pk_position = atoi(PQgetvalue(res, i, 7)),
                };
                if (!col->name || !col->declared)
                        return -ENOMEM;
                const char *typtype = PQgetvalue(res, i, 8);
                bool domain = strcmp(typtype, "d") == 0, citext = strcmp(PQgetvalue(res, i, 10), "t") == 0;
                int rt = pg_types_from_existing(domain ? PQgetvalue(res, i, 9) : col->declared, &col->spec);
                if (rt < 0 && (citext || strcmp(typtype, "e") == 0)) {
                        col->spec = COL_SPEC(COL_TEXT);
                        rt = citext ? 0 : enum_labels(p, PQgetvalue(res, i, 11), &col->labels);
                        if (rt < 0 && rt != -EOPNOTSUPP)
                                return rt;
                        col->spec.labels = (const char *const *) col->labels;
                }
                if (domain || citext || col->labels)
                        col->spec.own_name = col->declared;
                /* NULL for a NOT NULL column is refused by row, as a value the column cannot hold. */
                col->spec.not_null = col->not_null;
                if (rt < 0)
                        return db_fail(db, -EOPNOTSUPP,
                                       "%s: column %s.%s has type %s, which migrate cannot fill exactly; "
                                       "supported are integer, numeric, floating point, boolean, text, varchar, char, bytea, "
                                       "timestamp, date, time, interval, inet, cidr, macaddr, json, jsonb, uuid and citext types, enums, "
                                       "and domains over these. Give the column one of these types in the target (the "
                                       "application must agree), or migrate into an empty database, where migrate creates "
                                       "the tables from the SQLite schema",
                                       p->base.label, table, col->name, col->declared);
        }
        *ret = TAKE_PTR(c);
        return 0;
}

/* "ONLY " for an ordinary table that others INHERIT from: their rows are
 * theirs, not its own (each is a table of the catalog); "" otherwise, and
 * for a partitioned table, whose rows are all in its partitions. */
static int only_keyword(struct pg_db *p, const char *qt, const char **ret) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        const char *params[] = { qt };
        int r = query(p, "cannot read a table's kind",
                      "SELECT relkind = 'r' AND relhassubclass FROM pg_class WHERE oid = $1::regclass", 1, params, &res);
        if (r < 0)
                return r;
        *ret = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? "ONLY " : "";
        return 0;
}

static int pg_count_rows(struct db *db, const struct table *t, int64_t *ret) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_free_ char *qt = qualified(p, t->name);
        const char *only;
        if (!qt)
                return -ENOMEM;
        int r = only_keyword(p, qt, &only);
        if (r < 0)
                return r;
        _cleanup_free_ char *sql = strdup_printf("SELECT count(*) FROM %s%s", only, qt);
        _cleanup_(PQclearp) PGresult *res = NULL;
        if (!sql)
                return -ENOMEM;
        r = query(p, "cannot count rows", sql, 0, NULL, &res);
        if (r < 0)
                return r;
        *ret = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        return 0;
}

static int pg_other_sessions(struct db *db, char ***ret) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot list other sessions",
                      "SELECT pid, coalesce(usename, '?'), coalesce(nullif(application_name, ''), '-'),"
                      "       coalesce(host(client_addr), 'local socket')"
                      "  FROM pg_stat_activity"
                      /* Another role's session shows a NULL backend_type to a non-superuser;
                       * background processes have no user. */
                      " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                      "   AND (backend_type = 'client backend' OR (backend_type IS NULL AND usesysid IS NOT NULL))",
                      0, NULL, &res);
        if (r < 0)
                return r;
        *ret = NULL;
        for (int i = 0; i < PQntuples(res); i++) {
                r = strv_consume(ret, strdup_printf("pid %s, user %s, application %s, from %s", PQgetvalue(res, i, 0),
                                                    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3)));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int pg_tables_with_rows(struct db *db, const char *const *tables, char ***ret) {
        struct pg_db *p = (struct pg_db *) db;
        *ret = NULL;
        for (size_t i = 0; tables[i]; i++) {
                _cleanup_free_ char *qt = qualified(p, tables[i]);
                _cleanup_free_ char *sql = strdup_printf("SELECT EXISTS (SELECT 1 FROM %s)", qt);
                _cleanup_(PQclearp) PGresult *res = NULL;
                int r = query(p, "cannot look for existing rows", sql, 0, NULL, &res);
                if (r < 0)
                        return r;
                if (strcmp(PQgetvalue(res, 0, 0), "t") == 0 && (r = strv_push(ret, tables[i])) < 0)
                        return r;
        }
        return 0;
}

/* ---- reading: COPY (SELECT ... ORDER BY ...) TO STDOUT, text format ---- */

struct pg_scan {
        struct row_source base;
        struct pg_db *db;
        const struct col_spec *specs;
        size_t n;
        size_t n_fields;         /* n, then one per column read as its digest */
        size_t *digest_of;       /* field n + j: the digest of column digest_of[j] */
        struct value *row;
        char *line;              /* the current line from libpq */
        struct strbuf field;     /* unescaped fields of the current line, NUL-separated */
        size_t *offsets;
        bool *nulls;
        struct value_buffer buf; /* decoded bytea / uuid */
        struct col_spec *own_specs; /* a source scan: the catalog's types of the columns */
        const char *table;
        const char *const *columns;
        size_t key[4], n_key;    /* key columns (the first few), for messages */
        size_t bad_column;       /* the field decode_line() could not read */
        bool done;
        bool binary;             /* COPY ... (FORMAT binary): see decode_binary_row() */
        bool header_seen;
        const char **raw;        /* binary: each field's bytes in line, for messages */
        size_t *raw_len;
};

/* One field of COPY text format: \N is NULL, backslash escapes undone. */
/* The byte a backslash escape at s[0] (s[0] is after the backslash) stands
 * for; *used says how many bytes of s it took. */
static char unescape_one(const char *s, size_t n, size_t *used) {
        *used = 1;
        switch (s[0]) {
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'v': return '\v';
        }
        if (s[0] >= '0' && s[0] <= '7') {
                int v = s[0] - '0';
                while (*used < 3 && *used < n && s[*used] >= '0' && s[*used] <= '7')
                        v = v * 8 + (s[(*used)++] - '0');
                return (char) v;
        }
        if (s[0] == 'x' && n > 1 && hex_digit_value(s[1]) >= 0) {
                int v = hex_digit_value(s[1]);
                *used = 2;
                if (n > 2 && hex_digit_value(s[2]) >= 0)
                        v = v * 16 + hex_digit_value(s[(*used)++]);
                return (char) v;
        }
        return s[0]; /* \\ and any other character stand for themselves */
}

/* One field of COPY text format: \N is NULL, backslash escapes undone.
 * Runs without a backslash are appended whole: this is the verification's
 * innermost loop. */
static int unescape_field(const char *s, size_t n, struct strbuf *out, bool *ret_null) {
        *ret_null = n == 2 && s[0] == '\\' && s[1] == 'N';
        if (*ret_null)
                return 0;
        while (n > 0) {
                const char *bs = memchr(s, '\\', n);
                size_t run = bs ? (size_t) (bs - s) : n;
                int r = strbuf_append(out, s, run);
                if (r < 0)
                        return r;
                s += run;
                n -= run;
                if (n < 2) { /* no escape, or a lone backslash at the end */
                        r = n ? strbuf_putc(out, *s) : 0;
                        return r;
                }
                size_t used;
                char c = unescape_one(s + 1, n - 1, &used);
                r = strbuf_putc(out, c);
                if (r < 0)
                        return r;
                s += 1 + used;
                n -= 1 + used;
        }
        return 0;
}

/* PostgreSQL's text output of one value -> a typed value. */
static int decode_text(struct pg_scan *s, const struct col_spec *spec, const char *t, size_t n, struct value *v) {
        char *end;
        switch (spec->type) {
        case COL_INT64:
        case COL_INT32:
        case COL_INT16:
                *v = (struct value) { .kind = VALUE_INT, .i = strtoll(t, &end, 10) };
                return *end ? -EBADMSG : 0;
        case COL_FLOAT64:
        case COL_FLOAT32:
                *v = (struct value) { .kind = VALUE_REAL, .d = strtod(t, &end) };
                if (spec->type == COL_FLOAT32)
                        v->d = (double) strtof(t, &end);
                return *end ? -EBADMSG : 0;
        case COL_DECIMAL:
                *v = (struct value) { .kind = VALUE_NUMERIC, .s = t, .n = n };
                return 0;
        case COL_BOOL:
                *v = (struct value) { .kind = VALUE_BOOL, .b = t[0] == 't' };
                return 0;
        case COL_TEXT:
        case COL_JSON_TEXT:
        case COL_JSON_DOCUMENT:
        case COL_TIME: /* read as its text: see select_expression() */
        case COL_INET:
        case COL_CIDR:
        case COL_MACADDR:
                *v = (struct value) { .kind = VALUE_TEXT, .s = t, .n = n };
                return 0;
        case COL_INTERVAL: /* read as microseconds */
                errno = 0;
                *v = (struct value) { .kind = VALUE_INT, .i = strtoll(t, &end, 10) };
                return *end || errno ? -EBADMSG : 0;
        case COL_BYTES: {
                if (n < 2 || t[0] != '\\' || t[1] != 'x')
                        return -EBADMSG;
                size_t len = (n - 2) / 2;
                char *out = s->buf.data + s->buf.used;
                for (size_t i = 0; i < len; i++) {
                        int h = hex_digit_value(t[2 + 2 * i]), l = hex_digit_value(t[3 + 2 * i]);
                        if (h < 0 || l < 0)
                                return -EBADMSG;
                        out[i] = (char) (h << 4 | l);
                }
                s->buf.used += len;
                *v = (struct value) { .kind = VALUE_BLOB, .s = out, .n = len };
                return 0;
        }
        case COL_TIMESTAMP_LOCAL:
        case COL_TIMESTAMP_UTC: {
                struct parsed_time pt;
                const char *why;
                if (time_parse_server(t, n, &pt, &why) < 0)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_TIMESTAMP, .i = time_utc(&pt) };
                return 0;
        }
        case COL_DATE: {
                struct parsed_time pt;
                const char *why;
                if (time_parse_server(t, n, &pt, &why) < 0)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_DATE, .i = pt.micros / (INT64_C(86400) * 1000000) };
                return 0;
        }
        case COL_UUID: {
                char *out = s->buf.data + s->buf.used;
                if (uuid_parse(t, n, out) < 0)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_UUID, .s = out, .n = 16 };
                s->buf.used += 16;
                return 0;
        }
        case _COL_TYPE_MAX:
        case _COL_TYPE_ALL:
                break;
        }
        return -EBADMSG;
}

/* "length:sha256-hex", as pg_scan's digest column spells it. */
static int decode_digest(struct pg_scan *s, const char *t, struct value *v) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(t, &end, 10);
        if (errno || end == t || *end != ':' || strlen(end + 1) != 2 * SHA256_DIGEST_SIZE)
                return -EBADMSG;
        char *out = s->buf.data + s->buf.used;
        for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
                int h = hex_digit_value(end[1 + 2 * i]), l = hex_digit_value(end[2 + 2 * i]);
                if (h < 0 || l < 0)
                        return -EBADMSG;
                out[i] = (char) (h << 4 | l);
        }
        s->buf.used += SHA256_DIGEST_SIZE;
        *v = (struct value) { .kind = VALUE_DIGEST, .s = out, .n = (size_t) n };
        return 0;
}

static int decode_line(struct pg_scan *s, const char *line, size_t len) {
        s->field.len = 0;
        s->buf.used = 0;
        size_t col = 0, start = 0;
        bool *nulls = s->nulls;
        /* Decoded bytes never outgrow the line (uuids: 16 bytes each): room for
         * all of them up front, so values of this row never move. */
        int r = value_buffer_reserve(&s->buf, len + 16 * s->n + SHA256_DIGEST_SIZE * (s->n_fields - s->n) + 16);
        if (r < 0)
                return r;
        while (start <= len) {
                const char *tab = memchr(line + start, '\t', len - start);
                size_t end = tab ? (size_t) (tab - line) : len;
                if (col >= s->n_fields)
                        return -EBADMSG;
                s->offsets[col] = s->field.len;
                r = unescape_field(line + start, end - start, &s->field, &nulls[col]);
                if (r >= 0)
                        r = strbuf_putc(&s->field, '\0');
                if (r < 0)
                        return r;
                col++;
                start = end + 1;
        }
        if (col != s->n_fields)
                return -EBADMSG;
        for (size_t c = 0; c < s->n; c++) {
                if (nulls[c]) {
                        s->row[c] = (struct value) { .kind = VALUE_NULL };
                        continue;
                }
                const char *t = s->field.data + s->offsets[c];
                size_t n = (c + 1 < s->n_fields ? s->offsets[c + 1] : s->field.len) - s->offsets[c] - 1;
                r = decode_text(s, &s->specs[c], t, n, &s->row[c]);
                if (r < 0) {
                        s->bad_column = c;
                        return r;
                }
        }
        for (size_t c = s->n; c < s->n_fields; c++) {
                if (nulls[c])
                        continue;
                size_t of = s->digest_of[c - s->n];
                if (s->row[of].kind != VALUE_NULL)
                        return -EBADMSG;
                r = decode_digest(s, s->field.data + s->offsets[c], &s->row[of]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- binary COPY out: what measures fastest (no escapes, no number or
 * time parsing); the text path above stays for tables whose column types
 * are not the ones the request decodes. ---- */

/* Reads one CopyData message: 1 when s->row holds a row, 0 when the message
 * holds none (the header alone, the trailer), -EBADMSG when unreadable. */
static int decode_binary_row(struct pg_scan *s, const char *m, size_t len) {
        static const char signature[11] = "PGCOPY\n\377\r\n\0";
        s->field.len = 0;
        s->buf.used = 0;
        if (!s->header_seen) {
                if (len < 19 || memcmp(m, signature, 11) != 0)
                        return -EBADMSG;
                uint32_t ext;
                memcpy(&ext, m + 15, 4);
                ext = be32toh(ext);
                if (ext > len - 19)
                        return -EBADMSG;
                m += 19 + ext;
                len -= 19 + ext;
                s->header_seen = true;
                if (len == 0)
                        return 0;
        }
        if (len < 2)
                return -EBADMSG;
        int16_t fields = (int16_t) ((unsigned char) m[0] << 8 | (unsigned char) m[1]);
        if (fields == -1 && len == 2)
                return 0; /* the trailer */
        if (fields < 0 || (size_t) fields != s->n_fields)
                return -EBADMSG;
        size_t at = 2;
        for (size_t c = 0; c < s->n_fields; c++) {
                if (len - at < 4)
                        return -EBADMSG;
                uint32_t n;
                memcpy(&n, m + at, 4);
                n = be32toh(n);
                at += 4;
                s->nulls[c] = n == UINT32_MAX;
                s->raw[c] = m + at;
                s->raw_len[c] = s->nulls[c] ? 0 : n;
                if (!s->nulls[c]) {
                        if (n > len - at)
                                return -EBADMSG;
                        at += n;
                }
        }
        if (at != len)
                return -EBADMSG;
        int r = value_buffer_reserve(&s->buf, SHA256_DIGEST_SIZE * (s->n_fields - s->n) + 16);
        if (r < 0)
                return r;
        for (size_t c = 0; c < s->n; c++) {
                if (s->nulls[c]) {
                        s->row[c] = (struct value) { .kind = VALUE_NULL };
                        continue;
                }
                if (s->specs[c].type == COL_DECIMAL) {
                        /* Its text goes to s->field; pointed at below, once
                         * s->field no longer moves. */
                        s->offsets[c] = s->field.len;
                        r = numeric_from_pg_binary(s->raw[c], s->raw_len[c], &s->field);
                        s->row[c] = (struct value) { .kind = VALUE_NUMERIC, .n = s->field.len - s->offsets[c] };
                } else
                        r = pg_binary_decode(s->specs[c].type, s->raw[c], s->raw_len[c], &s->row[c]);
                if (r < 0) {
                        if (r == -EBADMSG)
                                s->bad_column = c;
                        return r;
                }
        }
        for (size_t c = 0; c < s->n; c++)
                if (s->row[c].kind == VALUE_NUMERIC)
                        s->row[c].s = s->field.data + s->offsets[c];
        for (size_t c = s->n; c < s->n_fields; c++) {
                if (s->nulls[c])
                        continue;
                size_t of = s->digest_of[c - s->n];
                char text[32 + 2 * SHA256_DIGEST_SIZE];
                if (s->row[of].kind != VALUE_NULL || s->raw_len[c] >= sizeof(text))
                        return -EBADMSG;
                memcpy(text, s->raw[c], s->raw_len[c]);
                text[s->raw_len[c]] = '\0';
                r = decode_digest(s, text, &s->row[of]);
                if (r < 0)
                        return r;
        }
        return 1;
}

/* fail_decode() for the binary path: the key values read so far, and the
 * bytes of the value this tool cannot read. */
static int fail_decode_binary(struct pg_scan *s) {
        if (s->bad_column == SIZE_MAX)
                return db_fail(&s->db->base, -EBADMSG, "%s: table %s: cannot decode a row the server sent (%zu columns expected)",
                               s->db->base.label, s->table, s->n);
        _cleanup_strbuf_ struct strbuf where = {};
        int r = 0;
        for (size_t k = 0; r >= 0 && k < s->n_key; k++) {
                size_t c = s->key[k];
                if (c >= s->bad_column)
                        continue;
                _cleanup_free_ char *shown = s->nulls[c] ? strdup("NULL") : value_describe(&s->row[c]);
                r = strbuf_printf(&where, "%s%s=%s", where.len ? ", " : ", row ", s->columns[c], shown ? shown : "?");
        }
        if (r < 0)
                return r;
        struct value raw = { .kind = VALUE_BLOB, .s = s->raw[s->bad_column], .n = s->raw_len[s->bad_column] };
        _cleanup_free_ char *shown = value_describe(&raw), *type = pg_types_ddl(&s->specs[s->bad_column]);
        return db_fail(&s->db->base, -EBADMSG, "%s: table %s%s, column %s: cannot read the %s value the server sent: %s",
                       s->db->base.label, s->table, where.data ? where.data : "", s->columns[s->bad_column],
                       type ? type : "?", shown ? shown : "?");
}

/* A value the server sent that this tool cannot read: say where, with the
 * key and the value as the server wrote them. */
static int fail_decode(struct pg_scan *s) {
        _cleanup_strbuf_ struct strbuf where = {};
        int r = 0;
        for (size_t k = 0; r >= 0 && k < s->n_key && s->bad_column != SIZE_MAX; k++) {
                size_t c = s->key[k];
                struct value raw = { .kind = VALUE_TEXT, .s = s->field.data + s->offsets[c] };
                raw.n = strlen(raw.s);
                _cleanup_free_ char *shown = s->nulls[c] ? strdup("NULL") : value_describe(&raw);
                r = strbuf_printf(&where, "%s%s=%s", k ? ", " : ", row ", s->columns[c], shown ? shown : "?");
        }
        if (r < 0)
                return r;
        if (s->bad_column == SIZE_MAX)
                return db_fail(&s->db->base, -EBADMSG, "%s: table %s: cannot decode a row the server sent (%zu columns expected)",
                               s->db->base.label, s->table, s->n);
        const char *t = s->field.data + s->offsets[s->bad_column];
        struct value raw = { .kind = VALUE_TEXT, .s = t, .n = strlen(t) };
        _cleanup_free_ char *shown = value_describe(&raw), *type = pg_types_ddl(&s->specs[s->bad_column]);
        return db_fail(&s->db->base, -EBADMSG, "%s: table %s%s, column %s: cannot read the %s value the server sent: %s",
                       s->db->base.label, s->table, where.data ? where.data : "", s->columns[s->bad_column],
                       type ? type : "?", shown ? shown : "?");
}

static int pg_scan_next(struct row_source *src, const struct value **ret) {
        struct pg_scan *s = (struct pg_scan *) src;
        if (s->done)
                return 0;
        if (s->line) {
                PQfreemem(s->line);
                s->line = NULL;
        }
        int len = PQgetCopyData(s->db->conn, &s->line, 0);
        if (s->binary && len >= 0) {
                s->bad_column = SIZE_MAX;
                int r = decode_binary_row(s, s->line, (size_t) len);
                if (r == -EBADMSG)
                        return fail_decode_binary(s);
                if (r < 0)
                        return r;
                if (r == 0)
                        return pg_scan_next(src, ret); /* header or trailer: the next message */
                *ret = s->row;
                return 1;
        }
        if (len == -1) {
                s->done = true;
                _cleanup_(PQclearp) PGresult *res = PQgetResult(s->db->conn);
                if (PQresultStatus(res) != PGRES_COMMAND_OK)
                        return fail_result(s->db, "cannot read rows", res);
                for (PGresult *extra; (extra = PQgetResult(s->db->conn));)
                        PQclear(extra);
                return 0;
        }
        if (len < 0)
                return fail_result(s->db, "cannot read rows", NULL);
        size_t n = (size_t) len;
        if (n > 0 && s->line[n - 1] == '\n')
                n--;
        s->bad_column = SIZE_MAX;
        int r = decode_line(s, s->line, n);
        if (r == -EBADMSG)
                return fail_decode(s);
        if (r < 0)
                return r;
        *ret = s->row;
        return 1;
}

static void pg_scan_close(struct row_source *src) {
        struct pg_scan *s = (struct pg_scan *) src;
        if (s->line)
                PQfreemem(s->line);
        if (!s->done) {
                /* Drain what the server still sends so the connection stays usable. */
                char *line;
                while (PQgetCopyData(s->db->conn, &line, 0) >= 0)
                        PQfreemem(line);
                for (PGresult *res; (res = PQgetResult(s->db->conn));)
                        PQclear(res);
        }
        strbuf_done(&s->field);
        value_buffer_done(&s->buf);
        free(s->digest_of);
        free(s->own_specs);
        free(s->offsets);
        free(s->nulls);
        free(s->raw);
        free(s->raw_len);
        free(s->row);
        free(s);
}

/* Whether column i is read back as its digest when large: a text or bytea
 * that is no key (keys order the merge, so they come whole). */
static bool read_as_digest(const struct scan_request *req, size_t i) {
        if (!req->large_as_digest || !req->specs || (req->specs[i].type != COL_BYTES && req->specs[i].type != COL_TEXT))
                return false;
        if (req->specs[i].labels)
                return false; /* an enum: short labels, and no octet_length() of its own */
        if (req->known_small && req->known_small[i])
                return false;
        for (size_t k = 0; req->order_by && req->order_by[k]; k++)
                if (strcmp(req->order_by[k], req->columns[i]) == 0)
                        return false;
        return true;
}

/* How a column is read back: time, inet and cidr as the text their output
 * function prints (inet::text would add a /32 the value does not show), an
 * interval as its length in microseconds (a month counted as 30 days, as
 * the application's driver reads one); every other column as itself.  The
 * values the copy sent are in those forms (value_convert()). */
static char *select_expression(const struct col_spec *spec, const char *q) {
        switch (spec ? spec->type : COL_TEXT) {
        case COL_TIME:
        case COL_INET:
        case COL_CIDR:
        case COL_MACADDR:
                return strdup_printf("CASE WHEN %s IS NOT NULL THEN format('%%s', %s) END", q, q); /* format() makes NULL '' */
        case COL_INTERVAL:
                return strdup_printf("(extract(epoch FROM %s) * 1000000)::bigint", q);
        default:
                return strdup(q);
        }
}

/* The select list: each column, and after them, for each column read as a
 * digest, "length:sha256" of the values over VALUE_WHOLE_MAX, which then
 * come as NULL in their own column.  So no row the server sends holds a
 * large value twice over in hex, and this process never holds a second
 * copy of it (the text COPY of a 600 MB bytea would not fit in the
 * server's 1 GB limit at all). */
static int append_select_list(struct strbuf *sql, const struct scan_request *req, size_t *digest_of, size_t *ret_n) {
        size_t n = 0;
        int r = 0;
        for (size_t i = 0; r >= 0 && i < req->n_columns; i++) {
                _cleanup_free_ char *q = sql_quote_identifier(req->columns[i]);
                if (!q)
                        return -ENOMEM;
                if (read_as_digest(req, i))
                        r = strbuf_printf(sql, "%sCASE WHEN octet_length(%s) <= %d THEN %s END", i ? ", " : "", q,
                                          VALUE_WHOLE_MAX, q);
                else {
                        _cleanup_free_ char *e = select_expression(req->specs ? &req->specs[i] : NULL, q);
                        if (!e)
                                return -ENOMEM;
                        r = strbuf_printf(sql, "%s%s", i ? ", " : "", e);
                }
        }
        for (size_t i = 0; r >= 0 && i < req->n_columns; i++) {
                if (!read_as_digest(req, i))
                        continue;
                _cleanup_free_ char *q = sql_quote_identifier(req->columns[i]);
                _cleanup_free_ char *bytes = req->specs[i].type == COL_TEXT ? strdup_printf("convert_to(%s, 'UTF8')", q)
                                                                           : strdup(q ? q : "");
                if (!q || !bytes)
                        return -ENOMEM;
                r = strbuf_printf(sql, ", CASE WHEN octet_length(%s) > %d THEN octet_length(%s) || ':' || encode(sha256(%s), 'hex') END",
                                  q, VALUE_WHOLE_MAX, q, bytes);
                digest_of[n++] = i;
        }
        *ret_n = n;
        return r;
}

/* What the server says of the requested columns right now: each one's type
 * and whether it may hold NULL.  The catalog the request names may be the
 * plan this run created the table from, which spells types as its source
 * does. */
struct scan_facts {
        bool binary;    /* every column's type is the one the request decodes */
        bool *nullable; /* per requested column */
        bool *byte_order; /* per requested column: its collation compares text as bytes */
};

/* Collations that order valid UTF-8 text as its bytes: C and POSIX, and
 * libc's C.UTF-8 (code point order, which is UTF-8's byte order).  The
 * database's default collation is one of them when the database was
 * created with it and, from PostgreSQL 15 on, libc provides it. */
#define BYTE_ORDER_NAMES "('C', 'POSIX', 'C.UTF-8', 'C.utf8')"
#define DEFAULT_BYTE_ORDER_15 \
        "(SELECT datlocprovider = 'c' AND datcollate IN " BYTE_ORDER_NAMES \
        " FROM pg_database WHERE datname = current_database())"
#define DEFAULT_BYTE_ORDER \
        "(SELECT datcollate IN " BYTE_ORDER_NAMES " FROM pg_database WHERE datname = current_database())"
#define COLUMN_BYTE_ORDER(dflt) \
        "CASE WHEN a.attcollation = 0 THEN false WHEN a.attcollation = 100 THEN " dflt \
        " ELSE (SELECT collprovider = 'c' AND collcollate IN " BYTE_ORDER_NAMES \
        " FROM pg_collation WHERE oid = a.attcollation) END"

/* Binary COPY sends each type's own format: it is read only when every
 * column's type is one pg_types_from_formatted() knows and the request
 * decodes it as that type.  Types a source carries as their text (enums,
 * inet, arrays, ...) have other binary formats: such a table is read as
 * text. */
static int read_scan_facts(struct pg_db *p, const struct scan_request *req, const char *qt, struct scan_facts *ret) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        const char *params[] = { qt };
        ret->binary = true;
        ret->nullable = calloc(req->n_columns + 1, sizeof(bool));
        ret->byte_order = calloc(req->n_columns + 1, sizeof(bool));
        if (!ret->nullable || !ret->byte_order)
                return -ENOMEM;
        _cleanup_free_ char *what = strdup_printf("cannot read the column types of table %s", req->table->name);
        if (!what)
                return -ENOMEM;
        int r = query(p, what,
                      PQserverVersion(p->conn) >= 150000
                              ? "SELECT a.attname, format_type(b.oid, b.typmod), a.attnotnull, "
                                COLUMN_BYTE_ORDER(DEFAULT_BYTE_ORDER_15) " FROM pg_attribute a"
                                " CROSS JOIN LATERAL (" PG_BASE_TYPE("a.atttypid", "a.atttypmod") ") b"
                                " WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped"
                              : "SELECT a.attname, format_type(b.oid, b.typmod), a.attnotnull, "
                                COLUMN_BYTE_ORDER(DEFAULT_BYTE_ORDER) " FROM pg_attribute a"
                                " CROSS JOIN LATERAL (" PG_BASE_TYPE("a.atttypid", "a.atttypmod") ") b"
                                " WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                      1, params, &res);
        if (r < 0)
                return r;
        for (size_t i = 0; i < req->n_columns; i++) {
                const struct column *c = table_find_column(req->table, req->columns[i]);
                int row = -1;
                for (int k = 0; k < PQntuples(res) && row < 0; k++)
                        if (strcmp(PQgetvalue(res, k, 0), req->columns[i]) == 0)
                                row = k;
                struct col_spec real;
                ret->nullable[i] = row < 0 || strcmp(PQgetvalue(res, row, 2), "t") != 0;

                bool known = row >= 0 && pg_types_from_existing(PQgetvalue(res, row, 1), &real) >= 0;
                if (!known || !c || real.type != (req->specs ? req->specs[i].type : c->spec.type))
                        ret->binary = false;
                /* text and varchar (char(n) compares without its padding) */
                ret->byte_order[i] = known && real.type == COL_TEXT && !real.padded &&
                                     strcmp(PQgetvalue(res, row, 3), "t") == 0;
        }
        return 0;
}

static int pg_scan(struct db *db, const struct scan_request *req, struct row_source **ret) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char *qt = qualified(p, req->table->name);
        _cleanup_free_ size_t *digest_of = calloc(req->n_columns + 1, sizeof(size_t));
        size_t n_digests = 0;
        _cleanup_free_ bool *nullable = NULL, *byte_order = NULL;
        struct scan_facts facts = {};
        if (!digest_of || !qt)
                return -ENOMEM;
        int r = read_scan_facts(p, req, qt, &facts);
        nullable = facts.nullable;
        byte_order = facts.byte_order;
        if (r < 0)
                return r;
        const char *only;
        r = only_keyword(p, qt, &only);
        if (r < 0)
                return r;
        r = strbuf_puts(&sql, "COPY (SELECT ");
        if (r >= 0)
                r = append_select_list(&sql, req, digest_of, &n_digests);
        if (r >= 0)
                r = strbuf_printf(&sql, " FROM %s%s", only, qt);
        for (size_t i = 0; r >= 0 && !req->stored_order && req->order_by && req->order_by[i]; i++) {
                const struct column *c = table_find_column(req->table, req->order_by[i]);
                _cleanup_free_ char *q = sql_quote_identifier(req->order_by[i]);
                if (!q)
                        return -ENOMEM;
                bool may_be_null = true, bytes = false;
                for (size_t k = 0; k < req->n_columns; k++)
                        if (strcmp(req->columns[k], req->order_by[i]) == 0) {
                                may_be_null = nullable[k];
                                bytes = byte_order[k];
                        }
                /* Byte order for text, as verification compares it; json has no
                 * order of its own and jsonb's is not its text's: both by their text.
                 * Text also by (col)::text: a column a source carries as its text
                 * (an enum, inet) sorts as that text. */
                /* A text column whose collation already orders as bytes is
                 * ordered as itself, so that its index can stream the rows
                 * (were the guess wrong, verification finds the keys out of
                 * order and sorts them itself). */
                bool text = c && c->spec.type == COL_TEXT && !bytes;
                bool json = c && (c->spec.type == COL_JSON_TEXT || c->spec.type == COL_JSON_DOCUMENT);
                if (c && (c->spec.type == COL_TIME || c->spec.type == COL_INET || c->spec.type == COL_CIDR ||
                          c->spec.type == COL_MACADDR)) {
                        /* In the order of the text they are read as. */
                        _cleanup_free_ char *e = select_expression(&c->spec, q);
                        if (!e)
                                return -ENOMEM;
                        r = strbuf_printf(&sql, "%s(%s) COLLATE \"C\"%s", i ? ", " : " ORDER BY ", e,
                                          may_be_null ? " NULLS FIRST" : "");
                        continue;
                }
                /* NULLS FIRST, as verification orders NULL, only where a NULL
                 * can be: it is not the order of a btree index, so on a key
                 * column it would turn a streaming index scan into a sort of
                 * the whole table before the first row. */
                /* The column named with its table: a bare name in ORDER BY is
                 * first an output column's, and the digests' CASE expressions
                 * are output columns named "case" (a column "case" was then
                 * ambiguous and --verify failed). */
                r = strbuf_printf(&sql, "%s%s%s.%s%s%s%s", i ? ", " : " ORDER BY ", text || json ? "(" : "", qt, q,
                                  text || json ? ")::text" : "", text || json ? " COLLATE \"C\"" : "",
                                  may_be_null ? " NULLS FIRST" : "");
        }
        bool binary = facts.binary;
        if (r >= 0)
                r = strbuf_puts(&sql, binary ? ") TO STDOUT (FORMAT binary)" : ") TO STDOUT");
        if (r < 0)
                return r;

        _cleanup_(PQclearp) PGresult *res = exec_one(p, sql.data);
        if (PQresultStatus(res) != PGRES_COPY_OUT)
                return fail_result(p, "cannot read a table", res);
        struct pg_scan *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct pg_scan) {
                .base = { .next = pg_scan_next, .close = pg_scan_close },
                .db = p,
                .specs = req->specs,
                .n = req->n_columns,
                .n_fields = req->n_columns + n_digests,
                .digest_of = TAKE_PTR(digest_of),
                .row = calloc(req->n_columns + 1, sizeof(struct value)),
                .offsets = calloc(req->n_columns + n_digests + 1, sizeof(size_t)),
                .nulls = calloc(req->n_columns + n_digests + 1, sizeof(bool)),
                .table = req->table->name,
                .columns = req->columns,
                .binary = binary,
                .raw = calloc(req->n_columns + n_digests + 1, sizeof(char *)),
                .raw_len = calloc(req->n_columns + n_digests + 1, sizeof(size_t)),
        };
        for (size_t i = 0; req->order_by && req->order_by[i] && s->n_key < ELEMENTSOF(s->key); i++)
                for (size_t c = 0; c < req->n_columns; c++)
                        if (strcmp(req->order_by[i], req->columns[c]) == 0) {
                                s->key[s->n_key++] = c;
                                break;
                        }
        if (!s->row || !s->offsets || !s->nulls || !s->raw || !s->raw_len) {
                pg_scan_close(&s->base);
                return -ENOMEM;
        }
        if (!s->specs) {
                /* As a source, values decode as this database's catalog says. */
                s->own_specs = calloc(req->n_columns + 1, sizeof(struct col_spec));
                if (!s->own_specs) {
                        pg_scan_close(&s->base);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < req->n_columns; i++) {
                        const struct column *c = table_find_column(req->table, req->columns[i]);
                        s->own_specs[i] = c ? c->spec : (struct col_spec) { .type = COL_TEXT, .length = -1 };
                }
                s->specs = s->own_specs;
        }
        *ret = &s->base;
        return 0;
}

/* ---- writing: DDL and COPY FROM STDIN (FORMAT binary) ---------------- */

static int pg_empty_tables(struct db *db, const struct catalog *existing) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_strbuf_ struct strbuf sql = {};
        if (existing->n_tables == 0)
                return 0;
        int r = strbuf_puts(&sql, "TRUNCATE ");
        for (size_t i = 0; r >= 0 && i < existing->n_tables; i++) {
                _cleanup_free_ char *q = qualified(p, existing->tables[i].name);
                r = strbuf_printf(&sql, "%s%s", i ? ", " : "", q);
        }
        if (r >= 0)
                r = strbuf_puts(&sql, " RESTART IDENTITY CASCADE");
        if (r < 0)
                return r;
        return exec(p, "cannot drop the existing data (--drop-all)", sql.data);
}

/* Identity columns get their generator once every table exists: the
 * sequence takes a name no table has (t_id_seq, else t_id_seq1, ...), where
 * created with its table it could take the name of a source table created
 * after it (a table called t_id_seq), which then could not be created. */
static int pg_create_tables(struct db *db, const struct catalog *plan) {
        struct pg_db *p = (struct pg_db *) db;
        int r = 0;
        for (size_t i = 0; i < plan->n_tables; i++) {
                const struct table *t = &plan->tables[i];
                _cleanup_strbuf_ struct strbuf sql = {};
                _cleanup_free_ char *qt = qualified(p, t->name);
                r = strbuf_printf(&sql, "CREATE TABLE %s (", qt);
                for (size_t k = 0; r >= 0 && k < t->n_columns; k++) {
                        const struct column *c = &t->columns[k];
                        _cleanup_free_ char *qc = sql_quote_identifier(c->name), *type = pg_types_ddl(&c->spec);
                        if (!qc || !type)
                                return -ENOMEM;
                        r = strbuf_printf(&sql, "%s%s %s%s", k ? ", " : "", qc, type,
                                          c->not_null || c->identity ? " NOT NULL" : "");
                }
                if (r >= 0)
                        r = strbuf_putc(&sql, ')');
                if (r < 0)
                        return r;
                _cleanup_free_ char *what = strdup_printf("cannot create table %s", t->name);
                r = exec(p, what ? what : "cannot create a table", sql.data);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; r >= 0 && i < plan->n_tables; i++)
                for (size_t k = 0; r >= 0 && k < plan->tables[i].n_columns; k++) {
                        const struct table *t = &plan->tables[i];
                        if (!t->columns[k].identity)
                                continue;
                        _cleanup_free_ char *qt = qualified(p, t->name), *qc = sql_quote_identifier(t->columns[k].name);
                        _cleanup_free_ char *sql = qt && qc ? strdup_printf("ALTER TABLE %s ALTER COLUMN %s ADD GENERATED BY "
                                                                            "DEFAULT AS IDENTITY", qt, qc)
                                                            : NULL;
                        _cleanup_free_ char *what = strdup_printf("cannot make %s.%s an identity column", t->name,
                                                                  t->columns[k].name);
                        r = sql ? exec(p, what ? what : "cannot make an identity column", sql) : -ENOMEM;
                }
        return r;
}

struct pg_sink {
        struct row_sink base;
        struct pg_db *db;
        const struct col_spec *specs;
        size_t n;
        struct strbuf buf;
        uint64_t bytes;
        char *table;
};

static int put_be(struct strbuf *b, uint64_t v, int bytes) {
        char tmp[8];
        for (int i = 0; i < bytes; i++)
                tmp[i] = (char) (v >> (8 * (bytes - 1 - i)));
        return strbuf_append(b, tmp, (size_t) bytes);
}

/* Waits until the connection's socket is ready for events (or timeout_ms
 * passes; -1: no limit).  A signal ends the wait: -EINTR once interrupted. */
static int wait_socket(struct pg_db *p, short events, int timeout_ms, short *ret_revents) {
        struct pollfd pfd = { .fd = PQsocket(p->conn), .events = events };
        *ret_revents = 0;
        if (pfd.fd < 0)
                return db_fail(&p->base, -ECONNRESET, "%s: the connection to the server was lost", p->base.label);
        int n = poll(&pfd, 1, timeout_ms);
        if (n < 0 && errno != EINTR)
                return db_fail(&p->base, -errno, "%s: cannot wait for the server: %s", p->base.label, strerror(errno));
        if (interrupted())
                return -EINTR;
        *ret_revents = n > 0 ? pfd.revents : 0;
        return 0;
}

/* During COPY FROM STDIN the server speaks only to refuse (an ErrorResponse,
 * which libpq leaves unread until the COPY ends) or to pass a notice.  When
 * data arrived and it was not a notice, the COPY has failed: -EPIPE. */
static int copy_check_server(struct pg_sink *s) {
        unsigned before = s->db->notices;
        if (!PQconsumeInput(s->db->conn))
                return fail_result(s->db, "cannot send rows", NULL);
        return s->db->notices != before ? 0 : -EPIPE;
}

/* Sends what libpq holds, waiting for the socket ourselves (the connection
 * is non-blocking during COPY) so that an error the server sends meanwhile
 * is seen at once, not after the last row. */
static int copy_flush(struct pg_sink *s) {
        for (;;) {
                short revents;
                int r = wait_socket(s->db, POLLIN | POLLOUT, -1, &revents);
                if (r < 0)
                        return r;
                if (revents & (POLLIN | POLLERR | POLLHUP)) {
                        r = copy_check_server(s);
                        if (r < 0)
                                return r;
                }
                if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
                        continue;
                int f = PQflush(s->db->conn);
                if (f == 0)
                        return 0;
                if (f < 0)
                        return fail_result(s->db, "cannot send rows", NULL);
        }
}

/* n bytes (at most a chunk) to the server, sent before returning, so
 * libpq's buffer never holds more than one chunk. */
static int put_copy(struct pg_sink *s, const char *data, size_t n) {
        if (interrupted())
                return db_fail(&s->db->base, -EINTR, "%s: table %s: interrupted", s->db->base.label, s->table);
        /* Did the server say anything while we prepared these bytes? */
        short revents;
        int r = wait_socket(s->db, POLLIN, 0, &revents);
        if (r >= 0 && (revents & (POLLIN | POLLERR | POLLHUP)))
                r = copy_check_server(s);
        while (r >= 0) {
                int q = PQputCopyData(s->db->conn, data, (int) n);
                if (q == 1)
                        break;
                if (q < 0)
                        return fail_result(s->db, "cannot send rows", NULL);
                r = copy_flush(s); /* no room in libpq's buffer yet */
        }
        if (r >= 0)
                r = copy_flush(s);
        if (r < 0)
                return r;
        s->bytes += n;
        return 0;
}

static int flush_copy(struct pg_sink *s) {
        if (s->buf.len == 0)
                return 0;
        int r = put_copy(s, s->buf.data, s->buf.len);
        if (r < 0)
                return r;
        s->buf.len = 0;
        return 0;
}

/* Ends the COPY; with a reason, as failed.  Returns the server's result. */
static PGresult *copy_end(struct pg_sink *s, const char *reason) {
        PGconn *conn = s->db->conn;
        if (PQputCopyEnd(conn, reason) < 0)
                return NULL;
        PGresult *res = PQgetResult(conn); /* PQgetResult waits and flushes, non-blocking or not */
        for (PGresult *extra; (extra = PQgetResult(conn));)
                PQclear(extra);
        PQsetnonblocking(conn, 0);
        s->table[0] = '\0'; /* ended: close() has nothing to abort */
        return res;
}

/* Why keys distinct in a SQLite file can repeat in PostgreSQL: said by
 * the copy into an existing table and by a key migrate adds. */
#define WHY_CONVERTED_KEYS_REPEAT                                                                                  \
        "SQLite compares the values as stored, PostgreSQL the converted ones, which makes a boolean stored as 1 and " \
        "as 't', a UUID in upper and lower case, or one instant written with two UTC offsets the same value"

/* Rows a constraint of the target refuses.  Only a table that already
 * existed has constraints during the copy (migrate adds its own keys
 * afterwards, see create_key()): the application's schema.  Say which
 * constraint and row, why SQLite held them, and what to do, instead of the
 * server's words alone.  Any other error is the server's. */
static int copy_refused(struct pg_sink *s, const char *table, const char *what, const PGresult *res) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
        const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
        const char *context = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
        bool key = state && (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0);
        bool check = state && strcmp(state, "23514") == 0;
        if (interrupted() || (!key && !check))
                return fail_result(s->db, what, res);
        /* "COPY t, line 2": the second row this copy sent. */
        const char *line = context ? strstr(context, ", line ") : NULL;
        long row = line ? strtol(line + 7, NULL, 10) : 0;
        _cleanup_free_ char *at = row > 0 ? strdup_printf(" (the %ld%s row sent, in the source's stored order)", row,
                                                          row % 100 / 10 == 1 ? "th" : row % 10 == 1 ? "st" : row % 10 == 2 ? "nd" : row % 10 == 3 ? "rd" : "th")
                                          : strdup("");
        if (!at)
                return -ENOMEM;
        if (key)
                return db_fail(&s->db->base, -EINVAL,
                               "%s: table %s: two source rows are one key of the target's unique constraint or index %s: "
                               "%s%s. " WHY_CONVERTED_KEYS_REPEAT "; or the target has a unique constraint or index the "
                               "source's schema lacks (NULLS NOT DISTINCT, a case-insensitive type, a partial index "
                               "whose condition reads the converted values). Write each key one way in the source (e.g. "
                               "UPDATE %s SET col = 1 WHERE col = 't'), or remove the repeated rows, then migrate again",
                               s->db->base.label, table, constraint ? constraint : "?",
                               detail ? detail : "a key repeats", at, table);
        return db_fail(&s->db->base, -EINVAL,
                       "%s: table %s: a source row breaks the target's CHECK constraint %s: %s%s. SQLite's schema did "
                       "not have that constraint, or did not check it on these values. Correct the row in the source, "
                       "then migrate again",
                       s->db->base.label, table, constraint ? constraint : "?", detail ? detail : "a row", at);
}

/* A send failed because the server had ended the COPY: its own message. */
static int copy_failed(struct pg_sink *s, int r) {
        if (r != -EPIPE)
                return r;
        _cleanup_free_ char *what = strdup_printf("table %s: the server stopped the copy", s->table);
        _cleanup_free_ char *table = strdup(s->table); /* copy_end() clears it */
        _cleanup_(PQclearp) PGresult *res = copy_end(s, "migrate stopped sending: the server reported an error");
        if (!what || !table)
                return -ENOMEM;
        return copy_refused(s, table, what, res);
}

/* One field: int32 length then the bytes of PostgreSQL's binary format. */
static char *store_be16(char *p, uint16_t v) {
        v = htobe16(v);
        memcpy(p, &v, 2);
        return p + 2;
}

static char *store_be32(char *p, uint32_t v) {
        v = htobe32(v);
        memcpy(p, &v, 4);
        return p + 4;
}

static char *store_be64(char *p, uint64_t v) {
        v = htobe64(v);
        memcpy(p, &v, 8);
        return p + 8;
}

static char *store_bytes(char *p, const char *s, size_t n) {
        if (n)
                memcpy(p, s, n);
        return p + n;
}

/* The size of one field's binary form, without its length word; 0 for a
 * numeric, whose size is known only once it is encoded. */
static size_t field_size(const struct col_spec *spec, const struct value *v) {
        switch (spec->type) {
        case COL_BOOL:
                return 1;
        case COL_INT16:
                return 2;
        case COL_INT32:
        case COL_FLOAT32:
        case COL_DATE:
                return 4;
        case COL_INT64:
        case COL_FLOAT64:
        case COL_TIMESTAMP_LOCAL:
        case COL_TIMESTAMP_UTC:
        case COL_TIME:
                return 8;
        case COL_INTERVAL:
                return 16;
        case COL_INET:
        case COL_CIDR: /* family, bits, is_cidr, length, then the address */
                return memchr(v->s, ':', v->n) ? 20 : 8;
        case COL_MACADDR:
                return 6;
        case COL_TEXT:
        case COL_JSON_TEXT:
        case COL_BYTES:
        case COL_UUID:
                return v->n;
        case COL_JSON_DOCUMENT:
                return v->n + 1;
        case COL_DECIMAL:
        case _COL_TYPE_MAX:
        case _COL_TYPE_ALL:
                break;
        }
        return 0;
}

/* One field, its length word then PostgreSQL's binary form, at p (room for
 * 4 + field_size() bytes); every type but numeric.  Returns the end. */
static char *store_field(char *p, const struct col_spec *spec, const struct value *v) {
        switch (spec->type) {
        case COL_INT64:
                return store_be64(store_be32(p, 8), (uint64_t) v->i);
        case COL_INT32:
                return store_be32(store_be32(p, 4), (uint32_t) (int32_t) v->i);
        case COL_INT16:
                return store_be16(store_be32(p, 2), (uint16_t) (int16_t) v->i);
        case COL_FLOAT64: {
                uint64_t bits;
                memcpy(&bits, &v->d, 8);
                return store_be64(store_be32(p, 8), bits);
        }
        case COL_FLOAT32: {
                float f = (float) v->d;
                uint32_t bits;
                memcpy(&bits, &f, 4);
                return store_be32(store_be32(p, 4), bits);
        }
        case COL_BOOL:
                p = store_be32(p, 1);
                *p++ = v->b ? 1 : 0;
                return p;
        case COL_JSON_DOCUMENT:
                p = store_be32(p, (uint32_t) v->n + 1);
                *p++ = 1; /* jsonb binary format version */
                return store_bytes(p, v->s, v->n);
        case COL_TEXT:
        case COL_JSON_TEXT:
        case COL_BYTES:
        case COL_UUID:
                return store_bytes(store_be32(p, (uint32_t) v->n), v->s, v->n);
        case COL_TIMESTAMP_LOCAL:
        case COL_TIMESTAMP_UTC:
                /* PostgreSQL counts from 2000-01-01; its infinities are the int64 limits. */
                return store_be64(store_be32(p, 8), (uint64_t) (v->i == TIME_INFINITY || v->i == TIME_MINUS_INFINITY
                                                                         ? v->i
                                                                         : v->i - PG_EPOCH_MICROS));
        case COL_DATE:
                return store_be32(store_be32(p, 4), (uint32_t) (int32_t) (v->i - PG_EPOCH_DAYS));
        case COL_TIME: {
                int64_t micros;
                if (time_of_day_parse(v->s, v->n, &micros) < 0)
                        return NULL;
                return store_be64(store_be32(p, 8), (uint64_t) micros);
        }
        case COL_INTERVAL: /* microseconds, days, months */
                return store_be32(store_be32(store_be64(store_be32(p, 16), (uint64_t) v->i), 0), 0);
        case COL_INET:
        case COL_CIDR: {
                struct ip_address a;
                if (ip_parse(v->s, v->n, &a) < 0)
                        return NULL;
                size_t len = a.family == 4 ? 4 : 16;
                p = store_be32(p, (uint32_t) (4 + len));
                *p++ = a.family == 4 ? 2 : 3; /* PGSQL_AF_INET, PGSQL_AF_INET6 */
                *p++ = (char) a.bits;
                *p++ = spec->type == COL_CIDR;
                *p++ = (char) len;
                return store_bytes(p, (const char *) a.bytes, len);
        }
        case COL_MACADDR: {
                unsigned char mac[6];
                if (macaddr_parse(v->s, v->n, mac) < 0)
                        return NULL;
                return store_bytes(store_be32(p, 6), (const char *) mac, 6);
        }
        case COL_DECIMAL:
        case _COL_TYPE_MAX:
        case _COL_TYPE_ALL:
                break;
        }
        return NULL;
}

/* One field appended to b: numeric through its own encoder, the rest
 * through store_field(). */
static int encode_field(struct strbuf *b, const struct col_spec *spec, const struct value *v) {
        if (spec->type == COL_DECIMAL) {
                size_t at = b->len;
                int r = put_be(b, 0, 4); /* length, filled in below */
                if (r >= 0)
                        r = numeric_to_pg_binary(v->s, v->n, b);
                if (r < 0)
                        return r;
                uint32_t len = htobe32((uint32_t) (b->len - at - 4));
                memcpy(b->data + at, &len, 4);
                return 0;
        }
        int r = strbuf_reserve(b, 4 + field_size(spec, v));
        if (r < 0)
                return r;
        char *end = store_field(b->data + b->len, spec, v);
        if (!end)
                return -EINVAL;
        b->len = (size_t) (end - b->data);
        b->data[b->len] = '\0';
        return 0;
}

/* One row, written straight into room reserved once for the whole row.
 * Returns 1 when done, 0 when a field takes another way (a numeric, a value
 * larger than a chunk; nothing written then), or a negative errno. */
static int encode_row_fast(struct pg_sink *s, const struct value *row) {
        size_t need = 2;
        for (size_t i = 0; i < s->n; i++) {
                if (row[i].kind == VALUE_NULL) {
                        need += 4;
                        continue;
                }
                size_t n = field_size(&s->specs[i], &row[i]);
                if (s->specs[i].type == COL_DECIMAL || n > COPY_CHUNK)
                        return 0;
                need += 4 + n;
        }
        int r = strbuf_reserve(&s->buf, need);
        if (r < 0)
                return r;
        char *p = store_be16(s->buf.data + s->buf.len, (uint16_t) s->n);
        for (size_t i = 0; i < s->n && p; i++)
                p = row[i].kind == VALUE_NULL ? store_be32(p, UINT32_MAX) : store_field(p, &s->specs[i], &row[i]);
        if (!p)
                return -EINVAL;
        s->buf.len = (size_t) (p - s->buf.data);
        s->buf.data[s->buf.len] = '\0';
        return 1;
}

/* Bytes handed to libpq straight from where the source holds them, a chunk
 * at a time: libpq copies each call into its own buffer, which so stays
 * near COPY_CHUNK however large the value. */
static int send_direct(struct pg_sink *s, const char *data, size_t n) {
        int r = flush_copy(s);
        while (r >= 0 && n > 0) {
                size_t chunk = n < COPY_CHUNK ? n : COPY_CHUNK;
                r = put_copy(s, data, chunk);
                data += chunk;
                n -= chunk;
        }
        return r;
}

/* A text or bytea larger than a chunk: its header into the buffer, its bytes
 * sent from the source's memory, never copied into the buffer. */
static int write_large_field(struct pg_sink *s, const struct col_spec *spec, const struct value *v) {
        size_t header = spec->type == COL_JSON_DOCUMENT ? 1 : 0;
        if (v->n + header > INT32_MAX)
                return db_fail(&s->db->base, -EFBIG, "%s: table %s: a value of %zu bytes is larger than PostgreSQL can hold",
                               s->db->base.label, s->table, v->n);
        int r = put_be(&s->buf, v->n + header, 4);
        if (r >= 0 && header)
                r = strbuf_putc(&s->buf, 1); /* jsonb binary format version */
        if (r >= 0)
                r = send_direct(s, v->s, v->n);
        return r;
}

static bool is_large_field(const struct col_spec *spec, const struct value *v) {
        return v->n > COPY_CHUNK && (spec->type == COL_TEXT || spec->type == COL_JSON_TEXT || spec->type == COL_JSON_DOCUMENT ||
                                     spec->type == COL_BYTES);
}

static int pg_sink_write(struct row_sink *sink, const struct value *row) {
        struct pg_sink *s = (struct pg_sink *) sink;
        int r = encode_row_fast(s, row);
        if (r > 0)
                r = 0;
        else if (r == 0) {
                r = put_be(&s->buf, (uint16_t) s->n, 2);
                for (size_t i = 0; r >= 0 && i < s->n; i++) {
                        if (row[i].kind == VALUE_NULL)
                                r = put_be(&s->buf, UINT32_MAX, 4);
                        else if (is_large_field(&s->specs[i], &row[i]))
                                r = write_large_field(s, &s->specs[i], &row[i]);
                        else
                                r = encode_field(&s->buf, &s->specs[i], &row[i]);
                }
        }
        if (r >= 0 && s->buf.len >= COPY_CHUNK)
                r = flush_copy(s);
        return copy_failed(s, r);
}

static int pg_sink_finish(struct row_sink *sink, uint64_t *ret_bytes) {
        struct pg_sink *s = (struct pg_sink *) sink;
        int r = put_be(&s->buf, UINT16_MAX, 2); /* trailer: -1 */
        if (r >= 0)
                r = copy_failed(s, flush_copy(s));
        if (r < 0)
                return r;
        _cleanup_free_ char *what = strdup_printf("table %s: the server refused the rows", s->table);
        _cleanup_free_ char *table = strdup(s->table); /* copy_end() clears it */
        if (!what || !table)
                return -ENOMEM;
        _cleanup_(PQclearp) PGresult *res = copy_end(s, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                return copy_refused(s, table, what, res);
        *ret_bytes = s->bytes;
        return 0;
}

static void pg_sink_close(struct row_sink *sink) {
        struct pg_sink *s = (struct pg_sink *) sink;
        if (s->table[0]) {
                /* Abandoned mid-copy: end the COPY with an error so the transaction aborts. */
                PGresult *res = copy_end(s, "copy abandoned by migrate");
                PQclear(res);
        }
        strbuf_done(&s->buf);
        free((void *) s->specs);
        free(s->table);
        free(s);
}

static int pg_open_sink(struct db *db, const struct table *t, const char *const *columns, size_t n,
                        struct row_sink **ret) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char *qt = qualified(p, t->name);
        int r = strbuf_printf(&sql, "COPY %s (", qt);
        if (r >= 0)
                r = sql_append_identifier_list(&sql, columns, n);
        if (r >= 0)
                r = strbuf_puts(&sql, ") FROM STDIN (FORMAT binary)");
        if (r < 0)
                return r;
        _cleanup_(PQclearp) PGresult *res = exec_one(p, sql.data);
        if (PQresultStatus(res) != PGRES_COPY_IN) {
                _cleanup_free_ char *what = strdup_printf("cannot copy into table %s", t->name);
                return fail_result(p, what ? what : "cannot copy", res);
        }
        struct pg_sink *s = calloc(1, sizeof(*s));
        struct col_spec *specs = calloc(n + 1, sizeof(*specs));
        if (!s || !specs || !(s->table = strdup(t->name))) {
                free(specs);
                free(s);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const struct column *c = table_find_column(t, columns[i]);
                specs[i] = c ? c->spec : (struct col_spec) { .type = COL_TEXT };
        }
        s->base = (struct row_sink) { .write = pg_sink_write, .finish = pg_sink_finish, .close = pg_sink_close };
        s->db = p;
        s->specs = specs;
        s->n = n;
        /* Our own waits while sending: see copy_flush(). */
        if (PQsetnonblocking(p->conn, 1) < 0)
                r = fail_result(p, "cannot copy", NULL);
        /* Header: signature, flags, no extension area. */
        if (r >= 0)
                r = strbuf_append(&s->buf, "PGCOPY\n\377\r\n\0", 11);
        if (r >= 0)
                r = put_be(&s->buf, 0, 4);
        if (r >= 0)
                r = put_be(&s->buf, 0, 4);
        if (r < 0) {
                pg_sink_close(&s->base);
                return r;
        }
        *ret = &s->base;
        return 0;
}

/* Rows go in table by table, so a child may arrive before its parent: the
 * target's foreign keys are dropped inside the transaction and added back,
 * exactly as they were, after the load -- which checks every row at once. */
static int pg_prepare_load(struct db *db) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot read the foreign keys",
                      "SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid), c.conname"
                      "  FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
                      " WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace"
                      " ORDER BY 1, 2",
                      0, NULL, &res);
        if (r < 0)
                return r;
        for (int i = 0; i < PQntuples(res); i++) {
                const char *table = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1);
                _cleanup_free_ char *drop = strdup_printf("ALTER TABLE %s DROP CONSTRAINT %s", table, name);
                char *restore = strdup_printf("foreign key %s of table %s\tALTER TABLE %s ADD CONSTRAINT %s %s",
                                              PQgetvalue(res, i, 3), table, table, name, PQgetvalue(res, i, 2));
                if (!drop || strv_consume(&p->lifted_fks, restore) < 0)
                        return -ENOMEM;
                r = exec(p, "cannot lift a foreign key for the load", drop);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int restore_foreign_keys(struct pg_db *p) {
        for (size_t i = 0; p->lifted_fks && p->lifted_fks[i]; i++) {
                char *tab = strchr(p->lifted_fks[i], '\t');
                _cleanup_free_ char *what = strndup(p->lifted_fks[i], (size_t) (tab - p->lifted_fks[i]));
                _cleanup_free_ char *msg = strdup_printf("the copied rows break the target's %s", what ? what : "?");
                _cleanup_(PQclearp) PGresult *res = exec_one(p, tab + 1);
                if (PQresultStatus(res) == PGRES_COMMAND_OK)
                        continue;
                const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                if (interrupted() || !state || strcmp(state, "23503") != 0)
                        return fail_result(p, msg ? msg : "cannot restore a foreign key", res);
                _cleanup_free_ char *server = server_message(p, res);
                /* SQLite checks foreign keys only where a connection turns them on. */
                return db_fail(&p->base, -EINVAL,
                               "%s: %s: %s. SQLite enforces foreign keys only when the application turns them on, so "
                               "the source holds rows whose reference is missing (sqlite3 FILE 'PRAGMA foreign_key_check' "
                               "lists them all): correct or delete them in the source, then migrate again",
                               p->base.label, msg ? msg : "a foreign key", server ? server : "?");
        }
        return 0;
}

/* ---- after the load: keys, indexes, foreign keys, defaults, generators ---- */

/* One key: a quoted column name, or an expression translated from the tree. */
/* A key SQLite compares with COLLATE NOCASE, on a text column: only then
 * does the collation change what is unique. */
static bool key_folds_case(const struct table *t, const struct index *x, size_t k) {
        const struct column *c = x->keys[k] && x->nocase && x->nocase[k] ? table_find_column(t, x->keys[k]) : NULL;
        return c && c->spec.type == COL_TEXT;
}

static bool index_folds_case(const struct table *t, const struct index *x) {
        bool folds = false;
        for (size_t k = 0; x->unique && k < x->n_keys; k++)
                folds |= key_folds_case(t, x, k);
        return folds;
}

/* A json column has no btree operator class (no equality, no order) in
 * PostgreSQL: an index or key on it is carried on its text, which json keeps
 * as written, so lookups and uniqueness are SQLite's (text compared as bytes). */
static bool key_is_json(const struct table *t, const struct index *x, size_t k) {
        const struct column *c = x->keys[k] ? table_find_column(t, x->keys[k]) : NULL;
        return c && c->spec.type == COL_JSON_TEXT;
}

static bool index_has_json(const struct table *t, const struct index *x) {
        bool json = false;
        for (size_t k = 0; k < x->n_keys; k++)
                json |= key_is_json(t, x, k);
        return json;
}

/* One key: a quoted column name, or an expression translated from the tree.
 * fold: a NOCASE key becomes lower(key COLLATE "C"), which folds ASCII
 * letters only -- SQLite's NOCASE exactly.  A json key is its text. */
static int add_key(struct strbuf *b, const struct table *t, const struct index *x, size_t k, bool fold, char **ret_why) {
        _cleanup_free_ char *text = NULL;
        if (x->keys[k] && fold && key_folds_case(t, x, k)) {
                _cleanup_free_ char *q = sql_quote_identifier(x->keys[k]);
                text = q ? strdup_printf("lower(%s COLLATE \"C\")", q) : NULL;
        } else if (x->keys[k] && key_is_json(t, x, k)) {
                _cleanup_free_ char *q = sql_quote_identifier(x->keys[k]);
                text = q ? strdup_printf("(%s::text)", q) : NULL;
        } else if (x->keys[k])
                text = sql_quote_identifier(x->keys[k]);
        else if (!x->exprs || !x->exprs[k])
                return (*ret_why = strdup("an expression key SQLite does not show")) ? -EOPNOTSUPP : -ENOMEM;
        else {
                const struct expr_target target = { .use = EXPR_INDEX_KEY, .table = t };
                _cleanup_free_ char *expr = NULL;
                int r = expr_translate(x->exprs[k], &target, &expr, ret_why);
                if (r < 0)
                        return r;
                text = strdup_printf("(%s)", expr);
        }
        if (!text)
                return -ENOMEM;
        /* A key or UNIQUE constraint has no order in PostgreSQL: carried without DESC. */
        bool desc = x->desc[k] && !x->primary && !x->constraint && !fold;
        return strbuf_printf(b, "%s%s%s", k ? ", " : "", text, desc ? " DESC" : "");
}

/* Whether a relation (table, index, sequence) of that name is in the schema. */
static int relation_exists(struct pg_db *p, const char *name, bool *ret) {
        const char *params[] = { name };
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot look up a name",
                      "SELECT EXISTS (SELECT 1 FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace)",
                      1, params, &res);
        if (r >= 0)
                *ret = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        return r;
}

/* Index names are not data: one PostgreSQL already uses (a key's generated
 * t_pkey, a t_id_seq, an index whose long name was shortened to the same)
 * becomes name_1, name_2, ... (cut to fit 63 bytes), and that is said. */
static int choose_index_name(struct pg_db *p, const struct table *t, const char *want, char **ret, char ***notes) {
        _cleanup_free_ char *name = strdup(want);
        bool taken = true;
        int r = name ? relation_exists(p, name, &taken) : -ENOMEM;
        for (unsigned n = 1; r >= 0 && taken; n++) {
                char suffix[16];
                snprintf(suffix, sizeof(suffix), "_%u", n);
                free(name);
                name = pg_name_with_suffix(want, suffix);
                r = name ? relation_exists(p, name, &taken) : -ENOMEM;
        }
        if (r < 0)
                return r;
        if (strcmp(name, want) != 0 &&
            (r = strv_consume(notes, strdup_printf("note: index %s on %s: created as %s, because PostgreSQL already has a "
                                                   "table, index or sequence named %s",
                                                   want, t->name, name, want))) < 0)
                return r;
        *ret = TAKE_PTR(name);
        return 0;
}

/* SQLite lets a primary key other than INTEGER PRIMARY KEY hold NULL (an old
 * bug kept for compatibility); PostgreSQL's may not.  Such a key becomes a
 * UNIQUE constraint, which, like SQLite's key, lets NULLs repeat. */
static int key_holds_null(struct pg_db *p, const struct table *t, const struct index *x, bool *ret) {
        _cleanup_strbuf_ struct strbuf sql = {};
        /* Columns the table declares NOT NULL, or identity columns (NOT NULL
         * too), cannot: no scan of the table (20M rows: 1.3 s). */
        bool may_be_null = false;
        for (size_t k = 0; k < x->n_keys; k++) {
                const struct column *c = x->keys[k] ? table_find_column(t, x->keys[k]) : NULL;
                may_be_null |= !c || !(c->not_null || c->identity);
        }
        *ret = false;
        if (!may_be_null)
                return 0;
        _cleanup_free_ char *qt = qualified(p, t->name);
        int r = qt ? strbuf_printf(&sql, "SELECT EXISTS (SELECT 1 FROM %s WHERE false", qt) : -ENOMEM;
        for (size_t k = 0; r >= 0 && k < x->n_keys; k++) {
                _cleanup_free_ char *q = x->keys[k] ? sql_quote_identifier(x->keys[k]) : NULL;
                r = q ? strbuf_printf(&sql, " OR %s IS NULL", q) : x->keys[k] ? -ENOMEM : 0;
        }
        if (r >= 0)
                r = strbuf_putc(&sql, ')');
        if (r < 0)
                return r;
        _cleanup_(PQclearp) PGresult *res = NULL;
        _cleanup_free_ char *what = strdup_printf("cannot look for NULL in the primary key of %s", t->name);
        r = query(p, what ? what : "cannot look for NULL in a key", sql.data, 0, NULL, &res);
        if (r >= 0)
                *ret = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        return r;
}

/* The keys of x that occur more than once in t, as PostgreSQL shows rows:
 * "(é,3,t) on 2 rows; ..." (the first few), and how many there are. */
static int duplicate_keys(struct pg_db *p, const struct table *t, const struct index *x, char **ret, int64_t *ret_n) {
        _cleanup_strbuf_ struct strbuf cols = {}, notnull = {}, sql = {};
        _cleanup_free_ char *qt = qualified(p, t->name);
        int r = qt ? 0 : -ENOMEM;
        for (size_t k = 0; r >= 0 && k < x->n_keys; k++) {
                _cleanup_free_ char *q = sql_quote_identifier(x->keys[k]);
                r = q ? strbuf_printf(&cols, "%s%s", k ? ", " : "", q) : -ENOMEM;
                if (r >= 0)
                        r = strbuf_printf(&notnull, "%s%s IS NOT NULL", k ? " AND " : "", q);
        }
        if (r >= 0)
                r = strbuf_printf(&sql,
                                  "SELECT ROW(%1$s)::text || ' on ' || count(*) || ' rows', count(*) OVER () FROM %2$s "
                                  "WHERE %3$s GROUP BY %1$s HAVING count(*) > 1 ORDER BY 1 LIMIT 5",
                                  cols.data, qt, notnull.data);
        if (r < 0)
                return r;
        _cleanup_(PQclearp) PGresult *res = NULL;
        r = query(p, "cannot look for the repeated keys", sql.data, 0, NULL, &res);
        if (r < 0)
                return r;
        _cleanup_strbuf_ struct strbuf out = {};
        for (int i = 0; r >= 0 && i < PQntuples(res); i++)
                r = strbuf_printf(&out, "%s%s", i ? "; " : "", PQgetvalue(res, i, 0));
        if (r < 0)
                return r;
        *ret_n = PQntuples(res) > 0 ? strtoll(PQgetvalue(res, 0, 1), NULL, 10) : 0;
        *ret = out.data ? strdup(out.data) : strdup("");
        return *ret ? 0 : -ENOMEM;
}

/* A key or unique index that SQLite held and PostgreSQL refuses as
 * duplicated: SQLite compared the values as stored, PostgreSQL compares the
 * converted ones, and some conversions make different stored values equal
 * (a boolean written 1 and 't', a UUID in upper and lower case, one instant
 * written with two UTC offsets).  Say which keys, why, and what to do,
 * instead of the server's bare "could not create unique index". */
static int create_key(struct pg_db *p, const struct table *t, const struct index *x, const char *what, const char *sql,
                      char **ret_too_long) {
        *ret_too_long = NULL;
        int r = exec(p, "savepoint", "SAVEPOINT migrate_key");
        if (r < 0)
                return r;
        _cleanup_(PQclearp) PGresult *res = exec_one(p, sql);
        if (PQresultStatus(res) == PGRES_COMMAND_OK)
                return exec(p, "savepoint", "RELEASE SAVEPOINT migrate_key");
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (!interrupted() && state && strcmp(state, SQLSTATE_PROGRAM_LIMIT_EXCEEDED) == 0) {
                /* A value longer than a btree entry: the caller carries the key by hash. */
                if (!(*ret_too_long = server_message(p, res)))
                        return -ENOMEM;
                return exec(p, "savepoint", "ROLLBACK TO SAVEPOINT migrate_key");
        }
        if (interrupted() || !state || strcmp(state, "23505") != 0)
                return fail_result(p, what, res);
        for (size_t k = 0; k < x->n_keys; k++)
                if (!x->keys[k])
                        return fail_result(p, what, res);
        if ((r = exec(p, "savepoint", "ROLLBACK TO SAVEPOINT migrate_key")) < 0)
                return r;
        _cleanup_free_ char *dups = NULL, *names = NULL, *msg = server_message(p, res);
        int64_t n = 0;
        _cleanup_strbuf_ struct strbuf list = {};
        for (size_t k = 0; k < x->n_keys && r >= 0; k++)
                r = strbuf_printf(&list, "%s%s", k ? ", " : "", x->keys[k]);
        if (r >= 0)
                r = duplicate_keys(p, t, x, &dups, &n);
        if (r < 0)
                return r;
        return db_fail(&p->base, -EINVAL,
                       "%s: %s: %" PRId64 " key%s (%s) that differ in SQLite are equal in PostgreSQL: %s%s. "
                       WHY_CONVERTED_KEYS_REPEAT ". Write each key one way in the source (e.g. UPDATE %s SET col = 1 WHERE col = 't'), "
                       "then migrate again",
                       p->base.label, what, n, n == 1 ? "" : "s", list.data ? list.data : "?",
                       dups && *dups ? dups : (msg ? msg : "?"), n > 5 ? "; ..." : "", t->name);
}

/* A btree entry holds at most about a third of a page (2704 bytes), where
 * SQLite's index holds any value: an index whose key has a longer value is
 * carried by hash, which has no such limit and, for one key column, keeps
 * what the index means: a plain index serves equality lookups, and a key,
 * UNIQUE constraint or unique index becomes an exclusion constraint by
 * hash, which lets no two rows have equal values (NULLs apart, as UNIQUE
 * and SQLite do; a primary key's column is made NOT NULL first).  A foreign
 * key cannot reference an exclusion constraint: one that does is then
 * reported as not carried.  With several key columns nothing holds it,
 * and the index is reported as not carried. */
static int create_index_by_hash(struct pg_db *p, const struct table *t, const struct index *x, const char *qt,
                                const char *qi, bool nulls, const char *too_long, char ***not_carried) {
        const char *kind = x->primary ? "primary key" : x->constraint ? "UNIQUE constraint" : x->unique ? "unique index" : "index";
        _cleanup_free_ char *label = x->primary || x->constraint ? strdup_printf("%s of %s", kind, t->name)
                                                                 : strdup_printf("%s %s on %s", kind, x->name, t->name);
        if (!label)
                return -ENOMEM;
        if (x->n_keys != 1 || !x->keys[0])
                return strv_consume(not_carried, strdup_printf("%s: PostgreSQL does not accept it (%s), and a hash index, "
                                                               "which would, takes one column",
                                                               label, too_long));
        _cleanup_free_ char *qc = sql_quote_identifier(x->keys[0]), *why = NULL;
        _cleanup_strbuf_ struct strbuf sql = {};
        int r = qc ? 0 : -ENOMEM;
        if (r >= 0 && x->primary && !nulls) {
                _cleanup_free_ char *not_null = strdup_printf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", qt, qc);
                r = not_null ? exec(p, "cannot make a key column NOT NULL", not_null) : -ENOMEM;
        }
        if (r >= 0) {
                if (x->primary || x->constraint || x->unique)
                        r = strbuf_printf(&sql, "ALTER TABLE %s ADD %s%s EXCLUDE USING hash (%s WITH =)", qt,
                                          qi ? "CONSTRAINT " : "", qi ? qi : "", qc);
                else
                        r = strbuf_printf(&sql, "CREATE INDEX %s ON %s USING hash (%s)", qi, qt, qc);
        }
        if (r >= 0)
                r = exec_optional(p, sql.data, &why);
        if (r < 0)
                return r;
        if (why)
                return strv_consume(not_carried, strdup_printf("%s: PostgreSQL does not accept it (%s), nor by hash (%s)",
                                                               label, too_long, why));
        return strv_consume(not_carried,
                            strdup_printf("note: %s: a value of column %s is longer than a PostgreSQL btree index entry may be "
                                          "(%s); carried as %s by hash, %s",
                                          label, x->keys[0], too_long,
                                          x->primary || x->constraint || x->unique ? "an exclusion constraint" : "an index",
                                          x->primary || x->constraint || x->unique
                                                  ? "which keeps its values unique (a foreign key cannot reference it)"
                                                  : "which serves equality lookups, not ordering or ranges"));
}

/* fold: the unique index on lower() that carries a COLLATE NOCASE key or
 * UNIQUE constraint (for a primary key, next to the key itself). */
static int create_index(struct pg_db *p, const struct table *t, const struct index *x, bool fold, char ***not_carried) {
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char *qt = qualified(p, t->name), *qi = NULL, *name = NULL, *want = NULL;
        _cleanup_free_ char *why = NULL;
        bool expressions = fold;
        int r;
        /* A key or UNIQUE constraint on a json column cannot be a constraint
         * (those take columns, and json has no equality): a unique index on
         * its text, under the constraint's name. */
        bool json_key = !fold && (x->primary || x->constraint) && index_has_json(t, x);
        /* A key or UNIQUE constraint the source named keeps its name (ORMs
         * drop and alter them by name); PostgreSQL names the others. */
        bool named = !fold && !json_key && (x->primary || x->constraint) && x->constraint_name;
        if (fold && (x->primary || x->constraint)) {
                _cleanup_free_ char *base = strdup_printf("%s_%s_nocase", t->name, x->primary ? "pkey" : x->keys[0]);
                want = base ? pg_name_shorten(base) : NULL;
        } else if (json_key) {
                _cleanup_free_ char *base = x->constraint_name ? strdup(x->constraint_name)
                                                               : strdup_printf("%s_%s", t->name, x->primary ? "pkey" : "key");
                want = base ? pg_name_shorten(base) : NULL;
        } else if (named)
                want = strdup(x->constraint_name);
        else if (!x->primary && !x->constraint)
                want = strdup(x->name);
        if (want) {
                r = choose_index_name(p, t, want, &name, not_carried);
                if (r < 0)
                        return r;
                if (!(qi = sql_quote_identifier(name)))
                        return -ENOMEM;
        } else if (fold || json_key || named || (!x->primary && !x->constraint))
                return -ENOMEM;
        _cleanup_free_ char *constraint = named ? strdup_printf("CONSTRAINT %s ", qi) : strdup("");
        if (!constraint)
                return -ENOMEM;
        bool nulls = false;
        if (x->primary && !fold && !json_key && (r = key_holds_null(p, t, x, &nulls)) < 0)
                return r;
        if (fold || json_key)
                r = strbuf_printf(&sql, "CREATE UNIQUE INDEX %s ON %s (", qi, qt);
        else if (nulls)
                r = strbuf_printf(&sql, "ALTER TABLE %s ADD %sUNIQUE (", qt, constraint);
        else if (x->primary)
                r = strbuf_printf(&sql, "ALTER TABLE %s ADD %sPRIMARY KEY (", qt, constraint);
        else if (x->constraint)
                r = strbuf_printf(&sql, "ALTER TABLE %s ADD %sUNIQUE (", qt, constraint);
        else
                r = strbuf_printf(&sql, "CREATE %sINDEX %s ON %s (", x->unique ? "UNIQUE " : "", qi, qt);
        for (size_t k = 0; r >= 0 && k < x->n_keys; k++) {
                expressions |= !x->keys[k] || key_is_json(t, x, k);
                r = add_key(&sql, t, x, k, fold, &why);
        }
        if (r == -EOPNOTSUPP)
                return strv_consume(not_carried, strdup_printf("index %s on %s: its key has %s (see EXPRESSIONS in "
                                                               "migrate(1))",
                                                               x->name, t->name, why));
        if (r >= 0)
                r = strbuf_putc(&sql, ')');
        if (r >= 0 && x->where) {
                const struct expr_target target = { .use = EXPR_PREDICATE, .table = t };
                _cleanup_free_ char *where = NULL;
                r = expr_translate(x->where, &target, &where, &why);
                if (r == -EOPNOTSUPP)
                        return strv_consume(not_carried, strdup_printf("partial index %s on %s: its WHERE has %s (see "
                                                                       "EXPRESSIONS in migrate(1))",
                                                                       x->name, t->name, why));
                if (r >= 0)
                        r = strbuf_printf(&sql, " WHERE %s", where);
        }
        if (r < 0)
                return r;
        if (json_key) {
                _cleanup_free_ char *what = strdup_printf("cannot create the unique index on the json text of table %s",
                                                          t->name);
                r = create_key(p, t, x, what ? what : "cannot create an index", sql.data, &why);
                if (r >= 0 && why)
                        r = strv_consume(not_carried, strdup_printf("%s of %s: a json value is longer than an index "
                                                                    "entry may be (%s)",
                                                                    x->primary ? "primary key" : "UNIQUE constraint",
                                                                    t->name, why));
                else if (r >= 0)
                        r = strv_consume(not_carried, strdup_printf("note: %s of %s: json has no equality in PostgreSQL; "
                                                                    "carried as unique index %s on the json text "
                                                                    "(col::text), unique as in SQLite",
                                                                    x->primary ? "primary key" : "UNIQUE constraint",
                                                                    t->name, name));
                return r;
        }
        if (!fold && (x->primary || x->constraint || (!x->where && !expressions))) {
                /* Keys and plain indexes must work: a failure is the run's failure. */
                _cleanup_free_ char *what = strdup_printf("cannot create %s of table %s",
                                                          x->primary ? "the primary key" : "an index", t->name);
                r = x->unique ? create_key(p, t, x, what ? what : "cannot create an index", sql.data, &why)
                              : exec_tolerating(p, what ? what : "cannot create an index", sql.data,
                                                SQLSTATE_PROGRAM_LIMIT_EXCEEDED, &why);
                if (r >= 0 && why)
                        return create_index_by_hash(p, t, x, qt, qi, nulls, why, not_carried);
                if (r >= 0 && nulls)
                        r = strv_consume(not_carried, strdup_printf("note: primary key of %s: a key column holds NULL, "
                                                                    "which PostgreSQL's primary keys cannot; carried as a "
                                                                    "UNIQUE constraint (NULLs may repeat, as in SQLite)",
                                                                    t->name));
                return r;
        }
        /* Translated expressions: PostgreSQL may still refuse one (types, immutability). */
        r = exec_optional(p, sql.data, &why);
        if (r >= 0 && why)
                r = strv_consume(not_carried, strdup_printf("%sindex %s on %s%s: PostgreSQL does not accept it (%s)",
                                                            x->where ? "partial " : "", x->name, t->name,
                                                            fold ? " (its COLLATE NOCASE uniqueness)" : "", why));
        else if (r >= 0 && fold)
                r = strv_consume(not_carried, strdup_printf("note: %s%s of %s: COLLATE NOCASE carried as unique index %s on "
                                                            "lower(column COLLATE \"C\"), which folds ASCII letters only, "
                                                            "as SQLite's NOCASE",
                                                            x->primary ? "primary key" : x->constraint ? "UNIQUE constraint"
                                                                                                       : "unique index ",
                                                            x->primary || x->constraint ? "" : x->name, t->name, name));
        return r;
}

static int add_foreign_key(struct pg_db *p, const struct table *t, const struct foreign_key *fk, char ***not_carried) {
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char *qt = qualified(p, t->name), *qr = qualified(p, fk->ref_table);
        _cleanup_free_ char *qn = fk->name ? sql_quote_identifier(fk->name) : NULL;
        if (!qt || !qr || (fk->name && !qn))
                return -ENOMEM;
        int r = strbuf_printf(&sql, "ALTER TABLE %s ADD %s%s%sFOREIGN KEY (", qt, qn ? "CONSTRAINT " : "", qn ? qn : "",
                              qn ? " " : "");
        if (r >= 0)
                r = sql_append_identifier_list(&sql, (const char *const *) fk->from, fk->n);
        if (r >= 0)
                r = strbuf_printf(&sql, ") REFERENCES %s (", qr);
        if (r >= 0)
                r = sql_append_identifier_list(&sql, (const char *const *) fk->to, fk->n);
        if (r >= 0)
                r = strbuf_printf(&sql, ") ON UPDATE %s ON DELETE %s%s", fk->on_update ? fk->on_update : "NO ACTION",
                                  fk->on_delete ? fk->on_delete : "NO ACTION",
                                  fk->deferred ? " DEFERRABLE INITIALLY DEFERRED" : "");
        if (r < 0)
                return r;
        /* SQLite does not enforce foreign keys unless asked: rows may break one. */
        _cleanup_free_ char *why = NULL;
        r = exec_optional(p, sql.data, &why);
        if (r < 0 || !why)
                return r;
        _cleanup_free_ char *why_not_valid = NULL;
        r = strbuf_puts(&sql, " NOT VALID");
        if (r >= 0)
                r = exec_optional(p, sql.data, &why_not_valid);
        if (r < 0)
                return r;
        return strv_consume(not_carried, strdup_printf("foreign key of %s (%s...) referencing %s: %s%s", t->name, fk->from[0],
                                                       fk->ref_table, why,
                                                       why_not_valid ? ""
                                                                     : "; added NOT VALID, so it checks new rows only"));
}

/* Only a default the translator can write from its tree is carried:
 * literals, CURRENT_* and expressions of those. */
static int set_default(struct pg_db *p, const struct table *t, const struct column *c, char ***not_carried) {
        _cleanup_free_ char *qt = qualified(p, t->name), *qc = sql_quote_identifier(c->name);
        const struct expr_target target = { .use = EXPR_DEFAULT, .column = &c->spec };
        _cleanup_free_ char *expr = NULL, *why = NULL;
        int r = expr_translate(c->default_sql, &target, &expr, &why);
        if (r == -EOPNOTSUPP)
                return strv_consume(not_carried, strdup_printf("default of %s.%s: it has %s (see EXPRESSIONS in migrate(1))",
                                                               t->name, c->name, why));
        if (r < 0)
                return r;
        _cleanup_free_ char *sql = strdup_printf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", qt, qc, expr);
        r = sql ? exec_optional(p, sql, &why) : -ENOMEM;
        if (r >= 0 && why)
                r = strv_consume(not_carried, strdup_printf("default of %s.%s: PostgreSQL does not accept it (%s)", t->name,
                                                            c->name, why));
        return r;
}

/* A CHECK constraint is carried when the translator writes the same
 * condition; the rows already there must meet it. */
static int add_check(struct pg_db *p, const struct table *t, size_t k, char ***not_carried) {
        const struct check *c = &t->checks[k];
        const struct expr_target target = { .use = EXPR_CHECK, .table = t };
        _cleanup_free_ char *expr = NULL, *why = NULL, *label = NULL;
        label = c->name ? strdup_printf("CHECK constraint %s of table %s", c->name, t->name)
                        : strdup_printf("CHECK constraint #%zu of table %s", k + 1, t->name);
        if (!label)
                return -ENOMEM;
        int r = expr_translate(c->expr, &target, &expr, &why);
        if (r == -EOPNOTSUPP)
                return strv_consume(not_carried, strdup_printf("%s: it has %s (see EXPRESSIONS in migrate(1))", label, why));
        if (r < 0)
                return r;
        _cleanup_free_ char *qt = qualified(p, t->name), *qn = c->name ? sql_quote_identifier(c->name) : NULL;
        _cleanup_free_ char *sql = strdup_printf("ALTER TABLE %s ADD %s%s CHECK (%s)", qt, qn ? "CONSTRAINT " : "",
                                                 qn ? qn : "", expr);
        r = sql ? exec_optional(p, sql, &why) : -ENOMEM;
        if (r >= 0 && why)
                r = strv_consume(not_carried, strdup_printf("%s: PostgreSQL does not accept it (%s)", label, why));
        return r;
}

/* Generators continue past the largest value -- and past SQLite's
 * AUTOINCREMENT high-water mark, so ids are never reused.  ALTER SEQUENCE
 * RESTART, unlike setval(), is undone by a rollback.  When the largest
 * value is the largest bigint there is no next one: the sequence is left
 * used up at its maximum (the next insert without an id fails, as SQLite's
 * AUTOINCREMENT would), and that is reported. */
static int set_sequence(struct pg_db *p, const struct table *t, const struct column *c, int64_t floor, char ***notes) {
        _cleanup_free_ char *qt = qualified(p, t->name), *qc = sql_quote_identifier(c->name);
        _cleanup_free_ char *lt = sql_quote_literal(qt);
        _cleanup_free_ char *sql = strdup_printf(
                "SELECT coalesce(pg_get_serial_sequence(%s, $1), (SELECT s.oid::regclass::text FROM pg_attrdef ad, "
                DEFAULT_SEQUENCE("ad") " AND ad.adrelid = %s::regclass"
                " AND ad.adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = %s::regclass AND attname = $1) LIMIT 1)),"
                " greatest(coalesce(max(%s), 0), %" PRId64 ") FROM %s",
                lt, lt, lt, qc, floor, qt);
        _cleanup_free_ char *what = strdup_printf("cannot set the sequence of %s.%s", t->name, c->name);
        const char *params[] = { c->name };
        _cleanup_(PQclearp) PGresult *res = NULL;
        if (!sql || !what)
                return -ENOMEM;
        int r = query(p, what, sql, 1, params, &res);
        if (r < 0 || PQgetisnull(res, 0, 0))
                return r; /* no sequence behind this column */
        int64_t largest = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
        if (largest == INT64_MAX) {
                _cleanup_free_ char *restart = strdup_printf("ALTER SEQUENCE %s RESTART WITH %" PRId64, PQgetvalue(res, 0, 0),
                                                             largest);
                _cleanup_free_ char *lseq = sql_quote_literal(PQgetvalue(res, 0, 0));
                _cleanup_free_ char *use = lseq ? strdup_printf("SELECT nextval(%s)", lseq) : NULL;
                if (!restart || !use)
                        return -ENOMEM;
                r = exec(p, what, restart);
                if (r >= 0)
                        r = exec(p, what, use);
                if (r >= 0)
                        r = strv_consume(notes, strdup_printf("note: generator of %s.%s: the largest value is %" PRId64
                                                              ", the largest bigint, so the sequence is left at its "
                                                              "maximum and new rows need an explicit %s",
                                                              t->name, c->name, largest, c->name));
                return r;
        }
        /* Never back: a sequence already past the largest value (one that
         * starts at 1000, or feeds several tables) keeps its place. */
        _cleanup_free_ char *next_sql = strdup_printf(
                "SELECT CASE WHEN is_called THEN last_value::numeric + (SELECT seqincrement FROM pg_sequence"
                " WHERE seqrelid = $1::regclass) ELSE last_value END > %" PRId64 " FROM %s",
                largest + 1, PQgetvalue(res, 0, 0));
        const char *seq[] = { PQgetvalue(res, 0, 0) };
        _cleanup_(PQclearp) PGresult *next = NULL;
        if (!next_sql)
                return -ENOMEM;
        r = query(p, what, next_sql, 1, seq, &next);
        if (r < 0)
                return r;
        if (strcmp(PQgetvalue(next, 0, 0), "t") == 0)
                return 0;
        _cleanup_free_ char *restart = strdup_printf("ALTER SEQUENCE %s RESTART WITH %" PRId64, PQgetvalue(res, 0, 0),
                                                     largest + 1);
        return restart ? exec(p, what, restart) : -ENOMEM;
}

/* Each statement that reads a whole table shows up as a step, n of m. */
static size_t count_build_steps(const struct catalog *plan) {
        size_t m = 0;
        for (size_t i = 0; i < plan->n_tables; i++)
                m += plan->tables[i].n_indexes + plan->tables[i].n_fks;
        return m;
}

static void show_step(struct db *db, size_t *n, size_t m, const char *kind, const char *a, const char *joint,
                      const char *b) {
        _cleanup_free_ char *what = strdup_printf("%s %s%s%s", kind, a, joint, b);
        progress_step(db->progress, what ? what : kind, ++*n, m);
}

static int pg_finish_tables(struct db *db, const struct catalog *plan, bool created, char ***not_carried) {
        struct pg_db *p = (struct pg_db *) db;
        size_t step = 0, steps = created ? count_build_steps(plan) : 0;
        int r = restore_foreign_keys(p);
        for (size_t i = 0; created && r >= 0 && i < plan->n_tables; i++) {
                const struct table *t = &plan->tables[i];
                /* The primary key first: foreign keys need it. */
                for (size_t k = 0; r >= 0 && k < t->n_indexes; k++)
                        if (t->indexes[k].primary) {
                                show_step(db, &step, steps, "primary key of", t->name, "", "");
                                r = create_index(p, t, &t->indexes[k], false, not_carried);
                        }
                for (size_t k = 0; r >= 0 && k < t->n_indexes; k++) {
                        const struct index *x = &t->indexes[k];
                        bool fold = index_folds_case(t, x);
                        if (!x->primary)
                                show_step(db, &step, steps, "index", x->name ? x->name : "?", " on ", t->name);
                        /* A NOCASE UNIQUE becomes a unique index on lower(); a key stays, and gets one too. */
                        if (!x->primary && !(fold && x->constraint))
                                r = create_index(p, t, x, fold && !x->constraint, not_carried);
                        if (r >= 0 && fold && (x->primary || x->constraint))
                                r = create_index(p, t, x, true, not_carried);
                }
                for (size_t k = 0; r >= 0 && k < t->n_columns; k++)
                        if (t->columns[k].default_sql && !t->columns[k].identity)
                                r = set_default(p, t, &t->columns[k], not_carried);
                for (size_t k = 0; r >= 0 && k < t->n_checks; k++)
                        r = add_check(p, t, k, not_carried);
        }
        for (size_t i = 0; created && r >= 0 && i < plan->n_tables; i++)
                for (size_t k = 0; r >= 0 && k < plan->tables[i].n_fks; k++) {
                        show_step(db, &step, steps, "foreign key of", plan->tables[i].name, " to ",
                                  plan->tables[i].fks[k].ref_table);
                        r = add_foreign_key(p, &plan->tables[i], &plan->tables[i].fks[k], not_carried);
                }
        for (size_t i = 0; r >= 0 && i < plan->n_tables; i++)
                for (size_t k = 0; r >= 0 && k < plan->tables[i].n_columns; k++)
                        if (plan->tables[i].columns[k].identity)
                                /* SQLite's AUTOINCREMENT high-water mark is its key's. */
                                r = set_sequence(p, &plan->tables[i], &plan->tables[i].columns[k],
                                                 plan->tables[i].sequence > 0 && plan->tables[i].columns[k].pk_position > 0
                                                         ? plan->tables[i].sequence
                                                         : 0,
                                                 not_carried);
        return r;
}

/* ---- locks: never wait on one without saying whose it is ---------------- */

/* Who holds a lock on a table of our schema, one line each: sessions and
 * prepared transactions (which have no session and hold their locks until
 * someone commits or rolls them back). */
static int lock_holders(struct pg_db *p, bool exclusive_only, char ***ret) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot look at the locks on the target's tables",
                      "SELECT DISTINCT c.relname, l.mode,"
                      "       CASE WHEN l.pid IS NULL THEN 'prepared transaction ' || coalesce(quote_literal(px.gid), '?')"
                      "            || ' (owner ' || coalesce(px.owner::text, '?') || ', prepared '"
                      "            || coalesce(to_char(px.prepared AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '?')"
                      "            || ' UTC): finish it with COMMIT PREPARED or ROLLBACK PREPARED '"
                      "            || coalesce(quote_literal(px.gid), '?')"
                      "       ELSE 'session pid ' || l.pid || ', user ' || coalesce(a.usename::text, '?')"
                      "            || ', application ' || coalesce(nullif(a.application_name, ''), '-') END"
                      "  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                      /* A prepared transaction's locks keep its virtual id; its xid lock names it. */
                      "  LEFT JOIN LATERAL (SELECT px.gid, px.owner, px.prepared FROM pg_prepared_xacts px"
                      "       JOIN pg_locks x ON x.locktype = 'transactionid' AND x.transactionid = px.transaction"
                      "        AND x.virtualtransaction = l.virtualtransaction AND x.pid IS NULL LIMIT 1) px"
                      "       ON l.pid IS NULL"
                      "  LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
                      " WHERE l.locktype = 'relation' AND l.granted"
                      "   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                      "   AND c.relnamespace = current_schema()::regnamespace"
                      "   AND l.pid IS DISTINCT FROM pg_backend_pid()"
                      "   AND (NOT $1::boolean OR l.mode = 'AccessExclusiveLock')"
                      " ORDER BY 1, 3, 2",
                      1, (const char *const[]) { exclusive_only ? "true" : "false" }, &res);
        if (r < 0)
                return r;
        *ret = NULL;
        for (int i = 0; i < PQntuples(res); i++) {
                r = strv_consume(ret, strdup_printf("table %s: %s held by %s", PQgetvalue(res, i, 0),
                                                    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2)));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int refuse_locked(struct pg_db *p, char **holders) {
        _cleanup_strbuf_ struct strbuf b = {};
        for (size_t i = 0; holders[i]; i++)
                if (strbuf_printf(&b, "%s %s", i ? ";" : "", holders[i]) < 0)
                        return -ENOMEM;
        return db_fail(&p->base, -EBUSY,
                       "%s: other transactions hold locks on the target's tables, so migrate would wait for them; "
                       "nothing was written (end them, then run migrate again):%s",
                       p->base.label, b.data);
}

/* Before even the catalog is read (reading it waits on an exclusive lock):
 * the locks others hold that would make this run wait. */
static int pg_check_locks(struct db *db) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_(strv_freep) char **holders = NULL;
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = lock_holders(p, p->mode == PG_TARGET_VERIFY, &holders);
        if (r < 0)
                return r;
        /* One left by an earlier run (its server went away mid-commit) may
         * hold tables not even visible yet: name it too. */
        r = query(p, "cannot read pg_prepared_xacts",
                  "SELECT quote_literal(gid), to_char(prepared AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
                  "  FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE 'rstudio-pm-migrate-%'"
                  " ORDER BY prepared",
                  0, NULL, &res);
        for (int i = 0; r >= 0 && i < PQntuples(res); i++)
                r = strv_consume(&holders, strdup_printf("prepared transaction %s, left by a migrate run at %s UTC whose "
                                                         "commit could not finish: COMMIT PREPARED %s if that run told "
                                                         "you to, else ROLLBACK PREPARED %s",
                                                         PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                                                         PQgetvalue(res, i, 0), PQgetvalue(res, i, 0)));
        if (r < 0)
                return r;
        return holders ? refuse_locked(p, holders) : 0;
}

static int pg_lock_tables(struct db *db, const struct catalog *existing) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_(strv_freep) char **holders = NULL;
        _cleanup_strbuf_ struct strbuf sql = {};
        if (existing->n_tables == 0)
                return 0;
        /* Take them all now: nothing later waits, and a session that came
         * after check_locks() is named, not waited for in silence. */
        int r = strbuf_puts(&sql, "LOCK TABLE ");
        for (size_t i = 0; r >= 0 && i < existing->n_tables; i++) {
                _cleanup_free_ char *q = qualified(p, existing->tables[i].name);
                r = q ? strbuf_printf(&sql, "%s%s", i ? ", " : "", q) : -ENOMEM;
        }
        if (r >= 0)
                r = strbuf_puts(&sql, " IN ACCESS EXCLUSIVE MODE");
        if (r < 0)
                return r;
        r = exec(p, "savepoint", "SAVEPOINT migrate_lock");
        if (r < 0)
                return r;
        _cleanup_(PQclearp) PGresult *res = exec_one(p, sql.data);
        if (PQresultStatus(res) == PGRES_COMMAND_OK)
                return exec(p, "savepoint", "RELEASE SAVEPOINT migrate_lock");
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (interrupted() || !state || strcmp(state, SQLSTATE_LOCK_NOT_AVAILABLE) != 0)
                return fail_result(p, "cannot lock the target's tables", res);
        r = exec(p, "savepoint", "ROLLBACK TO SAVEPOINT migrate_lock");
        if (r >= 0)
                r = lock_holders(p, false, &holders);
        if (r < 0)
                return r;
        if (holders)
                return refuse_locked(p, holders);
        return fail_result(p, "cannot lock the target's tables", res);
}

/* ---- commit: one transaction, or two-phase across databases ---------- */

/* COMMIT of an aborted transaction answers ROLLBACK without an error.
 * Before sending, a connection the server already closed (it stopped) is
 * noticed, so "not committed" can be said for certain. */
static int exec_expect(struct pg_db *p, const char *what, const char *sql, const char *tag) {
        short revents = 0;
        /* A stopping server sends a notice, then closes: read until quiet. */
        for (int i = 0; i < 16 && wait_socket(p, POLLIN, 0, &revents) >= 0 && revents; i++)
                if (!PQconsumeInput(p->conn))
                        return fail_result(p, what, NULL);
        p->commit_sent = strstr(tag, "COMMIT") != NULL;
        _cleanup_(PQclearp) PGresult *res = exec_one(p, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
                return fail_result(p, what, res);
        if (strcmp(PQcmdStatus(res), tag) != 0)
                return db_fail(&p->base, -EIO, "%s: %s: the server answered %s", p->base.label, what, PQcmdStatus(res));
        return 0;
}

static int pg_commit(struct db *db) {
        return exec_expect((struct pg_db *) db, "cannot commit", "COMMIT", "COMMIT");
}

static int pg_two_phase_allowed(struct db *db, bool *ret) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot read max_prepared_transactions",
                      "SELECT current_setting('max_prepared_transactions')::int > 0", 0, NULL, &res);
        if (r < 0)
                return r;
        *ret = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        return 0;
}

static int pg_prepare(struct db *db, const char *gid) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_free_ char *lit = sql_quote_literal(gid);
        _cleanup_free_ char *sql = lit ? strdup_printf("PREPARE TRANSACTION %s", lit) : NULL;
        if (!sql)
                return -ENOMEM;
        int r = exec_expect(p, "cannot prepare the transaction (two-phase commit)", sql, "PREPARE TRANSACTION");
        if (r < 0)
                return r;
        p->gid = strdup(gid);
        return p->gid ? 0 : -ENOMEM;
}

static int connect_interruptible(struct pg_db *p, const struct db_endpoint *ep, char **ret_why);
static void count_notice(void *arg, const PGresult *res);

/* Called from the signal handler (interrupt.c): PQcancel is async-signal-safe. */
static void cancel_on_signal(void *arg) {
        char buf[256];
        PQcancel(arg, buf, sizeof(buf));
}

/* A fresh session in place of a broken one. */
static int reconnect(struct pg_db *p) {
        _cleanup_free_ char *why = NULL;
        if (p->cancel) {
                interrupt_remove_cancel(p->cancel);
                PQfreeCancel(p->cancel);
                p->cancel = NULL;
        }
        PQfinish(p->conn);
        p->conn = NULL;
        int r = connect_interruptible(p, p->ep, &why);
        if (r < 0)
                return db_fail(&p->base, r, "%s: cannot connect again: %s", p->base.label, why ? why : "unknown error");
        PQsetNoticeReceiver(p->conn, count_notice, p);
        p->cancel = PQgetCancel(p->conn);
        if (p->cancel)
                interrupt_add_cancel(cancel_on_signal, p->cancel);
        return 0;
}

/* A prepared transaction belongs to no session: when ours broke (a backend
 * terminated, a server restarted), finish it from a new one. */
static int finish_prepared(struct db *db, const char *verb) {
        struct pg_db *p = (struct pg_db *) db;
        _cleanup_free_ char *lit = p->gid ? sql_quote_literal(p->gid) : NULL;
        _cleanup_free_ char *sql = lit ? strdup_printf("%s PREPARED %s", verb, lit) : NULL;
        _cleanup_free_ char *what = strdup_printf("cannot %s the prepared transaction %s", verb, lit ? lit : "?");
        if (!sql || !what)
                return -ENOMEM;
        const char *tag = strcmp(verb, "COMMIT") == 0 ? "COMMIT PREPARED" : "ROLLBACK PREPARED";
        int r = exec_expect(p, what, sql, tag);
        if (r < 0 && PQstatus(p->conn) != CONNECTION_OK && !interrupted()) {
                bool sent = p->commit_sent || strcmp(verb, "ROLLBACK") == 0;
                _cleanup_free_ char *first = strdup(p->base.error ? p->base.error : "");
                if (reconnect(p) < 0) {
                        _cleanup_free_ char *again = strdup(p->base.error ? p->base.error : "");
                        return db_fail(&p->base, r, "%s; %s", first ? first : "", again ? again : "");
                }
                _cleanup_(PQclearp) PGresult *res = exec_one(p, sql);
                const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                /* Gone already: the statement sent before the break took effect. */
                bool gone = sent && state && strcmp(state, "42704") == 0;
                if (PQresultStatus(res) != PGRES_COMMAND_OK && !gone)
                        return fail_result(p, what, res);
                p->commit_sent = false;
                r = 0;
        }
        if (r < 0)
                return r;
        free(p->gid);
        p->gid = NULL;
        return 0;
}

static int pg_commit_prepared(struct db *db) {
        return finish_prepared(db, "COMMIT");
}

static int pg_rollback_prepared(struct db *db) {
        return finish_prepared(db, "ROLLBACK");
}

static bool pg_outcome_unknown(struct db *db) {
        struct pg_db *p = (struct pg_db *) db;
        return p->commit_sent && PQstatus(p->conn) != CONNECTION_OK;
}

static void pg_close(struct db *db) {
        struct pg_db *p = (struct pg_db *) db;
        if (p->cancel) {
                interrupt_remove_cancel(p->cancel);
                PQfreeCancel(p->cancel);
        }
        if (p->conn)
                PQfinish(p->conn); /* an open transaction is rolled back by the server */
        strv_free(p->lifted_fks);
        free(p->schema);
        free(p->gid);
        free(p->base.label);
        free(p->base.error);
        free(p);
}

static char *pg_type_name(struct db *db, const struct col_spec *spec) {
        (void) db;
        return spec->own_name ? strdup(spec->own_name) : pg_types_ddl(spec);
}

static const struct db_ops pg_ops = {
        .read_catalog = pg_read_catalog,
        .count_rows = pg_count_rows,
        .scan = pg_scan,
        .other_sessions = pg_other_sessions,
        .type_name = pg_type_name,
        .tables_with_rows = pg_tables_with_rows,
        .empty_tables = pg_empty_tables,
        .create_tables = pg_create_tables,
        .prepare_load = pg_prepare_load,
        .open_sink = pg_open_sink,
        .finish_tables = pg_finish_tables,
        .check_locks = pg_check_locks,
        .lock_tables = pg_lock_tables,
        .commit = pg_commit,
        .two_phase_allowed = pg_two_phase_allowed,
        .prepare = pg_prepare,
        .commit_prepared = pg_commit_prepared,
        .rollback_prepared = pg_rollback_prepared,
        .outcome_unknown = pg_outcome_unknown,
        .close = pg_close,
};

/* libpq's connect_timeout rules: an integer of seconds, 0 or less waits forever. */
static long connect_timeout(const struct db_endpoint *ep) {
        const char *v = pg_params_get(&ep->pg, "connect_timeout");
        if (!v)
                return DEFAULT_CONNECT_TIMEOUT_S;
        long t = strtol(v, NULL, 10);
        return t <= 0 ? 0 : t < 2 ? 2 : t;
}

/* PQconnectdbParams() cannot be interrupted and libpq applies no timeout
 * to PQconnectPoll(): we wait on the socket ourselves, for both. */
static int connect_interruptible(struct pg_db *p, const struct db_endpoint *ep, char **ret_why) {
        long timeout = connect_timeout(ep);
        double deadline = now_seconds() + (double) timeout;
        p->conn = PQconnectStartParams((const char *const *) ep->pg.keywords, (const char *const *) ep->pg.values, 0);
        if (!p->conn)
                return -ENOMEM;
        PostgresPollingStatusType st = PQstatus(p->conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
        while (st != PGRES_POLLING_OK) {
                if (st == PGRES_POLLING_FAILED) {
                        *ret_why = server_message(p, NULL);
                        return -ECONNREFUSED;
                }
                if (interrupted()) {
                        *ret_why = strdup("interrupted while connecting");
                        return -EINTR;
                }
                double left = deadline - now_seconds();
                if (timeout > 0 && left <= 0) {
                        *ret_why = strdup_printf("the server did not answer within %ld seconds (connect_timeout; set "
                                                 "connect_timeout=SECONDS in the URL to wait longer)",
                                                 timeout);
                        return -ETIMEDOUT;
                }
                /* Short slices: a signal that came just before poll() is still seen soon. */
                int slice = timeout > 0 && left < 0.2 ? (int) (left * 1000) + 1 : 200;
                short revents;
                int r = wait_socket(p, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, slice, &revents);
                if (r == -EINTR)
                        continue;
                if (r < 0) {
                        *ret_why = p->base.error ? strdup(p->base.error) : NULL;
                        return r;
                }
                if (revents)
                        st = PQconnectPoll(p->conn);
        }
        return 0;
}

/* Server notices (and a dying backend's last words) reach the user through
 * log.h, escaped and prefixed like every other line, with the database. */
static void count_notice(void *arg, const PGresult *res) {
        struct pg_db *p = arg;
        const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
        const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        p->notices++;
        log_notice("%s: the server says: %s: %s", p->base.label, severity ? severity : "NOTICE",
                   primary ? primary : "?");
}

/* A setting that only makes the run faster: SET stays within the server's
 * own limits (parallel workers come from its max_parallel_workers), and
 * where it refuses one, the run goes on with the server's value. */
static int set_tuning(struct pg_db *p, const char *sql) {
        _cleanup_(PQclearp) PGresult *res = exec_one(p, sql);
        if (PQresultStatus(res) == PGRES_COMMAND_OK)
                return 0;
        if (interrupted() || PQstatus(p->conn) == CONNECTION_BAD)
                return fail_result(p, "cannot set up the session", res);
        _cleanup_free_ char *msg = server_message(p, res);
        log_notice("%s: the server refused \"%s\": %s; keys and indexes are built with its own setting", p->base.label,
                   sql, msg ? msg : "no reason given");
        return 0;
}

/* Parallel workers for key and index builds.  A server on this machine
 * shares its CPUs with the run: the leader and its workers take them all
 * (2 cores: one worker; a 2M-row composite text key built in 3.7 s with
 * one, 4.3 s with two).  A server elsewhere gets two. */
static long maintenance_workers(PGconn *conn) {
        const char *host = PQhost(conn);
        bool local = !host || !*host || host[0] == '/' || strcmp(host, "localhost") == 0 ||
                     strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (!local)
                return 2;
        return cpus <= 2 ? 1 : cpus > 5 ? 4 : cpus - 1;
}

int pg_db_open(const struct db_endpoint *ep, enum pg_mode mode, struct db **ret, char **ret_error) {
        struct pg_db *p = calloc(1, sizeof(*p));
        *ret_error = NULL;
        if (!p)
                return -ENOMEM;
        p->base.ops = &pg_ops;
        p->mode = mode;
        p->ep = ep;
        p->base.label = strdup_printf("PostgreSQL %s database %s", db_role_label(ep->role), ep->display);
        if (!p->base.label) {
                pg_close(&p->base);
                return -ENOMEM;
        }
        _cleanup_free_ char *why = NULL;
        int r = connect_interruptible(p, ep, &why);
        if (r < 0) {
                *ret_error = strdup_printf("cannot connect to the %s (from %s): %s", p->base.label, ep->origin,
                                           why ? why : "unknown error");
                pg_close(&p->base);
                return r;
        }
        PQsetNoticeReceiver(p->conn, count_notice, p);
        p->cancel = PQgetCancel(p->conn);
        if (p->cancel)
                interrupt_add_cancel(cancel_on_signal, p->cancel);
        /* Fixed session settings so text output parses one way, whatever the
         * server's defaults; and the tool's own timeouts, whatever the role or
         * database sets (as pg_dump does): a long copy is no runaway statement,
         * a session waiting while the other database is copied is not idle,
         * and a lock is waited for a bounded time, then named; a reported commit
         * is on disk. */
        static const char *const session[] = {
                "SET client_encoding = 'UTF8'", "SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'",
                "SET IntervalStyle = 'postgres'", "SET extra_float_digits = 3", "SET bytea_output = 'hex'", "SET standard_conforming_strings = on",
                "SET statement_timeout = 0",
                "SET idle_in_transaction_session_timeout = 0", "SET lock_timeout = '" LOCK_TIMEOUT "'",
                "SET synchronous_commit = on",
                /* A scan in stored order returns the heap's order every time:
                 * no scan joins one already under way, no parallel workers. */
                "SET synchronize_seqscans = off", "SET max_parallel_workers_per_gather = 0",
        };
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(session); i++)
                r = exec(p, "cannot set up the session", session[i]);
        /* Key and index builds (measured on 2 million rows, 2 cores: parallel
         * workers and 256 MB each beat none, or 64 MB). */
        _cleanup_free_ char *workers = strdup_printf("SET max_parallel_maintenance_workers = %ld",
                                                     maintenance_workers(p->conn));
        const char *const tuning[] = {
                "SET maintenance_work_mem = '256MB'",
                workers,
        };
        if (!workers)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && mode == PG_TARGET_WRITE && i < ELEMENTSOF(tuning); i++)
                r = set_tuning(p, tuning[i]);
        if (r >= 0) {
                _cleanup_(PQclearp) PGresult *res = NULL;
                r = query(p, "cannot read the current schema", "SELECT current_schema()", 0, NULL, &res);
                if (r >= 0 && PQgetisnull(res, 0, 0))
                        r = db_fail(&p->base, -EINVAL, "%s: no schema of the search_path exists, so there is no place for "
                                    "the tables; create the schema or correct search_path (in the URL's options or the "
                                    "role's settings)", p->base.label);
                else if (r >= 0 && !(p->schema = sql_quote_identifier(PQgetvalue(res, 0, 0))))
                        r = -ENOMEM;
        }
        if (r >= 0 && PQserverVersion(p->conn) >= 140000)
                r = exec(p, "cannot set up the session", "SET idle_session_timeout = 0");
        if (r >= 0)
                r = exec(p, "cannot start a transaction",
                         mode == PG_TARGET_VERIFY ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
        if (r < 0) {
                *ret_error = p->base.error ? strdup(p->base.error) : NULL;
                pg_close(&p->base);
                return r;
        }
        *ret = &p->base;
        return 0;
}

PGconn *pg_db_connection(struct db *db) {
        return ((struct pg_db *) db)->conn;
}

int pg_db_fail_result(struct db *db, const char *what, const PGresult *res) {
        return fail_result((struct pg_db *) db, what, res);
}
