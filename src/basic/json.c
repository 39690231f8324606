#include "migrate/json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/hex.h"
#include "migrate/numeric.h"
#include "migrate/utf8.h"

/* Our parser recurses: a bound.  json keeps text as written, and
 * PostgreSQL's json takes a few thousand levels with its default stack. */
#define MAX_DEPTH_JSONB 512
#define MAX_DEPTH_JSON 2000

/* A parsed value: scalars keep their output text; containers their children. */
struct node {
        enum { J_SCALAR, J_ARRAY, J_OBJECT } kind;
        size_t pos;      /* place among its siblings: the last duplicate key wins */
        char *text;      /* J_SCALAR: its jsonb output text */
        char *key;       /* as a member of an object: the decoded key */
        size_t key_len;
        struct node **items;
        size_t n_items;
};

struct parser {
        const char *p, *end;
        const char *reason;
        int depth;
        bool jsonb; /* parse for jsonb: numbers become numeric, \u0000 is refused */
};

static void node_free(struct node *x) {
        if (!x)
                return;
        for (size_t i = 0; i < x->n_items; i++)
                node_free(x->items[i]);
        free(x->items);
        free(x->text);
        free(x->key);
        free(x);
}

static int fail(struct parser *ps, const char *reason) {
        ps->reason = reason;
        return -EINVAL;
}

static void skip_space(struct parser *ps) {
        while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
                ps->p++;
}

static int hex4(const char *p, unsigned *ret) {
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                int d = hex_digit_value(p[i]);
                if (d < 0)
                        return -EINVAL;
                v = v << 4 | (unsigned) d;
        }
        *ret = v;
        return 0;
}

static int put_utf8(struct strbuf *b, unsigned cp) {
        char u[4];
        size_t n;
        if (cp < 0x80)
                u[0] = (char) cp, n = 1;
        else if (cp < 0x800)
                u[0] = (char) (0xc0 | cp >> 6), u[1] = (char) (0x80 | (cp & 0x3f)), n = 2;
        else if (cp < 0x10000)
                u[0] = (char) (0xe0 | cp >> 12), u[1] = (char) (0x80 | ((cp >> 6) & 0x3f)),
                u[2] = (char) (0x80 | (cp & 0x3f)), n = 3;
        else
                u[0] = (char) (0xf0 | cp >> 18), u[1] = (char) (0x80 | ((cp >> 12) & 0x3f)),
                u[2] = (char) (0x80 | ((cp >> 6) & 0x3f)), u[3] = (char) (0x80 | (cp & 0x3f)), n = 4;
        return strbuf_append(b, u, n);
}

/* A string literal, decoded into "raw". */
static int parse_string(struct parser *ps, struct strbuf *raw) {
        ps->p++; /* opening quote */
        for (;;) {
                if (ps->p >= ps->end)
                        return fail(ps, "a string is not closed");
                unsigned char c = (unsigned char) *ps->p;
                if (c == '"') {
                        ps->p++;
                        return raw->data ? 0 : strbuf_puts(raw, "");
                }
                if (c < 0x20)
                        return fail(ps, "a string holds a control character; JSON needs it escaped");
                if (c != '\\') {
                        size_t len = utf8_sequence_length(ps->p, (size_t) (ps->end - ps->p));
                        if (len == 0)
                                return fail(ps, "invalid UTF-8");
                        if (strbuf_append(raw, ps->p, len) < 0)
                                return -ENOMEM;
                        ps->p += len;
                        continue;
                }
                if (ps->end - ps->p < 2)
                        return fail(ps, "a string is not closed");
                char e = ps->p[1];
                ps->p += 2;
                const char *simple = strchr("\"\\/bfnrt", e);
                if (e && simple) {
                        static const char map[] = "\"\\/\b\f\n\r\t";
                        if (strbuf_putc(raw, map[simple - "\"\\/bfnrt"]) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (e != 'u')
                        return fail(ps, "a string has an invalid escape");
                unsigned cp, lo;
                if (ps->end - ps->p < 4 || hex4(ps->p, &cp) < 0)
                        return fail(ps, "a \\u escape needs four hex digits");
                ps->p += 4;
                bool paired = ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' && hex4(ps->p + 2, &lo) >= 0 &&
                              lo >= 0xdc00 && lo <= 0xdfff;
                if (!ps->jsonb && cp >= 0xd800 && cp <= 0xdfff && !(cp <= 0xdbff && paired))
                        continue; /* json keeps "\ud800" as written, as PostgreSQL's json does; only jsonb decodes it */
                if (cp >= 0xd800 && cp <= 0xdbff) {
                        if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &lo) < 0 ||
                            lo < 0xdc00 || lo > 0xdfff)
                                return fail(ps, "a \\u escape is half of a surrogate pair");
                        ps->p += 6;
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff)
                        return fail(ps, "a \\u escape is half of a surrogate pair");
                if (cp == 0 && ps->jsonb)
                        return fail(ps, "\\u0000 cannot be stored in jsonb");
                if (put_utf8(raw, cp) < 0)
                        return -ENOMEM;
        }
}

