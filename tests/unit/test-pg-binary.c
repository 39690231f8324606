/* PostgreSQL's binary COPY format, read side (pg_binary_decode() and
 * numeric_from_pg_binary()).  The bytes were taken from the *_send()
 * functions of PostgreSQL 15, the expected values from its text output
 * as the text COPY path decodes it. */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "migrate/cleanup.h"
#include "migrate/numeric.h"
#include "migrate/pg_binary.h"
#include "migrate/timeparse.h"
#include "tap.h"

/* Bytes from the hex PostgreSQL prints for a bytea (without "\x"). */
static size_t unhex(const char *hex, char *out) {
        size_t n = strlen(hex) / 2;
        for (size_t i = 0; i < n; i++) {
                unsigned v;
                sscanf(hex + 2 * i, "%2x", &v);
                out[i] = (char) v;
        }
        return n;
}

static int decode_hex(enum col_type type, const char *hex, char *bytes, struct value *v) {
        return pg_binary_decode(type, bytes, unhex(hex, bytes), v);
}

#define NUMERIC(hex, want)                                                     \
        do {                                                                   \
                char _d[256];                                                  \
                size_t _n = unhex(hex, _d);                                    \
                _cleanup_strbuf_ struct strbuf _out = {};                      \
                CHECK(numeric_from_pg_binary(_d, _n, &_out) == 0);               \
                CHECK_STREQ(_out.data, want);                                  \
        } while (0)

static void test_numeric(void) {
        NUMERIC("0000000000000000", "0");
        NUMERIC("0000000000000002", "0.00");
        NUMERIC("0002000040000004000c0d48", "-12.3400");
        NUMERIC("0001fffb000000140001", "0.00000000000000000001");
        NUMERIC("0005000200000006000109291a8500000064", "123456789.000001");
        char e100[102] = "1"; /* 1e100: a one and a hundred zeros */
        memset(e100 + 1, '0', 100);
        e100[101] = '\0';
        NUMERIC("00010019000000000001", e100);
        NUMERIC("00010001000000000001", "10000");
        NUMERIC("0001ffff400000011388", "-0.5");
        NUMERIC("0004000100000008270f270f270f270f", "99999999.99999999");
        NUMERIC("0002ffff00000007000108fc", "0.0001230");
}

static void test_numeric_special(void) {
        NUMERIC("00000000c0000000", "NaN");
        NUMERIC("00000000d0000020", "Infinity");
        NUMERIC("00000000f0000020", "-Infinity");
}

static void test_numeric_malformed(void) {
        char d[64];
        _cleanup_strbuf_ struct strbuf b = {};
        CHECK(numeric_from_pg_binary(d, unhex("000100000000", d), &b) == -EBADMSG);             /* short header */
        CHECK(numeric_from_pg_binary(d, unhex("0002000000000000000c", d), &b) == -EBADMSG);     /* 2 digits, 1 sent */
        CHECK(numeric_from_pg_binary(d, unhex("00010000000000002710", d), &b) == -EBADMSG);     /* digit 10000 */
        CHECK(numeric_from_pg_binary(d, unhex("0001000012340000000c", d), &b) == -EBADMSG);     /* unknown sign */
}

/* Whatever numeric_to_pg_binary() writes (the COPY IN side) reads back as
 * the same text. */
static void test_numeric_round_trip(void) {
        static const char *const values[] = { "0", "1", "-1", "0.1", "-0.001", "12345678901234567890.0987654321",
                                              "0.00000", "100000000", "9999", "10000.0000", "-0.00012", "NaN",
                                              "Infinity", "-Infinity" };
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
                _cleanup_strbuf_ struct strbuf bin = {}, text = {};
                CHECK(numeric_to_pg_binary(values[i], strlen(values[i]), &bin) == 0);
                CHECK(numeric_from_pg_binary(bin.data, bin.len, &text) == 0);
                CHECK_STREQ(text.data, values[i]);
        }
        /* Random digits around the point, all group alignments. */
        srand(12);
        for (int k = 0; k < 2000; k++) {
                char s[64];
                size_t n = 0;
                if (rand() % 2)
                        s[n++] = '-';
                int ints = rand() % 12, fracs = rand() % 12;
                s[n++] = (char) ('1' + rand() % 9);
                for (int i = 0; i < ints; i++)
                        s[n++] = (char) ('0' + rand() % 10);
                if (fracs) {
                        s[n++] = '.';
                        for (int i = 0; i < fracs; i++)
                                s[n++] = (char) ('0' + rand() % 10);
                }
                s[n] = '\0';
                _cleanup_strbuf_ struct strbuf bin = {}, text = {};
                CHECK(numeric_to_pg_binary(s, n, &bin) == 0);
                CHECK(numeric_from_pg_binary(bin.data, bin.len, &text) == 0);
                CHECK_STREQ(text.data, s);
        }
}

static void test_integers(void) {
        char b[64];
        struct value v;
        CHECK(decode_hex(COL_INT16, "fffe", b, &v) == 0 && v.kind == VALUE_INT && v.i == -2);
        CHECK(decode_hex(COL_INT32, "fffe1dc0", b, &v) == 0 && v.kind == VALUE_INT && v.i == -123456);
        CHECK(decode_hex(COL_INT64, "8000000000000000", b, &v) == 0 && v.kind == VALUE_INT && v.i == INT64_MIN);
        CHECK(decode_hex(COL_INT64, "00000000000000ff", b, &v) == 0 && v.i == 255);
        /* A length that is not the type's. */
        CHECK(decode_hex(COL_INT32, "fffe", b, &v) == -EBADMSG);
        CHECK(decode_hex(COL_INT64, "fffe1dc0", b, &v) == -EBADMSG);
        CHECK(decode_hex(COL_INT16, "00", b, &v) == -EBADMSG);
}

