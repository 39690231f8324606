/* SQLite in the target role.  The load goes into a new file beside the
 * final one ("<name>.migrate-new"), a copy of the existing database when
 * there is one; commit() fsyncs it, renames it into place and fsyncs the
 * directory.  Interrupted or killed, the final file is untouched; a
 * leftover of a killed run is removed (and said so) by the next run. */
#pragma once

#include <stdbool.h>

#include "migrate/endpoint.h"
#include "migrate/driver.h"

#define SQLITE_TARGET_SUFFIX ".migrate-new"

/* verify_only: open the final file read-only and change nothing. */
int sqlite_target_open(const struct db_endpoint *ep, bool verify_only, struct db **ret, char **ret_error);
