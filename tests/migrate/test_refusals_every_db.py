#!/usr/bin/python3
"""Values the target cannot hold are listed for every database of the run,
not only the first: with one in the main database and one in the usage
database, the run exits 65 naming both (before, it stopped after the main
database, and the administrator found the usage database's only after
correcting the first and running again), and nothing is written to either
target.  With the usage database clean, it is still not written.  Found by
the differential test (test_differential.py).

    with-postgres.sh test_refusals_every_db.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()


def make(name, usage_bad):
    d = t.new_sqlite(name, "CREATE TABLE repos (id INTEGER PRIMARY KEY, created TIMESTAMP, n BIGINT);",
                     [("repos", [(1, "2024-03-05 14:22:01", 1), (2, "2024-02-30 00:00:00", 2)])])
    con = sqlite3.connect(os.path.join(d, "rstudio-pm-usage.sqlite"))
    con.execute("CREATE TABLE downloads (id INTEGER PRIMARY KEY, day DATE, hits INTEGER)")
    con.executemany("INSERT INTO downloads VALUES (?, ?, ?)",
                    [(1, "2024-03-05", 3), (2, "2024-03-06", "12abc" if usage_bad else 4)])
    con.commit()
    con.close()
    main, usage = t.create_database(name + "_main"), t.create_database(name + "_usage")
    return t.write_config(name, d, url=main, usage_url=usage), name + "_main", name + "_usage"


config, main, usage = make("both", True)
res = t.migrate(config)
t.equal(res.rc, 65, "both: exit 65") or t.note(res.describe())
t.check(res.lines_with("table repos, row id=2, column created"), "both: the main database's value is listed",
        res.describe())
t.check(res.lines_with("table downloads, row id=2, column hits"), "both: the usage database's value is listed",
        res.describe())
t.check(res.lines_with("usage database: 1 value cannot be stored"), "both: the usage database's count is said",
        res.describe())
t.equal(t.tables(main) + t.tables(usage), [], "both: nothing written to either target")

config, main, usage = make("main_only", False)
res = t.migrate(config)
t.equal(res.rc, 65, "main only: exit 65") or t.note(res.describe())
t.check(res.lines_with("table repos, row id=2, column created"), "main only: its value is listed", res.describe())
t.equal(res.lines_with("usage database: "), [], "main only: nothing refused in the usage database")
t.equal(t.tables(main) + t.tables(usage), [], "main only: nothing written to either target")
t.finish()
