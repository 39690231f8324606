#include "migrate/expr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/cleanup.h"
#include "migrate/sql_quote.h"
#include "migrate/sql_token.h"
#include "migrate/strbuf.h"
#include "migrate/timeparse.h"

enum node_kind {
        N_COLUMN,  /* column */
        N_NULL,
        N_BOOL,    /* b */
        N_INTEGER, /* text: decimal digits */
        N_REAL,    /* text: as written */
        N_STRING,  /* text: the value */
        N_BLOB,    /* text: hex digits */
        N_NOW,     /* op: "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME" or "unixepoch()" */
        N_UNARY,   /* op, kids[0] */
        N_BINARY,  /* op, kids[0..1] */
        N_IS,      /* kids[0] IS [NOT] kids[1] */
        N_IN,      /* kids[0] [NOT] IN (kids[1..]) */
        N_FUNC,    /* op: the PostgreSQL name; kids: arguments */
        N_COLLATE, /* kids[0] COLLATE "C" */
};

struct node {
        enum node_kind kind;
        const char *op;
        char *text;
        const struct column *column;
        bool b, negated;
        struct node **kids;
        size_t n_kids;
};

static void node_free(struct node *n) {
        if (!n)
                return;
        for (size_t i = 0; i < n->n_kids; i++)
                node_free(n->kids[i]);
        free(n->kids);
        free(n->text);
        free(n);
}

static void node_freep(struct node **n) {
        node_free(*n);
}

struct parser {
        struct sql_tokens tokens;
        size_t pos;
        const struct expr_target *target;
        char *why; /* the first refusal */
};

static const struct sql_token *peek(struct parser *p, size_t ahead) {
        return p->pos + ahead < p->tokens.n ? &p->tokens.v[p->pos + ahead] : NULL;
}

static bool next_is(struct parser *p, size_t ahead, const char *s) {
        const struct sql_token *t = peek(p, ahead);
        return t && sql_token_is(t, s);
}

static bool accept(struct parser *p, const char *s) {
        if (!next_is(p, 0, s))
                return false;
        p->pos++;
        return true;
}

/* Refuse the expression: -EOPNOTSUPP, the first reason kept. */
static int refuse(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct parser *p, const char *fmt, ...) {
        if (!p->why) {
                va_list ap;
                va_start(ap, fmt);
                p->why = strdup_vprintf(fmt, ap);
                va_end(ap);
                if (!p->why)
                        return -ENOMEM;
        }
        return -EOPNOTSUPP;
}

/* A token for a message: short, and only printable ASCII of it. */
static void describe_token(const struct sql_token *t, char *buf, size_t size) {
        size_t n = 0;
        if (!t) {
                snprintf(buf, size, "the end of the expression");
                return;
        }
        for (size_t i = 0; i < t->len && n + 4 < size && i < 40; i++)
                buf[n++] = t->start[i] >= 0x20 && t->start[i] < 0x7f ? t->start[i] : '?';
        if (t->len > 40 && n + 4 < size) {
                memcpy(buf + n, "...", 3);
                n += 3;
        }
        buf[n] = '\0';
}

static int refuse_token(struct parser *p, const struct sql_token *t, const char *what) {
        char tok[64];
        describe_token(t, tok, sizeof(tok));
        return refuse(p, "%s %s", what, tok);
}

