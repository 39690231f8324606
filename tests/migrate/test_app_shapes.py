#!/usr/bin/python3
"""SQLite files shaped like those of real applications that use SQLite
directly (Go services through mattn/go-sqlite3, key-value tables, ...)
migrate, verify, and keep their meaning.

    with-postgres.sh test_app_shapes.py MIGRATE

Each case is a small SQLite file and a fresh PostgreSQL database:
- a DATE column holding go-sqlite3's form of a date (midnight UTC written
  with its zero offset, "2024-03-05 00:00:00+00:00", or "...T00:00:00Z")
  arrives as that day and verifies; midnight at another offset is refused
  by name, as a time of day is;
- a column named like one of PostgreSQL's system columns (xmin, xmax of a
  bounding box, ctid, ...) is refused by table and column before anything
  is written, with what to do, instead of failing in the middle of the
  DDL; a name that differs only in case (XMin) is a name of its own;
- a column with no declared type holding text and numbers (a key-value
  table's value) is created as text, each number as its decimal text, with
  a note, and verifies; one holding blobs and other values is refused
  (exit 65) value by value, not failed as a whole;
- a default that is one double-quoted name (Chrome's History writes
  DEFAULT "") is the string SQLite reads it as, and is carried;
- an index, key or UNIQUE constraint whose column holds a value longer
  than a PostgreSQL btree entry may be (Chrome's index on urls(url) with a
  long data: URL) is carried by hash (a plain index as a hash index, a key
  or unique one as an exclusion constraint that keeps values unique) and
  the run succeeds and verifies, where it failed with exit 1 after the
  copy; a two-column one is reported as not carried;
- a table whose name is the one PostgreSQL would give another table's
  identity sequence (t_id_seq) is created, and that sequence takes
  another name and still hands out the next id.
"""

import random
import re

import mtest

t = mtest.Test()
counter = [0]


def scenario(name, schema, rows):
    d = t.new_sqlite(name, schema, rows)
    counter[0] += 1
    db = "apps_%d" % counter[0]
    url = t.create_database(db)
    return t.write_config(name, d, url=url, usage_url=False), db


def migrated(what, config):
    res = t.migrate(config)
    ok = t.equal(res.rc, 0, "%s: the migration succeeds" % what) or t.note(res.describe())
    if ok:
        v = t.migrate(config, "--verify")
        t.equal(v.rc, 0, "%s: --verify exits 0" % what) or t.note(v.describe())
    return res


def refused(what, config, db, expected_lines, rc=65):
    """The run exits rc, writes nothing, and says each expected line (a
    regular expression matched against whole lines of standard error)."""
    before = t.snapshot(db)
    res = t.migrate(config)
    t.equal(res.rc, rc, "%s: exit %d" % (what, rc)) or t.note(res.describe())
    lines = [re.sub(r"^migrate: (error: )?", "", l) for l in res.err.splitlines()]
    for pattern in expected_lines:
        t.check(any(re.fullmatch(pattern, l) for l in lines), "%s: says %s" % (what, pattern), res.describe())
    t.same_snapshot(before, t.snapshot(db), "%s: the target is as it was" % what)
    return res


def query(db, sql):
    try:
        return t.rows(db, sql)
    except RuntimeError as e:
        t.note(str(e))
        return None


# ---- go-sqlite3's dates ------------------------------------------------------------

config, db = scenario("godate", "CREATE TABLE people (id INTEGER PRIMARY KEY, born DATE NOT NULL);",
                      [("people", [(1, "2024-03-05 00:00:00+00:00"), (2, "1999-12-31T00:00:00Z"),
                                   (3, "2000-02-29 00:00:00.000+0000"), (4, "2024-03-05")])])
migrated("go-sqlite3 dates", config)
t.equal(query(db, "SELECT id, born::text AS born FROM people ORDER BY id"),
        [{"id": 1, "born": "2024-03-05"}, {"id": 2, "born": "1999-12-31"},
         {"id": 3, "born": "2000-02-29"}, {"id": 4, "born": "2024-03-05"}],
        "go-sqlite3 dates: each is its day")

