/* SQLite's consistency check of a source file, with PRAGMA
 * integrity_check's verdict for a fraction of its cost: PRAGMA quick_check
 * (every page, NOT NULL, CHECK), then each index compared with its table
 * by one scan of each (sqlite_index_check.h) instead of integrity_check's
 * lookup per row per index, PRAGMA integrity_check(table) for the tables
 * that comparison cannot do, and, once anything is found, the full PRAGMA
 * integrity_check, whose findings are reported.  It still reads the whole
 * file: so it runs in a thread, on a read-only connection of its own,
 * while the run copies and the server builds keys, and the run waits for
 * its verdict before anything is committed. */
#pragma once

#include <sqlite3.h>
#include <stddef.h>
#include <sys/types.h>

struct sqlite_integrity;

/* Checks h itself, here and now.  *ret_findings: NULL when the file is
 * sound, else at most max_lines of SQLite's findings (PRAGMA
 * integrity_check's) as SQLite words them (log.h escapes what it prints),
 * then a line saying there may be more.  A file too damaged to be checked
 * yields SQLite's error as its finding; a disagreement between an index and
 * its table that integrity_check then does not confirm, ours (naming both).
 * Registers the SQL function migrate_index_entries() on h.  -EINTR when
 * interrupted. */
int sqlite_integrity_check(sqlite3 *h, size_t max_lines, char ***ret_findings);

/* Opens path once more, read-only in a read transaction of its own, makes
 * sure it is the file the caller has open (dev, ino), and starts the check
 * in a thread.  The snapshot is the caller's: a rollback-journal file cannot
 * change while the caller's read transaction lasts; in WAL mode only a
 * writer committing in the moment between the two opens could make them
 * differ (migrate runs with the server stopped).  The thread takes no
 * signals: Ctrl-C stops it through sqlite3_interrupt().  A negative errno
 * when no connection or thread can be had: the caller then checks its own
 * connection with sqlite_integrity_check(). */
int sqlite_integrity_start(const char *path, dev_t dev, ino_t ino, size_t max_lines, struct sqlite_integrity **ret);

/* Waits for the check to end: the result as sqlite_integrity_check()'s,
 * and the seconds the check itself ran.  Once only. */
int sqlite_integrity_wait(struct sqlite_integrity *c, char ***ret_findings, double *ret_seconds);

/* Stops the check if it still runs, waits for its thread, closes its
 * connection. */
void sqlite_integrity_free(struct sqlite_integrity *c);
