#include "migrate/sqlite_index_check.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/cleanup.h"
#include "migrate/sql_quote.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

DEFINE_POINTER_CLEANUP(sqlite3_stmt, sqlite3_finalize)

/* What check_table() and its helpers answer besides a negative errno. */
enum { GO_ON = 0, UNCHECKED = 1, PROBLEM = 2 };

enum coll { COLL_BINARY, COLL_NOCASE, COLL_RTRIM, COLL_OTHER };

/* One field of the previous entry of a UNIQUE index. */
struct key_field {
        int type;
        sqlite3_int64 i;
        double d;
        size_t off, len; /* text or blob bytes in the index's prev buffer */
};

struct index {
        char *name;
        bool unique;
        size_t nkey;     /* key columns; an entry is these and the rowid */
        int *table_cid;  /* per key column: the table's column */
        enum coll *coll; /* per key column */
        bool *nullable;  /* per key column: not declared NOT NULL */
        bool *desc;      /* per key column: sorted descending */
        char *where;     /* a partial index's predicate, else NULL */
        char *table_result, *index_result; /* what migrate_index_entries() said */
        sqlite3_stmt *cells; /* a partial index's: its entries as dbstat counts them */
        uint64_t cell_count;
};

static void index_done(struct index *x) {
        free(x->name);
        free(x->table_cid);
        free(x->coll);
        free(x->nullable);
        free(x->desc);
        free(x->where);
        free(x->table_result);
        free(x->index_result);
        sqlite3_finalize(x->cells);
}

struct column {
        char *name;
        bool notnull;
        bool pk;
        char *type;
};

struct table {
        char *name;
        const char *rowid; /* a name for the rowid no column shadows */
        struct column *cols;
        size_t ncols;
        struct index *idx;
        size_t nidx;
};

static void table_done(struct table *t) {
        for (size_t i = 0; i < t->ncols; i++) {
                free(t->cols[i].name);
                free(t->cols[i].type);
        }
        free(t->cols);
        for (size_t i = 0; i < t->nidx; i++)
                index_done(&t->idx[i]);
        free(t->idx);
}

/* ---- the entry hash: two 64-bit lanes with their own keys ---- */

struct lanes {
        uint64_t a, b;
};

/* The two halves of the 128-bit product folded: a cheap strong mixer. */
static inline uint64_t mum(uint64_t x, uint64_t y) {
        __uint128_t r = (__uint128_t) x * y;
        return (uint64_t) r ^ (uint64_t) (r >> 64);
}

static inline void absorb2(struct lanes *s, uint64_t w0, uint64_t w1) {
        s->a = mum(w0 ^ s->a ^ 0xa0761d6478bd642fULL, w1 ^ 0xe7037ed1a0b428dbULL);
        s->b = mum(w0 ^ s->b ^ 0x8ebc6af09c88c6e3ULL, w1 ^ 0x589965cc75374cc3ULL);
}

/* Bytes, 16 at a time; head (the field's storage class and length) goes
 * into the first block. */
static void absorb_bytes(struct lanes *s, uint64_t head, const unsigned char *p, size_t n) {
        uint64_t w[2];
        for (; n >= 16; p += 16, n -= 16, head = 0) {
                memcpy(w, p, 16);
                absorb2(s, w[0], w[1] ^ head);
        }
        if (n > 0 || head) {
                w[0] = w[1] = 0;
                if (n > 0) /* SQLite gives an empty blob as NULL: no memcpy from it */
                        memcpy(w, p, n);
                absorb2(s, w[0], w[1] ^ head);
        }
}

/* The same for text under NOCASE: ASCII letters folded, as SQLite does. */
static void absorb_folded(struct lanes *s, uint64_t head, const unsigned char *p, size_t n) {
        unsigned char c[16];
        uint64_t w[2];
        do {
                size_t m = n < 16 ? n : 16;
                memset(c, 0, sizeof(c));
                for (size_t i = 0; i < m; i++)
                        c[i] = p[i] >= 'A' && p[i] <= 'Z' ? p[i] + ('a' - 'A') : p[i];
                memcpy(w, c, 16);
                absorb2(s, w[0], w[1] ^ head);
                p += m;
                n -= m;
                head = 0;
        } while (n > 0);
}

/* One field: its storage class (and length), then its value, in a form
 * that is the same for all values SQLite's comparison under the column's
 * collation finds equal (as integrity_check's lookup does): an integral
 * REAL as the INTEGER it equals, text folded (NOCASE) or without trailing
 * spaces (RTRIM). */