static int new_node(enum node_kind kind, struct node **ret) {
        *ret = calloc(1, sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        (*ret)->kind = kind;
        return 0;
}

static int add_kid(struct node *n, struct node *kid) {
        struct node **v = reallocarray(n->kids, n->n_kids + 1, sizeof(*v));
        if (!v) {
                node_free(kid);
                return -ENOMEM;
        }
        n->kids = v;
        n->kids[n->n_kids++] = kid;
        return 0;
}

/* An operator node over left (taken) and right (taken). */
static int binary(enum node_kind kind, const char *op, struct node *left, struct node *right, struct node **ret) {
        int r = new_node(kind, ret);
        if (r < 0) {
                node_free(left);
                node_free(right);
                return r;
        }
        (*ret)->op = op;
        r = add_kid(*ret, left);
        if (r >= 0 && right)
                r = add_kid(*ret, right);
        else if (r < 0)
                node_free(right);
        return r;
}

static int parse_expr(struct parser *p, struct node **ret);

/* ---- literals and names --------------------------------------------- */

static int parse_number(struct parser *p, const struct sql_token *t, struct node **ret) {
        _cleanup_free_ char *text = strndup(t->start, t->len);
        if (!text)
                return -ENOMEM;
        if (t->len > 2 && (text[1] == 'x' || text[1] == 'X')) {
                /* SQLite's hex literals are 64-bit two's complement integers. */
                if (t->len - 2 > 16)
                        return refuse_token(p, t, "the hex literal, too big for SQLite,");
                int64_t v = (int64_t) strtoull(text + 2, NULL, 16);
                int r = new_node(N_INTEGER, ret);
                if (r < 0)
                        return r;
                return ((*ret)->text = strdup_printf("%" PRId64, v)) ? 0 : -ENOMEM;
        }
        bool integer = strspn(text, "0123456789") == t->len;
        int r = new_node(integer ? N_INTEGER : N_REAL, ret);
        if (r < 0)
                return r;
        (*ret)->text = TAKE_PTR(text);
        return 0;
}

static const struct column *find_column(const struct table *t, const char *name) {
        for (size_t i = 0; t && i < t->n_columns; i++)
                if (strcasecmp(t->columns[i].name, name) == 0) /* SQLite folds ASCII case in names */
                        return &t->columns[i];
        return NULL;
}

struct function {
        const char *sqlite, *postgres;
        size_t min_args, max_args;
};

/* Immutable functions PostgreSQL has with the same meaning. */
static const struct function functions[] = {
        { "lower", "pg_catalog.lower", 1, 1 },   { "upper", "pg_catalog.upper", 1, 1 },
        { "abs", "pg_catalog.abs", 1, 1 },       { "length", "pg_catalog.length", 1, 1 },
        { "coalesce", "COALESCE", 2, SIZE_MAX }, { "ifnull", "COALESCE", 2, 2 },
        { "nullif", "NULLIF", 2, 2 },            { "trim", "pg_catalog.btrim", 1, 2 },
        { "ltrim", "pg_catalog.ltrim", 1, 2 },   { "rtrim", "pg_catalog.rtrim", 1, 2 },
        { "replace", "pg_catalog.replace", 3, 3 },
};

static int parse_function(struct parser *p, const struct sql_token *name, struct node **ret) {
        *ret = NULL;
        const struct function *f = NULL;
        for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]) && !f; i++)
                if (sql_token_is(name, functions[i].sqlite))
                        f = &functions[i];
        if (!f)
                return refuse_token(p, name, "function");
        p->pos += 2; /* the name and ( */
        _cleanup_(node_freep) struct node *n = NULL;
        int r = new_node(N_FUNC, &n);
        if (r < 0)
                return r;
        n->op = f->postgres;
        if (next_is(p, 0, "DISTINCT") || next_is(p, 0, "*"))
                return refuse_token(p, peek(p, 0), "in a function call:");
        if (!next_is(p, 0, ")"))
                do {
                        struct node *arg;
                        r = parse_expr(p, &arg);
                        if (r >= 0)
                                r = add_kid(n, arg);
                        if (r < 0)
                                return r;
                } while (accept(p, ","));
        if (!accept(p, ")"))
                return refuse_token(p, peek(p, 0), "unexpected");
        if (n->n_kids < f->min_args || n->n_kids > f->max_args)
                return refuse(p, "function %s with %zu arguments", f->sqlite, n->n_kids);
        *ret = TAKE_PTR(n);
        return 0;
}

/* SQLite's datetime('now'), date('now') and time('now') are its
 * CURRENT_TIMESTAMP, CURRENT_DATE and CURRENT_TIME (UTC text, to the
 * second), and unixepoch() / unixepoch('now') the same instant in Unix
 * seconds: ORMs write them as defaults (TypeORM's datetime('now'), Drizzle's
 * unixepoch()).  Only these exact spellings: a modifier ('localtime',
 * '+1 day') or another time string is another value.  1 when the call at
 * the parser's position is one of them (a node in *ret), 0 when not. */
