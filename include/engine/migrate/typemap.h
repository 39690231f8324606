/* Cast rules as data: a SQLite declared type -> the logical column type
 * the target gets, and a PostgreSQL type -> the logical type it holds. */
#pragma once

#include "migrate/value.h"

/* SQLite declared type (any case, maybe with "(n)" or "(p,s)").  An empty
 * declared type yields -ENODATA: the caller decides from the data. */
int typemap_from_sqlite(const char *declared, struct col_spec *ret);
/* PostgreSQL format_type() output, e.g. "character varying(40)".
 * -EOPNOTSUPP for a type this tool cannot carry exactly. */
int typemap_from_postgres(const char *formatted, struct col_spec *ret);
/* The PostgreSQL type to create for a logical type, e.g. "varchar(40)". */
char *typemap_postgres_ddl(const struct col_spec *spec);
