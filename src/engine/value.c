#include "migrate/value.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/escape.h"
#include "migrate/hex.h"
#include "migrate/json.h"
#include "migrate/numeric.h"
#include "migrate/sha256.h"
#include "migrate/strbuf.h"
#include "migrate/timeparse.h"
#include "migrate/utf8.h"

void value_buffer_reset(struct value_buffer *b) {
        b->used = 0;
}

int value_buffer_reserve(struct value_buffer *b, size_t size) {
        if (size <= b->size) {
                b->used = 0;
                return 0;
        }
        char *p = realloc(b->data, size);
        if (!p)
                return -ENOMEM;
        b->data = p;
        b->size = size;
        b->used = 0;
        return 0;
}

void value_buffer_done(struct value_buffer *b) {
        free(b->data);
        *b = (struct value_buffer) {};
}

/* Room for n bytes that stay valid until the next reset.  Growing would move
 * earlier values of the row, so it grows only when empty; otherwise
 * value_convert() fails with -ENOBUFS and the caller reserves more and
 * converts the row again. */
static char *buffer_alloc(struct value_buffer *b, size_t n) {
        if (b->used + n > b->size) {
                if (b->used > 0)
                        return NULL;
                size_t size = b->size ? b->size : 4096;
                while (size < n)
                        size *= 2;
                char *p = realloc(b->data, size);
                if (!p)
                        return NULL;
                b->data = p;
                b->size = size;
        }
        char *p = b->data + b->used;
        b->used += n;
        return p;
}

static int keep(struct value_buffer *b, const char *s, size_t n, struct value *ret, enum value_kind kind) {
        char *p = buffer_alloc(b, n ? n : 1);
        if (!p)
                return -ENOBUFS;
        memcpy(p, s, n);
        ret->kind = kind;
        ret->s = p;
        ret->n = n;
        return 0;
}

static int reason(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reason(char **ret, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        *ret = strdup_vprintf(fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* Whether a time in microseconds keeps all its digits in a column of
 * spec's fractional precision (time(p), timestamp(p); -1: the default 6). */
static bool fits_precision(const struct col_spec *spec, int64_t micros) {
        if (spec->precision < 0 || spec->precision >= 6)
                return true;
        int64_t unit = 1;
        for (int k = spec->precision; k < 6; k++)
                unit *= 10;
        return micros % unit == 0;
}

static int too_precise(const struct col_spec *spec, char **why) {
        return reason(why, "a time with more fraction digits than the column's %d, which would be rounded", spec->precision);
}

/* The column's type in a reason: as its database spells it, else in
 * neutral words ("a 64-bit integer"). */
#define TYPE_ARGS(spec) (spec)->name ? "" : "a ", (spec)->name ? (spec)->name : logical_type_word((spec)->type)

#define DAY_MICROS (INT64_C(86400) * 1000000)
#define ISO_MIN_DAYS (TIME_ISO_MIN / DAY_MICROS)
#define ISO_END_DAYS (TIME_ISO_END / DAY_MICROS)

const char *value_kind_name(enum value_kind k) {
        static const char *const names[] = {
                [VALUE_NULL] = "NULL",   [VALUE_INT] = "integer", [VALUE_REAL] = "real",
                [VALUE_TEXT] = "text",   [VALUE_BLOB] = "blob",   [VALUE_BOOL] = "boolean",
                [VALUE_TIMESTAMP] = "timestamp", [VALUE_DATE] = "date", [VALUE_NUMERIC] = "numeric",
                [VALUE_UUID] = "uuid",   [VALUE_DIGEST] = "digest",
        };
        return names[k];
}

/* Strict decimal integer text: optional sign, digits, nothing else.
 * -EINVAL when it is not that, -ERANGE when it does not fit 64 bits. */
static int parse_int_text(const char *s, size_t n, int64_t *ret) {
        char buf[32];
        size_t start = n > 0 && (s[0] == '-' || s[0] == '+');
        if (start == n)
                return -EINVAL;
        for (size_t i = start; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
        /* Leading zeros do not count towards the length. */
        size_t z = start;
        while (z + 1 < n && s[z] == '0')
                z++;
        if (start + n - z >= sizeof(buf))
                return -ERANGE;
        buf[0] = s[0];
        memcpy(buf + start, s + z, n - z);
        buf[start + n - z] = '\0';
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno == ERANGE)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* A number as PostgreSQL's float8in reads it: -EINVAL when it is not one,
 * -ERANGE when it overflows to infinity or underflows to zero (subnormal
 * results are numbers). */
static int parse_real_text(const char *s, size_t n, double *ret) {
        char buf[64];
        if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n) || strchr(" \t\n\v\f\r", s[0]))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = '\0';
        /* Decimal only: strtod() would also read '0x1A' and '0x1p3', which
         * neither SQLite nor PostgreSQL take for numbers. */
        const char *p = buf + (buf[0] == '+' || buf[0] == '-');
        if (strcasecmp(p, "inf") != 0 && strcasecmp(p, "infinity") != 0 && strcasecmp(p, "nan") != 0) {
                size_t digits = 0;
                for (; *p >= '0' && *p <= '9'; p++)
                        digits++;
                if (*p == '.')
                        for (p++; *p >= '0' && *p <= '9'; p++)
                                digits++;
                if (digits && (*p == 'e' || *p == 'E')) {
                        p += 1 + (p[1] == '+' || p[1] == '-');
                        if (!(*p >= '0' && *p <= '9'))
                                return -EINVAL;
                        while (*p >= '0' && *p <= '9')
                                p++;
                }
                if (!digits || *p)
                        return -EINVAL;
        }
        char *end;
        errno = 0;
        double d = strtod(buf, &end);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE && (d == 0 || isinf(d)))
                return -ERANGE;
        *ret = d;
        return 0;
}

/* "a blob value", "an integer value". */
static int wrong_kind(char **why, enum value_kind k) {
        return reason(why, "%s %s value", k == VALUE_INT ? "an" : "a", value_kind_name(k));
}

static int to_integer(const struct value *in, const struct col_spec *spec, struct value *ret, char **why) {
        int64_t v;
        int r;
        switch (in->kind) {
        case VALUE_INT:
                v = in->i;
                break;
        case VALUE_BOOL:
                v = in->b;
                break;
        case VALUE_REAL:
                if (!(in->d >= -9223372036854775808.0 && in->d < 9223372036854775808.0) || in->d != trunc(in->d))
                        return reason(why, "a real number that is not a whole number in the 64-bit range");
                v = (int64_t) in->d;
                break;
        case VALUE_TEXT:
                r = parse_int_text(in->s, in->n, &v);
                if (r == -ERANGE)
                        return reason(why, "text with a whole number out of the range of %s%s", TYPE_ARGS(spec));
                if (r < 0)
                        return reason(why, "text that is not a whole number");
                /* '007', '+5' and '-0' are text SQLite kept as written: the
                 * number would not be the same string. */
                char canonical[24];
                int len = snprintf(canonical, sizeof(canonical), "%" PRId64, v);
                if (len < 0 || (size_t) len != in->n || memcmp(canonical, in->s, in->n) != 0)
                        return reason(why, "text that is not a whole number as written (it would become %s)", canonical);
                break;
        default:
                return wrong_kind(why, in->kind);
        }
        if ((spec->type == COL_INT32 && (v < INT32_MIN || v > INT32_MAX)) ||
            (spec->type == COL_INT16 && (v < INT16_MIN || v > INT16_MAX)))
                return reason(why, "a whole number out of the range of %s%s", TYPE_ARGS(spec));
        *ret = (struct value) { .kind = VALUE_INT, .i = v };
        return 0;
}

static int to_double(const struct value *in, const struct col_spec *spec, struct value *ret, char **why) {
        double d;
        int r;
        switch (in->kind) {
        case VALUE_REAL:
                d = in->d;
                break;
        case VALUE_INT:
                d = (double) in->i;
                /* Only integers a double holds exactly. */
                if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || (int64_t) d != in->i)
                        return reason(why, "a whole number that %s%s cannot hold exactly", TYPE_ARGS(spec));
                break;
        case VALUE_TEXT:
        case VALUE_NUMERIC: /* a PostgreSQL source's numeric into a SQLite REAL column */
                r = parse_real_text(in->s, in->n, &d);
                if (r == -ERANGE)
                        return reason(why, "text with a number out of range for %s%s", TYPE_ARGS(spec));
                if (r < 0)
                        return reason(why, "text that is not a number");
                break;
        default:
                return wrong_kind(why, in->kind);
        }
        if (spec->type == COL_FLOAT32 && !isnan(d) && (double) (float) d != d)
                return reason(why, "a number that a 4-byte real cannot hold exactly");
        *ret = (struct value) { .kind = VALUE_REAL, .d = d };
        return 0;
}

