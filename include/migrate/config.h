/* The product's settings, turned into the databases a migration connects to:
 * main and usage data, each on the SQLite and the PostgreSQL side. */
#pragma once

#include <stdbool.h>

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

/* The SQLite files in SQLite.Dir.  The product does not document these
 * names; man migrate says which ones this tool uses. */
#define SQLITE_MAIN_FILE "rstudio-pm.sqlite"
#define SQLITE_USAGE_FILE "rstudio-pm-usage.sqlite"
#define DEFAULT_DATA_DIR "/var/lib/rstudio-pm"

#define ENV_POSTGRES_PASSWORD "PACKAGEMANAGER_POSTGRES_PASSWORD"
#define ENV_POSTGRES_USAGE_PASSWORD "PACKAGEMANAGER_POSTGRES_USAGEDATAPASSWORD"

struct db_endpoint {
        enum db_provider provider;
        enum db_role role;
        char *sqlite_path;     /* DB_SQLITE */
        struct pg_params pg;   /* DB_POSTGRES; holds the password */
        char *display;         /* the path, or the URL with its password hidden */
        char *origin;          /* where it was configured, e.g. "Postgres.URL (file:12)" */
        const char *password_source; /* DB_POSTGRES: "URL", "Postgres.Password", an env var, or NULL */
};

struct migrate_config {
        char *path;
        char *data_dir;
        char *sqlite_dir;
        enum db_provider server_provider; /* Database.Provider: what the server uses now */
        bool usage;                       /* usage databases are part of the migration */
        struct db_endpoint sqlite[_DB_ROLE_MAX];
        struct db_endpoint postgres[_DB_ROLE_MAX];
        char **notices; /* things the user should know, never fatal */
};

/* Passwords from the environment, kept apart so tests need no setenv(). */
struct config_env {
        const char *postgres_password;
        const char *usage_password;
};

int config_load(const char *path, const struct config_env *env, struct migrate_config **ret, char **ret_error);
/* The same from a file the caller opened ("path" names it in messages). */
int config_load_fd(int fd, const char *path, const struct config_env *env, struct migrate_config **ret,
                   char **ret_error);
void config_free(struct migrate_config *c);
static inline void config_freep(struct migrate_config **c) {
        if (*c)
                config_free(*c);
}

const struct db_endpoint *config_endpoint(const struct migrate_config *c, enum db_provider provider, enum db_role role);

const char *db_provider_flag_name(enum db_provider p); /* "sqlite3" / "pgx" */
const char *db_provider_label(enum db_provider p);     /* "SQLite" / "PostgreSQL" */
const char *db_role_label(enum db_role r);             /* "main" / "usage" */
/* sqlite3 and pgx, the product's names; sqlite, postgres, postgresql as aliases. */
int db_provider_from_flag(const char *s, enum db_provider *ret);
