/* The configuration's translated connection parameters against a real
 * PostgreSQL server (started by tests/harness/with-postgres.sh): the
 * percent-encoded password works, search_path reaches the server as a
 * run-time setting, pgx-only settings do not break the connection, the
 * environment password wins, and a failed login never shows the password. */
#include <errno.h>
#include <libpq-fe.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/config.h"
#include "migrate/strbuf.h"
#include "tap.h"

DEFINE_POINTER_CLEANUP(PGconn, PQfinish)
DEFINE_POINTER_CLEANUP(PGresult, PQclear)

static char tmpdir[] = "/tmp/test-pg-connect-XXXXXX";
static const char *host, *port, *user, *password, *database;

/* Percent-encode everything but unreserved characters, as a user would. */
static char *url_encode(const char *s) {
        struct strbuf b = {};
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c))
                        strbuf_putc(&b, (char) c);
                else
                        strbuf_printf(&b, "%%%02X", c);
        }
        return strbuf_steal(&b);
}

static struct migrate_config *load(const char *url, const struct config_env *env, char **error) {
        _cleanup_free_ char *path = strdup_printf("%s/rstudio-pm.gcfg", tmpdir);
        FILE *f = fopen(path, "we");
        if (!f)
                return NULL;
        fprintf(f, "[SQLite]\nDir = %s\n[Postgres]\nURL = \"%s\"\n", tmpdir, url);
        fclose(f);
        struct migrate_config *c = NULL;
        if (config_load(path, env, &c, error) < 0)
                return NULL;
        return c;
}

static PGconn *connect_main(const struct migrate_config *c) {
        const struct pg_params *p = &c->postgres[DB_MAIN].pg;
        return PQconnectdbParams((const char *const *) p->keywords, (const char *const *) p->values, 0);
}

static char *query_one(PGconn *conn, const char *sql) {
        _cleanup_(PQclearp) PGresult *res = PQexec(conn, sql);
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
                printf("# %s: %s", sql, PQerrorMessage(conn));
                return NULL;
        }
        return strdup(PQgetvalue(res, 0, 0));
}

static void test_url_with_special_password_and_runtime_settings(void) {
        _cleanup_free_ char *enc_user = url_encode(user), *enc_pw = url_encode(password), *error = NULL;
        _cleanup_free_ char *url = strdup_printf(
                "postgres://%s:%s@%s:%s/%s?sslmode=disable&search_path=pm_test,public&application_name=pm+migrate+test"
                "&pool_max_conns=4&statement_cache_capacity=64",
                enc_user, enc_pw, host, port, database);
        const struct config_env env = {};
        _cleanup_(config_freep) struct migrate_config *c = load(url, &env, &error);
        CHECK(c);
        if (!c) {
                printf("# %s\n", error);
                return;
        }
        _cleanup_(PQfinishp) PGconn *conn = connect_main(c);
        CHECK(PQstatus(conn) == CONNECTION_OK);
        if (PQstatus(conn) != CONNECTION_OK) {
                printf("# %s", PQerrorMessage(conn));
                return;
        }
        _cleanup_free_ char *search_path = query_one(conn, "SHOW search_path");
        _cleanup_free_ char *who = query_one(conn, "SELECT current_user");
        _cleanup_free_ char *app = query_one(conn, "SHOW application_name");
        CHECK_STREQ(search_path, "pm_test,public");
        CHECK_STREQ(who, user);
        CHECK_STREQ(app, "pm migrate test");
}

static void test_environment_password_wins(void) {
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ char *url = strdup_printf("postgres://%s:wrong-in-url@%s:%s/%s?sslmode=disable", user, host, port, database);
        const struct config_env env = { .postgres_password = password };
        _cleanup_(config_freep) struct migrate_config *c = load(url, &env, &error);
        CHECK(c);
        if (!c)
                return;
        _cleanup_(PQfinishp) PGconn *conn = connect_main(c);
        CHECK(PQstatus(conn) == CONNECTION_OK);
}

static void test_wrong_password_error_is_clean(void) {
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ char *url = strdup_printf("postgres://%s:Zebra-Pass-9@%s:%s/%s?sslmode=disable", user, host, port, database);
        const struct config_env env = {};
        _cleanup_(config_freep) struct migrate_config *c = load(url, &env, &error);
        CHECK(c);
        if (!c)
                return;
        _cleanup_(PQfinishp) PGconn *conn = connect_main(c);
        CHECK(PQstatus(conn) == CONNECTION_BAD);
        CHECK_CONTAINS(PQerrorMessage(conn), "password authentication failed");
        CHECK_NOT_CONTAINS(PQerrorMessage(conn), "Zebra-Pass-9");
        CHECK_NOT_CONTAINS(c->postgres[DB_MAIN].display, "Zebra-Pass-9");
}

static void test_unknown_runtime_setting_is_the_servers_error(void) {
        /* pgx would send it to the server too; the server names it. */
        _cleanup_free_ char *enc_pw = url_encode(password), *error = NULL;
        _cleanup_free_ char *url = strdup_printf("postgres://%s:%s@%s:%s/%s?sslmode=disable&no_such_setting=1", user, enc_pw,
                                                 host, port, database);
        const struct config_env env = {};
        _cleanup_(config_freep) struct migrate_config *c = load(url, &env, &error);
        CHECK(c);
        if (!c)
                return;
        _cleanup_(PQfinishp) PGconn *conn = connect_main(c);
        CHECK(PQstatus(conn) == CONNECTION_BAD);
        CHECK_CONTAINS(PQerrorMessage(conn), "no_such_setting");
}

int main(void) {
        host = getenv("MIGRATE_TEST_PGHOST");
        port = getenv("MIGRATE_TEST_PGPORT");
        user = getenv("MIGRATE_TEST_PGUSER");
        password = getenv("MIGRATE_TEST_PGPASSWORD");
        database = getenv("MIGRATE_TEST_PGDATABASE");
        if (!host || !port || !user || !password || !database) {
                /* A failure, not a skip: this test exists to talk to a real server. */
                printf("Bail out! run me under tests/harness/with-postgres.sh (MIGRATE_TEST_PG* not set)\n");
                return EXIT_FAILURE;
        }
        if (!mkdtemp(tmpdir))
                return EXIT_FAILURE;
        RUN(test_url_with_special_password_and_runtime_settings);
        RUN(test_environment_password_wins);
        RUN(test_wrong_password_error_is_clean);
        RUN(test_unknown_runtime_setting_is_the_servers_error);
        _cleanup_free_ char *cfg = strdup_printf("%s/rstudio-pm.gcfg", tmpdir);
        unlink(cfg);
        rmdir(tmpdir);
        TAP_END();
}
