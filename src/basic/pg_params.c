#include "migrate/pg_params.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/redact.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

int pg_params_set(struct pg_params *p, const char *keyword, const char *value) {
        for (size_t i = 0; p->keywords && p->keywords[i]; i++)
                if (strcmp(p->keywords[i], keyword) == 0) {
                        char *v = strdup(value);
                        if (!v)
                                return -ENOMEM;
                        free(p->values[i]);
                        p->values[i] = v;
                        return 0;
                }
        int r = strv_push(&p->keywords, keyword);
        if (r < 0)
                return r;
        return strv_push(&p->values, value);
}

const char *pg_params_get(const struct pg_params *p, const char *keyword) {
        for (size_t i = 0; p->keywords && p->keywords[i]; i++)
                if (strcmp(p->keywords[i], keyword) == 0)
                        return p->values[i];
        return NULL;
}

static bool is_secret(const char *keyword) {
        return redact_is_secret_name(keyword);
}

/* "options" as the names of the settings it carries, never their values:
 * "-c search_path=pm -c x=y" -> "-c search_path=... -c x=...".  A word
 * that is not "-c" or "name=value" shows as "...". */
static int describe_options(struct strbuf *b, const char *options) {
        int r = 0;
        for (const char *p = options; r >= 0 && *p;) {
                p += strspn(p, " \t");
                if (!*p)
                        break;
                size_t n = 0;
                while (p[n] && p[n] != ' ' && p[n] != '\t')
                        n += p[n] == '\\' && p[n + 1] ? 2 : 1;
                const char *eq = memchr(p, '=', n);
                const char *sep = b->data && b->data[b->len - 1] != '=' ? " " : "";
                if (n == 2 && strncmp(p, "-c", 2) == 0)
                        r = strbuf_printf(b, "%s-c", sep);
                else if (eq && !memchr(p, '\\', (size_t) (eq - p)))
                        r = strbuf_printf(b, "%s%.*s...", sep, (int) (eq + 1 - p), p);
                else
                        r = strbuf_printf(b, "%s...", sep);
                p += n;
        }
        return r;
}

char *pg_params_describe(const struct pg_params *p) {
        _cleanup_strbuf_ struct strbuf b = {};
        for (size_t i = 0; p->keywords && p->keywords[i]; i++) {
                int r;
                if (is_secret(p->keywords[i]))
                        continue;
                if (strcmp(p->keywords[i], "options") == 0) {
                        r = strbuf_printf(&b, "%soptions=", b.len ? " " : "");
                        if (r >= 0)
                                r = describe_options(&b, p->values[i]);
                } else
                        r = strbuf_printf(&b, "%s%s=%s", b.len ? " " : "", p->keywords[i], p->values[i]);
                if (r < 0)
                        return NULL;
        }
        if (strbuf_puts(&b, "") < 0)
                return NULL;
        return strbuf_steal(&b);
}

char *pg_params_display(const struct pg_params *p) {
        _cleanup_strbuf_ struct strbuf b = {};
        const char *user = pg_params_get(p, "user"), *host = pg_params_get(p, "host"), *port = pg_params_get(p, "port"),
                   *dbname = pg_params_get(p, "dbname");
        bool password = pg_params_get(p, "password") != NULL;
        int r = strbuf_printf(&b, "postgres://%s%s%s", user ? user : "", password ? ":" REDACTED : "",
                              user || password ? "@" : "");
        /* host and port are parallel comma-separated lists. */
        for (const char *h = host ? host : "", *o = port ? port : ""; r >= 0;) {
                size_t hn = strcspn(h, ","), on = strcspn(o, ",");
                bool v6 = memchr(h, ':', hn) != NULL;
                r = strbuf_printf(&b, "%s%.*s%s%s%.*s", v6 ? "[" : "", (int) hn, h, v6 ? "]" : "", on ? ":" : "",
                                  (int) on, o);
                if (r < 0 || !h[hn])
                        break;
                h += hn + 1;
                o += on + (o[on] ? 1 : 0);
                r = strbuf_putc(&b, ',');
        }
        if (r >= 0 && dbname)
                r = strbuf_printf(&b, "/%s", dbname);
        return r < 0 ? NULL : strbuf_steal(&b);
}

void pg_params_done(struct pg_params *p) {
        /* Wipe secrets before freeing: the worker may dump core later. */
        for (size_t i = 0; p->keywords && p->keywords[i]; i++)
                if (is_secret(p->keywords[i]) && p->values[i])
                        explicit_bzero(p->values[i], strlen(p->values[i]));
        strv_free(p->keywords);
        strv_free(p->values);
        *p = (struct pg_params) {};
}
