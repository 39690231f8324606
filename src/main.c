/* migrate: the front end.  Parse the command line, read the configuration,
 * say what will happen, then do it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "migrate/cleanup.h"
#include "migrate/cli.h"
#include "migrate/config.h"
#include "migrate/exit_status.h"
#include "migrate/log.h"
#include "migrate/migration.h"
#include "migrate/plan.h"

static int run_database(const struct cli_options *o) {
        _cleanup_(config_freep) struct migrate_config *c = NULL;
        _cleanup_free_ char *error = NULL;
        const struct config_env env = {
                .postgres_password = getenv(ENV_POSTGRES_PASSWORD),
                .usage_password = getenv(ENV_POSTGRES_USAGE_PASSWORD),
        };
        int r = config_load(o->config_path, &env, &c, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                return EXIT_STATUS_CONFIG;
        }
        for (size_t i = 0; c->notices && c->notices[i]; i++)
                log_notice("%s", c->notices[i]);
        plan_print(stdout, c, o);
        fflush(stdout);
        return migration_run(c, o);
}

int main(int argc, char *argv[]) {
        struct cli_options o;
        _cleanup_free_ char *error = NULL, *hint = NULL;

        if (cli_parse(argc, argv, &o, &error, &hint) < 0) {
                log_error("%s", error ? error : "invalid command line");
                if (hint)
                        fprintf(stderr, "migrate: hint: %s\n", hint);
                return EXIT_STATUS_USAGE;
        }
        switch (o.command) {
        case CLI_HELP:
                cli_print_help(stdout, o.help_topic);
                return EXIT_STATUS_OK;
        case CLI_VERSION:
                printf("migrate %s\n", MIGRATE_VERSION);
                return EXIT_STATUS_OK;
        case CLI_DATABASE:
                return run_database(&o);
        case CLI_NONE:
                break;
        }
        return EXIT_STATUS_USAGE;
}
