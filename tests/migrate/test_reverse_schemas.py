#!/usr/bin/python3
"""PostgreSQL -> SQLite, tables beside the plain ones: a table of another
schema than the search_path's first is named as not carried (not left out
in silence); a table that others INHERIT from keeps only its own rows (the
children's rows go with the children, not twice); a partitioned table is
one table with the rows of all its partitions; verification is clean and
the file migrates back with the same rows.  A foreign key to a table of
another schema is reported as not carried (the file has no such table)
instead of failing the run as rows that break it; an exclusion constraint
is reported as not carried.  A table with no columns, or only generated
ones, which SQLite cannot create, is reported as not carried instead of
being left out in silence or stopping the run with a syntax error.

    with-postgres.sh test_reverse_schemas.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()

SCHEMA = r"""
CREATE TABLE measurements (id bigint, at date NOT NULL, v int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE m2023 PARTITION OF measurements FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE m2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO measurements VALUES (1, '2023-05-05', 1), (2, '2024-05-05', 2);
CREATE TABLE node (id int PRIMARY KEY, title text);
CREATE TABLE page (body text) INHERITS (node);
INSERT INTO node VALUES (1, 'a node');
INSERT INTO page VALUES (2, 'a page', 'body');
CREATE SCHEMA audit;
CREATE TABLE audit.log (id int PRIMARY KEY, what text);
INSERT INTO audit.log VALUES (1, 'kept in PostgreSQL')
"""

src = t.create_database("schemas")
for stmt in [s for s in SCHEMA.split(";\n") if s.strip()]:
    t.psql("schemas", stmt)
t.psql("schemas", 'ALTER SCHEMA audit OWNER TO "%s"' % t.user)
for table in ["measurements", "m2023", "m2024", "node", "page", "audit.log"]:
    t.psql("schemas", 'ALTER TABLE %s OWNER TO "%s"' % (table, t.user))

d = t.new_dir("schemas")
os.chmod(d, 0o777)
path = os.path.join(d, "rstudio-pm.sqlite")
config = t.write_config("schemas", d, url=src, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "PostgreSQL -> SQLite succeeds") or t.note(res.describe())
t.check(any("not carried" in l and "audit.log" in l and "search_path" in l for l in res.out.splitlines()),
        "the table of another schema is named as not carried, with the reason", res.out)
t.check(any("not carried" in l and "inheritance of page from node" in l for l in res.out.splitlines()),
        "the inheritance is reported", res.out)
if res.rc == 0:
    con = sqlite3.connect(path)
    t.equal(sorted(r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")),
            ["measurements", "node", "page"], "one table per table: no partitions, nothing of schema audit")
    t.equal(con.execute("SELECT * FROM node ORDER BY id").fetchall(), [(1, "a node")],
            "the parent holds only its own rows (PostgreSQL: SELECT FROM ONLY node)")
    t.equal(con.execute("SELECT * FROM page ORDER BY id").fetchall(), [(2, "a page", "body")], "the child its own")
    t.equal(con.execute("SELECT * FROM measurements ORDER BY id").fetchall(),
            [(1, "2023-05-05", 1), (2, "2024-05-05", 2)], "the partitioned table has every partition's rows")
    con.close()
    res = t.migrate(config, "--from=pgx", "--to=sqlite3", "--verify")
    t.equal(res.rc, 0, "--verify finds no difference") or t.note(res.describe())
    back = t.create_database("schemas_back")
    res = t.migrate(t.write_config("back", d, url=back, usage_url=False))
    t.equal(res.rc, 0, "the SQLite file migrates back to an empty PostgreSQL database") or t.note(res.describe())
    for q in ["SELECT * FROM ONLY node ORDER BY id", "SELECT * FROM page ORDER BY id",
              "SELECT * FROM measurements ORDER BY id"]:
        t.equal(t.psql("schemas_back", q), t.psql("schemas", q), "back in PostgreSQL: %s" % q)

# ---- a key to another schema's table; an exclusion constraint ----------------
XFK = r"""
CREATE SCHEMA crm;
CREATE TABLE crm.customers (id int PRIMARY KEY);
INSERT INTO crm.customers VALUES (1);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES crm.customers (id));
INSERT INTO orders VALUES (1, 1);
CREATE TABLE rooms (id int PRIMARY KEY, code text, CONSTRAINT code_excl EXCLUDE (code WITH =));
INSERT INTO rooms VALUES (1, 'a'), (2, 'b')
"""
src = t.create_database("xfk")
for stmt in [s for s in XFK.split(";\n") if s.strip()]:
    t.psql("xfk", stmt)
t.psql("xfk", 'ALTER SCHEMA crm OWNER TO "%s"' % t.user)
for table in ["crm.customers", "orders", "rooms"]:
    t.psql("xfk", 'ALTER TABLE %s OWNER TO "%s"' % (table, t.user))
d = t.new_dir("xfk")
os.chmod(d, 0o777)
config = t.write_config("xfk", d, url=src, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "a key to another schema's table does not stop the run") or t.note(res.describe())
t.check(any("not carried" in l and "foreign key of orders (customer_id) to crm.customers" in l
            for l in res.out.splitlines()), "the key is reported as not carried", res.out)
t.check(any("not carried" in l and "exclusion constraint code_excl on rooms" in l for l in res.out.splitlines()),
        "the exclusion constraint is reported as not carried", res.out)
if res.rc == 0:
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("INSERT INTO orders VALUES (2, 1)")  # no key to a table the file lacks
    t.equal(con.execute("SELECT * FROM orders ORDER BY id").fetchall(), [(1, 1), (2, 1)],
            "orders can be written with foreign keys on")

# ---- tables SQLite cannot create: no columns, only generated ones ------------
src = t.create_database("nocols")
for stmt in ["CREATE TABLE g (a int GENERATED ALWAYS AS (1) STORED)", "INSERT INTO g DEFAULT VALUES",
             "CREATE TABLE z ()", "INSERT INTO z DEFAULT VALUES", "CREATE TABLE ok (id int PRIMARY KEY)",
             "INSERT INTO ok VALUES (1)"]:
    t.psql("nocols", stmt)
for table in ["g", "z", "ok"]:
    t.psql("nocols", 'ALTER TABLE %s OWNER TO "%s"' % (table, t.user))
d = t.new_dir("nocols")
os.chmod(d, 0o777)
res = t.migrate(t.write_config("nocols", d, url=src, usage_url=False), "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "tables without columns SQLite could hold do not stop the run") or t.note(res.describe())
for table in ["g", "z"]:
    t.check(any("not carried" in l and ("table %s:" % table) in l and "without columns" in l
                for l in res.out.splitlines()), "table %s is reported as not carried" % table, res.out)
if res.rc == 0:
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    t.equal(con.execute("SELECT * FROM ok").fetchall(), [(1,)], "the other table is carried")
t.finish()
