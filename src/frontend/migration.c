#include "migrate/migration.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/engine.h"
#include "migrate/exit_status.h"
#include "migrate/interrupt.h"
#include "migrate/log.h"
#include "migrate/pg_db.h"
#include "migrate/pg_names.h"
#include "migrate/sqlite_names.h"
#include "migrate/driver_factory.h"
#include "migrate/progress.h"
#include "migrate/plan.h"
#include "migrate/secure.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

#define MAX_REPORTED 20

struct database_run {
        enum db_role role;
        const char *name;
        const struct db_endpoint *from, *to;
        struct db *source, *target;
        struct catalog *source_catalog, *target_catalog;
        struct mapping map;
        bool mapped;
        char **not_carried;
        double integrity_seconds; /* < 0: the source driver has no integrity check */
        bool checked;             /* its verdict is in (or there is none) */
        bool check_started;       /* the integrity check runs in the background */
        int64_t planned_rows;     /* the source's rows, counted for the progress estimate */
};

static void run_done(struct database_run *run) {
        if (run->mapped)
                mapping_done(&run->map);
        if (run->source)
                db_close(run->source);
        if (run->target)
                db_close(run->target); /* rolls back whatever was not committed */
        if (run->source_catalog)
                catalog_free(run->source_catalog);
        if (run->target_catalog)
                catalog_free(run->target_catalog);
        strv_free(run->not_carried);
}

/* A driver operation failed: its message, said once here, and the errno up. */
static int db_failed(struct db *db, int r) {
        log_error("%s", db->error ? db->error : strerror(-r));
        return r;
}

static void print_list(const char *intro, char **list) {
        for (size_t i = 0; list && list[i]; i++)
                log_info("%s%s", intro, list[i]);
}

static int open_databases(struct database_run *run, bool verify_only) {
        _cleanup_free_ char *error = NULL;
        _cleanup_(strv_freep) char **sessions = NULL;
        int r = db_open(run->from, DB_OPEN_SOURCE, &run->source, &error);
        if (r < 0) {
                log_error("%s database: %s", run->name, error ? error : strerror(-r));
                /* The driver says which: -EBUSY, locked by a writer (most likely the server
                 * still runs); -EMEDIUMTYPE, a file that cannot be used as it is. */
                return r;
        }
        free(TAKE_PTR(error));
        r = db_open(run->to, verify_only ? DB_OPEN_VERIFY : DB_OPEN_TARGET, &run->target, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                return r;
        }
        /* Another server node writing while we copy would make a liar of verification. */
        r = run->target->ops->other_sessions(run->target, &sessions);
        if (r < 0)
                return db_failed(run->target, r);
        /* Optional: a database without other sessions' locks (a new SQLite file) has none. */
        r = run->target->ops->check_locks ? run->target->ops->check_locks(run->target) : 0;
        if (r < 0)
                return db_failed(run->target, r); /* -EBUSY: another transaction holds a lock */
        if (sessions) {
                log_error("%s: other sessions are connected to the target database; stop every Package Manager node "
                          "(and other clients) using it, then run migrate again:",
                          run->target->label);
                print_list("  ", sessions);
                return -ERR_BUSY;
        }
        return 0;
}

/* The source's integrity check, in the background from now on, on a
 * connection of its own.  Started once the copy has read the source: the
 * copy keeps both cores (ours and the server's) busy, while the keys and
 * verification leave room beside them. */
static int start_integrity_check(struct database_run *run) {
        if (!run->source->ops->start_integrity_check || run->check_started)
                return 0;
        run->check_started = true;
        int r = run->source->ops->start_integrity_check(run->source, MAX_REPORTED);
        return r < 0 ? db_failed(run->source, r) : 0;
}

/* The source's own consistency check: a damaged source would be copied,
 * and verified, damage and all.  It runs beside the work (started at the
 * open, see open_databases()); this waits for its verdict.  Returns 0, or
 * -ERR_SOURCE with *ret_findings set when the source is damaged. */
