#include "migrate/pgurl.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migrate/cleanup.h"
#include "migrate/hex.h"
#include "migrate/redact.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

/* Settings of pgx and pgxpool themselves: meaningless to libpq and the server. */
static const char *const pgx_driver_settings[] = {
        "pool_max_conns", "pool_min_conns", "pool_min_idle_conns", "pool_max_conn_lifetime",
        "pool_max_conn_lifetime_jitter", "pool_max_conn_idle_time", "pool_health_check_period",
        "statement_cache_capacity", "description_cache_capacity", "default_query_exec_mode",
        "statement_cache_mode", "prefer_simple_protocol", "min_read_buffer_size", "krbspn",
        "servicefile",
};

DEFINE_POINTER_CLEANUP(PQconninfoOption, PQconninfoFree)

static bool in_list(const char *s, const char *const *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(s, list[i]) == 0)
                        return true;
        return false;
}

static bool libpq_knows(const PQconninfoOption *known, const char *keyword) {
        for (const PQconninfoOption *o = known; o && o->keyword; o++)
                if (strcmp(o->keyword, keyword) == 0)
                        return true;
        return false;
}

struct translation {
        const char *what;       /* the setting and its line, for messages */
        struct pg_params params;
        struct strbuf runtime;  /* "-c name=value" for the server */
        char ***notices;
        char **error;
        PQconninfoOption *known;
};

static int fail(struct translation *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct translation *t, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = strdup_vprintf(fmt, ap);
        va_end(ap);
        free(*t->error);
        /* Never the text itself: a password that breaks the syntax is in it. */
        *t->error = strdup_printf("%s: %s", t->what, msg ? msg : "out of memory");
        return -EINVAL;
}

/* Percent-decode s[0..n); in a query, '+' is a space (as Go's url.ParseQuery). */
static int decode(struct translation *t, const char *s, size_t n, bool query, const char *part, char **ret) {
        _cleanup_(strbuf_done) struct strbuf b = {};
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (c == '%') {
                        if (i + 2 >= n)
                                return fail(t, "incomplete percent-encoding in the %s", part);
                        int h = hex_digit_value(s[i + 1]), l = hex_digit_value(s[i + 2]);
                        if (h < 0 || l < 0)
                                return fail(t, "invalid percent-encoding in the %s (write %% as %%25)", part);
                        c = (char) (h << 4 | l);
                        if (c == '\0')
                                return fail(t, "%%00 (a NUL byte) in the %s", part);
                        i += 2;
                } else if (query && c == '+')
                        c = ' ';
                if (strbuf_putc(&b, c) < 0)
                        return -ENOMEM;
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

/* libpq splits "options" at blanks; a backslash protects the next byte. */
static int append_runtime_setting(struct translation *t, const char *name, const char *value) {
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                      *p == '.'))
                        return fail(t, "'%s' is neither a libpq parameter nor a server setting name", name);
        int r = strbuf_printf(&t->runtime, "%s-c %s=", t->runtime.len ? " " : "", name);
        for (const char *p = value; r >= 0 && *p; p++) {
                if (*p == ' ' || *p == '\t' || *p == '\\')
                        r = strbuf_putc(&t->runtime, '\\');
                if (r >= 0)
                        r = strbuf_putc(&t->runtime, *p);
        }
        return r;
}

static int add_parameter(struct translation *t, const char *key, const char *value) {
        /* A secret never becomes a server setting (sent in the clear, logged,
         * printed): the password itself, libpq's own (sslpassword), or dropped. */
        if (redact_is_secret_name(key)) {
                if (strcasecmp(key, "password") == 0)
                        return pg_params_set(&t->params, "password", value);
                if (libpq_knows(t->known, key))
                        return pg_params_set(&t->params, key, value);
                return strv_consume(t->notices, strdup_printf(
                        "%s: ignoring a parameter whose name contains \"pass\" (not shown): only password "
                        "(any case) and libpq's sslpassword are understood",
                        t->what));
        }
        if (in_list(key, pgx_driver_settings, ELEMENTSOF(pgx_driver_settings))) {
                _cleanup_free_ char *safe = redact_secrets(value);
                return strv_consume(t->notices, strdup_printf(
                        "%s: ignoring %s=%s: it is a setting of the server's Go driver, not of the database connection",
                        t->what, key, safe ? safe : "?"));
        }
        if (strcmp(key, "options") == 0) {
                /* Keep what the user wrote in front of the settings we add. */
                int r = strbuf_printf(&t->runtime, "%s%s", t->runtime.len ? " " : "", value);
                return r;
        }
        if (libpq_knows(t->known, key))
                return pg_params_set(&t->params, key, value);
        return append_runtime_setting(t, key, value);
}

