/* pgx-style connection strings -> libpq parameters. */
#include <errno.h>

#include "migrate/cleanup.h"
#include "migrate/pgurl.h"
#include "migrate/strv.h"
#include "tap.h"

struct result {
        struct pg_params p;
        char **notices;
        char *error;
        int r;
};

static void result_done(struct result *x) {
        pg_params_done(&x->p);
        strv_free(x->notices);
        free(x->error);
}

static struct result translate(const char *dsn) {
        struct result x = {};
        x.r = pgurl_translate(dsn, "Postgres.URL (t.gcfg:3)", &x.p, &x.notices, &x.error);
        return x;
}

static void test_basic_url(void) {
        _cleanup_(result_done) struct result x = translate("postgres://rspm:secret@db.example.com:5433/rstudio_pm");
        CHECK(x.r == 0);
        CHECK_STREQ(pg_params_get(&x.p, "user"), "rspm");
        CHECK_STREQ(pg_params_get(&x.p, "password"), "secret");
        CHECK_STREQ(pg_params_get(&x.p, "host"), "db.example.com");
        CHECK_STREQ(pg_params_get(&x.p, "port"), "5433");
        CHECK_STREQ(pg_params_get(&x.p, "dbname"), "rstudio_pm");
        CHECK_STREQ(pg_params_get(&x.p, "fallback_application_name"), "rstudio-pm-migrate");
        CHECK(!x.notices);
}

static void test_percent_encoding(void) {
        _cleanup_(result_done) struct result x = translate("postgresql://us%40er:p%40ss%3Aw%2Fo%25rd@h/my%20db?application_name=a+b");
        CHECK(x.r == 0);
        CHECK_STREQ(pg_params_get(&x.p, "user"), "us@er");
        CHECK_STREQ(pg_params_get(&x.p, "password"), "p@ss:w/o%rd");
        CHECK_STREQ(pg_params_get(&x.p, "dbname"), "my db");
        /* Go's url.ParseQuery turns '+' into a space. */
        CHECK_STREQ(pg_params_get(&x.p, "application_name"), "a b");
}

static void test_unencoded_at_in_password(void) {
        /* The last '@' ends the user information, as in Go's url.Parse. */
        _cleanup_(result_done) struct result x = translate("postgres://u:p@ss@h/db");
        CHECK(x.r == 0);
        CHECK_STREQ(pg_params_get(&x.p, "password"), "p@ss");
        CHECK_STREQ(pg_params_get(&x.p, "host"), "h");
}

static void test_libpq_parameters_pass(void) {
        _cleanup_(result_done) struct result x =
                translate("postgres://u@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=10&target_session_attrs=read-write");
        CHECK(x.r == 0);
        CHECK_STREQ(pg_params_get(&x.p, "sslmode"), "verify-full");
        CHECK_STREQ(pg_params_get(&x.p, "sslrootcert"), "/etc/ca.pem");
        CHECK_STREQ(pg_params_get(&x.p, "connect_timeout"), "10");
        CHECK_STREQ(pg_params_get(&x.p, "target_session_attrs"), "read-write");
        CHECK(!pg_params_get(&x.p, "options"));
}

static void test_runtime_settings_become_options(void) {
        _cleanup_(result_done) struct result x =
                translate("postgres://u@h/db?search_path=pm,public&timezone=UTC&options=-c%20work_mem%3D64MB&lock_timeout=1%20s");
        CHECK(x.r == 0);
        CHECK_STREQ(pg_params_get(&x.p, "options"), "-c search_path=pm,public -c timezone=UTC -c work_mem=64MB -c lock_timeout=1\\ s");
        CHECK(!pg_params_get(&x.p, "search_path"));
}

static void test_pgx_driver_settings_dropped(void) {
        _cleanup_(result_done) struct result x =
                translate("postgres://u@h/db?pool_max_conns=10&statement_cache_mode=describe&sslmode=disable");
        CHECK(x.r == 0);
        CHECK(!pg_params_get(&x.p, "pool_max_conns"));
        CHECK(!pg_params_get(&x.p, "options"));
        CHECK_STREQ(pg_params_get(&x.p, "sslmode"), "disable");
        CHECK(strv_length(x.notices) == 2);
        CHECK_CONTAINS(x.notices ? x.notices[0] : NULL, "Postgres.URL (t.gcfg:3): ignoring pool_max_conns=10");
}

