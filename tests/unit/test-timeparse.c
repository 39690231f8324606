/* Date/time text forms -> microseconds, civil date math and formatting.
 * Expected values come from PostgreSQL 15 (extract(epoch from ...)), not
 * from the code under test. */
#include <errno.h>
#include <stdint.h>

#include "migrate/timeparse.h"
#include "tap.h"

#define S INT64_C(1000000)
/* 2024-03-05 00:00:00 UTC and 2024-03-05 14:22:01 UTC, in seconds. */
#define DAY_20240305 INT64_C(1709596800)
#define T_20240305_142201 INT64_C(1709648521)

static int parse(const char *s, struct parsed_time *t, const char **reason) {
        *reason = NULL;
        return time_parse(s, strlen(s), t, reason);
}

/* Accepted, with micros (as written, offset not applied) and offset. */
#define ACCEPTS(s, want_micros, want_offset) accepts(__LINE__, s, want_micros, want_offset)
static struct parsed_time accepts(int line, const char *s, int64_t want_micros, int want_offset) {
        struct parsed_time t;
        const char *reason;
        int r = parse(s, &t, &reason);
        if (r != 0 || t.micros != want_micros || t.offset_seconds != want_offset) {
                printf("# line %d: \"%s\": r=%d micros=%lld offset=%d (%s); want micros=%lld offset=%d\n", line, s, r,
                       (long long) t.micros, t.offset_seconds, reason ? reason : "-", (long long) want_micros,
                       want_offset);
                tap_case_failed = true;
        }
        return t;
}

/* Rejected with -EINVAL and a reason containing "needle". */
#define REJECTS(s, needle) rejects(__LINE__, s, needle)
static void rejects(int line, const char *s, const char *needle) {
        struct parsed_time t;
        const char *reason;
        int r = parse(s, &t, &reason);
        if (r != -EINVAL || !reason || !strstr(reason, needle)) {
                printf("# line %d: \"%s\": r=%d reason=\"%s\"; want -EINVAL with \"%s\"\n", line, s, r,
                       reason ? reason : "(null)", needle);
                tap_case_failed = true;
        }
}

static void test_date_only(void) {
        struct parsed_time t = ACCEPTS("2024-03-05", DAY_20240305 * S, 0);
        CHECK(!t.has_time);
        CHECK(!t.has_offset);
        ACCEPTS("1970-01-01", 0, 0);
        ACCEPTS("1969-12-31", -86400 * S, 0);
}

static void test_date_and_time(void) {
        struct parsed_time t = ACCEPTS("2024-03-05 14:22", (T_20240305_142201 - 1) * S, 0);
        CHECK(t.has_time);
        CHECK(!t.has_offset);
        ACCEPTS("2024-03-05 14:22:01", T_20240305_142201 * S, 0);
        ACCEPTS("2024-03-05T14:22:01", T_20240305_142201 * S, 0);
        ACCEPTS("2024-03-05t14:22:01", T_20240305_142201 * S, 0);
        ACCEPTS("2024-03-05 00:00:00", DAY_20240305 * S, 0);
        ACCEPTS("2024-03-05 23:59:59", (DAY_20240305 + 86399) * S, 0);
}

static void test_fraction_digits(void) {
        const int64_t base = T_20240305_142201 * S;
        ACCEPTS("2024-03-05 14:22:01.1", base + 100000, 0);
        ACCEPTS("2024-03-05 14:22:01.12", base + 120000, 0);
        ACCEPTS("2024-03-05 14:22:01.123", base + 123000, 0);
        ACCEPTS("2024-03-05 14:22:01.1234", base + 123400, 0);
        ACCEPTS("2024-03-05 14:22:01.12345", base + 123450, 0);
        ACCEPTS("2024-03-05 14:22:01.123456", base + 123456, 0);
        /* Digits past the microsecond are fine as long as they are zero. */
        ACCEPTS("2024-03-05 14:22:01.1234560", base + 123456, 0);
        ACCEPTS("2024-03-05 14:22:01.12345600", base + 123456, 0);
        ACCEPTS("2024-03-05 14:22:01.123456000", base + 123456, 0);
        ACCEPTS("2024-03-05 14:22:01.000001", base + 1, 0);
        ACCEPTS("2024-03-05 14:22:01.000000000", base, 0);
        ACCEPTS("2024-03-05T14:22:01.5Z", base + 500000, 0);
}

