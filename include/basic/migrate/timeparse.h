/* Dates and times in the text forms SQLite applications write:
 *   2024-03-05   2024-03-05 14:22   2024-03-05T14:22:01.123456
 *   ... followed by Z, +02:00, +0200, +02, or Go's " +0200 CEST"
 * and 'infinity' / '-infinity'.  Sub-microsecond digits must be zero:
 * PostgreSQL keeps microseconds and nothing is rounded silently. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIME_INFINITY INT64_MAX
#define TIME_MINUS_INFINITY INT64_MIN

struct parsed_time {
        int64_t micros;    /* since 1970-01-01 00:00, as written (offset not applied) */
        bool has_time;     /* more than a date */
        bool has_offset;
        int offset_seconds; /* east of UTC */
};

/* Returns 0, or -EINVAL with a static reason. */
int time_parse(const char *s, size_t n, struct parsed_time *ret, const char **ret_reason);

/* PostgreSQL's own ISO output as well: years past 9999, and " BC" after a
 * year before AD 1 ("0001-06-15 12:00:00+00 BC" is the year 0). */
int time_parse_server(const char *s, size_t n, struct parsed_time *ret, const char **ret_reason);

/* The parsed time in UTC: its offset applied (infinities stay infinite). */
int64_t time_utc(const struct parsed_time *t);

int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC / as is. */
int time_format(int64_t micros, char *buf, size_t size);
/* ISO 8601 with a four-digit astronomical year (0000 is 1 BC), as SQLite's
 * date functions and Go read it: "YYYY-MM-DD HH:MM:SS[.ffffff]", or only
 * "YYYY-MM-DD" when date_only.  -ERANGE for infinities and years outside
 * 0000-9999. */
int time_format_iso(int64_t micros, bool date_only, char *buf, size_t size);
/* The microseconds of years 0000-01-01 and 10000-01-01: the range above. */
#define TIME_ISO_MIN (INT64_C(-62167219200) * 1000000)
#define TIME_ISO_END (INT64_C(253402300800) * 1000000)