static int to_numeric(const struct value *in, const struct col_spec *spec, struct value_buffer *buf, struct value *ret,
                      char **why) {
        _cleanup_strbuf_ struct strbuf canon = {}, fitted = {};
        int r;
        switch (in->kind) {
        case VALUE_INT:
                r = strbuf_printf(&canon, "%" PRId64, in->i);
                break;
        case VALUE_REAL:
                r = numeric_from_double(in->d, &canon);
                break;
        case VALUE_TEXT:
        case VALUE_NUMERIC:
                r = numeric_canonical(in->s, in->n, &canon);
                if (r == -EINVAL)
                        return reason(why, "text that is not a number");
                break;
        default:
                return wrong_kind(why, in->kind);
        }
        if (r < 0)
                return r;
        const char *fit_reason = NULL;
        r = numeric_fit(canon.data, spec->precision, spec->scale, &fitted, &fit_reason);
        if (r == -ERANGE)
                return reason(why, "a number that numeric(%d,%d) cannot hold: %s", spec->precision, spec->scale, fit_reason);
        if (r < 0)
                return r;
        return keep(buf, fitted.data, fitted.len, ret, VALUE_NUMERIC);
}

static int to_boolean(const struct value *in, struct value *ret, char **why) {
        bool b;
        switch (in->kind) {
        case VALUE_BOOL:
                b = in->b;
                break;
        case VALUE_INT:
                if (in->i != 0 && in->i != 1)
                        return reason(why, "an integer other than 0 or 1");
                b = in->i == 1;
                break;
        case VALUE_REAL:
                if (in->d != 0 && in->d != 1)
                        return reason(why, "a real number other than 0 or 1");
                b = in->d == 1;
                break;
        case VALUE_TEXT: {
                static const char *const yes[] = { "1", "t", "true" }, *const no[] = { "0", "f", "false" };
                for (size_t i = 0; i < 3; i++) {
                        if (strlen(yes[i]) == in->n && strncasecmp(in->s, yes[i], in->n) == 0) {
                                *ret = (struct value) { .kind = VALUE_BOOL, .b = true };
                                return 0;
                        }
                        if (strlen(no[i]) == in->n && strncasecmp(in->s, no[i], in->n) == 0) {
                                *ret = (struct value) { .kind = VALUE_BOOL, .b = false };
                                return 0;
                        }
                }
                return reason(why, "text that is not a boolean (0/1, t/f, true/false)");
        }
        default:
                return wrong_kind(why, in->kind);
        }
        *ret = (struct value) { .kind = VALUE_BOOL, .b = b };
        return 0;
}

