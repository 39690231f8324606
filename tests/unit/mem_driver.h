/* An in-memory database for the engines' unit tests: tables held as arrays
 * of values, read and written through the same struct db_ops the real
 * drivers implement.  Test code only: the engines cannot tell it apart
 * from a database, which is what lets their merge and edge cases be tested
 * one by one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "migrate/driver.h"

struct mem_table {
        struct value **rows; /* n_rows rows of the table's n_columns values; texts and blobs owned */
        size_t n_rows, allocated;
        /* Ignore order_by: rows come in the order they were added, as a
         * server whose collation is not ours would send them. */
        bool unordered;
};

struct mem_db {
        struct db db;
        struct catalog catalog;
        struct mem_table *tables; /* parallel to catalog.tables */
        size_t n_scans;           /* scans opened, to see the re-sort fallback happen */
        size_t n_stored_scans;    /* of them, as stored (stored_order): rows in the order added */
};

struct mem_db *mem_db_new(const char *label);
void mem_db_free(struct mem_db *m);
/* A table of n columns of these types; pk: the primary key's column
 * names, NULL-terminated, or NULL for none.  Add every table before
 * building a mapping (the catalog moves while tables are added). */
int mem_db_add_table(struct mem_db *m, const char *name, size_t n, const char *const *columns,
                     const enum col_type *types, const char *const *pk);
struct mem_table *mem_db_table(struct mem_db *m, const char *name);
/* A copy of the row (n_columns values of the table). */
int mem_table_add_row(struct mem_table *t, size_t n_columns, const struct value *row);
