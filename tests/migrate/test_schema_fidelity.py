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


def v(db, sql):
    """A query's output; empty (and the check fails) where the old code
    left the table or object out, so every check still runs."""
    return t.psql(db, sql, check=False)


def succeeds(res, what):
    return t.equal(res.rc, 0, what + ": the migration succeeds") or t.note(res.describe())


def reported(res, fragment, what):
    lines = [l for l in res.out.splitlines() if "not carried:" in l and fragment in l]
    t.check(lines, what, res.describe())


def noted(res, fragment, what):
    lines = [l for l in res.out.splitlines() if l.strip().startswith("note:") and fragment in l]
    t.check(lines, what, res.describe())


# -- REFERENCES users when the table is "Users" --------------------------
res, db = scenario("fk_case", """
CREATE TABLE "Users" (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users, editor INTEGER REFERENCES USERS(ID));
INSERT INTO "Users" VALUES (1, 'ann');
INSERT INTO posts VALUES (1, 1, 1);
""")
succeeds(res, "REFERENCES users for a table \"Users\"")
t.equal(v(db, "SELECT string_agg(pg_get_constraintdef(oid), ' | ' ORDER BY pg_get_constraintdef(oid) COLLATE \"C\") FROM pg_constraint"
                   " WHERE contype = 'f' AND conrelid = to_regclass('posts')"),
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
t.equal(v(db, "SELECT gone || ',' || gone2 FROM a"), "5,6", "the rows are copied")

# -- DEFERRABLE INITIALLY DEFERRED stays deferred ------------------------
res, db = scenario("fk_deferred", """
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY,
                    p INTEGER NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED,
                    q INTEGER REFERENCES parent (id) /* DEFERRABLE INITIALLY DEFERRED */,
                    r INTEGER, s INTEGER,
                    CONSTRAINT two FOREIGN KEY (r, s) REFERENCES pair (a, b) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE pair (a INTEGER, b INTEGER, PRIMARY KEY (a, b));
CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "username" varchar(150) NOT NULL UNIQUE);
CREATE TABLE "blog_post" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "author_id" integer NOT NULL
    REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "editor_id" integer NULL
    REFERENCES "auth_user" ("id") ON DELETE CASCADE DEFERRABLE INITIALLY IMMEDIATE);
INSERT INTO auth_user VALUES (1, 'ann');
INSERT INTO blog_post VALUES (1, 1, NULL);
INSERT INTO parent VALUES (1);
INSERT INTO pair VALUES (1, 2);
INSERT INTO child VALUES (1, 1, 1, 1, 2);
""")
succeeds(res, "deferred foreign keys")
fks = t.rows(db, "SELECT pg_get_constraintdef(oid) AS def, condeferrable AS d, condeferred AS i FROM pg_constraint"
                 " WHERE contype = 'f' AND conrelid = to_regclass('child') ORDER BY 1")
t.note(fks)
got = {f["def"].split(" REFERENCES")[0]: (f["d"], f["i"]) for f in fks}
t.equal(got.get("FOREIGN KEY (p)"), (True, True), "child.p is DEFERRABLE INITIALLY DEFERRED")
t.equal(got.get("FOREIGN KEY (q)"), (False, False), "child.q (deferrable only in a comment) is immediate")
t.equal(got.get("FOREIGN KEY (r, s)"), (True, True), "the table constraint (r, s) is DEFERRABLE INITIALLY DEFERRED")
fks = t.rows(db, "SELECT pg_get_constraintdef(oid) AS def, condeferrable AS d, condeferred AS i FROM pg_constraint"
                 " WHERE contype = 'f' AND conrelid = to_regclass('blog_post') ORDER BY 1")
got = {f["def"].split(" REFERENCES")[0]: (f["d"], f["i"]) for f in fks}
t.equal(got.get("FOREIGN KEY (author_id)"), (True, True), "Django's quoted author_id is DEFERRABLE INITIALLY DEFERRED")
t.equal(got.get("FOREIGN KEY (editor_id)"), (False, False), "INITIALLY IMMEDIATE stays immediate")

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
noted(res, "generator of big.id", "the used-up sequence is reported")
t.equal(v(db, "SELECT last_value || ' ' || is_called FROM big_id_seq"), "9223372036854775807 true",
        "the sequence is left at its maximum")

# -- index names PostgreSQL already uses, names over 63 bytes -------------
long_a = "ix_" + "a" * 70 + "_first"
long_b = "ix_" + "a" * 70 + "_second"
res, db = scenario("names", """
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v INTEGER CONSTRAINT %s CHECK (v > 0));
CREATE INDEX t_pkey ON t (name);
CREATE INDEX t_id_seq ON t (v);
CREATE INDEX %s ON t (name, v);
CREATE INDEX %s ON t (v, name);
INSERT INTO t VALUES (1, 'a', 2);
""" % ("ck_" + "c" * 70, long_a, long_b))
succeeds(res, "colliding and long index names")
idx = v(db, "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 't'").split()
t.note(idx)
t.check("t_pkey_1" in idx and "t_id_seq_1" in idx, "t_pkey and t_id_seq are created as t_pkey_1 and t_id_seq_1", idx)
noted(res, "index t_pkey on t: created as t_pkey_1", "the t_pkey rename is reported")
t.equal(len([i for i in idx if i.startswith("ix_")]), 2, "both long index names are created, distinct")
t.check(all(len(i.encode()) <= 63 for i in idx), "every index name fits 63 bytes", idx)
t.check(any(long_a in l and "created as" in l for l in res.both.splitlines()), "the shortened name is reported",
        res.describe())
t.equal(v(db, "SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conname LIKE 'ck_ccc%'"), "1",
        "the long CHECK constraint name is shortened and carried")

res, db = scenario("long_table", """
CREATE TABLE %s (id INTEGER PRIMARY KEY);
CREATE TABLE short (id INTEGER PRIMARY KEY, %s TEXT);
""" % ("t" * 64, "c" * 70))
t.equal(res.rc, 1, "a table or column name over 63 bytes is refused")
t.check(any("t" * 64 in l and "63" in l for l in res.err.splitlines()), "the long table is named", res.describe())
t.check(any("short." + "c" * 70 in l for l in res.err.splitlines()), "the long column is named", res.describe())
t.equal(t.tables(db), [], "nothing was created")

# -- tables named like pg_catalog objects ------------------------------------
res, db = scenario("catalog_names", """
CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE session (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES user (id));
CREATE TABLE pg_language (id INTEGER PRIMARY KEY, lanname TEXT);
INSERT INTO user VALUES (1, 'ann');
INSERT INTO session VALUES (7, 1);
INSERT INTO pg_language VALUES (1, 'R');
""")
succeeds(res, "tables named user, session and pg_language")
t.equal(v(db, "SELECT lanname FROM public.pg_language"), "R", "public.pg_language holds the row")
t.equal(v(db, "SELECT name FROM public.\"user\""), "ann", "public.user holds the row")

# -- COLLATE NOCASE uniqueness ---------------------------------------------
res, db = scenario("nocase", """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE, login TEXT, nick TEXT);
CREATE UNIQUE INDEX users_login ON users (login COLLATE NOCASE);
CREATE INDEX users_nick ON users (nick COLLATE NOCASE);
CREATE TABLE tags (name TEXT COLLATE NOCASE PRIMARY KEY) WITHOUT ROWID;
INSERT INTO users VALUES (1, 'Ann@example.com', 'Ann', 'x'), (2, 'bob@example.com', 'bob', 'X'),
                         (3, 'Élise@example.com', 'Élise', 'y'), (4, 'élise@example.com', 'élise', 'y'),
                         (5, NULL, 'åsa', NULL);
INSERT INTO tags VALUES ('R'), ('été'), ('ÉTÉ');
""")
succeeds(res, "COLLATE NOCASE unique constraint and index")


def insert_fails(sql, what):
    env_out = mtest.subprocess.run(t.psql_prefix + ["-At", "-d", db, "-c", sql], stdout=mtest.subprocess.PIPE,
                                   stderr=mtest.subprocess.PIPE)
    t.check(b"duplicate key" in env_out.stderr, what, env_out.stderr.decode())


def insert_works(sql, what):
    out = mtest.subprocess.run(t.psql_prefix + ["-At", "-d", db, "-c", "BEGIN; %s; ROLLBACK" % sql],
                               stdout=mtest.subprocess.PIPE, stderr=mtest.subprocess.PIPE)
    t.check(out.returncode == 0 and not out.stderr.strip(), what, out.stderr.decode())


insert_fails("INSERT INTO users (id, email) VALUES (10, 'ANN@EXAMPLE.COM')",
             "the NOCASE UNIQUE email refuses a case variant, as SQLite did")
insert_fails("INSERT INTO users (id, login) VALUES (11, 'BOB')", "the NOCASE unique index refuses a case variant")
insert_works("INSERT INTO users (id, login) VALUES (12, 'Åsa')",
             "non-ASCII case variants stay distinct, as in SQLite's NOCASE")
insert_fails("INSERT INTO tags VALUES ('r')", "the NOCASE primary key refuses a case variant")
insert_works("INSERT INTO users (id, nick) VALUES (13, 'x')", "a plain NOCASE index does not make the column unique")
noted(res, "UNIQUE constraint of users: COLLATE NOCASE carried", "the NOCASE UNIQUE constraint is reported")
noted(res, "unique index users_login of users: COLLATE NOCASE carried", "the NOCASE unique index is reported")
noted(res, "primary key of tags: COLLATE NOCASE carried", "the NOCASE primary key is reported")

# -- a TEXT primary key holding NULL ----------------------------------------
res, db = scenario("pk_null", """
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE uses (id INTEGER PRIMARY KEY, setting TEXT REFERENCES settings (name));
INSERT INTO settings VALUES ('a', '1'), (NULL, '2'), (NULL, '0'), (NULL, '3');
INSERT INTO uses VALUES (1, 'a');
""")
succeeds(res, "a TEXT primary key holding NULL")
t.equal(v(db, "SELECT string_agg(contype::text, '' ORDER BY contype) FROM pg_constraint"
                    " WHERE conrelid = to_regclass('settings')"), "u", "the key is carried as a UNIQUE constraint")
noted(res, "primary key of settings: a key column holds NULL", "the UNIQUE key is reported")
t.equal(v(db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = to_regclass('uses')"), "1",
        "the foreign key referencing it is carried")
t.equal(v(db, "SELECT string_agg(value, ',' ORDER BY value) FROM settings WHERE name IS NULL"), "0,2,3",
        "the three rows with a NULL key are copied")
res = t.migrate(t.write_config("pk_null", os.path.join(t.tmp, "pk_null"), url=t.url.rsplit("/", 1)[0] + "/pk_null",
                               usage_url=False), "--verify")
t.equal(res.rc, 0, "--verify passes with repeated NULL keys") or t.note(res.describe())

# -- declared types SQLite's affinity maps wrongly: mapped by the data ------
deep = "[" * 1500 + "]" * 1500
res, db = scenario("types", """
CREATE TABLE kinds (id INTEGER PRIMARY KEY, t TIME, s STRING, e ENUM, ip INET, fp FLOATING POINT, pt POINT,
                    v VARCHAR(3), n NUMERIC(4,2), j JSON, u UUID, jd JSON, ok_n NUMERIC(4,2), ok_v VARCHAR(8),
                    ok_fp FLOATING POINT);
INSERT INTO kinds VALUES (1, '10:30:00', 'abc', 'red', '10.0.0.1', 1.5, 2.25, 'longer', 12345.678, 'not json',
                          'not-a-uuid', '["\\ud800"]', 12.5, 'short', 3),
                         (2, '23:59:59.5', 'x', 'green', '::1', 2, 3, 'ab', 1, '{"a": 1}',
                          '00000000-0000-0000-0000-000000000001', '%s', 1.25, 'x', 4);
CREATE TABLE anything (id INTEGER PRIMARY KEY, a ANY) STRICT;
INSERT INTO anything VALUES (1, 'text'), (2, 'more');
""" % deep)
succeeds(res, "columns whose declared types refuse their values")
cols = {c[0]: c[1] for c in t.columns(db, "kinds")}
t.note(cols)
for col, typ in [("t", "text"), ("s", "text"), ("e", "text"), ("ip", "text"), ("fp", "double precision"),
                 ("pt", "double precision"), ("v", "text"), ("n", "numeric"), ("j", "text"), ("u", "text"),
                 ("jd", "json"), ("ok_n", "numeric(4,2)"), ("ok_v", "character varying(8)"), ("ok_fp", "bigint")]:
    t.equal(cols.get(col), typ, "kinds.%s is created as %s" % (col, typ))
for col in ["t", "s", "e", "ip", "fp", "pt", "v", "n", "j", "u"]:
    noted(res, "column kinds.%s (declared" % col, "the type chosen for kinds.%s is reported" % col)
t.check(not any("column kinds.ok_" in l or "column kinds.jd" in l for l in res.out.splitlines()),
        "columns that fit their declared type are not reported", res.out)
t.equal((t.columns(db, "anything") + [(None, None)] * 2)[1][1], "text", "a STRICT table's ANY column holding text is text")
t.equal(v(db, "SELECT t || '|' || v || '|' || n || '|' || fp FROM kinds WHERE id = 1"),
        "10:30:00|longer|12345.678|1.5", "the values are kept exactly")
t.equal(v(db, "SELECT jd::text FROM kinds WHERE id = 1"), '["\\ud800"]',
        "json keeps a lone surrogate escape as written")
t.equal(v(db, "SELECT length(jd::text) FROM kinds WHERE id = 2"), "3000", "json keeps deep nesting")

# -- a boolean refusing a value stays a refusal --------------------------------
res, db = scenario("bool_refused", """
CREATE TABLE flags (id INTEGER PRIMARY KEY, f BOOLEAN);
INSERT INTO flags VALUES (1, 'maybe');
""")
t.equal(res.rc, 65, "a boolean column holding 'maybe' is still refused")
t.check(any("flags" in l and "column f" in l for l in res.err.splitlines()), "the refusal names the table and column",
        res.describe())
res, db = scenario("int_refused", """
CREATE TABLE counts (id INTEGER PRIMARY KEY, n INTEGER, r REAL, d NUMERIC);
INSERT INTO counts VALUES (1, 'abc', 'x', 'y');
""")
t.equal(res.rc, 65, "text in INTEGER, REAL and NUMERIC columns is still refused")
for col in ["n", "r", "d"]:
    t.check(any("counts" in l and "column %s" % col in l for l in res.err.splitlines()),
            "the refusal names counts.%s" % col, res.describe())

# -- existing targets keep their types -------------------------------------------
d = t.new_dir("existing_types")
con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
con.executescript("CREATE TABLE names (id INTEGER PRIMARY KEY, v VARCHAR(3)); INSERT INTO names VALUES (1, 'longer');")
con.close()
url = t.create_database("existing_types")
t.psql("existing_types", "CREATE TABLE names (id bigint PRIMARY KEY, v varchar(3)); ALTER TABLE names OWNER TO %s"
       % mtest.qi(t.user))
res = t.migrate(t.write_config("existing_types", d, url=url, usage_url=False))
t.equal(res.rc, 65, "into an existing varchar(3) column, a longer value is refused")
t.check(any("names" in l and "column v" in l for l in res.err.splitlines()), "the refusal names the table and column",
        res.describe())
t.equal(t.columns("existing_types", "names")[1][1], "character varying(3)", "the existing column keeps its type")

# -- a partial index whose predicate uses LIKE --------------------------------
res, db = scenario("like_predicate", """
CREATE TABLE pkgs (id INTEGER PRIMARY KEY, name TEXT);
CREATE INDEX pkgs_a ON pkgs (name) WHERE name LIKE 'a%';
INSERT INTO pkgs VALUES (1, 'Abc'), (2, 'abc');
""")
succeeds(res, "a partial index WHERE name LIKE 'a%'")
reported(res, "partial index pkgs_a on pkgs", "the LIKE partial index is reported as not carried")
t.equal(v(db, "SELECT count(*) FROM pg_indexes WHERE indexname = 'pkgs_a'"), "0",
        "it is not created with PostgreSQL's case-sensitive LIKE")

t.finish()