static int parse_now_call(struct parser *p, const struct sql_token *name, struct node **ret) {
        static const struct {
                const char *sqlite, *now;
        } calls[] = {
                { "datetime", "CURRENT_TIMESTAMP" },
                { "date", "CURRENT_DATE" },
                { "time", "CURRENT_TIME" },
                { "unixepoch", "unixepoch()" },
        };
        for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
                if (!sql_token_is(name, calls[i].sqlite))
                        continue;
                size_t n = 2; /* the name and ( */
                const struct sql_token *arg = peek(p, n);
                if (arg && arg->kind == SQL_TOKEN_STRING) {
                        _cleanup_free_ char *v = sql_token_value(arg);
                        if (!v)
                                return -ENOMEM;
                        if (strcasecmp(v, "now") != 0)
                                return 0;
                        n++;
                } else if (strcmp(calls[i].sqlite, "unixepoch") != 0)
                        return 0; /* datetime() without 'now' is NULL-ish trivia: not carried */
                if (!next_is(p, n, ")"))
                        return 0;
                if (p->target->use != EXPR_DEFAULT)
                        return refuse(p, "%s('now') outside a default", calls[i].sqlite);
                int r = new_node(N_NOW, ret);
                if (r < 0)
                        return r;
                (*ret)->op = calls[i].now;
                p->pos += n + 1;
                return 1;
        }
        return 0;
}

static int parse_primary(struct parser *p, struct node **ret) {
        *ret = NULL;
        const struct sql_token *t = peek(p, 0);
        int r;
        if (!t)
                return refuse(p, "an incomplete expression");
        if (sql_token_is(t, "(")) {
                p->pos++;
                if (next_is(p, 0, "SELECT") || next_is(p, 0, "VALUES") || next_is(p, 0, "WITH"))
                        return refuse(p, "a subquery");
                r = parse_expr(p, ret);
                if (r < 0)
                        return r;
                if (accept(p, ")"))
                        return 0;
                node_free(*ret);
                *ret = NULL;
                return refuse_token(p, peek(p, 0), next_is(p, 0, ",") ? "a row value at" : "unexpected");
        }
        switch (t->kind) {
        case SQL_TOKEN_NUMBER:
                p->pos++;
                return parse_number(p, t, ret);
        case SQL_TOKEN_STRING:
        case SQL_TOKEN_BLOB:
                p->pos++;
                r = new_node(t->kind == SQL_TOKEN_STRING ? N_STRING : N_BLOB, ret);
                if (r >= 0 && !((*ret)->text = sql_token_value(t)))
                        r = -ENOMEM;
                return r;
        case SQL_TOKEN_VARIABLE:
                return refuse_token(p, t, "the parameter");
        case SQL_TOKEN_PUNCT:
                return refuse_token(p, t, "unexpected");
        case SQL_TOKEN_WORD:
        case SQL_TOKEN_QUOTED:
                break;
        }
        if (t->kind == SQL_TOKEN_WORD && next_is(p, 1, "(")) {
                r = parse_now_call(p, t, ret);
                if (r != 0)
                        return r < 0 ? r : 0;
                return parse_function(p, t, ret);
        }
        /* A default that is one quoted name, DEFAULT "" or DEFAULT "file"
         * (Chrome's History has them), is that name as a string in SQLite
         * (its grammar's "DEFAULT id"), never a column.  (A bare word is that
         * string too, but is still refused: the word may be a misspelt
         * keyword.) */
        if (p->target->use == EXPR_DEFAULT && p->tokens.n == 1 && t->kind == SQL_TOKEN_QUOTED) {
                p->pos++;
                r = new_node(N_STRING, ret);
                if (r >= 0 && !((*ret)->text = sql_token_value(t)))
                        r = -ENOMEM;
                return r;
        }
        if (next_is(p, 1, "."))
                return refuse_token(p, t, "the qualified name");
        _cleanup_free_ char *name = sql_token_value(t);
        if (!name)
                return -ENOMEM;
        const struct column *c = find_column(p->target->table, name);
        p->pos++;
        if (c) {
                if (p->target->use == EXPR_DEFAULT)
                        return refuse(p, "a column name in a default");
                r = new_node(N_COLUMN, ret);
                if (r >= 0)
                        (*ret)->column = c;
                return r;
        }
        if (t->kind == SQL_TOKEN_WORD) {
                if (sql_token_is(t, "NULL"))
                        return new_node(N_NULL, ret);
                if (sql_token_is(t, "TRUE") || sql_token_is(t, "FALSE")) {
                        r = new_node(N_BOOL, ret);
                        if (r >= 0)
                                (*ret)->b = sql_token_is(t, "TRUE");
                        return r;
                }
                static const char *const now[] = { "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME" };
                for (size_t i = 0; i < 3; i++)
                        if (sql_token_is(t, now[i])) {
                                if (p->target->use != EXPR_DEFAULT)
                                        return refuse(p, "%s outside a default", now[i]);
                                r = new_node(N_NOW, ret);
                                if (r >= 0)
                                        (*ret)->op = now[i];
                                return r;
                        }
        }
        p->pos--;
        return refuse_token(p, t, p->target->table ? "the name (not a column of the table)" : "the name");
}

