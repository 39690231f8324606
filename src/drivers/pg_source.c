/* PostgreSQL as a source: the pg_db driver opened in one REPEATABLE READ
 * READ ONLY snapshot, with a catalog that says everything a new database
 * needs: keys, unique constraints, indexes, foreign keys and the identity
 * sequences' current values.  Rows are read by pg_db's scan. */
#include "migrate/pg_source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/pg_db.h"
#include "migrate/pg_types.h"
#include "migrate/sql_quote.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

struct pg_source {
        struct db base;
        struct db *inner; /* pg_db, read-only snapshot */
};

DEFINE_POINTER_CLEANUP(PGresult, PQclear)

/* The inner driver's message becomes ours. */
static int relay(struct pg_source *p, int r) {
        if (r < 0)
                db_fail(&p->base, r, "%s", p->inner->error ? p->inner->error : "PostgreSQL source failed");
        return r;
}

static int query(struct pg_source *p, const char *what, const char *sql, PGresult **ret) {
        PGconn *conn = pg_db_connection(p->inner);
        PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                int r = relay(p, pg_db_fail_result(p->inner, what, res));
                PQclear(res);
                return r;
        }
        *ret = res;
        return 0;
}

/* Types carried as PostgreSQL's own text output in a text column: they
 * read back exactly through a cast from that text. */
static bool carried_as_text(const char *type_name, const char *typtype, const char *category) {
        /* name (catalog text of at most 63 bytes), bpchar (char without a
         * length limit: its text keeps its trailing blanks), "char" (one
         * byte; its output escapes bytes over 127 as \ooo, which the type
         * reads back); bit strings, macaddr8 and tsvector (its text is its
         * canonical form); citext (the extension's case-insensitive text:
         * its value is its text, its comparison is reported as not carried). */
        static const char *const names[] = { "time without time zone", "time with time zone", "interval", "inet", "cidr",
                                             "character", "macaddr", "macaddr8", "name", "bpchar", "\"char\"", "bit",
                                             "bit varying", "tsvector", "citext" };
        if (strcmp(typtype, "e") == 0 || strcmp(category, "A") == 0)
                return true; /* enums, arrays */
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                size_t n = strlen(names[i]);
                if (strncmp(type_name, names[i], n) == 0 && (type_name[n] == '\0' || type_name[n] == '('))
                        return true;
        }
        /* citext of an extension schema outside search_path: "ext.citext" */
        size_t n = strlen(type_name);
        if (n > 7 && strcmp(type_name + n - 7, ".citext") == 0)
                return true;
        /* "time(3) without time zone" */
        return strncmp(type_name, "time(", 5) == 0 || strncmp(type_name, "interval(", 9) == 0;
}

/* catalog_find_table() on the catalog being filled in, so writable. */
static struct table *find_table(struct catalog *c, const char *name) {
        return (struct table *) catalog_find_table(c, name);
}

static char *pg_source_literal_default(const char *def);

