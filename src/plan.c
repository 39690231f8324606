#include "migrate/plan.h"

#include <stdlib.h>

#include "migrate/cleanup.h"

static void print_endpoint(FILE *f, const struct db_endpoint *ep) {
        fprintf(f, "    %-10s %s\n", db_provider_label(ep->provider), ep->display);
        if (ep->provider == DB_POSTGRES) {
                _cleanup_free_ char *params = pg_params_describe(&ep->pg);
                fprintf(f, "    %-10s %s\n", "", params ? params : "");
                fprintf(f, "    %-10s password: %s\n", "", ep->password_source ? ep->password_source : "none given");
        }
        fprintf(f, "    %-10s from %s\n", "", ep->origin);
}

void plan_print(FILE *f, const struct migrate_config *c, const struct cli_options *o) {
        fprintf(f, "Configuration: %s\n", c->path);
        fprintf(f, "Server database provider (Database.Provider): %s\n", db_provider_label(c->server_provider));
        fprintf(f, "%s: %s (%s) -> %s (%s)\n", o->verify ? "Verify" : "Migrate", db_provider_label(o->from),
                db_provider_flag_name(o->from), db_provider_label(o->to), db_provider_flag_name(o->to));
        if (o->drop_all)
                fprintf(f, "Existing data in the target will be dropped first (--drop-all).\n");
        for (enum db_role role = DB_MAIN; role < _DB_ROLE_MAX; role++) {
                const struct db_endpoint *from = config_endpoint(c, o->from, role);
                const struct db_endpoint *to = config_endpoint(c, o->to, role);
                if (!from || !to) {
                        fprintf(f, "  %s data: not configured (no Postgres.UsageDataURL), skipped\n", db_role_label(role));
                        continue;
                }
                fprintf(f, "  %s data\n", db_role_label(role));
                fprintf(f, "    source\n");
                print_endpoint(f, from);
                fprintf(f, "    target\n");
                print_endpoint(f, to);
        }
}
