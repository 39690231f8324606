#include "migrate/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "migrate/cleanup.h"
#include "migrate/gcfg.h"
#include "migrate/pgurl.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

struct loader {
        const struct gcfg *g;
        struct migrate_config *c;
        char **error;
};

static int fail(struct loader *l, const struct gcfg_entry *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct loader *l, const struct gcfg_entry *at, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = strdup_vprintf(fmt, ap);
        va_end(ap);
        free(*l->error);
        if (at)
                *l->error = strdup_printf("%s:%u: %s", l->g->path, at->line, msg ? msg : "out of memory");
        else
                *l->error = strdup_printf("%s: %s", l->g->path, msg ? msg : "out of memory");
        return -EINVAL;
}

/* The value of Section.Name, NULL when unset; a bare "Name" is an error. */
static int get_string(struct loader *l, const char *section, const char *name, const struct gcfg_entry **ret_entry,
                      const char **ret) {
        const struct gcfg_entry *e = gcfg_find(l->g, section, NULL, name);
        *ret = NULL;
        if (ret_entry)
                *ret_entry = e;
        if (!e)
                return 0;
        if (!e->value)
                return fail(l, e, "%s.%s has no value: write %s = VALUE", section, name, name);
        *ret = e->value;
        return 0;
}

static char *origin_of(struct loader *l, const char *setting, const struct gcfg_entry *e) {
        if (e)
                return strdup_printf("%s (%s:%u)", setting, l->g->path, e->line);
        return strdup_printf("%s (default)", setting);
}

/* Output of `rspm encrypt`: standard base64 of a version byte, a nonce, the
 * ciphertext and its tag -- at least 29 bytes.  A plain password of that shape
 * is possible but rare, and the environment variable is the way around it. */
static bool looks_encrypted(const char *v) {
        size_t n = strlen(v);
        if (n < 40 || n % 4 != 0)
                return false;
        size_t body = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
        size_t pad = n - body;
        return pad <= 2 && strspn(v + body, "=") == pad;
}

static int load_postgres(struct loader *l, enum db_role role, const char *env_password) {
        static const char *const url_key[] = { [DB_MAIN] = "URL", [DB_USAGE] = "UsageDataURL" };
        static const char *const password_key[] = { [DB_MAIN] = "Password", [DB_USAGE] = "UsageDataPassword" };
        static const char *const env_name[] = { [DB_MAIN] = ENV_POSTGRES_PASSWORD, [DB_USAGE] = ENV_POSTGRES_USAGE_PASSWORD };
        struct db_endpoint *ep = &l->c->postgres[role];
        const struct gcfg_entry *url_entry, *password_entry;
        const char *url, *password;
        _cleanup_free_ char *setting = strdup_printf("Postgres.%s", url_key[role]);
        int r;

        if (!setting)
                return -ENOMEM;
        r = get_string(l, "Postgres", url_key[role], &url_entry, &url);
        if (r < 0)
                return r;
        r = get_string(l, "Postgres", password_key[role], &password_entry, &password);
        if (r < 0)
                return r;
        if (!url) {
                if (role == DB_MAIN)
                        return fail(l, NULL, "[Postgres] has no URL: set Postgres.URL to the PostgreSQL database, "
                                             "e.g. URL = \"postgres://user@db.example.com/rstudio_pm\"");
                if (password_entry)
                        return fail(l, password_entry, "Postgres.UsageDataPassword is set but Postgres.UsageDataURL is not: "
                                                       "set the URL of the usage database, or remove the password");
                return 0;
        }
        if (!*url)
                return fail(l, url_entry, "%s is empty: set it to a postgres:// URL", setting);

        ep->provider = DB_POSTGRES;
        ep->role = role;
        ep->origin = origin_of(l, setting, url_entry);
        if (!ep->origin)
                return -ENOMEM;
        r = pgurl_translate(url, ep->origin, &ep->pg, &l->c->notices, l->error);
        if (r < 0)
                return r;
        /* Rebuilt from the parsed parts: no spelling of the URL can leak its password. */
        ep->display = pg_params_display(&ep->pg);
        if (!ep->display)
                return -ENOMEM;
        if (pg_params_get(&ep->pg, "password"))
                ep->password_source = "URL";

        /* The environment wins over the file, the file over the URL. */
        if (env_password && *env_password) {
                ep->password_source = env_name[role];
                return pg_params_set(&ep->pg, "password", env_password);
        }
        if (password) {
                if (looks_encrypted(password))
                        return fail(l, password_entry,
                                    "Postgres.%s holds a value encrypted with 'rspm encrypt', which migrate cannot decrypt: "
                                    "for the migration, give the plain password in the environment variable %s "
                                    "(e.g. sudo --preserve-env=%s ...)",
                                    password_key[role], env_name[role], env_name[role]);
                ep->password_source = role == DB_MAIN ? "Postgres.Password" : "Postgres.UsageDataPassword";
                return pg_params_set(&ep->pg, "password", password);
        }
        return 0;
}

static int set_sqlite(struct migrate_config *c, enum db_role role, const char *file, const char *origin) {
        struct db_endpoint *ep = &c->sqlite[role];
        ep->provider = DB_SQLITE;
        ep->role = role;
        ep->sqlite_path = strdup_printf("%s/%s", c->sqlite_dir, file);
        ep->display = ep->sqlite_path ? strdup(ep->sqlite_path) : NULL;
        ep->origin = strdup(origin);
        return ep->display && ep->origin ? 0 : -ENOMEM;
}

