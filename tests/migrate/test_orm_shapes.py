#!/usr/bin/python3
"""SQLite databases shaped as web applications' ORMs make them.

    with-postgres.sh test_orm_shapes.py MIGRATE

Each case is a small database with the schema text and value formats an ORM
writes (Django, Rails, TypeORM, gorm, Alembic ...), migrated into a new,
empty PostgreSQL database, then checked there with psql:

(a) a table full of values PostgreSQL cannot hold (a Laravel-style table
    with '' and '0000-00-00 00:00:00' in datetime columns): exit 65, and
    every one of them is listed by row and column, not the first 20.
"""

import os
import sqlite3

import mtest

t = mtest.Test()
n_db = 0


def fresh_target():
    """A new, empty database: every case creates its own tables."""
    global n_db
    n_db += 1
    name = "orm_%d" % n_db
    return name, t.create_database(name)


def source(name, schema, fill):
    d = t.new_dir(name)
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"), isolation_level=None)
    con.executescript(schema)
    con.execute("BEGIN")
    fill(con)
    con.execute("COMMIT")
    con.close()
    return d


# ---- (a) every refused value is listed --------------------------------------

def fill_zero_dates(con):
    # 30 rows, two bad values each: 60 refusals.
    for i in range(1, 31):
        con.execute("INSERT INTO users VALUES (?, ?, ?, ?)",
                    (i, "u%d" % i, "" if i % 2 else "0000-00-00 00:00:00", "0000-00-00 00:00:00"))


d = source("zero-dates", """
CREATE TABLE "users" ("id" integer primary key autoincrement not null, "name" varchar not null,
                      "email_verified_at" datetime, "created_at" datetime);
""", fill_zero_dates)
db, url = fresh_target()
res = t.migrate(t.write_config("zero-dates", d, url=url, usage_url=False))
t.equal(res.rc, 65, "(a) values PostgreSQL cannot hold: exit 65")
listed = set()
for line in res.err.splitlines():
    for i in range(1, 31):
        for col in ("email_verified_at", "created_at"):
            if "row id=%d, column %s:" % (i, col) in line:
                listed.add((i, col))
t.equal(len(listed), 60, "(a) every one of the 60 refused values is listed by row and column")
t.check("more values the target cannot hold" not in res.err, "(a) none is left out as '... and N more'",
        res.describe())
t.check("60 values cannot be stored" in res.err, "(a) the count says 60", res.describe())
t.equal(t.tables(db), [], "(a) nothing was written")

t.finish()
