/* migrate: parse the command line, then hand `database` to the front end
 * (frontend.c), which checks who runs it and whether the server is stopped
 * before a worker with no privileges does the work. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "migrate/cleanup.h"
#include "migrate/cli.h"
#include "migrate/exit_status.h"
#include "migrate/frontend.h"
#include "migrate/log.h"
#include "migrate/output.h"
#include "migrate/secure.h"

static int run(int argc, char *argv[]) {
        struct cli_options o;
        _cleanup_free_ char *error = NULL, *hint = NULL;

        if (cli_parse(argc, argv, &o, &error, &hint) < 0) {
                log_error("%s", error ? error : "invalid command line");
                if (hint)
                        log_hint("%s", hint);
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
                return frontend_database(&o);
        case CLI_NONE:
                break;
        }
        return EXIT_STATUS_USAGE;
}

int main(int argc, char *argv[]) {
        /* Before anything else: environment, inherited fds, core dumps. */
        int r = secure_setup();
        if (r < 0) {
                log_error("cannot set up a safe environment: %s", strerror(-r));
                return EXIT_STATUS_FAILED;
        }
        /* A reader that goes away (| head) must not kill us, least of all
         * between the two commits: a failed write is an exit status instead. */
        signal(SIGPIPE, SIG_IGN);
        return output_finish(run(argc, argv));
}
