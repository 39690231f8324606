/* Configuration files -> migration endpoints, and every configuration error. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/config.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-config-XXXXXX";
static const struct config_env no_env = {};

/* Write text to a fresh file in tmpdir; returns its path. */
static char *write_config(const char *name, const char *text) {
        char *path = strdup_printf("%s/%s", tmpdir, name);
        FILE *f = fopen(path, "we");
        if (!f)
                return path;
        fputs(text, f);
        fclose(f);
        return path;
}

struct loaded {
        struct migrate_config *c;
        char *error;
        int r;
};

static void loaded_done(struct loaded *l) {
        if (l->c)
                config_free(l->c);
        free(l->error);
}

static struct loaded load_text(const char *text, const struct config_env *env) {
        _cleanup_free_ char *path = write_config("rstudio-pm.gcfg", text);
        struct loaded l = {};
        l.r = config_load(path, env, &l.c, &l.error);
        return l;
}

static void test_product_page_example(void) {
        _cleanup_(loaded_done) struct loaded l = load_text(
                "[Database]\n"
                "Provider = postgres\n"
                "\n"
                "[SQLite]\n"
                "Dir = /mnt/rstudio-pm/sqlite\n"
                "\n"
                "[Postgres]\n"
                "URL = \"postgres://username:password@db.seed.co/rstudio_pm\"\n"
                "UsageDataURL = \"postgres://username:password@db.seed.co/rstudio_pm_usage\"\n",
                &no_env);
        CHECK(l.r == 0);
        if (!l.c)
                return;
        CHECK(l.c->server_provider == DB_POSTGRES);
        CHECK(l.c->usage);
        CHECK_STREQ(l.c->sqlite[DB_MAIN].sqlite_path, "/mnt/rstudio-pm/sqlite/rstudio-pm.sqlite");
        CHECK_STREQ(l.c->sqlite[DB_USAGE].sqlite_path, "/mnt/rstudio-pm/sqlite/rstudio-pm-usage.sqlite");
        CHECK_STREQ(pg_params_get(&l.c->postgres[DB_MAIN].pg, "dbname"), "rstudio_pm");
        CHECK_STREQ(pg_params_get(&l.c->postgres[DB_USAGE].pg, "dbname"), "rstudio_pm_usage");
        CHECK_STREQ(l.c->postgres[DB_MAIN].display, "postgres://username:xxxxx@db.seed.co/rstudio_pm");
        CHECK_CONTAINS(l.c->postgres[DB_USAGE].origin, "Postgres.UsageDataURL (");
        CHECK_CONTAINS(l.c->postgres[DB_USAGE].origin, "rstudio-pm.gcfg:9)");
        CHECK_STREQ(l.c->postgres[DB_MAIN].password_source, "URL");
        CHECK(config_endpoint(l.c, DB_SQLITE, DB_USAGE) != NULL);
}

static void test_defaults(void) {
        _cleanup_(loaded_done) struct loaded l = load_text("[SQLite]\n[Postgres]\nURL = postgres://u@h/pm\n", &no_env);
        CHECK(l.r == 0);
        if (!l.c)
                return;
        CHECK(l.c->server_provider == DB_SQLITE);
        CHECK_STREQ(l.c->data_dir, "/var/lib/rstudio-pm");
        CHECK_STREQ(l.c->sqlite_dir, "/var/lib/rstudio-pm/db");
        CHECK_STREQ(l.c->sqlite[DB_MAIN].origin, "SQLite.Dir (default)");
        CHECK(!l.c->usage);
        CHECK(config_endpoint(l.c, DB_SQLITE, DB_USAGE) == NULL);
        CHECK(config_endpoint(l.c, DB_POSTGRES, DB_USAGE) == NULL);
        CHECK(!l.c->postgres[DB_MAIN].password_source);
}

