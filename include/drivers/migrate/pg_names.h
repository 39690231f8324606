/* PostgreSQL names are at most 63 bytes (NAMEDATALEN - 1); a longer one is
 * cut with only a NOTICE.  Checked before any DDL: a table or column name
 * over the limit is refused (the server looks its data up by that name);
 * an index or CHECK constraint name is shortened by a fixed rule and the
 * change reported. */
#pragma once

#include "migrate/catalog.h"

#define PG_NAME_MAX 63

/* name, made to fit PG_NAME_MAX bytes with suffix appended: name is cut at
 * a UTF-8 character boundary.  NULL on ENOMEM. */
char *pg_name_with_suffix(const char *name, const char *suffix);
/* A name over PG_NAME_MAX bytes: its first bytes, "_" and 8 hex digits of
 * a hash (FNV-1a, 32 bits) of the whole name, 63 bytes in all.  A name that
 * fits comes back unchanged (a copy).  NULL on ENOMEM. */
char *pg_name_shorten(const char *name);
/* Before creating the target from plan: tables and columns over the limit,
 * and columns named like a system column (xmin, ctid, ...), go to *problems (-EINVAL when there are any); index and CHECK names over
 * it are shortened in place and said in *notes. */
int pg_names_check(struct catalog *plan, char ***problems, char ***notes);
