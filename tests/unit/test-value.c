/* value_convert() from SQLite storage values to the logical type of a target
 * column, and value_equal/value_compare/value_describe. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "migrate/cleanup.h"
#include "migrate/pg_types.h"
#include "migrate/timeparse.h"
#include "migrate/value.h"
#include "tap.h"

#define S INT64_C(1000000)
/* 2024-03-05 14:22:01 UTC (PostgreSQL: extract(epoch from ...)). */
#define T_20240305_142201 INT64_C(1709648521)

static struct value v_int(int64_t i) {
        return (struct value) { .kind = VALUE_INT, .i = i };
}

static struct value v_real(double d) {
        return (struct value) { .kind = VALUE_REAL, .d = d };
}

static struct value v_textn(const char *s, size_t n) {
        return (struct value) { .kind = VALUE_TEXT, .s = s, .n = n };
}

static struct value v_text(const char *s) {
        return v_textn(s, strlen(s));
}

static struct value v_blob(const char *s, size_t n) {
        return (struct value) { .kind = VALUE_BLOB, .s = s, .n = n };
}

static struct value v_numeric(const char *s) {
        return (struct value) { .kind = VALUE_NUMERIC, .s = s, .n = strlen(s) };
}

static const struct value v_null = { .kind = VALUE_NULL };

/* A target column's type, named as a target driver spells it (the reasons
 * quote the name: PostgreSQL's spellings here). */
static struct col_spec col(enum col_type t) {
        static const char *const spelled[_COL_TYPE_MAX] = {
                [COL_INT64] = "bigint", [COL_INT32] = "integer", [COL_INT16] = "smallint",
                [COL_FLOAT64] = "double precision", [COL_FLOAT32] = "real",
        };
        struct col_spec c = COL_SPEC(t);
        c.name = spelled[t];
        return c;
}

static struct col_spec varchar(int n) {
        struct col_spec c = col(COL_TEXT);
        c.length = n;
        return c;
}

static struct col_spec numeric(int p, int s) {
        struct col_spec c = col(COL_DECIMAL);
        c.precision = p;
        c.scale = s;
        return c;
}

/* One buffer for all single-value conversions, reset before each like a
 * driver does per row; the last reason stays in "why" for the checks. */
static struct value_buffer buf;
static char *why;

static int conv(struct value in, struct col_spec spec, struct value *out) {
        free(why);
        why = NULL;
        value_buffer_reset(&buf);
        *out = (struct value) {};
        return value_convert(&in, &spec, &buf, out, &why);
}

#define ACCEPTS(in, spec, kind) accepts(__LINE__, in, spec, kind)
static struct value accepts(int line, struct value in, struct col_spec spec, enum value_kind kind) {
        struct value out;
        int r = conv(in, spec, &out);
        if (r != 0 || out.kind != kind) {
                printf("# line %d: into %s: r=%d kind=%s reason=\"%s\"\n", line, logical_type_word(spec.type), r,
                       value_kind_name(out.kind), why ? why : "(null)");
                tap_case_failed = true;
        }
        return out;
}

#define REJECTS(in, spec, needle) rejects(__LINE__, in, spec, needle)
static void rejects(int line, struct value in, struct col_spec spec, const char *needle) {
        struct value out;
        int r = conv(in, spec, &out);
        if (r != -EINVAL || !why || !strstr(why, needle)) {
                printf("# line %d: into %s: r=%d reason=\"%s\", want -EINVAL with \"%s\"\n", line,
                       logical_type_word(spec.type), r, why ? why : "(null)", needle);
                tap_case_failed = true;
        }
}

static bool same_bits(double a, double b) {
        return memcmp(&a, &b, sizeof(a)) == 0;
}

static bool bytes_are(struct value v, const char *s, size_t n) {
        return v.n == n && (n == 0 || memcmp(v.s, s, n) == 0);
}

static bool text_is(struct value v, const char *s) {
        return bytes_are(v, s, strlen(s));
}

static void test_bigint(void) {
        CHECK(ACCEPTS(v_int(INT64_MAX), col(COL_INT64), VALUE_INT).i == INT64_MAX);
        CHECK(ACCEPTS(v_int(INT64_MIN), col(COL_INT64), VALUE_INT).i == INT64_MIN);
        CHECK(ACCEPTS(v_int(0), col(COL_INT64), VALUE_INT).i == 0);
        CHECK(ACCEPTS(v_real(3.0), col(COL_INT64), VALUE_INT).i == 3);
        CHECK(ACCEPTS(v_real(-3.0), col(COL_INT64), VALUE_INT).i == -3);
        CHECK(ACCEPTS(v_real(-9223372036854775808.0), col(COL_INT64), VALUE_INT).i == INT64_MIN);
        CHECK(ACCEPTS(v_real(9007199254740992.0), col(COL_INT64), VALUE_INT).i == INT64_C(9007199254740992));
        REJECTS(v_real(3.5), col(COL_INT64), "not a whole number");
        REJECTS(v_real(1e19), col(COL_INT64), "not a whole number");
        REJECTS(v_real(9223372036854775808.0), col(COL_INT64), "64-bit range");
        REJECTS(v_real(NAN), col(COL_INT64), "not a whole number");
        REJECTS(v_real(INFINITY), col(COL_INT64), "not a whole number");
        REJECTS(v_real(-INFINITY), col(COL_INT64), "not a whole number");
        /* SQLite keeps text in an INTEGER column as it is. */
        CHECK(ACCEPTS(v_text("42"), col(COL_INT64), VALUE_INT).i == 42);
        CHECK(ACCEPTS(v_text("-7"), col(COL_INT64), VALUE_INT).i == -7);
        CHECK(ACCEPTS(v_text("9223372036854775807"), col(COL_INT64), VALUE_INT).i == INT64_MAX);
        CHECK(ACCEPTS(v_text("-9223372036854775808"), col(COL_INT64), VALUE_INT).i == INT64_MIN);
        REJECTS(v_text("abc"), col(COL_INT64), "not a whole number");
        /* The reason never repeats the value: callers show it safely. */
        CHECK_NOT_CONTAINS(why, "abc");
        REJECTS(v_text(""), col(COL_INT64), "not a whole number");
        REJECTS(v_text("-"), col(COL_INT64), "not a whole number");
        REJECTS(v_text("1.0"), col(COL_INT64), "not a whole number");
        REJECTS(v_text("1e3"), col(COL_INT64), "not a whole number");
        REJECTS(v_text(" 1"), col(COL_INT64), "not a whole number");
        REJECTS(v_text("1 "), col(COL_INT64), "not a whole number");
        REJECTS(v_text("0x10"), col(COL_INT64), "not a whole number");
        REJECTS(v_textn("1\0" "2", 3), col(COL_INT64), "not a whole number");
        REJECTS(v_text("9223372036854775808"), col(COL_INT64), "out of the range of bigint");
        REJECTS(v_text("-9223372036854775809"), col(COL_INT64), "out of the range of bigint");
        REJECTS(v_text("123456789012345678901234567890123"), col(COL_INT64), "out of the range of bigint");
        /* Text SQLite kept as written ('007', '+5', '-0') is carried only when
         * the number is written the same way: nothing changes meaning silently. */
        REJECTS(v_text("007"), col(COL_INT64), "not a whole number as written (it would become 7)");
        REJECTS(v_text("+5"), col(COL_INT64), "not a whole number as written (it would become 5)");
        REJECTS(v_text("-0"), col(COL_INT64), "not a whole number as written (it would become 0)");
        REJECTS(v_text("-0000000000000000000000000000000000000042"), col(COL_INT64), "it would become -42");
        REJECTS(v_text("0000000000000000000000000000000000000000"), col(COL_INT64), "it would become 0");
        CHECK(ACCEPTS(v_text("0"), col(COL_INT64), VALUE_INT).i == 0);
        /* A counted string: "12" of "123". */
        CHECK(ACCEPTS(v_textn("123", 2), col(COL_INT64), VALUE_INT).i == 12);
        REJECTS(v_blob("\x01", 1), col(COL_INT64), "a blob value");
}

