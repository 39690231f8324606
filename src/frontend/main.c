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

/* 0, or a negative errno whose message is said.  When a worker ran, its
 * exit status is in *ret_worker_status. */
static int run(int argc, char *argv[], int *ret_worker_status) {
        struct cli_options o;
        _cleanup_free_ char *error = NULL, *hint = NULL;

        if (cli_parse(argc, argv, &o, &error, &hint) < 0) {
                log_error("%s", error ? error : "invalid command line");
                if (hint)
                        log_hint("%s", hint);
                return -ERR_USAGE;
        }
        switch (o.command) {
        case CLI_HELP:
                cli_print_help(stdout, o.help_topic);
                return 0;
        case CLI_VERSION:
                printf("migrate %s\n", MIGRATE_VERSION);
                return 0;
        case CLI_DATABASE:
                return frontend_database(&o, ret_worker_status);
        case CLI_NONE:
                break;
        }
        return -ERR_USAGE;
}

int main(int argc, char *argv[]) {
        int worker_status = EXIT_STATUS_OK;
        /* Before anything else: environment, inherited fds, core dumps. */
        int r = secure_setup();
        if (r < 0) {
                log_error("cannot set up a safe environment: %s", strerror(-r));
                return exit_status_from_error(r, 0);
        }
        /* A reader that goes away (| head) must not kill us, least of all
         * between the two commits: a failed write is an exit status instead. */
        signal(SIGPIPE, SIG_IGN);
        r = run(argc, argv, &worker_status);
        /* The worker decided its own status with exit_status_from_error() too. */
        int status = r < 0 ? exit_status_from_error(r, 0) : worker_status;
        r = output_finish(status == EXIT_STATUS_OK);
        return r < 0 ? exit_status_from_error(r, 0) : status;
}