static int check_text(const char *s, size_t n, const struct col_spec *spec, char **why) {
        /* One pass validates, looks for NUL and counts characters; only when
         * it fails, which of the two it is (a NUL byte is named first). */
        size_t chars = 0;
        if (!utf8_validate_text(s, n, &chars)) {
                if (n && memchr(s, '\0', n))
                        return reason(why, "text with a NUL byte, which PostgreSQL text cannot hold");
                if (!utf8_validate(s, n, &chars))
                        return reason(why, "text that is not valid UTF-8");
                return -EIO; /* utf8_validate_text() refuses nothing else */
        }
        if (spec->length >= 0) {
                if (chars > (size_t) spec->length)
                        return reason(why, "text of %zu characters, longer than the column's limit of %d", chars, spec->length);
        }
        if (spec->labels) {
                _cleanup_strbuf_ struct strbuf list = {};
                size_t k;
                for (k = 0; spec->labels[k]; k++)
                        if (strlen(spec->labels[k]) == n && memcmp(spec->labels[k], s, n) == 0)
                                return 0;
                int r = 0;
                for (k = 0; r >= 0 && spec->labels[k] && k < 10; k++)
                        r = strbuf_printf(&list, "%s'%s'", k ? ", " : "", spec->labels[k]);
                if (r >= 0 && spec->labels[k])
                        r = strbuf_puts(&list, ", ...");
                if (r < 0)
                        return r;
                return reason(why, "text that is not one of the labels of the enum type %s (%s); enums compare exactly, "
                                   "case included",
                              spec->own_name ? spec->own_name : "of the column", list.data ? list.data : "none");
        }
        return 0;
}

