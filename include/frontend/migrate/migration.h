/* One `migrate database` run: for the main and (when configured) the usage
 * database, check, copy and verify, each in its own target transaction;
 * commit them only when every one has been verified.  Returns the exit
 * status (exit_status.h). */
#pragma once

#include "migrate/cli.h"
#include "migrate/config.h"

int migration_run(const struct migrate_config *c, const struct cli_options *o);
