#!/usr/bin/python3
"""PostgreSQL -> SQLite: values SQLite's storage cannot keep are refused by
name (exit 65, nothing written) instead of failing the run (exit 1: a date
written as text the verification could not read back); the edges that fit (1 BC as the year 0000, 9999,
infinite timestamps) are carried, verified, and come back to PostgreSQL
unchanged.

    with-postgres.sh test_reverse_time_limits.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()

REFUSED = r"""
CREATE TABLE events (id int PRIMARY KEY, day date, at timestamptz, naive timestamp);
INSERT INTO events VALUES
  (1, 'infinity', NULL, NULL),
  (2, '-infinity', NULL, NULL),
  (3, '0044-03-15 BC', '0002-01-01 00:00:00+00 BC', '0001-12-31 23:59:59.999999 BC'),
  (4, '10000-01-01', '10000-01-01 00:00:00+00', '9999-12-31 23:59:59.999999'),
  (5, '2024-02-29', '2024-02-29 12:00:00+00', '2024-02-29 12:00:00');
ALTER TABLE events OWNER TO "%s";
"""

FITS = r"""
CREATE TABLE edges (id int PRIMARY KEY, day date, at timestamptz, naive timestamp);
INSERT INTO edges VALUES
  (1, '0001-01-01 BC', '0001-06-15 12:00:00.5+00 BC', '0001-12-31 23:59:59.999999 BC'),
  (2, '9999-12-31', '9999-12-31 23:59:59.999999+00', '9999-12-31 23:59:59.999999'),
  (3, '0001-01-01', 'infinity', '-infinity'),
  (4, NULL, NULL, NULL);
ALTER TABLE edges OWNER TO "%s";
"""

src = t.create_database("limits_refused")
for stmt in [s for s in (REFUSED % t.user).split(";\n") if s.strip()]:
    t.psql("limits_refused", stmt)
d = t.new_dir("refused")
os.chmod(d, 0o777)
path = os.path.join(d, "rstudio-pm.sqlite")
config = t.write_config("refused", d, url=src, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 65, "values SQLite cannot keep: exit 65") or t.note(res.describe())
t.check(not os.path.exists(path) and not os.path.exists(path + ".migrate-new"), "nothing was written")
for row, column, what in [(1, "day", "infinity"), (2, "day", "-infinity"), (3, "day", "0044-03-15 BC"),
                          (3, "at", "0002-01-01 00:00:00 BC"), (4, "day", "10000-01-01"),
                          (4, "at", "10000-01-01 00:00:00")]:
    lines = [l for l in res.err.splitlines() if "row id=%d, column %s:" % (row, column) in l]
    t.check(len(lines) == 1 and (what is None or (" %s cannot go into" % what) in lines[0]),
            "row %d, column %s is listed with its value" % (row, column), res.err)
t.check(not [l for l in res.err.splitlines() if "row id=3, column naive:" in l],
        "row 3's naive time in 1 BC (the year 0000) fits and is not listed", res.err)
t.check(not [l for l in res.err.splitlines() if "row id=5" in l], "row 5 (ordinary values) is not listed", res.err)
t.check("four-digit year" in res.err and "before 1 BC" in res.err and "after 9999" in res.err,
        "the reasons say why", res.err)

src = t.create_database("limits_fit")
for stmt in [s for s in (FITS % t.user).split(";\n") if s.strip()]:
    t.psql("limits_fit", stmt)
d = t.new_dir("fit")
os.chmod(d, 0o777)
path = os.path.join(d, "rstudio-pm.sqlite")
config = t.write_config("fit", d, url=src, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "1 BC, 9999 and infinite timestamps: carried and verified") or t.note(res.describe())
if res.rc == 0:
    con = sqlite3.connect(path)
    t.equal(con.execute("SELECT day, at, naive FROM edges ORDER BY id").fetchall(),
            [("0000-01-01", "0000-06-15 12:00:00.5+00:00", "0000-12-31 23:59:59.999999+00:00"),
             ("9999-12-31", "9999-12-31 23:59:59.999999+00:00", "9999-12-31 23:59:59.999999+00:00"),
             ("0001-01-01", "infinity", "-infinity"), (None, None, None)],
            "1 BC is the year 0000 (as SQLite and Go read it), 9999 as such, infinity as PostgreSQL writes it")
    con.close()
    res = t.migrate(config, "--from=pgx", "--to=sqlite3", "--verify")
    t.equal(res.rc, 0, "--verify finds no difference") or t.note(res.describe())
    back = t.create_database("limits_back")
    config_back = t.write_config("back", d, url=back, usage_url=False)
    res = t.migrate(config_back)
    t.equal(res.rc, 0, "the SQLite file migrates back to an empty PostgreSQL database") or t.note(res.describe())
    q = ("SELECT id, day, at AT TIME ZONE 'UTC', naive FROM edges ORDER BY id")
    t.equal(t.psql("limits_back", q.replace("naive FROM", "naive AT TIME ZONE 'UTC' FROM")),
            t.psql("limits_fit", q), "every value comes back as it was")
t.finish()