static int to_text(const struct value *in, const struct col_spec *spec, struct value_buffer *buf, struct value *ret,
                   char **why) {
        _cleanup_strbuf_ struct strbuf b = {};
        int r;
        switch (in->kind) {
        case VALUE_TEXT:
                r = check_text(in->s, in->n, spec, why);
                if (r < 0)
                        return r;
                if (spec->padded) {
                        r = strbuf_append(&b, in->s, in->n);
                        break;
                }
                *ret = *in;
                return 0;
        case VALUE_INT:
                r = strbuf_printf(&b, "%" PRId64, in->i);
                break;
        case VALUE_REAL:
                r = numeric_from_double(in->d, &b);
                break;
        case VALUE_NUMERIC:
                r = strbuf_append(&b, in->s, in->n);
                break;
        case VALUE_UUID: { /* canonical text, as PostgreSQL writes it */
                const unsigned char *u = (const unsigned char *) in->s;
                r = 0;
                for (size_t i = 0; r >= 0 && i < 16; i++)
                        r = strbuf_printf(&b, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
                break;
        }
        default:
                return wrong_kind(why, in->kind);
        }
        if (r < 0)
                return r;
        r = check_text(b.data, b.len, spec, why);
        if (r < 0)
                return r;
        if (spec->padded) {
                /* char(n) stores, and gives back, the text padded with spaces to n characters:
                 * the value compared is the padded one. */
                size_t chars = 0;
                for (size_t i = 0; i < b.len; i++)
                        chars += ((unsigned char) b.data[i] & 0xc0) != 0x80;
                for (; r >= 0 && chars < (size_t) spec->length; chars++)
                        r = strbuf_putc(&b, ' ');
                if (r < 0)
                        return r;
        }
        return keep(buf, b.data ? b.data : "", b.len, ret, VALUE_TEXT);
}

/* json keeps the text as written, once it is known to be JSON; jsonb gets
 * the text PostgreSQL itself gives back, so verification compares exactly. */
static int to_json(const struct value *in, const struct col_spec *spec, struct value_buffer *buf, struct value *ret,
                   char **why) {
        _cleanup_strbuf_ struct strbuf canonical = {};
        struct value text;
        const char *what = NULL;
        int r = to_text(in, spec, buf, &text, why);
        if (r < 0)
                return r;
        r = json_check(text.s, text.n, spec->type == COL_JSON_DOCUMENT, &canonical, &what);
        if (r == -EINVAL)
                return reason(why, "text that is not valid JSON: %s", what);
        if (r < 0)
                return r;
        if (spec->type == COL_JSON_TEXT) {
                *ret = text;
                return 0;
        }
        return keep(buf, canonical.data ? canonical.data : "", canonical.len, ret, VALUE_TEXT);
}

/* What julianday() yields for the years 1 to 9999: as Unix seconds these
 * would be days in January and February 1970, so either reading is a guess. */
#define JULIAN_DAY_MIN 1721425.5
#define JULIAN_DAY_MAX 5373484.5
/* PostgreSQL's earliest time, 4714-11-24 BC, in Unix microseconds (its
 * latest, in the year 294276, is beyond what int64 microseconds since 1970
 * can say). */
#define PG_TIMESTAMP_MIN INT64_C(-210866803200000000)
/* The Go driver reads an integer beyond this in a timestamp column as milliseconds. */
#define MILLISECONDS_BEYOND INT64_C(1000000000000)

/* A double as the decimal it stands for (the shortest one that reads back
 * as the same double, as SQLite and most languages print it), in whole
 * microseconds: -EDOM when that decimal has digits below the microsecond,
 * so REAL seconds follow the same rule as text. */
static int real_seconds_to_micros(double d, int64_t *ret, char shortest[static 40]) {
        int prec;
        for (prec = 1; prec <= 17; prec++) {
                snprintf(shortest, 40, "%.*e", prec - 1, d);
                if (strtod(shortest, NULL) == d)
                        break;
        }
        /* "-d.ddde+XX": the digits, then the exponent. */
        const char *p = shortest;
        bool negative = *p == '-';
        p += negative;
        int64_t digits = 0;
        int n_digits = 0;
        for (; *p && *p != 'e'; p++)
                if (*p >= '0' && *p <= '9') {
                        digits = digits * 10 + (*p - '0');
                        n_digits++;
                }
        int exponent = *p == 'e' ? atoi(p + 1) : 0;
        /* value = digits * 10^(exponent - (n_digits - 1)); in microseconds: + 6. */
        int shift = exponent - (n_digits - 1) + 6;
        while (shift < 0 && digits % 10 == 0 && digits != 0) {
                digits /= 10;
                shift++;
        }
        if (digits == 0)
                shift = 0;
        /* Print the shortest form in plain notation for messages. */
        snprintf(shortest, 40, "%.*g", prec, d);
        if (shift < 0)
                return -EDOM;
        for (; shift > 0; shift--) {
                if (digits > INT64_MAX / 10)
                        return -ERANGE;
                digits *= 10;
        }
        *ret = negative ? -digits : digits;
        return 0;
}

static int to_timestamp(const struct value *in, const struct col_spec *spec, struct value *ret, char **why) {
        int64_t micros;
        switch (in->kind) {
        case VALUE_TIMESTAMP:
                micros = in->i;
                break;
        case VALUE_INT:
                if (in->i >= (int64_t) JULIAN_DAY_MIN + 1 && in->i <= (int64_t) JULIAN_DAY_MAX)
                        return reason(why, "a number in the range of julianday() values: it is either a Julian day or "
                                           "a Unix time in early 1970, and which one is a guess; store text or Unix seconds");
                if (in->i > MILLISECONDS_BEYOND || in->i < -MILLISECONDS_BEYOND) {
                        /* Milliseconds (JavaScript, Prisma), as the server's Go SQLite driver reads them. */
                        if (in->i > INT64_MAX / 1000 || in->i < INT64_MIN / 1000)
                                return reason(why, "a Unix time out of range");
                        micros = in->i * 1000;
                } else
                        micros = in->i * 1000000; /* Unix time in seconds, as SQLite's unixepoch() */
                break;
        case VALUE_REAL: {
                char shortest[40];
                if (!isfinite(in->d) || fabs(in->d) > 9.2e12)
                        return reason(why, "a Unix time out of range");
                if (in->d >= JULIAN_DAY_MIN && in->d < JULIAN_DAY_MAX)
                        return reason(why, "a number in the range of julianday() values: it is either a Julian day or "
                                           "a Unix time in early 1970, and which one is a guess; store text or Unix seconds");
                int r = real_seconds_to_micros(in->d, &micros, shortest);
                if (r == -EDOM)
                        return reason(why, "a Unix time with digits below the microsecond (%s), which a timestamp cannot keep",
                                      shortest);
                if (r < 0)
                        return reason(why, "a Unix time out of range");
                break;
        }
        case VALUE_TEXT: {
                struct parsed_time t;
                const char *msg;
                if (time_parse(in->s, in->n, &t, &msg) < 0)
                        return reason(why, "text that is not a timestamp: %s", msg);
                if (spec->type == COL_TIMESTAMP_LOCAL && t.offset_seconds != 0)
                        return reason(why, "a time with a UTC offset, but the column is timestamp without time zone "
                                           "and would lose it");
                micros = time_utc(&t);
                break;
        }
        default:
                return wrong_kind(why, in->kind);
        }
        bool finite = micros != TIME_INFINITY && micros != TIME_MINUS_INFINITY;
        if (finite && micros < PG_TIMESTAMP_MIN)
                return reason(why, "a time outside PostgreSQL's range (4714 BC to 294276 AD)");
        if (finite && !fits_precision(spec, micros))
                return too_precise(spec, why);
        /* 'infinity' is written as such, as PostgreSQL writes it. */
        if (finite && spec->four_digit_years && (micros < TIME_ISO_MIN || micros >= TIME_ISO_END))
                return reason(why, "a time %s, which %s%s cannot hold: it is written as text with a four-digit year "
                                   "(0000, which is 1 BC, to 9999)",
                              micros < TIME_ISO_MIN ? "before 1 BC" : "after 9999", TYPE_ARGS(spec));
        *ret = (struct value) { .kind = VALUE_TIMESTAMP, .i = micros };
        return 0;
}

static int to_date(const struct value *in, const struct col_spec *spec, struct value *ret, char **why) {
        switch (in->kind) {
        case VALUE_DATE:
                /* The infinite dates are far outside (pg_binary.h). */
                if (spec->four_digit_years && (in->i < ISO_MIN_DAYS || in->i >= ISO_END_DAYS))
                        return reason(why, "%s, which %s%s cannot hold: it is written as text with a four-digit year "
                                           "(0000, which is 1 BC, to 9999)",
                                      in->i == TIME_INFINITY / DAY_MICROS         ? "an infinite date (infinity)"
                                      : in->i == TIME_MINUS_INFINITY / DAY_MICROS ? "an infinite date (-infinity)"
                                      : in->i < ISO_MIN_DAYS                     ? "a date before 1 BC"
                                                                                 : "a date after 9999",
                                      TYPE_ARGS(spec));
                *ret = *in;
                return 0;
        case VALUE_TEXT: {
                struct parsed_time t;
                const char *msg;
                if (time_parse(in->s, in->n, &t, &msg) < 0)
                        return reason(why, "text that is not a date: %s", msg);
                if (t.micros == TIME_INFINITY || t.micros == TIME_MINUS_INFINITY)
                        return reason(why, "an infinite date");
                /* Midnight at UTC, written with or without its zero offset (Go's
                 * go-sqlite3 writes a date as "2024-03-05 00:00:00+00:00"), is
                 * the day itself; any other offset or time would be dropped. */
                if (t.offset_seconds != 0 || t.micros % (INT64_C(86400) * 1000000) != 0)
                        return reason(why, t.offset_seconds != 0 ? "a date with a UTC offset other than zero, which a date "
                                                                   "column would drop"
                                                                 : "a date with a time of day, which a date column would drop");
                *ret = (struct value) { .kind = VALUE_DATE, .i = t.micros / (INT64_C(86400) * 1000000) };
                return 0;
        }
        default:
                return wrong_kind(why, in->kind);
        }
}

#define LOWER(c) ((c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 'a' : (c))

/* Two digits at s, at most max: -1 when not. */
static int two_digits(const char *s, int max) {
        if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
                return -1;
        int v = (s[0] - '0') * 10 + (s[1] - '0');
        return v <= max ? v : -1;
}

/* HH:MM[:SS[.f...]]: microseconds since midnight (24:00:00 is the end of the
 * day, as PostgreSQL's time has it).  -EINVAL when not that form, -EDOM
 * when the fraction has non-zero digits below the microsecond. */
static int parse_time_of_day(const char *s, size_t n, int64_t *ret) {
        int h, m, sec = 0;
        int64_t frac = 0;
        if (n < 5 || (h = two_digits(s, 24)) < 0 || s[2] != ':' || (m = two_digits(s + 3, 59)) < 0)
                return -EINVAL;
        size_t at = 5;
        if (at < n) {
                if (n - at < 3 || s[at] != ':' || (sec = two_digits(s + at + 1, 59)) < 0)
                        return -EINVAL;
                at += 3;
        }
        if (at < n) {
                if (s[at] != '.' || at + 1 == n)
                        return -EINVAL;
                int digits = 0;
                for (at++; at < n; at++, digits++) {
                        if (s[at] < '0' || s[at] > '9')
                                return -EINVAL;
                        if (digits < 6)
                                frac = frac * 10 + (s[at] - '0');
                        else if (s[at] != '0')
                                return -EDOM;
                }
                for (; digits < 6; digits++)
                        frac *= 10;
        }
        int64_t micros = ((int64_t) h * 3600 + m * 60 + sec) * 1000000 + frac;
        if (micros > INT64_C(86400) * 1000000)
                return -EINVAL;
        *ret = micros;
        return 0;
}

int time_of_day_parse(const char *s, size_t n, int64_t *ret) {
        int r = parse_time_of_day(s, n, ret);
        return r < 0 ? -EINVAL : 0;
}

/* A time of day: 'HH:MM', 'HH:MM:SS' or 'HH:MM:SS.ffffff' (Django's
 * TimeField in SQLite), or Rails' '2000-01-01 HH:MM:SS[.ffffff]' (its time
 * columns carry that date in SQLite and read back only the time).  The value
 * is the text PostgreSQL prints for it, so verification compares it exactly. */
static int to_time(const struct value *in, const struct col_spec *spec, struct value_buffer *buf, struct value *ret,
                   char **why) {
        if (in->kind != VALUE_TEXT)
                return wrong_kind(why, in->kind);
        const char *s = in->s;
        size_t n = in->n;
        if (n >= 11 && s[4] == '-' && s[7] == '-' && (s[10] == ' ' || s[10] == 'T')) {
                if (memcmp(s, "2000-01-01", 10) != 0)
                        return reason(why, "text with a date other than 2000-01-01 (the date Rails writes before a time "
                                           "of day), which a time column would drop");
                s += 11;
                n -= 11;
        }
        int64_t micros;
        int r = parse_time_of_day(s, n, &micros);
        if (r == -EDOM)
                return reason(why, "a time with digits below the microsecond, which would be rounded");
        if (r < 0)
                return reason(why, "text that is not a time of day (HH:MM, HH:MM:SS or HH:MM:SS.ffffff)");
        if (!fits_precision(spec, micros))
                return too_precise(spec, why);
        char text[32];
        int64_t secs = micros / 1000000, frac = micros % 1000000;
        int len = snprintf(text, sizeof(text), "%02d:%02d:%02d", (int) (secs / 3600), (int) (secs / 60 % 60),
                           (int) (secs % 60));
        if (frac) {
                len += snprintf(text + len, sizeof(text) - len, ".%06d", (int) frac);
                while (text[len - 1] == '0')
                        len--;
        }
        return keep(buf, text, (size_t) len, ret, VALUE_TEXT);
}

/* A duration: a whole number of microseconds, as Django's DurationField
 * stores one in SQLite (bigint there, interval in PostgreSQL), or a date and
 * time as far from 1970-01-01 00:00 as the duration is long, as
 * SQLAlchemy's Interval stores one where the database has no interval
 * ('1970-01-02 01:00:00.000000' is 25 hours).  The value is the number of
 * microseconds; verification reads the interval back in microseconds. */
static int to_interval(const struct value *in, struct value *ret, char **why) {
        static const struct col_spec micros = { .type = COL_INT64, .length = -1, .precision = -1, .scale = -1,
                                                .name = "an interval in microseconds" };
        if (in->kind == VALUE_TEXT) {
                int64_t v;
                struct parsed_time pt;
                const char *msg;
                if (parse_int_text(in->s, in->n, &v) >= 0)
                        return to_integer(in, &micros, ret, why);
                if (time_parse(in->s, in->n, &pt, &msg) < 0 || !pt.has_time || pt.has_offset ||
                    pt.micros == TIME_INFINITY || pt.micros == TIME_MINUS_INFINITY)
                        return reason(why, "text that is neither a whole number of microseconds (Django's duration) "
                                           "nor a date and time counted from 1970-01-01 00:00:00 (SQLAlchemy's Interval)");
                *ret = (struct value) { .kind = VALUE_INT, .i = pt.micros };
                return 0;
        }
        if (in->kind != VALUE_INT && in->kind != VALUE_TEXT && in->kind != VALUE_REAL)
                return wrong_kind(why, in->kind);
        return to_integer(in, &micros, ret, why);
}

int ip_parse(const char *s, size_t n, struct ip_address *ret) {
        char text[64];
        if (n == 0 || n >= sizeof(text) || memchr(s, '\0', n))
                return -EINVAL;
        memcpy(text, s, n);
        text[n] = '\0';
        char *slash = strchr(text, '/');
        if (slash)
                *slash = '\0';
        *ret = (struct ip_address) {};
        if (inet_pton(AF_INET, text, ret->bytes) == 1)
                ret->family = 4, ret->bits = 32;
        else if (inet_pton(AF_INET6, text, ret->bytes) == 1)
                ret->family = 6, ret->bits = 128;
        else
                return -EINVAL;
        if (slash) {
                const char *b = slash + 1;
                int bits = 0;
                if (!*b || strlen(b) > 3)
                        return -EINVAL;
                for (; *b; b++) {
                        if (*b < '0' || *b > '9')
                                return -EINVAL;
                        bits = bits * 10 + (*b - '0');
                }
                if (bits > ret->bits)
                        return -EINVAL;
                ret->bits = bits;
        }
        return 0;
}

/* An IP address into inet or cidr: text PostgreSQL reads as one value and
 * prints back as the same text (so verification compares the text itself):
 * '192.168.0.1', '2001:db8::1', '10.0.0.0/8'.  Other spellings of an address
 * ('2001:DB8::1', '192.168.0.1/32' in inet, leading zeros) would be printed
 * otherwise and are refused, as is a cidr with bits set right of its mask. */
static int to_ip(const struct value *in, const struct col_spec *spec, struct value *ret, char **why) {
        if (in->kind != VALUE_TEXT)
                return wrong_kind(why, in->kind);
        struct ip_address a;
        bool cidr = spec->type == COL_CIDR;
        if (ip_parse(in->s, in->n, &a) < 0)
                return reason(why, "text that is not an IP address%s", cidr ? " with a netmask (address/bits)" : "");
        int max = a.family == 4 ? 32 : 128;
        if (cidr && !memchr(in->s, '/', in->n))
                return reason(why, "a network without its netmask (/bits), which cidr would guess from the address");
        if (cidr)
                for (int bit = a.bits; bit < max; bit++)
                        if (a.bytes[bit / 8] & (0x80 >> (bit % 8)))
                                return reason(why, "a network with bits set right of its netmask, which cidr refuses");
        char text[INET6_ADDRSTRLEN + 8];
        if (!inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.bytes, text, INET6_ADDRSTRLEN))
                return -errno;
        if (cidr || a.bits != max)
                snprintf(text + strlen(text), 8, "/%d", a.bits);
        if (strlen(text) != in->n || memcmp(text, in->s, in->n) != 0)
                return reason(why, "an IP address that PostgreSQL would print as '%s', not as written", text);
        *ret = *in;
        return 0;
}

