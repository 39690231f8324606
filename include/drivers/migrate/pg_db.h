/* The PostgreSQL driver.  As a target everything happens in one
 * transaction, committed only by commit() after verification; as a
 * verification target it reads in one REPEATABLE READ READ ONLY snapshot. */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>

#include "migrate/endpoint.h"
#include "migrate/driver.h"

/* A column's type with its domains (CREATE DOMAIN, also over another
 * domain) looked through: one row of oid, typmod (the base type's) and
 * domains (oid[], every domain passed, outermost first), for a type
 * expression and its typmod expression in the enclosing query. */
#define PG_BASE_TYPE(type, typmod)                                                                                     \
        "WITH RECURSIVE base(oid, typmod, domains, depth) AS ("                                                        \
        "  SELECT " type ", " typmod ", '{}'::oid[], 0"                                                                \
        "  UNION ALL SELECT dt.typbasetype, dt.typtypmod, base.domains || dt.oid, base.depth + 1"                      \
        "    FROM base JOIN pg_type dt ON dt.oid = base.oid AND dt.typtype = 'd' WHERE base.depth < 32)"                \
        " SELECT oid, typmod, domains FROM base ORDER BY depth DESC LIMIT 1"

enum pg_mode {
        PG_TARGET_WRITE,  /* copy into it */
        PG_TARGET_VERIFY, /* compare only: read-only snapshot */
};

int pg_db_open(const struct db_endpoint *ep, enum pg_mode mode, struct db **ret, char **ret_error);
/* The connection of a database pg_db_open() opened, for the source role's
 * catalog queries (pg_source.c); the driver keeps owning it. */
PGconn *pg_db_connection(struct db *db);
/* A failed result of such a query, said as the driver says its own (the
 * server's detail and context, a lost connection, an interruption, a lock
 * timeout) in db->error; returns the negative errno. */
int pg_db_fail_result(struct db *db, const char *what, const PGresult *res);
