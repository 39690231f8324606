#include "migrate/timeparse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Howard Hinnant's days_from_civil, proleptic Gregorian. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
        y -= m <= 2;
        const int64_t era = (y >= 0 ? y : y - 399) / 400;
        const unsigned yoe = (unsigned) (y - era * 400);
        const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t) doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
        z += 719468;
        const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        const unsigned doe = (unsigned) (z - era * 146097);
        const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const unsigned mp = (5 * doy + 2) / 153;
        *d = doy - (153 * mp + 2) / 5 + 1;
        *m = mp < 10 ? mp + 3 : mp - 9;
        *y = (int64_t) yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Exactly "width" digits at *p. */
static bool digits(const char **p, const char *end, int width, int *ret) {
        int v = 0;
        for (int i = 0; i < width; i++) {
                if (*p >= end || (*p)[0] < '0' || (*p)[0] > '9')
                        return false;
                v = v * 10 + (*(*p)++ - '0');
        }
        *ret = v;
        return true;
}

static int parse_offset(const char **pp, const char *end, int *ret, const char **reason) {
        const char *p = *pp;
        int sign = *p == '-' ? -1 : 1, hh, mm = 0;
        p++;
        if (!digits(&p, end, 2, &hh)) {
                *reason = "the time zone offset is not +HH, +HH:MM or +HHMM";
                return -EINVAL;
        }
        /* A ':' must be followed by the minutes; without one they are optional. */
        bool colon = p < end && *p == ':';
        if (colon)
                p++;
        if ((colon || (p < end && *p >= '0' && *p <= '9')) && !digits(&p, end, 2, &mm)) {
                *reason = "the time zone offset is not +HH, +HH:MM or +HHMM";
                return -EINVAL;
        }
        if (hh > 15 || mm > 59) {
                *reason = "the time zone offset is out of range";
                return -EINVAL;
        }
        *ret = sign * (hh * 3600 + mm * 60);
        *pp = p;
        return 0;
}