static void test_offsets_reported_not_applied(void) {
        const int64_t base = T_20240305_142201 * S;
        struct parsed_time t = ACCEPTS("2024-03-05T14:22:01Z", base, 0);
        CHECK(t.has_offset);
        t = ACCEPTS("2024-03-05T14:22:01z", base, 0);
        CHECK(t.has_offset);
        t = ACCEPTS("2024-03-05 14:22:01+02:00", base, 7200);
        CHECK(t.has_offset);
        ACCEPTS("2024-03-05 14:22:01+0200", base, 7200);
        ACCEPTS("2024-03-05 14:22:01+02", base, 7200);
        ACCEPTS("2024-03-05 14:22:01-05:30", base, -19800);
        ACCEPTS("2024-03-05 14:22:01-0530", base, -19800);
        ACCEPTS("2024-03-05 14:22:01+00:00", base, 0);
        ACCEPTS("2024-03-05 14:22:01.123456+02:00", base + 123456, 7200);
        ACCEPTS("2024-03-05 14:22:01+14:00", base, 50400);
        ACCEPTS("2024-03-05 14:22-08:00", base - S, -28800);
}

static void test_go_time_string(void) {
        /* time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
        const int64_t base = T_20240305_142201 * S;
        struct parsed_time t = ACCEPTS("2024-03-05 14:22:01 +0200 CEST", base, 7200);
        CHECK(t.has_offset);
        t = ACCEPTS("2024-03-05 14:22:01 +0000 UTC", base, 0);
        CHECK(t.has_offset);
        ACCEPTS("2024-03-05 14:22:01.123456 -0500 EST", base + 123456, -18000);
        /* Zones whose tzdata abbreviation is numeric (Asia/Dubai, America/Sao_Paulo). */
        ACCEPTS("2024-03-05 14:22:01 +0400 +04", base, 14400);
        ACCEPTS("2024-03-05 14:22:01 -0300 -03", base, -10800);
        /* mattn/go-sqlite3 writes "2006-01-02 15:04:05.999999999-07:00". */
        ACCEPTS("2024-03-05 14:22:01.5+02:00", base + 500000, 7200);
        REJECTS("2024-03-05 14:22:01 +0200 ", "after the time zone offset");
        REJECTS("2024-03-05 14:22:01 +0200 CEST extra", "unexpected text");
}

static void test_infinity(void) {
        struct parsed_time t = ACCEPTS("infinity", TIME_INFINITY, 0);
        CHECK(!t.has_offset);
        ACCEPTS("Infinity", TIME_INFINITY, 0);
        ACCEPTS("+infinity", TIME_INFINITY, 0);
        ACCEPTS("-infinity", TIME_MINUS_INFINITY, 0);
        ACCEPTS("-INFINITY", TIME_MINUS_INFINITY, 0);
        REJECTS("infinityx", "not a date");
        REJECTS("inf", "not a date");
}

static void test_leap_days(void) {
        ACCEPTS("2024-02-29", INT64_C(1709164800) * S, 0);
        ACCEPTS("2000-02-29", INT64_C(951782400) * S, 0);
        REJECTS("2023-02-29", "not a valid calendar date");
        REJECTS("1900-02-29", "not a valid calendar date");
        REJECTS("2100-02-29", "not a valid calendar date");
        ACCEPTS("2023-02-28", INT64_C(1677542400) * S, 0);
        ACCEPTS("2024-12-31", INT64_C(1735603200) * S, 0);
        REJECTS("2024-04-31", "not a valid calendar date");
        REJECTS("2024-01-32", "not a valid calendar date");
        REJECTS("2024-01-00", "not a valid calendar date");
        REJECTS("2024-00-10", "not a valid calendar date");
        REJECTS("2024-13-01", "not a valid calendar date");
}

