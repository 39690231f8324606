/* SQLite's cast rules as data: declared types <-> the neutral logical types
 * (logical_type.h). */
#pragma once

#include <stdbool.h>

#include "migrate/logical_type.h"

/* The logical type a column declared so holds (any case, maybe with "(n)"
 * or "(p,s)"); *ret_guessed when the name does not name that type and
 * SQLite's affinity rules chose it (see column.type_guessed).  An empty
 * declared type yields -ENODATA: the caller decides from the data. */
int sqlite_types_from_declared(const char *declared, struct col_spec *ret, bool *ret_guessed);
/* The declared type a new column gets: one that mattn/go-sqlite3 reads
 * back as the Go type the server expects, with an affinity that stores the
 * value unchanged (see man migrate, "PostgreSQL to SQLite"); allocated.
 * sqlite_types_from_declared() reads it back as the same logical type,
 * except where SQLite has one form for several (see sqlite_types.c). */
char *sqlite_types_declared(const struct col_spec *spec);
