/* Decimal text: canonical form, numeric(p,s) fitting, the shortest decimal
 * of a double, and PostgreSQL's binary numeric.  The expected bytes were
 * taken from numeric_send() on PostgreSQL 15. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "migrate/cleanup.h"
#include "migrate/numeric.h"
#include "tap.h"

/* The canonical form, or NULL when numeric_canonical() refuses it. */
static char *canon_n(const char *s, size_t n) {
        struct strbuf b = {};
        if (numeric_canonical(s, n, &b) < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

static char *canon(const char *s) {
        return canon_n(s, strlen(s));
}

#define CANON(s, want)                                          \
        do {                                                    \
                _cleanup_free_ char *_c = canon(s);             \
                CHECK_STREQ(_c, want);                          \
        } while (0)

#define CANON_REJECTS(s)                                                                     \
        do {                                                                                 \
                struct strbuf _b = {};                                                       \
                int _r = numeric_canonical(s, strlen(s), &_b);                               \
                if (_r != -EINVAL) {                                                         \
                        printf("# line %d: \"%s\" gave %d \"%s\"\n", __LINE__, s, _r,        \
                               _b.data ? _b.data : "");                                      \
                        tap_case_failed = true;                                              \
                }                                                                            \
                strbuf_done(&_b);                                                            \
        } while (0)

static void test_canonical(void) {
        CANON("0", "0");
        CANON("-0", "0");
        CANON("+0", "0");
        CANON("000", "0");
        CANON("007", "7");
        CANON("-007", "-7");
        CANON("+42", "42");
        CANON("1.50", "1.50");
        CANON("-1.50", "-1.50");
        CANON(".5", "0.5");
        CANON("-.5", "-0.5");
        CANON("5.", "5");
        CANON("0.000", "0.000");
        CANON("-0.000", "0.000");
        CANON("00.0100", "0.0100");
        CANON("123456789012345678901234567890", "123456789012345678901234567890");
}

static void test_canonical_exponent(void) {
        CANON("1e3", "1000");
        CANON("1E3", "1000");
        CANON("1e+3", "1000");
        CANON("1e0", "1");
        CANON("1.5E-3", "0.0015");
        CANON("-2.50e+2", "-250");
        CANON("-2.505e+2", "-250.5");
        CANON("2.5e-1", "0.25");
        CANON("12.34e1", "123.4");
        CANON("0e5", "0");
        CANON("-0e-2", "0.00");
        CANON(".1e1", "1");
        CANON("5.e-1", "0.5");
        CANON("100e-2", "1.00");
}

static void test_canonical_special(void) {
        CANON("NaN", "NaN");
        CANON("nan", "NaN");
        CANON("NAN", "NaN");
        CANON("inf", "Infinity");
        CANON("+inf", "Infinity");
        CANON("-inf", "-Infinity");
        CANON("Infinity", "Infinity");
        CANON("-Infinity", "-Infinity");
        CANON("-INFINITY", "-Infinity");
        CANON("+infinity", "Infinity");
}

static void test_canonical_rejects(void) {
        CANON_REJECTS("");
        CANON_REJECTS("-");
        CANON_REJECTS("+");
        CANON_REJECTS(".");
        CANON_REJECTS("-.");
        CANON_REJECTS("1e");
        CANON_REJECTS("1e+");
        CANON_REJECTS("e5");
        CANON_REJECTS(".e5");
        CANON_REJECTS("abc");
        CANON_REJECTS("1.2.3");
        CANON_REJECTS(" 1");
        CANON_REJECTS("1 ");
        CANON_REJECTS("1,5");
        CANON_REJECTS("0x10");
        CANON_REJECTS("--1");
        CANON_REJECTS("1e5.5");
        CANON_REJECTS("infinit");
        CANON_REJECTS("-nan");
        CANON_REJECTS("1e999999999");
        /* A NUL byte inside the counted string is not the end. */
        CHECK(!canon_n("1\0" "2", 3));
        /* ... and the count is the end: "12" of "123". */
        _cleanup_free_ char *c = canon_n("123", 2);
        CHECK_STREQ(c, "12");
}

static void test_canonical_large_exponent(void) {
        _cleanup_free_ char *big = canon("1e100");
        CHECK(big && strlen(big) == 101 && big[0] == '1' && strspn(big + 1, "0") == 100);
        _cleanup_free_ char *small = canon("-1e-100");
        CHECK(small && strlen(small) == 103 && !strncmp(small, "-0.", 3) && strspn(small + 3, "0") == 99 &&
              small[102] == '1');
}

/* numeric_fit: fitted text, or NULL with the reason in *why. */
static char *fit(const char *c, int p, int s, int *ret_r, const char **why) {
        struct strbuf b = {};
        *why = NULL;
        *ret_r = numeric_fit(c, p, s, &b, why);
        if (*ret_r < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

#define FITS(c, p, s, want)                                                    \
        do {                                                                   \
                int _r;                                                        \
                const char *_why;                                              \
                _cleanup_free_ char *_f = fit(c, p, s, &_r, &_why);            \
                if (_r != 0)                                                   \
                        printf("# line %d: %s in numeric(%d,%d): %s\n", __LINE__, c, p, s, _why); \
                CHECK_STREQ(_f, want);                                         \
        } while (0)

#define FIT_REJECTS(c, p, s, needle)                                           \
        do {                                                                   \
                int _r;                                                        \
                const char *_why;                                              \
                _cleanup_free_ char *_f = fit(c, p, s, &_r, &_why);            \
                if (_r != -ERANGE)                                             \
                        printf("# line %d: %s in numeric(%d,%d) gave \"%s\"\n", __LINE__, c, p, s, _f); \
                CHECK(_r == -ERANGE);                                          \
                CHECK_CONTAINS(_why, needle);                                  \
        } while (0)

static void test_fit_numeric_5_2(void) {
        FITS("1.5", 5, 2, "1.50");
        FITS("0.01", 5, 2, "0.01");
        FITS("0", 5, 2, "0.00");
        FITS("123.450", 5, 2, "123.45");
        FITS("123.45000", 5, 2, "123.45");
        FITS("999.99", 5, 2, "999.99");
        FITS("-999.99", 5, 2, "-999.99");
        FITS("-1", 5, 2, "-1.00");
        FITS("0.10", 5, 2, "0.10");
        FIT_REJECTS("123.456", 5, 2, "scale");
        FIT_REJECTS("0.001", 5, 2, "scale");
        FIT_REJECTS("-0.005", 5, 2, "scale");
        FIT_REJECTS("1234.5", 5, 2, "precision");
        FIT_REJECTS("1000", 5, 2, "precision");
        FIT_REJECTS("-1000.00", 5, 2, "precision");
}

static void test_fit_scale_zero(void) {
        FITS("12345", 5, 0, "12345");
        FITS("-12345", 5, 0, "-12345");
        FITS("1.0", 5, 0, "1");
        FITS("0", 5, 0, "0");
        FIT_REJECTS("123456", 5, 0, "precision");
        FIT_REJECTS("1.5", 5, 0, "scale");
}

static void test_fit_scale_above_precision(void) {
        /* PostgreSQL 15 allows numeric(3,5): values below 10^-2 in magnitude. */
        FITS("0.001", 3, 5, "0.00100");
        FITS("0.00123", 3, 5, "0.00123");
        FITS("-0.00999", 3, 5, "-0.00999");
        FITS("0", 3, 5, "0.00000");
        FIT_REJECTS("0.0123", 3, 5, "precision");
        FIT_REJECTS("0.01", 3, 5, "precision");
        FIT_REJECTS("1", 3, 5, "precision");
}

static void test_fit_unconstrained(void) {
        FITS("123.4500", -1, -1, "123.4500");
        FITS("-0.000100", -1, -1, "-0.000100");
        FITS("123456789012345678901234567890.123", -1, -1, "123456789012345678901234567890.123");
        FITS("0", -1, -1, "0");
        FITS("NaN", -1, -1, "NaN");
        FITS("Infinity", -1, -1, "Infinity");
        FITS("-Infinity", -1, -1, "-Infinity");
}

static void test_fit_special(void) {
        /* NaN fits any numeric; infinity only an unconstrained one. */
        FITS("NaN", 5, 2, "NaN");
        FIT_REJECTS("Infinity", 5, 2, "infinity");
        FIT_REJECTS("-Infinity", 5, 2, "infinity");
}

static char *from_double(double d) {
        struct strbuf b = {};
        if (numeric_from_double(d, &b) < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

#define FROM_DOUBLE(d, want)                                    \
        do {                                                    \
                _cleanup_free_ char *_s = from_double(d);       \
                CHECK_STREQ(_s, want);                          \
        } while (0)

static void test_from_double(void) {
        FROM_DOUBLE(0.1, "0.1");
        FROM_DOUBLE(0.1 + 0.2, "0.30000000000000004");
        FROM_DOUBLE(1.5, "1.5");
        FROM_DOUBLE(-2.5e-5, "-0.000025");
        FROM_DOUBLE(1e20, "100000000000000000000");
        FROM_DOUBLE(1e21, "1000000000000000000000");
        FROM_DOUBLE(123456789012345678.0, "123456789012345680");
        FROM_DOUBLE(9007199254740992.0, "9007199254740992");
        FROM_DOUBLE(9007199254740993.0, "9007199254740992");
        FROM_DOUBLE(0.0, "0");
        /* numeric has no negative zero. */
        FROM_DOUBLE(-0.0, "0");
        FROM_DOUBLE(3.0, "3");
        FROM_DOUBLE(-1.0, "-1");
        FROM_DOUBLE(NAN, "NaN");
        FROM_DOUBLE(INFINITY, "Infinity");
        FROM_DOUBLE(-INFINITY, "-Infinity");
        FROM_DOUBLE(1.0 / 3.0, "0.3333333333333333");
        FROM_DOUBLE(2.0 / 3.0, "0.6666666666666666");
}

static void test_from_double_extremes(void) {
        /* The smallest subnormal: "0." then 323 zeros then 5. */
        _cleanup_free_ char *tiny = from_double(5e-324);
        CHECK(tiny && strlen(tiny) == 2 + 324 && !strncmp(tiny, "0.", 2) && strspn(tiny + 2, "0") == 323 &&
              tiny[325] == '5');
        /* DBL_MAX is 1.7976931348623157e308: 309 integer digits. */
        _cleanup_free_ char *max = from_double(DBL_MAX);
        CHECK(max && strlen(max) == 309 && !strncmp(max, "17976931348623157", 17) && strspn(max + 17, "0") == 292);
        _cleanup_free_ char *min = from_double(-DBL_MAX);
        CHECK(min && min[0] == '-' && !strcmp(min + 1, max ? max : ""));
        /* DBL_MIN = 2.2250738585072014e-308. */
        _cleanup_free_ char *dmin = from_double(DBL_MIN);
        CHECK(dmin && strlen(dmin) == 2 + 307 + 17 && strspn(dmin + 2, "0") == 307 &&
              !strcmp(dmin + 309, "22250738585072014"));
}

static void test_from_double_round_trips(void) {
        /* Reads back exactly, and no shorter decimal would: checked on a
         * spread of bit patterns (a fixed LCG, so the run is repeatable). */
        uint64_t x = 0x9e3779b97f4a7c15u;
        int bad = 0;
        for (int i = 0; i < 20000; i++) {
                x = x * 6364136223846793005u + 1442695040888963407u;
                double d;
                memcpy(&d, &x, sizeof(d));
                if (!isfinite(d))
                        continue;
                _cleanup_free_ char *s = from_double(d);
                if (!s || strtod(s, NULL) != d) {
                        if (bad++ < 5)
                                printf("# %a -> %s\n", d, s ? s : "(null)");
                        continue;
                }
                /* Significant digits: all digits without sign, point and
                 * leading/trailing zeros. */
                size_t sig = 0, lead = 1, zeros = 0;
                for (const char *p = s; *p; p++) {
                        if (*p < '0' || *p > '9')
                                continue;
                        if (lead && *p == '0')
                                continue;
                        lead = 0;
                        sig++;
                        zeros = *p == '0' ? zeros + 1 : 0;
                }
                sig -= zeros;
                char shorter[400];
                if (sig > 1) {
                        snprintf(shorter, sizeof(shorter), "%.*g", (int) sig - 1, d);
                        if (strtod(shorter, NULL) == d && bad++ < 5)
                                printf("# %a: %s is not the shortest (%s)\n", d, s, shorter);
                }
        }
        CHECK(bad == 0);
}

static void test_equal(void) {
#define EQ(a, b) numeric_equal(a, strlen(a), b, strlen(b))
        CHECK(EQ("1.50", "1.5"));
        CHECK(EQ("1.5", "1.50"));
        CHECK(EQ("0", "0.000"));
        CHECK(EQ("10.0", "10"));
        CHECK(EQ("100", "100.00"));
        CHECK(EQ("-2.500", "-2.5"));
        CHECK(EQ("NaN", "NaN"));
        CHECK(EQ("Infinity", "Infinity"));
        CHECK(EQ("-0.0", "0"));
        CHECK(!EQ("100", "1"));
        CHECK(!EQ("10", "1"));
        CHECK(!EQ("1", "-1"));
        CHECK(!EQ("1.05", "1.5"));
        CHECK(!EQ("100", "10.0"));
        CHECK(!EQ("Infinity", "-Infinity"));
        CHECK(!EQ("NaN", "0"));
        CHECK(!EQ("0.001", "0"));
#undef EQ
}

/* numeric_to_pg_binary of canonical text equals "want" (len bytes). */
#define PG_BINARY(c, ...)                                                                         \
        do {                                                                                      \
                static const unsigned char _want[] = { __VA_ARGS__ };                             \
                _cleanup_strbuf_ struct strbuf _b = {};                                           \
                int _r = numeric_to_pg_binary(c, strlen(c), &_b);                                 \
                if (_r < 0 || _b.len != sizeof(_want) || memcmp(_b.data, _want, sizeof(_want))) { \
                        printf("# line %d: %s ->", __LINE__, c);                                  \
                        for (size_t _i = 0; _i < _b.len; _i++)                                    \
                                printf(" %02x", (unsigned char) _b.data[_i]);                     \
                        printf(" (r=%d)\n", _r);                                                  \
                        tap_case_failed = true;                                                   \
                }                                                                                 \
        } while (0)

static void test_pg_binary(void) {
        /* ndigits, weight, sign, dscale, then base-10000 digits; big-endian int16. */
        PG_BINARY("0", 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
        PG_BINARY("0.00", 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02);
        PG_BINARY("1", 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
        PG_BINARY("-1", 0x00, 0x01, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x01);
        PG_BINARY("10000", 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01);
        PG_BINARY("12345.678", 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x09, 0x29, 0x1a, 0x7c);
        PG_BINARY("0.0001", 0x00, 0x01, 0xff, 0xff, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01);
        PG_BINARY("-0.5", 0x00, 0x01, 0xff, 0xff, 0x40, 0x00, 0x00, 0x01, 0x13, 0x88);
        PG_BINARY("1.50", 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x13, 0x88);
        PG_BINARY("123456789.000100", 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x00, 0x01, 0x09, 0x29, 0x1a,
                  0x85, 0x00, 0x01);
        PG_BINARY("-0.00012", 0x00, 0x02, 0xff, 0xff, 0x40, 0x00, 0x00, 0x05, 0x00, 0x01, 0x07, 0xd0);
        PG_BINARY("99999999", 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x27, 0x0f, 0x27, 0x0f);
        /* Zero groups between non-zero ones stay: 1 0000 0000 0001. */
        PG_BINARY("1000000000001", 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                  0x00, 0x00, 0x01);
}

static void test_pg_binary_special(void) {
        PG_BINARY("NaN", 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00);
        /* PostgreSQL's own numeric_send() shows dscale 32 for infinity (an
         * artifact of its short header); numeric_recv() ignores the dscale
         * of special values, so 0 is equally valid. */
        PG_BINARY("Infinity", 0x00, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x00, 0x00);
        PG_BINARY("-Infinity", 0x00, 0x00, 0x00, 0x00, 0xf0, 0x00, 0x00, 0x00);
}

static void test_pg_binary_limits(void) {
        /* PostgreSQL keeps at most 16383 fraction digits (the dscale field
         * has 14 bits) and numeric_recv() silently drops digits a smaller
         * dscale hides: a dscale that does not fit must be refused, not
         * wrapped. */
        _cleanup_free_ char *ok = malloc(2 + 16383 + 1), *wrap = malloc(2 + 65537 + 1);
        CHECK(ok && wrap);
        if (!ok || !wrap)
                return;
        memcpy(ok, "0.", 2);
        memset(ok + 2, '0', 16383);
        ok[2 + 16382] = '7';
        ok[2 + 16383] = '\0';
        _cleanup_strbuf_ struct strbuf b = {};
        CHECK(numeric_to_pg_binary(ok, strlen(ok), &b) == 0);
        CHECK(b.len == 10 && (unsigned char) b.data[6] == 0x3f && (unsigned char) b.data[7] == 0xff);

        memcpy(wrap, "0.", 2);
        memset(wrap + 2, '0', 65537);
        wrap[2 + 65536] = '1';
        wrap[2 + 65537] = '\0';
        _cleanup_strbuf_ struct strbuf w = {};
        CHECK(numeric_to_pg_binary(wrap, strlen(wrap), &w) == -ERANGE);

        /* The weight is an int16: 10^131071 has weight 32767, 10^131072 would wrap. */
        _cleanup_free_ char *big = malloc(131073 + 1);
        CHECK(big);
        if (!big)
                return;
        big[0] = '1';
        memset(big + 1, '0', 131072);
        big[131073] = '\0';
        _cleanup_strbuf_ struct strbuf x = {}, y = {};
        CHECK(numeric_to_pg_binary(big, 131072, &x) == 0);
        CHECK(x.len == 10 && (unsigned char) x.data[2] == 0x7f && (unsigned char) x.data[3] == 0xff);
        CHECK(numeric_to_pg_binary(big, 131073, &y) == -ERANGE);
}

int main(void) {
        RUN(test_canonical);
        RUN(test_canonical_exponent);
        RUN(test_canonical_special);
        RUN(test_canonical_rejects);
        RUN(test_canonical_large_exponent);
        RUN(test_fit_numeric_5_2);
        RUN(test_fit_scale_zero);
        RUN(test_fit_scale_above_precision);
        RUN(test_fit_unconstrained);
        RUN(test_fit_special);
        RUN(test_from_double);
        RUN(test_from_double_extremes);
        RUN(test_from_double_round_trips);
        RUN(test_equal);
        RUN(test_pg_binary);
        RUN(test_pg_binary_special);
        RUN(test_pg_binary_limits);
        TAP_END();
}
