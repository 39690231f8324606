#!/usr/bin/python3
"""No value changes meaning in silence.

    with-postgres.sh test_meaning.py MIGRATE

Each case is a small SQLite file and a fresh PostgreSQL database:
- text '007', '+5', '-0' in a TEXT column going into an existing integer
  column is refused by name ('42' goes through);
- julianday() numbers in a DATETIME column are refused by name;
- a REAL Unix time with digits below the microsecond is refused, as text
  with such digits is;
- integer milliseconds (JavaScript, Prisma) arrive as the instant the Go
  driver reads;
- times and dates in the year 0 arrive as 1 BC and verify; a changed BC
  date is reported as BC;
- text '0x1A' in a REAL column is refused, not read as 26;
- REAL Unix times that are not exact in binary are stored rounded to the
  microsecond, asserted on the stored value;
- a NUL byte in text is refused by name (database, table, key, column).
Every refusal exits 65 and leaves the target database as it was.
"""

import os
import re
import sqlite3

import mtest

t = mtest.Test()
counter = [0]


def scenario(name, schema, rows, target_ddl=None):
    d = t.new_sqlite(name, schema, rows)
    counter[0] += 1
    db = "meaning_%d" % counter[0]
    url = t.create_database(db)
    if target_ddl:
        t.psql(db, target_ddl)
        t.psql(db, "DO $$ DECLARE r record; BEGIN FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                   " LOOP EXECUTE format('ALTER TABLE %%I OWNER TO %%I', r.tablename, %s); END LOOP; END $$"
                   % mtest.sql_literal(t.user))
    return t.write_config(name, d, url=url, usage_url=False), db


def query(f, db, sql):
    """f(db, sql), or None when the table is not there (a failed migration
    leaves nothing): the cases after it still run."""
    try:
        return f(db, sql)
    except RuntimeError as e:
        t.note(str(e))
        return None


def refused(what, config, db, expected_lines):
    """The run exits 65, writes nothing, and says each expected line (a
    regular expression matched against whole lines of standard error)."""
    before = t.snapshot(db)
    res = t.migrate(config)
    t.equal(res.rc, 65, "%s: exit 65" % what) or t.note(res.describe())
    lines = [re.sub(r"^migrate: (error: )?", "", l) for l in res.err.splitlines()]
    for pattern in expected_lines:
        t.check(any(re.fullmatch(pattern, l) for l in lines), "%s: says %s" % (what, pattern), res.describe())
    t.same_snapshot(before, t.snapshot(db), "%s: the target is as it was" % what)
    return res


def migrated(what, config):
    res = t.migrate(config)
    t.equal(res.rc, 0, "%s: the migration succeeds" % what) or t.note(res.describe())
    res = t.migrate(config, "--verify")
    t.equal(res.rc, 0, "%s: --verify exits 0" % what) or t.note(res.describe())


# ---- integer text only as written ------------------------------------------------

config, db = scenario("inttext", "CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT);",
                      [("codes", [(1, "007"), (2, "+5"), (3, "-0"), (4, "42")])],
                      "CREATE TABLE codes (id bigint PRIMARY KEY, code integer)")
refused("integer text", config, db, [
    r"main database, table codes, row id=1, column code: '007' cannot go into the target's integer column: "
    r"it is text that is not a whole number as written \(it would become 7\)",
    r"main database, table codes, row id=2, column code: '\+5' .* \(it would become 5\)",
    r"main database, table codes, row id=3, column code: '-0' .* \(it would become 0\)"])
res = t.migrate(config)
t.check("row id=4" not in res.err, "integer text: '42' is not refused", res.describe())

# ---- julianday() values ------------------------------------------------------------

config, db = scenario("julian", "CREATE TABLE jobs (id INTEGER PRIMARY KEY, started DATETIME);",
                      [("jobs", [(1, 1709648521), (2, 2460375.5), (3, "2024-03-05 12:00:00")])])
with sqlite3.connect(os.path.join(t.tmp, "julian", "rstudio-pm.sqlite")) as con:
    con.execute("INSERT INTO jobs VALUES (4, julianday('2024-03-05 13:00:00'))")
refused("julianday() numbers", config, db, [
    r"main database, table jobs, row id=2, column started: 2460375\.5 cannot go into the target's "
    r"timestamp with time zone column: it is a number in the range of julianday\(\) values.*",
    r"main database, table jobs, row id=4, column started: 2460375\.04.* julianday\(\).*"])

# ---- digits below the microsecond, REAL and text alike ---------------------------------