static void test_rejections(void) {
        REJECTS("2024-03-05 14:22:01.1234567", "more than microsecond precision");
        REJECTS("2024-03-05 14:22:01.000000001", "more than microsecond precision");
        REJECTS("2024-03-05 24:00", "out of range");
        REJECTS("2024-03-05 24:00:00", "out of range");
        REJECTS("2024-03-05 23:60", "out of range");
        REJECTS("2024-03-05 23:59:60", "out of range");
        REJECTS("2024-03-05 14:22:01.", "has no digits");
        REJECTS("2024-03-05 14:22:01.Z", "has no digits");
        REJECTS("garbage", "not a date or time");
        REJECTS("", "not a date or time");
        REJECTS("2024-3-5", "not a date or time");
        REJECTS("24-03-05", "not a date or time");
        REJECTS("2024/03/05", "not a date or time");
        REJECTS("12345-01-01", "not a date or time");
        REJECTS("2024-03-05x", "unexpected text");
        REJECTS("2024-03-05 14:22:01 ", "unexpected text");
        REJECTS("2024-03-05 14:22:01abc", "unexpected text");
        REJECTS("2024-03-05 ", "not HH:MM");
        REJECTS("2024-03-05T", "not HH:MM");
        REJECTS("2024-03-05 14", "not HH:MM");
        REJECTS("2024-03-05 1:22", "not HH:MM");
        REJECTS("2024-03-05 14:2", "not HH:MM");
        REJECTS("2024-03-05 14:22:1", "seconds are not two digits");
        REJECTS("2024-03-05 14:22:01+2", "offset is not");
        REJECTS("2024-03-05 14:22:01+", "offset is not");
        REJECTS("2024-03-05 14:22:01+02:0", "offset is not");
        REJECTS("2024-03-05 14:22:01+020", "offset is not");
        REJECTS("2024-03-05 14:22:01+02:", "offset is not");
        REJECTS("2024-03-05 14:22:01+02:00:00", "unexpected text");
        REJECTS("2024-03-05 14:22:01+16:00", "out of range");
        REJECTS("2024-03-05 14:22:01+02:60", "out of range");
        REJECTS("2024-03-05 14:22:01ZZ", "unexpected text");
}

static void test_length_is_respected(void) {
        /* The input is a counted string, not NUL-terminated. */
        struct parsed_time t;
        const char *reason = NULL;
        CHECK(time_parse("2024-03-05 14:22:01", 10, &t, &reason) == 0);
        CHECK(t.micros == DAY_20240305 * S);
        CHECK(!t.has_time);
        CHECK(time_parse("2024-03-05 14:22:01.5", 19, &t, &reason) == 0);
        CHECK(t.micros == T_20240305_142201 * S);
        CHECK(time_parse("infinity!", 8, &t, &reason) == 0);
        CHECK(t.micros == TIME_INFINITY);
        CHECK(time_parse("2024-03-05", 9, &t, &reason) == -EINVAL);
        CHECK(time_parse("2024-03-05 14:22:01+02:00", 23, &t, &reason) == -EINVAL);
}

static void test_extreme_years(void) {
        ACCEPTS("1900-01-01", INT64_C(-2208988800) * S, 0);
        ACCEPTS("0001-01-01 00:00:00", INT64_C(-62135596800) * S, 0);
        ACCEPTS("9999-12-31 23:59:59.999999", INT64_C(253402300799999999), 0);
        ACCEPTS("1969-12-31 23:59:59.5", -500000, 0);
        ACCEPTS("1969-12-31 23:59:59.999999", -1, 0);
        ACCEPTS("1600-02-29", INT64_C(-11670998400) * S, 0);
}

static void test_civil_anchors(void) {
        CHECK(days_from_civil(1970, 1, 1) == 0);
        CHECK(days_from_civil(1969, 12, 31) == -1);
        CHECK(days_from_civil(2000, 3, 1) == 11017);
        CHECK(days_from_civil(2024, 3, 5) == 19787);
        CHECK(days_from_civil(1, 1, 1) == -719162);
        CHECK(days_from_civil(0, 3, 1) == -719468);
        CHECK(days_from_civil(0, 1, 1) == -719528);
        CHECK(days_from_civil(9999, 12, 31) == 2932896);

        int64_t y;
        unsigned m, d;
        civil_from_days(-719162, &y, &m, &d);
        CHECK(y == 1 && m == 1 && d == 1);
        civil_from_days(-1, &y, &m, &d);
        CHECK(y == 1969 && m == 12 && d == 31);
        civil_from_days(11016, &y, &m, &d);
        CHECK(y == 2000 && m == 2 && d == 29);
}

