/* PostgreSQL's binary COPY format, read side: one field's bytes -> a value. */
#pragma once

#include <stddef.h>

#include "migrate/strbuf.h"
#include "migrate/value.h"

/* 2000-01-01, where PostgreSQL counts timestamps and dates from. */
#define PG_EPOCH_MICROS INT64_C(946684800000000) /* in Unix microseconds */
#define PG_EPOCH_DAYS 10957

/* Decode the binary send format of one non-NULL field of a column of type
 * `type` (any but COL_DECIMAL, see numeric_from_pg_binary()).  Texts, blobs,
 * json and uuids point into d, which must outlive *v.  Values come out as
 * the text COPY path decodes them (infinite timestamps as TIME_INFINITY and
 * TIME_MINUS_INFINITY, dates as days since 1970).  -EBADMSG when the bytes
 * are not that type's format. */
int pg_binary_decode(enum col_type type, const char *d, size_t n, struct value *v);