static void absorb_value(struct lanes *s, sqlite3_value *v, enum coll coll) {
        int type = sqlite3_value_type(v);
        uint64_t w;
        double d;
        switch (type) {
        case SQLITE_INTEGER:
                absorb2(s, SQLITE_INTEGER, (uint64_t) sqlite3_value_int64(v));
                break;
        case SQLITE_FLOAT:
                d = sqlite3_value_double(v);
                if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && (double) (sqlite3_int64) d == d) {
                        absorb2(s, SQLITE_INTEGER, (uint64_t) (sqlite3_int64) d);
                        break;
                }
                memcpy(&w, &d, 8);
                absorb2(s, SQLITE_FLOAT, w);
                break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
                const unsigned char *p = type == SQLITE_TEXT ? sqlite3_value_text(v) : sqlite3_value_blob(v);
                size_t n = (size_t) sqlite3_value_bytes(v);
                if (type == SQLITE_TEXT && coll == COLL_RTRIM)
                        while (n > 0 && p[n - 1] == ' ')
                                n--;
                /* (never 0: the first block is always absorbed) */
                uint64_t head = (uint64_t) n << 8 | (uint64_t) type;
                if (type == SQLITE_TEXT && coll == COLL_NOCASE)
                        absorb_folded(s, head, p, n);
                else
                        absorb_bytes(s, head, p, n);
                break;
        }
        default:
                absorb2(s, SQLITE_NULL, 0);
        }
}

/* A key column's letter in a spec: B, N, R (its collation), X, Y, Z (the
 * same, descending); lower case when the table lets it be NULL. */
static enum coll coll_letter(unsigned char c) {
        c = (unsigned char) toupper(c);
        return c == 'N' || c == 'Y' ? COLL_NOCASE : c == 'R' || c == 'Z' ? COLL_RTRIM : COLL_BINARY;
}

static bool desc_letter(unsigned char c) {
        c = (unsigned char) toupper(c);
        return c == 'X' || c == 'Y' || c == 'Z';
}

/* ---- SQLite's equality of two key values, for the UNIQUE check ---- */

static bool text_equal(enum coll coll, const unsigned char *a, size_t na, const unsigned char *b, size_t nb) {
        switch (coll) {
        case COLL_RTRIM:
                while (na > 0 && a[na - 1] == ' ')
                        na--;
                while (nb > 0 && b[nb - 1] == ' ')
                        nb--;
                return na == nb && memcmp(a, b, na) == 0;
        case COLL_NOCASE:
                /* SQLite folds ASCII letters only. */
                if (na != nb)
                        return false;
                for (size_t i = 0; i < na; i++) {
                        unsigned char x = a[i], y = b[i];
                        if (x != y && !(x < 0x80 && y < 0x80 && tolower(x) == tolower(y)))
                                return false;
                }
                return true;
        default:
                return na == nb && (na == 0 || memcmp(a, b, na) == 0);
        }
}

/* sqlite3IntFloatCompare() == 0, with the same long double. */
static bool int_equals_float(sqlite3_int64 i, double r) {
        long double x = (long double) i;
        return !(x < r) && !(x > r);
}

/* sqlite3IntFloatCompare(), with the same long double. */
static int int_float_compare(sqlite3_int64 i, double r) {
        long double x = (long double) i;
        return x < r ? -1 : x > r ? 1 : 0;
}

/* The collating functions' order of two texts: BINARY and RTRIM (trailing
 * spaces first removed) by their bytes, then length; NOCASE by the bytes
 * with ASCII letters folded, then length. */
static int text_compare(enum coll coll, const unsigned char *a, size_t na, const unsigned char *b, size_t nb) {
        if (coll == COLL_RTRIM) {
                while (na > 0 && a[na - 1] == ' ')
                        na--;
                while (nb > 0 && b[nb - 1] == ' ')
                        nb--;
        }
        size_t n = na < nb ? na : nb;
        int c = 0;
        if (coll == COLL_NOCASE) {
                for (size_t i = 0; i < n && c == 0; i++) {
                        unsigned char x = a[i], y = b[i];
                        c = (x < 0x80 ? tolower(x) : x) - (y < 0x80 ? tolower(y) : y);
                }
        } else if (n > 0)
                c = memcmp(a, b, n);
        return c ? c : na < nb ? -1 : na > nb ? 1 : 0;
}

/* What the aggregate migrate_index_entries() keeps between rows. */
struct entries {
        uint64_t count, sum[2];
        bool duplicate;
        bool disorder;
        sqlite3_int64 prev_rowid;
        bool have_prev;
        size_t nkey;
        struct key_field *prev;
        struct strbuf bytes;
};

