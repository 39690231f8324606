#include "migrate/redact.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "migrate/strbuf.h"

/* Is p inside a URL, i.e. does its blank-delimited word contain "://"? */
static bool inside_url(const char *text, const char *p) {
        const char *word = p;
        while (word > text && !strchr(" \t\n", word[-1]))
                word--;
        const char *scheme = strstr(word, "://");
        return scheme && scheme < p;
}

/* Where an unquoted secret ends as pgurl_translate() and libpq read it: in
 * a URL's query at '&' or '#' (blanks and quotes included); in keyword=value
 * text at a blank, a backslash protecting the next byte (a blank too). */
static size_t secret_length(const char *p, bool in_url) {
        if (in_url)
                return strcspn(p, "&#");
        size_t i = 0;
        while (p[i] && !strchr(" \t\n", p[i]))
                i += p[i] == '\\' && p[i + 1] ? 2 : 1;
        return i;
}

/* Length of a single-quoted keyword=value value, quotes included. */
static size_t quoted_length(const char *p) {
        size_t i = 1;
        while (p[i] && p[i] != '\'') {
                if (p[i] == '\\' && p[i + 1])
                        i++;
                i++;
        }
        return p[i] ? i + 1 : i;
}

/* At p: "...password" followed by '=' (a parameter that holds a secret)? */
static size_t password_key_length(const char *p) {
        static const char key[] = "password";
        if (strncasecmp(p, key, sizeof(key) - 1) != 0)
                return 0;
        /* Take the whole parameter name: sslpassword, UsageDataPassword, ... */
        const char *end = p + sizeof(key) - 1;
        while (*end == ' ' || *end == '\t')
                end++;
        if (*end != '=')
                return 0;
        return (size_t) (end + 1 - p);
}

char *redact_secrets(const char *text) {
        struct strbuf b = {};
        const char *hide_from = NULL, *hide_to = NULL; /* a URL's password */
        int r = 0;
        for (const char *p = text; *p && r >= 0;) {
                if (hide_to && p >= hide_from) {
                        if (p < hide_to)
                                r = strbuf_puts(&b, REDACTED);
                        p = p > hide_to ? p : hide_to;
                        hide_from = hide_to = NULL;
                        continue;
                }
                /* scheme://user:password@host -> scheme://user:xxxxx@host; the
                 * text before the password is still looked at, as it may
                 * hold a "password=" of its own. */
                if (!hide_to && p[0] == ':' && p[1] == '/' && p[2] == '/') {
                        const char *auth = p + 3;
                        /* The authority as pgurl_translate() reads it (up to '/',
                         * '?' or '#', blanks included) and the last '@' in it:
                         * hide at least the password it would use. */
                        size_t auth_len = strcspn(auth, "/?#");
                        const char *at = NULL;
                        for (const char *q = auth; q < auth + auth_len; q++)
                                if (*q == '@')
                                        at = q;
                        const char *colon = at ? memchr(auth, ':', (size_t) (at - auth)) : NULL;
                        if (colon) {
                                hide_from = colon + 1;
                                hide_to = at;
                        }
                }
                size_t klen = password_key_length(p);
                if (klen) {
                        bool in_url = inside_url(text, p);
                        const char *v = p + klen;
                        while (!in_url && (*v == ' ' || *v == '\t'))
                                v++;
                        size_t vlen = (!in_url && *v == '\'') ? quoted_length(v) : secret_length(v, in_url);
                        r = strbuf_append(&b, p, (size_t) (v - p));
                        if (r >= 0)
                                r = strbuf_puts(&b, REDACTED);
                        p = v + vlen;
                        /* A value that ends inside a URL's password: hide the rest of it. */
                        if (hide_to && p > hide_from)
                                hide_from = p;
                        continue;
                }
                r = strbuf_putc(&b, *p++);
        }
        if (r < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

bool redact_is_secret_name(const char *name) {
        return strcasestr(name, "pass") != NULL;
}
