/* JSON text for json and jsonb columns.  PostgreSQL's json keeps the text
 * as written (only checked); jsonb stores a parsed form and gives back its
 * own canonical text: keys sorted (shorter first, then bytewise), the last
 * of duplicate keys kept, ", " and ": " between items, numbers as numeric
 * prints them, strings with \u escapes decoded.  Producing that form here
 * lets the copy reject invalid JSON before anything is committed
 * and the verification compare jsonb values exactly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "migrate/strbuf.h"

/* Check s as JSON; with "jsonb", append its jsonb text to "out".  On
 * -EINVAL *ret_reason says what is wrong (a static string). */
int json_check(const char *s, size_t n, bool jsonb, struct strbuf *out, const char **ret_reason);
