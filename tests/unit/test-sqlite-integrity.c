/* The SQLite integrity check in its own thread, on real files: sound,
 * damaged, replaced, stopped before its end, stopped by a signal. */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/interrupt.h"
#include "migrate/sqlite_integrity.h"
#include "migrate/sqlite_source.h"
#include "migrate/strbuf.h"
#include "migrate/strv.h"
#include "tap.h"

static char dir[] = "/tmp/test-sqlite-integrity-XXXXXX";

static char *make_db(const char *name, int rows, bool damage) {
        char *path = strdup_printf("%s/%s", dir, name);
        sqlite3 *h = NULL;
        char *sql = strdup_printf(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); CREATE INDEX t_a ON t (a);"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
                " INSERT INTO t SELECT i, printf('a%%08d', i), printf('b%%08d', %d - i) FROM n;%s",
                rows, rows,
                /* The index's stored definition rewritten: every entry is wrong. */
                damage ? "PRAGMA writable_schema = ON;"
                         "UPDATE sqlite_schema SET sql = 'CREATE INDEX t_a ON t (b)' WHERE name = 't_a';"
                       : "");
        if (sqlite3_open(path, &h) != SQLITE_OK || sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
                printf("# setup: %s\n", sqlite3_errmsg(h));
        sqlite3_close(h);
        free(sql);
        return path;
}

/* The caller's own connection, as sqlite_db opens it. */
static sqlite3 *open_source(const char *path, dev_t *dev, ino_t *ino) {
        sqlite3 *h = NULL;
        char *error = NULL;
        if (sqlite_source_open(path, &h, dev, ino, &error) < 0)
                printf("# open: %s\n", error ? error : "?");
        free(error);
        return h;
}

static void test_sound(void) {
        char *path = make_db("sound.sqlite", 20000, false);
        dev_t dev;
        ino_t ino;
        sqlite3 *h = open_source(path, &dev, &ino);
        struct sqlite_integrity *c = NULL;
        char **findings = NULL;
        double seconds = -1;
        CHECK(sqlite_integrity_start(path, dev, ino, 20, &c) == 0);
        CHECK(c && sqlite_integrity_wait(c, &findings, &seconds) == 0);
        CHECK(!findings);
        CHECK(seconds >= 0);
        sqlite_integrity_free(c);
        sqlite3_close(h);
        free(path);
}

static void test_damaged(void) {
        char *path = make_db("damaged.sqlite", 200, true);
        dev_t dev;
        ino_t ino;
        sqlite3 *h = open_source(path, &dev, &ino);
        struct sqlite_integrity *c = NULL;
        char **findings = NULL, **same = NULL;
        double seconds = -1;
        CHECK(sqlite_integrity_start(path, dev, ino, 5, &c) == 0);
        CHECK(c && sqlite_integrity_wait(c, &findings, &seconds) == 0);
        /* Five findings and a line saying there may be more. */
        CHECK(strv_length(findings) == 6);
        CHECK_CONTAINS(findings ? findings[5] : NULL, "there may be more");
        /* The same as the check in the foreground on the caller's connection. */
        CHECK(sqlite_integrity_check(h, 5, &same) == 0);
        CHECK(strv_length(same) == 6);
        for (size_t i = 0; findings && same && i < 6; i++)
                CHECK_STREQ(findings[i], same[i]);
        strv_free(findings);
        strv_free(same);
        sqlite_integrity_free(c);
        sqlite3_close(h);
        free(path);
}

/* Replaced after the caller opened it: the check would read another file. */
static void test_replaced(void) {
        char *path = make_db("replaced.sqlite", 10, false), *other = make_db("other.sqlite", 10, false);
        dev_t dev;
        ino_t ino;
        sqlite3 *h = open_source(path, &dev, &ino);
        struct sqlite_integrity *c = NULL;
        CHECK(rename(other, path) == 0);
        CHECK(sqlite_integrity_start(path, dev, ino, 20, &c) == -ESTALE);
        CHECK(!c);
        sqlite3_close(h);
        free(path);
        free(other);
}

/* Freed while it runs (the run failed and no one waits): it stops, the
 * thread is joined, nothing leaks. */
static void test_free_while_running(void) {
        char *path = make_db("big.sqlite", 400000, false);
        dev_t dev;
        ino_t ino;
        sqlite3 *h = open_source(path, &dev, &ino);
        struct sqlite_integrity *c = NULL;
        CHECK(sqlite_integrity_start(path, dev, ino, 20, &c) == 0);
        sqlite_integrity_free(c);
        sqlite3_close(h);
        free(path);
}

/* Ctrl-C: the handler (in this thread: the check's takes no signals)
 * interrupts the check, which ends with -EINTR. */
static void test_signal(void) {
        char *path = make_db("big2.sqlite", 400000, false);
        dev_t dev;
        ino_t ino;
        sqlite3 *h = open_source(path, &dev, &ino);
        struct sqlite_integrity *c = NULL;
        char **findings = NULL;
        double seconds = -1;
        interrupt_install();
        CHECK(sqlite_integrity_start(path, dev, ino, 20, &c) == 0);
        raise(SIGINT);
        CHECK(interrupted());
        CHECK(c && sqlite_integrity_wait(c, &findings, &seconds) == -EINTR);
        CHECK(!findings);
        sqlite_integrity_free(c);
        sqlite3_close(h);
        free(path);
}

int main(void) {
        if (!mkdtemp(dir))
                return EXIT_FAILURE;
        RUN(test_sound);
        RUN(test_damaged);
        RUN(test_replaced);
        RUN(test_free_while_running);
        RUN(test_signal); /* last: the run stays interrupted */
        char *rm = strdup_printf("rm -rf %s", dir);
        if (rm && system(rm) != 0)
                printf("# could not remove %s\n", dir);
        free(rm);
        TAP_END();
}
