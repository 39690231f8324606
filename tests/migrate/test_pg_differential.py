#!/usr/bin/python3
"""Randomized differential test of PostgreSQL -> SQLite and back: main and
usage databases made by pgfuzzgen.py from fixed seeds are migrated with
--from=pgx --to=sqlite3, verified with --verify, the SQLite files compared
value by value with PostgreSQL by this file's own oracle (Python's sqlite3
against psql, by the man page's conversions), then migrated into fresh empty
PostgreSQL databases and compared with the originals.  Seeds with a planted
refused value must exit 65 listing each one, and write nothing.

    with-postgres.sh test_pg_differential.py MIGRATE [FIRST_SEED COUNT [PLANT]]

`pgfuzzgen.py SEED [PLANT]` prints a seed's SQL.
"""

import collections
import datetime
import decimal
import os
import re
import sqlite3
import struct
import subprocess
import sys

import mtest
import pgfuzzgen

first = int(sys.argv[2]) if len(sys.argv) > 2 else 1
count = int(sys.argv[3]) if len(sys.argv) > 3 else 25
plant = float(sys.argv[4]) if len(sys.argv) > 4 else 0.2
sys.argv[2:] = []

t = mtest.Test()


def run_sql(db, sql):
    proc = subprocess.run(t.psql_prefix + ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                          input=("SET ROLE %s;\n" % mtest.qi(t.user) + sql).encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode:
        raise RuntimeError("psql on %s: %s" % (db, proc.stderr.decode()))


def columns(db, table):
    """[(name, base type)]: a domain as its base type, an enum as text."""
    rows = t.rows(db, """
        SELECT a.attname AS name,
               CASE WHEN ty.typtype = 'e' THEN 'enum'
                    WHEN ty.typtype = 'd' THEN format_type(ty.typbasetype, ty.typtypmod)
                    ELSE format_type(a.atttypid, a.atttypmod) END AS type
          FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
         WHERE a.attrelid = (SELECT c.oid FROM pg_class c
                              WHERE c.relnamespace = 'public'::regnamespace AND c.relname = %s)
           AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""" % mtest.sql_literal(table))
    return [(r["name"], r["type"]) for r in rows]


def pg_expr(col, typ):
    """A text form of a PostgreSQL value that compares across the types the
    round trip gives it (char(n) loses its padding in varchar's text)."""
    if typ.startswith("character(") or typ == "character":
        return "encode(convert_to(rtrim(%s::text), 'UTF8'), 'hex')" % col
    if typ in ("date",):
        return "CASE WHEN isfinite(%s) THEN to_char(%s, 'YYYY-MM-DD BC') ELSE %s::text END" % (col, col, col)
    if typ.startswith("timestamp"):
        zone = " AT TIME ZONE 'UTC'" if "with time zone" in typ else ""
        return ("CASE WHEN isfinite(%s) THEN to_char(%s%s, 'YYYY-MM-DD HH24:MI:SS.US BC') ELSE %s::text END"
                % (col, col, zone, col))
    if typ in ("real", "double precision"):
        return "encode(float8send(%s::float8), 'hex')" % col
    if typ == "enum":
        return "encode(convert_to(%s::text, 'UTF8'), 'hex')" % col
    return mtest.pg_canonical_expr(col, typ)


def pg_rows(db, table, cols, like=None):
    """like: the original's columns, whose types choose the form (a char(n)
    comes back as varchar(n) with its padding, as documented)."""
    exprs = ", ".join("%s AS c%d" % (pg_expr(mtest.qi(n), ty if not (like and like[i][1].startswith("character(")) else like[i][1]), i)
                      for i, (n, ty) in enumerate(cols))
    return collections.Counter(tuple(r["c%d" % i] for i in range(len(cols)))
                               for r in t.rows(db, "SELECT %s FROM %s" % (exprs, mtest.qi(table))))


def bc(s):
    """The year 0000 is 1 BC (the man page), as to_char(..., 'BC') shows it."""
    return "0001" + s[4:] + " BC" if s.startswith("0000") else s + " AD"


def canon(v, typ):
    """A value of the SQLite file as the man page says PostgreSQL type typ
    is written, in pg_expr()'s form."""
    if v is None:
        return None
    if typ == "boolean":
        return {0: "false", 1: "true"}.get(v, "?%r" % (v,))
    if typ in ("smallint", "integer", "bigint"):
        return str(v) if isinstance(v, int) else "?%r" % (v,)
    if typ.startswith("numeric"):
        if not isinstance(v, bytes):
            return "?%r" % (v,)  # numerics are decimal text
        return v.decode()
    if typ in ("double precision", "real"):
        if isinstance(v, bytes):
            if v != b"NaN":
                return "?%r" % (v,)
            return struct.pack(">d", float("nan")).hex()
        x = float(v)
        return struct.pack(">d", x).hex()
    if typ.startswith("timestamp"):
        s = v.decode() if isinstance(v, bytes) else "?%r" % (v,)
        if s in ("infinity", "-infinity"):
            return s
        m = re.fullmatch(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d{1,6})?\+00:00", s)
        if not m:
            return "?" + s
        return bc(m.group(1) + (m.group(2) or ".").ljust(7, "0"))
    if typ == "date":
        s = v.decode() if isinstance(v, bytes) else "?%r" % (v,)
        return bc(s) if re.fullmatch(r"\d{4}-\d\d-\d\d", s) else "?" + s
    if typ == "bytea":
        return bytes(v).hex() if isinstance(v, bytes) else "?%r" % (v,)
    if typ.startswith("character(") or typ == "character":
        return v.rstrip(b" ").hex() if isinstance(v, bytes) else "?%r" % (v,)
    if isinstance(v, bytes):
        return v.hex()
    return "?%r" % (v,)


def compare_sqlite(path, db):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    con.text_factory = bytes
    tables = sorted(r[0].decode() for r in con.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
    pg_tables = sorted(x.split(".", 1)[1] for x in t.tables(db))
    diffs = []
    if tables != pg_tables:
        diffs.append("tables differ: SQLite %r, PostgreSQL %r" % (tables, pg_tables))
    for table in tables:
        cols = columns(db, table)
        if not cols:
            continue
        pg = pg_rows(db, table, cols)
        sel = ", ".join(mtest.qi(n) for n, _ in cols)
        src = collections.Counter(tuple(canon(v, ty) for v, (_, ty) in zip(row, cols))
                                  for row in con.execute("SELECT %s FROM %s" % (sel, mtest.qi(table))))
        for row in src - pg:
            diffs.append("table %s: SQLite row %r not in PostgreSQL" % (table, row))
        for row in pg - src:
            diffs.append("table %s: PostgreSQL row %r not in SQLite" % (table, row))
        if src != pg:
            diffs.append("  types: %r" % [c[1] for c in cols])
    con.close()
    return diffs


def compare_pg(orig, back):
    diffs = []
    a = sorted(x.split(".", 1)[1] for x in t.tables(orig))
    b = sorted(x.split(".", 1)[1] for x in t.tables(back))
    if a != b:
        diffs.append("tables differ: original %r, back %r" % (a, b))
    for table in set(a) & set(b):
        ca, cb = columns(orig, table), columns(back, table)
        if [n for n, _ in ca] != [n for n, _ in cb]:
            diffs.append("table %s: columns %r, back %r" % (table, ca, cb))
            continue
        ra, rb = pg_rows(orig, table, ca), pg_rows(back, table, cb, ca)
        for row in ra - rb:
            diffs.append("table %s: original row %r not back" % (table, row))
        for row in rb - ra:
            diffs.append("table %s: back row %r not in original" % (table, row))
        if ra != rb:
            diffs.append("  types: %r -> %r" % ([c[1] for c in ca], [c[1] for c in cb]))
    return diffs


def fresh(name):
    t.psql("postgres", "DROP DATABASE IF EXISTS %s" % mtest.qi(name))
    return t.create_database(name)


def run_seed(seed):
    what = "seed %d" % seed
    gen = pgfuzzgen.generate(seed, plant)
    main, usage = "pz%d" % seed, "pzu%d" % seed
    url, usage_url = fresh(main), fresh(usage)
    run_sql(main, gen["main"])
    run_sql(usage, gen["usage"])
    d = t.new_dir("pz%d" % seed)
    os.chmod(d, 0o777)
    config = t.write_config("pz%d" % seed, d, url=url, usage_url=usage_url)
    res = t.migrate(config, "--from=pgx", "--to=sqlite3")
    files = [os.path.join(d, f) for f in ("rstudio-pm.sqlite", "rstudio-pm-usage.sqlite")]
    # A planted value's row may be gone (a key conflict, a deleted row):
    # count the cells PostgreSQL holds.
    planted = collections.Counter()
    for db, table, col in set(gen["planted"]):
        n = int(t.psql(main if db == "main" else usage,
                       "SELECT count(*) FROM %s WHERE %s::text ~ '(^(?!0001-).* BC$|^\\d{5,}-)' OR %s::text ~ '^-?infinity$' AND pg_typeof(%s) = 'date'::regtype"
                       % (mtest.qi(table), mtest.qi(col), mtest.qi(col), mtest.qi(col))))
        if n:
            planted[(table, col)] = n
    if planted:
        ok = t.equal(res.rc, 65, "%s: planted refused values: exit 65" % what) or t.note(res.describe())
        if ok:
            missing = [p for p in planted
                       if not any("table %s," % p[0] in l and "column %s:" % p[1] in l for l in res.both.splitlines())]
            listed = res.lines_with("cannot go into the target")
            ok = t.check(not missing and len(listed) == sum(planted.values()),
                         "%s: exactly the planted values listed" % what,
                         "planted: %r\nnot listed: %r\n%s" % (planted, missing, res.describe()))
            ok = t.check(not any(os.path.exists(f) for f in files), "%s: nothing written" % what,
                         os.listdir(d)) and ok
        return ok
    if not t.equal(res.rc, 0, "%s: --from=pgx --to=sqlite3 exits 0" % what):
        t.note(res.describe())
        return False
    v = t.migrate(config, "--verify", "--from=pgx", "--to=sqlite3")
    ok = t.equal(v.rc, 0, "%s: --verify exits 0" % what) or t.note(v.describe())
    diffs = compare_sqlite(files[0], main) + compare_sqlite(files[1], usage)
    ok = t.check(not diffs, "%s: SQLite holds every value as the man page converts it" % what,
                 "\n".join(diffs[:20])) and ok
    burl, busage_url = fresh(main + "b"), fresh(usage + "b")
    bconfig = t.write_config("pzb%d" % seed, d, url=burl, usage_url=busage_url)
    b = t.migrate(bconfig)
    if not t.equal(b.rc, 0, "%s: the SQLite files back into empty PostgreSQL exit 0" % what):
        t.note(b.describe())
        return False
    diffs = compare_pg(main, main + "b") + compare_pg(usage, usage + "b")
    ok = t.check(not diffs, "%s: back in PostgreSQL every value is the original's" % what,
                 "\n".join(diffs[:20])) and ok
    if ok:
        for db in (main, usage, main + "b", usage + "b"):
            t.psql("postgres", "DROP DATABASE IF EXISTS %s" % mtest.qi(db))
    return ok


t.run_seeds(range(first, first + count), run_seed)
t.finish()