static void test_integer_and_smallint(void) {
        CHECK(ACCEPTS(v_int(INT32_MAX), col(COL_INT32), VALUE_INT).i == INT32_MAX);
        CHECK(ACCEPTS(v_int(INT32_MIN), col(COL_INT32), VALUE_INT).i == INT32_MIN);
        REJECTS(v_int(INT64_C(2147483648)), col(COL_INT32), "out of the range of integer");
        REJECTS(v_int(INT64_C(-2147483649)), col(COL_INT32), "out of the range of integer");
        REJECTS(v_int(INT64_MAX), col(COL_INT32), "out of the range of integer");
        REJECTS(v_text("2147483648"), col(COL_INT32), "out of the range of integer");
        REJECTS(v_real(2147483648.0), col(COL_INT32), "out of the range of integer");
        CHECK(ACCEPTS(v_int(INT16_MAX), col(COL_INT16), VALUE_INT).i == INT16_MAX);
        CHECK(ACCEPTS(v_int(INT16_MIN), col(COL_INT16), VALUE_INT).i == INT16_MIN);
        REJECTS(v_int(32768), col(COL_INT16), "out of the range of smallint");
        REJECTS(v_int(-32769), col(COL_INT16), "out of the range of smallint");
        CHECK(ACCEPTS(v_text("-32768"), col(COL_INT16), VALUE_INT).i == -32768);
        CHECK(ACCEPTS(v_real(-32768.0), col(COL_INT16), VALUE_INT).i == -32768);
}

static void test_boolean(void) {
        const struct col_spec b = col(COL_BOOL);
        CHECK(ACCEPTS(v_int(1), b, VALUE_BOOL).b == true);
        CHECK(ACCEPTS(v_int(0), b, VALUE_BOOL).b == false);
        REJECTS(v_int(2), b, "other than 0 or 1");
        REJECTS(v_int(-1), b, "other than 0 or 1");
        CHECK(ACCEPTS(v_real(1.0), b, VALUE_BOOL).b == true);
        CHECK(ACCEPTS(v_real(0.0), b, VALUE_BOOL).b == false);
        REJECTS(v_real(0.5), b, "other than 0 or 1");
        REJECTS(v_real(NAN), b, "other than 0 or 1");
        CHECK(ACCEPTS(v_text("t"), b, VALUE_BOOL).b == true);
        CHECK(ACCEPTS(v_text("f"), b, VALUE_BOOL).b == false);
        CHECK(ACCEPTS(v_text("true"), b, VALUE_BOOL).b == true);
        CHECK(ACCEPTS(v_text("FALSE"), b, VALUE_BOOL).b == false);
        CHECK(ACCEPTS(v_text("T"), b, VALUE_BOOL).b == true);
        CHECK(ACCEPTS(v_text("True"), b, VALUE_BOOL).b == true);
        CHECK(ACCEPTS(v_text("1"), b, VALUE_BOOL).b == true);
        CHECK(ACCEPTS(v_text("0"), b, VALUE_BOOL).b == false);
        REJECTS(v_text("2"), b, "not a boolean");
        REJECTS(v_text(""), b, "not a boolean");
        REJECTS(v_text("tr"), b, "not a boolean");
        REJECTS(v_text("truex"), b, "not a boolean");
        REJECTS(v_textn("t\0", 2), b, "not a boolean");
        REJECTS(v_text(" t"), b, "not a boolean");
        REJECTS(v_blob("\x01", 1), b, "a blob value");
}

static void test_double(void) {
        const struct col_spec d = col(COL_FLOAT64);
        CHECK(ACCEPTS(v_int(INT64_C(9007199254740992)), d, VALUE_REAL).d == 9007199254740992.0);
        CHECK(ACCEPTS(v_int(INT64_C(-9007199254740992)), d, VALUE_REAL).d == -9007199254740992.0);
        /* 2^53 + 1 would become 2^53. */
        REJECTS(v_int(INT64_C(9007199254740993)), d, "cannot hold exactly");
        REJECTS(v_int(INT64_C(-9007199254740993)), d, "cannot hold exactly");
        REJECTS(v_int(INT64_MAX), d, "cannot hold exactly");
        CHECK(ACCEPTS(v_int(INT64_MIN), d, VALUE_REAL).d == -9223372036854775808.0);
        CHECK(ACCEPTS(v_int(0), d, VALUE_REAL).d == 0.0);
        /* Infinities, -0.0 and NaN pass bit for bit. */
        CHECK(same_bits(ACCEPTS(v_real(INFINITY), d, VALUE_REAL).d, INFINITY));
        CHECK(same_bits(ACCEPTS(v_real(-INFINITY), d, VALUE_REAL).d, -INFINITY));
        CHECK(same_bits(ACCEPTS(v_real(-0.0), d, VALUE_REAL).d, -0.0));
        CHECK(same_bits(ACCEPTS(v_real(0.0), d, VALUE_REAL).d, 0.0));
        CHECK(isnan(ACCEPTS(v_real(NAN), d, VALUE_REAL).d));
        CHECK(same_bits(ACCEPTS(v_real(DBL_MAX), d, VALUE_REAL).d, DBL_MAX));
        CHECK(same_bits(ACCEPTS(v_real(5e-324), d, VALUE_REAL).d, 5e-324));
        CHECK(same_bits(ACCEPTS(v_real(0.1), d, VALUE_REAL).d, 0.1));
}

static void test_double_from_text(void) {
        const struct col_spec d = col(COL_FLOAT64);
        CHECK(ACCEPTS(v_text("1.5"), d, VALUE_REAL).d == 1.5);
        CHECK(ACCEPTS(v_text("-2e3"), d, VALUE_REAL).d == -2000.0);
        CHECK(same_bits(ACCEPTS(v_text("0.1"), d, VALUE_REAL).d, 0.1));
        CHECK(same_bits(ACCEPTS(v_text("-0"), d, VALUE_REAL).d, -0.0));
        CHECK(same_bits(ACCEPTS(v_text("Infinity"), d, VALUE_REAL).d, INFINITY));
        CHECK(same_bits(ACCEPTS(v_text("-inf"), d, VALUE_REAL).d, -INFINITY));
        CHECK(isnan(ACCEPTS(v_text("NaN"), d, VALUE_REAL).d));
        /* Subnormal numbers are numbers: PostgreSQL reads '5e-324' too. */
        CHECK(same_bits(ACCEPTS(v_text("4.9406564584124654e-324"), d, VALUE_REAL).d, 5e-324));
        CHECK(same_bits(ACCEPTS(v_text("1e-310"), d, VALUE_REAL).d, 1e-310));
        CHECK(same_bits(ACCEPTS(v_text("1.7976931348623157e308"), d, VALUE_REAL).d, DBL_MAX));
        /* Out of range is not infinity or zero (PostgreSQL: "out of range"). */
        REJECTS(v_text("1e400"), d, "out of range");
        REJECTS(v_text("-1e400"), d, "out of range");
        REJECTS(v_text("1e-400"), d, "out of range");
        REJECTS(v_text("abc"), d, "not a number");
        /* SQLite never read these as numbers: neither is reinterpreted. */
        REJECTS(v_text("0x1A"), d, "not a number");
        REJECTS(v_text("0x1A"), col(COL_DECIMAL), "not a number");
        REJECTS(v_text("0x1p3"), d, "not a number");
        REJECTS(v_text("1e"), d, "not a number");
        REJECTS(v_text("."), d, "not a number");
        REJECTS(v_text("infinityx"), d, "not a number");
        CHECK(ACCEPTS(v_text(".5"), d, VALUE_REAL).d == 0.5);
        CHECK(ACCEPTS(v_text("5."), d, VALUE_REAL).d == 5.0);
        CHECK(ACCEPTS(v_text("+1E-2"), d, VALUE_REAL).d == 0.01);
        REJECTS(v_text(""), d, "not a number");
        REJECTS(v_text(" 1"), d, "not a number");
        REJECTS(v_text("1 "), d, "not a number");
        REJECTS(v_textn("1\0" "5", 3), d, "not a number");
        REJECTS(v_blob("\x01", 1), d, "a blob value");
}