/* A decoded string as jsonb prints it. */
static int quote_string(const char *s, size_t n, struct strbuf *out) {
        int r = strbuf_putc(out, '"');
        for (size_t i = 0; r >= 0 && i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                switch (c) {
                case '"': r = strbuf_puts(out, "\\\""); break;
                case '\\': r = strbuf_puts(out, "\\\\"); break;
                case '\b': r = strbuf_puts(out, "\\b"); break;
                case '\f': r = strbuf_puts(out, "\\f"); break;
                case '\n': r = strbuf_puts(out, "\\n"); break;
                case '\r': r = strbuf_puts(out, "\\r"); break;
                case '\t': r = strbuf_puts(out, "\\t"); break;
                default:
                        r = c < 0x20 ? strbuf_printf(out, "\\u%04x", c) : strbuf_putc(out, (char) c);
                }
        }
        return r < 0 ? r : strbuf_putc(out, '"');
}

static int parse_value(struct parser *ps, struct node **ret);

static int scalar(char *text, struct node **ret) {
        struct node *x = calloc(1, sizeof(*x));
        if (!x || !text) {
                free(x);
                free(text);
                return -ENOMEM;
        }
        x->kind = J_SCALAR;
        x->text = text;
        *ret = x;
        return 0;
}

static int parse_number(struct parser *ps, struct node **ret) {
        const char *start = ps->p;
        if (ps->p < ps->end && *ps->p == '-')
                ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
                return fail(ps, "a number is malformed");
        if (*ps->p == '0')
                ps->p++;
        else
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        if (ps->p < ps->end && *ps->p == '.') {
                ps->p++;
                if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
                        return fail(ps, "a number is malformed");
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        }
        if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
                ps->p++;
                if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
                        ps->p++;
                if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
                        return fail(ps, "a number is malformed");
                while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
                        ps->p++;
        }
        /* jsonb keeps numbers as numeric: print them the way numeric does. */
        if (!ps->jsonb)
                return scalar(strndup(start, (size_t) (ps->p - start)), ret);
        struct strbuf b = {};
        int r = numeric_canonical(start, (size_t) (ps->p - start), &b);
        if (r < 0) {
                strbuf_done(&b);
                return r == -EINVAL ? fail(ps, "a number is out of range") : r;
        }
        return scalar(strbuf_steal(&b), ret);
}

static int add_item(struct node *x, struct node *item) {
        struct node **v = reallocarray(x->items, x->n_items + 1, sizeof(*v));
        if (!v) {
                node_free(item);
                return -ENOMEM;
        }
        x->items = v;
        x->items[x->n_items++] = item;
        return 0;
}

static int parse_container(struct parser *ps, bool object, struct node **ret) {
        struct node *x = calloc(1, sizeof(*x));
        char close = object ? '}' : ']';
        int r;
        if (!x)
                return -ENOMEM;
        x->kind = object ? J_OBJECT : J_ARRAY;
        if (++ps->depth > (ps->jsonb ? MAX_DEPTH_JSONB : MAX_DEPTH_JSON)) {
                node_free(x);
                return fail(ps, "it is nested too deeply");
        }
        ps->p++;
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                ps->depth--;
                *ret = x;
                return 0;
        }
        for (;;) {
                struct strbuf key = {};
                struct node *item = NULL;
                skip_space(ps);
                if (object) {
                        if (ps->p >= ps->end || *ps->p != '"') {
                                node_free(x);
                                return fail(ps, "an object key is not a string");
                        }
                        r = parse_string(ps, &key);
                        skip_space(ps);
                        if (r >= 0 && (ps->p >= ps->end || *ps->p++ != ':'))
                                r = fail(ps, "a ':' is missing after an object key");
                        if (r < 0) {
                                strbuf_done(&key);
                                node_free(x);
                                return r;
                        }
                }
                r = parse_value(ps, &item);
                if (r < 0) {
                        strbuf_done(&key);
                        node_free(x);
                        return r;
                }
                if (object) {
                        item->key_len = key.len;
                        item->key = strbuf_steal(&key);
                }
                item->pos = x->n_items;
                r = add_item(x, item);
                if (r < 0) {
                        node_free(x);
                        return r;
                }
                skip_space(ps);
                if (ps->p < ps->end && *ps->p == ',') {
                        ps->p++;
                        continue;
                }
                if (ps->p < ps->end && *ps->p == close) {
                        ps->p++;
                        break;
                }
                node_free(x);
                return fail(ps, object ? "an object is not closed with '}'" : "an array is not closed with ']'");
        }
        ps->depth--;
        *ret = x;
        return 0;
}

