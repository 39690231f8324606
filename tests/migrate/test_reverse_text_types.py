#!/usr/bin/python3
"""PostgreSQL -> SQLite: name, bpchar (char without a length) and "char"
columns are carried as their PostgreSQL text, like inet or interval,
instead of stopping the run as types with no exact SQLite form: each reads
back exactly through a cast from that text (bpchar keeps its blanks,
"char" writes a byte over 127 as \\ooo); --verify is clean.

    with-postgres.sh test_reverse_text_types.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()

url = t.create_database("texttypes")
t.psql("texttypes", "CREATE TABLE chars (id int PRIMARY KEY, c1 \"char\", nm name, bc bpchar)")
t.psql("texttypes", "INSERT INTO chars VALUES (1, 'x', 'pg_class', 'ab  '), (2, E'\\\\201'::\"char\", repeat('n', 63), ''),"
                    " (3, NULL, NULL, NULL), (4, '', '', ' ')")
t.psql("texttypes", 'ALTER TABLE chars OWNER TO "%s"' % t.user)
d = t.new_dir("texttypes")
os.chmod(d, 0o777)
config = t.write_config("texttypes", d, url=url, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "name, bpchar and \"char\" columns migrate to SQLite") or t.note(res.describe())
if res.rc == 0:
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    t.equal(con.execute("SELECT * FROM chars ORDER BY id").fetchall(),
            [(1, "x", "pg_class", "ab  "), (2, "\\201", "n" * 63, ""), (3, None, None, None), (4, "", "", " ")],
            "each as PostgreSQL's text of it")
    t.equal([r[2] for r in con.execute("PRAGMA table_info(chars)")], ["INTEGER", "TEXT", "TEXT", "TEXT"],
            "declared TEXT")
    con.close()
    res = t.migrate(config, "--from=pgx", "--to=sqlite3", "--verify")
    t.equal(res.rc, 0, "--verify finds no difference") or t.note(res.describe())
    t.equal(t.psql("texttypes", "SELECT string_agg(format('%s', (SELECT c1 FROM chars WHERE id = 2)::text::\"char\" ="
                                " (SELECT c1 FROM chars WHERE id = 2)), '')"), "t",
            "the \"char\" text reads back as the same byte")
t.finish()