static void test_hosts(void) {
        _cleanup_(result_done) struct result x = translate("postgres://u@[::1]:5432,db2,db3:6000/db");
        CHECK(x.r == 0);
        CHECK_STREQ(pg_params_get(&x.p, "host"), "::1,db2,db3");
        CHECK_STREQ(pg_params_get(&x.p, "port"), "5432,,6000");

        _cleanup_(result_done) struct result y = translate("postgres:///rstudio_pm?host=/var/run/postgresql");
        CHECK(y.r == 0);
        CHECK_STREQ(pg_params_get(&y.p, "host"), "/var/run/postgresql");
        CHECK_STREQ(pg_params_get(&y.p, "dbname"), "rstudio_pm");
        CHECK(!pg_params_get(&y.p, "port"));
}

static void test_keyword_value_form(void) {
        _cleanup_(result_done) struct result x =
                translate("host=db port=5432 user=rspm password='it\\'s me' dbname=pm search_path=pm pool_max_conns=4");
        CHECK(x.r == 0);
        CHECK_STREQ(pg_params_get(&x.p, "host"), "db");
        CHECK_STREQ(pg_params_get(&x.p, "dbname"), "pm");
        CHECK_STREQ(pg_params_get(&x.p, "options"), "-c search_path=pm");
        CHECK_STREQ(pg_params_get(&x.p, "password"), "it's me");
        CHECK(strv_length(x.notices) == 1);
}

