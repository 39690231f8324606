/* The interface every database driver implements.  The engines (copy.c,
 * verify.c) only talk to this: they never say "sqlite" or "postgres".
 *
 * Every operation returns 0 or a negative errno; on failure db->error holds
 * a message that says what happened and where (never a password).  The
 * caller logs that message once and passes only the errno up (README,
 * "Errors").  Errnos that decide the exit status, so use them only with
 * their meaning: -EBUSY, locked or used by others (the server may run);
 * -EMEDIUMTYPE, a source that cannot be used as it is; -EINTR, interrupted.
 * Anything else is a plain failure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "migrate/catalog.h"
#include "migrate/progress.h"
#include "migrate/value.h"

struct db;

/* A stream of rows: next() returns 1 with *ret_row (n_columns values,
 * valid until the next call), 0 at the end, or a negative errno. */
struct row_source {
        int (*next)(struct row_source *s, const struct value **ret_row);
        void (*close)(struct row_source *s);
};

/* Rows into one target table. write() takes values already converted to
 * the target columns' logical types. */
struct row_sink {
        int (*write)(struct row_sink *s, const struct value *row);
        int (*finish)(struct row_sink *s, uint64_t *ret_bytes);
        void (*close)(struct row_sink *s);
};

struct scan_request {
        const struct table *table;       /* in this database's catalog */
        const char *const *columns;      /* names, n_columns of them */
        const struct col_spec *specs;    /* how to decode each (drivers that yield typed values) */
        size_t n_columns;
        const char *const *order_by;     /* key columns, NULL-terminated; empty: no order */
        /* Not sorted by order_by (which then only names the key in messages):
         * the rows as stored, in the same order by every scan of a table
         * that has not changed in between: the copy's order. */
        bool stored_order;
        /* Texts and blobs over VALUE_WHOLE_MAX (not keys) may come as their
         * digest (VALUE_DIGEST) rather than whole: verification's target. */
        bool large_as_digest;
        /* Per column, or NULL: true where no value is over VALUE_WHOLE_MAX
         * (the run wrote them all itself), so none needs the digest. */
        const bool *known_small;
};

struct db_ops {
        /* Source and target alike. */
        int (*read_catalog)(struct db *db, struct catalog **ret);
        int (*count_rows)(struct db *db, const struct table *t, int64_t *ret);
        int (*scan)(struct db *db, const struct scan_request *req, struct row_source **ret);
        /* Source only, optional (both NULL): the database's own consistency
         * check.  start_integrity_check() begins it, in the background where
         * it can (a connection and a thread of its own) while the run goes
         * on; check_integrity(), once, waits for its end (or runs it there and
         * then): *ret_findings NULL when sound, else what it found (at most
         * max lines); *ret_seconds, how long the check itself ran. */
        int (*start_integrity_check)(struct db *db, size_t max);
        int (*check_integrity)(struct db *db, char ***ret_findings, double *ret_seconds);
        /* Target only.  Other sessions using the same database, one line each
         * (another server node may be running); NULL when none. */
        int (*other_sessions)(struct db *db, char ***ret);
        /* Target, optional (NULL: the engine words types neutrally).  How
         * this database spells a logical type, e.g. "varchar(40)": the type
         * of a column it holds or would create, for messages; allocated. */
        char *(*type_name)(struct db *db, const struct col_spec *spec);
        /* Target, optional.  Sets the spec's limits of how this database
         * stores the type (col_spec.four_digit_years, ...), so that a value
         * beyond them is refused by name before anything is written. */
        void (*limit_spec)(struct db *db, struct col_spec *spec);
        /* Which of these tables (NULL-terminated) already hold rows. */
        int (*tables_with_rows)(struct db *db, const char *const *tables, char ***ret);
        /* All of the following inside one transaction that commit() ends. */
        int (*empty_tables)(struct db *db, const struct catalog *existing);
        int (*create_tables)(struct db *db, const struct catalog *plan);
        /* Before the load into tables that existed: lift what would make the
         * load order matter (foreign keys); finish_tables() restores it. */
        int (*prepare_load)(struct db *db);
        int (*open_sink)(struct db *db, const struct table *t, const char *const *columns, size_t n,
                         struct row_sink **ret);
        /* Keys, indexes and foreign keys after the load; generators set past
         * the largest value.  What cannot be carried is added to not_carried. */
        int (*finish_tables)(struct db *db, const struct catalog *plan, bool created, char ***not_carried);
        /* Right after connecting: refuses (-EBUSY) naming table and holder
         * when another transaction holds a lock this run would wait for. */
        int (*check_locks)(struct db *db);
        /* Before anything is written: take every table the run may touch,
         * refusing (-EBUSY) with table and holder when another transaction
         * (a session, a prepared transaction) holds one. */
        int (*lock_tables)(struct db *db, const struct catalog *existing);
        int (*commit)(struct db *db);
        /* Two-phase commit, where the database allows it (NULL: never). */
        int (*two_phase_allowed)(struct db *db, bool *ret);
        int (*prepare)(struct db *db, const char *gid);
        int (*commit_prepared)(struct db *db);
        int (*rollback_prepared)(struct db *db);
        /* After a failed commit: it was sent and the connection broke, so
         * whether it took effect is unknown. */
        bool (*outcome_unknown)(struct db *db);
        void (*close)(struct db *db); /* rolls back anything not committed */
};

struct db {
        const struct db_ops *ops;
        char *label; /* e.g. "PostgreSQL main database postgres://rspm:xxxxx@db/pm" */
        char *error;
        struct progress *progress; /* where long steps show up, or NULL */
};

/* Replace db->error with a formatted message; returns -EINVAL unless told. */
int db_fail(struct db *db, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void db_close(struct db *db);

static inline void row_source_closep(struct row_source **s) {
        if (*s)
                (*s)->close(*s);
}
static inline void row_sink_closep(struct row_sink **s) {
        if (*s)
                (*s)->close(*s);
}