/* host[:port] or [v6]:port, one element of a comma-separated host list. */
static int split_host_port(struct translation *t, const char *s, size_t n, struct strbuf *hosts,
                           struct strbuf *ports) {
        const char *port = NULL;
        size_t host_len = n;
        const char *host = s;
        if (n > 0 && s[0] == '[') {
                const char *close = memchr(s, ']', n);
                if (!close)
                        return fail(t, "unterminated '[' in an IPv6 host address");
                host = s + 1;
                host_len = (size_t) (close - host);
                if (close + 1 < s + n) {
                        if (close[1] != ':')
                                return fail(t, "unexpected character after the IPv6 address ']'");
                        port = close + 2;
                }
        } else {
                const char *colon = memchr(s, ':', n);
                if (colon) {
                        host_len = (size_t) (colon - s);
                        port = colon + 1;
                }
        }
        if (port) {
                size_t port_len = (size_t) (s + n - port);
                if (port_len == 0 || port_len > 5 || strspn(port, "0123456789") < port_len ||
                    strtoul(port, NULL, 10) - 1 >= 65535)
                        return fail(t, "the URL cannot be parsed: what follows the host's ':' is not a port number "
                                       "(1 to 65535); a password with '/', '?', '#' or '@' in it must be "
                                       "percent-encoded (%%2F, %%3F, %%23, %%40)");
        }
        _cleanup_free_ char *h = NULL;
        int r = decode(t, host, host_len, false, "host name", &h);
        if (r < 0)
                return r;
        r = strbuf_printf(hosts, "%s%s", hosts->data ? "," : "", h);
        if (r >= 0)
                r = strbuf_printf(ports, "%s%.*s", ports->data ? "," : "", port ? (int) (s + n - port) : 0,
                                  port ? port : "");
        return r;
}

static int translate_url(struct translation *t, const char *url) {
        _cleanup_(strbuf_done) struct strbuf hosts = {}, ports = {};
        const char *p = strstr(url, "://") + 3;
        size_t authority_len = strcspn(p, "/?#");
        const char *authority = p, *at = NULL;
        int r;

        for (const char *q = authority; q < authority + authority_len; q++)
                if (*q == '@')
                        at = q;
        if (at) {
                const char *colon = memchr(authority, ':', (size_t) (at - authority));
                _cleanup_free_ char *user = NULL, *password = NULL;
                r = decode(t, authority, colon ? (size_t) (colon - authority) : (size_t) (at - authority), false,
                           "user name", &user);
                if (r < 0)
                        return r;
                if (*user && (r = pg_params_set(&t->params, "user", user)) < 0)
                        return r;
                if (colon) {
                        r = decode(t, colon + 1, (size_t) (at - colon - 1), false, "password", &password);
                        if (r < 0)
                                return r;
                        r = pg_params_set(&t->params, "password", password);
                        explicit_bzero(password, strlen(password));
                        if (r < 0)
                                return r;
                }
                authority_len -= (size_t) (at + 1 - authority);
                authority = at + 1;
        }
        for (size_t i = 0; i < authority_len;) {
                size_t n = strcspn(authority + i, ",");
                if (n > authority_len - i)
                        n = authority_len - i;
                /* A ',' inside [...] belongs to no IPv6 address, so a plain split is right. */
                r = split_host_port(t, authority + i, n, &hosts, &ports);
                if (r < 0)
                        return r;
                i += n + 1;
        }
        if (hosts.data && strcspn(hosts.data, ",") != 0 && (r = pg_params_set(&t->params, "host", hosts.data)) < 0)
                return r;
        if (ports.data && strspn(ports.data, ",") != ports.len && (r = pg_params_set(&t->params, "port", ports.data)) < 0)
                return r;

        p = authority + authority_len;
        if (strchr(p, '@'))
                return fail(t, "the URL cannot be parsed: an '@' after the host name; a password with '/', '?', "
                               "'#' or '@' in it must be percent-encoded (%%2F, %%3F, %%23, %%40)");
        if (*p == '/') {
                size_t n = strcspn(p + 1, "?#");
                _cleanup_free_ char *dbname = NULL;
                r = decode(t, p + 1, n, false, "database name", &dbname);
                if (r < 0)
                        return r;
                if (*dbname && (r = pg_params_set(&t->params, "dbname", dbname)) < 0)
                        return r;
                p += 1 + n;
        }
        if (*p == '?') {
                p++;
                while (*p && *p != '#') {
                        size_t n = strcspn(p, "&#");
                        const char *eq = memchr(p, '=', n);
                        _cleanup_free_ char *key = NULL, *value = NULL;
                        if (n == 0) {
                                p++;
                                continue;
                        }
                        r = decode(t, p, eq ? (size_t) (eq - p) : n, true, "query parameter name", &key);
                        if (r < 0)
                                return r;
                        r = decode(t, eq ? eq + 1 : p + n, eq ? (size_t) (p + n - eq - 1) : 0, true,
                                   "query parameter value", &value);
                        if (r < 0)
                                return r;
                        r = add_parameter(t, key, value);
                        if (value && redact_is_secret_name(key))
                                explicit_bzero(value, strlen(value));
                        if (r < 0)
                                return r;
                        p += n;
                        if (*p == '&')
                                p++;
                }
        }
        if (*p == '#')
                return strv_consume(t->notices, strdup_printf("%s: ignoring the URL fragment after '#'", t->what));
        return 0;
}

