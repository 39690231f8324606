/* The PostgreSQL driver.  As a target everything happens in one
 * transaction, committed only by commit() after verification; as a
 * verification target it reads in one REPEATABLE READ READ ONLY snapshot. */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>

#include "migrate/endpoint.h"
#include "migrate/driver.h"

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
