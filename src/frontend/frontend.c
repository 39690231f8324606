#include "migrate/frontend.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migrate/access.h"
#include "migrate/cleanup.h"
#include "migrate/config.h"
#include "migrate/exit_status.h"
#include "migrate/gcfg.h"
#include "migrate/interrupt.h"
#include "migrate/log.h"
#include "migrate/migration.h"
#include "migrate/plan.h"
#include "migrate/privsep.h"
#include "migrate/secure.h"
#include "migrate/service.h"

struct worker_job {
        const struct migrate_config *config;
        const struct cli_options *options;
};

/* The worker's main(): its exit status, decided as the front end's is. */
static int worker_main(void *data) {
        const struct worker_job *job = data;
        int r = migration_run(job->config, job->options);
        return exit_status_from_error(r, interrupt_signal()); /* the signal once the run has ended */
}

/* The access group: Group= of the unit, else the primary group of its
 * User=, else the product's default. */
static char *access_group(const struct service_state *svc) {
        if (svc->group)
                return strdup(svc->group);
        if (svc->user) {
                struct passwd *pw = getpwnam(svc->user);
                struct group *g = pw ? getgrgid(pw->pw_gid) : NULL;
                if (g)
                        return strdup(g->gr_name);
        }
        return strdup(SERVICE_DEFAULT_ACCOUNT);
}

int frontend_database(const struct cli_options *o, int *ret_worker_status) {
        _cleanup_(service_state_done) struct service_state svc = {};
        _cleanup_(config_freep) struct migrate_config *c = NULL;
        _cleanup_(privsep_identity_done) struct privsep_identity id = {};
        _cleanup_free_ char *error = NULL, *group = NULL;
        gid_t access_gid;
        int r;

        /* Each step leaves "error" NULL when it succeeds, and the run stops at
         * the first that fails. systemd says which group may run us and
         * whether the server is up. */
        r = service_query(SERVICE_UNIT, &svc, &error);
        if (r < 0) {
                log_error("%s; refusing to run without knowing that Package Manager is stopped", error ? error : strerror(-r));
                return r;
        }
        group = access_group(&svc);
        if (!group)
                return -ENOMEM;
        r = access_check(group, &access_gid, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                return -ERR_NOT_PERMITTED;
        }
        if (!svc.bus)
                log_notice("%s", svc.what);
        if (svc.running) {
                log_error("Package Manager is running (%s): stop it first with 'sudo systemctl stop rstudio-pm' and keep it "
                          "stopped until the migration and its verification are complete",
                          svc.what);
                return -ERR_BUSY;
        }

        _cleanup_close_ int config_fd = secure_open_as_caller(o->config_path);
        if (config_fd < 0) {
                if (config_fd == -EACCES && secure_mode()) {
                        log_error("%s: you cannot read this configuration file yourself (%s), so migrate will not read "
                                  "it for you: run it with sudo, or give a file you can read",
                                  o->config_path, strerror(-config_fd));
                        return -ERR_NOT_PERMITTED;
                }
                error = gcfg_open_error(o->config_path, -config_fd);
                log_error("%s", error ? error : strerror(-config_fd));
                return -ERR_CONFIG;
        }
        const struct config_env env = {
                .postgres_password = getenv(ENV_POSTGRES_PASSWORD),
                .usage_password = getenv(ENV_POSTGRES_USAGE_PASSWORD),
        };
        r = config_load_fd(config_fd, o->config_path, &env, &c, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                return -ERR_CONFIG;
        }
        for (size_t i = 0; c->notices && c->notices[i]; i++)
                log_notice("%s", c->notices[i]);
        plan_print(stdout, c, o);

        r = privsep_identity(svc.user, svc.group, access_gid, &id, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                return r == -EPERM ? -ERR_CONFIG : r; /* EPERM: a unit that runs as root */
        }
        /* The worker writes into a pipe: whether the user sees a terminal is decided here. */
        struct cli_options worker_options = *o;
        worker_options.stderr_is_tty = isatty(STDERR_FILENO);
        const struct worker_job job = { .config = c, .options = &worker_options };
        return privsep_run(&id, worker_main, (void *) &job, ret_worker_status);
}