static void test_errors_never_show_the_password(void) {
        static const struct {
                const char *dsn, *message;
        } cases[] = {
                { "mysql://u:Hunter2Secret@h/db", "not a PostgreSQL URL" },
                { "postgres://u:Hunter2Secret@h:54x/db", "is not a port number" },
                { "postgres://u:Hunter2Secret@h:99999999/db", "is not a port number" },
                { "postgres://u:Hunter2Secret@h:65536/db", "is not a port number" },
                { "postgres://u:Hunter2Secret@h:0/db", "is not a port number" },
                { "postgres://u:Hunter2Secret@h/d%zzb", "invalid percent-encoding in the database name" },
                { "postgres://u:Hunter2Secret@h/db%2", "incomplete percent-encoding" },
                { "postgres://u:Hunter2Secret@h/db%00", "%00 (a NUL byte) in the database name" },
                { "postgres://u:Hunter2Secret@[::1/db", "unterminated '['" },
                { "postgres://u:Hunter2Secret@h/db?bad%20name=1", "'bad name' is neither a libpq parameter nor a server setting" },
                { "host=h password=Hunter2Secret dbname", "a word without '='" },
                { "host=h password='Hunter2Secret", "unterminated quoted value for 'password'" },
                { "just words Hunter2Secret", "not a PostgreSQL connection URL" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(result_done) struct result x = translate(cases[i].dsn);
                CHECK(x.r == -EINVAL);
                CHECK_CONTAINS(x.error, "Postgres.URL (t.gcfg:3): ");
                CHECK_CONTAINS(x.error, cases[i].message);
                CHECK_NOT_CONTAINS(x.error, "Hunter2Secret");
        }
}

/* A password with a blank, which Go's URL parser would refuse but this one
 * takes: its error still hides all of it (found by fuzzing). */
static void test_error_hides_password_with_blank(void) {
        _cleanup_(result_done) struct result x = translate("postgres://u:Hunter2 Secret@h:54x/db");
        CHECK(x.r == -EINVAL);
        CHECK_CONTAINS(x.error, "is not a port number");
        CHECK_NOT_CONTAINS(x.error, "Hunter2");
        CHECK_NOT_CONTAINS(x.error, "Secret");
}

static void test_describe_hides_password(void) {
        _cleanup_(result_done) struct result x = translate("postgres://u:Hunter2Secret@h/db?sslpassword=KeyPass");
        CHECK(x.r == 0);
        _cleanup_free_ char *d = pg_params_describe(&x.p);
        CHECK_CONTAINS(d, "host=h");
        CHECK_NOT_CONTAINS(d, "Hunter2Secret");
        CHECK_NOT_CONTAINS(d, "KeyPass");
}

/* Each spelling that 0.1.0 echoed in the plan, an error or a notice. */
static void test_password_spellings_never_shown(void) {
        static const struct {
                const char *dsn, *password; /* password: what libpq gets, NULL on an error */
        } cases[] = {
                { "postgres://q:pa'Hunter2@h/db", "pa'Hunter2" },
                { "postgres://q:pa Hunter2@h/db", "pa Hunter2" },
                { "postgres://q:pa\\Hunter2@h/db", "pa\\Hunter2" },
                { "postgres://q:pa%2FHunter2@h/db", "pa/Hunter2" },
                { "postgres://q@h/db?Password=Hunter2", "Hunter2" },
                { "postgres://q@h/db?PASSWORD=Hunter2&sslmode=disable", "Hunter2" },
                { "postgres://q@h/db?pass%77ord=Hunter2", "Hunter2" },
                { "postgres://q@h/db?%50assword=Hunter2", "Hunter2" },
                { "host=h user=q dbname=db password=se\\ Hunter2", "se Hunter2" },
                { "host=h user=q dbname=db Password='se Hunter2'", "se Hunter2" },
                { "postgres://q:pa/Hunter2@h/db", NULL },
                { "postgres://q:pa#Hunter2@h/db", NULL },
                { "postgres://q:pa?Hunter2@h/db", NULL },
                { "postgres://q:12/Hunter2@h/db", NULL },
                { "postgres://q:1?Hunter2@h/db", NULL },
                { "host=h user=q password=se Hunter2", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(result_done) struct result x = translate(cases[i].dsn);
                printf("# %s\n", cases[i].dsn);
                if (cases[i].password) {
                        CHECK(x.r == 0);
                        CHECK_STREQ(pg_params_get(&x.p, "password"), cases[i].password);
                        /* Never a server setting: that is sent, logged and printed. */
                        CHECK(!pg_params_get(&x.p, "options"));
                        _cleanup_free_ char *d = pg_params_describe(&x.p), *u = pg_params_display(&x.p);
                        CHECK_NOT_CONTAINS(d, "Hunter2");
                        CHECK_STREQ(u, "postgres://q:xxxxx@h/db");
                } else {
                        CHECK(x.r == -EINVAL);
                        CHECK_CONTAINS(x.error, "Postgres.URL (t.gcfg:3): ");
                        CHECK_CONTAINS(x.error, "cannot be parsed");
                        CHECK_NOT_CONTAINS(x.error, "Hunt");
                }
                for (size_t k = 0; x.notices && x.notices[k]; k++)
                        CHECK_NOT_CONTAINS(x.notices[k], "Hunt");
        }
}

static void test_other_pass_parameters_dropped(void) {
        _cleanup_(result_done) struct result x =
                translate("postgres://q@h/db?passphrase=Hunter2&Pass=Hunter3&sslpassword=Hunter4&search_path=pm");
        CHECK(x.r == 0);
        CHECK(!pg_params_get(&x.p, "password"));
        CHECK_STREQ(pg_params_get(&x.p, "sslpassword"), "Hunter4");
        CHECK_STREQ(pg_params_get(&x.p, "options"), "-c search_path=pm");
        CHECK(strv_length(x.notices) == 2);
        for (size_t k = 0; x.notices && x.notices[k]; k++) {
                CHECK_CONTAINS(x.notices[k], "contains \"pass\"");
                CHECK_NOT_CONTAINS(x.notices[k], "Hunt");
        }
}

static void test_describe_hides_options_values(void) {
        _cleanup_(result_done) struct result x =
                translate("postgres://q@h:5433,[::1]:5434/db?options=-c%20geqo=off%20-cwork_mem=4MB%20oops&search_path=pm");
        CHECK(x.r == 0);
        _cleanup_free_ char *d = pg_params_describe(&x.p), *u = pg_params_display(&x.p);
        CHECK_CONTAINS(d, "options=-c geqo=... -cwork_mem=... ... -c search_path=...");
        CHECK_NOT_CONTAINS(d, "off");
        CHECK_NOT_CONTAINS(d, "4MB");
        CHECK_NOT_CONTAINS(d, "oops");
        CHECK_STREQ(u, "postgres://q@h:5433,[::1]:5434/db");
}

int main(void) {
        RUN(test_basic_url);
        RUN(test_percent_encoding);
        RUN(test_unencoded_at_in_password);
        RUN(test_libpq_parameters_pass);
        RUN(test_runtime_settings_become_options);
        RUN(test_pgx_driver_settings_dropped);
        RUN(test_hosts);
        RUN(test_keyword_value_form);
        RUN(test_errors_never_show_the_password);
        RUN(test_error_hides_password_with_blank);
        RUN(test_describe_hides_password);
        RUN(test_password_spellings_never_shown);
        RUN(test_other_pass_parameters_dropped);
        RUN(test_describe_hides_options_values);
        TAP_END();
}
