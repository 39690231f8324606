/* Go-flag compatible command line parsing. */
#include <errno.h>

#include "migrate/cleanup.h"
#include "migrate/cli.h"
#include "tap.h"

struct parsed {
        struct cli_options o;
        char *error, *hint;
        int r;
};

static void parsed_done(struct parsed *p) {
        free(p->error);
        free(p->hint);
}

#define PARSE(...)                                                                      \
        ({                                                                              \
                char *_argv[] = { (char *) "migrate", __VA_ARGS__ };                    \
                struct parsed _p = {};                                                  \
                _p.r = cli_parse((int) ELEMENTSOF(_argv), _argv, &_p.o, &_p.error, &_p.hint); \
                _p;                                                                     \
        })

static void test_defaults(void) {
        _cleanup_(parsed_done) struct parsed p = PARSE("database");
        CHECK(p.r == 0);
        CHECK(p.o.command == CLI_DATABASE);
        CHECK_STREQ(p.o.config_path, "/etc/rstudio-pm/rstudio-pm.gcfg");
        CHECK(p.o.from == DB_SQLITE && p.o.to == DB_POSTGRES);
        CHECK(!p.o.verify && !p.o.drop_all && !p.o.progress);
}

static void test_flag_spellings(void) {
        _cleanup_(parsed_done) struct parsed a = PARSE("--config", "/a.gcfg", "database", "--verify", "-progress");
        CHECK(a.r == 0 && a.o.verify && a.o.progress);
        CHECK_STREQ(a.o.config_path, "/a.gcfg");
        _cleanup_(parsed_done) struct parsed b = PARSE("-config=/b.gcfg", "database", "-from=pgx", "--to", "sqlite3", "--drop-all");
        CHECK(b.r == 0 && b.o.from == DB_POSTGRES && b.o.to == DB_SQLITE && b.o.drop_all);
        CHECK_STREQ(b.o.config_path, "/b.gcfg");
        _cleanup_(parsed_done) struct parsed c = PARSE("database", "--from", "postgres", "--to=sqlite");
        CHECK(c.r == 0 && c.o.from == DB_POSTGRES && c.o.to == DB_SQLITE);
        _cleanup_(parsed_done) struct parsed d = PARSE("database", "--verify=true", "--progress=false");
        CHECK(d.r == 0 && d.o.verify && !d.o.progress);
        /* "--" ends the flags. */
        _cleanup_(parsed_done) struct parsed e = PARSE("database", "--verify", "--");
        CHECK(e.r == 0 && e.o.verify);
}

static void test_help_forms(void) {
        _cleanup_(parsed_done) struct parsed a = PARSE("help");
        CHECK(a.r == 0 && a.o.command == CLI_HELP && a.o.help_topic == CLI_NONE);
        _cleanup_(parsed_done) struct parsed b = PARSE("help", "database");
        CHECK(b.r == 0 && b.o.command == CLI_HELP && b.o.help_topic == CLI_DATABASE);
        _cleanup_(parsed_done) struct parsed c = PARSE("-h");
        CHECK(c.r == 0 && c.o.command == CLI_HELP && c.o.help_topic == CLI_NONE);
        _cleanup_(parsed_done) struct parsed d = PARSE("database", "--help");
        CHECK(d.r == 0 && d.o.command == CLI_HELP && d.o.help_topic == CLI_DATABASE);
        _cleanup_(parsed_done) struct parsed e = PARSE("--version");
        CHECK(e.r == 0 && e.o.command == CLI_VERSION);
}

static void test_usage_errors(void) {
        static const struct {
                const char *args[4];
                const char *error, *hint;
        } cases[] = {
                { { "frobnicate" }, "unknown command \"frobnicate\"", "the commands are: database, help" },
                { { "database", "--bogus" }, "flag provided but not defined: -bogus", "migrate help database" },
                { { "--bogus", "database" }, "flag provided but not defined: -bogus", "migrate help" },
                { { "--verify", "database" }, "flag provided but not defined: -verify", "flag of the database command" },
                { { "database", "--config", "x" }, "flag provided but not defined: -config", "global flags go before the command" },
                { { "database", "--from" }, "flag needs an argument: -from", "migrate help database" },
                { { "--config" }, "flag needs an argument: -config", "migrate help" },
                { { "database", "--from=pgx", "--to=pgx" }, "--from and --to are both pgx", "--from=pgx --to=sqlite3" },
                { { "database", "--to=sqlite3" }, "--from and --to are both sqlite3", "" },
                { { "database", "--from=mysql" }, "invalid value \"mysql\" for flag -from: unknown database", "sqlite3" },
                { { "database", "--verify=maybe" }, "invalid boolean value \"maybe\" for -verify", "true or false" },
                { { "database", "extra" }, "unexpected argument \"extra\"", "takes flags only" },
                { { "database", "---verify" }, "bad flag syntax: ---verify", "" },
                { { "database", "--verify", "--drop-all" }, "cannot be combined with --drop-all", "" },
                { { "help", "nothing" }, "unknown help topic \"nothing\"", "database, help" },
                { { "--config=", "database" }, "flag -config needs a non-empty value", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *argv[6] = { (char *) "migrate" };
                int argc = 1;
                for (size_t k = 0; k < 4 && cases[i].args[k]; k++)
                        argv[argc++] = (char *) cases[i].args[k];
                struct cli_options o;
                _cleanup_free_ char *error = NULL, *hint = NULL;
                CHECK(cli_parse(argc, argv, &o, &error, &hint) == -EINVAL);
                CHECK_CONTAINS(error, cases[i].error);
                CHECK_CONTAINS(hint, cases[i].hint);
        }
        /* No command at all. */
        char *argv[] = { (char *) "migrate" };
        struct cli_options o;
        _cleanup_free_ char *error = NULL, *hint = NULL;
        CHECK(cli_parse(1, argv, &o, &error, &hint) == -EINVAL);
        CHECK_CONTAINS(error, "no command given");
}

int main(void) {
        RUN(test_defaults);
        RUN(test_flag_spellings);
        RUN(test_help_forms);
        RUN(test_usage_errors);
        TAP_END();
}
