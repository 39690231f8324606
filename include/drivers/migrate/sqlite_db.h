/* The SQLite driver.  As a source the file is opened read-only and read in
 * one transaction, so copy and verify see one consistent snapshot. */
#pragma once

#include <sqlite3.h>

#include "migrate/endpoint.h"
#include "migrate/driver.h"
#include "migrate/strbuf.h"
#include "migrate/value.h"

/* -EBUSY when a writer holds the file locked; -EMEDIUMTYPE, with the
 * message in *ret_error, when the file cannot be used as it is (missing,
 * unreadable, not a database, a hot journal ...). */
int sqlite_db_open_source(const struct db_endpoint *ep, struct db **ret, char **ret_error);

/* Column col of the current row as SQLite stores it (no conversion); text
 * and blobs point into the statement until its next step. */
void sqlite_db_read_value(sqlite3_stmt *st, int col, struct value *v);

/* Appends to sql the SELECT of a scan: req's columns of req's table, in
 * byte order (COLLATE BINARY) of req->order_by when it is set. */
int sqlite_db_scan_sql(const struct scan_request *req, struct strbuf *sql);
