#!/usr/bin/python3
"""PostgreSQL -> SQLite: a bytea column's constant default ('\\x00ff'::bytea,
as PostgreSQL shows it) becomes the blob literal X'00ff' in SQLite, so a row
inserted without the column gets the same bytes; it was carried as the text
'\\x00ff' (six characters, not two bytes).  Found by the differential test
(a SQLite BLOB DEFAULT X'00FF' migrated there and back).

    with-postgres.sh test_reverse_bytea_default.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()

url = t.create_database("byteadef")
t.psql("byteadef", "CREATE TABLE d (id int PRIMARY KEY, b bytea DEFAULT '\\x00ff'::bytea,"
                   " e bytea NOT NULL DEFAULT ''::bytea, q bytea DEFAULT 'ab'::bytea)")
t.psql("byteadef", "INSERT INTO d (id) VALUES (1)")
t.psql("byteadef", 'ALTER TABLE d OWNER TO "%s"' % t.user)
d = t.new_dir("byteadef")
os.chmod(d, 0o777)
res = t.migrate(t.write_config("byteadef", d, url=url, usage_url=False), "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "PostgreSQL -> SQLite succeeds") or t.note(res.describe())
if res.rc == 0:
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    t.equal(con.execute("SELECT b, e, q FROM d").fetchall(), [(b"\x00\xff", b"", b"ab")], "the values are copied")
    con.execute("INSERT INTO d (id) VALUES (2)")
    t.equal(con.execute("SELECT typeof(b), hex(b), typeof(e), hex(e), typeof(q), hex(q) FROM d WHERE id = 2").fetchall(),
            [("blob", "00FF", "blob", "", "blob", "6162")],
            "a row inserted without the columns gets the defaults' bytes as blobs")
t.finish()
