#!/usr/bin/python3
"""A column with no declared type holding reals and integers that a double
cannot hold exactly (beyond 2^53: a 64-bit id or counter beside a
measurement, in a key-value or event table) was created as double precision
and then refused each such integer (exit 65) although numeric holds every
value exactly; it is now created as numeric, with a note, and migrates,
verifies and comes back the same.  Reals with integers a double holds stay
double precision.  Found by the differential test (test_differential.py).

    with-postgres.sh test_untyped_numbers.py MIGRATE
"""

import os

import mtest

t = mtest.Test()
ROWS = [(1, 2.5), (2, 9223372036854775807), (3, 1), (4, -0.5), (5, None), (6, 9007199254740993),
        (7, -9223372036854775808), (8, 1e300), (9, 0.1)]
d = t.new_sqlite("src", "CREATE TABLE kv (id INTEGER PRIMARY KEY, v, w);",
                 [("kv", [(i, v, float(i) / 4 if i % 2 else i) for i, v in ROWS])])
db = "untyped_numbers"
url = t.create_database(db)
config = t.write_config("src", d, url=url, usage_url=False)
res = t.migrate(config)
t.equal(res.rc, 0, "the migration succeeds") or t.note(res.describe())
t.equal([c[1] for c in t.columns(db, "kv")], ["bigint", "numeric", "double precision"],
        "reals with inexact integers: numeric; with exact ones: double precision")
t.check(res.lines_with("column kv.v has no declared type and holds reals"), "a note says so", res.describe())
v = t.migrate(config, "--verify")
t.equal(v.rc, 0, "--verify exits 0") or t.note(v.describe())
got = dict((r["id"], r["v"]) for r in t.rows(db, "SELECT id, v::text AS v FROM kv"))
t.equal(got, {1: "2.5", 2: "9223372036854775807", 3: "1", 4: "-0.5", 5: None, 6: "9007199254740993",
              7: "-9223372036854775808", 8: "1" + "0" * 300, 9: "0.1"}, "every value exact")
back = t.new_dir("back")
os.chmod(back, 0o777)
b = t.migrate(t.write_config("back", back, url=url, usage_url=False), "--from=pgx", "--to=sqlite3")
t.equal(b.rc, 0, "migrating back to SQLite succeeds") or t.note(b.describe())
t.finish()
