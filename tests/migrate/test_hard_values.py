#!/usr/bin/python3
"""Every hard SQLite value arrives in PostgreSQL exactly.

    with-postgres.sh test_hard_values.py MIGRATE

Builds a SQLite main database with one table per kind of hard value, migrates
it into the empty PostgreSQL database, and reads every value back in a form
that compares exactly (hex bytes, float8send bits, UTC text to the
microsecond).  Also checks the created column types, NOT NULL, primary keys,
that identity sequences continue after max(id) and after SQLite's
AUTOINCREMENT high-water mark, and that the view and the trigger are reported
as not carried.
"""

import os
import sqlite3
import struct

import mtest

t = mtest.Test()

INT64_MIN, INT64_MAX = -2**63, 2**63 - 1
EMOJI_TEXT = "Grüße aus Zürich — 東京 😀🚀"
ODD_TEXT = "quote ' dq \" bs \\ nl\n cr\r tab\t end"
LONG_TEXT = "x" * 100000 + "😀"
JSON_TEXT = '{"a": [1, 2.5, "x"], "b": null, "é": "😀"}'
UUID_TEXT = "123e4567-e89b-12d3-a456-426614174000"

SCHEMA = """
CREATE TABLE bools (id INTEGER PRIMARY KEY, b BOOLEAN, nb BOOLEAN NOT NULL);
CREATE TABLE times (id INTEGER PRIMARY KEY, at DATETIME);
CREATE TABLE days (id INTEGER PRIMARY KEY, d DATE);
CREATE TABLE ints (id INTEGER PRIMARY KEY, i INTEGER, b BIGINT);
CREATE TABLE reals (id INTEGER PRIMARY KEY, r REAL, d DOUBLE);
CREATE TABLE money (id INTEGER PRIMARY KEY, amount NUMERIC(10,2));
CREATE TABLE short (id INTEGER PRIMARY KEY, v VARCHAR(5) NOT NULL);
CREATE TABLE texts (id INTEGER PRIMARY KEY, t TEXT);
CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB);
CREATE TABLE "order" (id INTEGER PRIMARY KEY, "Select" TEXT NOT NULL, "MixedCase" INTEGER);
CREATE TABLE docs (id INTEGER PRIMARY KEY, doc JSON, uid UUID);
CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE fresh_auto (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
CREATE TABLE emptied_auto (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
"""

# (id, stored SQLite value, expected canonical PostgreSQL value); the
# canonical forms are those of mtest.pg_canonical_expr().
BOOLS = [(1, 0, "false"), (2, 1, "true"), (3, "t", "true"), (4, "f", "false"),
         (5, "true", "true"), (6, "false", "false"), (7, None, None)]
TIMES = [  # naive text is UTC; expected as UTC text with microseconds
    (1, "2024-03-05 14:22:01", "2024-03-05 14:22:01.000000"),
    (2, "2024-03-05T14:22:01.123456", "2024-03-05 14:22:01.123456"),
    (3, "2024-03-05T14:22:01.123456Z", "2024-03-05 14:22:01.123456"),
    (4, "2024-03-05T14:22:01.123456+02:00", "2024-03-05 12:22:01.123456"),
    (5, "2024-03-05 14:22:01.5+00:00", "2024-03-05 14:22:01.500000"),   # Go's form
    (6, "2024-03-05 14:22:01-05:30", "2024-03-05 19:52:01.000000"),
    (7, "2024-03-05 14:22:01.123", "2024-03-05 14:22:01.123000"),
    (8, 1709648521, "2024-03-05 14:22:01.000000"),                      # Unix epoch
    (9, 1709648521.25, "2024-03-05 14:22:01.250000"),
    (10, None, None),
]
DAYS = [(1, "2024-02-29", "2024-02-29"), (2, "1999-12-31", "1999-12-31"), (3, None, None)]
INTS = [(1, INT64_MIN, INT64_MAX), (2, INT64_MAX, INT64_MIN), (3, 0, None), (4, -1, 2**53 + 1)]
REALS = [(1, float("inf")), (2, float("-inf")), (3, 5e-324), (4, 1.7976931348623157e308),
         (5, 0.1), (6, -2.5e-310), (7, None)]
