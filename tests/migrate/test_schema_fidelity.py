#!/usr/bin/python3
"""Schema semantics carried or reported, and needless refusals gone
(issue 9, sections 3 and 4).  Each scenario is a small SQLite database
migrated into its own new PostgreSQL database.

    with-postgres.sh test_schema_fidelity.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()


def scenario(name, script):
    """Builds the SQLite database, migrates it into a new database called
    name; returns (result, database name)."""
    d = t.new_dir(name)
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
    con.executescript(script)
    con.close()
    url = t.create_database(name)
    res = t.migrate(t.write_config(name, d, url=url, usage_url=False))
    t.note(res.out)
    return res, name


def succeeds(res, what):
    return t.equal(res.rc, 0, what + ": the migration succeeds") or t.note(res.describe())


def reported(res, fragment, what):
    lines = [l for l in res.out.splitlines() if "not carried:" in l and fragment in l]
    t.check(lines, what, res.describe())


# -- REFERENCES users when the table is "Users" --------------------------
res, db = scenario("fk_case", """
CREATE TABLE "Users" (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users, editor INTEGER REFERENCES USERS(ID));
INSERT INTO "Users" VALUES (1, 'ann');
INSERT INTO posts VALUES (1, 1, 1);
""")
succeeds(res, "REFERENCES users for a table \"Users\"")
t.equal(t.psql(db, "SELECT string_agg(pg_get_constraintdef(oid), ' | ' ORDER BY 1) FROM pg_constraint"
                   " WHERE contype = 'f' AND conrelid = 'posts'::regclass"),
        'FOREIGN KEY (author) REFERENCES "Users"(id) | FOREIGN KEY (editor) REFERENCES "Users"(id)',
        "both foreign keys reference \"Users\" by its own spelling")

# -- dangling foreign keys, with and without a column list: alike ---------
res, db = scenario("fk_dangling", """
CREATE TABLE a (id INTEGER PRIMARY KEY, gone INTEGER REFERENCES missing, gone2 INTEGER REFERENCES missing2(id));
INSERT INTO a VALUES (1, 5, 6);
""")
succeeds(res, "dangling foreign keys")
reported(res, "referencing missing:", "the dangling foreign key without a column list is reported as not carried")
reported(res, "referencing missing2:", "the dangling foreign key with a column list is reported as not carried")
t.equal(t.value(db, "SELECT gone || ',' || gone2 FROM a"), "5,6", "the rows are copied")

# -- DEFERRABLE INITIALLY DEFERRED stays deferred ------------------------
res, db = scenario("fk_deferred", """
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY,
                    p INTEGER NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED,
                    q INTEGER REFERENCES parent (id) /* DEFERRABLE INITIALLY DEFERRED */,
                    r INTEGER, s INTEGER,
                    CONSTRAINT two FOREIGN KEY (r, s) REFERENCES pair (a, b) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE pair (a INTEGER, b INTEGER, PRIMARY KEY (a, b));
INSERT INTO parent VALUES (1);
INSERT INTO pair VALUES (1, 2);
INSERT INTO child VALUES (1, 1, 1, 1, 2);
""")
succeeds(res, "deferred foreign keys")
fks = t.rows(db, "SELECT pg_get_constraintdef(oid) AS def, condeferrable AS d, condeferred AS i FROM pg_constraint"
                 " WHERE contype = 'f' AND conrelid = 'child'::regclass ORDER BY 1")
t.note(fks)
got = {f["def"].split(" REFERENCES")[0]: (f["d"], f["i"]) for f in fks}
t.equal(got.get("FOREIGN KEY (p)"), (True, True), "child.p is DEFERRABLE INITIALLY DEFERRED")
t.equal(got.get("FOREIGN KEY (q)"), (False, False), "child.q (deferrable only in a comment) is immediate")
t.equal(got.get("FOREIGN KEY (r, s)"), (True, True), "the table constraint (r, s) is DEFERRABLE INITIALLY DEFERRED")

# -- PRIMARY KEY (ts DESC) ------------------------------------------------
res, db = scenario("pk_desc", """
CREATE TABLE events (ts TEXT NOT NULL, v INTEGER, PRIMARY KEY (ts DESC));
INSERT INTO events VALUES ('b', 1), ('a', 2);
""")
succeeds(res, "PRIMARY KEY (ts DESC)")
t.equal(t.primary_key(db, "events"), ["ts"], "the key is carried without DESC")

# -- the largest rowid ----------------------------------------------------
res, db = scenario("rowid_max", """
CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO big VALUES (1, 'a'), (9223372036854775807, 'b');
""")
succeeds(res, "rowid 9223372036854775807")
reported(res, "generator of big.id", "the used-up sequence is reported")
t.equal(t.value(db, "SELECT last_value || ' ' || is_called FROM big_id_seq"), "9223372036854775807 true",
        "the sequence is left at its maximum")

t.finish()
