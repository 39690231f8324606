/* The command line, parsed the way Go's flag package does it (as the
 * product's other tools are): -flag, --flag, -flag=value, -flag value;
 * flags stop at the first argument that is not one, or at "--". */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "migrate/config.h"

enum cli_command {
        CLI_NONE,
        CLI_HELP,
        CLI_DATABASE,
        CLI_VERSION,
};

struct cli_options {
        const char *config_path;
        enum cli_command command;
        enum cli_command help_topic; /* CLI_HELP: which help; CLI_NONE for the overview */
        bool verify;
        bool drop_all;
        bool progress;
        enum db_provider from, to;
        bool stderr_is_tty; /* not a flag: the front end's stderr is a terminal (progress bars) */
};

/* Returns 0, or -EINVAL with a one-line message and a hint (both allocated)
 * for a usage error. */
int cli_parse(int argc, char *const *argv, struct cli_options *ret, char **ret_error, char **ret_hint);
void cli_print_help(FILE *f, enum cli_command topic);