int macaddr_parse(const char *s, size_t n, unsigned char ret[static 6]) {
        if (n != 17)
                return -EINVAL;
        for (size_t i = 0; i < 6; i++) {
                int h = hex_digit_value(s[3 * i]), l = hex_digit_value(s[3 * i + 1]);
                if (h < 0 || l < 0 || (i < 5 && s[3 * i + 2] != ':'))
                        return -EINVAL;
                ret[i] = (unsigned char) (h << 4 | l);
        }
        return 0;
}

/* A MAC address into macaddr: six pairs of hex digits joined by ':', in
 * lower case, as PostgreSQL prints one (other spellings it reads, such as
 * '08-00-2B-01-02-03' or '0800.2b01.0203', would be printed otherwise). */
static int to_macaddr(const struct value *in, struct value *ret, char **why) {
        if (in->kind != VALUE_TEXT)
                return wrong_kind(why, in->kind);
        /* Its twelve hex digits, in the form PostgreSQL prints. */
        char canonical[18];
        size_t k = 0, digits = 0;
        for (size_t i = 0; i < in->n; i++) {
                if (hex_digit_value(in->s[i]) < 0) {
                        if (!strchr(":-.", in->s[i]) || in->s[i] == '\0')
                                return reason(why, "text that is not a MAC address");
                        continue;
                }
                if (++digits > 12)
                        return reason(why, "text that is not a MAC address");
                if (k % 3 == 2)
                        canonical[k++] = ':';
                canonical[k++] = (char) LOWER(in->s[i]);
        }
        canonical[k] = '\0';
        unsigned char mac[6];
        if (k != 17 || macaddr_parse(canonical, k, mac) < 0)
                return reason(why, "text that is not a MAC address");
        if (in->n != k || memcmp(in->s, canonical, k) != 0)
                return reason(why, "a MAC address that PostgreSQL would print as '%s', not as written", canonical);
        *ret = *in;
        return 0;
}