MONEY = [(1, 19.99, "19.99"), (2, -0.01, "-0.01"), (3, 0, "0.00"), (4, "12345678.90", "12345678.90"),
         (5, 100, "100.00"), (6, 99999999.99, "99999999.99"), (7, None, None)]
SHORT = [(1, "ÄÖÜßé"), (2, "日本語テキ"), (3, "😀🚀🎉🐍💾"), (4, "abcde"), (5, "")]
TEXTS = [(1, ""), (2, None), (3, EMOJI_TEXT), (4, ODD_TEXT), (5, LONG_TEXT)]
BLOBS = [(1, b"\x00\x01\x00\xff"), (2, b""), (3, None), (4, bytes(range(256))), (5, b"\x00")]
ORDER = [(1, "from", 42), (2, "where", None)]
DOCS = [(1, JSON_TEXT, UUID_TEXT), (2, None, None)]
KV = [("app", "B", "1"), ("app", "a", "2"), ("Äpp", "key", None), ("app", "", "")]


def build_source(path):
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(SCHEMA)
    con.execute("BEGIN")
    con.executemany("INSERT INTO bools VALUES (?, ?, ?)", [(i, v, 1 if v is None else v) for i, v, _ in BOOLS])
    con.executemany("INSERT INTO times VALUES (?, ?)", [(i, v) for i, v, _ in TIMES])
    con.executemany("INSERT INTO days VALUES (?, ?)", [(i, v) for i, v, _ in DAYS])
    con.executemany("INSERT INTO ints VALUES (?, ?, ?)", INTS)
    con.executemany("INSERT INTO reals VALUES (?, ?, ?)", [(i, v, v) for i, v in REALS])
    con.executemany("INSERT INTO money VALUES (?, ?)", [(i, v) for i, v, _ in MONEY])
    con.executemany("INSERT INTO short VALUES (?, ?)", SHORT)
    con.executemany("INSERT INTO texts VALUES (?, ?)", TEXTS)
    con.executemany("INSERT INTO blobs VALUES (?, ?)", BLOBS)
    con.executemany('INSERT INTO "order" VALUES (?, ?, ?)', ORDER)
    con.executemany("INSERT INTO docs VALUES (?, ?, ?)", DOCS)
    con.executemany("INSERT INTO kv VALUES (?, ?, ?)", KV)
    # events: ids 1-3 remain, 4 and 5 were deleted: sqlite_sequence says 5.
    for name in ["first", "second", "third", "gone4", "gone5"]:
        con.execute("INSERT INTO events(name) VALUES (?)", (name,))
    con.execute("DELETE FROM events WHERE name LIKE 'gone%'")
    # emptied_auto: used, then emptied: sqlite_sequence says 2, no rows.
    con.execute("INSERT INTO emptied_auto(name) VALUES ('a'), ('b')")
    con.execute("DELETE FROM emptied_auto")
    con.execute("COMMIT")
    # Created last so they do not act on the rows above.
    con.executescript("""
        CREATE VIEW named_events AS SELECT id, name FROM events WHERE name <> '';
        CREATE TRIGGER events_cleanup AFTER DELETE ON events
        BEGIN DELETE FROM kv WHERE ns = OLD.name; END;
    """)
    seq = dict(con.execute("SELECT name, seq FROM sqlite_sequence"))
    con.close()
    return seq


src_dir = t.new_dir("db")
seq = build_source(os.path.join(src_dir, "rstudio-pm.sqlite"))
assert seq == {"events": 5, "emptied_auto": 2}, seq  # the source is what this test means
config = t.write_config("main-only", src_dir, usage_url=False)

# Naive times are UTC whatever the server's time zone: give the target
# database an odd one, as a real server might have.
t.psql(t.db, "ALTER DATABASE %s SET timezone TO 'Asia/Kathmandu'" % t.db)

