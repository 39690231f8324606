/* The privileged front end of `migrate database`: who may run it, is the
 * server stopped, read the configuration, then hand the work to an
 * unprivileged worker and wait.  Returns 0 when the worker ran, its exit
 * status in *ret_worker_status; else a negative errno (said why: -EBUSY,
 * the server runs; the ERR_ codes of exit_status.h for a refused caller or
 * an unusable configuration). */
#pragma once

#include "migrate/cli.h"

int frontend_database(const struct cli_options *o, int *ret_worker_status);