static bool leap(int64_t y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void test_civil_round_trip(void) {
        /* Walk day by day from 1 Jan 4800 BC (astronomical -4799) to 31 Dec
         * 12000: each day is the previous one plus one, and maps back. */
        static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        int64_t y = -4799;
        unsigned m = 1, d = 1;
        int64_t first = days_from_civil(y, m, d), failures = 0;
        for (int64_t z = first; !(y == 12000 && m == 12 && d == 31); z++) {
                int64_t cy;
                unsigned cm, cd;
                civil_from_days(z, &cy, &cm, &cd);
                if (cy != y || cm != m || cd != d || days_from_civil(y, m, d) != z) {
                        if (failures++ < 5)
                                printf("# day %lld: expected %lld-%u-%u, got %lld-%u-%u\n", (long long) z, (long long) y,
                                       m, d, (long long) cy, cm, cd);
                        tap_case_failed = true;
                }
                if (++d > mdays[m - 1] + (m == 2 && leap(y))) {
                        d = 1;
                        if (++m > 12) {
                                m = 1;
                                y++;
                        }
                }
        }
        CHECK(failures == 0);
        /* The number of days between the ends matches the Gregorian cycle:
         * 146097 days every 400 years. */
        CHECK(days_from_civil(2400, 1, 1) - days_from_civil(2000, 1, 1) == 146097);
        CHECK(days_from_civil(-400, 1, 1) - days_from_civil(-800, 1, 1) == 146097);
}

static void check_format(int line, int64_t micros, const char *want) {
        char buf[64];
        int n = time_format(micros, buf, sizeof(buf));
        if (n != (int) strlen(want) || strcmp(buf, want) != 0) {
                printf("# line %d: time_format(%lld) = \"%s\" (%d), want \"%s\"\n", line, (long long) micros, buf, n,
                       want);
                tap_case_failed = true;
        }
}
#define FORMATS(micros, want) check_format(__LINE__, micros, want)

static void test_format(void) {
        FORMATS(0, "1970-01-01 00:00:00");
        FORMATS(T_20240305_142201 * S, "2024-03-05 14:22:01");
        /* The fraction shows only the digits it needs. */
        FORMATS(T_20240305_142201 * S + 500000, "2024-03-05 14:22:01.5");
        FORMATS(T_20240305_142201 * S + 120000, "2024-03-05 14:22:01.12");
        FORMATS(T_20240305_142201 * S + 123456, "2024-03-05 14:22:01.123456");
        FORMATS(T_20240305_142201 * S + 1, "2024-03-05 14:22:01.000001");
        FORMATS(T_20240305_142201 * S + 100, "2024-03-05 14:22:01.0001");
        /* Before 1970 the micros are negative; the fraction still counts up. */
        FORMATS(-1, "1969-12-31 23:59:59.999999");
        FORMATS(-500000, "1969-12-31 23:59:59.5");
        FORMATS(-S, "1969-12-31 23:59:59");
        FORMATS(-86400 * S, "1969-12-31 00:00:00");
        FORMATS(INT64_C(-2208988800) * S, "1900-01-01 00:00:00");
        FORMATS(INT64_C(-62135596800) * S, "0001-01-01 00:00:00");
        FORMATS(INT64_C(253402300799999999), "9999-12-31 23:59:59.999999");
        FORMATS(TIME_INFINITY, "infinity");
        FORMATS(TIME_MINUS_INFINITY, "-infinity");
}

static void test_format_parse_round_trip(void) {
        /* Whatever time_format writes, time_parse reads back to the same micros. */
        const int64_t samples[] = { 0,
                                    1,
                                    -1,
                                    999999,
                                    T_20240305_142201 * S + 123456,
                                    INT64_C(-62135596800) * S,
                                    INT64_C(253402300799999999),
                                    INT64_C(-2208988800) * S + 7,
                                    INT64_C(951782400) * S + 86399 * S };
        for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
                char buf[64];
                struct parsed_time t;
                const char *reason;
                time_format(samples[i], buf, sizeof(buf));
                CHECK(parse(buf, &t, &reason) == 0);
                CHECK(t.micros == samples[i]);
        }
}

static void test_format_small_buffer(void) {
        /* snprintf semantics: cut and NUL-terminated, never overrun. */
        char buf[11];
        memset(buf, 'X', sizeof(buf));
        time_format(T_20240305_142201 * S + 5, buf, sizeof(buf));
        CHECK_STREQ(buf, "2024-03-05");
}

/* PostgreSQL's own output: " BC" years (1 BC is the year 0) and years past
 * 9999.  Expected values from PostgreSQL 15: extract(epoch from ...),
 * to_timestamp(1700000000000), date '0001-01-01 BC' - date '1970-01-01'. */
