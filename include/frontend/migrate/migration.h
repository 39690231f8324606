/* One `migrate database` run: for the main and (when configured) the usage
 * database, check, copy and verify, each in its own target transaction;
 * commit them only when every one has been verified.  Returns 0 or a
 * negative errno, its message already logged; the errno is the outcome's
 * (exit_status.h: -EBADE for a difference, -ENOTEMPTY, -EBUSY, ...), and
 * -EINTR when a signal stopped the run. */
#pragma once

#include "migrate/cli.h"
#include "migrate/config.h"

int migration_run(const struct migrate_config *c, const struct cli_options *o);