static bool field_equal(const struct entries *e, enum coll coll, size_t k, sqlite3_value *v) {
        const struct key_field *p = &e->prev[k];
        const unsigned char *bytes = (const unsigned char *) e->bytes.data;
        int type = sqlite3_value_type(v);
        if (type == SQLITE_NULL || p->type == SQLITE_NULL)
                return type == p->type;
        if (type == SQLITE_INTEGER && p->type == SQLITE_INTEGER)
                return sqlite3_value_int64(v) == p->i;
        if (type == SQLITE_FLOAT && p->type == SQLITE_FLOAT)
                return sqlite3_value_double(v) == p->d;
        if (type == SQLITE_INTEGER && p->type == SQLITE_FLOAT)
                return int_equals_float(sqlite3_value_int64(v), p->d);
        if (type == SQLITE_FLOAT && p->type == SQLITE_INTEGER)
                return int_equals_float(p->i, sqlite3_value_double(v));
        if (type != p->type)
                return false;
        if (type == SQLITE_TEXT)
                return text_equal(coll, sqlite3_value_text(v), (size_t) sqlite3_value_bytes(v), bytes + p->off, p->len);
        return text_equal(COLL_BINARY, sqlite3_value_blob(v), (size_t) sqlite3_value_bytes(v), bytes + p->off, p->len);
}

/* The order of the index b-tree (sqlite3MemCompare under the column's
 * collation, reversed for a descending column) of a new key field v and
 * the previous entry's field k: NULL, then numbers, texts, blobs. */
static int field_compare(const struct entries *e, enum coll coll, size_t k, sqlite3_value *v) {
        const struct key_field *p = &e->prev[k];
        const unsigned char *bytes = (const unsigned char *) e->bytes.data;
        int type = sqlite3_value_type(v);
        int rank = type == SQLITE_NULL ? 0 : type == SQLITE_TEXT ? 2 : type == SQLITE_BLOB ? 3 : 1;
        int prank = p->type == SQLITE_NULL ? 0 : p->type == SQLITE_TEXT ? 2 : p->type == SQLITE_BLOB ? 3 : 1;
        if (rank != prank)
                return rank < prank ? -1 : 1;
        switch (rank) {
        case 0:
                return 0;
        case 1:
                if (type == SQLITE_INTEGER && p->type == SQLITE_INTEGER) {
                        sqlite3_int64 a = sqlite3_value_int64(v);
                        return a < p->i ? -1 : a > p->i;
                }
                if (type == SQLITE_FLOAT && p->type == SQLITE_FLOAT) {
                        double a = sqlite3_value_double(v);
                        return a < p->d ? -1 : a > p->d;
                }
                if (type == SQLITE_INTEGER)
                        return int_float_compare(sqlite3_value_int64(v), p->d);
                return -int_float_compare(p->i, sqlite3_value_double(v));
        case 2:
                return text_compare(coll, sqlite3_value_text(v), (size_t) sqlite3_value_bytes(v), bytes + p->off, p->len);
        default:
                return text_compare(COLL_BINARY, sqlite3_value_blob(v), (size_t) sqlite3_value_bytes(v), bytes + p->off,
                                    p->len);
        }
}

/* Whether the entry (v: its key fields, then the rowid) sorts before the
 * previous one: an index b-tree out of order, which integrity_check's
 * lookups would miss an entry in. */
static bool before_prev(const struct entries *e, const unsigned char *keys, sqlite3_value **v) {
        if (!e->have_prev)
                return false;
        for (size_t k = 0; k < e->nkey; k++) {
                int c = field_compare(e, coll_letter(keys[k]), k, v[k]);
                if (c)
                        return desc_letter(keys[k]) ? c > 0 : c < 0;
        }
        return sqlite3_value_int64(v[e->nkey]) <= e->prev_rowid;
}

/* integrity_check's UNIQUE test, on neighbours in index order: an entry
 * without NULL in a key column the table lets be NULL, followed by one
 * equal in every key column under the index's collations. */
static bool duplicate_of_prev(const struct entries *e, const unsigned char *keys, sqlite3_value **v) {
        if (!e->have_prev)
                return false;
        for (size_t k = 0; k < e->nkey; k++)
                if (islower(keys[k]) && e->prev[k].type == SQLITE_NULL)
                        return false;
        for (size_t k = 0; k < e->nkey; k++)
                if (!field_equal(e, coll_letter(keys[k]), k, v[k]))
                        return false;
        return true;
}

