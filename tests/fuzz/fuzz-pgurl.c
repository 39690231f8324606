/* pgx connection strings on any text.  Besides no crash or leak: the
 * password never appears, not even in part, in an error, a notice, the
 * description of the parameters or the URL shown for them.  The input is
 * split at its first NUL byte into X and REST; the rest's first byte
 * chooses the connection string
 *   postgres://user:SECRET@REST      (even; X without '@', '/', '?', '#', '%')
 *   REST password=SECRET             (odd; X without unescaped blanks or
 *                                     quotes; REST not a URL, not ending in '=')
 * with SECRET = "Zq9" X "Zq9", and "Zq9" may then appear in no output. */
#include "fuzz.h"

#include <stdbool.h>

#include "migrate/pg_params.h"
#include "migrate/pgurl.h"
#include "migrate/strv.h"

#define MARK "Zq9"

static void translate(const char *dsn, const char *secret) {
        struct pg_params params = {};
        char **notices = NULL, *error = NULL;
        int r = pgurl_translate(dsn, "Postgres.URL", &params, &notices, &error);
        if (r < 0) {
                FUZZ_CHECK(error, "error %d without a message", r);
                FUZZ_CHECK(!secret || !strstr(error, MARK), "a password is shown: '%s' for '%s'", error, dsn);
        } else {
                FUZZ_CHECK(!error, "success with an error message");
                for (size_t i = 0; params.keywords && params.keywords[i]; i++)
                        FUZZ_CHECK(params.values[i], "keyword %s without value", params.keywords[i]);
                char *described = pg_params_describe(&params);
                FUZZ_CHECK(described, "out of memory");
                FUZZ_CHECK(!secret || !strstr(described, MARK), "a password is described: '%s'", described);
                free(described);
                char *shown = pg_params_display(&params);
                FUZZ_CHECK(shown, "out of memory");
                FUZZ_CHECK(!secret || !strstr(shown, MARK), "a password is shown: '%s' for '%s'", shown, dsn);
                free(shown);
        }
        for (size_t i = 0; notices && notices[i]; i++)
                FUZZ_CHECK(!secret || !strstr(notices[i], MARK), "a password is shown: '%s' for '%s'", notices[i], dsn);
        strv_free(notices);
        free(error);
        pg_params_done(&params);
}

/* "d=" before " password=..." would make the latter d's value, not a password. */
static bool ends_with_equals(const char *s) {
        size_t n = strlen(s);
        while (n && strchr(" \t\n", s[n - 1]))
                n--;
        return n && (s[n - 1] == '=' || s[n - 1] == '\\');
}

static bool unescaped_blank(const char *s) {
        for (; *s; s++) {
                if (*s == '\\' && s[1])
                        s++;
                else if (*s == ' ' || *s == '\t' || *s == '\n')
                        return true;
        }
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *x = fuzz_cstring(data, size);
        size_t len = strlen(x);
        translate(x, NULL);
        if (len + 1 < size) {
                bool url = !(data[len + 1] & 1);
                char *rest = fuzz_cstring(data + len + 2, size - len - 2), *dsn = NULL;
                size_t authority = strcspn(rest, "/?#");
                bool usable = !strstr(rest, MARK) && !strstr(x, MARK) &&
                              (url ? !strpbrk(x, "@/?#%") && !memchr(rest, '@', authority)
                                   : !unescaped_blank(x) && !(len && x[len - 1] == '\\') && !strchr(x, '\'') &&
                                         !ends_with_equals(rest) && !strstr(rest, "://"));
                if (usable) {
                        int r = url ? asprintf(&dsn, "postgres://user:" MARK "%s" MARK "@%s", x, rest)
                                    : asprintf(&dsn, "%s password=" MARK "%s" MARK, rest, x);
                        FUZZ_CHECK(r >= 0, "asprintf");
                        translate(dsn, x);
                        free(dsn);
                }
                free(rest);
        }
        free(x);
        return 0;
}
