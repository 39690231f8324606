/* The SQLite driver.  As a source the file is opened read-only and read in
 * one transaction, so copy and verify see one consistent snapshot. */
#pragma once

#include <sqlite3.h>

#include "migrate/config.h"
#include "migrate/driver.h"
#include "migrate/value.h"

int sqlite_db_open_source(const struct db_endpoint *ep, struct db **ret, char **ret_error);

/* Column col of the current row as SQLite stores it (no conversion); text
 * and blobs point into the statement until its next step. */
void sqlite_db_read_value(sqlite3_stmt *st, int col, struct value *v);
