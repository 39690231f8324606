/* What the engine tests share: a source and a target in memory (see
 * mem_driver.h), the mapping between them as a run builds it, and the
 * user's stderr captured so that tests read the messages a user reads. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "mem_driver.h"
#include "migrate/cleanup.h"
#include "migrate/engine.h"
#include "migrate/mapping.h"

struct engine_fixture {
        struct mem_db *source, *target;
        struct catalog *source_catalog, *target_catalog;
        struct mapping map;
        struct progress progress;
        struct engine e;
};

/* Both databases empty, no tables yet. */
int fixture_init(struct engine_fixture *f);
/* One table of the same name and columns on both sides. */
int fixture_add_table(struct engine_fixture *f, const char *name, size_t n, const char *const *columns,
                      const enum col_type *types, const char *const *pk);
/* After the tables: read both catalogs and build the mapping, as a run does. */
int fixture_map(struct engine_fixture *f);
void fixture_done(struct engine_fixture *f);

/* Everything written to stderr between the two calls. */
int capture_start(void);
char *capture_end(void); /* allocated; "" when nothing was written */
/* How many times needle occurs in hay. */
size_t count_occurrences(const char *hay, const char *needle);

/* Values as a SQLite source yields them. */
#define V_NULL ((struct value) { .kind = VALUE_NULL })
#define V_INT(x) ((struct value) { .kind = VALUE_INT, .i = (x) })
#define V_REAL(x) ((struct value) { .kind = VALUE_REAL, .d = (x) })
#define V_TEXT(x) ((struct value) { .kind = VALUE_TEXT, .s = (x), .n = strlen(x) })
#define V_BLOB(x, len) ((struct value) { .kind = VALUE_BLOB, .s = (x), .n = (len) })
