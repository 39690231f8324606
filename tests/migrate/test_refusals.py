#!/usr/bin/python3
"""Each refusal leaves the target exactly as it was.

    with-postgres.sh test_refusals.py MIGRATE

(a) a target holding data without --drop-all: exit 4 naming the tables; then
    --drop-all replaces the data with the source's;
(b) source values PostgreSQL cannot hold: all listed in one run, exit 65,
    nothing committed;
(c) another client connected to the target: exit 5 listing it;
(d) the target's schema_migrations differs from the source's: exit 1;
(e) a target table lacks a column: exit 1 naming table and column;
(f) PostgreSQL unreachable: exit 1, the URL shown with xxxxx for the
    password, the password itself never shown.

"Unchanged" is proven by a snapshot of the target database (tables,
columns, constraints, indexes, sequences, a digest of every table's rows)
taken before and after each refused run.
"""

import hashlib
import os
import re
import sqlite3
import subprocess
import time
import urllib.parse

import mtest

t = mtest.Test()

SCHEMA = """
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, dirty BOOLEAN NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, qty INTEGER, added DATETIME);
-- item_tags sorts before items: loading in name order would break its foreign key
CREATE TABLE item_tags (item_id INTEGER NOT NULL REFERENCES items(id), tag TEXT NOT NULL, PRIMARY KEY (item_id, tag));
CREATE TABLE empty_notes (id INTEGER PRIMARY KEY, body TEXT);
"""

# The same tables as a server would have created them in PostgreSQL.
PG_SCHEMA = """
CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, qty bigint, added timestamptz);
CREATE TABLE item_tags (item_id bigint NOT NULL REFERENCES items(id), tag text NOT NULL, PRIMARY KEY (item_id, tag));
CREATE TABLE empty_notes (id bigserial PRIMARY KEY, body text);
"""

# The tables belong to the role the server (and migrate) connects as.
AS_TEST_ROLE = "SET ROLE %s;" % mtest.qi(t.user)


def make_source(name, items, tags):
    d = t.new_dir(name)
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"), isolation_level=None)
    con.executescript(SCHEMA)
    con.execute("BEGIN")
    con.executemany("INSERT INTO schema_migrations VALUES (?, 0)", [(1,), (2,), (3,)])
    con.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", items)
    con.executemany("INSERT INTO item_tags VALUES (?, ?)", tags)
    con.execute("COMMIT")
    con.close()
    return d


def file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def names_word(text, word):
    return re.search(r"(?<![\w.])%s(?![\w])" % re.escape(word), text) is not None


v1 = make_source("v1", [(1, "alpha", 1, "2024-01-01 00:00:00"), (2, "beta", 2, None), (3, "gamma", None, None)],
                 [(1, "red"), (2, "blue")])
v2 = make_source("v2", [(1, "alpha", 10, "2024-02-01 10:00:00"), (2, "béta", 2, "2024-02-02T00:00:00Z"),
                        (4, "delta 😀", 4, None), (5, "", None, "2024-02-05 05:05:05.5")],
                 [(1, "green"), (4, "red"), (5, "blue")])

# ---- (a) target holds data --------------------------------------------------------

res = t.migrate(t.write_config("a-v1", v1, usage_url=False))
t.equal(res.rc, 0, "(a) setup: first migration succeeds") or t.note(res.describe())
config_v2 = t.write_config("a-v2", v2, usage_url=False)
before = t.snapshot(t.db)
res = t.migrate(config_v2)
t.equal(res.rc, 4, "(a) target holding data, no --drop-all: exit 4") or t.note(res.describe())
t.check(names_word(res.err, "items") and names_word(res.err, "item_tags"), "(a) the tables holding data are named",
        res.describe())
t.check(not names_word(res.err, "empty_notes"), "(a) the empty table is not named", res.describe())
t.check("--drop-all" in res.err, "(a) the message points to --drop-all", res.describe())
t.same_snapshot(before, t.snapshot(t.db), "(a) the target is unchanged")

res = t.migrate(config_v2, "--drop-all")
t.equal(res.rc, 0, "(a) with --drop-all: exit 0") or t.note(res.describe())
diffs = t.compare_with_sqlite(os.path.join(v2, "rstudio-pm.sqlite"), t.db)
t.check(not diffs, "(a) with --drop-all the target holds exactly the new source's data", "\n".join(diffs[:20]))
t.equal(t.tables(t.db), ["public.empty_notes", "public.item_tags", "public.items", "public.schema_migrations"],
        "(a) no other tables")