static int read_columns(struct pg_source *p, struct catalog *c, char ***refused) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot read the catalog",
                      "SELECT c.relname, a.attname, format_type(b.oid, b.typmod),"
                      "       a.attnotnull OR EXISTS (SELECT 1 FROM pg_type dt WHERE dt.oid = ANY (b.domains) AND dt.typnotnull),"
                      "       pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> '',"
                      "       a.attidentity <> '' OR pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL,"
                      "       coalesce(array_position(pk.conkey, a.attnum), 0), t.typtype, t.typcategory,"
                      "       coalesce(pg_get_serial_sequence(quote_ident(c.relname), a.attname), ''),"
                      "       CASE WHEN b.oid <> a.atttypid THEN format_type(a.atttypid, a.atttypmod) END,"
                      "       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contypid = ANY (b.domains))"
                      "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      "  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                      "  CROSS JOIN LATERAL (" PG_BASE_TYPE("a.atttypid", "a.atttypmod") ") b"
                      "  JOIN pg_type t ON t.oid = b.oid"
                      "  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
                      "  LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'"
                      " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                      " ORDER BY c.relname COLLATE \"C\", a.attnum",
                      &res);
        if (r < 0)
                return r;
        for (int i = 0; i < PQntuples(res); i++) {
                const char *table = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1), *type = PQgetvalue(res, i, 2);
                struct table *t = find_table(c, table);
                if (!t) {
                        struct table *v = reallocarray(c->tables, c->n_tables + 1, sizeof(*v));
                        if (!v)
                                return -ENOMEM;
                        c->tables = v;
                        t = &c->tables[c->n_tables++];
                        *t = (struct table) { .name = strdup(table), .sequence = -1 };
                        if (!t->name)
                                return -ENOMEM;
                }
                if (strcmp(PQgetvalue(res, i, 5), "t") == 0) {
                        r = strv_consume(&c->notes, strdup_printf("generated column %s.%s is computed by "
                                                                  "PostgreSQL, not copied", table, name));
                        if (r < 0)
                                return r;
                        continue;
                }
                struct column *v = reallocarray(t->columns, t->n_columns + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->columns = v;
                struct column *col = &t->columns[t->n_columns++];
                *col = (struct column) {
                        .name = strdup(name),
                        .declared = strdup(type),
                        .not_null = strcmp(PQgetvalue(res, i, 3), "t") == 0,
                        .identity = strcmp(PQgetvalue(res, i, 6), "t") == 0,
                        .pk_position = atoi(PQgetvalue(res, i, 7)),
                };
                if (!col->name || !col->declared)
                        return -ENOMEM;
                /* Only a literal default means the same in SQLite; others are reported. */
                const char *def = PQgetisnull(res, i, 4) ? NULL : PQgetvalue(res, i, 4);
                if (def && !col->identity) {
                        _cleanup_free_ char *lit = pg_source_literal_default(def);
                        if (lit)
                                col->default_sql = TAKE_PTR(lit);
                        else if ((r = strv_consume(&c->not_carried, strdup_printf("default of %s.%s (%s): not a constant",
                                                                                  table, name, def))) < 0)
                                return r;
                }
                /* A domain is carried as its base type; its constraints are not. */
                if (!PQgetisnull(res, i, 11) && strcmp(PQgetvalue(res, i, 12), "t") == 0 &&
                    (r = strv_consume(&c->not_carried,
                                      strdup_printf("constraints of domain %s on %s.%s (carried as %s)",
                                                    PQgetvalue(res, i, 11), table, name, type))) < 0)
                        return r;
                if (pg_types_from_formatted(type, &col->spec) == 0 && !(col->spec.type == COL_TEXT && strcmp(type, "text") &&
                                                                      strncmp(type, "character varying", 17)))
                        continue;
                if (carried_as_text(type, PQgetvalue(res, i, 8), PQgetvalue(res, i, 9))) {
                        col->spec = (struct col_spec) { .type = COL_TEXT, .length = -1, .precision = -1, .scale = -1 };
                        size_t tn = strlen(type);
                        if (tn >= 6 && strcmp(type + tn - 6, "citext") == 0 &&
                            (r = strv_consume(&c->not_carried,
                                              strdup_printf("case-insensitive comparison of %s.%s (citext): SQLite "
                                                            "compares it as text, so keys and unique constraints on it "
                                                            "become case-sensitive",
                                                            table, name))) < 0)
                                return r;
                        continue;
                }
                r = strv_consume(refused, strdup_printf("table %s, column %s: type %s has no exact SQLite form", table, name,
                                                        type));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A numeric literal as PostgreSQL prints one: -?digits[.digits][e[+-]digits],
 * or starting with the point (.5); nothing else ("--1", "1e", ".." are not). */
static bool is_number_literal(const char *s, size_t len) {
        const char *end = s + len;
        if (s < end && *s == '-')
                s++;
        size_t digits = 0;
        while (s < end && *s >= '0' && *s <= '9')
                s++, digits++;
        if (s < end && *s == '.') {
                s++;
                while (s < end && *s >= '0' && *s <= '9')
                        s++, digits++;
        }
        if (digits == 0)
                return false;
        if (s < end && (*s == 'e' || *s == 'E')) {
                s++;
                if (s < end && (*s == '+' || *s == '-'))
                        s++;
                size_t exp_digits = 0;
                while (s < end && *s >= '0' && *s <= '9')
                        s++, exp_digits++;
                if (exp_digits == 0)
                        return false;
        }
        return s == end;
}

/* A default SQLite can hold with the same meaning: a number, a quoted
 * string (PostgreSQL adds a ::type cast), true or false; NULL otherwise. */
static char *pg_source_literal_default(const char *def) {
        size_t n = strlen(def);
        if (strcmp(def, "true") == 0)
                return strdup("1");
        if (strcmp(def, "false") == 0)
                return strdup("0");
        if (def[0] == '\'') {
                /* 'text'::type, with '' inside the quotes */
                size_t i = 1;
                for (; i < n; i++)
                        if (def[i] == '\'') {
                                if (def[i + 1] == '\'') {
                                        i++;
                                        continue;
                                }
                                break;
                        }
                if (i >= n)
                        return NULL;
                const char *rest = def + i + 1;
                if (*rest && strncmp(rest, "::", 2) != 0)
                        return NULL;
                /* Only a type name may follow: "::text[]", "::\"Status\"", "::app.mood". */
                if (*rest && strspn(rest + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _(),[].\"") !=
                                     strlen(rest + 2))
                        return NULL;
                /* bytea shows as '\x00ff'::bytea: in SQLite that text is six
                 * characters, the bytes are the blob X'00ff'. */
                if (strcmp(rest, "::bytea") == 0) {
                        if (i < 3 || def[1] != '\\' || def[2] != 'x' || (i - 3) % 2 != 0 ||
                            strspn(def + 3, "0123456789abcdefABCDEF") != i - 3)
                                return NULL;
                        return strdup_printf("X'%.*s'", (int) (i - 3), def + 3);
                }
                return strndup(def, i + 1);
        }
        /* numbers, possibly parenthesised negative: (-1) */
        const char *s = def;
        size_t len = n;
        if (len > 2 && s[0] == '(' && s[len - 1] == ')') {
                s++;
                len -= 2;
        }
        if (!is_number_literal(s, len))
                return NULL;
        return strndup(s, len);
}

/* Keys in column order from an int2vector/array text like "1 3" or "{1,3}". */
static size_t parse_attnums(const char *s, int *ret, size_t max) {
        size_t n = 0;
        while (*s && n < max) {
                while (*s && (*s == ' ' || *s == '{' || *s == ',' || *s == '}'))
                        s++;
                if (!*s)
                        break;
                char *end;
                ret[n++] = (int) strtol(s, &end, 10);
                if (end == s)
                        break;
                s = end;
        }
        return n;
}

/* The next name of a list the catalog queries join with \x01 (names may
 * hold commas and spaces); *cursor moves past it.  NULL: out of memory. */
static char *next_name(const char **cursor) {
        const char *s = *cursor, *end = strchr(s, '\x01');
        size_t len = end ? (size_t) (end - s) : strlen(s);
        *cursor = end ? end + 1 : s + len;
        return strndup(s, len);
}

static int read_indexes(struct pg_source *p, struct catalog *c) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        /* One row per index key: the column's name, or NULL for an expression. */
        int r = query(p, "cannot read the indexes",
                      "SELECT t.relname, i.relname, x.indisunique, x.indisprimary,"
                      "       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype = 'u'),"
                      "       x.indpred IS NOT NULL OR x.indexprs IS NOT NULL, x.indnkeyatts,"
                      "       (SELECT string_agg(coalesce(a.attname, ''), E'\\x01' ORDER BY k.ord)"
                      "          FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, ord)"
                      "          LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.num),"
                      "       x.indoption::text, pg_get_indexdef(x.indexrelid)"
                      "  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                      "  JOIN pg_namespace n ON n.oid = t.relnamespace"
                      " WHERE n.nspname = current_schema()"
                      " ORDER BY t.relname COLLATE \"C\", i.relname COLLATE \"C\"",
                      &res);
        if (r < 0)
                return r;
        for (int i = 0; i < PQntuples(res); i++) {
                struct table *t = find_table(c, PQgetvalue(res, i, 0));
                if (!t)
                        continue;
                if (strcmp(PQgetvalue(res, i, 5), "t") == 0) {
                        r = strv_consume(&c->not_carried, strdup_printf("index %s on %s (an expression or partial index: %s)",
                                                                       PQgetvalue(res, i, 1), t->name,
                                                                       PQgetvalue(res, i, 9)));
                        if (r < 0)
                                return r;
                        continue;
                }
                struct index *v = reallocarray(t->indexes, t->n_indexes + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->indexes = v;
                struct index *x = &t->indexes[t->n_indexes++];
                size_t nkeys = (size_t) atoi(PQgetvalue(res, i, 6));
                int options[64] = {};
                parse_attnums(PQgetvalue(res, i, 8), options, 64);
                *x = (struct index) {
                        .name = strdup(PQgetvalue(res, i, 1)),
                        .unique = strcmp(PQgetvalue(res, i, 2), "t") == 0,
                        .primary = strcmp(PQgetvalue(res, i, 3), "t") == 0,
                        .constraint = strcmp(PQgetvalue(res, i, 4), "t") == 0,
                        .keys = calloc(nkeys + 1, sizeof(char *)),
                        .desc = calloc(nkeys + 1, sizeof(bool)),
                };
                if (!x->name || !x->keys || !x->desc)
                        return -ENOMEM;
                const char *names = PQgetvalue(res, i, 7);
                for (size_t k = 0; k < nkeys && k < 64; k++) {
                        x->keys[k] = next_name(&names);
                        if (!x->keys[k])
                                return -ENOMEM;
                        x->desc[k] = options[k] & 1; /* INDOPTION_DESC */
                        x->n_keys++;
                }
        }
        return 0;
}

static const char *fk_action(char c) {
        switch (c) {
        case 'c': return "CASCADE";
        case 'n': return "SET NULL";
        case 'd': return "SET DEFAULT";
        case 'r': return "RESTRICT";
        default: return "NO ACTION";
        }
}

static int read_foreign_keys(struct pg_source *p, struct catalog *c) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot read the foreign keys",
                      "SELECT t.relname, f.relname, k.confupdtype, k.confdeltype,"
                      "       (SELECT string_agg(a.attname, E'\\x01' ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)"
                      "          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num),"
                      "       (SELECT string_agg(a.attname, E'\\x01' ORDER BY u.ord) FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)"
                      "          JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num),"
                      "       cardinality(k.conkey), k.condeferrable AND k.condeferred,"
                      "       fn.nspname = current_schema(), quote_ident(fn.nspname) || '.' || quote_ident(f.relname)"
                      "  FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid"
                      "  JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_namespace fn ON fn.oid = f.relnamespace"
                      " WHERE k.contype = 'f' AND n.nspname = current_schema()"
                      " ORDER BY t.relname COLLATE \"C\", k.conname COLLATE \"C\"",
                      &res);
        if (r < 0)
                return r;
        for (int i = 0; i < PQntuples(res); i++) {
                struct table *t = find_table(c, PQgetvalue(res, i, 0));
                if (!t)
                        continue;
                /* A table of another schema is not carried (read_other_objects
                 * names it): a key to it would name a table the file lacks. */
                if (strcmp(PQgetvalue(res, i, 8), "t") != 0) {
                        const char *cols = PQgetvalue(res, i, 4);
                        _cleanup_free_ char *list = strdup(cols);
                        if (!list)
                                return -ENOMEM;
                        for (char *q = list; *q; q++)
                                if (*q == '\x01')
                                        *q = ',';
                        r = strv_consume(&c->not_carried,
                                         strdup_printf("foreign key of %s (%s) to %s: that table is in another schema, "
                                                       "which is not carried",
                                                       t->name, list, PQgetvalue(res, i, 9)));
                        if (r < 0)
                                return r;
                        continue;
                }
                struct foreign_key *v = reallocarray(t->fks, t->n_fks + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->fks = v;
                struct foreign_key *fk = &t->fks[t->n_fks++];
                size_t n = (size_t) atoi(PQgetvalue(res, i, 6));
                *fk = (struct foreign_key) {
                        .from = calloc(n + 1, sizeof(char *)),
                        .to = calloc(n + 1, sizeof(char *)),
                        .ref_table = strdup(PQgetvalue(res, i, 1)),
                        .on_update = strdup(fk_action(PQgetvalue(res, i, 2)[0])),
                        .on_delete = strdup(fk_action(PQgetvalue(res, i, 3)[0])),
                        /* Checked at commit, as Django declares them; DEFERRABLE
                         * INITIALLY IMMEDIATE checks each statement, as SQLite's
                         * immediate keys do (SQLite has no SET CONSTRAINTS). */
                        .deferred = strcmp(PQgetvalue(res, i, 7), "t") == 0,
                };
                if (!fk->from || !fk->to || !fk->ref_table || !fk->on_update || !fk->on_delete)
                        return -ENOMEM;
                const char *from = PQgetvalue(res, i, 4), *to = PQgetvalue(res, i, 5);
                for (size_t k = 0; k < n; k++) {
                        fk->from[k] = next_name(&from);
                        fk->to[k] = next_name(&to);
                        if (!fk->from[k] || !fk->to[k])
                                return -ENOMEM;
                        fk->n++;
                }
        }
        return 0;
}