config, db = scenario("godate_offset", "CREATE TABLE people (id INTEGER PRIMARY KEY, born DATE);",
                      [("people", [(1, "2024-03-05 00:00:00+02:00"), (2, "2024-03-05 10:00:00+00:00")])])
refused("a date at another offset", config, db,
        [r"main database, table people, row id=1, column born: '2024-03-05 00:00:00\+02:00' cannot go into the "
         r"target's date column: it is a date with a UTC offset other than zero, which a date column would drop",
         r"main database, table people, row id=2, column born: '2024-03-05 10:00:00\+00:00' cannot go into the "
         r"target's date column: it is a date with a time of day, which a date column would drop"])

# ---- PostgreSQL's system column names ------------------------------------------------

config, db = scenario("sysnames", "CREATE TABLE boxes (id INTEGER PRIMARY KEY, image TEXT, xmin REAL, ymin REAL,"
                                  " xmax REAL, ymax REAL); CREATE TABLE rows_seen (ctid TEXT, n INTEGER);",
                      [("boxes", [(1, "a.jpg", 0.1, 0.2, 0.3, 0.4)]), ("rows_seen", [("(0,1)", 1)])])
res = refused("system column names", config, db,
              [r"main database: names PostgreSQL cannot take as they are \(before anything was written\):",
               r"  column boxes.xmin: PostgreSQL gives every table a system column named xmin, so no column can take "
               r"that name; rename the column in a copy of the source \(ALTER TABLE ... RENAME COLUMN\) and migrate "
               r"the copy",
               r"  column boxes.xmax: .*", r"  column rows_seen.ctid: .*"], rc=1)
t.check("cannot create table" not in res.err, "system column names: no failed DDL", res.describe())

config, db = scenario("sysnames_case", "CREATE TABLE boxes (id INTEGER PRIMARY KEY, XMin REAL, \"XMAX\" REAL);",
                      [("boxes", [(1, 0.1, 0.2)])])
migrated("system column names in another case", config)
t.equal(query(db, "SELECT \"XMin\", \"XMAX\" FROM boxes"), [{"XMin": 0.1, "XMAX": 0.2}],
        "system column names in another case: carried as they are")

# ---- columns with no declared type -------------------------------------------------

config, db = scenario("kv", "CREATE TABLE settings (key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
                            " CREATE TABLE meta (k TEXT, v);",
                      [("settings", [("version", 3), ("name", "x"), ("ratio", 0.5), ("unset", None),
                                     ("big", 9223372036854775807), ("neg", -12), ("numtext", "42")]),
                       ("meta", [("a", 1), ("b", "two")])])
res = migrated("key-value text and numbers", config)
t.check(any(re.search(r"notice: main database: column settings\.value has no declared type and holds text \(2\) and numbers \(4\): "
                      r"it is created as text, each number as its decimal text", l) for l in res.both.splitlines()),
        "key-value text and numbers: a note says so", res.describe())
t.equal(t.columns(db, "settings"), [("key", "text", True, ""), ("value", "text", False, "")],
        "key-value text and numbers: the value column is text")
t.equal(query(db, "SELECT key, value FROM settings ORDER BY key COLLATE \"C\""),
        [{"key": "big", "value": "9223372036854775807"}, {"key": "name", "value": "x"},
         {"key": "neg", "value": "-12"}, {"key": "numtext", "value": "42"}, {"key": "ratio", "value": "0.5"},
         {"key": "unset", "value": None}, {"key": "version", "value": "3"}],
        "key-value text and numbers: each value as its text")

config, db = scenario("kvblob", "CREATE TABLE cache (k TEXT PRIMARY KEY, v);",
                      [("cache", [("a", "text"), ("b", "more text"), ("c", b"\x00\xff"), ("d", 7)])])
