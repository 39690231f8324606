/* PostgreSQL in the source role: one REPEATABLE READ READ ONLY snapshot,
 * a catalog with keys, indexes, foreign keys and sequence values, and each
 * column's type mapped to a logical type or refused by name. */
#pragma once

#include "migrate/endpoint.h"
#include "migrate/driver.h"

int pg_source_open(const struct db_endpoint *ep, struct db **ret, char **ret_error);
