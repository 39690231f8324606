/* engine_convert_row(): when the scratch space must grow in the middle of a
 * row, the columns converted before keep their values (their bytes move
 * with the buffer) and conversion goes on from the column that needed the
 * room.  Run under ASan, a pointer left into the old buffer is an error. */
#include <errno.h>
#include <string.h>

#include "migrate/engine_row.h"
#include "tap.h"

static void test_growth_keeps_earlier_columns(void) {
        enum { DIGITS = 20000 };
        static char big[DIGITS + 1];
        memset(big, '7', DIGITS);
        struct col_spec specs[3] = {
                { .type = COL_TEXT, .length = -1, .precision = -1, .scale = -1 },
                { .type = COL_DECIMAL, .length = -1, .precision = -1, .scale = -1 },
                { .type = COL_TEXT, .length = -1, .precision = -1, .scale = -1 },
        };
        struct table_map t = { .n_columns = 3, .specs = specs };
        struct value in[3] = {
                { .kind = VALUE_INT, .i = 42 },        /* into the buffer: "42" */
                { .kind = VALUE_TEXT, .s = big, .n = DIGITS }, /* needs 20000 bytes: grows twice */
                { .kind = VALUE_INT, .i = -7 },
        };
        struct value out[3] = {};
        struct value_buffer buf = {};
        size_t column = 99;
        char *reason = NULL;
        int r = engine_convert_row(&t, in, out, &buf, 0, &column, &reason);
        CHECK(r == 0);
        CHECK(column == 3);
        CHECK(out[0].kind == VALUE_TEXT && out[0].n == 2 && memcmp(out[0].s, "42", 2) == 0);
        CHECK(out[0].s >= buf.data && out[0].s < buf.data + buf.used);
        CHECK(out[1].kind == VALUE_NUMERIC && out[1].n == DIGITS && memcmp(out[1].s, big, DIGITS) == 0);
        CHECK(out[2].kind == VALUE_TEXT && out[2].n == 2 && memcmp(out[2].s, "-7", 2) == 0);
        CHECK(buf.size >= DIGITS);
        free(reason);
        value_buffer_done(&buf);
}

int main(void) {
        RUN(test_growth_keeps_earlier_columns);
        TAP_END();
}
