/* Partial-index predicates are SQLite SQL.  PostgreSQL takes most of them
 * as they are; the common exception is a boolean column compared with 0 or
 * 1 ("needs_compilation = 1"), which this rewrites to true/false.  Anything
 * else is left alone: PostgreSQL then accepts it or it is reported as not
 * carried, never silently changed in meaning. */
#pragma once

#include "migrate/catalog.h"

/* A new string; NULL on ENOMEM. */
char *predicate_for_postgres(const struct table *t, const char *where);
