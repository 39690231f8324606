/* SQLite compares names without regard to ASCII case and keeps names that
 * start with "sqlite_" for itself; PostgreSQL allows both "Users" and
 * "users", and a table "sqlite_x".  Checked before any DDL of a new SQLite
 * file, so that such a schema is refused by name with what to do, instead
 * of failing halfway with SQLite's own words. */
#pragma once

#include "migrate/catalog.h"

/* Tables and columns SQLite could not create as they are go to *problems
 * (-EINVAL when there are any). */
int sqlite_names_check(const struct catalog *plan, char ***problems);
