#!/usr/bin/python3
"""PostgreSQL -> SQLite: names SQLite cannot create as they are (tables or
columns that differ only in ASCII case, which SQLite takes for one name; a
table starting with sqlite_, which SQLite keeps for itself) are all listed
before anything is written, each with what to do, instead of the run
stopping at the first with SQLite's own words; names that differ in
non-ASCII case (É, é), which SQLite keeps apart, are carried.

    with-postgres.sh test_reverse_names.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()

BAD = r"""
CREATE TABLE "Users" (id int PRIMARY KEY);
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE "SQLITE_things" (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, "Name" text, name text)
"""
GOOD = r"""
CREATE TABLE "É" (id int PRIMARY KEY, "Ä" text, "ä" text);
CREATE TABLE "é" (id int PRIMARY KEY);
INSERT INTO "É" VALUES (1, 'upper', 'lower');
INSERT INTO "é" VALUES (2)
"""

def load(db, sql):
    url = t.create_database(db)
    for stmt in [s for s in sql.split(";\n") if s.strip()]:
        t.psql(db, stmt)
    for table in t.psql(db, "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'").splitlines():
        t.psql(db, 'ALTER TABLE %s OWNER TO "%s"' % (table, t.user))
    return url

d = t.new_dir("bad")
os.chmod(d, 0o777)
res = t.migrate(t.write_config("bad", d, url=load("names_bad", BAD), usage_url=False), "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 1, "names SQLite cannot create: the run stops (exit 1)") or t.note(res.describe())
t.equal(os.listdir(d), [], "nothing was written")
for words in ["tables Users and users", "table SQLITE_things", "table t, columns Name and name"]:
    t.check(any(words in l and "rename" in l for l in res.err.splitlines()), "listed with what to do: " + words, res.err)
t.check("before anything was written" in res.err, "said before anything was written", res.err)

d = t.new_dir("good")
os.chmod(d, 0o777)
config = t.write_config("good", d, url=load("names_good", GOOD), usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "names that differ in non-ASCII case are carried (SQLite keeps them apart)") or t.note(res.describe())
if res.rc == 0:
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    t.equal(con.execute('SELECT * FROM "É"').fetchall(), [(1, "upper", "lower")], "table É, columns Ä and ä")
    t.equal(con.execute('SELECT * FROM "é"').fetchall(), [(2,)], "table é")
t.finish()
