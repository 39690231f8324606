#include "migrate/pg_names.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/strbuf.h"
#include "migrate/strv.h"

char *pg_name_with_suffix(const char *name, const char *suffix) {
        size_t n = strlen(name), room = PG_NAME_MAX - strlen(suffix);
        if (n > room) {
                n = room;
                while (n > 0 && ((unsigned char) name[n] & 0xC0) == 0x80)
                        n--; /* never cut inside a character */
        }
        return strdup_printf("%.*s%s", (int) n, name, suffix);
}

char *pg_name_shorten(const char *name) {
        if (strlen(name) <= PG_NAME_MAX)
                return strdup(name);
        uint32_t h = UINT32_C(2166136261);
        for (const unsigned char *p = (const unsigned char *) name; *p; p++)
                h = (h ^ *p) * UINT32_C(16777619);
        char suffix[16];
        snprintf(suffix, sizeof(suffix), "_%08" PRIx32, h);
        return pg_name_with_suffix(name, suffix);
}

static int shorten(char **name, const char *what, const char *table, char ***notes) {
        if (strlen(*name) <= PG_NAME_MAX)
                return 0;
        char *s = pg_name_shorten(*name);
        if (!s)
                return -ENOMEM;
        int r = strv_consume(notes, strdup_printf("%s %s on %s is longer than PostgreSQL's %d bytes: created as %s",
                                                  what, *name, table, PG_NAME_MAX, s));
        free(*name);
        *name = s;
        return r;
}

/* Every PostgreSQL table has these system columns (oid too before
 * PostgreSQL 12); a column of the same name cannot be created. */
static bool pg_system_column(const char *name) {
        static const char *const system_columns[] = { "tableoid", "xmin", "cmin", "xmax", "cmax", "ctid" };
        for (size_t i = 0; i < sizeof(system_columns) / sizeof(system_columns[0]); i++)
                if (strcmp(name, system_columns[i]) == 0)
                        return true;
        return false;
}

int pg_names_check(struct catalog *plan, char ***problems, char ***notes) {
        int r = 0;
        for (size_t i = 0; r >= 0 && i < plan->n_tables; i++) {
                struct table *t = &plan->tables[i];
                if (strlen(t->name) > PG_NAME_MAX)
                        r = strv_consume(problems, strdup_printf("table %s: its name is %zu bytes long, PostgreSQL keeps "
                                                                 "only %d; rename the table in the source",
                                                                 t->name, strlen(t->name), PG_NAME_MAX));
                for (size_t k = 0; r >= 0 && k < t->n_columns; k++)
                        if (strlen(t->columns[k].name) > PG_NAME_MAX)
                                r = strv_consume(problems, strdup_printf("column %s.%s: its name is %zu bytes long, "
                                                                         "PostgreSQL keeps only %d; rename the column in "
                                                                         "the source",
                                                                         t->name, t->columns[k].name,
                                                                         strlen(t->columns[k].name), PG_NAME_MAX));
                        else if (pg_system_column(t->columns[k].name))
                                r = strv_consume(problems, strdup_printf("column %s.%s: PostgreSQL gives every table a "
                                                                         "system column named %s, so no column can take "
                                                                         "that name; rename the column in a copy of the "
                                                                         "source (ALTER TABLE ... RENAME COLUMN) and "
                                                                         "migrate the copy",
                                                                         t->name, t->columns[k].name,
                                                                         t->columns[k].name));
                /* Keys and UNIQUE constraints the source did not name take
                 * the names PostgreSQL gives them. */
                for (size_t k = 0; r >= 0 && k < t->n_indexes; k++)
                        if (!t->indexes[k].primary && !t->indexes[k].constraint)
                                r = shorten(&t->indexes[k].name, "index", t->name, notes);
                        else if (t->indexes[k].constraint_name)
                                r = shorten(&t->indexes[k].constraint_name,
                                            t->indexes[k].primary ? "primary key" : "UNIQUE constraint", t->name, notes);
                for (size_t k = 0; r >= 0 && k < t->n_fks; k++)
                        if (t->fks[k].name)
                                r = shorten(&t->fks[k].name, "foreign key", t->name, notes);
                for (size_t k = 0; r >= 0 && k < t->n_checks; k++)
                        if (t->checks[k].name)
                                r = shorten(&t->checks[k].name, "CHECK constraint", t->name, notes);
        }
        if (r >= 0 && *problems)
                r = -EINVAL;
        return r;
}
