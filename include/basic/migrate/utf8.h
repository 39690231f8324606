/* UTF-8 validation shared by the configuration parser and value checks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at s (1-4), or 0 when it is
 * invalid: overlong forms, surrogates and code points past U+10FFFF. */
size_t utf8_sequence_length(const char *s, size_t avail);
bool utf8_is_valid(const char *s, size_t len);
/* The same answer as utf8_is_valid() in one pass (an ASCII fast path, then a
 * table-driven DFA), and on success the number of characters (code points)
 * in *ret_chars (may be NULL). */
bool utf8_validate(const char *s, size_t len, size_t *ret_chars);
/* utf8_validate() for text that must not hold a NUL byte either (as
 * PostgreSQL text): false when it is not UTF-8 or holds a NUL, in one pass
 * that takes short ASCII text a word at a time to its end. */
bool utf8_validate_text(const char *s, size_t len, size_t *ret_chars);
