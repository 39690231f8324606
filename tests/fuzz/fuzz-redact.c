/* Redaction on any text.  Besides no crash: a password placed in the text
 * never comes out, not even in part.  The input is split at its first NUL
 * byte into a prefix and the rest; the rest's first byte chooses
 *   PREFIX password=SECRET SUFFIX              (even)
 *   PREFIX postgres://user:SECRET@host SUFFIX  (odd)
 * where SECRET is "Zq9" X "Zq9", X the next bytes of the rest up to where
 * libpq or pgurl_translate() would end the value (an unescaped blank; '@',
 * '/', '?' or '#' in a URL).  The output must not contain "Zq9" (unless the
 * prefix or suffix wrote it).  Prefixes that would swallow the construct
 * (a quote, a backslash, a trailing '=', a URL whose authority would run
 * on) are not used for this check. */
#include "fuzz.h"

#include <stdbool.h>

#include "migrate/redact.h"

#define MARK "Zq9"

/* A prefix ending in "password =" would make the construct its value. */
static bool ends_with_equals(const char *s) {
        size_t n = strlen(s);
        while (n && strchr(" \t\n", s[n - 1]))
                n--;
        return n && s[n - 1] == '=';
}

static void check_secret(const char *prefix, const uint8_t *rest, size_t n) {
        if (n < 1)
                return;
        bool url = rest[0] & 1;
        size_t len = 1;
        while (len < n && rest[len] != '\0') {
                if (url ? memchr("@/?#", rest[len], 4) != NULL : memchr(" \t\n", rest[len], 3) != NULL)
                        break;
                len += !url && rest[len] == '\\' && len + 1 < n && rest[len + 1] != '\0' ? 2 : 1;
        }
        if (len > n)
                return;
        char *x = fuzz_cstring(rest + 1, len - 1), *suffix = fuzz_cstring(rest + len, n - len), *text = NULL;
        /* A lone backslash at the end would escape the blank that follows. */
        /* A quote or backslash in the prefix could make the construct part of a
         * quoted value of the prefix's own. */
        if (!strstr(prefix, MARK) && !strstr(suffix, MARK) && !strstr(x, MARK) && !strpbrk(prefix, "'\\") &&
            !ends_with_equals(prefix) && !strstr(prefix, "://") &&
            !(len > 1 && rest[len - 1] == '\\')) {
                int r = url ? asprintf(&text, "%s postgres://user:" MARK "%s" MARK "@host%s", prefix, x, suffix)
                            : asprintf(&text, "%s password=" MARK "%s" MARK "%s", prefix, x, suffix);
                FUZZ_CHECK(r >= 0, "asprintf");
                char *out = redact_secrets(text);
                FUZZ_CHECK(out, "out of memory");
                FUZZ_CHECK(!strstr(out, MARK), "a password is shown: '%s' redacts to '%s'", text, out);
                free(out);
                free(text);
        }
        free(x);
        free(suffix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = fuzz_cstring(data, size);
        char *out = redact_secrets(text);
        FUZZ_CHECK(out, "out of memory");
        free(out);
        size_t prefix_len = strlen(text);
        if (prefix_len < size)
                check_secret(text, data + prefix_len + 1, size - prefix_len - 1);
        free(text);
        return 0;
}
