/* What a `migrate database` run will do, in words: which configuration,
 * which direction, which databases -- with every password hidden. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "migrate/cli.h"
#include "migrate/config.h"

void plan_print(FILE *f, const struct migrate_config *c, const struct cli_options *o);
/* How the run will commit, said once the target databases are open and
 * before anything is written. */
void plan_print_commit(FILE *f, size_t n_databases, bool two_phase);