int uuid_parse(const char *s, size_t n, char ret[static 16]) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23) && n == 36)
                        continue;
                int h = hex_digit_value(s[i]), l = i + 1 < n ? hex_digit_value(s[i + 1]) : -1;
                if (h < 0 || l < 0 || k >= 16)
                        return -EINVAL;
                ret[k++] = (char) (h << 4 | l);
                i++;
        }
        return k == 16 ? 0 : -EINVAL;
}

static int to_uuid(const struct value *in, struct value_buffer *buf, struct value *ret, char **why) {
        if (in->kind == VALUE_UUID || (in->kind == VALUE_BLOB && in->n == 16))
                return keep(buf, in->s, 16, ret, VALUE_UUID);
        if (in->kind != VALUE_TEXT)
                return wrong_kind(why, in->kind);
        char raw[16];
        if (uuid_parse(in->s, in->n, raw) < 0)
                return reason(why, "text that is not a UUID");
        return keep(buf, raw, 16, ret, VALUE_UUID);
}

int value_convert(const struct value *in, const struct col_spec *spec, struct value_buffer *buf, struct value *ret,
                  char **why) {
        *why = NULL;
        if (in->kind == VALUE_NULL) {
                if (spec->not_null)
                        return reason(why, "NULL, but the column is NOT NULL in the target's schema");
                *ret = *in;
                return 0;
        }
        /* The most common value of all, text into text, kept as it is once checked. */
        if (in->kind == VALUE_TEXT && spec->type == COL_TEXT && !spec->padded) {
                int r = check_text(in->s, in->n, spec, why);
                if (r < 0)
                        return r;
                *ret = *in;
                return 0;
        }
        switch (spec->type) {
        case COL_INT64:
        case COL_INT32:
        case COL_INT16:
                return to_integer(in, spec, ret, why);
        case COL_FLOAT64:
        case COL_FLOAT32:
                return to_double(in, spec, ret, why);
        case COL_DECIMAL:
                return to_numeric(in, spec, buf, ret, why);
        case COL_BOOL:
                return to_boolean(in, ret, why);
        case COL_TEXT:
                return to_text(in, spec, buf, ret, why);
        case COL_JSON_TEXT:
        case COL_JSON_DOCUMENT:
                return to_json(in, spec, buf, ret, why);
        case COL_BYTES:
                if (in->kind != VALUE_BLOB && in->kind != VALUE_TEXT)
                        return wrong_kind(why, in->kind);
                *ret = (struct value) { .kind = VALUE_BLOB, .s = in->s, .n = in->n };
                return 0;
        case COL_TIMESTAMP_LOCAL:
        case COL_TIMESTAMP_UTC:
                return to_timestamp(in, spec, ret, why);
        case COL_DATE:
                return to_date(in, spec, ret, why);
        case COL_UUID:
                return to_uuid(in, buf, ret, why);
        case COL_TIME:
                return to_time(in, spec, buf, ret, why);
        case COL_INTERVAL:
                return to_interval(in, ret, why);
        case COL_INET:
        case COL_CIDR:
                return to_ip(in, spec, ret, why);
        case COL_MACADDR:
                return to_macaddr(in, ret, why);
        case _COL_TYPE_MAX:
        case _COL_TYPE_ALL:
                break;
        }
        return -EINVAL;
}