/* ---- operators, by SQLite's precedence, loosest last ------------------ */

static int parse_unary(struct parser *p, struct node **ret) {
        *ret = NULL;
        const struct sql_token *t = peek(p, 0);
        int r;
        if (t && (sql_token_is(t, "-") || sql_token_is(t, "+"))) {
                p->pos++;
                struct node *operand;
                r = parse_unary(p, &operand);
                if (r < 0)
                        return r;
                if (sql_token_is(t, "+")) { /* SQLite's unary plus changes nothing, whatever the type */
                        *ret = operand;
                        return 0;
                }
                return binary(N_UNARY, "-", operand, NULL, ret);
        }
        if (t && (sql_token_is(t, "~") || sql_token_is(t, "EXISTS") || sql_token_is(t, "CASE") ||
                  sql_token_is(t, "CAST") || sql_token_is(t, "RAISE") || sql_token_is(t, "SELECT")))
                return refuse_token(p, t, "the operator");
        r = parse_primary(p, ret);
        while (r >= 0 && next_is(p, 0, "COLLATE")) {
                const struct sql_token *name = peek(p, 1);
                _cleanup_free_ char *v = name ? sql_token_value(name) : NULL;
                if (name && !v)
                        r = -ENOMEM;
                else if (!v || strcasecmp(v, "BINARY") != 0)
                        r = refuse_token(p, name, "COLLATE");
                else {
                        p->pos += 2;
                        r = binary(N_COLLATE, NULL, *ret, NULL, ret);
                        continue;
                }
                node_free(*ret);
                *ret = NULL;
        }
        return r;
}

struct level {
        const char *sqlite[5];
        const char *postgres[5];
};

/* Left-associative binary operators, loosest first (SQLite's order). */
static const struct level levels[] = {
        { { "<", "<=", ">", ">=" }, { "<", "<=", ">", ">=" } },
        { { "+", "-" }, { "+", "-" } },
        { { "*" }, { "*" } },
        { { "||" }, { "||" } },
};

/* Operators SQLite has whose meaning PostgreSQL does not share exactly
 * (a division by zero is NULL in SQLite, an error in PostgreSQL; LIKE
 * ignores ASCII case in SQLite). */
static const char *const refused_operators[] = {
        "->", "->>", "&", "|", "<<", ">>", "/", "%", "LIKE", "GLOB", "MATCH", "REGEXP", "BETWEEN", "ESCAPE",
};

static int check_refused_operator(struct parser *p) {
        const struct sql_token *t = peek(p, 0);
        if (t && sql_token_is(t, "NOT") && peek(p, 1))
                t = peek(p, 1);
        for (size_t i = 0; t && i < sizeof(refused_operators) / sizeof(refused_operators[0]); i++)
                if (sql_token_is(t, refused_operators[i]))
                        return refuse_token(p, t, "the operator");
        return 0;
}

