#!/usr/bin/python3
"""Randomized differential test: SQLite databases made by fuzzgen.py from
fixed seeds (realistic schemas and values) are migrated to PostgreSQL,
verified with --verify, compared value by value with an oracle of this
file's own (Python's sqlite3 against psql, converting by the man page's
rules), migrated back with --from=pgx --to=sqlite3 into a fresh directory,
and that file compared with PostgreSQL the same way.  Seeds with a planted
invalid value must exit 65 listing it, and write nothing.

    with-postgres.sh test_differential.py MIGRATE [FIRST_SEED COUNT [PLANT] [KEEPDIR]]

Every failing seed is reported with its number: `fuzzgen.py SEED DIR`
rebuilds its files.
"""

import collections
import datetime
import decimal
import os
import re
import sqlite3
import struct
import sys
import uuid

import fuzzgen
import mtest

first = int(sys.argv[2]) if len(sys.argv) > 2 else 1
count = int(sys.argv[3]) if len(sys.argv) > 3 else 40
plant = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
keep = sys.argv[5] if len(sys.argv) > 5 else None
sys.argv[2:] = []

t = mtest.Test()
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def parse_ts(v):
    if isinstance(v, int) and not isinstance(v, bool):
        if abs(v) > 10 ** 12:
            return EPOCH + datetime.timedelta(milliseconds=v)
        return EPOCH + datetime.timedelta(seconds=v)
    if isinstance(v, float):
        return EPOCH + datetime.timedelta(microseconds=round(decimal.Decimal(repr(v)) * 1000000))
    s = v.decode() if isinstance(v, bytes) else v
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)(?:[ T](\d\d:\d\d)(?::(\d\d)(?:\.(\d+))?)?)?"
                     r"(Z|[+-]\d\d(?::?\d\d)?)?", s)
    if not m:
        return "?" + s
    date, hm, sec, frac, tz = m.groups()
    us = int((frac or "0").ljust(6, "0")[:6]) if frac else 0
    dt = datetime.datetime.fromisoformat("%s %s:%s" % (date, hm or "00:00", sec or "00"))
    dt = dt.replace(microsecond=us)
    off = datetime.timedelta(0)
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        off = sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return dt.replace(tzinfo=datetime.timezone(off)).astimezone(datetime.timezone.utc)


def canon(v, typ):
    """A SQLite value as the PostgreSQL type typ holds it, in the form
    mtest.pg_canonical_expr() gives."""
    if v is None:
        return None
    if typ == "boolean":
        if isinstance(v, bytes):
            return {"t": "true", "true": "true", "f": "false", "false": "false"}.get(v.decode().lower(), "?")
        return {0: "false", 1: "true"}.get(v, "?%r" % v)
    if typ in ("smallint", "integer", "bigint"):
        return str(v) if isinstance(v, int) else (v.decode() if isinstance(v, bytes) else "?%r" % v)
    if typ.startswith("numeric"):
        d = decimal.Decimal(repr(v) if isinstance(v, float) else v.decode() if isinstance(v, bytes) else str(v))
        if isinstance(v, float) and repr(v).endswith(".0"):  # an integral real in numeric: no ".0" (same value)
            d = decimal.Decimal(repr(v)[:-2])
        if "," in typ:
            d = d.quantize(decimal.Decimal(1).scaleb(-int(typ.split(",")[1].rstrip(")"))))
        return format(d, "f")
    if typ in ("double precision", "real"):
        x = float(v.decode()) if isinstance(v, bytes) else float(v)
        return struct.pack(">d", x).hex()
    if typ.startswith("timestamp"):
        d = parse_ts(v)
        return d if isinstance(d, str) else "%04d-%s" % (d.year, d.strftime("%m-%d %H:%M:%S.%f"))
    if typ == "date":
        return (v.decode() if isinstance(v, bytes) else str(v))[:10]
    if typ == "bytea":
        return bytes(v).hex()
    if typ == "uuid":
        return str(uuid.UUID(v.decode())).encode().hex()
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, float):  # a number in a text column: its decimal text, no exponent
        x = repr(v)[:-2] if repr(v).endswith(".0") else repr(v)  # migrate writes -15.0 as "-15"
        return ("0" if v == 0 else format(decimal.Decimal(x), "f")).encode().hex()
    return str(v).encode("utf-8").hex()


