/* Every logical type, with and without the limits it can carry: what the
 * drivers' type maps are checked against. */
#pragma once

#include "migrate/logical_type.h"

static inline size_t every_logical_type(struct col_spec out[static 32]) {
        size_t n = 0;
        for (int t = 0; t < _COL_TYPE_MAX; t++)
                out[n++] = COL_SPEC((enum col_type) t);
        out[n] = COL_SPEC(COL_TEXT);
        out[n++].length = 40;
        out[n] = COL_SPEC(COL_TEXT);
        out[n].length = 3;
        out[n++].padded = true;
        out[n] = COL_SPEC(COL_DECIMAL);
        out[n].precision = 10;
        out[n++].scale = 2;
        out[n] = COL_SPEC(COL_DECIMAL);
        out[n].precision = 5;
        out[n++].scale = 0;
        out[n] = COL_SPEC(COL_TIMESTAMP_UTC);
        out[n++].precision = 3;
        out[n] = COL_SPEC(COL_TIMESTAMP_LOCAL);
        out[n++].precision = 0;
        return n;
}
