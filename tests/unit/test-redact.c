/* The one redaction function, on every shape of secret the program may print. */
#include "migrate/cleanup.h"
#include "migrate/redact.h"
#include "tap.h"

static void check(const char *in, const char *expected) {
        _cleanup_free_ char *out = redact_secrets(in);
        CHECK_STREQ(out, expected);
}

static void test_url_userinfo(void) {
        check("postgres://rspm:s3cret@db:5432/pm", "postgres://rspm:xxxxx@db:5432/pm");
        check("postgres://rspm@db/pm", "postgres://rspm@db/pm");
        check("postgres://db/pm", "postgres://db/pm");
        check("postgres://u:p@ss@h/db", "postgres://u:xxxxx@h/db");
        /* pgurl_translate() takes "my secret" as the password: it must not show. */
        check("postgres://rspm:my secret@db:99999/pm", "postgres://rspm:xxxxx@db:99999/pm");
        check("postgres://rspm:my\tsecret\"'x@db/pm", "postgres://rspm:xxxxx@db/pm");
        /* A "password=" in the user part is a secret of its own. */
        check("x://a password=s3:cr3t c@d", "x://a password=xxxxxxxxxx@d");
        check("connect to postgresql://a:b@h/x failed; also postgres://c:d@h2/y",
              "connect to postgresql://a:xxxxx@h/x failed; also postgres://c:xxxxx@h2/y");
}

static void test_query_and_keyword_value(void) {
        check("postgres://h/db?user=u&password=s3cret&sslmode=require", "postgres://h/db?user=u&password=xxxxx&sslmode=require");
        check("postgres://h/db?sslpassword=k3y", "postgres://h/db?sslpassword=xxxxx");
        check("postgres://h/db?password=my secret's@x&sslmode=require", "postgres://h/db?password=xxxxx&sslmode=require");
        check("host=h password=s3cret user=u", "host=h password=xxxxx user=u");
        check("host=h password = 's3 cr\\'et' user=u", "host=h password = xxxxx user=u");
        check("PASSWORD=Top&Secret dbname=x", "PASSWORD=xxxxx dbname=x");
        /* libpq and pgurl_translate() read "a\ b" as the password "a b". */
        check("host=h password=s3\\ cr\\ et user=u", "host=h password=xxxxx user=u");
}

static void test_plain_text_untouched(void) {
        check("", "");
        check("no secrets here: password reset needed", "no secrets here: password reset needed");
        check("/var/lib/rstudio-pm/db/rstudio-pm.sqlite", "/var/lib/rstudio-pm/db/rstudio-pm.sqlite");
}

static void test_secret_names(void) {
        CHECK(redact_is_secret_name("password"));
        CHECK(redact_is_secret_name("Password"));
        CHECK(redact_is_secret_name("PASSWORD"));
        CHECK(redact_is_secret_name("sslpassword"));
        CHECK(redact_is_secret_name("UsageDataPassword"));
        CHECK(redact_is_secret_name("passphrase"));
        CHECK(redact_is_secret_name("Pass"));
        CHECK(!redact_is_secret_name("user"));
        CHECK(!redact_is_secret_name("search_path"));
        CHECK(!redact_is_secret_name("options"));
}

int main(void) {
        RUN(test_url_userinfo);
        RUN(test_query_and_keyword_value);
        RUN(test_plain_text_untouched);
        RUN(test_secret_names);
        TAP_END();
}
