/* What a `migrate database` run will do, in words: which configuration,
 * which direction, which databases -- with every password hidden. */
#pragma once

#include <stdio.h>

#include "migrate/cli.h"
#include "migrate/config.h"

void plan_print(FILE *f, const struct migrate_config *c, const struct cli_options *o);