static void test_floats_and_bool(void) {
        char b[64];
        struct value v;
        CHECK(decode_hex(COL_FLOAT32, "3fc00000", b, &v) == 0 && v.kind == VALUE_REAL && v.d == 1.5);
        CHECK(decode_hex(COL_FLOAT64, "8000000000000000", b, &v) == 0 && v.kind == VALUE_REAL && v.d == 0.0 &&
              signbit(v.d));
        CHECK(decode_hex(COL_FLOAT64, "7ff8000000000000", b, &v) == 0 && isnan(v.d));
        /* 0.1 as a float4 widens as the text path's (double) strtof("0.1") does. */
        CHECK(decode_hex(COL_FLOAT32, "3dcccccd", b, &v) == 0 && v.d == (double) 0.1f);
        CHECK(decode_hex(COL_BOOL, "01", b, &v) == 0 && v.kind == VALUE_BOOL && v.b);
        CHECK(decode_hex(COL_BOOL, "00", b, &v) == 0 && v.kind == VALUE_BOOL && !v.b);
        CHECK(decode_hex(COL_FLOAT64, "3fc00000", b, &v) == -EBADMSG);
        CHECK(decode_hex(COL_BOOL, "0100", b, &v) == -EBADMSG);
}

static void test_times(void) {
        char b[64];
        struct value v;
        CHECK(decode_hex(COL_TIMESTAMP_LOCAL, "00000000000f4240", b, &v) == 0 && v.kind == VALUE_TIMESTAMP &&
              v.i == INT64_C(946684801000000));
        CHECK(decode_hex(COL_TIMESTAMP_LOCAL, "ffffffffffffffff", b, &v) == 0 && v.i == INT64_C(946684799999999));
        CHECK(decode_hex(COL_TIMESTAMP_LOCAL, "7fffffffffffffff", b, &v) == 0 && v.i == TIME_INFINITY);
        CHECK(decode_hex(COL_TIMESTAMP_UTC, "8000000000000000", b, &v) == 0 && v.kind == VALUE_TIMESTAMP &&
              v.i == TIME_MINUS_INFINITY);
        /* 4713-01-01 00:00:00 BC, PostgreSQL's earliest. */
        CHECK(decode_hex(COL_TIMESTAMP_LOCAL, "fd0f7fbdaf17e000", b, &v) == 0 && v.i == INT64_C(-210863520000000000));
        CHECK(decode_hex(COL_DATE, "ffffd533", b, &v) == 0 && v.kind == VALUE_DATE && v.i == 0); /* 1970-01-01 */
        CHECK(decode_hex(COL_DATE, "fff49d7b", b, &v) == 0 && v.i == -735160);                   /* 0044-03-15 BC */
        CHECK(decode_hex(COL_DATE, "7fffffff", b, &v) == 0 && v.i == TIME_INFINITY / (INT64_C(86400) * 1000000));
        CHECK(decode_hex(COL_TIMESTAMP_LOCAL, "ffffd533", b, &v) == -EBADMSG);
}

static void test_texts(void) {
        char b[64];
        struct value v;
        CHECK(decode_hex(COL_TEXT, "61000a62", b, &v) == 0 && v.kind == VALUE_TEXT && v.n == 4 && v.s == b &&
              memcmp(v.s, "a\0\nb", 4) == 0);
        CHECK(decode_hex(COL_TEXT, "", b, &v) == 0 && v.kind == VALUE_TEXT && v.n == 0);
        CHECK(decode_hex(COL_BYTES, "00ff5c", b, &v) == 0 && v.kind == VALUE_BLOB && v.n == 3 &&
              memcmp(v.s, "\0\377\\", 3) == 0);
        CHECK(decode_hex(COL_JSON_TEXT, "7b7d", b, &v) == 0 && v.kind == VALUE_TEXT && v.n == 2 && memcmp(v.s, "{}", 2) == 0);
        CHECK(decode_hex(COL_JSON_DOCUMENT, "017b2261223a206e756c6c2c202262223a205b312c20325d7d", b, &v) == 0 &&
              v.kind == VALUE_TEXT && v.n == 24 && memcmp(v.s, "{\"a\": null, \"b\": [1, 2]}", 24) == 0);
        CHECK(decode_hex(COL_JSON_DOCUMENT, "027b7d", b, &v) == -EBADMSG); /* a format version we do not know */
        CHECK(decode_hex(COL_JSON_DOCUMENT, "", b, &v) == -EBADMSG);
        CHECK(decode_hex(COL_UUID, "a0eebc999c0b4ef8bb6d6bb9bd380a11", b, &v) == 0 && v.kind == VALUE_UUID && v.n == 16 &&
              memcmp(v.s, "\xa0\xee\xbc\x99", 4) == 0);
        CHECK(decode_hex(COL_UUID, "a0eebc99", b, &v) == -EBADMSG);
        CHECK(pg_binary_decode(COL_DECIMAL, b, 8, &v) == -EBADMSG); /* numeric has its own decoder */
}

int main(void) {
        RUN(test_numeric);
        RUN(test_numeric_special);
        RUN(test_numeric_malformed);
        RUN(test_numeric_round_trip);
        RUN(test_integers);
        RUN(test_floats_and_bool);
        RUN(test_times);
        RUN(test_texts);
        TAP_END();
}