static int remember(struct entries *e, sqlite3_value **v) {
        e->bytes.len = 0;
        for (size_t k = 0; k < e->nkey; k++) {
                struct key_field *p = &e->prev[k];
                p->type = sqlite3_value_type(v[k]);
                p->len = 0;
                if (p->type == SQLITE_INTEGER)
                        p->i = sqlite3_value_int64(v[k]);
                else if (p->type == SQLITE_FLOAT)
                        p->d = sqlite3_value_double(v[k]);
                else if (p->type == SQLITE_TEXT || p->type == SQLITE_BLOB) {
                        const void *b = p->type == SQLITE_TEXT ? (const void *) sqlite3_value_text(v[k]) : sqlite3_value_blob(v[k]);
                        p->len = (size_t) sqlite3_value_bytes(v[k]);
                        p->off = e->bytes.len;
                        if (p->len > 0 && strbuf_append(&e->bytes, b, p->len) < 0)
                                return -ENOMEM;
                }
        }
        e->prev_rowid = sqlite3_value_int64(v[e->nkey]);
        e->have_prev = true;
        return 0;
}

/* migrate_index_entries(spec, field...): the count of the entries and the
 * sums of their hashes.  spec: 'U' for a UNIQUE index's own entries (to
 * test neighbours for order and equality), 'O' for another index's own
 * entries (order only), '-' for entries computed from the table, then one
 * letter per key column (the first fields; the rowid follows), as
 * coll_letter() reads it. */
static void entries_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
        struct entries *e = sqlite3_aggregate_context(ctx, sizeof(*e));
        const unsigned char *spec = sqlite3_value_text(argv[0]);
        size_t nkey = (size_t) sqlite3_value_bytes(argv[0]);
        struct lanes s = { 0x243F6A8885A308D3ULL, 0x13198A2E03707344ULL };
        if (!e) {
                sqlite3_result_error_nomem(ctx);
                return;
        }
        if (!spec || nkey < 1 || nkey-- > (size_t) argc - 1) {
                sqlite3_result_error(ctx, "migrate_index_entries: bad spec", -1);
                return;
        }
        for (int i = 1; i < argc; i++)
                absorb_value(&s, argv[i], (size_t) i <= nkey ? coll_letter(spec[i]) : COLL_BINARY);
        e->sum[0] += mum(s.a, 0x2d358dccaa6c78a5ULL);
        e->sum[1] += mum(s.b, 0x4b33a62ed433d4a3ULL);
        e->count++;
        if (spec[0] == '-' || e->disorder)
                return;
        if (!e->prev) {
                e->nkey = nkey;
                if (!(e->prev = calloc(nkey, sizeof(*e->prev)))) {
                        sqlite3_result_error_nomem(ctx);
                        return;
                }
        }
        if (before_prev(e, spec + 1, argv + 1)) {
                e->disorder = true;
                return;
        }
        if (spec[0] == 'U' && !e->duplicate && duplicate_of_prev(e, spec + 1, argv + 1))
                e->duplicate = true;
        if (remember(e, argv + 1) < 0)
                sqlite3_result_error_nomem(ctx);
}

/* "count sum sum duplicate"; also frees what the steps kept (SQLite
 * calls this when a statement ends early too). */
static void entries_final(sqlite3_context *ctx) {
        struct entries *e = sqlite3_aggregate_context(ctx, 0);
        struct entries none = {};
        if (!e)
                e = &none;
        char *text = strdup_printf("%llu %llu %llu %d", (unsigned long long) e->count, (unsigned long long) e->sum[0],
                                   (unsigned long long) e->sum[1], e->duplicate | e->disorder << 1);
        free(e->prev);
        strbuf_done(&e->bytes);
        if (text)
                sqlite3_result_text(ctx, text, -1, free);
        else
                sqlite3_result_error_nomem(ctx);
}

/* ---- reading the schema ---- */

/* A failed step or prepare: interrupted, out of memory, or what SQLite
 * said (a file it could not read) as the problem. */
static int sqlite_failed(sqlite3 *h, int rc, char **problem) {
        if ((rc & 0xff) == SQLITE_INTERRUPT)
                return -EINTR;
        if ((rc & 0xff) == SQLITE_NOMEM)
                return -ENOMEM;
        if (!*problem && !(*problem = strdup(sqlite3_errmsg(h))))
                return -ENOMEM;
        return PROBLEM;
}