static int check_source_integrity(struct database_run *run, struct progress *progress, char ***ret_findings) {
        _cleanup_free_ char *what = strdup_printf("%s database", run->name);
        double seconds = 0;
        *ret_findings = NULL;
        if (run->checked)
                return 0;
        run->checked = true;
        run->integrity_seconds = -1;
        if (!run->source->ops->check_integrity)
                return 0;
        /* Not started yet (the run failed before its copy ended): on its own
         * connection all the same, which a failed read has not touched. */
        int r = start_integrity_check(run);
        if (r < 0)
                return r;
        /* It reads the whole file: the rows it stands for are the source's. */
        progress_start(progress, "integrity", what ? what : run->name, run->planned_rows);
        r = run->source->ops->check_integrity(run->source, ret_findings, &seconds);
        progress_end(progress);
        if (r < 0)
                return r == -EINTR ? r : db_failed(run->source, r); /* an interruption is said once, at the end */
        run->integrity_seconds = seconds;
        return *ret_findings ? -ERR_SOURCE : 0;
}

/* The verdict of the sources' integrity checks comes before anything the
 * work found (a damaged file explains any symptom), as when the checks ran
 * first: runs[0..n) in order, the first damaged source is the outcome. */
static int join_checks(struct database_run *runs, size_t n, int r, struct progress *progress) {
        for (size_t i = 0; i < n && !interrupted() && r != -EINTR; i++) {
                _cleanup_(strv_freep) char **findings = NULL;
                int k = check_source_integrity(&runs[i], progress, &findings);
                if (k == -ERR_SOURCE) {
                        log_release(false);
                        log_error("%s: is damaged; its integrity check found:", runs[i].source->label);
                        print_list("  ", findings);
                        log_hint("nothing was committed; restore the database from a backup, or recover it with "
                                 "sqlite3's .recover into a new file, then migrate that file");
                        return k;
                }
                /* Interrupted while waiting: the verdict is unknown, the run was stopped. */
                if (k < 0 && (r == 0 || k == -EINTR))
                        r = k;
        }
        log_release(true);
        return r;
}

