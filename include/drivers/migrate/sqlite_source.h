/* Opening a SQLite file as a migration source: only a regular, non-empty
 * file, read-only, in one read transaction; SQLite's failures said in words a
 * user can act on (which file, which account, what to do). */
#pragma once

#include <sqlite3.h>
#include <stddef.h>

/* How long a read waits for another process's write lock before giving up. */
#define SQLITE_SOURCE_BUSY_TIMEOUT_MS 3000

/* Opens path and begins the read transaction.  On failure returns a negative
 * errno (-EBUSY: another process holds a write lock on the file) and sets
 * *ret_error to a message naming the file. */
int sqlite_source_open(const char *path, sqlite3 **ret, char **ret_error);

/* SQLite's own consistency check of the whole file (PRAGMA integrity_check).
 * *ret_findings: NULL when the file is sound, else at most max_lines of
 * SQLite's findings as SQLite words them (log.h escapes what it prints),
 * then a line saying there
 * may be more.  A file too damaged to be checked yields SQLite's error as its
 * finding.  -EINTR when interrupted. */
int sqlite_source_check_integrity(sqlite3 *h, size_t max_lines, char ***ret_findings);