static void test_float4(void) {
        const struct col_spec f = col(COL_FLOAT32);
        CHECK(ACCEPTS(v_real(1.5), f, VALUE_REAL).d == 1.5);
        CHECK(ACCEPTS(v_real((double) FLT_MAX), f, VALUE_REAL).d == (double) FLT_MAX);
        CHECK(ACCEPTS(v_real((double) 0.1f), f, VALUE_REAL).d == (double) 0.1f);
        CHECK(same_bits(ACCEPTS(v_real(-0.0), f, VALUE_REAL).d, -0.0));
        CHECK(same_bits(ACCEPTS(v_real(INFINITY), f, VALUE_REAL).d, INFINITY));
        CHECK(same_bits(ACCEPTS(v_real(-INFINITY), f, VALUE_REAL).d, -INFINITY));
        CHECK(isnan(ACCEPTS(v_real(NAN), f, VALUE_REAL).d));
        /* The double 0.1 is not the float 0.1. */
        REJECTS(v_real(0.1), f, "4-byte real cannot hold exactly");
        REJECTS(v_real(1e39), f, "4-byte real cannot hold exactly");
        REJECTS(v_real(1e-50), f, "4-byte real cannot hold exactly");
        CHECK(ACCEPTS(v_int(16777216), f, VALUE_REAL).d == 16777216.0);
        REJECTS(v_int(16777217), f, "4-byte real cannot hold exactly");
        CHECK(ACCEPTS(v_text("0.5"), f, VALUE_REAL).d == 0.5);
}

static void test_numeric(void) {
        struct value v = ACCEPTS(v_text("1.5"), numeric(5, 2), VALUE_NUMERIC);
        CHECK(text_is(v, "1.50"));
        v = ACCEPTS(v_int(42), numeric(5, 2), VALUE_NUMERIC);
        CHECK(text_is(v, "42.00"));
        v = ACCEPTS(v_real(0.1), numeric(5, 2), VALUE_NUMERIC);
        CHECK(text_is(v, "0.10"));
        v = ACCEPTS(v_real(NAN), numeric(5, 2), VALUE_NUMERIC);
        CHECK(text_is(v, "NaN"));
        v = ACCEPTS(v_numeric("-12.5"), numeric(5, 2), VALUE_NUMERIC);
        CHECK(text_is(v, "-12.50"));
        REJECTS(v_text("123.456"), numeric(5, 2), "numeric(5,2) cannot hold");
        CHECK_CONTAINS(why, "scale");
        REJECTS(v_int(123456), numeric(5, 2), "precision");
        REJECTS(v_real(0.125), numeric(5, 2), "scale");
        REJECTS(v_real(INFINITY), numeric(5, 2), "infinity");
        REJECTS(v_text("abc"), numeric(5, 2), "not a number");
        REJECTS(v_text(""), numeric(5, 2), "not a number");
        REJECTS(v_blob("1", 1), numeric(5, 2), "a blob value");

        /* Unconstrained numeric keeps the digits as written. */
        v = ACCEPTS(v_text("1e3"), col(COL_DECIMAL), VALUE_NUMERIC);
        CHECK(text_is(v, "1000"));
        v = ACCEPTS(v_text("1.500"), col(COL_DECIMAL), VALUE_NUMERIC);
        CHECK(text_is(v, "1.500"));
        v = ACCEPTS(v_text("-0.00"), col(COL_DECIMAL), VALUE_NUMERIC);
        CHECK(text_is(v, "0.00"));
        v = ACCEPTS(v_int(INT64_MIN), col(COL_DECIMAL), VALUE_NUMERIC);
        CHECK(text_is(v, "-9223372036854775808"));
        v = ACCEPTS(v_real(-INFINITY), col(COL_DECIMAL), VALUE_NUMERIC);
        CHECK(text_is(v, "-Infinity"));
        v = ACCEPTS(v_real(1e20), col(COL_DECIMAL), VALUE_NUMERIC);
        CHECK(text_is(v, "100000000000000000000"));
}

static void test_text(void) {
        const struct col_spec t = col(COL_TEXT);
        struct value v = ACCEPTS(v_text("hello"), t, VALUE_TEXT);
        CHECK(text_is(v, "hello"));
        /* Empty text stays empty text, never NULL. */
        v = ACCEPTS(v_text(""), t, VALUE_TEXT);
        CHECK(v.n == 0 && v.s);
        ACCEPTS(v_textn(NULL, 0), t, VALUE_TEXT);
        REJECTS(v_textn("a\0b", 3), t, "NUL byte");
        REJECTS(v_textn("\0", 1), t, "NUL byte");
        REJECTS(v_text("\xff"), t, "not valid UTF-8");
        REJECTS(v_text("caf\xe9"), t, "not valid UTF-8");         /* Latin-1 */
        REJECTS(v_text("\xc0\x80"), t, "not valid UTF-8");        /* overlong NUL */
        REJECTS(v_text("\xed\xa0\x80"), t, "not valid UTF-8");    /* surrogate */
        REJECTS(v_text("\xf4\x90\x80\x80"), t, "not valid UTF-8"); /* past U+10FFFF */
        REJECTS(v_text("ab\xe2\x82"), t, "not valid UTF-8");      /* cut short */
        v = ACCEPTS(v_text("\xf0\x9f\x98\x80"), t, VALUE_TEXT);
        CHECK(text_is(v, "\xf0\x9f\x98\x80"));
        v = ACCEPTS(v_text("\xf4\x8f\xbf\xbf"), t, VALUE_TEXT); /* U+10FFFF */
        CHECK(v.n == 4);
        /* Numbers become their text. */
        v = ACCEPTS(v_int(42), t, VALUE_TEXT);
        CHECK(text_is(v, "42"));
        v = ACCEPTS(v_int(INT64_MIN), t, VALUE_TEXT);
        CHECK(text_is(v, "-9223372036854775808"));
        v = ACCEPTS(v_real(1.5), t, VALUE_TEXT);
        CHECK(text_is(v, "1.5"));
        REJECTS(v_blob("ab", 2), t, "a blob value");
        /* json and jsonb hold text the same way. */
        v = ACCEPTS(v_text("{\"a\": 1}"), col(COL_JSON_TEXT), VALUE_TEXT);
        CHECK(text_is(v, "{\"a\": 1}"));
        v = ACCEPTS(v_text("[]"), col(COL_JSON_DOCUMENT), VALUE_TEXT);
        CHECK(text_is(v, "[]"));
        REJECTS(v_textn("\"\0\"", 3), col(COL_JSON_DOCUMENT), "NUL byte");
}

