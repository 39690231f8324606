/* libpq connection parameters as parallel keyword/value arrays, ready for
 * PQconnectdbParams().  Holds the password: never print it; use
 * pg_params_describe() for messages. */
#pragma once

#include <stddef.h>

struct pg_params {
        char **keywords; /* NULL-terminated */
        char **values;   /* NULL-terminated, same length */
};

/* Set a keyword, replacing an earlier value. */
int pg_params_set(struct pg_params *p, const char *keyword, const char *value);
const char *pg_params_get(const struct pg_params *p, const char *keyword);
/* "host=... port=... dbname=... user=..." with no secret in it: no
 * parameter whose name contains "pass", and of "options" only the names of
 * the settings. */
char *pg_params_describe(const struct pg_params *p);
/* "postgres://user:xxxxx@host:port/dbname" (":xxxxx" when a password is
 * set), rebuilt from the parameters (never
 * from what the user wrote): the database's name in messages. */
char *pg_params_display(const struct pg_params *p);
void pg_params_done(struct pg_params *p);