def compare(sqlite_path, db):
    """Differences between every table of the SQLite file and db, as bags
    of rows (tables without a key may repeat rows)."""
    con = sqlite3.connect("file:%s?mode=ro" % sqlite_path, uri=True)
    con.text_factory = bytes
    tables = [r[0].decode() for r in con.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    pg_tables = [x.split(".", 1)[1] for x in t.tables(db)]
    diffs = []
    if sorted(tables) != sorted(pg_tables):
        diffs.append("tables differ: SQLite %r, PostgreSQL %r" % (tables, pg_tables))
    for table in tables:
        cols = t.columns(db, table)
        if not cols:
            continue
        exprs = ", ".join("%s AS c%d" % (mtest.pg_canonical_expr(mtest.qi(n), ty), i)
                          for i, (n, ty, _, _) in enumerate(cols))
        pg = collections.Counter(tuple(r["c%d" % i] for i in range(len(cols)))
                                 for r in t.rows(db, "SELECT %s FROM %s" % (exprs, mtest.qi(table))))
        sel = ", ".join(mtest.qi(n) for n, _, _, _ in cols)
        src = collections.Counter(tuple(canon(v, ty) for v, (_, ty, _, _) in zip(row, cols))
                                  for row in con.execute("SELECT %s FROM %s" % (sel, mtest.qi(table))))
        if src != pg:
            for row in (src - pg):
                diffs.append("table %s: SQLite row %r not in PostgreSQL" % (table, row))
            for row in (pg - src):
                diffs.append("table %s: PostgreSQL row %r not in SQLite" % (table, row))
            diffs.append("  types: %r" % [c[1] for c in cols])
    con.close()
    return diffs


def run_seed(seed):
    what = "seed %d" % seed
    d = os.path.join(keep, str(seed)) if keep else t.new_dir("src%d" % seed)
    planted = fuzzgen.generate(seed, d, plant, os.environ.get("FUZZ_NO_INDEX", "").split(","))
    # fuzzgen.extras() on every seed with FUZZ_EXTRAS=1 (slower: thousands of
    # rows per seed), on every 8th by default, never with FUZZ_EXTRAS=0
    every = {"1": 1, "0": 0}.get(os.environ.get("FUZZ_EXTRAS", ""), 8)
    info = fuzzgen.extras(seed, d, every == 1) if every and seed % every == 0 else None
    # a WAL-mode file's directory must be writable for the worker (its -shm file)
    os.chmod(d, 0o777 if info and info["wal"] != "no" else 0o755)
    main, usage = "fz%d" % seed, "fzu%d" % seed
    for db in (main, usage):
        t.psql("postgres", "DROP DATABASE IF EXISTS %s" % db)
    if os.environ.get("FUZZ_ICU"):  # targets whose default collation is not byte order
        for db in (main, usage):
            t.psql("postgres", "CREATE DATABASE %s OWNER %s TEMPLATE template0 LOCALE_PROVIDER icu"
                   " ICU_LOCALE 'und' LOCALE 'C.UTF-8'" % (db, mtest.qi(t.user)))
        base = t.url.rsplit("/", 1)[0]
        url, usage_url = base + "/" + main, base + "/" + usage
    else:
        url, usage_url = t.create_database(main), t.create_database(usage)
    config = t.write_config("fz%d" % seed, d, url=url, usage_url=usage_url)
    res = t.migrate(config)
    ok = True
    if planted and info:
        planted = planted  # the extras plant nothing
    if planted:
        ok = t.equal(res.rc, 65, "%s: planted invalid values refused (exit 65)" % what) or t.note(res.describe())
        if ok:
            missing = [p for p in planted if not any(mtest.qi(p[1]) in l or p[1] in l for l in res.lines_with(p[2]))]
            ok = t.check(not missing, "%s: each planted value listed" % what,
                         "not listed: %r\n%s" % (missing, res.describe()))
            ok = t.equal(t.tables(main) + t.tables(usage), [], "%s: nothing written" % what) and ok
        return ok
    if not t.equal(res.rc, 0, "%s: migrate exits 0" % what):
        t.note(res.describe())
        return False
    if info:
        out = res.both
        for name in info["views"] + info["triggers"]:
            ok = t.check(name in out, "%s: %s reported as not carried" % (what, name), res.describe()) and ok
    v = t.migrate(config, "--verify")
    ok = t.equal(v.rc, 0, "%s: --verify exits 0" % what) or t.note(v.describe())
    diffs = compare(os.path.join(d, "rstudio-pm.sqlite"), main) + \
        compare(os.path.join(d, "rstudio-pm-usage.sqlite"), usage)
    ok = t.check(not diffs, "%s: every value as the oracle converts it" % what, "\n".join(diffs[:20])) and ok
    back = os.path.join(os.path.dirname(d), "back%d" % seed)
    os.makedirs(back, exist_ok=True)
    os.chmod(back, 0o777)
    bconfig = t.write_config("fzb%d" % seed, back, url=url, usage_url=usage_url)
    b = t.migrate(bconfig, "--from=pgx", "--to=sqlite3")
    if not t.equal(b.rc, 0, "%s: migrating back to SQLite exits 0" % what):
        t.note(b.describe())
        return False
    diffs = compare(os.path.join(back, "rstudio-pm.sqlite"), main) + \
        compare(os.path.join(back, "rstudio-pm-usage.sqlite"), usage)
    ok = t.check(not diffs, "%s: the SQLite copy holds every value of PostgreSQL" % what,
                 "\n".join(diffs[:20])) and ok
    if info:  # constant defaults mean the same after the round trip
        got = []
        for path in (os.path.join(d, "rstudio-pm.sqlite"), os.path.join(back, "rstudio-pm.sqlite")):
            mem = sqlite3.connect(":memory:")
            src = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
            src.backup(mem)
            src.close()
            mem.execute("INSERT INTO zz_defaults (id) VALUES (1000000)")
            cols = [r[1] for r in mem.execute("PRAGMA table_info(zz_defaults)") if r[1] not in
                    ("d_time", "d_date", "d_ts", "d_expr")]
            got.append(mem.execute("SELECT %s FROM zz_defaults WHERE id = 1000000" %
                                   ", ".join("typeof(%s), quote(%s)" % (c, c) for c in cols)).fetchall())
            mem.close()
        ok = t.equal(got[1], got[0], "%s: constant defaults the same after the round trip" % what) and ok
        for table, seq in info["autoinc"].items():
            t.psql(main, "INSERT INTO %s (v) VALUES ('new')" % table)
            got = int(t.value(main, "SELECT max(id) FROM %s" % table))
            ok = t.check(got > seq, "%s: %s's next id %d past sqlite_sequence %d" % (what, table, got, seq)) and ok
    if ok:
        for db in (main, usage):
            t.psql("postgres", "DROP DATABASE IF EXISTS %s" % db)
    return ok


t.run_seeds(range(first, first + count), run_seed)
t.finish()