/* The identity/serial sequence's position: the last value handed out,
 * which SQLite's sqlite_sequence must reach so keys are never reused.  A
 * sequence restarted (ALTER SEQUENCE RESTART, as migrate itself leaves
 * them) has handed out the one before its last_value. */
static int read_sequences(struct pg_source *p, struct catalog *c) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot read the sequences",
                      "SELECT t.relname, d.objid::regclass::text"
                      "  FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
                      "  JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace"
                      " WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass"
                      "   AND d.deptype IN ('a', 'i') AND n.nspname = current_schema()",
                      &res);
        if (r < 0)
                return r;
        for (int i = 0; i < PQntuples(res); i++) {
                struct table *t = find_table(c, PQgetvalue(res, i, 0));
                if (!t)
                        continue;
                /* regclass text is already a quoted, qualified name. */
                _cleanup_free_ char *sql = strdup_printf(
                        "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s", PQgetvalue(res, i, 1));
                _cleanup_(PQclearp) PGresult *seq = NULL;
                if (!sql)
                        return -ENOMEM;
                r = query(p, "cannot read a sequence's position", sql, &seq);
                if (r < 0)
                        return r;
                int64_t v = strtoll(PQgetvalue(seq, 0, 0), NULL, 10);
                if (v > t->sequence)
                        t->sequence = v;
        }
        return 0;
}

