/* The privileged front end of `migrate database`: who may run it, is the
 * server stopped, read the configuration, then hand the work to an
 * unprivileged worker and wait.  Returns the exit status. */
#pragma once

#include "migrate/cli.h"

int frontend_database(const struct cli_options *o);
