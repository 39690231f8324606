/* The expression translator, which sits between drivers: expressions of
 * the source dialect (index keys, partial-index predicates, column
 * defaults, CHECK constraints) carried into the target dialect.  It knows
 * one pair today, SQLite's dialect into PostgreSQL's; the drivers ask it,
 * the engine's copy and verify never do.  The text is tokenized and parsed
 * by our own code into a small tree, and the target's text is written from
 * the tree alone, every name and literal quoted by sql_quote.h: nothing of
 * the source's text is passed through, comments never survive, and
 * whatever the tree cannot express exactly is refused with a reason, for
 * the caller to report as not carried.
 *
 * Carried: column names of the table, literals (strings, numbers, NULL,
 * TRUE/FALSE, blobs), = == != <> < <= > >=, IS [NOT] NULL, IS [NOT],
 * [NOT] IN (literals), NOT AND OR, + - *, ||, parentheses, COLLATE
 * BINARY, the functions lower upper abs length coalesce ifnull nullif trim
 * ltrim rtrim replace, and in defaults CURRENT_TIMESTAMP / CURRENT_DATE /
 * CURRENT_TIME written for the column's type with the source's meaning. */
#pragma once

#include "migrate/catalog.h"

enum expr_use {
        EXPR_INDEX_KEY,  /* one key of an index */
        EXPR_PREDICATE,  /* a partial index's WHERE */
        EXPR_DEFAULT,    /* a column's DEFAULT */
        EXPR_CHECK,      /* a CHECK constraint */
};

struct expr_target {
        enum expr_use use;
        const struct table *table;     /* the columns a name may refer to; NULL: none */
        const struct col_spec *column; /* EXPR_DEFAULT: the column the default fills */
};

/* 0 and *ret, the target dialect's text; -EOPNOTSUPP and *ret_why, why it is not
 * carried (it names the construct, e.g. "function instr"); -ENOMEM. */
int expr_translate(const char *source, const struct expr_target *target, char **ret, char **ret_why);
