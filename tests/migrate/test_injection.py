#!/usr/bin/python3
"""No SQL text from the source reaches the target as written (issue 7,
sections 1 and 2).  Each reproduction is a hostile SQLite file: comments
that hide a second statement from a naive reader, an index whose stored SQL
(PRAGMA writable_schema) has a second statement after it, and defaults that
call server functions.  A run must leave no extra object on the target, run
nothing of the injected text (the server logs every statement of the
migration role), and either carry the harmless meaning or report what it did
not carry by name.  Safe defaults and predicates are still carried.

    with-postgres.sh test_injection.py MIGRATE
"""

import os
import re
import sqlite3

import mtest

t = mtest.Test()
# Every statement the migration sends shows in the server log.
t.psql(t.db, "ALTER ROLE %s SET log_statement = 'all'" % mtest.qi(t.user))
server_log = os.path.join(os.path.dirname(os.environ["MIGRATE_TEST_PGDATA"]), "server.log")
pwned = "/tmp/migrate-test-pwned-%d" % os.getpid()
for f in (pwned, "/tmp/pwned"):
    if os.path.exists(f):
        os.unlink(f)


def log_size():
    return os.path.getsize(server_log)


def log_since(offset):
    with open(server_log, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


def statements(log):
    """The statements the server was asked to run, one per log entry."""
    return re.findall(r"(?:statement|execute [^:]*): (.*)", log)


def outside_literals(statement):
    """A statement's text with its string literals removed: what the server
    reads as SQL rather than as data."""
    return re.sub(r"'(?:[^']|'')*'", "''", statement)


def not_carried(res):
    return [l.strip() for l in res.out.splitlines() if "not carried:" in l]


# ---- 1. the three CREATE statements of the issue, and dangerous defaults ----

d = t.new_dir("db")
con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
con.executescript("""
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);
CREATE INDEX users_name ON users(name)
  WHERE /* WHERE true; COPY (SELECT 1) TO PROGRAM 'id > %(pwned)s'; -- */ name > 'm';
CREATE TABLE t2(a TEXT, b TEXT DEFAULT ('x' /* /* */ || '*/ ; CREATE TABLE injected(x int); --'));
CREATE TABLE t3(a TEXT);
CREATE INDEX ie ON t3(lower(a) /* /* */ || '*/ ); CREATE TABLE injected2(x int); --');
CREATE TABLE dangerous(
  id INTEGER PRIMARY KEY,
  note TEXT DEFAULT (pg_read_file('/etc/passwd')),
  lo BIGINT DEFAULT (lo_export(1, '%(pwned)s')),
  cfg TEXT DEFAULT (set_config('search_path', 'evil', false)),
  link TEXT DEFAULT (dblink('host=evil', 'SELECT 1')),
  stamp DATETIME DEFAULT 'now',
  day DATE DEFAULT 'today');
CREATE TABLE safe(
  id INTEGER PRIMARY KEY,
  label TEXT NOT NULL DEFAULT 'it''s /* not a comment */',
  n INTEGER DEFAULT -5,
  r REAL DEFAULT +1.5,
  empty TEXT DEFAULT NULL,
  flag BOOLEAN DEFAULT TRUE,
  raw BLOB DEFAULT x'00ff',
  created DATETIME DEFAULT CURRENT_TIMESTAMP,
  created_text TEXT DEFAULT CURRENT_TIMESTAMP,
  born DATE DEFAULT CURRENT_DATE,
  fixed DATETIME DEFAULT '2024-01-02 03:04:05');
CREATE INDEX safe_lower ON safe(lower(label)) WHERE n IN (1, 2, -5) AND flag = 1;
CREATE TABLE checked(
  n INTEGER CHECK (n >= 0 /* ) ; CREATE TABLE injected4(x int); -- */),
  name TEXT CONSTRAINT "short name" CHECK (length(name) <= 10),
  kind TEXT, CHECK (kind IN ('a', 'b')), CHECK (name LIKE 'x%%'), CHECK (typeof(n) = 'integer'));
CREATE TABLE "we(ird"("a)b" TEXT, "WHERE" INT);
CREATE INDEX "i(WHERE" ON "we(ird"("a)b", lower("a)b") DESC) WHERE "WHERE" > 0 AND "a)b" <> ')';
INSERT INTO users(name) VALUES ('alice'), ('zoe');
INSERT INTO t2(a) VALUES ('one');
INSERT INTO t3 VALUES ('Two');
INSERT INTO dangerous VALUES (1, 'n', 1, 'c', 'l', '2024-01-01 00:00:00', '2024-01-01');
INSERT INTO safe(id) VALUES (1);
INSERT INTO checked VALUES (1, 'xy', 'a');
""" % {"pwned": pwned})
con.close()

config = t.write_config("cfg", d, usage_url=False)
offset = log_size()
res = t.migrate(config)
log = log_since(offset)
t.note(res.out)
t.equal(res.rc, 0, "the hostile database migrates, with what it cannot carry reported") or t.note(res.describe())

ran = statements(log)
t.check(len(ran) > 10, "the server log shows the migration's statements", log[-2000:])
injected = [s for s in ran if re.search(r"injected\d*\(x|COPY \(SELECT 1\)", outside_literals(s))]
t.check(not injected, "no injected statement was sent (outside a string literal)", "\n".join(injected))
t.check("TO PROGRAM" not in log, "the commented-out COPY TO PROGRAM never reaches the server",
        "\n".join(l for l in log.splitlines() if "PROGRAM" in l))
for f in ("pg_read_file", "lo_export", "set_config", "dblink"):
    t.check(not any(f in s for s in ran), "%s is never sent to the server" % f,
            "\n".join(s for s in ran if f in s))
t.check(not os.path.exists(pwned), "no program ran on the database host")
tables = t.psql(t.db, "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class"
                      " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
t.equal(tables, "checked dangerous safe t2 t3 users we(ird", "no extra table on the target (no injected, injected2, injected4)")

defs = dict(line.split("|", 1) for line in t.psql(
    t.db, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'").splitlines())
t.note("\n".join("%s: %s" % kv for kv in sorted(defs.items())))
t.equal(defs.get("users_name", "").split(" WHERE ", 1)[-1], "(name > 'm'::text)",
        "the partial index keeps its predicate, without the comment")
t.equal(defs.get("i(WHERE", "").split(" USING ", 1)[-1],
        "btree (\"a)b\", lower(\"a)b\") DESC) WHERE ((\"WHERE\" > 0) AND (\"a)b\" <> ')'::text))",
        "names and strings holding ( ) and WHERE do not confuse the reader")
t.check("'*/ ); CREATE TABLE injected2(x int); --'::text" in defs.get("ie", ""),
        "the expression index keeps SQLite's meaning: the rest is a string literal", defs.get("ie"))
t.check(all(x in defs.get("safe_lower", "") for x in ("(lower(label)) WHERE", "n = ANY (ARRAY[", "-5", "flag = true")),
        "a translated expression index with an IN list and a boolean predicate", defs.get("safe_lower"))


def column_defaults(table):
    return dict((r["column_name"], r["column_default"]) for r in t.rows(
        t.db, "SELECT column_name, column_default FROM information_schema.columns"
              " WHERE table_schema = 'public' AND table_name = '%s'" % table))


dang = column_defaults("dangerous")
for col, why in (("note", "function pg_read_file"), ("lo", "function lo_export"),
                 ("cfg", "function set_config"), ("link", "function dblink"),
                 ("stamp", "the string 'now'"), ("day", "the string 'today'")):
    t.equal(dang.get(col), None, "no default on dangerous.%s" % col)
    t.check(any(l.startswith("not carried: default of dangerous.%s:" % col) and why in l for l in not_carried(res)),
            "default of dangerous.%s reported as not carried (%s)" % (col, why), "\n".join(not_carried(res)))
t.equal(column_defaults("t2").get("b"), "('x'::text || '*/ ; CREATE TABLE injected(x int); --'::text)",
        "t2.b's default keeps SQLite's meaning: one string after the comment")

safe = column_defaults("safe")
t.note(repr(safe))
t.equal(safe.get("label"), "'it''s /* not a comment */'::text", "a string default")
t.equal(safe.get("n"), "'-5'::integer", "a signed number")
t.check(safe.get("r") in ("1.5", "'1.5'::double precision"), "a number with a plus sign", safe.get("r"))
t.check(safe.get("empty") in (None, "NULL::text"), "DEFAULT NULL", safe.get("empty"))
t.equal(safe.get("flag"), "true", "TRUE in a boolean column")
t.equal(safe.get("raw"), "'\\x00ff'::bytea", "a blob")
t.check("CURRENT_TIMESTAMP" in (safe.get("created") or ""), "CURRENT_TIMESTAMP in a timestamp column", safe.get("created"))

checks = t.psql(t.db, "SELECT string_agg(conname || ': ' || pg_get_constraintdef(oid), E'\\n' ORDER BY conname)"
                      " FROM pg_constraint WHERE conrelid = 'checked'::regclass AND contype = 'c'").splitlines()
t.note("\n".join(checks))
t.check("short name: CHECK ((length(name) <= 10))" in checks, "a named CHECK constraint is carried", "\n".join(checks))
t.check(any(c.endswith("CHECK ((n >= 0))") for c in checks), "a CHECK with a comment is carried without it",
        "\n".join(checks))
t.check(any("kind = ANY" in c for c in checks), "a CHECK with an IN list is carried", "\n".join(checks))
t.equal(len(checks), 3, "only the checks PostgreSQL can express exactly")
for n, why in ((4, "the operator LIKE"), (5, "function typeof")):
    t.check(any(l.startswith("not carried: CHECK constraint #%d of table checked:" % n) and why in l
                for l in not_carried(res)), "CHECK #%d reported as not carried (%s)" % (n, why),
            "\n".join(not_carried(res)))
t.check(t.psql(t.db, "INSERT INTO checked VALUES (-1, 'x', 'a')", check=False) == "" and
        t.value(t.db, "SELECT count(*) FROM checked WHERE n < 0") == "0", "the carried CHECK is enforced")

# CURRENT_* keep SQLite's meaning: UTC text to the second, or the same instant.
t.psql(t.db, "INSERT INTO safe(id) VALUES (2)")
row = t.rows(t.db, "SELECT created, created_text, born, fixed, to_char(fixed, 'YYYY-MM-DD HH24:MI:SS') AS fixed_text,"
                   " to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS today FROM safe WHERE id = 2")[0]
t.note(repr(row))
t.equal(row["fixed_text"], "2024-01-02 03:04:05", "a timestamp literal default")
t.check(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["created_text"]) is not None,
        "TEXT DEFAULT CURRENT_TIMESTAMP writes SQLite's text form", row["created_text"])
t.check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00)?", row["created"]) is not None,
        "a timestamp default is UTC to the second", row["created"])
t.equal(row["born"], row["today"], "CURRENT_DATE is today's UTC date")
t.equal(row["created_text"][:10], row["today"], "the text stamp is UTC")

# ---- 2. writable_schema: stored SQL with a second statement after it -----

d2 = t.new_dir("db2")
path = os.path.join(d2, "rstudio-pm.sqlite")
con = sqlite3.connect(path)
con.executescript("""
CREATE TABLE w(a TEXT, b INT);
CREATE INDEX w_part ON w(b) WHERE b > 0;
CREATE INDEX w_expr ON w(lower(a));
CREATE INDEX w_plain ON w(a);
CREATE INDEX w_fine ON w(b, a);
INSERT INTO w VALUES ('A', 1);
""")
con.execute("PRAGMA writable_schema = ON")
con.execute("UPDATE sqlite_schema SET sql = sql || '; CREATE TABLE injected3(x int)'"
            " WHERE type = 'index' AND name <> 'w_fine'")
con.commit()
con.close()
con = sqlite3.connect(path)
t.equal(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "SQLite itself reads the crafted schema")
con.close()

url2 = t.create_database("injection_ws")
config2 = t.write_config("cfg2", d2, url=url2, usage_url=False)
offset = log_size()
res2 = t.migrate(config2)
log = log_since(offset)
t.note(res2.out)
t.equal(res2.rc, 0, "the crafted database migrates, its tampered indexes reported") or t.note(res2.describe())
t.check("injected3" not in log, "the second statement never reaches the server",
        "\n".join(l for l in log.splitlines() if "injected3" in l))
t.equal(t.psql("injection_ws", "SELECT count(*) FROM pg_class WHERE relname = 'injected3'"), "0",
        "no table injected3")
idx = t.psql("injection_ws", "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes"
                             " WHERE schemaname = 'public'")
t.equal(idx, "w_fine", "only the untampered index is created")
for name in ("w_part", "w_expr", "w_plain"):
    t.check(any(l == "not carried: index %s on w: its stored SQL holds more than one statement" % name
                for l in not_carried(res2)), "index %s reported by name as not carried" % name,
            "\n".join(not_carried(res2)))

t.psql(t.db, "ALTER ROLE %s RESET log_statement" % mtest.qi(t.user))
t.finish()