# ---- (b) values PostgreSQL cannot hold ------------------------------------------------

bad = t.new_dir("bad")
bad_file = os.path.join(bad, "rstudio-pm.sqlite")
con = sqlite3.connect(bad_file, isolation_level=None)
con.executescript("""
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
    CREATE TABLE counts (id INTEGER PRIMARY KEY, n INTEGER);
    CREATE TABLE flags (id INTEGER PRIMARY KEY, f BOOLEAN);
    CREATE TABLE codes (code TEXT PRIMARY KEY, v VARCHAR(5));
    CREATE TABLE stamps (id INTEGER PRIMARY KEY, at DATETIME);
    INSERT INTO notes VALUES (1, 'fine'), (3, CAST(X'61FF62' AS TEXT));
    INSERT INTO counts VALUES (1, 5), (7, 'abc');
    INSERT INTO flags VALUES (1, 1), (4, 2);
    INSERT INTO codes VALUES ('ok', 'abcde'), ('k1', 'abcdefg');
    INSERT INTO stamps VALUES (1, '2024-03-05 10:00:00'), (9, '2024-03-05 10:00:00.1234567');
""")
con.execute("INSERT INTO notes VALUES (2, ?)", ("a\x00b",))  # a real NUL inside TEXT
con.close()
assert sqlite3.connect(bad_file).execute("SELECT length(CAST(body AS BLOB)) FROM notes WHERE id = 2").fetchone() == (3,)

url_b = t.create_database("refuse_b")
source_digest = file_digest(bad_file)
before = t.snapshot("refuse_b")
res = t.migrate(t.write_config("b", bad, url=url_b, usage_url=False))
t.equal(res.rc, 65, "(b) source values the target cannot hold: exit 65") or t.note(res.describe())
# (table, row key as shown, column, value as shown)
PROBLEMS = [
    ("notes", "id=2", "body", r"a\x00b"),
    ("notes", "id=3", "body", r"a\xffb"),
    ("counts", "id=7", "n", "abc"),
    ("flags", "id=4", "f", "2"),
    ("stamps", "id=9", "at", "2024-03-05 10:00:00.1234567"),
]
for table, key, column, shown in PROBLEMS:
    lines = [l for l in res.err.splitlines()
             if names_word(l, table) and key in l and names_word(l, column) and shown in l]
    t.check(len(lines) == 1 and "main" in lines[0],
            "(b) one message names main database, table %s, row %s, column %s, value %s" % (table, key, column, shown),
            res.describe())
t.check(b"\x00" not in res.out_b + res.err_b, "(b) no raw NUL byte in the output")
try:
    (res.out_b + res.err_b).decode("utf-8", "strict")
    valid = True
except UnicodeDecodeError:
    valid = False
t.check(valid, "(b) the output is valid UTF-8 (the invalid byte is escaped)")
t.check(not names_word(res.err, "id=1"), "(b) good rows are not reported", res.describe())
t.check(not any("abcdefg" in l for l in res.err.splitlines()),
        "(b) a VARCHAR(5) value over the limit SQLite never enforced is not refused (the column becomes text)",
        res.describe())
t.equal(t.tables("refuse_b"), [], "(b) nothing is committed: the target still has no tables")
t.same_snapshot(before, t.snapshot("refuse_b"), "(b) the target is unchanged")
t.equal(file_digest(bad_file), source_digest, "(b) the source file is unchanged")

# ---- (c) another client connected ------------------------------------------------------

