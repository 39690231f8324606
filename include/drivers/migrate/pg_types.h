/* PostgreSQL's cast rules as data: its types <-> the neutral logical types
 * (logical_type.h). */
#pragma once

#include "migrate/logical_type.h"

/* format_type() output, e.g. "character varying(40)", or the spelling
 * pg_types_ddl() writes ("varchar(40)").  -EOPNOTSUPP for a type this tool
 * cannot carry exactly. */
int pg_types_from_formatted(const char *formatted, struct col_spec *ret);
/* The same for a column of an existing target, which migrate fills but never
 * creates nor reads as a source: also time, time(p), interval, inet, cidr. */
int pg_types_from_existing(const char *formatted, struct col_spec *ret);
/* The type to create for a logical type, e.g. "varchar(40)",
 * "numeric(10,2)", "double precision"; allocated.  Also how messages name
 * the type of a PostgreSQL column. */
char *pg_types_ddl(const struct col_spec *spec);
