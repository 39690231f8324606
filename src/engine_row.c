/* One source row converted to the target columns' types, shared by the
 * copy (which checks each value as it sends it) and the verification. */
#include "migrate/engine_row.h"

#include <errno.h>

int engine_convert_row(const struct table_map *t, const struct value *in, struct value *out, struct value_buffer *buf,
                       size_t from, size_t *ret_column, char **ret_reason) {
        for (;;) {
                value_buffer_reset(buf);
                int r = 0;
                size_t i;
                for (i = from; i < t->n_columns; i++) {
                        r = value_convert(&in[i], &t->specs[i], buf, &out[i], ret_reason);
                        if (r < 0)
                                break;
                }
                if (r == -ENOBUFS) {
                        /* The row needs more scratch space: grow, convert it again. */
                        r = value_buffer_reserve(buf, buf->size ? buf->size * 2 : 4096);
                        if (r < 0)
                                return r;
                        continue;
                }
                *ret_column = i;
                return r;
        }
}

size_t engine_row_difference(const struct table_map *t, const struct value *a, const struct value *b, size_t from) {
        size_t i;
        for (i = from; i < t->n_columns; i++)
                if (!value_equal(&a[i], &b[i]))
                        break;
        return i;
}
