#pragma once

#include <stddef.h>

#include "migrate/mapping.h"
#include "migrate/value.h"

/* Convert a source row (t->n_columns values) to the target's types, from
 * column "from" on.  On -EINVAL, *ret_column says which column and
 * *ret_reason why. */
int engine_convert_row(const struct table_map *t, const struct value *in, struct value *out, struct value_buffer *buf,
                       size_t from, size_t *ret_column, char **ret_reason);
/* The first column, from "from" on, where two rows of t (converted source,
 * target) differ; t->n_columns when they are equal from there. */
size_t engine_row_difference(const struct table_map *t, const struct value *a, const struct value *b, size_t from);
