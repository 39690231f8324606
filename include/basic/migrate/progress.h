/* Progress on stderr: on a terminal (or with --progress) one bar per table
 * redrawn in place, with rows done/total and rows/s; the steps that take
 * time without rows (each key, index and foreign key, the commit) as
 * "n/m"; and on every line the run's elapsed time and an estimate of the
 * time left for the whole run.  Elsewhere, with --progress, a plain line
 * every few seconds and one per step. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum progress_phase {
        PROGRESS_COPY, /* with its check */
        PROGRESS_KEYS,
        PROGRESS_VERIFY,
        PROGRESS_COMMIT,
        PROGRESS_INTEGRITY, /* the source's own integrity check */
        PROGRESS_TYPES,     /* widen.c: the types the data needs, when creating */
        _PROGRESS_PHASE_MAX,
};

struct progress {
        bool enabled;
        bool tty;
        const char *phase; /* "integrity", "types", "check", "copy", "keys", "verify", "commit" */
        const char *what;  /* "main.package_versions", "index x on t" */
        int64_t total, done;
        double started, last_shown;
        /* The item on screen: its phase (-1: none); steps instead of rows. */
        int current;
        bool steps;
        size_t step, n_steps;
        char step_what[256]; /* the step's name, copied */
        /* The whole run, for the estimate of the time left. */
        bool planned;
        double run_started;
        int64_t plan[_PROGRESS_PHASE_MAX];     /* rows each phase goes through (commits for the last) */
        int64_t finished[_PROGRESS_PHASE_MAX]; /* of those, done in items already ended */
        double spent[_PROGRESS_PHASE_MAX];     /* seconds those items took */
};

/* "tty": the user's stderr is a terminal.  The front end decides it: the
 * worker's own stderr is a pipe. */
void progress_init(struct progress *p, bool requested, bool tty);
/* Adds one database's rows to the run's plan: rows to copy, rows whose
 * keys are built, rows to verify. */
void progress_plan(struct progress *p, int64_t copy_rows, int64_t key_rows, int64_t verify_rows);
/* An item: a table's rows for "check", "copy" and "verify"; for "keys",
 * total is the rows of the database whose keys are built, and
 * progress_step() names each statement; "commit" and "integrity" have one
 * step. */
void progress_start(struct progress *p, const char *phase, const char *what, int64_t total);
/* Step n of m of a "keys" item (p may be NULL); "what" is copied. */
void progress_step(struct progress *p, const char *what, size_t n, size_t m);
/* Cheap enough to call for every row. */
void progress_update(struct progress *p, int64_t done);
void progress_end(struct progress *p);

double now_seconds(void);
