#include "migrate/pg_binary.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "migrate/timeparse.h"

static uint64_t get_be(const char *d, size_t bytes) {
        uint64_t v = 0;
        for (size_t i = 0; i < bytes; i++)
                v = v << 8 | (unsigned char) d[i];
        return v;
}

/* A date as the text path gives it: days since 1970; infinities as its
 * integer division of the infinite timestamps gives them. */
static int64_t date_days(int32_t pg_days) {
        if (pg_days == INT32_MAX)
                return TIME_INFINITY / (INT64_C(86400) * 1000000);
        if (pg_days == INT32_MIN)
                return TIME_MINUS_INFINITY / (INT64_C(86400) * 1000000);
        return (int64_t) pg_days + PG_EPOCH_DAYS;
}

int pg_binary_decode(enum col_type type, const char *d, size_t n, struct value *v) {
        switch (type) {
        case COL_INT64:
        case COL_INTERVAL: /* read as microseconds, a bigint */
                if (n != 8)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_INT, .i = (int64_t) get_be(d, 8) };
                return 0;
        case COL_INT32:
                if (n != 4)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_INT, .i = (int32_t) (uint32_t) get_be(d, 4) };
                return 0;
        case COL_INT16:
                if (n != 2)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_INT, .i = (int16_t) (uint16_t) get_be(d, 2) };
                return 0;
        case COL_FLOAT64: {
                if (n != 8)
                        return -EBADMSG;
                uint64_t bits = get_be(d, 8);
                double x;
                memcpy(&x, &bits, 8);
                *v = (struct value) { .kind = VALUE_REAL, .d = x };
                return 0;
        }
        case COL_FLOAT32: {
                if (n != 4)
                        return -EBADMSG;
                uint32_t bits = (uint32_t) get_be(d, 4);
                float x;
                memcpy(&x, &bits, 4);
                *v = (struct value) { .kind = VALUE_REAL, .d = (double) x };
                return 0;
        }
        case COL_BOOL:
                if (n != 1)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_BOOL, .b = d[0] != 0 };
                return 0;
        case COL_TEXT:
        case COL_JSON_TEXT:
        case COL_TIME: /* read as the text they print as (pg_db's select_expression()) */
        case COL_INET:
        case COL_CIDR:
        case COL_MACADDR:
                *v = (struct value) { .kind = VALUE_TEXT, .s = d, .n = n };
                return 0;
        case COL_JSON_DOCUMENT:
                /* A format version byte (1), then the text. */
                if (n < 1 || d[0] != 1)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_TEXT, .s = d + 1, .n = n - 1 };
                return 0;
        case COL_BYTES:
                *v = (struct value) { .kind = VALUE_BLOB, .s = d, .n = n };
                return 0;
        case COL_TIMESTAMP_LOCAL:
        case COL_TIMESTAMP_UTC: {
                if (n != 8)
                        return -EBADMSG;
                int64_t t = (int64_t) get_be(d, 8);
                /* PostgreSQL's infinities are the int64 limits, as ours. */
                if (t != TIME_INFINITY && t != TIME_MINUS_INFINITY) {
                        if (__builtin_add_overflow(t, PG_EPOCH_MICROS, &t))
                                return -EBADMSG;
                }
                *v = (struct value) { .kind = VALUE_TIMESTAMP, .i = t };
                return 0;
        }
        case COL_DATE:
                if (n != 4)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_DATE, .i = date_days((int32_t) (uint32_t) get_be(d, 4)) };
                return 0;
        case COL_UUID:
                if (n != 16)
                        return -EBADMSG;
                *v = (struct value) { .kind = VALUE_UUID, .s = d, .n = 16 };
                return 0;
        case COL_DECIMAL:
        case _COL_TYPE_MAX:
        case _COL_TYPE_ALL:
                break;
        }
        return -EBADMSG;
}
