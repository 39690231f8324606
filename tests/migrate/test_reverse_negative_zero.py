#!/usr/bin/python3
"""PostgreSQL -> SQLite: a real or double precision -0 is refused by table,
row and column before anything is written (exit 65), as a date SQLite
cannot hold is.  SQLite keeps a whole number in a REAL column as an
integer, which has no sign of zero, and takes text that looks like a number
for one: -0 reads back as 0 whichever way it is written.  Before, the run
wrote everything and then failed its own verification (exit 3, 'source -0,
target 0').  0, NaN and the infinities are carried; once the -0s are
corrected the run succeeds.  Found by the PostgreSQL differential test.

    with-postgres.sh test_reverse_negative_zero.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()
t.psql(t.db, 'CREATE TABLE m (id integer PRIMARY KEY, r real, "Dbl" double precision)')
t.psql(t.db, "INSERT INTO m VALUES (1, '-0', '-0'), (2, '0', '0'), (3, 'NaN', '-Infinity'), (4, NULL, '-0')")
t.psql(t.db, 'ALTER TABLE m OWNER TO "%s"' % t.user)

d = t.new_dir("negzero")
os.chmod(d, 0o777)
path = os.path.join(d, "rstudio-pm.sqlite")
config = t.write_config("negzero", d, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 65, "a -0 real or double is refused (exit 65)") or t.note(res.describe())
for row, col in ((1, "r"), (1, "Dbl"), (4, "Dbl")):
    t.check([l for l in res.lines_with("row id=%d, column %s:" % (row, col)) if "-0" in l],
            "row %d, column %s is listed with its -0" % (row, col), res.describe())
t.equal(len(res.lines_with("-0, which")), 3, "exactly the three -0 cells are listed") or t.note(res.describe())
t.check(not os.path.exists(path), "nothing is written", os.listdir(d))

t.psql(t.db, "UPDATE m SET r = 0 WHERE r = 0; UPDATE m SET \"Dbl\" = 0 WHERE \"Dbl\" = 0")
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "with the -0s corrected the run succeeds") or t.note(res.describe())
if os.path.exists(path):
    con = sqlite3.connect(path)
    t.equal(con.execute('SELECT r, "Dbl" FROM m ORDER BY id').fetchall(),
            [(0.0, 0.0), (0.0, 0.0), ("NaN", float("-inf")), (None, 0.0)],
            "0, NaN and -Infinity are carried")
    con.close()
t.finish()