/* Past a quoted name, string or comment starting at p, or one character. */
static const char *skip_token(const char *p) {
        char close;
        switch (*p) {
        case '\'':
        case '"':
        case '`':
                close = *p;
                break;
        case '[':
                close = ']';
                break;
        case '-':
                if (p[1] != '-')
                        return p + 1;
                p = strchr(p, '\n');
                return p ? p + 1 : NULL;
        case '/':
                if (p[1] != '*')
                        return p + 1;
                p = strstr(p + 2, "*/");
                return p ? p + 2 : NULL;
        default:
                return p + 1;
        }
        p = strchr(p + 1, close);
        return p ? p + 1 : NULL;
}

/* The WHERE clause of "CREATE [UNIQUE] INDEX name ON table (columns) WHERE
 * expr": what follows the first parenthesized group.  NULL when there is
 * none or the text is not understood.  The schema is the file's writer's,
 * but SQLite parsed this text when it loaded it: a whole expression
 * (deterministic functions, no subquery), at most a comment after it,
 * which the statements it goes into end with a newline; anything that
 * still does not prepare, or plans otherwise, leaves the table to
 * integrity_check(table). */
static char *partial_predicate(const char *sql) {
        const char *p = sql;
        int depth = 0;
        bool seen = false;
        while (p && *p && !(seen && depth == 0)) {
                if (*p == '(') {
                        depth++;
                        seen = true;
                } else if (*p == ')')
                        depth--;
                p = skip_token(p);
        }
        if (!p || !seen || depth != 0)
                return NULL;
        for (;;) {
                while (isspace((unsigned char) *p))
                        p++;
                if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) {
                        if (!(p = skip_token(p)))
                                return NULL;
                        continue;
                }
                break;
        }
        if (strncasecmp(p, "WHERE", 5) != 0 || isalnum((unsigned char) p[5]) || p[5] == '_' || !p[5])
                return NULL;
        /* SQLite loads a schema statement up to its first ';' and ignores
         * the rest: text after one was never parsed, and never goes into
         * our SQL. */
        const char *q = p + 5;
        while (q && *q && *q != ';')
                q = skip_token(q);
        if (!q || *q)
                return NULL;
        return strdup(p + 5);
}

static int read_columns(sqlite3 *h, struct table *t) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(h, "SELECT name, \"notnull\", pk, type, hidden FROM pragma_table_xinfo(?1, 'main')", -1, &st, NULL);
        size_t cap = 0;
        if (rc != SQLITE_OK)
                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (sqlite3_column_int(st, 4) != 0)
                        return UNCHECKED; /* a generated column */
                if (t->ncols == cap) {
                        cap = cap ? 2 * cap : 16;
                        struct column *n = realloc(t->cols, cap * sizeof(*n));
                        if (!n)
                                return -ENOMEM;
                        t->cols = n;
                }
                struct column *c = &t->cols[t->ncols++];
                c->name = strdup((const char *) sqlite3_column_text(st, 0) ?: "");
                c->type = strdup((const char *) sqlite3_column_text(st, 3) ?: "");
                c->notnull = sqlite3_column_int(st, 1) != 0;
                c->pk = sqlite3_column_int(st, 2) != 0;
                if (!c->name || !c->type)
                        return -ENOMEM;
        }
        if (rc != SQLITE_DONE)
                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        if (t->ncols == 0)
                return UNCHECKED;
        /* The last column an INTEGER PRIMARY KEY: integrity_check reads
         * its place in the record, a query the rowid. */
        if (t->cols[t->ncols - 1].pk && strcasecmp(t->cols[t->ncols - 1].type, "INTEGER") == 0)
                return UNCHECKED;
        static const char *const rowid_names[] = { "rowid", "_rowid_", "oid" };
        for (size_t i = 0; i < ELEMENTSOF(rowid_names) && !t->rowid; i++) {
                bool shadowed = false;
                for (size_t c = 0; c < t->ncols; c++)
                        shadowed |= strcasecmp(t->cols[c].name, rowid_names[i]) == 0;
                if (!shadowed)
                        t->rowid = rowid_names[i];
        }
        return t->rowid ? GO_ON : UNCHECKED;
}

static enum coll coll_of(const char *name) {
        if (!name || strcasecmp(name, "BINARY") == 0)
                return COLL_BINARY;
        if (strcasecmp(name, "NOCASE") == 0)
                return COLL_NOCASE;
        if (strcasecmp(name, "RTRIM") == 0)
                return COLL_RTRIM;
        return COLL_OTHER;
}

