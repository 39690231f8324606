#!/usr/bin/python3
"""SQLite databases shaped as web applications' ORMs make them.

    with-postgres.sh test_orm_shapes.py MIGRATE

Each case is a small database with the schema text and value formats an ORM
writes (Django, Rails, TypeORM, gorm, Alembic ...), migrated into a new,
empty PostgreSQL database, then checked there with psql:

(a) a table full of values PostgreSQL cannot hold (a Laravel-style table
    with '' and '0000-00-00 00:00:00' in datetime columns): exit 65, and
    every one of them is listed by row and column, not the first 20;
(b) constraint names the schema declares (Alembic's alembic_version_pkc,
    TypeORM's UQ_... and FK_..., Rails' fk_rails_..., gorm's fk_...) are
    kept for primary keys, UNIQUE constraints and foreign keys, as table
    or column constraints; a name given twice in one table, or one
    PostgreSQL already uses, does not stop the run, and a long one is cut
    as index names are;
(c) defaults written as SQLite functions of the current time (TypeORM's
    datetime('now'), date('now'), time('now'), Drizzle's unixepoch()) are
    carried with the meaning of CURRENT_TIMESTAMP and its kin: a row the
    application adds later gets the time of its insert; a modifier
    ('localtime') is reported as not carried;
(d) a column declared COLLATE NOCASE or RTRIM (SQLite compares it so;
    PostgreSQL's text compares exactly) is reported, not passed over in
    silence; its values are copied as they are;
(e) keys that differ in SQLite but are equal once converted (an old Rails
    boolean written 't' beside a newer 1, a UUID in upper and lower case)
    stop the run with a message that names the table, the key columns and
    the repeated keys, says why and what to do, instead of the server's
    bare "could not create unique index"; nothing is written.
"""

import os
import sqlite3

import mtest

t = mtest.Test()
n_db = 0


def fresh_target():
    """A new, empty database: every case creates its own tables."""
    global n_db
    n_db += 1
    name = "orm_%d" % n_db
    return name, t.create_database(name)


def source(name, schema, fill):
    d = t.new_dir(name)
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"), isolation_level=None)
    con.executescript(schema)
    con.execute("BEGIN")
    fill(con)
    con.execute("COMMIT")
    con.close()
    return d


# ---- (a) every refused value is listed --------------------------------------

def fill_zero_dates(con):
    # 30 rows, two bad values each: 60 refusals.
    for i in range(1, 31):
        con.execute("INSERT INTO users VALUES (?, ?, ?, ?)",
                    (i, "u%d" % i, "" if i % 2 else "0000-00-00 00:00:00", "0000-00-00 00:00:00"))


d = source("zero-dates", """
CREATE TABLE "users" ("id" integer primary key autoincrement not null, "name" varchar not null,
                      "email_verified_at" datetime, "created_at" datetime);
""", fill_zero_dates)
db, url = fresh_target()
res = t.migrate(t.write_config("zero-dates", d, url=url, usage_url=False))
t.equal(res.rc, 65, "(a) values PostgreSQL cannot hold: exit 65")
listed = set()
for line in res.err.splitlines():
    for i in range(1, 31):
        for col in ("email_verified_at", "created_at"):
            if "row id=%d, column %s:" % (i, col) in line:
                listed.add((i, col))
t.equal(len(listed), 60, "(a) every one of the 60 refused values is listed by row and column")
t.check("more values the target cannot hold" not in res.err, "(a) none is left out as '... and N more'",
        res.describe())
t.check("60 values cannot be stored" in res.err, "(a) the count says 60", res.describe())
t.equal(t.tables(db), [], "(a) nothing was written")


# ---- (b) constraint names -------------------------------------------------

LONG = "fk_" + "x" * 70
d = source("constraint-names", """
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE "user" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "uuid" varchar NOT NULL, "a" integer, "b" text,
    CONSTRAINT "UQ_a95e949168be7b7ece1a2382fed" UNIQUE ("uuid"),
    CONSTRAINT "UQ_pair" UNIQUE ("a" COLLATE BINARY, "b" DESC));
CREATE TABLE "photo" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "userId" integer,
    "ownerId" integer CONSTRAINT fk_photo_owner REFERENCES "user" ("id") DEFERRABLE INITIALLY DEFERRED,
    "code" text CONSTRAINT "photo code uq" UNIQUE,
    CONSTRAINT "FK_4494006ff358f754d07df5ccc87" FOREIGN KEY ("userId") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE TABLE posts (id integer CONSTRAINT posts_pk PRIMARY KEY, user_id integer, editor_id integer, x integer,
    CONSTRAINT fk_rails_5b5ddfd518 FOREIGN KEY (user_id) REFERENCES "user" (id),
    CONSTRAINT fk_rails_5b5ddfd518 FOREIGN KEY (editor_id) REFERENCES "user" (id),
    CONSTRAINT %s FOREIGN KEY (x) REFERENCES "user" (id));
CREATE TABLE clash (id integer PRIMARY KEY, v text, CONSTRAINT posts_pk UNIQUE (v));
CREATE TABLE plain (id integer PRIMARY KEY, v text UNIQUE, w integer REFERENCES plain (id));
""" % LONG, lambda con: (
    con.execute("INSERT INTO alembic_version VALUES ('a1b2c3d4e5f6')"),
    con.execute("""INSERT INTO "user" VALUES (1, 'u-1', 1, 'x'), (2, 'u-2', 1, 'y')"""),
    con.execute("INSERT INTO photo VALUES (1, 1, 2, 'c1'), (2, NULL, NULL, NULL)"),
    con.execute("INSERT INTO posts VALUES (1, 1, 2, 1)"),
    con.execute("INSERT INTO clash VALUES (1, 'a')"),
    con.execute("INSERT INTO plain VALUES (1, 'a', 1)")))
