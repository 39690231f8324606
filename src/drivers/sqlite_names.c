#include "migrate/sqlite_names.h"

#include <errno.h>
#include <strings.h>

#include "migrate/strbuf.h"
#include "migrate/strv.h"

/* SQLite's sqlite3StrICmp: ASCII letters only, as strcasecmp in the C
 * locale the worker runs in. */
static bool same_name(const char *a, const char *b) {
        return strcasecmp(a, b) == 0;
}

int sqlite_names_check(const struct catalog *plan, char ***problems) {
        int r = 0;
        for (size_t i = 0; r >= 0 && i < plan->n_tables; i++) {
                const struct table *t = &plan->tables[i];
                if (strncasecmp(t->name, "sqlite_", 7) == 0)
                        r = strv_consume(problems, strdup_printf("table %s: SQLite keeps names that start with sqlite_ "
                                                                 "for itself; rename the table in PostgreSQL",
                                                                 t->name));
                for (size_t j = 0; r >= 0 && j < i; j++)
                        if (same_name(plan->tables[j].name, t->name))
                                r = strv_consume(problems, strdup_printf("tables %s and %s: SQLite takes them for one "
                                                                         "name (it ignores case); rename one of them in "
                                                                         "PostgreSQL",
                                                                         plan->tables[j].name, t->name));
                for (size_t k = 0; r >= 0 && k < t->n_columns; k++)
                        for (size_t j = 0; r >= 0 && j < k; j++)
                                if (same_name(t->columns[j].name, t->columns[k].name))
                                        r = strv_consume(problems,
                                                         strdup_printf("table %s, columns %s and %s: SQLite takes them for "
                                                                       "one name (it ignores case); rename one of them in "
                                                                       "PostgreSQL",
                                                                       t->name, t->columns[j].name, t->columns[k].name));
        }
        if (r >= 0 && *problems)
                r = -EINVAL;
        return r;
}