res = t.migrate(config)
t.equal(res.rc, 0, "migration into the empty database succeeds") or t.note(res.describe())
last = res.out.splitlines()[-1] if res.out else ""
t.check(last.startswith("migrate: success:"), "the last line reports success", res.describe())
t.check(res.lines_with("not carried: view named_events"), "the view is reported as not carried", res.describe())
t.check(res.lines_with("not carried: trigger events_cleanup"), "the trigger is reported as not carried",
        res.describe())
t.check(t.tables(t.usage_db) == [], "the usage database was not touched (no UsageDataURL)")

# ---- column types, NOT NULL, identity, primary keys --------------------------

ID = ("id", "bigint", True, "d")  # INTEGER PRIMARY KEY: an identity column
EXPECTED_COLUMNS = {
    "bools": [ID, ("b", "boolean", False, ""), ("nb", "boolean", True, "")],
    "times": [ID, ("at", "timestamp with time zone", False, "")],
    "days": [ID, ("d", "date", False, "")],
    "ints": [ID, ("i", "bigint", False, ""), ("b", "bigint", False, "")],
    "reals": [ID, ("r", "double precision", False, ""), ("d", "double precision", False, "")],
    "money": [ID, ("amount", "numeric(10,2)", False, "")],
    "short": [ID, ("v", "character varying(5)", True, "")],
    "texts": [ID, ("t", "text", False, "")],
    "blobs": [ID, ("b", "bytea", False, "")],
    "order": [ID, ("Select", "text", True, ""), ("MixedCase", "bigint", False, "")],
    "docs": [ID, ("doc", "json", False, ""), ("uid", "uuid", False, "")],
    "kv": [("ns", "text", True, ""), ("key", "text", True, ""), ("value", "text", False, "")],
    "events": [ID, ("name", "text", True, "")],
    "fresh_auto": [ID, ("name", "text", False, "")],
    "emptied_auto": [ID, ("name", "text", False, "")],
}
t.equal(t.tables(t.db), sorted("public." + n for n in EXPECTED_COLUMNS),
        "exactly the source's tables were created (no view, no sqlite_sequence)")
for table, cols in EXPECTED_COLUMNS.items():
    t.equal(t.columns(t.db, table), cols, "table %s: column names, types, NOT NULL, identity" % table)
    t.equal(t.primary_key(t.db, table), ["ns", "key"] if table == "kv" else ["id"],
            "table %s: primary key" % table)

# ---- values -------------------------------------------------------------------


def read(table, col, typ, key="id"):
    """{key: canonical value} of one column."""
    expr = mtest.pg_canonical_expr(mtest.qi(col), typ)
    rows = t.rows(t.db, "SELECT %s AS k, %s AS v FROM %s" % (key, expr, mtest.qi(table)))
    return {r["k"]: r["v"] for r in rows}


def hexutf8(s):
    return None if s is None else s.encode("utf-8").hex()


def bits(f):
    return None if f is None else struct.pack(">d", f).hex()


t.equal(read("bools", "b", "boolean"), {i: e for i, _, e in BOOLS}, "booleans 0/1 and 't'/'f'/'true'/'false'")
t.equal(read("bools", "nb", "boolean"), {i: e or "true" for i, _, e in BOOLS}, "NOT NULL booleans")
got = read("times", "at", "timestamp with time zone")
for i, stored, expected in TIMES:
    t.equal(got.get(i), expected, "DATETIME %r read back in UTC" % (stored,))
t.equal(read("days", "d", "date"), {i: e for i, _, e in DAYS}, "DATE values")
t.equal(read("ints", "i", "bigint"), {i: None if v is None else str(v) for i, v, _ in INTS},
        "INTEGER column: int64 min and max")
t.equal(read("ints", "b", "bigint"), {i: None if v is None else str(v) for i, _, v in INTS},
        "BIGINT column: int64 min and max, 2^53+1")
