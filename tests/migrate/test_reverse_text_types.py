#!/usr/bin/python3
"""PostgreSQL -> SQLite: name, bpchar (char without a length), "char",
bit strings, macaddr8, tsvector and citext columns are carried as their
PostgreSQL text, like inet or interval,
instead of stopping the run as types with no exact SQLite form: each reads
back exactly through a cast from that text (bpchar keeps its blanks,
"char" writes a byte over 127 as \\ooo); --verify is clean; citext's
case-insensitive comparison is reported as not carried, and a citext key
verifies.  An interval is PostgreSQL's own text of it whatever IntervalStyle
the database or role sets (iso_8601 would write P1Y2M...).

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

# ---- bit strings, macaddr8, tsvector, citext (an extension) --------------------
url = t.create_database("exttypes")
t.psql("exttypes", "CREATE EXTENSION citext")
t.psql("exttypes", "CREATE TABLE users (id int PRIMARY KEY, email citext UNIQUE, tsv tsvector, bits bit(8), vb varbit,"
                   " mac macaddr8)")
t.psql("exttypes", "INSERT INTO users VALUES (1, 'Foo@Example.COM', to_tsvector('english', 'The quick brown foxes'),"
                   " B'10101010', B'101', '08:00:2b:01:02:03:04:05'), (2, NULL, NULL, NULL, NULL, NULL)")
t.psql("exttypes", "CREATE TABLE tags (name citext PRIMARY KEY, n int)")
t.psql("exttypes", "INSERT INTO tags SELECT 'Tag' || g || (ARRAY['a', 'B', '\u00e9', 'Z', '_', '\u00e4'])[1 + g %% 6], g"
                   " FROM generate_series(1, 200) g".replace("%%", "%"))
for table in ["users", "tags"]:
    t.psql("exttypes", 'ALTER TABLE %s OWNER TO "%s"' % (table, t.user))
d = t.new_dir("exttypes")
os.chmod(d, 0o777)
config = t.write_config("exttypes", d, url=url, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "bit, varbit, macaddr8, tsvector and citext columns migrate to SQLite") or t.note(res.describe())
t.check(any("not carried" in l and "users.email (citext)" in l for l in res.out.splitlines()),
        "citext's case-insensitive comparison is reported as not carried", res.out)
if res.rc == 0:
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    t.equal(con.execute("SELECT * FROM users WHERE id = 1").fetchone(),
            (1, "Foo@Example.COM", "'brown':3 'fox':4 'quick':2", "10101010", "101", "08:00:2b:01:02:03:04:05"),
            "each as PostgreSQL's text of it")
    t.equal(con.execute("SELECT count(*) FROM tags").fetchone(), (200,), "every citext key")
    con.close()
    res = t.migrate(config, "--from=pgx", "--to=sqlite3", "--verify")
    t.equal(res.rc, 0, "--verify finds no difference") or t.note(res.describe())

# ---- interval text whatever the database's IntervalStyle ------------------------
url = t.create_database("intervalstyle")
t.psql("intervalstyle", "CREATE TABLE iv (id int PRIMARY KEY, i interval)")
t.psql("intervalstyle", "INSERT INTO iv VALUES (1, '1 year 2 mons -3 days 04:05:06.789'), (2, '-1 mon')")
t.psql("intervalstyle", 'ALTER TABLE iv OWNER TO "%s"' % t.user)
t.psql("postgres", "ALTER DATABASE intervalstyle SET IntervalStyle = 'iso_8601'")
d = t.new_dir("intervalstyle")
os.chmod(d, 0o777)
config = t.write_config("intervalstyle", d, url=url, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "intervals migrate under IntervalStyle iso_8601") or t.note(res.describe())
if res.rc == 0:
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    t.equal(con.execute("SELECT i FROM iv ORDER BY id").fetchall(),
            [("1 year 2 mons -3 days +04:05:06.789",), ("-1 mons",)], "in PostgreSQL's own style, not the database's")
    con.close()
    res = t.migrate(config, "--from=pgx", "--to=sqlite3", "--verify")
    t.equal(res.rc, 0, "--verify finds no difference") or t.note(res.describe())
t.finish()