static int read_other_objects(struct pg_source *p, struct catalog *c) {
        _cleanup_(PQclearp) PGresult *res = NULL;
        int r = query(p, "cannot list views and triggers",
                      "SELECT 'view ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')"
                      " UNION ALL SELECT 'trigger ' || g.tgname || ' on ' || c.relname FROM pg_trigger g"
                      "  JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE n.nspname = current_schema() AND NOT g.tgisinternal"
                      " UNION ALL SELECT CASE k.contype WHEN 'c' THEN 'check constraint ' ELSE 'exclusion constraint ' END"
                      "       || k.conname || ' on ' || c.relname FROM pg_constraint k"
                      "  JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE n.nspname = current_schema() AND k.contype IN ('c', 'x')"
                      " UNION ALL SELECT 'table ' || c.relname || ': it has no columns, and SQLite has no table"
                      " without columns' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                      "   AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
                      "                   AND NOT a.attisdropped)"
                      " UNION ALL SELECT 'inheritance of ' || c.relname || ' from ' || pc.relname"
                      "       || ' (each table keeps only its own rows)' FROM pg_inherits i"
                      "  JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class pc ON pc.oid = i.inhparent"
                      "  JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE n.nspname = current_schema() AND pc.relkind = 'r'"
                      /* Only the search_path's first schema is read: tables of the
                       * others are named, never left out in silence. */
                      " UNION ALL SELECT format('table %s.%s (schema %s is not %s, the first schema of search_path)',"
                      "                        quote_ident(n.nspname), quote_ident(c.relname), n.nspname, current_schema())"
                      "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> current_schema()"
                      "   AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1",
                      &res);
        if (r < 0)
                return r;
        for (int i = 0; r >= 0 && i < PQntuples(res); i++)
                r = strv_push(&c->not_carried, PQgetvalue(res, i, 0));
        return r;
}

