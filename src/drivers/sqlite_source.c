#include "migrate/sqlite_source.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/strbuf.h"

/* What the descriptor check learnt about the file SQLite is about to open. */
struct source_file {
        dev_t dev;
        ino_t ino;
        uid_t owner;
        bool wal; /* the header says WAL mode: SQLite needs the -shm file */
};

static char *account_of(uid_t uid) {
        struct passwd *pw = getpwuid(uid);
        return pw ? strdup(pw->pw_name) : strdup_printf("uid %u", (unsigned) uid);
}

/* "user rstudio-pm, group rstudio-pm": who the worker is, for permission messages. */
static char *this_account(void) {
        _cleanup_free_ char *user = account_of(geteuid());
        struct group *gr = getgrgid(getegid());
        return gr ? strdup_printf("user %s, group %s", user ? user : "?", gr->gr_name)
                  : strdup_printf("user %s, gid %u", user ? user : "?", (unsigned) getegid());
}

static const char *file_kind(mode_t m) {
        return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : S_ISCHR(m) ? "a character device"
             : S_ISBLK(m)  ? "a block device"
                           : "not a regular file";
}

/* Look at the file through a descriptor before SQLite opens it: SQLite's
 * blocking open() of a FIFO would hang the run beyond any signal, and a
 * directory or an empty file would become an "empty database". */
static int check_file(const char *path, struct source_file *ret, char **ret_error) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        struct stat st;
        if (fd < 0) {
                int e = errno;
                _cleanup_free_ char *who = this_account();
                if (e == ENOENT)
                        *ret_error = strdup_printf("%s: %s (check SQLite.Dir in the configuration)", path, strerror(e));
                else if (e == EACCES || e == EPERM)
                        *ret_error = strdup_printf(
                                "%s: cannot open it: %s (migrate's worker runs as %s): that account must be able to read "
                                "the file and search every directory above it, as Package Manager's service account does",
                                path, strerror(e), who ? who : "?");
                else
                        *ret_error = strdup_printf("%s: cannot open it: %s", path, strerror(e));
                return -e;
        }
        if (fstat(fd, &st) < 0) {
                int e = errno;
                *ret_error = strdup_printf("%s: cannot inspect it: %s", path, strerror(e));
                return -e;
        }
        if (S_ISDIR(st.st_mode)) {
                *ret_error = strdup_printf("%s: is a directory, not a SQLite database file: SQLite.Dir must name the "
                                           "directory that holds the database files",
                                           path);
                return -EISDIR;
        }
        if (!S_ISREG(st.st_mode)) {
                *ret_error = strdup_printf("%s: is %s, not a regular file: migrate reads a SQLite database only from a "
                                           "regular file; copy the database into one and point SQLite.Dir at its directory",
                                           path, file_kind(st.st_mode));
                return -EINVAL;
        }
        if (st.st_size == 0) {
                *ret_error = strdup_printf("%s: is empty (0 bytes): there is no database to migrate. SQLite.Dir may name "
                                           "the wrong directory, or the file was truncated: restore it from a backup",
                                           path);
                return -ENODATA;
        }
        unsigned char header[100];
        ssize_t n = pread(fd, header, sizeof(header), 0);
        *ret = (struct source_file) {
                .dev = st.st_dev,
                .ino = st.st_ino,
                .owner = st.st_uid,
                /* Write and read format versions 2 mean WAL (the SQLite file format, "Database header"). */
                .wal = n == (ssize_t) sizeof(header) && memcmp(header, "SQLite format 3", 16) == 0 &&
                       (header[18] == 2 || header[19] == 2),
        };
        return 0;
}

static bool exists(const char *path, const char *suffix) {
        _cleanup_free_ char *p = strdup_printf("%s%s", path, suffix);
        return p && access(p, F_OK) == 0;
}

static char *wal_message(const char *path) {
        _cleanup_free_ char *copy = strdup(path), *who = this_account();
        return strdup_printf("%s: is in WAL mode and its shared-memory file %s-shm does not exist, and the account "
                             "migrate's worker runs as (%s) cannot create it: the directory %s is not writable for it. Make the directory writable for "
                             "it (Package Manager's own database directory is), or take the database out of WAL mode "
                             "in a copy (sqlite3 COPY 'PRAGMA journal_mode=DELETE') and migrate the copy",
                             path, path, who ? who : "?", copy ? dirname(copy) : "?");
}