db, url = fresh_target()
cfg = t.write_config("constraint-names", d, url=url, usage_url=False)
res = t.migrate(cfg)
t.equal(res.rc, 0, "(b) tables with named constraints migrate") or t.note(res.describe())
cons = t.rows(db, """SELECT conrelid::regclass::text AS t, conname AS n, contype AS k, condeferred AS deferred
                       FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f')""")
have = {(c["t"], c["n"], c["k"]) for c in cons}
for want, what in [(("alembic_version", "alembic_version_pkc", "p"), "Alembic's primary key name (table constraint)"),
                   (('"user"', "UQ_a95e949168be7b7ece1a2382fed", "u"), "TypeORM's UNIQUE name"),
                   (('"user"', "UQ_pair", "u"), "a two-column UNIQUE name (COLLATE and DESC in its list)"),
                   (("photo", "FK_4494006ff358f754d07df5ccc87", "f"), "TypeORM's foreign key name (table constraint)"),
                   (("photo", "fk_photo_owner", "f"), "a column's named REFERENCES"),
                   (("photo", "photo code uq", "u"), "a column's named UNIQUE (a name with spaces)"),
                   (("posts", "fk_rails_5b5ddfd518", "f"), "Rails' foreign key name")]:
    t.check(want in have, "(b) %s is kept: %s" % (what, want[1]), sorted(have))
t.equal(len([c for c in cons if c["t"] == "posts" and c["k"] == "f"]), 3,
        "(b) a name given twice in one table: both foreign keys are still created")
long_names = [c["n"] for c in cons if c["t"] == "posts" and c["n"].startswith("fk_xxx")]
t.check(len(long_names) == 1 and len(long_names[0]) == 63, "(b) a name over 63 bytes is cut to 63", long_names)
# posts.id's column constraint and clash's UNIQUE share a name: PostgreSQL
# names indexes per schema, so the one created second gets _1.
pk = sorted((c["t"], c["n"]) for c in cons if (c["t"], c["k"]) in (("posts", "p"), ("clash", "u")))
t.check(sorted(n for _, n in pk) == ["posts_pk", "posts_pk_1"],
        "(b) a column's named PRIMARY KEY is kept, and a name PostgreSQL already uses gets _1", pk)
t.check([c["deferred"] for c in cons if c["n"] == "fk_photo_owner"] == [True],
        "(b) a named foreign key keeps DEFERRABLE INITIALLY DEFERRED")
t.check(("plain", "plain_pkey", "p") in have and ("plain", "plain_v_key", "u") in have
        and ("plain", "plain_w_fkey", "f") in have, "(b) unnamed constraints keep PostgreSQL's names", sorted(have))
t.check(any("posts_pk" in l and "_1" in l for l in res.out.splitlines()), "(b) the renamed one is reported",
        res.describe())
ver = t.migrate(cfg, "--verify")
t.equal(ver.rc, 0, "(b) --verify passes") or t.note(ver.describe())


# ---- (c) defaults of the current time, as functions -------------------------

d = source("now-defaults", """
CREATE TABLE "user" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar NOT NULL DEFAULT (''),
    "created" datetime NOT NULL DEFAULT (datetime('now')),
    "created_text" text NOT NULL DEFAULT (datetime('now')),
    "day" date DEFAULT (date('now')),
    "at" text DEFAULT (time('now')),
    "epoch" integer NOT NULL DEFAULT (unixepoch()),
    "local" datetime DEFAULT (datetime('now', 'localtime')));
""", lambda con: con.execute("""INSERT INTO "user" (id, name) VALUES (1, 'first')"""))
db, url = fresh_target()
cfg = t.write_config("now-defaults", d, url=url, usage_url=False)
res = t.migrate(cfg)
t.equal(res.rc, 0, "(c) a table with defaults of the current time migrates") or t.note(res.describe())
for col in ("created", "created_text", "day", "at", "epoch"):
    t.check(not res.lines_with("default of user.%s" % col), "(c) the default of user.%s is carried" % col,
            res.describe())