static int parse_value(struct parser *ps, struct node **ret) {
        skip_space(ps);
        if (ps->p >= ps->end)
                return fail(ps, "a value is missing");
        static const char *const literals[] = { "true", "false", "null" };
        for (size_t i = 0; i < 3; i++) {
                size_t len = strlen(literals[i]);
                if ((size_t) (ps->end - ps->p) >= len && memcmp(ps->p, literals[i], len) == 0) {
                        ps->p += len;
                        return scalar(strdup(literals[i]), ret);
                }
        }
        switch (*ps->p) {
        case '{':
                return parse_container(ps, true, ret);
        case '[':
                return parse_container(ps, false, ret);
        case '"': {
                struct strbuf raw = {}, quoted = {};
                int r = parse_string(ps, &raw);
                if (r >= 0)
                        r = quote_string(raw.data, raw.len, &quoted);
                strbuf_done(&raw);
                if (r < 0) {
                        strbuf_done(&quoted);
                        return r;
                }
                return scalar(strbuf_steal(&quoted), ret);
        }
        default:
                return parse_number(ps, ret);
        }
}

/* jsonb's key order: shorter keys first, then bytewise; equal keys in the
 * order written, so the last of them is the one to keep. */
static int key_order(const void *a, const void *b) {
        const struct node *x = *(struct node *const *) a, *y = *(struct node *const *) b;
        if (x->key_len != y->key_len)
                return x->key_len < y->key_len ? -1 : 1;
        int c = memcmp(x->key, y->key, x->key_len);
        if (c)
                return c;
        return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static bool same_key(const struct node *x, const struct node *y) {
        return x->key_len == y->key_len && memcmp(x->key, y->key, x->key_len) == 0;
}

static int print(struct node *x, struct strbuf *out) {
        if (x->kind == J_SCALAR)
                return strbuf_puts(out, x->text);
        if (x->kind == J_OBJECT && x->n_items > 1) {
                qsort(x->items, x->n_items, sizeof(*x->items), key_order);
                size_t n = 0;
                for (size_t i = 0; i < x->n_items; i++) {
                        if (i + 1 < x->n_items && same_key(x->items[i], x->items[i + 1])) {
                                node_free(x->items[i]); /* a later duplicate follows */
                                continue;
                        }
                        x->items[n++] = x->items[i];
                }
                x->n_items = n;
        }
        int r = strbuf_putc(out, x->kind == J_OBJECT ? '{' : '[');
        for (size_t i = 0; r >= 0 && i < x->n_items; i++) {
                if (i)
                        r = strbuf_puts(out, ", ");
                if (r >= 0 && x->kind == J_OBJECT) {
                        r = quote_string(x->items[i]->key, x->items[i]->key_len, out);
                        if (r >= 0)
                                r = strbuf_puts(out, ": ");
                }
                if (r >= 0)
                        r = print(x->items[i], out);
        }
        return r < 0 ? r : strbuf_putc(out, x->kind == J_OBJECT ? '}' : ']');
}

int json_check(const char *s, size_t n, bool jsonb, struct strbuf *out, const char **ret_reason) {
        struct parser ps = { .p = s, .end = s + n, .jsonb = jsonb };
        struct node *root = NULL;
        int r = parse_value(&ps, &root);
        if (r >= 0) {
                skip_space(&ps);
                if (ps.p != ps.end)
                        r = fail(&ps, "there is text after the JSON value");
        }
        if (r >= 0 && jsonb)
                r = print(root, out);
        node_free(root);
        if (r == -EINVAL)
                *ret_reason = ps.reason;
        return r;
}
