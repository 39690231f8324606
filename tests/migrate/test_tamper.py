#!/usr/bin/python3
"""Every column is compared: tamper each one in turn.

    with-postgres.sh test_tamper.py MIGRATE

Two tables are migrated: one into an existing target that has a column of
every PostgreSQL type this tool writes (smallint to uuid, the last column
included), one into tables the tool creates from SQLite types.  Then, for
each column in turn, one UPDATE changes that column of one row in
PostgreSQL: --verify must exit 3 and report exactly that row and column
(for the key column: the row missing and the row added), and nothing else.
The cell is restored before the next one, and a final --verify exits 0.
"""

import os
import re
import sqlite3

import mtest

t = mtest.Test()

# Expressions that change a value of each type (format_type() spelling).
TAMPER = [
    ("smallint", "{c} + 1"), ("integer", "{c} + 1"), ("bigint", "{c} + 1"),
    ("double precision", "{c} + 1"), ("real", "{c} + 1"),
    ("numeric(", "{c} + 0.01"), ("numeric", "{c} + 1"),
    ("boolean", "NOT {c}"),
    ("text", "{c} || 'x'"), ("character varying", "{c} || 'x'"),
    ("bytea", "{c} || '\\x00'::bytea"),
    ("timestamp", "{c} + interval '1 microsecond'"),
    ("date", "{c} + 1"),
    ("jsonb", "jsonb_build_array({c})"), ("json", "('[' || {c}::text || ']')::json"),
    ("uuid", "'00000000-0000-0000-0000-000000000000'::uuid"),
]


def tamper_expression(col, typ):
    for prefix, expr in TAMPER:
        if typ.startswith(prefix):
            return expr.format(c=mtest.qi(col))
    raise RuntimeError("no tamper expression for type %s" % typ)


def differences(res):
    lines = [re.sub(r"^migrate: (error: )?", "", l) for l in res.err.splitlines()]
    return [l for l in lines if l.startswith("verification: ")]


def tamper_every_column(what, db, config, table, victim):
    cols = t.columns(db, table)
    t.psql(db, "CREATE SCHEMA IF NOT EXISTS keep; DROP TABLE IF EXISTS keep.%s;"
               " CREATE TABLE keep.%s AS SELECT * FROM public.%s" % ((mtest.qi(table),) * 3))
    types_seen = set()
    for i, (col, typ, _, _) in enumerate(cols):
        types_seen.add(re.sub(r"\(.*\)", "(p)", typ))
        q = mtest.qi(col)
        change = "%d" % (victim + 100) if col == "id" else tamper_expression(col, typ)
        t.psql(db, "UPDATE %s SET %s = %s WHERE id = %d" % (mtest.qi(table), q, change, victim))
        res = t.migrate(config, "--verify")
        label = "%s: column %d of %d, %s %s" % (what, i + 1, len(cols), col, typ)
        t.equal(res.rc, 3, "%s: --verify exits 3" % label) or t.note(res.describe())
        lines = differences(res)
        prefix = "verification: main database, table %s, row " % table
        if col == "id":
            t.equal(lines, [prefix + "id=%d: missing in the target" % victim,
                            prefix + "id=%d: in the target but not in the source" % (victim + 100)],
                    "%s: the row is reported missing and added" % label)
            t.psql(db, "UPDATE %s SET id = %d WHERE id = %d" % (mtest.qi(table), victim, victim + 100))
        else:
            t.check(len(lines) == 1 and lines[0].startswith(prefix + "id=%d, column %s: source " % (victim, col)),
                    "%s: exactly that row and column are named" % label, "\n".join(lines) or res.describe())
            t.psql(db, "UPDATE %s SET %s = k.%s FROM keep.%s k WHERE %s.id = k.id AND k.id = %d"
                   % (mtest.qi(table), q, q, mtest.qi(table), mtest.qi(table), victim))
    res = t.migrate(config, "--verify")
    t.equal(res.rc, 0, "%s: restored, --verify exits 0 again" % what) or t.note(res.describe())
    t.psql(db, "DROP SCHEMA keep CASCADE")
    return types_seen


