/* Exact decimal numbers as text: parsing, fitting to numeric(p,s), the
 * shortest decimal of a double, and PostgreSQL's binary numeric format. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "migrate/strbuf.h"

/* Append the canonical form of decimal text s (optional sign, digits, '.',
 * exponent; NaN, Infinity, -Infinity in any case): no exponent, no leading
 * zeros, the fraction digits as written.  -EINVAL when it is not a number. */
int numeric_canonical(const char *s, size_t n, struct strbuf *out);
/* Fit canonical text to numeric(precision, scale): pad the fraction to
 * "scale" digits; -ERANGE when digits would be lost or it is too large. */
int numeric_fit(const char *canon, int precision, int scale, struct strbuf *out, const char **ret_reason);
/* The shortest decimal that reads back as exactly d. */
int numeric_from_double(double d, struct strbuf *out);
/* Numerically equal (trailing fraction zeros and -0 do not matter). */
bool numeric_equal(const char *a, size_t an, const char *b, size_t bn);
/* PostgreSQL's binary numeric (base-10000 digits) for canonical text. */
int numeric_to_pg_binary(const char *canon, size_t n, struct strbuf *out);
/* PostgreSQL's binary numeric -> its text output (numeric_out): dscale
 * fraction digits, NaN, Infinity, -Infinity.  -EBADMSG when malformed. */
int numeric_from_pg_binary(const char *d, size_t n, struct strbuf *out);
