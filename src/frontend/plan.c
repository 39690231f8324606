#include "migrate/plan.h"

#include <stdlib.h>

#include "migrate/cleanup.h"
#include "migrate/log.h"

static void print_endpoint(FILE *f, const struct db_endpoint *ep) {
        out_line(f, "    %-10s %s", db_provider_label(ep->provider), ep->display);
        if (ep->provider == DB_POSTGRES) {
                _cleanup_free_ char *params = pg_params_describe(&ep->pg);
                out_line(f, "    %-10s %s", "", params ? params : "");
                out_line(f, "    %-10s password: %s", "", ep->password_source ? ep->password_source : "none given");
        }
        out_line(f, "    %-10s from %s", "", ep->origin);
}

void plan_print(FILE *f, const struct migrate_config *c, const struct cli_options *o) {
        out_line(f, "Configuration: %s", c->path);
        out_line(f, "Server database provider (Database.Provider): %s", db_provider_label(c->server_provider));
        out_line(f, "%s: %s (%s) -> %s (%s)", o->verify ? "Verify" : "Migrate", db_provider_label(o->from),
                db_provider_flag_name(o->from), db_provider_label(o->to), db_provider_flag_name(o->to));
        if (o->drop_all)
                out_line(f, "Existing data in the target will be dropped first (--drop-all).");
        for (enum db_role role = DB_MAIN; role < _DB_ROLE_MAX; role++) {
                const struct db_endpoint *from = config_endpoint(c, o->from, role);
                const struct db_endpoint *to = config_endpoint(c, o->to, role);
                if (!from || !to) {
                        out_line(f, "  %s data: not configured (no Postgres.UsageDataURL), skipped", db_role_label(role));
                        continue;
                }
                out_line(f, "  %s data", db_role_label(role));
                out_line(f, "    source");
                print_endpoint(f, from);
                out_line(f, "    target");
                print_endpoint(f, to);
        }
}

void plan_print_commit(FILE *f, size_t n_databases, bool two_phase) {
        if (n_databases < 2)
                out_line(f, "Commit: one transaction, committed only after verification.");
        else if (two_phase)
                out_line(f, "Commit: two-phase (max_prepared_transactions > 0 on both servers): both databases are "
                    "prepared, then committed; a fault before both are prepared commits neither.");
        else
                out_line(f, "Commit: main, then usage, each after both are verified (two-phase commit needs "
                    "max_prepared_transactions > 0 on both servers); a fault between the two commits leaves main "
                    "committed and usage as it was, and migrate says so and what to run.");
}