# ---- an existing target with a column of every type -------------------------------

EXISTING = [
    ("id", "INTEGER PRIMARY KEY", "bigint PRIMARY KEY"),
    ("c_smallint", "INTEGER", "smallint"), ("c_integer", "INTEGER", "integer"), ("c_bigint", "INTEGER", "bigint"),
    ("c_double", "REAL", "double precision"), ("c_real", "REAL", "real"),
    ("c_numeric", "NUMERIC", "numeric"), ("c_money", "TEXT", "numeric(10,2)"),
    ("c_boolean", "BOOLEAN", "boolean"), ("c_text", "TEXT", "text"), ("c_varchar", "TEXT", "varchar(20)"),
    ("c_bytea", "BLOB", "bytea"), ("c_timestamp", "DATETIME", "timestamp"),
    ("c_timestamptz", "DATETIME", "timestamptz"), ("c_date", "DATE", "date"),
    ("c_json", "TEXT", "json"), ("c_jsonb", "TEXT", "jsonb"), ("c_uuid", "TEXT", "uuid"),
]
ROWS = [
    (1, 1, 10, 100, 1.5, 0.5, 3, "1.10", 1, "one", "v1", b"\x01", "2024-03-05 10:00:00", "2024-03-05 10:00:00Z",
     "2024-03-05", '{"a":1}', '{"b": 2}', "123e4567-e89b-12d3-a456-426614174001"),
    (2, 2, 20, 200, 2.5, 1.5, 4, "2.20", 0, "two", "v2", b"\x02", "2024-03-06 10:00:00", "2024-03-06 10:00:00Z",
     "2024-03-06", '{"a":2}', '{"b": 3}', "123e4567-e89b-12d3-a456-426614174002"),
    (3, 3, 30, 300, 3.5, 2.5, 5, "3.30", 1, "three", "v3", b"\x03", "2024-03-07 10:00:00", "2024-03-07 10:00:00Z",
     "2024-03-07", '{"a":3}', '{"b": 4}', "123e4567-e89b-12d3-a456-426614174003"),
]

d = t.new_dir("existing")
con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"), isolation_level=None)
con.execute("CREATE TABLE every (%s)" % ", ".join("%s %s" % (n, s) for n, s, _ in EXISTING))
con.executemany("INSERT INTO every VALUES (%s)" % ", ".join("?" * len(EXISTING)), ROWS)
con.close()
t.psql(t.db, "CREATE TABLE every (%s)" % ", ".join("%s %s" % (n, p) for n, _, p in EXISTING))
t.psql(t.db, 'ALTER TABLE every OWNER TO "%s"' % t.user)
config = t.write_config("existing", d, usage_url=False)
res = t.migrate(config)
if t.equal(res.rc, 0, "existing target: the migration succeeds") or t.note(res.describe()):
    seen = tamper_every_column("existing target", t.db, config, "every", 2)
    t.equal(len(seen), 17, "existing target: 17 types tampered (%s)" % ", ".join(sorted(seen)))

# ---- tables the tool creates ----------------------------------------------------------

d = t.new_dir("created")
con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"), isolation_level=None)
con.execute("CREATE TABLE made (id INTEGER PRIMARY KEY, b BOOLEAN, ts DATETIME, d DATE, j JSON, n NUMERIC,"
            " m NUMERIC(10,2), v VARCHAR(20), tx TEXT, bl BLOB, r REAL, i INTEGER, u UUID)")
con.executemany("INSERT INTO made VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
    (i, i % 2, "2024-03-0%d 10:00:00" % i, "2024-03-0%d" % i, '{"k": %d}' % i, i * 7, "%d.25" % i, "v%d" % i,
     "t%d" % i, bytes([i]), i + 0.5, i * 100, "123e4567-e89b-12d3-a456-42661417400%d" % i) for i in (1, 2, 3)])
con.close()
url = t.create_database("created")
config = t.write_config("created", d, url=url, usage_url=False)
res = t.migrate(config)
if t.equal(res.rc, 0, "created target: the migration succeeds") or t.note(res.describe()):
    tamper_every_column("created target", "created", config, "made", 2)

t.finish()
