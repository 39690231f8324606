/* Connection strings written for the server's Go driver (pgx) -- a
 * postgres:// URL or keyword=value pairs -- translated into libpq parameters.
 *
 * pgx sends every parameter it does not know to the server as a run-time
 * setting; libpq instead rejects unknown keywords.  So: keywords libpq knows
 * pass through, pgx's own driver settings (pool_*, statement cache, ...) are
 * dropped with a notice, and everything else (search_path, timezone, ...)
 * becomes "options=-c name=value", which is what pgx did with it. */
#pragma once

#include "migrate/pg_params.h"

/* "what" names the setting in messages, e.g. "Postgres.URL (file:12)".
 * Messages never contain the password. */
int pgurl_translate(const char *dsn, const char *what, struct pg_params *ret, char ***notices, char **ret_error);