static int parse(const char *s, size_t n, bool server, struct parsed_time *ret, const char **reason) {
        const char *p = s, *end = s + n;
        int y, mo, d, h = 0, mi = 0, sec = 0;
        int64_t frac = 0;
        bool bc = false;

        *ret = (struct parsed_time) {};
        if ((n == 8 && strncasecmp(s, "infinity", 8) == 0) || (n == 9 && strncasecmp(s, "+infinity", 9) == 0)) {
                ret->micros = TIME_INFINITY;
                ret->has_time = true;
                return 0;
        }
        if (n == 9 && strncasecmp(s, "-infinity", 9) == 0) {
                ret->micros = TIME_MINUS_INFINITY;
                ret->has_time = true;
                return 0;
        }
        /* PostgreSQL writes years past 9999 with more digits, and years before
         * AD 1 as "0001-... BC" (1 BC is the astronomical year 0). */
        if (n > 3 && memcmp(end - 3, " BC", 3) == 0) {
                if (!server) {
                        /* Not a zone named "BC": a year this tool does not read in source text. */
                        *reason = "it is a date before AD 1 written with BC, which is not read here (1 BC is the year 0000)";
                        return -EINVAL;
                }
                bc = true;
                end -= 3;
        }
        if (!digits(&p, end, 4, &y)) {
                *reason = "it is not a date or time in a form such as 2024-03-05 14:22:01";
                return -EINVAL;
        }
        while (server && p < end && *p >= '0' && *p <= '9' && y < 100000000)
                y = y * 10 + (*p++ - '0');
        if (p >= end || *p++ != '-' || !digits(&p, end, 2, &mo) || p >= end || *p++ != '-' || !digits(&p, end, 2, &d)) {
                *reason = "it is not a date or time in a form such as 2024-03-05 14:22:01";
                return -EINVAL;
        }
        if (bc)
                y = 1 - y;
        static const unsigned char month_days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] + (mo == 2 && is_leap(y))) {
                *reason = "it is not a valid calendar date";
                return -EINVAL;
        }
        if (p < end && (*p == ' ' || *p == 'T' || *p == 't')) {
                p++;
                if (!digits(&p, end, 2, &h) || p >= end || *p++ != ':' || !digits(&p, end, 2, &mi)) {
                        *reason = "the time of day is not HH:MM or HH:MM:SS";
                        return -EINVAL;
                }
                if (p < end && *p == ':') {
                        p++;
                        if (!digits(&p, end, 2, &sec)) {
                                *reason = "the seconds are not two digits";
                                return -EINVAL;
                        }
                        if (p < end && *p == '.') {
                                int nd = 0;
                                p++;
                                while (p < end && *p >= '0' && *p <= '9') {
                                        if (nd < 6)
                                                frac = frac * 10 + (*p - '0');
                                        else if (*p != '0') {
                                                *reason = "it has more than microsecond precision, which PostgreSQL cannot keep";
                                                return -EINVAL;
                                        }
                                        nd++;
                                        p++;
                                }
                                if (nd == 0) {
                                        *reason = "a '.' after the seconds has no digits";
                                        return -EINVAL;
                                }
                                for (; nd < 6; nd++)
                                        frac *= 10;
                        }
                }
                if (h > 23 || mi > 59 || sec > 59) {
                        *reason = "the time of day is out of range";
                        return -EINVAL;
                }
                ret->has_time = true;
        }
        /* Time zone: Z, +HH[:MM], or Go's " +HHMM ZONE" (the offset decides). */
        if (p < end && (*p == 'Z' || *p == 'z')) {
                p++;
                ret->has_offset = true;
        } else {
                if (p + 1 < end && *p == ' ' && (p[1] == '+' || p[1] == '-'))
                        p++;
                if (p < end && (*p == '+' || *p == '-')) {
                        if (parse_offset(&p, end, &ret->offset_seconds, reason) < 0)
                                return -EINVAL;
                        ret->has_offset = true;
                        if (p < end && *p == ' ') {
                                /* A zone name ("CEST"), or the numeric abbreviation Go
                                 * prints for zones that have none ("+04", "-03"). */
                                p++;
                                bool numeric = p < end && (*p == '+' || *p == '-');
                                if (numeric)
                                        p++;
                                const char *zone = p;
                                while (p < end && (numeric ? *p >= '0' && *p <= '9'
                                                           : (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
                                        p++;
                                if (p == zone) {
                                        *reason = "unexpected text after the time zone offset";
                                        return -EINVAL;
                                }
                        }
                }
        }
        if (p != end) {
                *reason = "unexpected text after the date and time";
                return -EINVAL;
        }
        int64_t days = days_from_civil(y, (unsigned) mo, (unsigned) d);
        ret->micros = ((days * 24 + h) * 60 + mi) * 60 * INT64_C(1000000) + (int64_t) sec * 1000000 + frac;
        return 0;
}

int time_parse(const char *s, size_t n, struct parsed_time *ret, const char **reason) {
        return parse(s, n, false, ret, reason);
}

int time_parse_server(const char *s, size_t n, struct parsed_time *ret, const char **reason) {
        return parse(s, n, true, ret, reason);
}

int64_t time_utc(const struct parsed_time *t) {
        if (!t->has_offset || t->micros == TIME_INFINITY || t->micros == TIME_MINUS_INFINITY)
                return t->micros;
        return t->micros - (int64_t) t->offset_seconds * 1000000;
}

/* Unix microseconds as a proleptic Gregorian date (astronomical year), the
 * second of its day and the microseconds past that second. */
struct civil_time {
        int64_t year, second_of_day, micros;
        unsigned month, day;
};

static struct civil_time civil_time(int64_t micros) {
        struct civil_time c;
        int64_t secs = micros / 1000000;
        c.micros = micros % 1000000;
        if (c.micros < 0) {
                c.micros += 1000000;
                secs--;
        }
        int64_t days = secs / 86400;
        c.second_of_day = secs % 86400;
        if (c.second_of_day < 0) {
                c.second_of_day += 86400;
                days--;
        }
        civil_from_days(days, &c.year, &c.month, &c.day);
        return c;
}

/* Appends " HH:MM:SS" and the fraction without trailing zeros to the n
 * bytes already in buf; returns the new length as snprintf counts it. */
static int append_time_of_day(const struct civil_time *c, char *buf, size_t size, int n) {
        if (n < 0 || (size_t) n >= size)
                return n;
        int64_t rem = c->second_of_day;
        n += snprintf(buf + n, size - (size_t) n, " %02d:%02d:%02d", (int) (rem / 3600), (int) (rem / 60 % 60),
                      (int) (rem % 60));
        if (c->micros && (size_t) n < size) {
                char frac[8];
                snprintf(frac, sizeof(frac), ".%06lld", (long long) c->micros);
                size_t len = strlen(frac);
                while (len > 1 && frac[len - 1] == '0') /* micros != 0: stops at a digit */
                        frac[--len] = '\0';
                n += snprintf(buf + n, size - (size_t) n, "%s", frac);
        }
        return n;
}

int time_format(int64_t micros, char *buf, size_t size) {
        if (micros == TIME_INFINITY)
                return snprintf(buf, size, "infinity");
        if (micros == TIME_MINUS_INFINITY)
                return snprintf(buf, size, "-infinity");
        struct civil_time c = civil_time(micros);
        int64_t y = c.year;
        /* As PostgreSQL writes years before AD 1: the year 0 is 1 BC. */
        int n = snprintf(buf, size, "%04lld-%02u-%02u", (long long) (y > 0 ? y : 1 - y), c.month, c.day);
        n = append_time_of_day(&c, buf, size, n);
        if (y <= 0 && n > 0 && (size_t) n < size)
                n += snprintf(buf + n, size - (size_t) n, " BC");
        return n;
}

int time_format_iso(int64_t micros, bool date_only, char *buf, size_t size) {
        if (micros < TIME_ISO_MIN || micros >= TIME_ISO_END)
                return -ERANGE; /* the infinities too */
        struct civil_time c = civil_time(micros);
        int n = snprintf(buf, size, "%04lld-%02u-%02u", (long long) c.year, c.month, c.day);
        if (!date_only)
                n = append_time_of_day(&c, buf, size, n);
        return n < 0 || (size_t) n >= size ? -ENOBUFS : n;
}
