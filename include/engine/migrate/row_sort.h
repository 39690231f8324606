/* An external sort of rows by some of their columns, in value_compare()
 * order: rows are gathered in runs of bounded size, each run sorted in
 * memory and written to an unlinked temporary file, and the runs merged.
 * Verification uses it when a table's converted keys do not come in order. */
#pragma once

#include <stddef.h>

#include "migrate/driver.h"
#include "migrate/strbuf.h"
#include "migrate/value.h"

struct row_sort;

/* Rows of n_columns values, ordered by the columns key_index[0..n_key).
 * Past memory_limit bytes of rows a run goes to a temporary file in $TMPDIR
 * (or /tmp). */
int row_sort_new(size_t n_columns, const size_t *key_index, size_t n_key, size_t memory_limit, struct row_sort **ret);
/* Copies the row (its values may change after the call). */
int row_sort_add(struct row_sort *s, const struct value *row);
/* Done adding: the rows in order, as a row source that owns s from then on
 * (on failure s is freed too). */
int row_sort_finish(struct row_sort *s, struct row_source **ret);
void row_sort_free(struct row_sort *s);
/* The directory temporary files go to, for messages. */
const char *row_sort_directory(void);

/* One row as bytes, for copies that outlive the row. */
int row_record_append(struct strbuf *b, const struct value *row, size_t n);
/* The values of a record made by row_record_append() (pointing into it);
 * returns the end of the record. */
const char *row_record_decode(const char *p, struct value *out, size_t n);
