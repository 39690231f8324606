/* PostgreSQL in the source role: one REPEATABLE READ READ ONLY snapshot,
 * a catalog with keys, indexes, foreign keys and sequence values, and each
 * column's type mapped to a logical type or refused by name. */
#pragma once

#include "migrate/config.h"
#include "migrate/driver.h"

int pg_source_open(const struct db_endpoint *ep, struct db **ret, char **ret_error);
/* A PostgreSQL column default SQLite holds with the same meaning (a number,
 * a string literal, true/false as 1/0), allocated; NULL when there is none. */
char *pg_source_literal_default(const char *def);
