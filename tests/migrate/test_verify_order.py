#!/usr/bin/python3
"""Verification does not depend on the order of converted keys.

    with-postgres.sh test_verify_order.py MIGRATE

SQLite orders a key by its raw values (integers before text, text before
blobs, 'B' before 'a'); PostgreSQL orders the converted values.  Each table
below has keys whose conversion reorders them: the migration must exit 0 and
--verify must exit 0.  Then one cell is changed in PostgreSQL and --verify
must name exactly that row and column (the sorted pass still finds a
difference).  A keyless table with a json column migrates and verifies.
"""

import re

import mtest

t = mtest.Test()
counter = [0]


def scenario(name, schema, rows):
    """A SQLite main database with one table, and a fresh PostgreSQL
    database; returns (config, database name)."""
    d = t.new_sqlite(name, schema, rows)
    counter[0] += 1
    db = "order_%d" % counter[0]
    url = t.create_database(db)
    return t.write_config(name, d, url=url, usage_url=False), db


def differences(res):
    lines = [re.sub(r"^migrate: (error: )?", "", l) for l in res.err.splitlines()]
    return [l for l in lines if l.startswith("verification: ")]


def migrates_and_verifies(what, schema, rows):
    config, db = scenario(what.replace(" ", "_"), schema, rows)
    res = t.migrate(config)
    t.equal(res.rc, 0, "%s: the migration succeeds" % what) or t.note(res.describe())
    t.equal(differences(res), [], "%s: no difference reported" % what)
    res = t.migrate(config, "--verify")
    t.equal(res.rc, 0, "%s: --verify exits 0" % what) or t.note(res.describe())
    return config, db


def query(f, db, sql):
    """f(db, sql), or None when the table is not there (a failed migration
    leaves nothing): the scenarios after it still run."""
    try:
        return f(db, sql)
    except RuntimeError as e:
        t.note(str(e))
        return None


def tampered(what, config, db, update, expected):
    if query(t.psql, db, update) is None:
        t.check(False, "%s: the change can be made" % what)
        return
    res = t.migrate(config, "--verify")
    t.equal(res.rc, 3, "%s: --verify exits 3" % what) or t.note(res.describe())
    t.equal(differences(res), expected, "%s: exactly this difference is named" % what)


# ---- booleans: 1, 'f', 0, 't' (no key: ordered by every column) -----------------

config, db = migrates_and_verifies(
    "booleans written two ways",
    "CREATE TABLE flags_log(flag BOOLEAN, note TEXT);",
    [("flags_log", [(1, "a"), ("f", "b"), (0, "c"), ("t", "d")])])
t.equal(query(t.rows, db, "SELECT flag, note FROM flags_log ORDER BY note"),
        [{"flag": True, "note": "a"}, {"flag": False, "note": "b"},
         {"flag": False, "note": "c"}, {"flag": True, "note": "d"}], "booleans: the values arrived")
tampered("booleans, one note changed", config, db, "UPDATE flags_log SET note = 'x' WHERE note = 'c'",
         ["verification: main database, table flags_log, row flag=false, note='c': missing in the target",
          "verification: main database, table flags_log, row flag=false, note='x': in the target but not in the source"])

# ---- times with offsets as the primary key of a WITHOUT ROWID table -------------

config, db = migrates_and_verifies(
    "times with offsets",
    "CREATE TABLE samples(ts DATETIME PRIMARY KEY, value REAL) WITHOUT ROWID;",
    [("samples", [("2024-03-05 10:00:00+00:00", 1.0), ("2024-03-05 11:00:00+05:00", 2.0),
                  ("2024-03-05T09:30:00Z", 3.0), ("2024-03-05 09:45:00", 4.0),
                  ("2024-03-05T09:40:00", 5.0)])])
t.equal(query(t.value, db, "SELECT string_agg(to_char(ts AT TIME ZONE 'UTC', 'HH24:MI') || '=' || value, ' ' ORDER BY ts)"
                    " FROM samples"),
        "06:00=2 09:30=3 09:40=5 09:45=4 10:00=1", "times with offsets: the instants arrived")
tampered("times with offsets, one value changed", config, db,
         "UPDATE samples SET value = 7 WHERE ts = '2024-03-05 06:00:00+00'",
         ["verification: main database, table samples, row ts=2024-03-05 06:00:00, column value: source 2, target 7"])

# ---- UUID keys in upper and lower case -------------------------------------------

U = ["b0000000-0000-0000-0000-000000000001", "A0000000-0000-0000-0000-000000000002",
     "a1000000-0000-0000-0000-000000000003", "0F000000-0000-0000-0000-000000000004",
     "C0000000-0000-0000-0000-000000000005"]
config, db = migrates_and_verifies(
    "UUID keys in both cases",
    "CREATE TABLE tokens(id UUID PRIMARY KEY, owner TEXT NOT NULL);",
    [("tokens", [(u, "owner%d" % i) for i, u in enumerate(U)])])
t.equal(query(t.value, db, "SELECT count(*) FROM tokens"), "5", "UUID keys: every row arrived")

# ---- text and blobs in one BLOB key column --------------------------------------

config, db = migrates_and_verifies(
    "text and blobs in a BLOB key",
    "CREATE TABLE blobkeys(k BLOB PRIMARY KEY, v INTEGER);",
    [("blobkeys", [("b", 1), (b"a", 2), (b"c", 3), ("a\x01", 4), (b"\x00", 5)])])
t.equal(query(t.value, db, "SELECT string_agg(encode(k, 'hex') || '=' || v, ' ' ORDER BY k) FROM blobkeys"),
        "00=5 61=2 6101=4 62=1 63=3", "BLOB key: the bytes arrived")
tampered("BLOB key, last column changed", config, db, "UPDATE blobkeys SET v = 9 WHERE k = '\\x62'",
         ["verification: main database, table blobkeys, row k=x'62', column v: source 1, target 9"])

# ---- a keyless table with a json column ------------------------------------------

config, db = migrates_and_verifies(
    "keyless table with json",
    "CREATE TABLE audit(at INTEGER, payload JSON);",
    [("audit", [(1, '{"b": 1}'), (1, '{"a": 2}'), (2, None), (0, "[1,2]")])])
t.equal(query(t.value, db, "SELECT count(*) FROM audit"), "4", "keyless json: every row arrived")

# ---- many rows out of order: the sorted pass at scale ------------------------------

N = 30000
rows = [("t" if i % 3 == 0 else 0 if i % 3 == 1 else "false", "note %06d" % i) for i in range(N)]
config, db = migrates_and_verifies("30000 mixed booleans", "CREATE TABLE many(flag BOOLEAN, note TEXT);",
                                   [("many", rows)])
tampered("30000 mixed booleans, one flag flipped", config, db,
         "UPDATE many SET flag = NOT flag WHERE note = 'note 012345'",
         ["verification: main database, table many, row flag=false, note='note 012345': in the target but not in the source",
          "verification: main database, table many, row flag=true, note='note 012345': missing in the target"])

t.finish()
