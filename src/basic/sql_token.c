#include "migrate/sql_token.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/strbuf.h"

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* SQLite takes every byte of a multi-byte UTF-8 character as a name character. */
static bool is_id_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '$' ||
               (unsigned char) c >= 0x80;
}

/* A quoted token starting at p (its opening quote), closed by close; a
 * doubled close stands for itself except inside [brackets].  Its length,
 * or 0 when unterminated. */
static size_t quoted_length(const char *p, char close) {
        for (size_t i = 1; p[i]; i++)
                if (p[i] == close) {
                        if (close != ']' && p[i + 1] == close) {
                                i++;
                                continue;
                        }
                        return i + 1;
                }
        return 0;
}

static size_t number_length(const char *p) {
        size_t i = 0;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && is_hex(p[2])) {
                for (i = 2; is_hex(p[i]); i++)
                        ;
                return i;
        }
        while (is_digit(p[i]))
                i++;
        if (p[i] == '.')
                for (i++; is_digit(p[i]); i++)
                        ;
        if ((p[i] == 'e' || p[i] == 'E') &&
            (is_digit(p[i + 1]) || ((p[i + 1] == '+' || p[i + 1] == '-') && is_digit(p[i + 2])))) {
                for (i += 2; is_digit(p[i]); i++)
                        ;
        }
        return i;
}

/* Operators, longest first. */
static const char *const puncts[] = {
        "->>", "||", "<=", ">=", "==", "!=", "<>", "<<", ">>", "->", "(", ")", ",", ";", ".", "+", "-",
        "*",   "/",  "%",  "&",  "|",  "~",  "<",  ">",  "=",
};

/* One token at p, after whitespace and comments: 1 with *tok set, 0 at the end. */
static int next_token(const char **pp, struct sql_token *tok, const char **why) {
        const char *p = *pp;
        for (;;) {
                while (is_space(*p))
                        p++;
                if (p[0] == '-' && p[1] == '-') {
                        p += strcspn(p, "\n");
                        continue;
                }
                if (p[0] == '/' && p[1] == '*') {
                        /* Not nested, and an unclosed one runs to the end: as SQLite reads it. */
                        const char *end = strstr(p + 2, "*/");
                        p = end ? end + 2 : p + strlen(p);
                        continue;
                }
                break;
        }
        *pp = p;
        if (!*p)
                return 0;
        size_t n = 0;
        enum sql_token_kind kind;
        if (*p == '\'' || *p == '"' || *p == '`' || *p == '[') {
                kind = *p == '\'' ? SQL_TOKEN_STRING : SQL_TOKEN_QUOTED;
                n = quoted_length(p, *p == '[' ? ']' : *p);
                if (!n) {
                        *why = kind == SQL_TOKEN_STRING ? "an unterminated string" : "an unterminated quoted name";
                        return -EINVAL;
                }
        } else if ((*p == 'x' || *p == 'X') && p[1] == '\'') {
                kind = SQL_TOKEN_BLOB;
                for (n = 2; is_hex(p[n]); n++)
                        ;
                if (p[n] != '\'' || (n - 2) % 2) {
                        *why = "a malformed blob literal";
                        return -EINVAL;
                }
                n++;
        } else if (is_digit(*p) || (*p == '.' && is_digit(p[1]))) {
                kind = SQL_TOKEN_NUMBER;
                n = number_length(p);
                if (is_id_char(p[n]) || p[n] == '.') {
                        *why = "a malformed number";
                        return -EINVAL;
                }
        } else if (*p == '?' || *p == ':' || *p == '@' || (*p == '$' && is_id_char(p[1]))) {
                kind = SQL_TOKEN_VARIABLE;
                for (n = 1; is_id_char(p[n]); n++)
                        ;
        } else if (is_id_char(*p)) {
                kind = SQL_TOKEN_WORD;
                while (is_id_char(p[n]))
                        n++;
        } else {
                kind = SQL_TOKEN_PUNCT;
                for (size_t i = 0; i < sizeof(puncts) / sizeof(puncts[0]) && !n; i++)
                        if (strncmp(p, puncts[i], strlen(puncts[i])) == 0)
                                n = strlen(puncts[i]);
                if (!n) {
                        *why = "a character SQLite does not accept";
                        return -EINVAL;
                }
        }
        *tok = (struct sql_token) { .kind = kind, .start = p, .len = n };
        *pp = p + n;
        return 1;
}

int sql_tokenize(const char *text, struct sql_tokens *ret, const char **ret_why) {
        struct sql_tokens t = {};
        const char *p = text;
        struct sql_token tok;
        int r;
        *ret_why = NULL;
        while ((r = next_token(&p, &tok, ret_why)) > 0) {
                struct sql_token *v = reallocarray(t.v, t.n + 1, sizeof(*v));
                if (!v) {
                        r = -ENOMEM;
                        break;
                }
                t.v = v;
                t.v[t.n++] = tok;
        }
        if (r < 0) {
                sql_tokens_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}

void sql_tokens_done(struct sql_tokens *t) {
        free(t->v);
        *t = (struct sql_tokens) {};
}

bool sql_token_is(const struct sql_token *t, const char *s) {
        if (t->kind != SQL_TOKEN_WORD && t->kind != SQL_TOKEN_PUNCT)
                return false;
        return strlen(s) == t->len && strncasecmp(t->start, s, t->len) == 0;
}

char *sql_token_value(const struct sql_token *t) {
        if (t->kind == SQL_TOKEN_BLOB)
                return strndup(t->start + 2, t->len - 3);
        if (t->kind != SQL_TOKEN_STRING && t->kind != SQL_TOKEN_QUOTED)
                return strndup(t->start, t->len);
        char close = t->start[0] == '[' ? ']' : t->start[0];
        struct strbuf b = {};
        int r = strbuf_puts(&b, "");
        for (size_t i = 1; r >= 0 && i + 1 < t->len; i++) {
                if (t->start[i] == close && close != ']')
                        i++; /* the first of a doubled quote */
                r = strbuf_putc(&b, t->start[i]);
        }
        if (r < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

char *sql_tokens_text(const struct sql_tokens *t, size_t from, size_t to) {
        struct strbuf b = {};
        int r = strbuf_puts(&b, "");
        for (size_t i = from; r >= 0 && i < to && i < t->n; i++)
                r = strbuf_printf(&b, "%s%.*s", i > from ? " " : "", (int) t->v[i].len, t->v[i].start);
        if (r < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}
