/* One source row converted to the target columns' types, shared by the
 * copy (which checks each value as it sends it) and the verification. */
#include "migrate/engine_row.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "migrate/cleanup.h"

/* More scratch space, keeping what the row's columns [from, upto) already
 * hold in it: realloc() moves the bytes, their pointers follow. */
static int grow_keeping(struct value_buffer *buf, struct value *out, size_t from, size_t upto) {
        _cleanup_free_ size_t *offsets = calloc(upto - from + 1, sizeof(size_t));
        uintptr_t base = (uintptr_t) buf->data;
        size_t used = buf->used;
        if (!offsets)
                return -ENOMEM;
        for (size_t j = from; j < upto; j++) {
                uintptr_t at = (uintptr_t) out[j].s;
                offsets[j - from] = out[j].s && at >= base && at < base + used ? at - base : SIZE_MAX;
        }
        int r = value_buffer_reserve(buf, buf->size ? buf->size * 2 : 4096);
        if (r < 0)
                return r;
        buf->used = used;
        for (size_t j = from; j < upto; j++)
                if (offsets[j - from] != SIZE_MAX)
                        out[j].s = buf->data + offsets[j - from];
        return 0;
}

int engine_convert_row(const struct table_map *t, const struct value *in, struct value *out, struct value_buffer *buf,
                       size_t from, size_t *ret_column, char **ret_reason) {
        size_t i = from;
        value_buffer_reset(buf);
        for (;;) {
                int r = 0;
                for (; i < t->n_columns; i++) {
                        r = value_convert(&in[i], &t->specs[i], buf, &out[i], ret_reason);
                        if (r < 0)
                                break;
                }
                if (r != -ENOBUFS) {
                        *ret_column = i;
                        return r;
                }
                /* The row needs more scratch space: grow it and go on from
                 * this column, so no value is converted (validated) twice. */
                r = grow_keeping(buf, out, from, i);
                if (r < 0)
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