for col in ("r", "d"):
    got = read("reals", col, "double precision")
    for i, v in REALS:
        t.equal(got.get(i), bits(v), "%s column: %r bit for bit" % ("REAL" if col == "r" else "DOUBLE", v))
got = read("money", "amount", "numeric(10,2)")
for i, stored, expected in MONEY:
    t.equal(got.get(i), expected, "NUMERIC(10,2) %r" % (stored,))
t.equal(read("short", "v", "character varying(5)"), {i: hexutf8(v) for i, v in SHORT},
        "VARCHAR(5) holding 5 multi-byte characters, byte for byte")
got = read("texts", "t", "text")
for i, v in TEXTS:
    t.equal(got.get(i), hexutf8(v), "TEXT %r byte for byte" % (v if v is None or len(v) < 60 else v[:10] + "..."))
t.check(got.get(1) == "" and got.get(2) is None, "empty string stays empty, NULL stays NULL")
got = read("blobs", "b", "bytea")
for i, v in BLOBS:
    t.equal(got.get(i), None if v is None else v.hex(), "BLOB %r byte for byte" % (v if v is None or len(v) < 8 else v[:8]))
t.equal(read("order", "Select", "text"), {i: hexutf8(s) for i, s, _ in ORDER}, 'reserved word table "order", column "Select"')
t.equal(read("order", "MixedCase", "bigint"), {i: None if m is None else str(m) for i, _, m in ORDER},
        'mixed-case column "MixedCase"')
t.equal(read("docs", "doc", "json"), {i: hexutf8(d) for i, d, _ in DOCS}, "JSON text exactly as stored")
t.equal(read("docs", "uid", "uuid"), {i: hexutf8(u) for i, _, u in DOCS}, "UUID text")
got = t.rows(t.db, "SELECT encode(convert_to(ns, 'UTF8'), 'hex') AS ns, encode(convert_to(key, 'UTF8'), 'hex') AS k,"
                   " encode(convert_to(value, 'UTF8'), 'hex') AS v FROM kv")
t.equal(sorted((r["ns"], r["k"], r["v"]) for r in got),
        sorted((hexutf8(a), hexutf8(b), hexutf8(c)) for a, b, c in KV),
        "WITHOUT ROWID table with a composite text key")
t.equal(read("events", "name", "text"), {1: hexutf8("first"), 2: hexutf8("second"), 3: hexutf8("third")},
        "AUTOINCREMENT table rows")
t.equal(t.value(t.db, "SELECT count(*) FROM fresh_auto") + " " + t.value(t.db, "SELECT count(*) FROM emptied_auto"),
        "0 0", "empty AUTOINCREMENT tables stay empty")

# The tool's own verification agrees (and changes nothing).
before = t.snapshot(t.db)
res = t.migrate(config, "--verify")
t.equal(res.rc, 0, "--verify finds no difference") or t.note(res.describe())
t.same_snapshot(before, t.snapshot(t.db), "--verify changed nothing")

# ---- identity sequences: what the server's next INSERT gets --------------------


def next_id(table, columns_values):
    cols, vals = columns_values
    return t.value(t.db, "INSERT INTO %s (%s) VALUES (%s) RETURNING id" % (mtest.qi(table), cols, vals))


t.equal(next_id("events", ("name", "'after'")), "6",
        "AUTOINCREMENT: the next id follows sqlite_sequence (5), not max(id) (3)")
t.equal(next_id("emptied_auto", ("name", "'after'")), "3",
        "AUTOINCREMENT table emptied after use: the next id follows sqlite_sequence (2)")
t.equal(next_id("fresh_auto", ("name", "'first'")), "1", "never-used AUTOINCREMENT table starts at 1")
t.equal(next_id("bools", ("nb", "true")), "8", "INTEGER PRIMARY KEY: the next id follows max(id) (7)")
t.equal(next_id("order", ('"Select"', "'x'")), "3", 'table "order": the next id follows max(id) (2)')

t.finish()
