/* The two engines, written once against the driver interface: copy (which
 * checks every value as it sends it) and verify.  They never know which database is
 * which kind. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "migrate/driver.h"
#include "migrate/mapping.h"
#include "migrate/progress.h"

struct engine {
        struct db *source, *target;
        struct mapping *map;
        struct progress *progress;
        const char *name;      /* "main" or "usage": messages say which database */
        size_t max_reported;   /* problems shown before "and N more" */
};

/* How the target spells a logical type, for messages (its driver's
 * spelling, else neutral words); allocated. */
char *engine_type_name(struct engine *e, const struct col_spec *spec);
/* Fill t->type_names with the target's spelling of each column's type and
 * lend them to t->specs (col_spec.name); again whenever the types change. */
int engine_spell_types(struct engine *e, struct table_map *t);
/* Only when creating the target: columns whose declared type would refuse
 * some of their values get a wider type that holds them all exactly (see
 * widen.c); each choice is added to *notes. */
int engine_widen(struct engine *e, char ***notes);
/* Stream every table into the target, converting (so checking) each value
 * once on the way.  A value the target cannot hold is reported; from then
 * on nothing more is sent, but the pass goes on to list every problem:
 * *ret_problems counts them, and when it is not 0 the caller must roll
 * back. */
int engine_copy(struct engine *e, size_t *ret_problems);
/* Row counts of every table, then every record value by value, both sides
 * read in key order.  *ret_mismatches counts the differences found. */
int engine_verify(struct engine *e, size_t *ret_mismatches);
/* The record comparison of one table (used for schema_migrations too);
 * "report" says whether differences are printed. */
int engine_verify_table(struct engine *e, struct table_map *t, bool report, size_t *ret_mismatches);