static int parse_level(struct parser *p, size_t level, struct node **ret) {
        *ret = NULL;
        if (level == sizeof(levels) / sizeof(levels[0]))
                return parse_unary(p, ret);
        int r = parse_level(p, level + 1, ret);
        while (r >= 0) {
                r = check_refused_operator(p);
                if (r < 0)
                        break;
                const char *op = NULL;
                for (size_t i = 0; i < 5 && levels[level].sqlite[i] && !op; i++)
                        if (accept(p, levels[level].sqlite[i]))
                                op = levels[level].postgres[i];
                if (!op)
                        return 0;
                struct node *right;
                r = parse_level(p, level + 1, &right);
                if (r >= 0)
                        r = binary(N_BINARY, op, *ret, right, ret);
                else
                        node_free(*ret);
                if (r < 0)
                        *ret = NULL;
        }
        if (r < 0 && *ret) {
                node_free(*ret);
                *ret = NULL;
        }
        return r;
}

static bool is_literal(const struct node *n) {
        if (n->kind == N_UNARY)
                return n->kids[0]->kind == N_INTEGER || n->kids[0]->kind == N_REAL;
        return n->kind == N_NULL || n->kind == N_BOOL || n->kind == N_INTEGER || n->kind == N_REAL ||
               n->kind == N_STRING || n->kind == N_BLOB;
}

static void boolean_literal(const struct node *column, struct node *literal) {
        if (column->kind == N_COLUMN && column->column->spec.type == COL_BOOL && literal->kind == N_INTEGER &&
            (strcmp(literal->text, "0") == 0 || strcmp(literal->text, "1") == 0)) {
                literal->kind = N_BOOL;
                literal->b = literal->text[0] == '1';
        }
}

/* A boolean column compared with 0 or 1, as SQLite applications write it:
 * PostgreSQL compares a boolean with true or false. */
static void boolean_literals(struct node *n) {
        boolean_literal(n->kids[0], n->kids[1]);
        boolean_literal(n->kids[1], n->kids[0]);
}

/* IN (literal, ...): a list of literals only. */
static int parse_in_list(struct parser *p, struct node *in) {
        if (!accept(p, "("))
                return refuse_token(p, peek(p, 0), "IN without a list: unexpected");
        if (next_is(p, 0, "SELECT") || next_is(p, 0, "VALUES") || next_is(p, 0, "WITH"))
                return refuse(p, "a subquery");
        if (next_is(p, 0, ")"))
                return refuse(p, "an empty IN list");
        do {
                struct node *item;
                int r = parse_unary(p, &item);
                if (r < 0)
                        return r;
                if (!is_literal(item)) {
                        node_free(item);
                        return refuse(p, "an IN list of something else than literals");
                }
                if ((r = add_kid(in, item)) < 0)
                        return r;
                boolean_literal(in->kids[0], in->kids[in->n_kids - 1]);
        } while (accept(p, ","));
        return accept(p, ")") ? 0 : refuse_token(p, peek(p, 0), "unexpected");
}