t.check(res.lines_with("not carried: default of user.local"), "(c) datetime('now', 'localtime') is reported as not carried",
        res.describe())
t.psql(db, """INSERT INTO "user" (name) VALUES ('later')""")
row = t.rows(db, """SELECT abs(extract(epoch FROM created - now())) < 5 AS created_now,
                           created = date_trunc('second', created) AS created_whole,
                           created_text ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' AS text_form,
                           abs(extract(epoch FROM created_text::timestamp AT TIME ZONE 'UTC' - now())) < 5 AS text_now,
                           day = (now() AT TIME ZONE 'UTC')::date AS day_today,
                           at ~ '^[0-9]{2}:[0-9]{2}:[0-9]{2}$' AS at_form,
                           abs(epoch - extract(epoch FROM now())) < 5 AS epoch_now,
                           local IS NULL AS local_null
                      FROM "user" WHERE name = 'later'""")
for k, v in sorted(row[0].items()):
    t.check(v is True, "(c) a row added in PostgreSQL: %s" % k, row)
ver = t.migrate(cfg, "--verify")
t.equal(ver.rc, 3, "(c) --verify then sees the added row (the defaults filled it)") or t.note(ver.describe())


# ---- (d) column collations ---------------------------------------------------

d = source("collations", """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE, code TEXT COLLATE RTRIM,
                    plain TEXT COLLATE BINARY, name TEXT);
CREATE INDEX users_email ON users (email);
""", lambda con: con.executemany("INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                                 [(1, "A@x.org", "ab  ", "P", "n"), (2, "a@X.org", "ab", "p", "N")]))
db, url = fresh_target()
res = t.migrate(t.write_config("collations", d, url=url, usage_url=False))
t.equal(res.rc, 0, "(d) a table with COLLATE NOCASE and RTRIM columns migrates") or t.note(res.describe())
t.check(res.lines_with("users.email is declared COLLATE NOCASE"), "(d) the NOCASE column is reported", res.describe())
t.check(res.lines_with("users.code is declared COLLATE RTRIM"), "(d) the RTRIM column is reported", res.describe())
t.check(not res.lines_with("users.plain is declared") and not res.lines_with("users.name is declared"),
        "(d) BINARY and undeclared collations are not", res.describe())
t.equal(t.psql(db, "SELECT string_agg(email || '|' || code, ',' ORDER BY id) FROM users"), "A@x.org|ab  ,a@X.org|ab",
        "(d) the values are copied as they are")


# ---- (e) keys equal only after conversion -----------------------------------

def fill_mixed_booleans(con):
    # Rails before 6 wrote 't'/'f', Rails 6 writes 1/0: one column, both forms.
    con.executemany("INSERT INTO memberships VALUES (?, ?, ?)", [(1, 't', 'old'), (1, 1, 'new'), (2, 'f', 'x'), (2, 0, 'y'),
                                                                 (3, 1, 'z')])


d = source("mixed-boolean-key", """
CREATE TABLE memberships (user_id integer NOT NULL, "primary" boolean NOT NULL, note varchar,
                          PRIMARY KEY (user_id, "primary"));
""", fill_mixed_booleans)
db, url = fresh_target()
res = t.migrate(t.write_config("mixed-boolean-key", d, url=url, usage_url=False))
t.equal(res.rc, 1, "(e) a primary key that holds 't' and 1 beside each other stops the run")
line = "\n".join(res.lines_with("memberships"))
t.check("2 keys (user_id, primary) that differ in SQLite are equal in PostgreSQL" in line,
        "(e) the message names the table, the key columns and how many keys", res.describe())
t.check("(1,t) on 2 rows" in line and "(2,f) on 2 rows" in line, "(e) ... and the repeated keys", res.describe())
t.check("a boolean stored as 1 and as 't'" in line and "UPDATE memberships" in line, "(e) ... why, and what to do",
        res.describe())
t.equal(t.tables(db), [], "(e) nothing was written")

d = source("mixed-uuid-unique", """
CREATE TABLE devices (id integer PRIMARY KEY, token UUID NOT NULL);
CREATE UNIQUE INDEX devices_token ON devices (token);
""", lambda con: con.executemany("INSERT INTO devices VALUES (?, ?)",
                                 [(1, "0b7e3a4c-1f0e-4c5e-9d1a-2b3c4d5e6f70"), (2, "0B7E3A4C-1F0E-4C5E-9D1A-2B3C4D5E6F70")]))
db, url = fresh_target()
res = t.migrate(t.write_config("mixed-uuid-unique", d, url=url, usage_url=False))
t.equal(res.rc, 1, "(e) a unique index on UUIDs in upper and lower case stops the run")
t.check(res.lines_with("1 key (token) that differ in SQLite are equal in PostgreSQL: (0b7e3a4c-1f0e-4c5e-9d1a-2b3c4d5e6f70) on 2 rows"),
        "(e) the message names the repeated UUID", res.describe())
t.equal(t.tables(db), [], "(e) nothing was written")

t.finish()
