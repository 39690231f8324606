/* A row source read ahead by a thread of its own, so that reading one side
 * of the verification (SQLite's steps, the kernel's page copies) runs on
 * the second core while the other side is decoded and compared.  Rows go
 * through a few batches of bounded size; a row too large for a batch is
 * handed over in place, the reader waiting until it is consumed, so no
 * large value is ever held twice. */
#pragma once

#include <stddef.h>

#include "migrate/driver.h"

/* Wraps "inner" (n_columns values a row), which it owns from then on, also
 * on failure.  inner's next() then runs only in the reader thread, until
 * it returns 0 or an error or the wrapper is closed: nothing else may use
 * inner's database meanwhile.  Its error message (db->error) is written
 * before the failure is returned by the wrapper's next(). */
int row_prefetch_new(struct row_source *inner, size_t n_columns, struct row_source **ret);
/* Whether a reader thread can run beside this one (more than one CPU). */
bool row_prefetch_worthwhile(void);