/* = == != <> IS [NOT] [NOT] IN ISNULL NOTNULL NOT NULL: one level in SQLite. */
static int parse_equality(struct parser *p, struct node **ret) {
        *ret = NULL;
        _cleanup_(node_freep) struct node *left = NULL;
        int r = parse_level(p, 0, &left);
        while (r >= 0) {
                if ((r = check_refused_operator(p)) < 0)
                        return r;
                const char *op = accept(p, "=") || accept(p, "==") ? "=" : accept(p, "!=") || accept(p, "<>") ? "<>" : NULL;
                if (op) {
                        struct node *right;
                        if ((r = parse_level(p, 0, &right)) < 0 || (r = binary(N_BINARY, op, TAKE_PTR(left), right, &left)) < 0)
                                return r;
                        boolean_literals(left);
                        continue;
                }
                if (accept(p, "ISNULL") || accept(p, "NOTNULL") || (next_is(p, 0, "NOT") && next_is(p, 1, "NULL"))) {
                        bool negated = !sql_token_is(&p->tokens.v[p->pos - 1], "ISNULL");
                        if (next_is(p, 0, "NOT"))
                                p->pos += 2;
                        struct node *null;
                        if ((r = new_node(N_NULL, &null)) < 0 || (r = binary(N_IS, NULL, TAKE_PTR(left), null, &left)) < 0)
                                return r;
                        left->negated = negated;
                        continue;
                }
                if (accept(p, "IS")) {
                        bool negated = accept(p, "NOT");
                        if (next_is(p, 0, "DISTINCT"))
                                return refuse(p, "IS DISTINCT FROM");
                        struct node *right;
                        if ((r = parse_level(p, 0, &right)) < 0 || (r = binary(N_IS, NULL, TAKE_PTR(left), right, &left)) < 0)
                                return r;
                        left->negated = negated;
                        boolean_literals(left);
                        continue;
                }
                bool negated = next_is(p, 0, "NOT") && next_is(p, 1, "IN");
                if (negated || next_is(p, 0, "IN")) {
                        p->pos += negated ? 2 : 1;
                        if ((r = binary(N_IN, NULL, TAKE_PTR(left), NULL, &left)) < 0)
                                return r;
                        left->negated = negated;
                        if ((r = parse_in_list(p, left)) < 0)
                                return r;
                        continue;
                }
                *ret = TAKE_PTR(left);
                return 0;
        }
        return r;
}

static int parse_not(struct parser *p, struct node **ret) {
        *ret = NULL;
        if (accept(p, "NOT")) {
                struct node *operand;
                int r = parse_not(p, &operand);
                return r < 0 ? r : binary(N_UNARY, "NOT ", operand, NULL, ret);
        }
        return parse_equality(p, ret);
}

static int parse_and(struct parser *p, struct node **ret) {
        int r = parse_not(p, ret);
        while (r >= 0 && accept(p, "AND")) {
                struct node *right;
                r = parse_not(p, &right);
                if (r >= 0)
                        r = binary(N_BINARY, "AND", *ret, right, ret);
                else
                        node_free(*ret);
                if (r < 0)
                        *ret = NULL;
        }
        return r;
}

static int parse_expr(struct parser *p, struct node **ret) {
        *ret = NULL;
        int r = parse_and(p, ret);
        while (r >= 0 && accept(p, "OR")) {
                struct node *right;
                r = parse_and(p, &right);
                if (r >= 0)
                        r = binary(N_BINARY, "OR", *ret, right, ret);
                else
                        node_free(*ret);
                if (r < 0)
                        *ret = NULL;
        }
        return r;
}

/* ---- PostgreSQL text from the tree ------------------------------------ */

/* Hex digits of the bytes of s. */
static int append_hex(struct strbuf *b, const char *s, size_t n) {
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = strbuf_printf(b, "%02x", (unsigned char) s[i]);
        return r;
}

static int emit_literal(struct strbuf *b, const char *text) {
        _cleanup_free_ char *q = sql_quote_literal(text);
        return q ? strbuf_puts(b, q) : -ENOMEM;
}

/* SQLite's CURRENT_* are UTC text, to the second: the same meaning in the
 * column's PostgreSQL type. */
