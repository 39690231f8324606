/* SQLite's tokenizer rules, in our own code: the schema's SQL text is split
 * into tokens the way SQLite itself reads it, so comments, strings and
 * quoted names can never be mistaken for structure.  Comments are dropped. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum sql_token_kind {
        SQL_TOKEN_WORD,     /* a bare identifier or keyword */
        SQL_TOKEN_QUOTED,   /* "name", `name` or [name] */
        SQL_TOKEN_STRING,   /* 'text' */
        SQL_TOKEN_BLOB,     /* x'0a1B' */
        SQL_TOKEN_NUMBER,   /* 12, 1.5e3, .5, 0x1F */
        SQL_TOKEN_VARIABLE, /* ?, ?1, :name, @name, $name */
        SQL_TOKEN_PUNCT,    /* operators and ( ) , ; . */
};

struct sql_token {
        enum sql_token_kind kind;
        const char *start; /* into the tokenized text */
        size_t len;
};

struct sql_tokens {
        struct sql_token *v;
        size_t n;
};

/* Split text into tokens.  -EINVAL with a static reason for text SQLite
 * would not read either (an unterminated string or name, a stray
 * character); -ENOMEM. */
int sql_tokenize(const char *text, struct sql_tokens *ret, const char **ret_why);
void sql_tokens_done(struct sql_tokens *t);

/* A word or punctuation token spelled s (words compared case-insensitively). */
bool sql_token_is(const struct sql_token *t, const char *s);
/* What the token stands for: a quoted name or string without its quotes,
 * doubled quotes undone; a blob's hex digits; else its text.  NULL on ENOMEM. */
char *sql_token_value(const struct sql_token *t);
/* Tokens [from, to) joined by single spaces: the same SQL without comments.
 * NULL on ENOMEM. */
char *sql_tokens_text(const struct sql_tokens *t, size_t from, size_t to);
