/* Opening a SQLite file as a migration source: only a regular, non-empty
 * file, read-only, in one read transaction; SQLite's failures said in words a
 * user can act on (which file, which account, what to do). */
#pragma once

#include <sqlite3.h>
#include <stddef.h>
#include <sys/types.h>

/* How long a read waits for another process's write lock before giving up. */
#define SQLITE_SOURCE_BUSY_TIMEOUT_MS 3000

/* Opens path and begins the read transaction; *ret_dev and *ret_ino (each
 * may be NULL) say which file that is.  On failure returns a negative
 * errno (-EBUSY: another process holds a write lock on the file) and sets
 * *ret_error to a message naming the file. */
int sqlite_source_open(const char *path, sqlite3 **ret, dev_t *ret_dev, ino_t *ret_ino, char **ret_error);
