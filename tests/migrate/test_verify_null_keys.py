#!/usr/bin/python3
"""SQLite lets a rowid table's primary key column hold NULL, any number of
times; such a key is carried as a UNIQUE constraint.  Verification ordered
the rows by the key alone, so rows sharing a NULL key paired by chance: with
the key's index DESC, SQLite gives them in the other order than PostgreSQL,
and --verify reported differences in a sound copy.  The other columns now
order rows that share a key.  Also: "INTEGER PRIMARY KEY DESC" is not the
rowid (a quirk SQLite keeps), so it may hold NULL and generates no ids; it
was taken for the rowid, made an identity column, and the copy of a NULL
failed in the server (exit 1).  Found by the differential test's extras.

    with-postgres.sh test_verify_null_keys.py MIGRATE
"""

import mtest

t = mtest.Test()


def run(name, sql):
    d = t.new_sqlite(name, sql, [])
    url = t.create_database(name)
    config = t.write_config(name, d, url=url, usage_url=False)
    res = t.migrate(config)
    t.equal(res.rc, 0, "%s: migrate exits 0" % name) or t.note(res.describe())
    if res.rc == 0:
        v = t.migrate(config, "--verify")
        t.equal(v.rc, 0, "%s: --verify finds no difference" % name) or t.note(v.describe())
    return res


run("textdesc", "CREATE TABLE a (k TEXT PRIMARY KEY DESC, v TEXT);"
                " INSERT INTO a VALUES (NULL, 'b'), (NULL, 'c'), ('x', 'a'), (NULL, 'd');")
res = run("intdesc", "CREATE TABLE a (id INTEGER PRIMARY KEY DESC, v TEXT);"
                     " INSERT INTO a VALUES (5, 'a'), (NULL, 'b'), (NULL, 'c');")
if res.rc == 0:
    t.equal(t.value("intdesc", "SELECT count(*) FROM a WHERE id IS NULL"), "2", "intdesc: the NULL keys are copied")
    t.equal(t.columns("intdesc", "a")[0][3], "", "intdesc: the column is not an identity (SQLite generates no ids)")
t.finish()