/* A large value read back as its length and SHA-256 against the value itself. */
static bool digest_matches(const struct value *digest, const struct value *v) {
        if (v->kind != VALUE_TEXT && v->kind != VALUE_BLOB)
                return false;
        if (v->n != digest->n)
                return false;
        unsigned char sum[SHA256_DIGEST_SIZE];
        sha256(v->s, v->n, sum);
        return memcmp(sum, digest->s, SHA256_DIGEST_SIZE) == 0;
}

bool value_equal(const struct value *a, const struct value *b) {
        if (a->kind == VALUE_DIGEST && b->kind == VALUE_DIGEST)
                return a->n == b->n && memcmp(a->s, b->s, SHA256_DIGEST_SIZE) == 0;
        if (a->kind == VALUE_DIGEST)
                return digest_matches(a, b);
        if (b->kind == VALUE_DIGEST)
                return digest_matches(b, a);
        if (a->kind != b->kind)
                return false;
        switch (a->kind) {
        case VALUE_NULL:
                return true;
        case VALUE_INT:
        case VALUE_TIMESTAMP:
        case VALUE_DATE:
                return a->i == b->i;
        case VALUE_REAL:
                return memcmp(&a->d, &b->d, sizeof(double)) == 0 || (isnan(a->d) && isnan(b->d));
        case VALUE_BOOL:
                return a->b == b->b;
        case VALUE_NUMERIC:
                return numeric_equal(a->s, a->n, b->s, b->n);
        case VALUE_TEXT:
        case VALUE_BLOB:
        case VALUE_UUID:
                /* An empty blob may have no pointer at all (SQLite gives NULL). */
                return a->n == b->n && (a->n == 0 || memcmp(a->s, b->s, a->n) == 0);
        case VALUE_DIGEST:
                break;
        }
        return false;
}

static int cmp_bytes(const struct value *a, const struct value *b) {
        size_t n = a->n < b->n ? a->n : b->n;
        int c = n ? memcmp(a->s, b->s, n) : 0;
        if (c)
                return c;
        return a->n < b->n ? -1 : a->n > b->n;
}

/* PostgreSQL's order of numeric specials: -Infinity, numbers, Infinity, NaN. */
static int numeric_rank(const char *s, size_t n) {
        if (n == 3 && !memcmp(s, "NaN", 3))
                return 2;
        if (n == 8 && !memcmp(s, "Infinity", 8))
                return 1;
        if (n == 9 && !memcmp(s, "-Infinity", 9))
                return -1;
        return 0;
}

/* Compare unsigned decimal digits "123.45" exactly: integer parts by length
 * and then digit by digit, fractions digit by digit with missing digits 0. */
static int cmp_magnitude(const char *a, size_t an, const char *b, size_t bn) {
        const char *ad = memchr(a, '.', an), *bd = memchr(b, '.', bn);
        size_t ai = ad ? (size_t) (ad - a) : an, bi = bd ? (size_t) (bd - b) : bn, as = 0, bs = 0;
        while (as < ai && a[as] == '0')
                as++;
        while (bs < bi && b[bs] == '0')
                bs++;
        if (ai - as != bi - bs)
                return ai - as < bi - bs ? -1 : 1;
        int c = ai > as ? memcmp(a + as, b + bs, ai - as) : 0;
        if (c)
                return c < 0 ? -1 : 1;
        size_t af = ad ? ai + 1 : an, bf = bd ? bi + 1 : bn;
        for (; af < an || bf < bn; af++, bf++) {
                char x = af < an ? a[af] : '0', y = bf < bn ? b[bf] : '0';
                if (x != y)
                        return x < y ? -1 : 1;
        }
        return 0;
}

