/* Typed values, the currency between drivers.  A source driver yields values
 * in its own terms (e.g. only integer, real, text and blob); value_convert()
 * turns one into the logical type (logical_type.h) of a target column, or
 * says exactly why the target cannot hold it.  Nothing is ever rounded,
 * truncated or dropped silently. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migrate/logical_type.h"

enum value_kind {
        VALUE_NULL,
        VALUE_INT,       /* i */
        VALUE_REAL,      /* d */
        VALUE_TEXT,      /* s, n: UTF-8, not NUL-terminated */
        VALUE_BLOB,      /* s, n */
        VALUE_BOOL,      /* b */
        VALUE_TIMESTAMP, /* i: microseconds since 1970-01-01 00:00 UTC (or local, without zone) */
        VALUE_DATE,      /* i: days since 1970-01-01 */
        VALUE_NUMERIC,   /* s, n: canonical decimal text, e.g. "-12.50", "NaN", "Infinity" */
        VALUE_UUID,      /* s, n == 16 raw bytes */
        VALUE_DIGEST,    /* s: the SHA-256 (32 bytes) of a text or blob of n bytes, too large to read back whole */
};

/* Texts and blobs larger than this are read back from a target as their
 * length and SHA-256 (VALUE_DIGEST), so verification never holds a second
 * copy of a large value. */
#define VALUE_WHOLE_MAX (1024 * 1024)

struct value {
        enum value_kind kind;
        union {
                int64_t i;
                double d;
                bool b;
        };
        const char *s; /* TEXT, BLOB, NUMERIC, UUID: borrowed or in the converter's buffer */
        size_t n;
};

/* Scratch space for converted values, reused row after row. */
struct value_buffer {
        char *data;
        size_t size;
        size_t used;
};
void value_buffer_reset(struct value_buffer *b);
/* Make room for "size" bytes (resets the buffer). */
int value_buffer_reserve(struct value_buffer *b, size_t size);
void value_buffer_done(struct value_buffer *b);

/* Convert "in" to the logical type of "spec".  On failure returns -EINVAL
 * and a reason (allocated) that says what the value is and why it does not
 * fit, without repeating the value itself (callers show it safely);
 * -ENOBUFS when "buf" is too small for the row (reserve more, convert the
 * row again). */
int value_convert(const struct value *in, const struct col_spec *spec, struct value_buffer *buf, struct value *ret,
                  char **ret_reason);

/* Equal as the target would store them: timestamps to the microsecond,
 * doubles bit for bit (so -0.0 differs from 0.0 and NaN equals NaN). */
bool value_equal(const struct value *a, const struct value *b);
/* Order for merging key columns: NULL first, then by value (bytes: memcmp). */
int value_compare(const struct value *a, const struct value *b);

/* A short, safe rendering for messages: text quoted and cut at 60
 * characters with control bytes escaped, blobs as hex, etc. */
char *value_describe(const struct value *v);
/* The same with extra escape.h flags, e.g. ESCAPE_CODEPOINTS to tell apart
 * two texts that print alike (NFC and NFD forms). */
char *value_describe_escaped(const struct value *v, unsigned escape_flags);
const char *value_kind_name(enum value_kind k);

/* A time of day in the text form value_convert() gives a COL_TIME value
 * (HH:MM:SS[.ffffff]) as microseconds since midnight. */
int time_of_day_parse(const char *s, size_t n, int64_t *ret);

/* An IP address as inet or cidr text (address[/bits]): its family (4 or 6),
 * its 4 or 16 bytes and its netmask bits (32 or 128 when none is written). */
struct ip_address {
        int family;
        unsigned char bytes[16];
        int bits;
};
int ip_parse(const char *s, size_t n, struct ip_address *ret);

/* A MAC address's 6 bytes from its text xx:xx:xx:xx:xx:xx (either case). */
int macaddr_parse(const char *s, size_t n, unsigned char ret[static 6]);

/* A UUID's 16 bytes from its text, with or without the four dashes. */
int uuid_parse(const char *s, size_t n, char ret[static 16]);