/* Target tables the source lacks (names compared as mapping does). */
static int tables_source_lacks(struct database_run *run, char ***ret) {
        const struct catalog *src = run->source_catalog, *dst = run->target_catalog;
        *ret = NULL;
        for (size_t i = 0; i < dst->n_tables; i++) {
                bool found = false;
                for (size_t k = 0; !found && k < src->n_tables; k++)
                        found = strcasecmp(src->tables[k].name, dst->tables[i].name) == 0;
                int r = found ? 0 : strv_push(ret, dst->tables[i].name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_catalogs(struct database_run *run, bool verify_only, bool drop_all) {
        _cleanup_(strv_freep) char **problems = NULL;
        int r = run->source->ops->read_catalog(run->source, &run->source_catalog);
        if (r < 0) {
                db_failed(run->source, r);
                /* Damaged (a schema it cannot read as written), or holding what cannot be
                 * carried (-EMEDIUMTYPE): either way the source must change first. */
                return r == -EBADMSG ? -ERR_SOURCE : r;
        }
        if (run->source_catalog->n_tables == 0) {
                log_error("%s: has no tables, so there is nothing to migrate and nothing was written: SQLite.Dir may "
                          "name the wrong directory, or the file was replaced: restore it from a backup",
                          run->source->label);
                return -ERR_SOURCE;
        }
        r = run->target->ops->read_catalog(run->target, &run->target_catalog);
        if (r < 0) {
                db_failed(run->target, r);
                /* A database its driver cannot use (-EMEDIUMTYPE) is exit 66 for the source only. */
                return r == -ERR_SOURCE ? -EIO : r;
        }
        if (verify_only && run->target_catalog->n_tables == 0) {
                log_error("%s: the target has no tables, so there is nothing to verify: migrate first", run->target->label);
                return -ERR_MISMATCH;
        }
        /* --drop-all empties the target's tables; it creates and drops none.  A
         * target table the source lacks means the source is not the database
         * the target's schema came from: emptying anything would be a guess. */
        _cleanup_(strv_freep) char **extra = NULL;
        if (!verify_only && drop_all && (r = tables_source_lacks(run, &extra)) < 0)
                return r;
        if (extra) {
                log_error("%s: the target has %zu table%s the %s source lacks, so the source looks like a different or "
                          "older database than the one the target holds; --drop-all emptied nothing:",
                          run->target->label, strv_length(extra), strv_length(extra) == 1 ? "" : "s", run->name);
                print_list("  ", extra);
                log_hint("check that the configuration names the right source files; if those tables are not "
                         "Package Manager's, move them out of the target's schema; or migrate into an empty database "
                         "(no tables: migrate creates them)");
                return -EINVAL;
        }
        r = mapping_build(run->source_catalog, run->target_catalog, &run->map, &problems);
        if (r == -EINVAL) {
                log_error("%s: the target's tables do not match the source's:", run->target->label);
                print_list("  ", problems);
                log_hint("migrate into an empty database (no tables: migrate creates them), or let the Package "
                         "Manager version that wrote the source create the target's tables%s",
                         drop_all ? " (--drop-all empties tables; it creates or drops none)" : "");
                return r;
        }
        if (r < 0)
                return r;
        run->mapped = true;
        if (run->map.create && run->to->provider == DB_POSTGRES) { /* PostgreSQL's name limit */
                r = pg_names_check(run->source_catalog, &problems, &run->source_catalog->notes);
                if (r == -EINVAL) {
                        log_error("%s database: names PostgreSQL cannot take as they are (before anything was written):", run->name);
                        print_list("  ", problems);
                        return r;
                }
                if (r < 0)
                        return r;
        }
        if (run->map.create && run->to->provider == DB_SQLITE) { /* SQLite's case-blind names */
                r = sqlite_names_check(run->source_catalog, &problems);
                if (r == -EINVAL) {
                        log_error("%s database: names SQLite cannot create as they are (before anything was written):",
                                  run->name);
                        print_list("  ", problems);
                        return r;
                }
                if (r < 0)
                        return r;
        }
        /* The target's generators must also pass SQLite's AUTOINCREMENT high-water marks. */
        for (size_t i = 0; !run->map.create && i < run->map.n_tables; i++)
                ((struct table *) run->map.tables[i].target)->sequence = run->map.tables[i].source->sequence;
        for (size_t i = 0; run->source_catalog->notes && run->source_catalog->notes[i]; i++)
                log_notice("%s database: %s", run->name, run->source_catalog->notes[i]);
        for (size_t i = 0; i < run->map.n_tables; i++) {
                const struct table *src = run->map.tables[i].source, *dst = run->map.tables[i].target;
                for (size_t k = 0; k < src->n_columns; k++) {
                        if (!src->columns[k].generated)
                                continue;
                        bool computed = false;
                        for (size_t g = 0; dst->generated && dst->generated[g]; g++)
                                computed |= strcasecmp(dst->generated[g], src->columns[k].name) == 0;
                        if (computed)
                                log_notice("%s database: generated column %s.%s is computed by the target from the columns "
                                           "copied, as it was in the source; its values are not copied",
                                           run->name, src->name, src->columns[k].name);
                        else
                                log_notice("%s database: generated column %s.%s is copied as a plain column holding its "
                                           "values",
                                           run->name, src->name, src->columns[k].name);
                }
        }
        return 0;
}

static struct table_map *find_map(struct database_run *run, const char *name) {
        for (size_t i = 0; i < run->map.n_tables; i++)
                if (strcmp(run->map.tables[i].source->name, name) == 0)
                        return &run->map.tables[i];
        return NULL;
}

/* schema_migrations records the Package Manager schema version: when the
 * target already has it, it must be the source's, or the data does not fit. */
static int check_schema_version(struct database_run *run, struct engine *e, bool drop_all) {
        struct table_map *t = find_map(run, "schema_migrations");
        int64_t rows = 0;
        if (!t || run->map.create)
                return 0;
        int r = run->target->ops->count_rows(run->target, t->target, &rows);
        if (r < 0)
                return db_failed(run->target, r);
        if (rows == 0)
                return 0;
        size_t differences = 0;
        r = engine_verify_table(e, t, false, &differences);
        if (r < 0)
                return r;
        if (differences > 0) {
                log_error("%s database: schema_migrations differs between the source and the target: they are at different "
                          "Package Manager schema versions. Start the same Package Manager version on both databases, "
                          "or migrate into an empty database.",
                          run->name);
                return -EINVAL;
        }
        /* Equal: the server created the target's schema; nothing to copy there. */
        t->skip_copy = !drop_all;
        return 0;
}

static int check_target_empty(struct database_run *run, bool drop_all) {
        _cleanup_(strv_freep) char **full = NULL;
        _cleanup_free_ const char **tables = calloc(run->map.n_tables + 1, sizeof(char *));
        size_t n = 0;
        if (run->map.create || drop_all)
                return 0;
        if (!tables)
                return -ENOMEM;
        /* Look only at the tables we would fill. */
        for (size_t i = 0; i < run->map.n_tables; i++)
                if (!run->map.tables[i].skip_copy)
                        tables[n++] = run->map.tables[i].target->name;
        int r = run->target->ops->tables_with_rows(run->target, tables, &full);
        if (r < 0)
                return db_failed(run->target, r);
        if (full) {
                n = strv_length(full);
                log_error("%s: %zu table%s already hold%s data, and without --drop-all migrate only fills an empty database:",
                          run->target->label, n, n == 1 ? "" : "s", n == 1 ? "s" : "");
                print_list("  ", full);
                log_hint("add --drop-all to drop all existing data in the target first");
                return -ERR_NOT_EMPTY;
        }
        return 0;
}

static int count_source_rows(struct database_run *run) {
        for (size_t i = 0; i < run->map.n_tables; i++) {
                struct table_map *t = &run->map.tables[i];
                int r = run->source->ops->count_rows(run->source, t->source, &t->source_rows);
                if (r < 0)
                        return db_failed(run->source, r);
        }
        return 0;
}

static int copy_database(struct database_run *run, struct engine *e, bool drop_all) {
        size_t problems = 0;
        /* All of this is one transaction: when a value does not fit, the
         * rollback leaves the target as it was. */
        int r = run->map.create ? engine_widen(e, &run->not_carried) : 0;
        if (r < 0)
                return r;
        if (drop_all && run->target_catalog->n_tables > 0) {
                r = run->target->ops->empty_tables(run->target, run->target_catalog);
                if (r < 0)
                        return db_failed(run->target, r);
        }
        r = run->map.create ? run->target->ops->create_tables(run->target, run->source_catalog)
                            : run->target->ops->prepare_load(run->target);
        if (r < 0)
                return db_failed(run->target, r);
        /* Every value the target cannot hold is listed, not the first
         * MAX_REPORTED: each is one the administrator must correct. */
        struct engine every = *e;
        every.max_reported = SIZE_MAX;
        r = engine_copy(&every, &problems);
        if (r < 0)
                return r;
        if ((r = start_integrity_check(run)) < 0)
                return r;
        if (problems > 0) {
                log_error("%s database: %zu value%s cannot be stored in the target exactly (listed above); nothing was "
                          "written. Correct them in the source, or change the target columns' types.",
                          run->name, problems, problems == 1 ? "" : "s");
                return -ERR_DATA;
        }
        int64_t rows = 0;
        for (size_t i = 0; i < run->map.n_tables; i++)
                rows += run->map.tables[i].skip_copy ? 0 : run->map.tables[i].source_rows;
        progress_start(e->progress, "keys", run->name, rows);
        r = run->target->ops->finish_tables(run->target, run->map.target, run->map.create, &run->not_carried);
        progress_end(e->progress);
        if (r < 0)
                return db_failed(run->target, r);
        return 0;
}

static int run_database(struct database_run *run, const struct cli_options *o, struct progress *progress) {
        struct engine e = {
                .map = &run->map,
                .progress = progress,
                .name = run->name,
                .max_reported = MAX_REPORTED,
                .source = run->source,
                .target = run->target,
        };
        int r = read_catalogs(run, o->verify, o->drop_all);
        if (r < 0)
                return r;
        if (!o->verify) {
                /* Nothing may wait on a lock in silence: take the tables now. */
                r = run->target->ops->lock_tables ? run->target->ops->lock_tables(run->target, run->target_catalog) : 0;
                if (r < 0)
                        return db_failed(run->target, r); /* -EBUSY: another transaction holds a table */
                if ((r = check_schema_version(run, &e, o->drop_all)) < 0 || (r = check_target_empty(run, o->drop_all)) < 0 ||
                    (r = count_source_rows(run)) < 0 || (r = copy_database(run, &e, o->drop_all)) < 0)
                        return r;
        }
        if ((r = start_integrity_check(run)) < 0)
                return r;
        size_t mismatches = 0;
        r = engine_verify(&e, &mismatches);
        if (r < 0)
                return r;
        if (mismatches > 0) {
                log_error("%s database: verification found %zu difference%s between the source and the target%s", run->name,
                          mismatches, mismatches == 1 ? "" : "s", o->verify ? "" : "; nothing was committed");
                return -ERR_MISMATCH;
        }
        return 0;
}

/* ---- commit ----------------------------------------------------------- */

/* For the fault-injection tests only: MIGRATE_TEST_PAUSE=<point> stops the
 * worker (SIGSTOP) at that point of the commit, so a test can stop a server
 * there and continue it with SIGCONT.  Never honoured in a setgid run. */
static void test_pause(const char *what, const char *role) {
        const char *want = secure_mode() ? NULL : getenv("MIGRATE_TEST_PAUSE");
        char point[64];
        snprintf(point, sizeof(point), "%s-%s", what, role);
        if (!want || strcmp(want, point) != 0)
                return;
        log_info("test pause at %s (pid %d)", point, (int) getpid());
        fflush(stderr);
        raise(SIGSTOP);
}

static const char *dbname(const struct database_run *run) {
        const char *n = pg_params_get(&run->to->pg, "dbname");
        return n ? n : run->name;
}

static void report_unfinished(struct database_run *runs, size_t n, const bool *committed) {
        for (size_t i = 0; i < n; i++)
                if (committed[i])
                        log_error("the %s database WAS committed: its target holds the migrated data", runs[i].name);
}

/* Fixed order, main first; interrupts are held from the first COMMIT on. */
static int commit_in_order(struct database_run *runs, size_t n, struct progress *progress) {
        bool committed[_DB_ROLE_MAX] = {};
        interrupt_hold();
        for (size_t i = 0; i < n; i++) {
                struct db *t = runs[i].target;
                _cleanup_free_ char *what = strdup_printf("%s database", runs[i].name);
                progress_start(progress, "commit", what ? what : runs[i].name, 1);
                int r = t->ops->commit(t);
                progress_end(progress);
                if (r < 0) {
                        bool unknown = t->ops->outcome_unknown && t->ops->outcome_unknown(t);
                        db_failed(t, r);
                        if (i == 0 && !unknown)
                                return r; /* nothing was committed */
                        report_unfinished(runs, n, committed);
                        log_error("the %s database %s%s", runs[i].name,
                                  unknown ? "may or may not have been committed: the connection broke during its COMMIT"
                                          : "was NOT committed: its target is as it was",
                                  i + 1 < n ? "; the databases after it were not committed" : "");
                        log_error("to finish, once every server is reachable: run 'migrate database --drop-all' again (it "
                                  "empties the targets and migrates every database once more); "
                                  "'migrate database --verify' shows what each target holds meanwhile");
                        return -ERR_INCOMPLETE;
                }
                committed[i] = true;
                test_pause("after-commit", runs[i].name);
        }
        return 0;
}

/* Prepare every database, then commit each: nothing becomes visible unless
 * every database could be prepared.  No prepared transaction is left behind
 * on a failure, except where its server cannot be reached to end it: then
 * the message names it and the command that ends it. */
static int commit_two_phase(struct database_run *runs, size_t n, struct progress *progress) {
        char gids[_DB_ROLE_MAX][96];
        bool committed[_DB_ROLE_MAX] = {};
        size_t prepared = 0;
        int r = 0;
        for (size_t i = 0; i < n; i++)
                snprintf(gids[i], sizeof(gids[i]), "rstudio-pm-migrate-%lld-%d-%s", (long long) time(NULL), (int) getpid(),
                         runs[i].name);
        for (size_t i = 0; i < n && r >= 0; i++) {
                struct db *t = runs[i].target;
                if (interrupted()) {
                        r = -EINTR;
                        break;
                }
                r = t->ops->prepare(t, gids[i]);
                if (r < 0) {
                        db_failed(t, r);
                        if (t->ops->outcome_unknown && t->ops->outcome_unknown(t))
                                log_error("the connection broke during PREPARE TRANSACTION: if pg_prepared_xacts in "
                                          "database %s lists '%s', run ROLLBACK PREPARED '%s' there",
                                          dbname(&runs[i]), gids[i], gids[i]);
                        break;
                }
                prepared++;
                test_pause("after-prepare", runs[i].name);
        }
        if (r < 0 || interrupted()) {
                for (size_t j = 0; j < prepared; j++) {
                        struct db *t = runs[j].target;
                        if (t->ops->rollback_prepared(t) < 0) {
                                log_error("%s", t->error);
                                log_error("the %s database's changes stay prepared as transaction '%s', not visible but "
                                          "holding locks on its tables: run ROLLBACK PREPARED '%s' in database %s as soon "
                                          "as its server is reachable",
                                          runs[j].name, gids[j], gids[j], dbname(&runs[j]));
                        }
                }
                return r < 0 ? r : -EINTR;
        }
        /* Every database prepared: the decision is to commit, whatever happens now. */
        interrupt_hold();
        bool complete = true;
        for (size_t i = 0; i < n; i++) {
                struct db *t = runs[i].target;
                _cleanup_free_ char *what = strdup_printf("%s database", runs[i].name);
                progress_start(progress, "commit", what ? what : runs[i].name, 1);
                r = t->ops->commit_prepared(t);
                progress_end(progress);
                if (r < 0) {
                        db_failed(t, r);
                        complete = false;
                        continue;
                }
                committed[i] = true;
                test_pause("after-commit", runs[i].name);
        }
        if (complete)
                return 0;
        report_unfinished(runs, n, committed);
        for (size_t i = 0; i < n; i++)
                if (!committed[i])
                        log_error("the %s database's changes are prepared as transaction '%s' (kept by its server, "
                                  "across restarts): to finish, run COMMIT PREPARED '%s' in database %s as soon as its "
                                  "server is reachable",
                                  runs[i].name, gids[i], gids[i], dbname(&runs[i]));
        return -ERR_INCOMPLETE;
}

/* The rows of every source database, counted before the first copy so that
 * the estimate of the time left covers the whole run.  Silent: a database
 * that cannot be counted here is reported by the run itself, in its turn. */
static void plan_run(const struct cli_options *o, struct progress *progress, struct database_run *runs, size_t n) {
        /* A SQLite file only: counting a PostgreSQL source's tables twice is
         * not worth an estimate. */
        if (!progress->enabled || o->from != DB_SQLITE)
                return;
        for (size_t k = 0; k < n; k++) {
                struct db *source = runs[k].source;
                struct catalog *catalog = NULL;
                int64_t rows = 0;
                int r = source->ops->read_catalog(source, &catalog);
                for (size_t i = 0; r >= 0 && i < catalog->n_tables; i++) {
                        int64_t count = 0;
                        r = source->ops->count_rows(source, &catalog->tables[i], &count);
                        rows += count;
                }
                if (r >= 0)
                        /* Keys are built when the tables are created, the usual case. */
                        progress_plan(progress, o->verify ? 0 : rows, o->verify ? 0 : rows, rows);
                runs[k].planned_rows = r >= 0 ? rows : 0;
                if (catalog)
                        catalog_free(catalog);
        }
}

static void format_bytes(uint64_t n, char *buf, size_t size) {
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
        double v = (double) n;
        size_t u = 0;
        while (v >= 1024 && u < 4) {
                v /= 1024;
                u++;
        }
        snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void print_summary(const struct database_run *run, bool verify_only) {
        out_line(stdout, "%s", "");
        out_line(stdout, "%s database: %s -> %s", run->name, run->source->label, run->target->label);
        out_line(stdout, "  %-32s %12s %12s %9s %9s", "table", "rows", verify_only ? "" : "bytes", verify_only ? "" : "copy",
               "verify");
        for (size_t i = 0; i < run->map.n_tables; i++) {
                const struct table_map *t = &run->map.tables[i];
                char bytes[32] = "", copy[32] = "";
                if (!verify_only) {
                        format_bytes(t->bytes, bytes, sizeof(bytes));
                        if (t->skip_copy)
                                snprintf(copy, sizeof(copy), "present");
                        else
                                snprintf(copy, sizeof(copy), "%.2fs", t->copy_seconds);
                }
                out_line(stdout, "  %-32s %12lld %12s %9s %8.2fs", t->source->name, (long long) t->source_rows, bytes, copy,
                       t->verify_seconds);
        }
        if (run->integrity_seconds >= 0)
                out_line(stdout, "  %-32s %12s %12s %9s %8.2fs", "(source integrity check)", "ok", "", "", run->integrity_seconds);
        for (size_t i = 0; run->source_catalog->not_carried && run->source_catalog->not_carried[i]; i++)
                out_line(stdout, "  not carried: %s", run->source_catalog->not_carried[i]);
        /* "note: ..." says how something was carried; the rest was not. */
        for (size_t i = 0; run->not_carried && run->not_carried[i]; i++)
                if (strncmp(run->not_carried[i], "note: ", 6) == 0)
                        out_line(stdout, "  %s", run->not_carried[i]);
                else
                        out_line(stdout, "  not carried: %s", run->not_carried[i]);
}

int migration_run(const struct migrate_config *c, const struct cli_options *o) {
        struct database_run runs[_DB_ROLE_MAX] = {};
        size_t n_runs = 0;
        struct progress progress;
        int r = 0;
        bool two_phase = false;

        if (o->from == o->to) {
                log_error("--from and --to are both %s: migrate moves data between SQLite (sqlite3) and PostgreSQL (pgx); "
                          "nothing was changed",
                          db_provider_flag_name(o->from));
                return -EINVAL;
        }
        progress_init(&progress, o->progress, o->stderr_is_tty);
        interrupt_install();
        /* Every database first: the commit protocol is known before any work. */
        for (enum db_role role = DB_MAIN; role < _DB_ROLE_MAX && r == 0; role++) {
                const struct db_endpoint *from = config_endpoint(c, o->from, role), *to = config_endpoint(c, o->to, role);
                if (!from || !to)
                        continue;
                struct database_run *run = &runs[n_runs++];
                *run = (struct database_run) { .role = role, .name = db_role_label(role), .from = from, .to = to };
                r = open_databases(run, o->verify);
                if (r == 0)
                        run->target->progress = &progress;
        }
        if (r == 0)
                plan_run(o, &progress, runs, n_runs);
        if (r == 0 && !o->verify) {
                two_phase = n_runs > 1;
                for (size_t i = 0; two_phase && i < n_runs; i++) {
                        struct db *t = runs[i].target;
                        bool allowed = false;
                        r = t->ops->two_phase_allowed ? t->ops->two_phase_allowed(t, &allowed) : 0;
                        if (r < 0)
                                db_failed(t, r);
                        two_phase = allowed;
                }
                if (r == 0) {
                        plan_print_commit(stdout, n_runs, two_phase);
                        fflush(stdout);
                }
        }
        /* What the work finds waits for the sources' integrity checks. */
        if (r == 0)
                log_hold();
        /* Values a target cannot hold: the next databases are still read,
         * so that every such value of every database is listed at once
         * (the administrator corrects them all, then runs again); nothing
         * is committed. */
        int refused = 0;
        for (size_t i = 0; i < n_runs && r == 0; i++) {
                r = run_database(&runs[i], o, &progress);
                if (r == -ERR_DATA) {
                        refused = r;
                        r = 0;
                } else if (r < 0)
                        r = join_checks(runs, i + 1, r, &progress);
        }
        if (r == 0)
                r = join_checks(runs, n_runs, refused, &progress);
        log_release(true);
        /* Every database verified: only now does anything become visible. */
        if (r == 0 && !o->verify)
                r = two_phase ? commit_two_phase(runs, n_runs, &progress) : commit_in_order(runs, n_runs, &progress);
        /* A plain failure after a signal is the signal's doing (a cancelled
         * query): the run was interrupted.  What a step found (a difference,
         * a lock, a split commit) stays what it is. */
        if (r < 0 && interrupted() && exit_status_from_error(r, 0) == EXIT_STATUS_FAILED)
                r = -EINTR;
        if (r == 0) {
                int64_t rows = 0;
                size_t tables = 0;
                for (size_t i = 0; i < n_runs; i++) {
                        print_summary(&runs[i], o->verify);
                        for (size_t k = 0; k < runs[i].map.n_tables; k++)
                                rows += runs[i].map.tables[k].source_rows;
                        tables += runs[i].map.n_tables;
                }
                out_line(stdout, "%s", "");
                out_line(stdout, "migrate: %s: %s database%s, %zu tables, %lld rows %s.", o->verify ? "verified" : "success",
                       n_runs == 2 ? "main and usage" : "main", n_runs == 2 ? "s" : "", tables, (long long) rows,
                       o->verify ? "compared value by value; nothing was changed"
                                 : "copied, verified value by value and committed");
                if (interrupt_deferred())
                        log_notice("signal %d (%s) arrived while committing: the commit had begun, so it was completed",
                                   interrupt_deferred(), strsignal(interrupt_deferred()));
        } else if (r == -ERR_INCOMPLETE)
                ; /* said above, database by database */
        else if (r == -EINTR)
                log_error("interrupted: nothing was committed; the target is as it was");
        else if (!o->verify)
                log_error("nothing was committed: the target databases are as they were");
        for (size_t i = 0; i < n_runs; i++)
                run_done(&runs[i]);
        return r;
}
