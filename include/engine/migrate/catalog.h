/* The schema model: what the source has, and what the target is given.
 * Drivers fill it from their database's catalog; the engine plans with it
 * and never looks at SQL dialects itself. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migrate/value.h"

struct column {
        char *name;
        char *declared;       /* the type as the source declares it, e.g. "VARCHAR(255)" */
        struct col_spec spec; /* the logical type the target holds */
        /* The source's own rules guessed spec from a declared name that does
         * not name it (SQLite: "FLOATING POINT" an integer by its "INT",
         * "STRING" a number): a created column may get a wider type. */
        bool type_guessed;
        bool not_null;
        char *default_sql;    /* the default expression as written, or NULL */
        int pk_position;      /* 1-based place in the primary key, 0 if not in it */
        bool identity;        /* a generated key: the target must keep generating past the largest value */
        char **labels;        /* an existing target's enum column: its labels, which spec.labels lends */
        bool generated;       /* a source's column the database computes (SQLite: GENERATED ALWAYS AS) */
};

struct index {
        char *name;
        bool unique;
        bool primary;     /* the table's primary key */
        bool constraint;  /* a UNIQUE constraint rather than CREATE INDEX */
        char *constraint_name; /* primary or constraint: the CONSTRAINT name the source declared, or NULL */
        size_t n_keys;
        char **keys;      /* column names; NULL where the key is an expression */
        bool *desc;
        bool *nocase;     /* n_keys: the key compares with COLLATE NOCASE */
        char **exprs;     /* n_keys: the source's text of each expression key, comments dropped; NULL for a column */
        char *where;      /* partial index predicate, comments dropped, or NULL */
        char *sql;        /* the source's CREATE INDEX statement, or NULL */
};

struct foreign_key {
        size_t n;
        char **from, **to;
        char *ref_table;
        char *on_update, *on_delete; /* "NO ACTION", "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT" */
        bool deferred;               /* DEFERRABLE INITIALLY DEFERRED: checked at commit */
        char *name;                  /* the CONSTRAINT name the source declared, or NULL */
};

struct check {
        char *name; /* CONSTRAINT name, or NULL */
        char *expr; /* the source's text of the condition, comments dropped */
};

struct table {
        char *name;
        struct column *columns;
        size_t n_columns;
        struct index *indexes;
        size_t n_indexes;
        struct foreign_key *fks;
        size_t n_fks;
        struct check *checks;
        size_t n_checks;
        bool without_rowid;
        bool key_holds_null; /* a rowid table's primary key column holds NULL (SQLite allows it): keys repeat */
        int64_t sequence; /* the key generator's last value handed out (SQLite: sqlite_sequence;
                           * PostgreSQL: the identity/serial sequence), or -1 */
        char **generated; /* an existing target's columns the database computes (GENERATED ALWAYS AS
                           * (...) STORED): not in columns, never filled, so a source's value is not copied */
};

struct catalog {
        struct table *tables;
        size_t n_tables;
        char **not_carried; /* "view latest_versions", ...: reported, never silently dropped */
        char **notes;       /* how something was carried, e.g. generated columns */
};

void catalog_free(struct catalog *c);
static inline void catalog_freep(struct catalog **c) {
        if (*c)
                catalog_free(*c);
}
void table_done(struct table *t);
void index_done(struct index *x);
void foreign_key_done(struct foreign_key *fk);

const struct table *catalog_find_table(const struct catalog *c, const char *name);
const struct column *table_find_column(const struct table *t, const char *name);
/* Primary key columns in key order (n_pk of them), or none. */
size_t table_primary_key(const struct table *t, const struct column **ret, size_t max);
