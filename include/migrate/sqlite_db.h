/* The SQLite driver.  As a source the file is opened read-only and read in
 * one transaction, so copy and verify see one consistent snapshot. */
#pragma once

#include "migrate/config.h"
#include "migrate/driver.h"

int sqlite_db_open_source(const struct db_endpoint *ep, struct db **ret, char **ret_error);