static void test_data_dir_sets_sqlite_dir(void) {
        _cleanup_(loaded_done) struct loaded l =
                load_text("[Server]\nDataDir = /srv/rspm\n[SQLite]\n[Postgres]\nURL = postgres://u@h/pm\n", &no_env);
        CHECK(l.r == 0);
        if (l.c)
                CHECK_STREQ(l.c->sqlite[DB_MAIN].sqlite_path, "/srv/rspm/db/rstudio-pm.sqlite");
}

static void test_password_precedence(void) {
        const char *text = "[SQLite]\n[Postgres]\nURL = postgres://u:from-url@h/pm\nPassword = from-file\n"
                           "UsageDataURL = postgres://u:usage-url@h/usage\n";
        _cleanup_(loaded_done) struct loaded file = load_text(text, &no_env);
        CHECK(file.r == 0);
        if (file.c) {
                CHECK_STREQ(pg_params_get(&file.c->postgres[DB_MAIN].pg, "password"), "from-file");
                CHECK_STREQ(file.c->postgres[DB_MAIN].password_source, "Postgres.Password");
                CHECK_STREQ(pg_params_get(&file.c->postgres[DB_USAGE].pg, "password"), "usage-url");
        }
        const struct config_env env = { .postgres_password = "from-env", .usage_password = "usage-env" };
        _cleanup_(loaded_done) struct loaded e = load_text(text, &env);
        CHECK(e.r == 0);
        if (e.c) {
                CHECK_STREQ(pg_params_get(&e.c->postgres[DB_MAIN].pg, "password"), "from-env");
                CHECK_STREQ(e.c->postgres[DB_MAIN].password_source, "PACKAGEMANAGER_POSTGRES_PASSWORD");
                CHECK_STREQ(pg_params_get(&e.c->postgres[DB_USAGE].pg, "password"), "usage-env");
                CHECK_STREQ(e.c->postgres[DB_USAGE].password_source, "PACKAGEMANAGER_POSTGRES_USAGEDATAPASSWORD");
        }
}

static void test_encrypted_password(void) {
        const char *text = "[SQLite]\n[Postgres]\nURL = postgres://u@h/pm\n"
                           "Password = Qu0lI/gridhu85sqChwFtP2wFkqCcWt9owBpxFjAhKFaU2ZraBB2LM62Ieo=\n";
        _cleanup_(loaded_done) struct loaded l = load_text(text, &no_env);
        CHECK(l.r == -EINVAL);
        CHECK_CONTAINS(l.error, "rstudio-pm.gcfg:4: Postgres.Password holds a value encrypted with 'rspm encrypt'");
        CHECK_CONTAINS(l.error, "PACKAGEMANAGER_POSTGRES_PASSWORD");
        CHECK_NOT_CONTAINS(l.error, "Qu0lI");
        /* The environment variable is the way around it. */
        const struct config_env env = { .postgres_password = "plain" };
        _cleanup_(loaded_done) struct loaded e = load_text(text, &env);
        CHECK(e.r == 0);
}

static void test_usage_on_one_side_only(void) {
        _cleanup_free_ char *dir = strdup_printf("%s/db", tmpdir);
        _cleanup_free_ char *usage = strdup_printf("%s/rstudio-pm-usage.sqlite", dir);
        CHECK(mkdir(dir, 0700) == 0);
        FILE *f = fopen(usage, "we");
        CHECK(f);
        if (f)
                fclose(f);
        _cleanup_free_ char *text = strdup_printf("[SQLite]\nDir = %s\n[Postgres]\nURL = postgres://u@h/pm\n", dir);
        _cleanup_(loaded_done) struct loaded l = load_text(text, &no_env);
        CHECK(l.r == -EINVAL);
        CHECK_CONTAINS(l.error, "rstudio-pm-usage.sqlite exists but [Postgres] has no UsageDataURL");
        unlink(usage);
        rmdir(dir);
}

