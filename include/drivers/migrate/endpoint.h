/* A database a migration connects to: which provider, which role, where.
 * The drivers open one; the configuration (config.h) fills them in. */
#pragma once

#include "migrate/pg_params.h"

enum db_provider {
        DB_SQLITE,
        DB_POSTGRES,
};

enum db_role {
        DB_MAIN,
        DB_USAGE,
        _DB_ROLE_MAX,
};

struct db_endpoint {
        enum db_provider provider;
        enum db_role role;
        char *sqlite_path;     /* DB_SQLITE */
        struct pg_params pg;   /* DB_POSTGRES; holds the password */
        char *display;         /* the path, or the URL with its password hidden */
        char *origin;          /* where it was configured, e.g. "Postgres.URL (file:12)" */
        const char *password_source; /* DB_POSTGRES: "URL", "Postgres.Password", an env var, or NULL */
};

const char *db_provider_flag_name(enum db_provider p); /* "sqlite3" / "pgx" */
const char *db_provider_label(enum db_provider p);     /* "SQLite" / "PostgreSQL" */
const char *db_role_label(enum db_role r);             /* "main" / "usage" */
/* sqlite3 and pgx, the product's names; sqlite, postgres, postgresql as aliases. */
int db_provider_from_flag(const char *s, enum db_provider *ret);