static int load(struct loader *l, const struct config_env *env) {
        struct migrate_config *c = l->c;
        const struct gcfg_entry *e;
        const char *v;
        int r;

        r = get_string(l, "Database", "Provider", &e, &v);
        if (r < 0)
                return r;
        if (!v || strcasecmp(v, "sqlite") == 0 || strcasecmp(v, "sqlite3") == 0)
                c->server_provider = DB_SQLITE;
        else if (strcasecmp(v, "postgres") == 0 || strcasecmp(v, "postgresql") == 0)
                c->server_provider = DB_POSTGRES;
        else
                return fail(l, e, "Database.Provider = \"%s\" is not a database provider: use sqlite or postgres", v);

        r = get_string(l, "Server", "DataDir", &e, &v);
        if (r < 0)
                return r;
        c->data_dir = strdup(v && *v ? v : DEFAULT_DATA_DIR);

        /* Migrating needs both sides described, as the product page says. */
        if (!gcfg_has_section(l->g, "SQLite", NULL))
                return fail(l, NULL, "no [SQLite] section: a migration needs both [SQLite] and [Postgres]; "
                                     "add \"[SQLite]\" (its Dir defaults to {Server.DataDir}/db)");
        if (!gcfg_has_section(l->g, "Postgres", NULL))
                return fail(l, NULL, "no [Postgres] section: a migration needs both [SQLite] and [Postgres]; "
                                     "add [Postgres] with URL = \"postgres://...\"");

        const struct gcfg_entry *dir_entry;
        r = get_string(l, "SQLite", "Dir", &dir_entry, &v);
        if (r < 0)
                return r;
        c->sqlite_dir = v && *v ? strdup(v) : strdup_printf("%s/db", c->data_dir);
        if (!c->data_dir || !c->sqlite_dir)
                return -ENOMEM;
        _cleanup_free_ char *dir_origin = origin_of(l, "SQLite.Dir", dir_entry);
        if (!dir_origin)
                return -ENOMEM;

        r = set_sqlite(c, DB_MAIN, SQLITE_MAIN_FILE, dir_origin);
        if (r < 0)
                return r;
        r = load_postgres(l, DB_MAIN, env->postgres_password);
        if (r < 0)
                return r;
        r = load_postgres(l, DB_USAGE, env->usage_password);
        if (r < 0)
                return r;

        c->usage = c->postgres[DB_USAGE].display != NULL;
        r = set_sqlite(c, DB_USAGE, SQLITE_USAGE_FILE, dir_origin);
        if (r < 0)
                return r;
        struct stat st;
        if (!c->usage && stat(c->sqlite[DB_USAGE].sqlite_path, &st) == 0)
                return fail(l, NULL, "the usage database %s exists but [Postgres] has no UsageDataURL, so usage data "
                                     "would be left behind: set Postgres.UsageDataURL to the PostgreSQL usage database",
                            c->sqlite[DB_USAGE].sqlite_path);
        if (!c->usage) {
                free(c->sqlite[DB_USAGE].display);
                c->sqlite[DB_USAGE].display = NULL;
        }
        return 0;
}

static int config_from_gcfg(const char *path, struct gcfg *g, const struct config_env *env,
                            struct migrate_config **ret, char **ret_error) {
        _cleanup_(config_freep) struct migrate_config *c = NULL;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c || !(c->path = strdup(path)))
                return -ENOMEM;
        struct loader l = { .g = g, .c = c, .error = ret_error };
        r = load(&l, env);
        if (r < 0) {
                if (!*ret_error)
                        *ret_error = strdup_printf("%s: %s", path, strerror(-r));
                return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int config_load(const char *path, const struct config_env *env, struct migrate_config **ret, char **ret_error) {
        _cleanup_(gcfg_freep) struct gcfg *g = NULL;
        *ret_error = NULL;
        int r = gcfg_load(path, &g, ret_error);
        if (r < 0)
                return r;
        return config_from_gcfg(path, g, env, ret, ret_error);
}

int config_load_fd(int fd, const char *path, const struct config_env *env, struct migrate_config **ret,
                   char **ret_error) {
        _cleanup_(gcfg_freep) struct gcfg *g = NULL;
        *ret_error = NULL;
        int r = gcfg_load_fd(fd, path, &g, ret_error);
        if (r < 0)
                return r;
        return config_from_gcfg(path, g, env, ret, ret_error);
}

static void endpoint_done(struct db_endpoint *ep) {
        free(ep->sqlite_path);
        free(ep->display);
        free(ep->origin);
        pg_params_done(&ep->pg);
}

void config_free(struct migrate_config *c) {
        for (int i = 0; i < _DB_ROLE_MAX; i++) {
                endpoint_done(&c->sqlite[i]);
                endpoint_done(&c->postgres[i]);
        }
        strv_free(c->notices);
        free(c->path);
        free(c->data_dir);
        free(c->sqlite_dir);
        free(c);
}

const struct db_endpoint *config_endpoint(const struct migrate_config *c, enum db_provider provider, enum db_role role) {
        const struct db_endpoint *ep = provider == DB_SQLITE ? &c->sqlite[role] : &c->postgres[role];
        return ep->display ? ep : NULL;
}