static void test_errors(void) {
        static const struct {
                const char *text, *message;
        } cases[] = {
                { "[Postgres]\nURL = postgres://u:Zebra-Pass-9@h/pm\n",
                  "rstudio-pm.gcfg: no [SQLite] section: a migration needs both [SQLite] and [Postgres]" },
                { "[SQLite]\nDir = /x\n", "rstudio-pm.gcfg: no [Postgres] section" },
                { "[SQLite]\n[Postgres]\nPassword = Zebra-Pass-9\n", "rstudio-pm.gcfg: [Postgres] has no URL" },
                { "[SQLite]\n[Postgres]\nURL =\n", "rstudio-pm.gcfg:3: Postgres.URL is empty" },
                { "[SQLite]\n[Postgres]\nURL\n", "rstudio-pm.gcfg:3: Postgres.URL has no value" },
                { "[SQLite]\n[Postgres]\nURL = postgres://u:Zebra-Pass-9@h:x/pm\n",
                  "Postgres.URL (" },
                { "[SQLite]\n[Postgres]\nURL = mysql://u:Zebra-Pass-9@h/pm\n", "not a PostgreSQL URL" },
                { "[SQLite]\n[Postgres]\nURL = Zebra-Pass-9\n", "not a PostgreSQL connection URL" },
                { "[SQLite]\n[Postgres]\nURL = postgres://u@h/pm\nUsageDataPassword = Zebra-Pass-9\n",
                  "rstudio-pm.gcfg:4: Postgres.UsageDataPassword is set but Postgres.UsageDataURL is not" },
                { "[Database]\nProvider = mysql\n[SQLite]\n[Postgres]\nURL = postgres://u@h/pm\n",
                  "rstudio-pm.gcfg:2: Database.Provider = \"mysql\" is not a database provider" },
                { "[SQLite]\n[Postgres]\nURL = \"postgres://u:Zebra-Pass-9@h/pm\n",
                  "rstudio-pm.gcfg:3: unterminated quote" },
                { "[SQLite]\n[Postgres]\nPassword = Zebra\\qPass-9\n", "rstudio-pm.gcfg:3: unknown escape" },
                { "URL = postgres://u:Zebra-Pass-9@h/pm\n[Postgres]\n", "rstudio-pm.gcfg:1: variable 'URL' comes before" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(loaded_done) struct loaded l = load_text(cases[i].text, &no_env);
                CHECK(l.r < 0);
                CHECK_CONTAINS(l.error, cases[i].message);
                /* No error path may show the password. */
                CHECK_NOT_CONTAINS(l.error, "Zebra-Pass-9");
        }
}

static void test_missing_file(void) {
        _cleanup_free_ char *path = strdup_printf("%s/absent.gcfg", tmpdir);
        struct migrate_config *c = NULL;
        _cleanup_free_ char *error = NULL;
        CHECK(config_load(path, &no_env, &c, &error) == -ENOENT);
        CHECK_CONTAINS(error, "absent.gcfg: cannot open the configuration file");
}

static void test_provider_names(void) {
        enum db_provider p;
        CHECK(db_provider_from_flag("sqlite3", &p) == 0 && p == DB_SQLITE);
        CHECK(db_provider_from_flag("sqlite", &p) == 0 && p == DB_SQLITE);
        CHECK(db_provider_from_flag("pgx", &p) == 0 && p == DB_POSTGRES);
        CHECK(db_provider_from_flag("postgres", &p) == 0 && p == DB_POSTGRES);
        CHECK(db_provider_from_flag("mysql", &p) == -EINVAL);
        CHECK_STREQ(db_provider_flag_name(DB_POSTGRES), "pgx");
}

int main(void) {
        if (!mkdtemp(tmpdir))
                return EXIT_FAILURE;
        RUN(test_product_page_example);
        RUN(test_defaults);
        RUN(test_data_dir_sets_sqlite_dir);
        RUN(test_password_precedence);
        RUN(test_encrypted_password);
        RUN(test_usage_on_one_side_only);
        RUN(test_errors);
        RUN(test_missing_file);
        RUN(test_provider_names);
        _cleanup_free_ char *cfg = strdup_printf("%s/rstudio-pm.gcfg", tmpdir);
        unlink(cfg);
        rmdir(tmpdir);
        TAP_END();
}