static void test_server_output(void) {
        struct parsed_time t;
        const char *reason;
        static const char bc[] = "0001-06-15 12:00:00+00 BC";
        CHECK(time_parse_server(bc, strlen(bc), &t, &reason) == 0);
        CHECK(time_utc(&t) == INT64_C(-62152833600) * S);
        static const char bc_date[] = "0001-01-01 BC";
        CHECK(time_parse_server(bc_date, strlen(bc_date), &t, &reason) == 0);
        CHECK(t.micros == INT64_C(-719528) * 86400 * S);
        static const char bc2[] = "0044-03-15 00:00:00+00 BC";
        CHECK(time_parse_server(bc2, strlen(bc2), &t, &reason) == 0);
        CHECK(time_utc(&t) == INT64_C(-63517824000) * S);
        static const char far[] = "55840-11-08 22:13:20+00";
        CHECK(time_parse_server(far, strlen(far), &t, &reason) == 0);
        CHECK(time_utc(&t) == INT64_C(1700000000000) * S);
        /* Source text is not PostgreSQL's output: neither form is read there. */
        CHECK(time_parse(bc, strlen(bc), &t, &reason) == -EINVAL);
        CHECK(time_parse(far, strlen(far), &t, &reason) == -EINVAL);
}

static void test_format_bc(void) {
        FORMATS(INT64_C(-62152833600) * S, "0001-06-15 12:00:00 BC");
        FORMATS(INT64_C(-719528) * 86400 * S, "0001-01-01 00:00:00 BC");
        FORMATS(INT64_C(-719528) * 86400 * S - S, "0002-12-31 23:59:59 BC");
}

/* The four-digit astronomical form a SQLite target gets: 1 BC is 0000,
 * and what it cannot write (before 0000, after 9999, infinities) is
 * -ERANGE; whatever it writes, time_parse reads back. */
static void test_format_iso(void) {
        char buf[64];
        CHECK(time_format_iso(INT64_C(-62152833600) * S + 500000, false, buf, sizeof(buf)) > 0);
        CHECK_STREQ(buf, "0000-06-15 12:00:00.5");
        CHECK(time_format_iso(TIME_ISO_MIN, true, buf, sizeof(buf)) == 10);
        CHECK_STREQ(buf, "0000-01-01");
        CHECK(time_format_iso(TIME_ISO_END - 1, false, buf, sizeof(buf)) > 0);
        CHECK_STREQ(buf, "9999-12-31 23:59:59.999999");
        CHECK(time_format_iso(T_20240305_142201 * S, true, buf, sizeof(buf)) == 10);
        CHECK_STREQ(buf, "2024-03-05");
        CHECK(time_format_iso(TIME_ISO_MIN - 1, false, buf, sizeof(buf)) == -ERANGE);
        CHECK(time_format_iso(TIME_ISO_END, false, buf, sizeof(buf)) == -ERANGE);
        CHECK(time_format_iso(TIME_INFINITY, false, buf, sizeof(buf)) == -ERANGE);
        CHECK(time_format_iso(TIME_MINUS_INFINITY, true, buf, sizeof(buf)) == -ERANGE);
        CHECK(time_format_iso(0, false, buf, 5) == -ENOBUFS);
        const int64_t samples[] = { TIME_ISO_MIN, TIME_ISO_MIN + 1, -1, 0, TIME_ISO_END - 1,
                                    INT64_C(-62135596800) * S - 1 };
        for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
                struct parsed_time t;
                const char *reason;
                CHECK(time_format_iso(samples[i], false, buf, sizeof(buf)) > 0);
                CHECK(parse(buf, &t, &reason) == 0);
                CHECK(t.micros == samples[i]);
        }
}

int main(void) {
        RUN(test_date_only);
        RUN(test_date_and_time);
        RUN(test_fraction_digits);
        RUN(test_offsets_reported_not_applied);
        RUN(test_go_time_string);
        RUN(test_infinity);
        RUN(test_leap_days);
        RUN(test_rejections);
        RUN(test_length_is_respected);
        RUN(test_extreme_years);
        RUN(test_civil_anchors);
        RUN(test_civil_round_trip);
        RUN(test_format);
        RUN(test_format_parse_round_trip);
        RUN(test_format_small_buffer);
        RUN(test_server_output);
        RUN(test_format_bc);
        RUN(test_format_iso);
        TAP_END();
}