static int read_index_columns(sqlite3 *h, const struct table *t, struct index *x) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(h, "SELECT cid, coll, \"desc\" FROM pragma_index_xinfo(?1, 'main') WHERE key ORDER BY seqno", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        sqlite3_bind_text(st, 1, x->name, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                int cid = sqlite3_column_int(st, 0);
                enum coll coll = coll_of((const char *) sqlite3_column_text(st, 1));
                if (cid < 0 || (size_t) cid >= t->ncols)
                        return UNCHECKED; /* an expression (or the rowid itself) */
                if (coll == COLL_OTHER)
                        return UNCHECKED; /* equality we cannot reproduce */
                size_t n = x->nkey + 1;
                int *tc = realloc(x->table_cid, n * sizeof(*tc));
                if (tc)
                        x->table_cid = tc;
                enum coll *co = realloc(x->coll, n * sizeof(*co));
                if (co)
                        x->coll = co;
                bool *nu = realloc(x->nullable, n * sizeof(*nu));
                if (nu)
                        x->nullable = nu;
                bool *de = realloc(x->desc, n * sizeof(*de));
                if (de)
                        x->desc = de;
                if (!tc || !co || !nu || !de)
                        return -ENOMEM;
                de[x->nkey] = sqlite3_column_int(st, 2) != 0;
                tc[x->nkey] = cid;
                co[x->nkey] = coll;
                nu[x->nkey] = !t->cols[cid].notnull;
                x->nkey++;
        }
        if (rc != SQLITE_DONE)
                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        return x->nkey > 0 ? GO_ON : UNCHECKED;
}

static int read_indexes(sqlite3 *h, struct table *t) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(h,
                                    "SELECT l.name, l.\"unique\", l.partial, s.sql FROM pragma_index_list(?1, 'main') AS l"
                                    " LEFT JOIN main.sqlite_schema AS s ON s.type = 'index' AND s.name = l.name",
                                    -1, &st, NULL);
        size_t cap = 0;
        if (rc != SQLITE_OK)
                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (t->nidx == cap) {
                        cap = cap ? 2 * cap : 4;
                        struct index *n = realloc(t->idx, cap * sizeof(*n));
                        if (!n)
                                return -ENOMEM;
                        t->idx = n;
                }
                struct index *x = &t->idx[t->nidx++];
                *x = (struct index) {};
                x->name = strdup((const char *) sqlite3_column_text(st, 0) ?: "");
                if (!x->name)
                        return -ENOMEM;
                x->unique = sqlite3_column_int(st, 1) != 0;
                if (sqlite3_column_int(st, 2) != 0) {
                        const char *sql = (const char *) sqlite3_column_text(st, 3);
                        if (!sql || !(x->where = partial_predicate(sql)))
                                return UNCHECKED;
                        /* Every cell of an index b-tree, inner pages too, is an entry. */
                        rc = sqlite3_prepare_v2(h, "SELECT ncell FROM dbstat('main', 1) WHERE name = ?1", -1, &x->cells, NULL);
                        if (rc != SQLITE_OK)
                                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
                        sqlite3_bind_text(x->cells, 1, x->name, -1, SQLITE_STATIC);
                }
                int r = read_index_columns(h, t, x);
                if (r != GO_ON)
                        return r;
        }
        if (rc != SQLITE_DONE)
                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        return GO_ON;
}

/* ---- the scans ---- */

/* Prepares sql and makes sure SQLite runs it as planned: one step, a scan
 * of the covering index want when given (the values come from the index
 * b-tree; a search in it when search), else of the table alone. */
static int prepare_checked(sqlite3 *h, const char *sql, const char *want, bool search, sqlite3_stmt **ret) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *plan = NULL;
        _cleanup_free_ char *eqp = strdup_printf("EXPLAIN QUERY PLAN %s", sql);
        int rc, steps = 0;
        if (!eqp)
                return -ENOMEM;
        rc = sqlite3_prepare_v2(h, eqp, -1, &plan, NULL);
        if (rc != SQLITE_OK)
                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        while ((rc = sqlite3_step(plan)) == SQLITE_ROW) {
                const char *d = (const char *) sqlite3_column_text(plan, 3), *at;
                steps++;
                if (!d || !(strncmp(d, "SCAN ", 5) == 0 || (search && strncmp(d, "SEARCH ", 7) == 0)))
                        return UNCHECKED;
                if (!want && strstr(d, "INDEX"))
                        return UNCHECKED;
                at = want ? strstr(d, want) : NULL;
                if (want && (!at || !(at[strlen(want)] == '\0' || (search && at[strlen(want)] == ' '))))
                        return UNCHECKED;
        }
        if (rc != SQLITE_DONE || steps != 1)
                return (rc & 0xff) == SQLITE_INTERRUPT ? -EINTR : (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        rc = sqlite3_prepare_v2(h, sql, -1, ret, NULL);
        if (rc != SQLITE_OK)
                return (rc & 0xff) == SQLITE_NOMEM ? -ENOMEM : UNCHECKED;
        return GO_ON;
}