static int emit_now(struct parser *p, struct strbuf *b, const char *which) {
        const struct col_spec *c = p->target->column;
        bool ts = strcmp(which, "CURRENT_TIMESTAMP") == 0, date = strcmp(which, "CURRENT_DATE") == 0;
        const char *utc = "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')";
        if (strcmp(which, "unixepoch()") == 0) { /* whole seconds, in an integer column */
                if (c && c->type == COL_INT64)
                        return strbuf_puts(b, "CAST(EXTRACT(EPOCH FROM pg_catalog.date_trunc('second', CURRENT_TIMESTAMP)) "
                                              "AS bigint)") < 0
                                       ? -ENOMEM
                                       : 0;
                return refuse(p, "unixepoch() in a column of this type");
        }
        switch (c ? c->type : _COL_TYPE_MAX) {
        case COL_TEXT:
                return strbuf_printf(b, "pg_catalog.to_char(%s, '%s')", utc,
                                     ts ? "YYYY-MM-DD HH24:MI:SS" : date ? "YYYY-MM-DD" : "HH24:MI:SS") < 0
                               ? -ENOMEM
                               : 0;
        case COL_TIMESTAMP_LOCAL:
                if (ts || date)
                        return strbuf_printf(b, "pg_catalog.date_trunc('%s', %s)", ts ? "second" : "day", utc);
                break;
        case COL_TIMESTAMP_UTC:
                if (ts || date)
                        return strbuf_printf(b, "(pg_catalog.date_trunc('%s', %s) AT TIME ZONE 'UTC')", ts ? "second" : "day", utc);
                break;
        case COL_DATE:
                if (date)
                        return strbuf_printf(b, "CAST(%s AS date)", utc);
                break;
        default:
                break;
        }
        return refuse(p, "%s in a column of this type", which);
}

static bool is_time_column(const struct col_spec *c) {
        return c && (c->type == COL_TIMESTAMP_LOCAL || c->type == COL_TIMESTAMP_UTC || c->type == COL_DATE);
}

static int emit(struct parser *p, struct strbuf *b, const struct node *n) {
        const struct col_spec *col = p->target->use == EXPR_DEFAULT ? p->target->column : NULL;
        int r = 0;
        switch (n->kind) {
        case N_COLUMN: {
                _cleanup_free_ char *q = sql_quote_identifier(n->column->name);
                return q ? strbuf_puts(b, q) : -ENOMEM;
        }
        case N_NULL:
                return strbuf_puts(b, "NULL");
        case N_BOOL:
                /* TRUE is the integer 1 in SQLite: a boolean only where the column is one. */
                if (col && col->type != COL_BOOL)
                        return strbuf_puts(b, n->b ? "1" : "0");
                return strbuf_puts(b, n->b ? "true" : "false");
        case N_INTEGER:
        case N_REAL:
                return strbuf_puts(b, n->text);
        case N_STRING:
                if (col && col->type == COL_BYTES) { /* SQLite stores the text's bytes */
                        r = strbuf_puts(b, "'\\x");
                        if (r >= 0)
                                r = append_hex(b, n->text, strlen(n->text));
                        return r < 0 ? r : strbuf_puts(b, "'::bytea");
                }
                return emit_literal(b, n->text);
        case N_BLOB: {
                _cleanup_free_ char *hex = strdup_printf("\\x%s", n->text);
                r = hex ? emit_literal(b, hex) : -ENOMEM;
                return r < 0 ? r : strbuf_puts(b, "::bytea");
        }
        case N_NOW:
                return emit_now(p, b, n->op);
        case N_UNARY:
                r = strbuf_printf(b, "(%s", n->op);
                if (r >= 0)
                        r = emit(p, b, n->kids[0]);
                return r < 0 ? r : strbuf_putc(b, ')');
        case N_BINARY:
                r = strbuf_putc(b, '(');
                if (r >= 0)
                        r = emit(p, b, n->kids[0]);
                if (r >= 0)
                        r = strbuf_printf(b, " %s ", n->op);
                if (r >= 0)
                        r = emit(p, b, n->kids[1]);
                return r < 0 ? r : strbuf_putc(b, ')');
        case N_IS:
                r = strbuf_putc(b, '(');
                if (r >= 0)
                        r = emit(p, b, n->kids[0]);
                if (r >= 0 && n->kids[1]->kind == N_NULL)
                        return strbuf_puts(b, n->negated ? " IS NOT NULL)" : " IS NULL)");
                if (r >= 0)
                        r = strbuf_puts(b, n->negated ? " IS DISTINCT FROM " : " IS NOT DISTINCT FROM ");
                if (r >= 0)
                        r = emit(p, b, n->kids[1]);
                return r < 0 ? r : strbuf_putc(b, ')');
        case N_IN:
                r = strbuf_putc(b, '(');
                if (r >= 0)
                        r = emit(p, b, n->kids[0]);
                if (r >= 0)
                        r = strbuf_puts(b, n->negated ? " NOT IN (" : " IN (");
                for (size_t i = 1; r >= 0 && i < n->n_kids; i++) {
                        r = i > 1 ? strbuf_puts(b, ", ") : 0;
                        if (r >= 0)
                                r = emit(p, b, n->kids[i]);
                }
                return r < 0 ? r : strbuf_puts(b, "))");
        case N_FUNC:
                r = strbuf_printf(b, "%s(", n->op);
                for (size_t i = 0; r >= 0 && i < n->n_kids; i++) {
                        r = i ? strbuf_puts(b, ", ") : 0;
                        if (r >= 0)
                                r = emit(p, b, n->kids[i]);
                }
                return r < 0 ? r : strbuf_putc(b, ')');
        case N_COLLATE:
                r = strbuf_putc(b, '(');
                if (r >= 0)
                        r = emit(p, b, n->kids[0]);
                return r < 0 ? r : strbuf_puts(b, " COLLATE \"C\")");
        }
        return -EINVAL;
}

