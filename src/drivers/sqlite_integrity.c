#include "migrate/sqlite_integrity.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/interrupt.h"
#include "migrate/progress.h"
#include "migrate/sqlite_index_check.h"
#include "migrate/sqlite_source.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"

struct sqlite_integrity {
        sqlite3 *handle; /* the thread's alone until it is joined */
        size_t max_lines;
        pthread_t thread;
        bool running;          /* a thread to join */
        atomic_bool stop;      /* set by a signal or by free(): the thread ends soon */
        /* The thread's result, read only after the join. */
        int result;
        char **findings;
        double seconds;
};

/* The progress handler: a nonzero answer makes SQLite stop the statement. */
static int stop_when_interrupted(void *unused) {
        (void) unused;
        return interrupted();
}

static int stop_when_asked(void *arg) {
        struct sqlite_integrity *c = arg;
        return atomic_load(&c->stop);
}

/* Runs one of the check pragmas; its findings, at most max_lines, then a
 * line saying there may be more.  A file too damaged to check fails the
 * check itself: that is a finding too. */
static int run_pragma(sqlite3 *h, const char *sql, size_t max_lines, char ***ret_findings) {
        _cleanup_(strv_freep) char **findings = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0;
        int r;
        *ret_findings = NULL;
        r = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
        while (r == SQLITE_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
                const char *line = (const char *) sqlite3_column_text(st, 0);
                r = SQLITE_OK;
                if (!line || strcmp(line, "ok") == 0)
                        continue;
                if (++n <= max_lines && strv_push(&findings, line) < 0)
                        r = SQLITE_NOMEM;
        }
        sqlite3_finalize(st);
        if ((r & 0xff) == SQLITE_INTERRUPT)
                return -EINTR;
        if ((r & 0xff) == SQLITE_NOMEM)
                return -ENOMEM;
        if (r != SQLITE_DONE && strv_push(&findings, sqlite3_errmsg(h)) < 0)
                return -ENOMEM;
        if (n > max_lines && strv_consume(&findings, strdup_printf("(SQLite stopped after %zu findings; there may be more)", n)) < 0)
                return -ENOMEM;
        *ret_findings = TAKE_PTR(findings);
        return 0;
}

/* What PRAGMA integrity_check would find, found more cheaply: quick_check
 * (the b-trees, NOT NULL, CHECK), then the indexes compared with their
 * tables by scanning each once (sqlite_index_check.h), and
 * integrity_check(table) for the tables that comparison cannot do.
 * *ret_suspect: something was found (a finding or a disagreement, in
 * *ret_why when it is ours). */
static int fast_check(sqlite3 *h, bool *ret_suspect, char **ret_why) {
        _cleanup_(strv_freep) char **findings = NULL, **unchecked = NULL;
        _cleanup_free_ char *problem = NULL;
        int r;
        *ret_suspect = true;
        *ret_why = NULL;
        r = run_pragma(h, "PRAGMA quick_check(1)", 1, &findings);
        if (r < 0 || findings)
                return r < 0 ? r : (*ret_why = strdup(findings[0])) ? 0 : -ENOMEM;
        r = sqlite_index_check(h, &unchecked, &problem);
        if (r < 0)
                return r;
        if (problem) {
                *ret_why = TAKE_PTR(problem);
                return 0;
        }
        for (size_t i = 0; unchecked && unchecked[i]; i++) {
                _cleanup_strbuf_ struct strbuf sql = {};
                (void) strbuf_puts(&sql, "PRAGMA main.integrity_check('");
                for (const char *c = unchecked[i]; *c; c++)
                        (void) (*c == '\'' ? strbuf_puts(&sql, "''") : strbuf_putc(&sql, *c));
                if (strbuf_puts(&sql, "')") < 0)
                        return -ENOMEM;
                r = run_pragma(h, sql.data, 1, &findings);
                if (r < 0 || findings)
                        return r < 0 ? r : (*ret_why = strdup(findings[0])) ? 0 : -ENOMEM;
        }
        *ret_suspect = false;
        return 0;
}