/* keyword = value pairs; a value may be single-quoted with \' and \\ inside. */
static int translate_keyword_value(struct translation *t, const char *s) {
        int r;
        for (;;) {
                s += strspn(s, " \t\n");
                if (!*s)
                        return 0;
                size_t klen = strcspn(s, "= \t\n");
                _cleanup_free_ char *key = strndup(s, klen);
                _cleanup_(strbuf_done) struct strbuf value = {};
                if (!key)
                        return -ENOMEM;
                s += klen;
                s += strspn(s, " \t\n");
                if (*s != '=')
                        /* Not echoed: it may be the end of a password with a blank in it. */
                        return fail(t, "the connection string cannot be parsed: a word without '=' (write keyword=value "
                                       "pairs, quote a value with blanks in it as 'a b', or use a postgres:// URL)");
                s++;
                s += strspn(s, " \t\n");
                if (*s == '\'') {
                        for (s++;; s++) {
                                if (!*s)
                                        return fail(t, "unterminated quoted value for '%s'", key);
                                if (*s == '\'')
                                        break;
                                if (*s == '\\' && s[1])
                                        s++;
                                if ((r = strbuf_putc(&value, *s)) < 0)
                                        return r;
                        }
                        s++;
                } else {
                        for (; *s && *s != ' ' && *s != '\t' && *s != '\n'; s++) {
                                if (*s == '\\' && s[1])
                                        s++;
                                if ((r = strbuf_putc(&value, *s)) < 0)
                                        return r;
                        }
                }
                if (!value.data && (r = strbuf_puts(&value, "")) < 0)
                        return r;
                r = add_parameter(t, key, value.data);
                if (redact_is_secret_name(key))
                        explicit_bzero(value.data, value.len);
                if (r < 0)
                        return r;
        }
}

int pgurl_translate(const char *dsn, const char *what, struct pg_params *ret, char ***notices, char **ret_error) {
        _cleanup_(PQconninfoFreep) PQconninfoOption *known = PQconndefaults();
        struct translation t = {
                .what = what,
                .notices = notices,
                .error = ret_error,
                .known = known,
        };
        int r;

        *ret_error = NULL;
        if (!known)
                return -ENOMEM;
        if (strncasecmp(dsn, "postgres://", 11) == 0 || strncasecmp(dsn, "postgresql://", 13) == 0)
                r = translate_url(&t, dsn);
        else if (strstr(dsn, "://"))
                r = fail(&t, "not a PostgreSQL URL: it must start with postgres:// or postgresql://");
        else if (strchr(dsn, '='))
                r = translate_keyword_value(&t, dsn);
        else {
                /* Not echoed: text of no known shape could be a bare password. */
                *ret_error = strdup_printf("%s: not a PostgreSQL connection URL: expected "
                                           "postgres://user:password@host:port/database", what);
                r = -EINVAL;
        }
        if (r >= 0 && t.runtime.len)
                r = pg_params_set(&t.params, "options", t.runtime.data);
        if (r >= 0 && !pg_params_get(&t.params, "fallback_application_name"))
                r = pg_params_set(&t.params, "fallback_application_name", "rstudio-pm-migrate");
        strbuf_done(&t.runtime);
        if (r < 0) {
                pg_params_done(&t.params);
                return r;
        }
        *ret = t.params;
        return 0;
}