static int cmp_numeric(const char *a, size_t an, const char *b, size_t bn) {
        int ra = numeric_rank(a, an), rb = numeric_rank(b, bn);
        if (ra || rb)
                return ra < rb ? -1 : ra > rb;
        bool na = an > 0 && a[0] == '-', nb = bn > 0 && b[0] == '-';
        int m = cmp_magnitude(a + na, an - na, b + nb, bn - nb);
        if (na == nb)
                return na ? -m : m;
        /* Different signs: only zero (e.g. "-0.0" and "0") compares equal. */
        if (m == 0 && cmp_magnitude(a + na, an - na, "0", 1) == 0)
                return 0;
        return na ? -1 : 1;
}

int value_compare(const struct value *a, const struct value *b) {
        if (a->kind == VALUE_NULL || b->kind == VALUE_NULL)
                return (b->kind == VALUE_NULL) - (a->kind == VALUE_NULL);
        switch (a->kind) {
        case VALUE_INT:
        case VALUE_TIMESTAMP:
        case VALUE_DATE:
                return a->i < b->i ? -1 : a->i > b->i;
        case VALUE_REAL:
                /* As PostgreSQL orders float8: NaN after everything, NaNs equal.
                 * But -0.0 before 0.0, which value_equal() tells apart: equal
                 * keys must be equal values, or verification pairs rows that
                 * differ only there by their order of arrival. */
                if (isnan(a->d) || isnan(b->d))
                        return !!isnan(a->d) - !!isnan(b->d);
                if (a->d == b->d)
                        return !!signbit(b->d) - !!signbit(a->d);
                return a->d < b->d ? -1 : a->d > b->d;
        case VALUE_BOOL:
                return (int) a->b - (int) b->b;
        case VALUE_NUMERIC:
                return cmp_numeric(a->s, a->n, b->s, b->n);
        default:
                return cmp_bytes(a, b);
        }
}

char *value_describe(const struct value *v) {
        return value_describe_escaped(v, 0);
}

char *value_describe_escaped(const struct value *v, unsigned escape_flags) {
        _cleanup_strbuf_ struct strbuf b = {};
        char tmp[64];
        int r = 0;
        switch (v->kind) {
        case VALUE_NULL:
                return strdup("NULL");
        case VALUE_INT:
                return strdup_printf("%" PRId64, v->i);
        case VALUE_REAL:
                if (!isfinite(v->d)) {
                        r = numeric_from_double(v->d, &b);
                        break;
                }
                /* The shortest form that reads back exactly: short even for
                 * 1e300, and "-0" stays distinguishable from "0". */
                for (int prec = 1; prec <= 17; prec++) {
                        snprintf(tmp, sizeof(tmp), "%.*g", prec, v->d);
                        if (strtod(tmp, NULL) == v->d)
                                break;
                }
                return strdup(tmp);
        case VALUE_BOOL:
                return strdup(v->b ? "true" : "false");
        case VALUE_TIMESTAMP:
                time_format(v->i, tmp, sizeof(tmp));
                return strdup(tmp);
        case VALUE_DATE:
                /* The date part, and " BC" when there is one; the infinite
                 * dates as PostgreSQL writes them (pg_binary.h). */
                if (v->i == TIME_INFINITY / DAY_MICROS || v->i == TIME_MINUS_INFINITY / DAY_MICROS)
                        return strdup(v->i > 0 ? "infinity" : "-infinity");
                time_format(v->i * INT64_C(86400000000), tmp, sizeof(tmp));
                return strdup_printf("%.*s%s", (int) strcspn(tmp, " "), tmp, strstr(tmp, " BC") ? " BC" : "");
        case VALUE_NUMERIC:
                r = strbuf_append(&b, v->s, v->n);
                break;
        case VALUE_TEXT: {
                /* Quoted, escaped by escape.h, cut at 60 characters (an invalid byte counts as one). */
                size_t cut = 0;
                for (size_t shown = 0; cut < v->n && shown < 60; shown++) {
                        size_t len = utf8_sequence_length(v->s + cut, v->n - cut);
                        cut += len ? len : 1;
                }
                r = strbuf_putc(&b, '\'');
                if (r >= 0)
                        r = escape_append(&b, v->s, cut, ESCAPE_QUOTED | escape_flags);
                if (r >= 0)
                        r = cut < v->n ? strbuf_printf(&b, "...' (%zu bytes)", v->n) : strbuf_putc(&b, '\'');
                break;
        }
        case VALUE_BLOB:
        case VALUE_UUID:
                r = strbuf_puts(&b, "x'");
                for (size_t i = 0; r >= 0 && i < v->n && i < 32; i++)
                        r = strbuf_printf(&b, "%02x", (unsigned char) v->s[i]);
                if (r >= 0)
                        r = v->n > 32 ? strbuf_printf(&b, "...' (%zu bytes)", v->n) : strbuf_putc(&b, '\'');
                break;
        case VALUE_DIGEST:
                r = strbuf_printf(&b, "a value of %zu bytes", v->n);
                break;
        }
        if (r >= 0 && (v->kind == VALUE_DIGEST || ((v->kind == VALUE_TEXT || v->kind == VALUE_BLOB) && v->n > VALUE_WHOLE_MAX))) {
                /* A large value is compared by its digest: show it, as the
                 * first bytes of two such values often agree. */
                unsigned char sum[SHA256_DIGEST_SIZE];
                if (v->kind != VALUE_DIGEST)
                        sha256(v->s, v->n, sum);
                const unsigned char *d = v->kind == VALUE_DIGEST ? (const unsigned char *) v->s : sum;
                r = strbuf_puts(&b, " SHA-256 ");
                for (size_t i = 0; r >= 0 && i < SHA256_DIGEST_SIZE; i++)
                        r = strbuf_printf(&b, "%02x", d[i]);
        }
        return r < 0 ? NULL : strbuf_steal(&b);
}
