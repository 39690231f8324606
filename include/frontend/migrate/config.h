/* The product's settings, turned into the databases a migration connects to:
 * main and usage data, each on the SQLite and the PostgreSQL side. */
#pragma once

#include <stdbool.h>

#include "migrate/endpoint.h"

/* The SQLite files in SQLite.Dir.  The product does not document these
 * names; man migrate says which ones this tool uses. */
#define SQLITE_MAIN_FILE "rstudio-pm.sqlite"
#define SQLITE_USAGE_FILE "rstudio-pm-usage.sqlite"
#define DEFAULT_DATA_DIR "/var/lib/rstudio-pm"

#define ENV_POSTGRES_PASSWORD "PACKAGEMANAGER_POSTGRES_PASSWORD"
#define ENV_POSTGRES_USAGE_PASSWORD "PACKAGEMANAGER_POSTGRES_USAGEDATAPASSWORD"


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