url_c = t.create_database("refuse_c")
config_c = t.write_config("c", v2, url=url_c, usage_url=False)
# Two other clients: a second server node (the same role, over TCP) and an
# administrator's psql (superuser, local socket).
holders = [
    subprocess.Popen(["%s/psql" % os.environ["MIGRATE_TEST_PGBIN"], "-X", "-h", t.host, "-p", t.port, "-U", t.user,
                      "-d", "refuse_c", "-c", "SELECT pg_sleep(600)"],
                     env=dict(os.environ, PGPASSWORD=t.password, PGAPPNAME="other-node"),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    subprocess.Popen(t.psql_prefix + ["-d", "refuse_c", "-c", "SELECT pg_sleep(600)"],
                     env=dict(os.environ, PGAPPNAME="admin-psql"),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
]
try:
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'refuse_c' AND application_name IN ('other-node', 'admin-psql')"
    for _ in range(600):  # wait (up to a minute) for both sessions to be there
        if t.value("postgres", waiting) == "2":
            break
        time.sleep(0.1)
    t.equal(t.value("postgres", waiting), "2", "(c) setup: two other sessions are connected")
    before = t.snapshot("refuse_c")
    res = t.migrate(config_c)
    t.equal(res.rc, 5, "(c) other sessions connected to the target: exit 5") or t.note(res.describe())
    t.check(res.lines_with("other-node"), "(c) the other server node's session is listed", res.describe())
    t.check(res.lines_with("admin-psql"), "(c) the administrator's psql session is listed", res.describe())
    t.same_snapshot(before, t.snapshot("refuse_c"), "(c) the target is unchanged")
finally:
    t.psql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                       " WHERE application_name IN ('other-node', 'admin-psql')")
    for p in holders:
        p.kill()
        p.wait()
gone = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'refuse_c' AND pid <> pg_backend_pid()"
for _ in range(600):
    if t.value("postgres", gone) == "0":
        break
    time.sleep(0.1)
res = t.migrate(config_c)
t.equal(res.rc, 0, "(c) once they have gone, the migration succeeds") or t.note(res.describe())

# ---- (d) schema_migrations differs ------------------------------------------------------

url_d = t.create_database("refuse_d")
t.psql("refuse_d", AS_TEST_ROLE + PG_SCHEMA + "INSERT INTO schema_migrations VALUES (1, false), (2, false);")
before = t.snapshot("refuse_d")
res = t.migrate(t.write_config("d", v2, url=url_d, usage_url=False))
t.equal(res.rc, 1, "(d) target schema_migrations differs from the source's: exit 1") or t.note(res.describe())
t.check("schema_migrations" in res.err, "(d) the message names schema_migrations", res.describe())
t.same_snapshot(before, t.snapshot("refuse_d"), "(d) the target is unchanged")

# ---- (e) a target table lacks a column ------------------------------------------------------

url_e = t.create_database("refuse_e")
t.psql("refuse_e", AS_TEST_ROLE + PG_SCHEMA + "ALTER TABLE items DROP COLUMN qty;")
before = t.snapshot("refuse_e")
res = t.migrate(t.write_config("e", v2, url=url_e, usage_url=False))
t.equal(res.rc, 1, "(e) a target table lacks a source column: exit 1") or t.note(res.describe())
t.check([l for l in res.err.splitlines() if names_word(l, "items") and names_word(l, "qty")],
        "(e) one message names table items and column qty", res.describe())
t.same_snapshot(before, t.snapshot("refuse_e"), "(e) the target is unchanged")

# ---- (f) PostgreSQL unreachable ------------------------------------------------------------

port = mtest.free_port()
bad_url = t.url.replace(":%s/" % t.port, ":%d/" % port)
assert bad_url != t.url
encoded = urllib.parse.quote(t.password, safe="")
secrets = {t.password, encoded, encoded.lower(), t.password.encode("utf-8").decode("latin-1")}
before = t.snapshot(t.db)


def check_unreachable(label, res, shown_url):
    t.equal(res.rc, 1, "(f) %s: PostgreSQL unreachable: exit 1" % label) or t.note(res.describe())
    t.check([l for l in res.err.splitlines() if shown_url in l],
            "(f) %s: the error shows the URL with the password as xxxxx" % label, res.describe())
    for s in sorted(secrets):
        t.check(s not in res.out and s not in res.err and s.encode() not in res.out_b + res.err_b,
                "(f) %s: the password (%s form) is never shown" % (label, "plain" if s == t.password else "other"))


check_unreachable("password in the URL", t.migrate(t.write_config("f", v2, url=bad_url, usage_url=False)),
                  "postgres://%s:xxxxx@%s:%d/%s" % (t.user, t.host, port, t.db))
no_password_url = bad_url.replace(":" + encoded + "@", "@")
assert no_password_url != bad_url
check_unreachable("password from the environment",
                  t.migrate(t.write_config("f-env", v2, url=no_password_url, usage_url=False),
                            env={"PACKAGEMANAGER_POSTGRES_PASSWORD": t.password}),
                  "@%s:%d/%s" % (t.host, port, t.db))
t.same_snapshot(before, t.snapshot(t.db), "(f) the real target is unchanged")

t.finish()