/* Runs a one-row query of aggregates; the text of each, in order. */
static int run_aggregates(sqlite3 *h, sqlite3_stmt *st, char **results[], size_t n, char **problem) {
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return sqlite_failed(h, rc == SQLITE_DONE ? SQLITE_ERROR : rc, problem);
        for (size_t i = 0; i < n; i++)
                if (!(*results[i] = strdup((const char *) sqlite3_column_text(st, (int) i) ?: "")))
                        return -ENOMEM;
        rc = sqlite3_step(st);
        return rc == SQLITE_DONE ? GO_ON : sqlite_failed(h, rc, problem);
}

/* The arguments of migrate_index_entries() for x: its spec, then the
 * fields of an entry (the key columns, then the rowid). */
static int put_fields(struct strbuf *sql, const struct table *t, const struct index *x, bool own) {
        int r = strbuf_putc(sql, '\'');
        if (r >= 0)
                r = strbuf_putc(sql, !own ? '-' : x->unique ? 'U' : 'O');
        for (size_t k = 0; r >= 0 && k < x->nkey; k++) {
                char c = x->coll[k] == COLL_NOCASE ? 'N' : x->coll[k] == COLL_RTRIM ? 'R' : 'B';
                if (x->desc[k])
                        c = (char) (c == 'N' ? 'Y' : c == 'R' ? 'Z' : 'X');
                r = strbuf_putc(sql, x->nullable[k] ? (char) tolower(c) : c);
        }
        if (r >= 0)
                r = strbuf_putc(sql, '\'');
        for (size_t k = 0; r >= 0 && k < x->nkey; k++) {
                r = strbuf_puts(sql, ", ");
                if (r >= 0)
                        r = sql_append_identifier(sql, t->cols[x->table_cid[k]].name);
        }
        return r >= 0 ? strbuf_printf(sql, ", %s)", t->rowid) : r;
}

/* " FROM main.<table>" and what follows it. */
static int put_from(struct strbuf *sql, const struct table *t, const char *how, const struct index *x) {
        int r = strbuf_puts(sql, " FROM main.");
        if (r >= 0)
                r = sql_append_identifier(sql, t->name);
        if (r >= 0)
                r = strbuf_puts(sql, how);
        if (r >= 0 && x)
                r = sql_append_identifier(sql, x->name);
        return r;
}

static int scan_index(sqlite3 *h, const struct table *t, struct index *x, char **problem) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char *want = strdup_printf("USING COVERING INDEX %s", x->name);
        char **result = &x->index_result;
        if (!want)
                return -ENOMEM;
        int r = strbuf_puts(&sql, "SELECT migrate_index_entries(");
        if (r >= 0)
                r = put_fields(&sql, t, x, true);
        if (r >= 0)
                r = put_from(&sql, t, " INDEXED BY ", x);
        if (r >= 0 && x->where)
                r = strbuf_printf(&sql, " WHERE %s\n", x->where); /* (a -- comment ends at the newline) */
        if (r < 0)
                return -ENOMEM;
        r = prepare_checked(h, sql.data, want, x->where != NULL, &st);
        if (r == GO_ON)
                r = run_aggregates(h, st, &result, 1, problem);
        if (r == GO_ON && x->cells) {
                /* The scan of a partial index skips entries its WHERE
                 * rejects: what dbstat counts must be what it read. */
                int rc = sqlite3_step(x->cells);
                if (rc != SQLITE_ROW)
                        return sqlite_failed(h, rc == SQLITE_DONE ? SQLITE_ERROR : rc, problem);
                x->cell_count = (uint64_t) sqlite3_column_int64(x->cells, 0);
        }
        return r;
}

/* One scan of the table: each index's entries as the table's rows make
 * them (a partial index's only where its predicate holds), and the type of
 * the last column, which makes SQLite decode the whole record header as
 * integrity_check does. */