/* SQLite's failure to open or first read the file, in plain words. */
static int explain_open_failure(sqlite3 *h, const char *path, const struct source_file *f, char **ret_error) {
        int code = h ? sqlite3_extended_errcode(h) : SQLITE_NOMEM, sys = h ? sqlite3_system_errno(h) : 0;
        const char *msg = h ? sqlite3_errmsg(h) : "out of memory";
        _cleanup_free_ char *who = this_account(), *owner = account_of(f->owner);

        switch (code & 0xff) {
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
                *ret_error = strdup_printf("%s: is locked by another process that is writing it (waited %d s): is Package "
                                           "Manager still running (systemctl status rstudio-pm)? Stop it and any other "
                                           "program that has the database open for writing (sqlite3, a backup tool), "
                                           "then run migrate again",
                                           path, SQLITE_SOURCE_BUSY_TIMEOUT_MS / 1000);
                return -EBUSY;
        case SQLITE_READONLY:
                if (code == SQLITE_READONLY_ROLLBACK || exists(path, "-journal")) {
                        *ret_error = strdup_printf(
                                "%s: has a hot journal (%s-journal): a program writing the database stopped in the middle "
                                "of a transaction, which must be rolled back before the file can be read, and migrate "
                                "never writes its source. Keep the -journal file, open the database once read-write as "
                                "its owner (sudo -u %s sqlite3 %s 'PRAGMA quick_check'), or start and stop Package "
                                "Manager, then run migrate again",
                                path, path, owner ? owner : "?", path);
                        return -EROFS;
                }
                if (f->wal) {
                        *ret_error = wal_message(path);
                        return -EROFS;
                }
                break;
        case SQLITE_CANTOPEN:
                if (f->wal && !exists(path, "-shm")) {
                        *ret_error = wal_message(path);
                        return -EROFS;
                }
                *ret_error = strdup_printf("%s: SQLite cannot open it: %s (migrate's worker runs as %s): that account "
                                           "must be able to read the file and the files beside it (-wal, -shm)",
                                           path, sys ? strerror(sys) : msg, who ? who : "?");
                return sys ? -sys : -EACCES;
        case SQLITE_NOTADB:
                *ret_error = strdup_printf("%s: is not a SQLite database (%s): SQLite.Dir may name the wrong directory, or "
                                           "the file is damaged: restore it from a backup",
                                           path, msg);
                return -EBADMSG;
        case SQLITE_CORRUPT:
                *ret_error = strdup_printf("%s: is corrupt (%s): restore it from a backup", path, msg);
                return -EBADMSG;
        }
        *ret_error = strdup_printf("%s: cannot open the SQLite database: %s", path, msg);
        return -EIO;
}

int sqlite_source_open(const char *path, sqlite3 **ret, dev_t *ret_dev, ino_t *ret_ino, char **ret_error) {
        struct source_file f = {};
        struct stat st;
        sqlite3 *h = NULL;
        *ret_error = NULL;
        int r = check_file(path, &f, ret_error);
        if (r < 0)
                return r;
        /* Read-only, and inside one transaction: one snapshot for copy and verify. */
        if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
                sqlite3_extended_result_codes(h, 1);
                sqlite3_busy_timeout(h, SQLITE_SOURCE_BUSY_TIMEOUT_MS);
        }
        if (!h || sqlite3_errcode(h) != SQLITE_OK ||
            sqlite3_exec(h, "PRAGMA query_only = 1; BEGIN; SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL) !=
                    SQLITE_OK) {
                r = explain_open_failure(h, path, &f, ret_error);
                sqlite3_close_v2(h);
                return r;
        }
        /* SQLite opened the path again: it must still be the file checked above. */
        if (stat(path, &st) < 0 || st.st_dev != f.dev || st.st_ino != f.ino) {
                *ret_error = strdup_printf("%s: was replaced by another file while migrate opened it: make sure nothing "
                                           "changes the database directory, then run migrate again",
                                           path);
                sqlite3_close_v2(h);
                return -ESTALE;
        }
        *ret = h;
        if (ret_dev)
                *ret_dev = f.dev;
        if (ret_ino)
                *ret_ino = f.ino;
        return 0;
}
