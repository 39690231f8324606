/* The source integrity check alone, on one file, for the differential test
 * (tests/migrate/test_integrity_differential.py) and for timing it:
 *
 *     sqlite-check FILE [MAX_LINES]
 *     sqlite-check --tables FILE
 *     sqlite-check --full FILE
 *
 * prints each finding on a line of its own ("ok" when there is none) and
 * exits 0, or 1 when the check itself failed.  With --tables, the index
 * comparison alone: "unchecked: TABLE" for each table it leaves to
 * integrity_check(TABLE), then "problem: ..." or "agrees".  With --full,
 * what the check did before: PRAGMA integrity_check(21) on the same
 * connection, to time against. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "migrate/sqlite_index_check.h"
#include "migrate/sqlite_integrity.h"
#include "migrate/sqlite_source.h"
#include "migrate/strv.h"

int main(int argc, char **argv) {
        sqlite3 *h = NULL;
        char *error = NULL, **findings = NULL;
        dev_t dev;
        ino_t ino;
        if (argc == 3 && strcmp(argv[1], "--tables") == 0) {
                char **unchecked = NULL, *problem = NULL;
                if (sqlite_source_open(argv[2], &h, &dev, &ino, &error) < 0 || sqlite_index_check(h, &unchecked, &problem) < 0)
                        return 1;
                for (size_t i = 0; unchecked && unchecked[i]; i++)
                        printf("unchecked: %s\n", unchecked[i]);
                printf("%s%s\n", problem ? "problem: " : "agrees", problem ? problem : "");
                strv_free(unchecked);
                free(problem);
                sqlite3_close(h);
                return 0;
        }
        if (argc == 3 && strcmp(argv[1], "--full") == 0) {
                sqlite3_stmt *st = NULL;
                if (sqlite_source_open(argv[2], &h, &dev, &ino, &error) < 0 ||
                    sqlite3_prepare_v2(h, "PRAGMA integrity_check(21)", -1, &st, NULL) != SQLITE_OK)
                        return 1;
                while (sqlite3_step(st) == SQLITE_ROW)
                        printf("%s\n", (const char *) sqlite3_column_text(st, 0));
                sqlite3_finalize(st);
                sqlite3_close(h);
                return 0;
        }
        if (argc < 2 || argc > 3) {
                fprintf(stderr, "usage: sqlite-check FILE [MAX_LINES]\n");
                return 2;
        }
        size_t max = argc == 3 ? strtoul(argv[2], NULL, 10) : 20;
        if (sqlite_source_open(argv[1], &h, &dev, &ino, &error) < 0) {
                /* A file SQLite cannot even open is a finding too. */
                printf("%s\n", error ? error : "cannot open");
                free(error);
                return 0;
        }
        int r = sqlite_integrity_check(h, max, &findings);
        sqlite3_close(h);
        if (r < 0) {
                fprintf(stderr, "sqlite-check: %s\n", strerror(-r));
                return 1;
        }
        if (!findings)
                printf("ok\n");
        for (size_t i = 0; findings && findings[i]; i++)
                printf("%s\n", findings[i]);
        strv_free(findings);
        return 0;
}