static int run_check(sqlite3 *h, size_t max_lines, int (*stop)(void *), void *arg, char ***ret_findings) {
        _cleanup_(strv_freep) char **findings = NULL;
        _cleanup_free_ char *sql = strdup_printf("PRAGMA integrity_check(%zu)", max_lines + 1);
        _cleanup_free_ char *why = NULL;
        bool suspect = true;
        int r;
        *ret_findings = NULL;
        if (!sql)
                return -ENOMEM;
        sqlite3_progress_handler(h, 10000, stop, arg);
        r = fast_check(h, &suspect, &why);
        /* Something found: SQLite's own full check says what, in its words. */
        if (r >= 0 && suspect)
                r = run_pragma(h, sql, max_lines, &findings);
        sqlite3_progress_handler(h, 0, NULL, NULL);
        if (r == -EINTR || stop(arg))
                return -EINTR;
        if (r < 0)
                return r;
        /* The full check passed what the comparison found: ours, then. */
        if (!findings && why && strv_consume(&findings, TAKE_PTR(why)) < 0)
                return -ENOMEM;
        *ret_findings = TAKE_PTR(findings);
        return 0;
}

int sqlite_integrity_check(sqlite3 *h, size_t max_lines, char ***ret_findings) {
        return run_check(h, max_lines, stop_when_interrupted, NULL, ret_findings);
}

static void *check_thread(void *arg) {
        struct sqlite_integrity *c = arg;
        double started = now_seconds();
        c->result = run_check(c->handle, c->max_lines, stop_when_asked, c, &c->findings);
        c->seconds = now_seconds() - started;
        return NULL;
}

/* Runs in the signal handler: an atomic store and sqlite3_interrupt(),
 * which only sets a flag the running statement looks at. */
static void stop_on_signal(void *arg) {
        struct sqlite_integrity *c = arg;
        atomic_store(&c->stop, true);
        sqlite3_interrupt(c->handle);
}

static void join(struct sqlite_integrity *c) {
        if (!c->running)
                return;
        pthread_join(c->thread, NULL);
        c->running = false;
        interrupt_remove_cancel(c);
}

void sqlite_integrity_free(struct sqlite_integrity *c) {
        if (!c)
                return;
        if (c->running) {
                /* Nobody waits for the verdict any more. */
                atomic_store(&c->stop, true);
                sqlite3_interrupt(c->handle);
                join(c);
        }
        sqlite3_close_v2(c->handle);
        strv_free(c->findings);
        free(c);
}

int sqlite_integrity_start(const char *path, dev_t dev, ino_t ino, size_t max_lines, struct sqlite_integrity **ret) {
        _cleanup_free_ char *error = NULL;
        dev_t d;
        ino_t i;
        sigset_t all, old;
        *ret = NULL;
        if (interrupted())
                return -EINTR;
        struct sqlite_integrity *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->max_lines = max_lines;
        atomic_init(&c->stop, false);
        int r = sqlite_source_open(path, &c->handle, &d, &i, &error);
        /* Replaced since the caller opened it: this would check another file. */
        if (r >= 0 && (d != dev || i != ino))
                r = -ESTALE;
        if (r < 0) {
                sqlite_integrity_free(c);
                return r;
        }
        interrupt_add_cancel(stop_on_signal, c);
        /* Every signal goes to the thread that handles them (poll() there
         * must return at once): the check's thread takes none. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(&c->thread, NULL, check_thread, c);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0) {
                interrupt_remove_cancel(c);
                sqlite_integrity_free(c);
                return r;
        }
        c->running = true;
        *ret = c;
        return 0;
}

int sqlite_integrity_wait(struct sqlite_integrity *c, char ***ret_findings, double *ret_seconds) {
        join(c);
        *ret_findings = TAKE_PTR(c->findings);
        *ret_seconds = c->seconds;
        return c->result;
}
