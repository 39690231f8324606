/* Which source table and column goes where in the target, and as what
 * type.  Built once per database from the two catalogs; the copy and
 * verify engines only follow it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "migrate/catalog.h"

struct table_map {
        const struct table *source;
        const struct table *target;
        size_t n_columns;
        const char **source_columns;
        const char **target_columns;
        struct col_spec *specs;  /* the target columns' logical types */
        char **type_names;       /* n_columns: how the target spells them (engine_spell_types()), or NULL */
        const char **key;        /* target column names to order by, NULL-terminated */
        size_t *key_index;       /* their positions among the columns */
        size_t n_key;
        bool skip_copy;          /* already present and equal (schema_migrations) */
        /* Filled in as the run goes. */
        int64_t source_rows;     /* -1 until counted */
        int64_t rows_copied;
        uint64_t bytes;
        double copy_seconds, verify_seconds;
        /* Per column, once the copy sent every row into a table it alone
         * writes to: the length of the longest text or blob it sent (0 for
         * none).  NULL when unknown (--verify, a table not copied). */
        size_t *longest;
};

struct mapping {
        bool create;             /* the target had no tables: they are created from the source */
        const struct catalog *target; /* what the target has, or will have */
        struct table_map *tables;
        size_t n_tables;
};

/* Map source tables onto the target.  When the target has no tables at all,
 * "target" may be NULL and the source catalog is the plan.  Every missing
 * table or column is named in *ret_problems (then -EINVAL). */
int mapping_build(const struct catalog *source, const struct catalog *target, struct mapping *ret, char ***ret_problems);
void mapping_done(struct mapping *m);

/* "id=42" or "day='2024-03-05', repo_id=3": the key of a row, for messages. */
char *mapping_describe_key(const struct table_map *t, const struct value *row);