config, db = scenario("submicro", "CREATE TABLE ticks (id INTEGER PRIMARY KEY, at DATETIME);",
                      [("ticks", [(1, 1700000000.1234567), (2, "2023-11-14 22:13:20.1234567"),
                                  (3, 0.0000016), (4, 1700000000.123456)])])
refused("digits below the microsecond", config, db, [
    r"main database, table ticks, row id=1, column at: 1700000000\.1234567 .*digits below the microsecond.*",
    r"main database, table ticks, row id=2, column at: '2023-11-14 22:13:20\.1234567' .*more than microsecond precision.*",
    r"main database, table ticks, row id=3, column at: 1\.6e-06 .*digits below the microsecond.*"])

# ---- REAL Unix times not exact in binary: rounded, on the stored value ------------------

REALS = [(1, 1709648521.123456, "2024-03-05 14:22:01.123456"),
         (2, 0.000498, "1970-01-01 00:00:00.000498"),       # d * 1e6 = 497.99999999999994
         (3, -0.000249, "1969-12-31 23:59:59.999751"),      # d * 1e6 = -248.99999999999997
         (4, -1.5, "1969-12-31 23:59:58.500000")]
config, db = scenario("realtimes", "CREATE TABLE ticks (id INTEGER PRIMARY KEY, at DATETIME);",
                      [("ticks", [(i, v) for i, v, _ in REALS])])
migrated("REAL Unix times", config)
for i, v, want in REALS:
    t.equal(query(t.value, db, "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM ticks WHERE id = %d" % i),
            want, "REAL %r is stored as %s" % (v, want))

# ---- integer milliseconds ------------------------------------------------------------

config, db = scenario("millis", "CREATE TABLE posts (id INTEGER PRIMARY KEY, created_at DATETIME, d TIMESTAMP);",
                      [("posts", [(1, 1700000000000, 1700000000), (2, -1700000000000, 1000000000000),
                                  (3, 1000000000001, 0)])])
migrated("integer milliseconds", config)
t.equal(query(t.rows, db, "SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS c,"
                   " to_char(d AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS d FROM posts ORDER BY id"),
        [{"id": 1, "c": "2023-11-14 22:13:20.000", "d": "2023-11-14 22:13:20"},
         {"id": 2, "c": "1916-02-18 01:46:40.000", "d": "33658-09-27 01:46:40"},
         {"id": 3, "c": "2001-09-09 01:46:40.001", "d": "1970-01-01 00:00:00"}],
        "integers beyond 1e12 are milliseconds, smaller ones seconds")

# ---- the year 0 is 1 BC ------------------------------------------------------------

config, db = scenario("bc", "CREATE TABLE old (id INTEGER PRIMARY KEY, at DATETIME, day DATE);",
                      [("old", [(1, "0000-06-15 12:00:00", "0000-01-01"), (2, "0001-01-01 00:00:00", "0001-01-01"),
                                (3, "2024-03-05 00:00:00", "2024-03-05")])])
migrated("BC dates", config)
t.equal(query(t.rows, db, "SELECT id, at::text AS at, day::text AS day FROM old ORDER BY id"),
        [{"id": 1, "at": "0001-06-15 12:00:00+00 BC", "day": "0001-01-01 BC"},
         {"id": 2, "at": "0001-01-01 00:00:00+00", "day": "0001-01-01"},
         {"id": 3, "at": "2024-03-05 00:00:00+00", "day": "2024-03-05"}], "the year 0 arrives as 1 BC")
query(t.psql, db, "UPDATE old SET day = day + 1 WHERE id = 1")
res = t.migrate(config, "--verify")
t.equal(res.rc, 3, "BC dates: a changed BC date is found") or t.note(res.describe())
t.check(res.lines_with("table old, row id=1, column day: source 0001-01-01 BC, target 0001-01-02 BC"),
        "BC dates: the difference is shown in BC", res.describe())

# ---- hexadecimal text in a REAL column ---------------------------------------------------

config, db = scenario("hex", "CREATE TABLE m (id INTEGER PRIMARY KEY, r REAL);",
                      [("m", [(1, "0x1A"), (2, 1.5)])])
refused("hex text in a REAL column", config, db, [
    r"main database, table m, row id=1, column r: '0x1A' cannot go into the target's double precision column: "
    r"it is text that is not a number"])

# ---- a NUL byte in text --------------------------------------------------------------------

config, db = scenario("nul", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, other TEXT);",
                      [("notes", [(1, "fine", "a\x00b"), (2, "ok", "ok")])])
refused("a NUL byte in text", config, db, [
    r"main database, table notes, row id=1, column other: 'a\\x00b' cannot go into the target's text column: "
    r"it is text with a NUL byte, which PostgreSQL text cannot hold"])

t.finish()