/* PostgreSQL reads these strings in a date or time column as the moment the
 * default is set; SQLite stores the word itself. */
static bool is_special_time_word(const char *s) {
        static const char *const words[] = { "now", "today", "tomorrow", "yesterday", "epoch", "infinity", "-infinity", "allballs" };
        while (*s == ' ')
                s++;
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
                size_t n = strlen(words[i]);
                if (strncasecmp(s, words[i], n) == 0 && s[n + strspn(s + n, " ")] == '\0')
                        return true;
        }
        return false;
}

/* A default is a literal, CURRENT_*, or an expression of those.  A bare
 * literal in a boolean, date or time column gets the column's reading. */
static int check_default(struct parser *p, struct node *n) {
        const struct col_spec *c = p->target->column;
        if (c && c->type == COL_BOOL && (n->kind == N_INTEGER || n->kind == N_STRING) &&
            (strcmp(n->text, "0") == 0 || strcmp(n->text, "1") == 0)) {
                n->kind = N_BOOL;
                n->b = n->text[0] == '1';
        }
        if (n->kind == N_STRING && is_time_column(c)) {
                struct parsed_time t;
                const char *why;
                if (is_special_time_word(n->text))
                        return refuse(p, "the string '%s', which PostgreSQL would read as a moment fixed when the default is set",
                                      n->text);
                if (time_parse(n->text, strlen(n->text), &t, &why) < 0)
                        return refuse(p, "a string that is not a date or time (%s)", why);
                if (c->type != COL_TIMESTAMP_UTC && t.has_offset)
                        return refuse(p, "a time with a UTC offset in a column without time zone");
                if (c->type == COL_DATE && t.has_time)
                        return refuse(p, "a time of day in a date column");
        }
        return 0;
}

int expr_translate(const char *sqlite, const struct expr_target *target, char **ret, char **ret_why) {
        struct parser p = { .target = target };
        _cleanup_(node_freep) struct node *tree = NULL;
        _cleanup_strbuf_ struct strbuf out = {};
        const char *why;
        *ret = *ret_why = NULL;
        int r = sql_tokenize(sqlite, &p.tokens, &why);
        if (r == -EINVAL)
                r = refuse(&p, "%s", why);
        else if (r >= 0 && p.tokens.n == 0)
                r = refuse(&p, "an empty expression");
        if (r >= 0)
                r = parse_expr(&p, &tree);
        if (r >= 0 && p.pos < p.tokens.n)
                r = refuse_token(&p, peek(&p, 0), "unexpected");
        if (r >= 0 && target->use == EXPR_DEFAULT)
                r = check_default(&p, tree);
        if (r >= 0)
                r = emit(&p, &out, tree);
        sql_tokens_done(&p.tokens);
        if (r == -EOPNOTSUPP && p.why) {
                *ret_why = TAKE_PTR(p.why);
                return r;
        }
        free(p.why);
        if (r < 0)
                return r == -EOPNOTSUPP ? -ENOMEM : r;
        *ret = strbuf_steal(&out);
        return 0;
}
