#include "migrate/endpoint.h"

#include <errno.h>
#include <string.h>

#include "migrate/cleanup.h"

const char *db_provider_flag_name(enum db_provider p) {
        return p == DB_SQLITE ? "sqlite3" : "pgx";
}

const char *db_provider_label(enum db_provider p) {
        return p == DB_SQLITE ? "SQLite" : "PostgreSQL";
}

const char *db_role_label(enum db_role r) {
        return r == DB_MAIN ? "main" : "usage";
}

int db_provider_from_flag(const char *s, enum db_provider *ret) {
        static const struct {
                const char *name;
                enum db_provider provider;
        } names[] = {
                { "sqlite3", DB_SQLITE },  { "sqlite", DB_SQLITE },       { "pgx", DB_POSTGRES },
                { "postgres", DB_POSTGRES }, { "postgresql", DB_POSTGRES },
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(s, names[i].name) == 0) {
                        *ret = names[i].provider;
                        return 0;
                }
        return -EINVAL;
}
