#!/usr/bin/python3
"""JSON into json and jsonb columns of a target the server created: json
keeps the text exactly, jsonb holds the same value, verification passes
(it compares jsonb in PostgreSQL's own canonical text), and text that is
not JSON stops the run (the one-pass copy names it) with nothing committed.

    with-postgres.sh test_json.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()
DOCS = [
    (1, '{"b":1,"a":2}'),
    (2, ' { "x" : [ 1, 2.50, -0, 1E2 ] , "y" : { } } '),
    (3, '{"a":1,"a":"last wins"}'),
    (4, '"tab\\t \\u00e9 \\ud83d\\ude00 \\/"'),
    (5, '[{"é":"😀","e":null,"":true}]'),
    (6, None),
]


def source(name, rows):
    d = t.new_dir(name)
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    con.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, j JSON, b JSON)")
    con.executemany("INSERT INTO docs VALUES (?, ?, ?)", [(i, v, v) for i, v in rows])
    con.commit()
    con.close()
    return d


t.psql(t.db, "CREATE TABLE docs (id bigserial PRIMARY KEY, j json, b jsonb)")
t.psql(t.db, 'ALTER TABLE docs OWNER TO "%s"' % t.user)
config = t.write_config("cfg", source("good", DOCS), usage_url=False)
res = t.migrate(config)
t.equal(res.rc, 0, "migration into json and jsonb columns succeeds") or t.note(res.describe())
for i, text in DOCS:
    got = t.rows(t.db, "SELECT j::text AS j, b = %s::jsonb AS same FROM docs WHERE id = %d"
                 % ("NULL" if text is None else mtest.sql_literal(text), i))
    if text is None:
        t.equal(t.value(t.db, "SELECT j IS NULL AND b IS NULL FROM docs WHERE id = 6"), "t", "NULL stays NULL")
        continue
    t.equal(got[0]["j"], text, "row %d: json keeps the text exactly" % i)
    t.equal(got[0]["same"], True, "row %d: jsonb holds the same value" % i)
res = t.migrate(config, "--verify")
t.equal(res.rc, 0, "--verify compares jsonb values exactly") or t.note(res.describe())

before = t.snapshot(t.db)
t.psql(t.db, "TRUNCATE docs")
before = t.snapshot(t.db)
config = t.write_config("bad", source("bad", [(1, '{"a": 1'), (2, "[1, 2] x")]), usage_url=False)
res = t.migrate(config)
t.equal(res.rc, 65, "text that is not JSON: exit 65") or t.note(res.describe())
t.check(len(res.lines_with("not valid JSON")) == 4, "each bad value of both columns is named", res.describe())
t.same_snapshot(before, t.snapshot(t.db), "nothing was written")
t.finish()