refused("blobs among text", config, db,
        [r"main database, table cache, row k='c', column v: x'00ff' cannot go into the target's text column: "
         r"it is a blob value"])

# ---- DEFAULT "" ------------------------------------------------------------------------

config, db = scenario("dqdefault", 'CREATE TABLE downloads (id INTEGER PRIMARY KEY, guid VARCHAR NOT NULL,'
                                   ' mime_type VARCHAR(255) NOT NULL DEFAULT "", kind TEXT DEFAULT "file",'
                                   ' tries INTEGER DEFAULT "5", opened BOOLEAN NOT NULL DEFAULT "0");',
                      [("downloads", [(1, "A-B", "application/pdf", "file", 1, 1)])])
res = migrated('DEFAULT ""', config)
t.check(not res.lines_with("not carried: default"), 'DEFAULT "": every default is carried', res.describe())
t.psql(db, "INSERT INTO downloads (id, guid) VALUES (2, 'C-D')")
t.equal(query(db, "SELECT mime_type, kind, tries, opened FROM downloads WHERE id = 2"),
        [{"mime_type": "", "kind": "file", "tries": 5, "opened": False}],
        'DEFAULT "": a new row gets the strings SQLite would give it')

# ---- values longer than a btree entry -----------------------------------------------

rnd = random.Random(7)
long_url = "data:image/png;base64," + "".join(rnd.choice("ABCDEFGHabcdefgh0123456789+/") for _ in range(9000))
long_key = "k" + "".join(rnd.choice("ABCDEFGHabcdefgh0123456789+/") for _ in range(3000))
config, db = scenario("longkeys",
                      "CREATE TABLE urls (id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR);"
                      " CREATE INDEX urls_url_index ON urls (url); CREATE INDEX urls_both ON urls (url, title);"
                      " CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB UNIQUE) WITHOUT ROWID;",
                      [("urls", [(1, "https://example.com/", "short"), (2, long_url, "long")]),
                       ("kv", [("a", b"\x00"), (long_key, long_url.encode())])])
res = migrated("values longer than a btree entry", config)
t.equal(query(db, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'urls' AND indexname = 'urls_url_index'"),
        [{"indexname": "urls_url_index", "indexdef": "CREATE INDEX urls_url_index ON public.urls USING hash (url)"}],
        "values longer than a btree entry: a plain index is a hash index")
t.equal(query(db, "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint"
                  " WHERE conrelid = 'public.kv'::regclass ORDER BY 1"),
        [{"def": "EXCLUDE USING hash (k WITH =)"}, {"def": "EXCLUDE USING hash (v WITH =)"}],
        "values longer than a btree entry: the key and the UNIQUE constraint keep their values unique")
t.equal(query(db, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'public.kv'::regclass AND attname = 'k'"),
        [{"attnotnull": True}], "values longer than a btree entry: the key column is NOT NULL")
t.check(res.lines_with("not carried: index urls_both on urls"), "values longer than a btree entry: the two-column "
        "index is reported as not carried", res.describe())
dup = t.psql(db, "INSERT INTO kv (k, v) VALUES (%s, NULL)" % mtest.sql_literal(long_key), check=False)
t.check(t.value(db, "SELECT count(*) FROM kv") == "2", "values longer than a btree entry: a repeated key is refused")

# ---- a table named like a generated sequence -------------------------------------------

config, db = scenario("seqname", "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);"
                                 " CREATE TABLE t_id_seq (last_value INTEGER, note TEXT);",
                      [("t", [(1, "a"), (5, "b")]), ("t_id_seq", [(5, "not a sequence")])])
migrated("a table named like a generated sequence", config)
t.equal(query(db, "SELECT * FROM t_id_seq"), [{"last_value": 5, "note": "not a sequence"}],
        "a table named like a generated sequence: it holds its row")
t.equal(t.psql(db, "INSERT INTO t (x) VALUES ('c') RETURNING id", check=False).split("\n")[:1], ["6"],
        "a table named like a generated sequence: t's identity hands out the next id")

t.finish()
