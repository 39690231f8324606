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

/* Where an unquoted secret ends in a URL or a keyword=value string. */
static size_t secret_length(const char *p, bool in_url) {
        return strcspn(p, in_url ? "@&# \t\n\"'" : " \t\n");
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
        int r = 0;
        for (const char *p = text; *p && r >= 0;) {
                /* scheme://user:password@host -> scheme://user:xxxxx@host */
                if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
                        const char *auth = p + 3;
                        size_t auth_len = strcspn(auth, "/?# \t\n\"'");
                        const char *at = NULL;
                        for (const char *q = auth; q < auth + auth_len; q++)
                                if (*q == '@')
                                        at = q;
                        const char *colon = at ? memchr(auth, ':', (size_t) (at - auth)) : NULL;
                        if (colon) {
                                r = strbuf_append(&b, p, (size_t) (colon + 1 - p));
                                if (r >= 0)
                                        r = strbuf_puts(&b, REDACTED);
                                p = at;
                                continue;
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