static int scan_table(sqlite3 *h, struct table *t, char **problem) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        _cleanup_strbuf_ struct strbuf sql = {};
        _cleanup_free_ char ***results = calloc(t->nidx + 1, sizeof(*results));
        _cleanup_free_ char *last = NULL;
        if (!results)
                return -ENOMEM;
        int r = strbuf_puts(&sql, "SELECT ");
        for (size_t i = 0; r >= 0 && i < t->nidx; i++) {
                struct index *x = &t->idx[i];
                r = strbuf_puts(&sql, "migrate_index_entries(");
                if (r >= 0)
                        r = put_fields(&sql, t, x, false);
                if (r >= 0 && x->where)
                        r = strbuf_printf(&sql, " FILTER (WHERE %s\n)", x->where);
                if (r >= 0)
                        r = strbuf_puts(&sql, ", ");
                results[i] = &x->table_result;
        }
        results[t->nidx] = &last;
        if (r >= 0)
                r = strbuf_puts(&sql, "count(typeof(");
        if (r >= 0)
                r = sql_append_identifier(&sql, t->cols[t->ncols - 1].name);
        if (r >= 0)
                r = strbuf_puts(&sql, "))");
        if (r >= 0)
                r = put_from(&sql, t, " NOT INDEXED", NULL);
        if (r < 0)
                return -ENOMEM;
        r = prepare_checked(h, sql.data, NULL, false, &st);
        return r != GO_ON ? r : run_aggregates(h, st, results, t->nidx + 1, problem);
}

static int compare(const struct table *t, const struct index *x, char **problem) {
        unsigned long long tn, in, ts[2], is[2];
        int tdup, idup;
        if (sscanf(x->table_result, "%llu %llu %llu %d", &tn, &ts[0], &ts[1], &tdup) != 4 ||
            sscanf(x->index_result, "%llu %llu %llu %d", &in, &is[0], &is[1], &idup) != 4)
                *problem = strdup_printf("index %s of table %s: cannot read the comparison's result", x->name, t->name);
        else if (tn != in || (x->cells && x->cell_count != in))
                *problem = strdup_printf("wrong # of entries in index %s: %llu, its table %s has %llu", x->name,
                                         x->cells ? (unsigned long long) x->cell_count : in, t->name, tn);
        else if (ts[0] != is[0] || ts[1] != is[1])
                *problem = strdup_printf("the entries of index %s differ from the rows of its table %s", x->name, t->name);
        else if (idup & 2)
                *problem = strdup_printf("index %s (of table %s): entries out of order", x->name, t->name);
        else if (idup & 1)
                *problem = strdup_printf("non-unique entry in index %s (of table %s)", x->name, t->name);
        else
                return GO_ON;
        return *problem ? PROBLEM : -ENOMEM;
}

static int check_table(sqlite3 *h, struct table *t, char **problem) {
        int r = read_columns(h, t);
        if (r == GO_ON)
                r = read_indexes(h, t);
        if (r == GO_ON)
                r = scan_table(h, t, problem);
        for (size_t i = 0; r == GO_ON && i < t->nidx; i++)
                r = scan_index(h, t, &t->idx[i], problem);
        for (size_t i = 0; r == GO_ON && i < t->nidx; i++)
                r = compare(t, &t->idx[i], problem);
        return r;
}

static bool utf8(sqlite3 *h) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        return sqlite3_prepare_v2(h, "PRAGMA main.encoding", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
               strcmp((const char *) sqlite3_column_text(st, 0) ?: "", "UTF-8") == 0;
}

int sqlite_index_check(sqlite3 *h, char ***ret_unchecked, char **ret_problem) {
        _cleanup_(strv_freep) char **unchecked = NULL;
        _cleanup_free_ char *problem = NULL;
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc, r = GO_ON;
        *ret_unchecked = NULL;
        *ret_problem = NULL;
        /* Virtual tables have no b-tree: integrity_check passes them by. */
        rc = sqlite3_prepare_v2(h, "SELECT name, wr OR strict FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow')",
                                -1, &st, NULL);
        if (rc != SQLITE_OK) {
                if ((r = sqlite_failed(h, rc, &problem)) < 0)
                        return r;
                *ret_problem = TAKE_PTR(problem);
                return 0;
        }
        rc = sqlite3_create_function_v2(h, "migrate_index_entries", -1, SQLITE_UTF8, NULL, NULL, entries_step, entries_final, NULL);
        if (rc != SQLITE_OK)
                return -ENOMEM;
        bool all_unchecked = !utf8(h);
        while (r >= 0 && r != PROBLEM && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct table t = { .name = (char *) sqlite3_column_text(st, 0) };
                if (!t.name)
                        return -ENOMEM;
                r = all_unchecked || sqlite3_column_int(st, 1) ? UNCHECKED : check_table(h, &t, &problem);
                table_done(&t);
                if (r == UNCHECKED && strv_push(&unchecked, (const char *) sqlite3_column_text(st, 0)) < 0)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        if (r != PROBLEM && rc != SQLITE_DONE && (r = sqlite_failed(h, rc, &problem)) < 0)
                return r;
        *ret_unchecked = TAKE_PTR(unchecked);
        *ret_problem = TAKE_PTR(problem);
        return 0;
}
