/* Progress on stderr: on a terminal (or with --progress) one bar per table
 * redrawn in place, with rows done/total, rows/s and ETA; elsewhere, with
 * --progress, a plain line every few seconds. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct progress {
        bool enabled;
        bool tty;
        const char *phase; /* "check", "copy", "verify" */
        const char *what;  /* "main.package_versions" */
        int64_t total, done;
        double started, last_shown;
};

/* "tty": the user's stderr is a terminal.  The front end decides it: the
 * worker's own stderr is a pipe. */
void progress_init(struct progress *p, bool requested, bool tty);
void progress_start(struct progress *p, const char *phase, const char *what, int64_t total);
/* Cheap enough to call for every row. */
void progress_update(struct progress *p, int64_t done);
void progress_end(struct progress *p);

double now_seconds(void);
