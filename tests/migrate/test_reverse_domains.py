#!/usr/bin/python3
"""PostgreSQL -> SQLite: columns whose type is a domain (CREATE DOMAIN over
text, integer, varchar(n), numeric(p,s), timestamptz, an enum, an array, or
another domain) are carried as their base type, as PostgreSQL stores them,
instead of stopping the run as types with "no exact SQLite form"; the
domains' CHECK constraints are reported as not carried, a domain's NOT NULL
is kept; --verify is clean and the file migrates back to PostgreSQL with the
same values.

    with-postgres.sh test_reverse_domains.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()

SCHEMA = r"""
CREATE DOMAIN email AS text CHECK (VALUE LIKE '%%@%%');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN short AS varchar(5);
CREATE DOMAIN small_posint AS posint CHECK (VALUE < 100);
CREATE DOMAIN price AS numeric(10,2) NOT NULL;
CREATE DOMAIN stamp AS timestamptz;
CREATE DOMAIN labels AS text[];
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN mood_d AS mood;
CREATE TABLE accounts (id posint PRIMARY KEY, mail email UNIQUE, code short, level small_posint, cost price,
                       at stamp, tags labels, m mood_d);
INSERT INTO accounts VALUES (1, 'a@example.org', 'abcde', 99, 12.50, '2024-01-01 00:00:00.5+02', '{x,"y z"}', 'happy'),
                            (2, NULL, NULL, NULL, 0, NULL, NULL, NULL);
CREATE TABLE orders (id int PRIMARY KEY, account posint REFERENCES accounts (id));
INSERT INTO orders VALUES (1, 1), (2, NULL);
"""

src = t.create_database("domains")
for stmt in [s for s in SCHEMA.split(";\n") if s.strip()]:
    t.psql("domains", stmt)
for obj in ["TABLE accounts", "TABLE orders", "DOMAIN email", "DOMAIN posint", "DOMAIN short", "DOMAIN small_posint",
            "DOMAIN price", "DOMAIN stamp", "DOMAIN labels", "TYPE mood", "DOMAIN mood_d"]:
    t.psql("domains", 'ALTER %s OWNER TO "%s"' % (obj, t.user))

d = t.new_dir("domains")
os.chmod(d, 0o777)
path = os.path.join(d, "rstudio-pm.sqlite")
config = t.write_config("domains", d, url=src, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "columns of domain types migrate to SQLite") or t.note(res.describe())
t.check("no exact SQLite form" not in res.err, "no domain is refused as a type of its own", res.err)
for dom, col in [("posint", "accounts.id"), ("email", "accounts.mail"), ("small_posint", "accounts.level"),
                 ("posint", "orders.account")]:
    t.check(any("domain %s on %s" % (dom, col) in l and "not carried" in l for l in res.out.splitlines()),
            "the constraints of domain %s on %s are reported as not carried" % (dom, col), res.out)
if res.rc == 0:
    con = sqlite3.connect(path)
    declared = {r[1]: (r[2], r[3]) for r in con.execute("PRAGMA table_info(accounts)")}
    t.equal(declared, {"id": ("INTEGER", 1), "mail": ("TEXT", 0), "code": ("VARCHAR(5)", 0), "level": ("INTEGER", 0),
                       "cost": ("NUMERIC_TEXT(10,2)", 1), "at": ("TIMESTAMP", 0), "tags": ("TEXT", 0),
                       "m": ("TEXT", 0)},
            "declared as the base types (a domain's NOT NULL kept)")
    t.equal(con.execute("SELECT * FROM accounts ORDER BY id").fetchall(),
            [(1, "a@example.org", "abcde", 99, "12.50", "2023-12-31 22:00:00.5+00:00", '{x,"y z"}', "happy"),
             (2, None, None, None, "0.00", None, None, None)], "the values as their base types hold them")
    t.equal(con.execute("PRAGMA foreign_key_list(orders)").fetchall()[0][2:4], ("accounts", "account"),
            "the foreign key on a domain column is carried")
    con.close()
    res = t.migrate(config, "--from=pgx", "--to=sqlite3", "--verify")
    t.equal(res.rc, 0, "--verify finds no difference") or t.note(res.describe())
    back = t.create_database("domains_back")
    res = t.migrate(t.write_config("back", d, url=back, usage_url=False))
    t.equal(res.rc, 0, "the SQLite file migrates back to an empty PostgreSQL database") or t.note(res.describe())
    q = "SELECT id, mail, code, level, cost, at, tags::text, m::text FROM accounts ORDER BY id"
    t.equal(t.psql("domains_back", q), t.psql("domains", q), "every value comes back as it was")
t.finish()
