/* Quoting for SQL text we build: every identifier is quoted, so reserved
 * words and mixed case survive, in SQLite and PostgreSQL alike. */
#pragma once

#include <stddef.h>

#include "migrate/strbuf.h"

/* "name" with embedded quotes doubled; NULL on ENOMEM. */
char *sql_quote_identifier(const char *name);
/* 'text' with embedded quotes doubled; NULL on ENOMEM. */
char *sql_quote_literal(const char *text);
/* Append "name", embedded quotes doubled. */
int sql_append_identifier(struct strbuf *b, const char *name);
/* Append "a", "b", "c": quoted and comma-separated. */
int sql_append_identifier_list(struct strbuf *b, const char *const *names, size_t n);
