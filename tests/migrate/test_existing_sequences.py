#!/usr/bin/python3
"""Sequences of an existing target that its columns' defaults use.

    with-postgres.sh test_existing_sequences.py MIGRATE

pg_get_serial_sequence() finds only a sequence a column owns (serial,
identity).  SQLAlchemy's Sequence(), Hibernate's hibernate_sequence shared
by several tables, and hand-written DDL give a column DEFAULT
nextval('some_seq') without ownership.  After the copy every such sequence
must hand out a value past the largest one copied, or the application's
next insert repeats a key; and a sequence already past it (START 1000, or
fed by another table with larger ids) must not be moved back.
"""

import os
import sqlite3

import mtest

t = mtest.Test()

PG = """
CREATE SEQUENCE user_id_seq;
CREATE TABLE "user" (id integer DEFAULT nextval('user_id_seq') NOT NULL PRIMARY KEY, name text);
CREATE SEQUENCE hibernate_sequence;
CREATE TABLE invoice (id bigint DEFAULT nextval('hibernate_sequence') PRIMARY KEY);
CREATE TABLE payment (id bigint DEFAULT nextval('hibernate_sequence') PRIMARY KEY);
CREATE SEQUENCE order_no_seq START 1000;
CREATE TABLE orders (id bigserial PRIMARY KEY, order_no bigint NOT NULL DEFAULT nextval('order_no_seq') UNIQUE);
CREATE SEQUENCE ticket_seq START 5000;
CREATE TABLE ticket (id bigint DEFAULT nextval('ticket_seq') PRIMARY KEY);
"""
SQLITE = """
CREATE TABLE "user" (id integer PRIMARY KEY, name text);
CREATE TABLE invoice (id integer PRIMARY KEY);
CREATE TABLE payment (id integer PRIMARY KEY);
CREATE TABLE orders (id integer PRIMARY KEY AUTOINCREMENT, order_no integer NOT NULL UNIQUE);
CREATE TABLE ticket (id integer PRIMARY KEY);
INSERT INTO "user" VALUES (41, 'a'), (7, 'b');
INSERT INTO invoice VALUES (90);
INSERT INTO payment VALUES (12);
INSERT INTO orders VALUES (1, 1500), (2, 1501);
INSERT INTO ticket VALUES (3);
"""
url = t.create_database("seqs")
t.psql("seqs", "SET ROLE %s;" % mtest.qi(t.user) + PG)
d = t.new_dir("seqs")
con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
con.executescript(SQLITE)
con.close()
config = t.write_config("seqs", d, url=url, usage_url=False)
res = t.migrate(config)
t.equal(res.rc, 0, "migration into tables whose ids come from sequences they do not own") or t.note(res.describe())
for seq, want, what in (("user_id_seq", "42", "a column's own sequence, not owned by it, continues after max(id)"),
                        ("hibernate_sequence", "91", "a sequence two tables share continues after the larger max(id)"),
                        ("order_no_seq", "1502", "a sequence behind a column that is no key continues after its max"),
                        ("orders_id_seq", "3", "an owned sequence continues after max(id), as before"),
                        ("ticket_seq", "5000", "a sequence already past max(id) is not moved back")):
    t.equal(t.value("seqs", "SELECT nextval(%s)" % mtest.sql_literal(seq)), want, what)
res = t.migrate(config, "--verify")
t.equal(res.rc, 0, "--verify agrees") or t.note(res.describe())
t.finish()