static void test_varchar_counts_characters(void) {
        /* "äöü" is 6 bytes, 3 characters. */
        struct value v = ACCEPTS(v_text("\xc3\xa4\xc3\xb6\xc3\xbc"), varchar(3), VALUE_TEXT);
        CHECK(v.n == 6);
        REJECTS(v_text("\xc3\xa4\xc3\xb6\xc3\xbcx"), varchar(3), "4 characters");
        CHECK_CONTAINS(why, "limit of 3");
        /* Three emoji: 12 bytes, 3 characters. */
        ACCEPTS(v_text("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), varchar(3), VALUE_TEXT);
        ACCEPTS(v_text("abc"), varchar(3), VALUE_TEXT);
        REJECTS(v_text("abcd"), varchar(3), "longer than the column's limit");
        ACCEPTS(v_text(""), varchar(0), VALUE_TEXT);
        REJECTS(v_text("a"), varchar(0), "longer than the column's limit");
        REJECTS(v_int(1234), varchar(3), "longer than the column's limit");
}

static void test_bytea(void) {
        const struct col_spec b = col(COL_BYTES);
        static const char bytes[] = { 'a', 0, 'b', 0, (char) 0xff, 0 };
        struct value v = ACCEPTS(v_blob(bytes, sizeof(bytes)), b, VALUE_BLOB);
        CHECK(bytes_are(v, bytes, sizeof(bytes)));
        v = ACCEPTS(v_blob("", 0), b, VALUE_BLOB);
        CHECK(v.n == 0);
        v = ACCEPTS(v_blob(NULL, 0), b, VALUE_BLOB);
        CHECK(v.n == 0);
        /* Text in a BLOB column becomes its bytes, even when not UTF-8. */
        v = ACCEPTS(v_text("caf\xe9"), b, VALUE_BLOB);
        CHECK(bytes_are(v, "caf\xe9", 4));
        REJECTS(v_int(1), b, "an integer value");
        REJECTS(v_real(1), b, "a real value");
}

static void test_timestamp_from_text(void) {
        const struct col_spec ts = col(COL_TIMESTAMP_LOCAL), tz = col(COL_TIMESTAMP_UTC);
        const int64_t base = T_20240305_142201 * S;
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01"), ts, VALUE_TIMESTAMP).i == base);
        CHECK(ACCEPTS(v_text("2024-03-05T14:22:01.123456"), ts, VALUE_TIMESTAMP).i == base + 123456);
        CHECK(ACCEPTS(v_text("2024-03-05"), ts, VALUE_TIMESTAMP).i == INT64_C(1709596800) * S);
        CHECK(ACCEPTS(v_text("1969-12-31 23:59:59.5"), ts, VALUE_TIMESTAMP).i == -500000);
        CHECK(ACCEPTS(v_text("infinity"), ts, VALUE_TIMESTAMP).i == TIME_INFINITY);
        CHECK(ACCEPTS(v_text("-infinity"), tz, VALUE_TIMESTAMP).i == TIME_MINUS_INFINITY);
        /* A zero offset loses nothing in a column without time zone. */
        CHECK(ACCEPTS(v_text("2024-03-05T14:22:01Z"), ts, VALUE_TIMESTAMP).i == base);
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01+00:00"), ts, VALUE_TIMESTAMP).i == base);
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01 +0000 UTC"), ts, VALUE_TIMESTAMP).i == base);
        REJECTS(v_text("2024-03-05 14:22:01+02:00"), ts, "UTC offset");
        REJECTS(v_text("2024-03-05 14:22:01 +0200 CEST"), ts, "without time zone");
        /* With a time zone column the offset is applied: 14:22+02 is 12:22 UTC. */
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01+02:00"), tz, VALUE_TIMESTAMP).i == base - 7200 * S);
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01 +0200 CEST"), tz, VALUE_TIMESTAMP).i == base - 7200 * S);
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01-05:30"), tz, VALUE_TIMESTAMP).i == base + 19800 * S);
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01Z"), tz, VALUE_TIMESTAMP).i == base);
        /* Without an offset the text is taken as UTC. */
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01"), tz, VALUE_TIMESTAMP).i == base);
        REJECTS(v_text("2024-03-05 14:22:01.1234567"), ts, "not a timestamp");
        CHECK_CONTAINS(why, "microsecond");
        REJECTS(v_text("garbage"), ts, "not a timestamp");
        REJECTS(v_text("2023-02-29"), tz, "not a valid calendar date");
        REJECTS(v_blob("x", 1), ts, "a blob value");
        /* timestamp(3): PostgreSQL would round a fourth fraction digit, so it is refused. */
        struct col_spec ms;
        CHECK(pg_types_from_formatted("timestamp(3) with time zone", &ms) == 0 && ms.type == COL_TIMESTAMP_UTC &&
              ms.precision == 3);
        CHECK(ACCEPTS(v_text("2024-03-05 14:22:01.123"), ms, VALUE_TIMESTAMP).i == base + 123000);
        CHECK(ACCEPTS(v_text("infinity"), ms, VALUE_TIMESTAMP).i == TIME_INFINITY);
        REJECTS(v_text("2024-03-05 14:22:01.1234"), ms, "more fraction digits than the column's 3");
        struct col_spec whole;
        CHECK(pg_types_from_formatted("timestamp(0) without time zone", &whole) == 0 && whole.type == COL_TIMESTAMP_LOCAL &&
              whole.precision == 0);
        REJECTS(v_text("2024-03-05 14:22:01.5"), whole, "more fraction digits than the column's 0");
        CHECK(pg_types_from_formatted("timestamp(7) with time zone", &whole) == -EOPNOTSUPP);
        CHECK(pg_types_from_formatted("timestamp with time zone", &ms) == 0 && ms.precision == -1);
}

static void test_timestamp_from_numbers(void) {
        const struct col_spec ts = col(COL_TIMESTAMP_LOCAL), tz = col(COL_TIMESTAMP_UTC);
        /* Integers are Unix seconds, as SQLite's unixepoch(). */
        CHECK(ACCEPTS(v_int(T_20240305_142201), ts, VALUE_TIMESTAMP).i == T_20240305_142201 * S);
        CHECK(ACCEPTS(v_int(0), tz, VALUE_TIMESTAMP).i == 0);
        CHECK(ACCEPTS(v_int(-1), tz, VALUE_TIMESTAMP).i == -S);
        CHECK(ACCEPTS(v_int(INT64_C(-62135596800)), tz, VALUE_TIMESTAMP).i == INT64_C(-62135596800) * S);
        REJECTS(v_int(INT64_MAX), ts, "out of range");
        REJECTS(v_int(INT64_MIN), ts, "out of range");
        CHECK(ACCEPTS(v_real(1709648521.5), tz, VALUE_TIMESTAMP).i == T_20240305_142201 * S + 500000);
        CHECK(ACCEPTS(v_real(-0.25), tz, VALUE_TIMESTAMP).i == -250000);
        CHECK(ACCEPTS(v_real(0.0), tz, VALUE_TIMESTAMP).i == 0);
        /* A REAL is the decimal it prints as: exact to the microsecond, where
         * d * 1e6 truncated would be one less (497.99999999999994). */
        CHECK(ACCEPTS(v_real(1709648521.123456), tz, VALUE_TIMESTAMP).i == T_20240305_142201 * S + 123456);
        CHECK(ACCEPTS(v_real(0.000498), tz, VALUE_TIMESTAMP).i == 498);
        CHECK(ACCEPTS(v_real(-0.000249), tz, VALUE_TIMESTAMP).i == -249);
        CHECK(ACCEPTS(v_real(-1709648521.5), tz, VALUE_TIMESTAMP).i == -T_20240305_142201 * S - 500000);
        CHECK(ACCEPTS(v_real(1e9), tz, VALUE_TIMESTAMP).i == INT64_C(1000000000) * S);
        /* Digits below the microsecond: refused, as in text. */
        REJECTS(v_real(1700000000.1234567), tz, "digits below the microsecond (1700000000.1234567)");
        REJECTS(v_real(0.0000016), tz, "digits below the microsecond (1.6e-06)");
        REJECTS(v_real(-1e-7), tz, "digits below the microsecond");
        /* julianday() values: a Julian day or a Unix time in early 1970? */
        REJECTS(v_real(2460375.5), tz, "julianday()");
        REJECTS(v_real(1721425.5), tz, "julianday()");
        REJECTS(v_int(2460376), tz, "julianday()");
        CHECK(ACCEPTS(v_real(1721425.25), tz, VALUE_TIMESTAMP).i == INT64_C(1721425250000));
        CHECK(ACCEPTS(v_real(5373484.5), tz, VALUE_TIMESTAMP).i == INT64_C(5373484500000));
        /* Integers beyond 1e12 are milliseconds, as the Go driver reads them. */
        CHECK(ACCEPTS(v_int(INT64_C(1700000000000)), tz, VALUE_TIMESTAMP).i == INT64_C(1700000000000) * 1000);
        CHECK(ACCEPTS(v_int(INT64_C(-1700000000000)), tz, VALUE_TIMESTAMP).i == INT64_C(-1700000000000) * 1000);
        CHECK(ACCEPTS(v_int(INT64_C(1000000000000)), tz, VALUE_TIMESTAMP).i == INT64_C(1000000000000) * S);
        /* Before 4714 BC PostgreSQL has no time. */
        REJECTS(v_int(INT64_C(-300000000000)), tz, "outside PostgreSQL's range");
        REJECTS(v_real(1e300), ts, "out of range");
        REJECTS(v_real(NAN), ts, "out of range");
        REJECTS(v_real(INFINITY), ts, "out of range");
}

static void test_date(void) {
        const struct col_spec d = col(COL_DATE);
        CHECK(ACCEPTS(v_text("2024-03-05"), d, VALUE_DATE).i == 19787);
        CHECK(ACCEPTS(v_text("1970-01-01"), d, VALUE_DATE).i == 0);
        CHECK(ACCEPTS(v_text("1969-12-31"), d, VALUE_DATE).i == -1);
        CHECK(ACCEPTS(v_text("0001-01-01"), d, VALUE_DATE).i == -719162);
        CHECK(ACCEPTS(v_text("9999-12-31"), d, VALUE_DATE).i == 2932896);
        /* Midnight written out drops nothing. */
        CHECK(ACCEPTS(v_text("2024-03-05 00:00:00"), d, VALUE_DATE).i == 19787);
        REJECTS(v_text("2024-03-05 10:00"), d, "time of day");
        REJECTS(v_text("1969-12-31 23:59:59"), d, "time of day");
        REJECTS(v_text("2024-03-05 00:00:00.000001"), d, "time of day");
        REJECTS(v_text("2024-02-30"), d, "not a valid calendar date");
        REJECTS(v_text("March 5"), d, "not a date");
        REJECTS(v_int(19787), d, "an integer value");
}

static void test_uuid(void) {
        const struct col_spec u = col(COL_UUID);
        static const char raw[16] = { 0x12, 0x3e, 0x45, 0x67, (char) 0xe8, (char) 0x9b, 0x12, (char) 0xd3,
                                      (char) 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00 };
        CHECK(bytes_are(ACCEPTS(v_text("123e4567-e89b-12d3-a456-426614174000"), u, VALUE_UUID), raw, 16));
        CHECK(bytes_are(ACCEPTS(v_text("123e4567e89b12d3a456426614174000"), u, VALUE_UUID), raw, 16));
        CHECK(bytes_are(ACCEPTS(v_text("123E4567-E89B-12D3-A456-426614174000"), u, VALUE_UUID), raw, 16));
        CHECK(bytes_are(ACCEPTS(v_blob(raw, 16), u, VALUE_UUID), raw, 16));
        REJECTS(v_blob(raw, 15), u, "a blob value");
        REJECTS(v_text("123e4567-e89b-12d3-a456-42661417400"), u, "not a UUID");
        REJECTS(v_text("123e4567-e89b-12d3-a456-4266141740000"), u, "not a UUID");
        REJECTS(v_text("123e4567-e89b-12d3-a456-42661417400g"), u, "not a UUID");
        REJECTS(v_text("123e4567e-89b-12d3-a456-426614174000"), u, "not a UUID");
        REJECTS(v_text("123e4567e89b12d3a45642661417400"), u, "not a UUID");
        REJECTS(v_text("123e4567e89b12d3a4564266141740000"), u, "not a UUID");
        REJECTS(v_text(""), u, "not a UUID");
        REJECTS(v_int(1), u, "an integer value");
}

static void test_null_for_every_type(void) {
        for (int t = 0; t < _COL_TYPE_MAX; t++) {
                struct value out;
                CHECK(conv(v_null, col((enum col_type) t), &out) == 0);
                CHECK(out.kind == VALUE_NULL);
                CHECK(!why);
        }
        CHECK(conv(v_null, varchar(0), &(struct value) {}) == 0);
        CHECK(conv(v_null, numeric(1, 0), &(struct value) {}) == 0);
}

static void test_buffer_enobufs(void) {
        /* A row's values live in one buffer; one that does not fit fails the
         * row with -ENOBUFS, and after a reserve the whole row converts. */
        _cleanup_(value_buffer_done) struct value_buffer b = {};
        CHECK(value_buffer_reserve(&b, 8) == 0);
        const struct col_spec n = numeric(5, 2);
        const struct value row[] = { v_text("1.5"), v_text("-2.25"), v_int(7) };
        struct value out[3];
        char *w = NULL;
        CHECK(value_convert(&row[0], &n, &b, &out[0], &w) == 0); /* "1.50": 4 bytes */
        CHECK(!w);
        CHECK(value_convert(&row[1], &n, &b, &out[1], &w) == -ENOBUFS); /* "-2.25": 5 more */
        CHECK(!w);

        CHECK(value_buffer_reserve(&b, 64) == 0);
        for (size_t i = 0; i < ELEMENTSOF(row); i++)
                CHECK(value_convert(&row[i], &n, &b, &out[i], &w) == 0);
        CHECK(text_is(out[0], "1.50"));
        CHECK(text_is(out[1], "-2.25"));
        CHECK(text_is(out[2], "7.00"));

        /* Reserving no more than the buffer has still starts over. */
        CHECK(value_buffer_reserve(&b, 8) == 0);
        for (size_t i = 0; i < ELEMENTSOF(row); i++)
                CHECK(value_convert(&row[i], &n, &b, &out[i], &w) == 0);
        CHECK(text_is(out[0], "1.50"));
        CHECK(text_is(out[2], "7.00"));

        /* Filled to the last byte, then reserved at the same size: fits again. */
        value_buffer_reset(&b);
        const struct col_spec any = col(COL_DECIMAL);
        const struct value wide = v_text("123456789012345678901234567890");
        CHECK(value_convert(&wide, &any, &b, &out[0], &w) == 0);
        CHECK(value_convert(&wide, &any, &b, &out[1], &w) == 0);
        CHECK(value_convert(&wide, &any, &b, &out[2], &w) == -ENOBUFS);
        CHECK(value_buffer_reserve(&b, 64) == 0);
        CHECK(value_convert(&wide, &any, &b, &out[0], &w) == 0);
        CHECK(text_is(out[0], "123456789012345678901234567890"));
}

static void test_buffer_grows_when_empty(void) {
        /* The first value of a row may be larger than the buffer: nothing
         * earlier can move, so the buffer grows. */
        _cleanup_(value_buffer_done) struct value_buffer b = {};
        CHECK(value_buffer_reserve(&b, 4) == 0);
        _cleanup_free_ char *digits = malloc(10001);
        CHECK(digits);
        if (!digits)
                return;
        memset(digits, '7', 10000);
        digits[10000] = '\0';
        const struct value in = v_text(digits);
        const struct col_spec any = col(COL_DECIMAL), u = col(COL_UUID);
        struct value out;
        char *w = NULL;
        CHECK(value_convert(&in, &any, &b, &out, &w) == 0);
        CHECK(out.n == 10000 && !memcmp(out.s, digits, 10000));
        /* Without any reserve at all, too. */
        _cleanup_(value_buffer_done) struct value_buffer fresh = {};
        CHECK(value_convert(&in, &any, &fresh, &out, &w) == 0);
        CHECK(out.n == 10000);
        CHECK(value_convert(&(struct value) { .kind = VALUE_TEXT, .s = "ab", .n = 2 }, &u, &fresh, &out,
                            &w) == -EINVAL);
        free(w);
}

static void test_equal(void) {
        CHECK(value_equal(&v_null, &v_null));
        CHECK(!value_equal(&v_null, &(struct value) { .kind = VALUE_INT }));
        CHECK(value_equal(&(struct value) { .kind = VALUE_INT, .i = 5 }, &(struct value) { .kind = VALUE_INT, .i = 5 }));
        CHECK(!value_equal(&(struct value) { .kind = VALUE_INT, .i = 5 }, &(struct value) { .kind = VALUE_INT, .i = 6 }));
        /* Kinds must match: 1 is not true, text is not blob. */
        CHECK(!value_equal(&(struct value) { .kind = VALUE_INT, .i = 1 }, &(struct value) { .kind = VALUE_BOOL, .b = true }));
        struct value t = v_text("ab"), bl = v_blob("ab", 2);
        CHECK(!value_equal(&t, &bl));

        struct value pz = v_real(0.0), nz = v_real(-0.0), n1 = v_real(NAN), n2 = v_real(-NAN), one = v_real(1.0);
        CHECK(!value_equal(&pz, &nz));
        CHECK(value_equal(&nz, &nz));
        CHECK(value_equal(&n1, &n1));
        CHECK(value_equal(&n1, &n2));
        CHECK(!value_equal(&n1, &one));
        struct value inf = v_real(INFINITY), ninf = v_real(-INFINITY);
        CHECK(!value_equal(&inf, &ninf));

        struct value a = v_numeric("1.50"), b = v_numeric("1.5"), c = v_numeric("1.05"), z = v_numeric("0.00"),
                     z2 = v_numeric("0");
        CHECK(value_equal(&a, &b));
        CHECK(!value_equal(&b, &c));
        CHECK(value_equal(&z, &z2));

        struct value x = v_textn("a\0b", 3), y = v_textn("a\0c", 3), xs = v_textn("a", 1);
        CHECK(value_equal(&x, &x));
        CHECK(!value_equal(&x, &y));
        CHECK(!value_equal(&x, &xs));
        struct value e1 = v_text(""), e2 = v_textn("", 0);
        CHECK(value_equal(&e1, &e2));
        CHECK(!value_equal(&e1, &v_null));

        /* SQLite hands out a zero-length blob as a NULL pointer. */
        struct value nb = v_blob(NULL, 0), eb = v_blob("", 0);
        CHECK(value_equal(&nb, &eb));
        CHECK(value_equal(&nb, &nb));
        CHECK(value_compare(&nb, &eb) == 0);
        struct value one_byte = v_blob("\0", 1);
        CHECK(value_compare(&nb, &one_byte) < 0);
        CHECK(value_compare(&one_byte, &nb) > 0);

        struct value ts1 = { .kind = VALUE_TIMESTAMP, .i = 1 }, ts2 = { .kind = VALUE_TIMESTAMP, .i = 2 };
        CHECK(!value_equal(&ts1, &ts2));
        CHECK(value_equal(&ts1, &ts1));
}

static int sign(int x) {
        return (x > 0) - (x < 0);
}

/* "vs" is in ascending order: every pair compares as its positions do. */
static void check_order(int line, const struct value *vs, size_t n) {
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++) {
                        int want = i < j ? -1 : i > j, got = sign(value_compare(&vs[i], &vs[j]));
                        if (got != want) {
                                _cleanup_free_ char *a = value_describe(&vs[i]), *b = value_describe(&vs[j]);
                                printf("# line %d: compare(%s, %s) = %d, want %d\n", line, a, b, got, want);
                                tap_case_failed = true;
                        }
                }
}
#define ORDERED(...)                                                              \
        do {                                                                      \
                const struct value _vs[] = { __VA_ARGS__ };                       \
                check_order(__LINE__, _vs, ELEMENTSOF(_vs));                      \
        } while (0)

static void test_compare(void) {
        ORDERED(v_null, v_int(INT64_MIN), v_int(-1), v_int(0), v_int(1), v_int(INT64_MAX));
        CHECK(value_compare(&v_null, &v_null) == 0);
        /* Bytes: memcmp, unsigned, then the shorter first. */
        ORDERED(v_null, v_text(""), v_textn("\0", 1), v_text("a"), v_textn("a\0", 2), v_text("ab"), v_text("abc"),
                v_text("b"), v_text("\xc3\xa4"), v_text("\xff"));
        ORDERED(v_blob("", 0), v_blob("\x00", 1), v_blob("\x00\x00", 2), v_blob("\x01", 1), v_blob("\x80", 1));
        /* Doubles in PostgreSQL's order: NaN after everything; but -0 before 0,
         * as value_equal() tells them apart. */
        ORDERED(v_null, v_real(-INFINITY), v_real(-DBL_MAX), v_real(-1.5), v_real(-0.0), v_real(0.0), v_real(5e-324),
                v_real(1.5), v_real(DBL_MAX), v_real(INFINITY), v_real(NAN));
        struct value n1 = v_real(NAN), n2 = v_real(-NAN);
        CHECK(value_compare(&n1, &n2) == 0);
        ORDERED((struct value) { .kind = VALUE_BOOL, .b = false }, (struct value) { .kind = VALUE_BOOL, .b = true });
        ORDERED((struct value) { .kind = VALUE_TIMESTAMP, .i = TIME_MINUS_INFINITY },
                (struct value) { .kind = VALUE_TIMESTAMP, .i = -1 }, (struct value) { .kind = VALUE_TIMESTAMP, .i = 0 },
                (struct value) { .kind = VALUE_TIMESTAMP, .i = TIME_INFINITY });
        ORDERED((struct value) { .kind = VALUE_DATE, .i = -719162 }, (struct value) { .kind = VALUE_DATE, .i = 19787 });
}

static void test_compare_numeric(void) {
        /* Exact decimal order (as PostgreSQL's), not via double: these
         * differ only past the 17th digit. */
        ORDERED(v_null, v_numeric("-Infinity"), v_numeric("-12345678901234567892"), v_numeric("-12345678901234567891"),
                v_numeric("-10"), v_numeric("-9.99"), v_numeric("-1.5"), v_numeric("-0.001"), v_numeric("0"),
                v_numeric("0.001"), v_numeric("0.01"), v_numeric("0.0100001"), v_numeric("1"), v_numeric("1.05"),
                v_numeric("1.5"), v_numeric("9.99"), v_numeric("10"), v_numeric("12345678901234567891"),
                v_numeric("12345678901234567891.000000000000000000001"), v_numeric("12345678901234567892"),
                v_numeric("Infinity"), v_numeric("NaN"));
        /* Equal values with different scales compare equal. */
        struct value a = v_numeric("1.50"), b = v_numeric("1.5"), z = v_numeric("0.000"), z2 = v_numeric("0");
        CHECK(value_compare(&a, &b) == 0);
        CHECK(value_compare(&z, &z2) == 0);
        struct value n1 = v_numeric("NaN");
        CHECK(value_compare(&n1, &n1) == 0);
        /* Counted, not NUL-terminated: "1.5" of "1.59". */
        struct value cut = { .kind = VALUE_NUMERIC, .s = "1.59", .n = 3 };
        CHECK(value_compare(&cut, &b) == 0);
}

#define DESCRIBES(v, want)                                              \
        do {                                                            \
                const struct value _v = (v);                            \
                _cleanup_free_ char *_d = value_describe(&_v);          \
                CHECK_STREQ(_d, want);                                  \
        } while (0)

static void test_describe(void) {
        DESCRIBES(v_null, "NULL");
        DESCRIBES(v_int(-42), "-42");
        DESCRIBES(v_int(INT64_MIN), "-9223372036854775808");
        DESCRIBES(v_real(1.5), "1.5");
        DESCRIBES(v_real(0.1), "0.1");
        DESCRIBES(v_real(INFINITY), "Infinity");
        DESCRIBES(v_real(NAN), "NaN");
        /* A message about -0.0 vs 0.0 must show the difference. */
        DESCRIBES(v_real(-0.0), "-0");
        /* Dates before AD 1 as PostgreSQL writes them (the year 0 is 1 BC). */
        DESCRIBES(((struct value) { .kind = VALUE_DATE, .i = -719528 }), "0001-01-01 BC");
        DESCRIBES(((struct value) { .kind = VALUE_DATE, .i = -719162 }), "0001-01-01");
        DESCRIBES(((struct value) { .kind = VALUE_TIMESTAMP, .i = INT64_C(-62152833600) * S }), "0001-06-15 12:00:00 BC");
        DESCRIBES(v_real(0.0), "0");
        /* Short even for extreme magnitudes. */
        DESCRIBES(v_real(1e20), "1e+20");
        DESCRIBES(v_real(5e-324), "5e-324");
        DESCRIBES(v_real(-DBL_MAX), "-1.7976931348623157e+308");
        DESCRIBES(v_real(0.1 + 0.2), "0.30000000000000004");
        DESCRIBES(((struct value) { .kind = VALUE_BOOL, .b = true }), "true");
        DESCRIBES(((struct value) { .kind = VALUE_BOOL, .b = false }), "false");
        DESCRIBES(((struct value) { .kind = VALUE_TIMESTAMP, .i = T_20240305_142201 * S + 500000 }),
                  "2024-03-05 14:22:01.5");
        DESCRIBES(((struct value) { .kind = VALUE_TIMESTAMP, .i = TIME_INFINITY }), "infinity");
        DESCRIBES(((struct value) { .kind = VALUE_DATE, .i = 19787 }), "2024-03-05");
        DESCRIBES(((struct value) { .kind = VALUE_DATE, .i = -719162 }), "0001-01-01");
        DESCRIBES(v_numeric("1.50"), "1.50");
        DESCRIBES(v_blob("\x00\x01\xff", 3), "x'0001ff'");
        DESCRIBES(v_blob("", 0), "x''");
}

static void test_describe_text(void) {
        DESCRIBES(v_text("abc"), "'abc'");
        DESCRIBES(v_text(""), "''");
        /* Quotes doubled, control bytes and backslash escaped. */
        DESCRIBES(v_text("it's"), "'it''s'");
        DESCRIBES(v_text("a\nb\\c\t\x7f"), "'a\\x0ab\\x5cc\\x09\\x7f'");
        DESCRIBES(v_textn("a\0b", 3), "'a\\x00b'");
        /* UTF-8 shown as it is; invalid bytes escaped, never a crash. */
        DESCRIBES(v_text("gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80"), "'gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80'");
        DESCRIBES(v_text("\xff\xfe"), "'\\xff\\xfe'");
        DESCRIBES(v_text("a\xc3"), "'a\\xc3'");
        DESCRIBES(v_text("\xe2\x82x"), "'\\xe2\\x82x'");
        DESCRIBES(v_text("\xed\xa0\x80"), "'\\xed\\xa0\\x80'");
}

static void test_describe_cuts_long_values(void) {
        char sixty[61], seventy[71], want[128];
        memset(sixty, 'x', 60);
        sixty[60] = '\0';
        memset(seventy, 'x', 70);
        seventy[70] = '\0';
        /* Exactly 60 characters: shown whole. */
        snprintf(want, sizeof(want), "'%s'", sixty);
        DESCRIBES(v_text(sixty), want);
        snprintf(want, sizeof(want), "'%s...' (70 bytes)", sixty);
        DESCRIBES(v_text(seventy), want);
        /* The cut counts characters, not bytes: 61 "ä" are 122 bytes. */
        _cleanup_free_ char *umlauts = malloc(2 * 61 + 1), *want_u = malloc(2 * 60 + 32);
        CHECK(umlauts && want_u);
        if (!umlauts || !want_u)
                return;
        for (int i = 0; i < 61; i++)
                memcpy(umlauts + 2 * i, "\xc3\xa4", 2);
        umlauts[122] = '\0';
        want_u[0] = '\'';
        memcpy(want_u + 1, umlauts, 120);
        strcpy(want_u + 121, "...' (122 bytes)");
        DESCRIBES(v_text(umlauts), want_u);
        /* Long blobs: 32 bytes of hex, then the size. */
        char blob[40];
        memset(blob, 0xab, sizeof(blob));
        char want_b[128] = "x'";
        for (int i = 0; i < 32; i++)
                strcat(want_b, "ab");
        strcat(want_b, "...' (40 bytes)");
        DESCRIBES(v_blob(blob, sizeof(blob)), want_b);
}

static void test_describe_never_crashes(void) {
        /* Every byte value, in every position, in short texts. */
        char s[3];
        for (int a = 0; a < 256; a++)
                for (int b = 0; b < 256; b++) {
                        s[0] = (char) a;
                        s[1] = (char) b;
                        s[2] = (char) 0xe2;
                        const struct value v = v_textn(s, 3);
                        _cleanup_free_ char *d = value_describe(&v);
                        CHECK(d && d[0] == '\'');
                }
}

static void test_names(void) {
        CHECK_STREQ(logical_type_word(COL_FLOAT64), "64-bit floating-point number");
        CHECK_STREQ(logical_type_word(COL_TIMESTAMP_UTC), "UTC timestamp");
        CHECK_STREQ(logical_type_word(_COL_TYPE_MAX), "?");
        for (int t = 0; t < _COL_TYPE_MAX; t++)
                CHECK(logical_type_word((enum col_type) t) != NULL);
        const struct col_spec v40 = varchar(40), n102 = numeric(10, 2), int64 = col(COL_INT64);
        _cleanup_free_ char *v = logical_type_describe(&v40), *n = logical_type_describe(&n102);
        CHECK_STREQ(v, "text of at most 40 characters");
        CHECK_STREQ(n, "decimal(10,2)");
        struct col_spec padded = varchar(3);
        padded.padded = true;
        _cleanup_free_ char *p = logical_type_describe(&padded), *spelled = col_spec_name(&int64);
        CHECK_STREQ(p, "text of 3 characters, padded with spaces");
        CHECK_STREQ(spelled, "bigint"); /* a driver's spelling wins */
        /* Where no driver spelled the type, the reasons word it neutrally. */
        REJECTS(v_int(INT64_C(2147483648)), COL_SPEC(COL_INT32), "out of the range of a 32-bit integer");
        REJECTS(v_int(INT64_MAX), COL_SPEC(COL_FLOAT64), "a 64-bit floating-point number cannot hold exactly");
        CHECK_STREQ(value_kind_name(VALUE_BLOB), "blob");
        CHECK_STREQ(value_kind_name(VALUE_NULL), "NULL");
}

/* Types only an existing PostgreSQL target has: time, interval, inet, cidr;
 * an enum's labels; NOT NULL. */
static void test_existing_target_types(void) {
        struct value out;
        struct col_spec tm = COL_SPEC(COL_TIME), iv = COL_SPEC(COL_INTERVAL), in = COL_SPEC(COL_INET),
                        cidr = COL_SPEC(COL_CIDR), t3 = COL_SPEC(COL_TIME);
        t3.precision = 3;
        static const struct { const char *in, *out; } times[] = {
                { "12:34", "12:34:00" }, { "12:34:56", "12:34:56" }, { "12:34:56.120000", "12:34:56.12" },
                { "00:00:00.000001", "00:00:00.000001" }, { "24:00:00", "24:00:00" },
                { "2000-01-01 08:00:00.5", "08:00:00.5" }, { "12:00:00.1234560", "12:00:00.123456" },
        };
        for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
                CHECK(conv(v_text(times[i].in), tm, &out) == 0 && out.kind == VALUE_TEXT);
                CHECK(out.n == strlen(times[i].out) && memcmp(out.s, times[i].out, out.n) == 0);
        }
        static const char *const bad_times[] = { "25:00", "24:00:01", "12:60", "1:00", "12:00:00.1234567", "12:00:",
                                                 "2024-03-05 12:00:00", "12:00:00+02", "" };
        for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
                CHECK(conv(v_text(bad_times[i]), tm, &out) == -EINVAL && why);
        CHECK(conv(v_int(43200), tm, &out) == -EINVAL);
        CHECK(conv(v_text("12:00:00.123"), t3, &out) == 0 && conv(v_text("12:00:00.1234"), t3, &out) == -EINVAL);

        CHECK(conv(v_int(90061000001), iv, &out) == 0 && out.kind == VALUE_INT && out.i == 90061000001);
        CHECK(conv(v_text("-42"), iv, &out) == 0 && out.i == -42);
        CHECK(conv(v_text("1970-01-02 01:00:00.000001"), iv, &out) == 0 && out.i == 90000000001);
        CHECK(conv(v_text("1969-12-31 23:59:59"), iv, &out) == 0 && out.i == -1000000);
        CHECK(conv(v_text("1 day"), iv, &out) == -EINVAL && conv(v_text("007"), iv, &out) == -EINVAL);
        CHECK(conv(v_text("1970-01-01 00:00:05+02:00"), iv, &out) == -EINVAL);
        CHECK(conv(v_real(1.5), iv, &out) == -EINVAL && conv(v_real(2.0), iv, &out) == 0 && out.i == 2);

        static const char *const good_ips[] = { "192.168.0.1", "2001:db8::1", "::ffff:1.2.3.4", "10.0.0.1/8", "::",
                                                "fe80::1:2" };
        for (size_t i = 0; i < sizeof(good_ips) / sizeof(good_ips[0]); i++)
                CHECK(conv(v_text(good_ips[i]), in, &out) == 0 && out.kind == VALUE_TEXT);
        static const char *const bad_ips[] = { "192.168.0.1/32", "2001:DB8::1", "2001:db8:0::1", "192.168.000.1",
                                               "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/08", "host", "", "1.2.3" };
        for (size_t i = 0; i < sizeof(bad_ips) / sizeof(bad_ips[0]); i++)
                CHECK(conv(v_text(bad_ips[i]), in, &out) == -EINVAL);
        CHECK(conv(v_text("10.0.0.0/8"), cidr, &out) == 0 && conv(v_text("2001:db8::/32"), cidr, &out) == 0);
        CHECK(conv(v_text("10.0.0.1/8"), cidr, &out) == -EINVAL && conv(v_text("10.0.0.0"), cidr, &out) == -EINVAL);
        struct ip_address a;
        CHECK(ip_parse("10.1.2.3/16", 11, &a) == 0 && a.family == 4 && a.bits == 16 && a.bytes[1] == 1);

        struct col_spec mac = COL_SPEC(COL_MACADDR);
        CHECK(conv(v_text("08:00:2b:01:02:03"), mac, &out) == 0 && out.kind == VALUE_TEXT);
        CHECK(conv(v_text("08:00:2B:01:02:03"), mac, &out) == -EINVAL && why && strstr(why, "'08:00:2b:01:02:03'"));
        CHECK(conv(v_text("0800.2b01.0203"), mac, &out) == -EINVAL && why && strstr(why, "'08:00:2b:01:02:03'"));
        CHECK(conv(v_text("08:00:2b:01:02:03:04"), mac, &out) == -EINVAL && why && strstr(why, "not a MAC"));
        CHECK(conv(v_text("abc def 0123456789"), mac, &out) == -EINVAL && why && strstr(why, "not a MAC"));
        CHECK(conv(v_text("08:00:2b:01:02"), mac, &out) == -EINVAL && why && strstr(why, "not a MAC"));

        static const char *const labels[] = { "USER", "ADMIN", NULL };
        struct col_spec e = COL_SPEC(COL_TEXT);
        e.labels = labels;
        e.own_name = "\"Role\"";
        CHECK(conv(v_text("ADMIN"), e, &out) == 0);
        CHECK(conv(v_text("admin"), e, &out) == -EINVAL && why && strstr(why, "'USER', 'ADMIN'"));
        CHECK(conv(v_int(1), e, &out) == -EINVAL);

        struct col_spec nn = COL_SPEC(COL_TEXT);
        nn.not_null = true;
        CHECK(conv(v_null, nn, &out) == -EINVAL && why && strstr(why, "NOT NULL"));
        CHECK(conv(v_null, COL_SPEC(COL_TEXT), &out) == 0 && out.kind == VALUE_NULL);
        CHECK_STREQ(logical_type_word(COL_TIME), "time of day");
        CHECK_STREQ(logical_type_word(_COL_TYPE_ALL), "?");
}

int main(void) {
        RUN(test_bigint);
        RUN(test_integer_and_smallint);
        RUN(test_boolean);
        RUN(test_double);
        RUN(test_double_from_text);
        RUN(test_float4);
        RUN(test_numeric);
        RUN(test_text);
        RUN(test_varchar_counts_characters);
        RUN(test_bytea);
        RUN(test_timestamp_from_text);
        RUN(test_timestamp_from_numbers);
        RUN(test_date);
        RUN(test_uuid);
        RUN(test_null_for_every_type);
        RUN(test_buffer_enobufs);
        RUN(test_buffer_grows_when_empty);
        RUN(test_equal);
        RUN(test_compare);
        RUN(test_compare_numeric);
        RUN(test_describe);
        RUN(test_describe_text);
        RUN(test_describe_cuts_long_values);
        RUN(test_describe_never_crashes);
        RUN(test_names);
        RUN(test_existing_target_types);
        value_buffer_done(&buf);
        free(why);
        TAP_END();
}