/* SQLite generates values only for a table's one INTEGER PRIMARY KEY (the
 * sqlite target's AUTOINCREMENT): the sequence of any other identity or
 * serial column is lost, and said so, never in silence. */
static int report_lost_generators(struct catalog *c) {
        for (size_t i = 0; i < c->n_tables; i++) {
                const struct table *t = &c->tables[i];
                const struct column *pk[2];
                size_t n_pk = table_primary_key(t, pk, 2);
                for (size_t k = 0; k < t->n_columns; k++) {
                        const struct column *col = &t->columns[k];
                        bool integer = col->spec.type == COL_INT64 || col->spec.type == COL_INT32 ||
                                       col->spec.type == COL_INT16;
                        if (!col->identity || (n_pk == 1 && pk[0] == col && integer))
                                continue;
                        int r = strv_consume(&c->not_carried,
                                             strdup_printf("generator of %s.%s (an identity or serial sequence): SQLite "
                                                           "generates values only for a table's single INTEGER PRIMARY "
                                                           "KEY, so inserts must give this column's values",
                                                           t->name, col->name));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int pg_source_read_catalog(struct db *db, struct catalog **ret) {
        struct pg_source *p = (struct pg_source *) db;
        _cleanup_(catalog_freep) struct catalog *c = calloc(1, sizeof(*c));
        _cleanup_(strv_freep) char **refused = NULL;
        if (!c)
                return -ENOMEM;
        int r = read_columns(p, c, &refused);
        if (r < 0)
                return r;
        if (refused) {
                _cleanup_strbuf_ struct strbuf b = {};
                /* One line: messages are escaped, a newline would not start a new one. */
                for (size_t i = 0; refused[i]; i++)
                        strbuf_printf(&b, "%s%s", i ? "; " : "", refused[i]);
                return db_fail(db, -EOPNOTSUPP,
                               "%s: %zu column%s cannot be carried to SQLite exactly, nothing was written: %s. Change "
                               "those columns' types (for example to text) or drop them before migrating",
                               db->label, strv_length(refused), strv_length(refused) == 1 ? "" : "s", b.data ? b.data : "");
        }
        /* SQLite has no table without columns: one whose only columns are
         * generated (not copied) is named, not carried. */
        for (size_t i = 0; i < c->n_tables;) {
                if (c->tables[i].n_columns > 0) {
                        i++;
                        continue;
                }
                r = strv_consume(&c->not_carried,
                                 strdup_printf("table %s: it has no column to copy (generated columns are computed by "
                                               "PostgreSQL), and SQLite has no table without columns",
                                               c->tables[i].name));
                if (r < 0)
                        return r;
                table_done(&c->tables[i]);
                memmove(&c->tables[i], &c->tables[i + 1], (c->n_tables - i - 1) * sizeof(c->tables[0]));
                c->n_tables--;
        }
        if (c->n_tables == 0) {
                /* Almost always a search_path that names another schema: say which one was read. */
                _cleanup_(PQclearp) PGresult *res = NULL;
                r = query(p, "cannot read the current schema", "SELECT coalesce(current_schema(), '(none)')", &res);
                if (r < 0)
                        return r;
                return db_fail(db, -ENOENT,
                               "%s: schema %s has no tables, so there is nothing to migrate; check search_path in the "
                               "URL",
                               db->label, PQgetvalue(res, 0, 0));
        }
        if ((r = read_indexes(p, c)) < 0 || (r = read_foreign_keys(p, c)) < 0 || (r = read_sequences(p, c)) < 0 ||
            (r = read_other_objects(p, c)) < 0 || (r = report_lost_generators(c)) < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static int pg_source_count_rows(struct db *db, const struct table *t, int64_t *ret) {
        struct pg_source *p = (struct pg_source *) db;
        return relay(p, p->inner->ops->count_rows(p->inner, t, ret));
}

static int pg_source_scan(struct db *db, const struct scan_request *req, struct row_source **ret) {
        struct pg_source *p = (struct pg_source *) db;
        return relay(p, p->inner->ops->scan(p->inner, req, ret));
}

static void pg_source_close(struct db *db) {
        struct pg_source *p = (struct pg_source *) db;
        if (p->inner)
                db_close(p->inner);
        free(p->base.label);
        free(p->base.error);
        free(p);
}

static const struct db_ops pg_source_ops = {
        .read_catalog = pg_source_read_catalog,
        .count_rows = pg_source_count_rows,
        .scan = pg_source_scan,
        .close = pg_source_close,
};

int pg_source_open(const struct db_endpoint *ep, struct db **ret, char **ret_error) {
        struct pg_source *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->base.ops = &pg_source_ops;
        /* Read-only, one REPEATABLE READ snapshot for catalog, copy and verify. */
        int r = pg_db_open(ep, PG_TARGET_VERIFY, &p->inner, ret_error);
        if (r >= 0 && !(p->base.label = strdup(p->inner->label)))
                r = -ENOMEM;
        if (r < 0) {
                pg_source_close(&p->base);
                return r;
        }
        *ret = &p->base;
        return 0;
}
