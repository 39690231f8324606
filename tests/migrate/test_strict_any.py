#!/usr/bin/python3
"""A STRICT table's ANY column stores every value as it was given, like a
column with no declared type, and gets its type from the values the same
way: only blobs make it bytea (it was numeric, and every blob was refused,
exit 65), text and numbers make it text, blobs beside other values refuse
only the side that is fewer.  Found by the differential test's extras.

    with-postgres.sh test_strict_any.py MIGRATE
"""

import mtest

t = mtest.Test()


def run(name, sql):
    d = t.new_sqlite(name, sql, [])
    url = t.create_database(name)
    return t.migrate(t.write_config(name, d, url=url, usage_url=False)), name


res, db = run("anyblobs", "CREATE TABLE a (id INTEGER PRIMARY KEY, x ANY) STRICT;"
                          " INSERT INTO a VALUES (1, X'01'), (2, X'00ff'), (3, NULL);")
t.equal(res.rc, 0, "an ANY column holding only blobs is migrated") or t.note(res.describe())
t.equal(t.columns(db, "a")[1][1] if res.rc == 0 else None, "bytea", "it is created as bytea")
t.equal(t.value(db, "SELECT string_agg(coalesce(encode(x, 'hex'), 'NULL'), ',' ORDER BY id) FROM a")
        if res.rc == 0 else None, "01,00ff,NULL", "every blob is copied")

res, db = run("anymixed", "CREATE TABLE a (id INTEGER PRIMARY KEY, x ANY) STRICT;"
                          " INSERT INTO a VALUES (1, 'hello'), (2, 5), (3, 2.5), (4, X'00');")
t.equal(res.rc, 65, "text, numbers and a blob: refused (no one type holds them)") or t.note(res.describe())
t.check(res.lines_with("row id=4") and not res.lines_with("row id=1"),
        "only the blob is refused, not the text (the column is text)", res.describe())
t.check(res.lines_with("column a.x is declared ANY in a STRICT table and holds blobs (1)"),
        "a note says why", res.describe())
t.finish()
