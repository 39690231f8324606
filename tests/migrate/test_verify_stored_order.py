#!/usr/bin/python3
"""Verification of a table the run copied: both sides as stored, row
against row, and the fallbacks when they do not pair.

The copy reads the source as stored (SQLite: the table's own b-tree, NOT
INDEXED; PostgreSQL: a plain heap scan) and the target table it alone
filled holds its rows in that order, so verification first reads both
sides that way and pairs row n with row n.  The first pair whose keys
differ, or one side ending first, abandons that pass (its messages are
dropped) and the key-ordered pass runs.

  a. SQLite -> PostgreSQL, rows inserted in an order unlike their key
     order (INTEGER PRIMARY KEY, composite text key, no key, WITHOUT
     ROWID; a rowid table whose statistics make the planner scan a
     covering index, which NOT INDEXED must prevent; a WITHOUT ROWID table
     with a covering index, which SQLite scans even under NOT INDEXED: the
     same plan every time, so it still pairs): exit 0, every row equal,
     each target table read once and without ORDER BY, and the target's
     heap holds the rows in the order SQLite reads them NOT INDEXED.
  b-d. An existing target table whose BEFORE INSERT trigger changes a key,
     a value, adds or skips a row: exit 3, exactly the right messages (none
     from the abandoned pass), nothing committed.
  e. PostgreSQL -> SQLite, the source heap not in key order (updated rows
     move to its end) and the SQLite table an INTEGER PRIMARY KEY (stored
     in key order): the pairing fails, the key-ordered pass runs, exit 0
     and every row equal.

    with-postgres.sh test_verify_stored_order.py MIGRATE
"""

import collections
import os
import random
import re
import sqlite3

import mtest

t = mtest.Test()
rng = random.Random(20261126)


def shuffled(rows):
    rows = list(rows)
    rng.shuffle(rows)
    return rows


def differences(res):
    lines = [re.sub(r"^migrate: (error: )?", "", l) for l in res.err.splitlines()]
    return [l for l in lines if l.startswith("verification: ")]


def reads_of(log, table):
    """The statements that read table (COPY (SELECT ...) TO STDOUT), in order."""
    pattern = re.compile(r'COPY \(SELECT .* FROM (?:"[^"]+"\.)?"%s"[ )].*TO STDOUT' % re.escape(table))
    return [l for l in log.splitlines() if pattern.search(l)]


def sqlite_rows(path, table, columns):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return [tuple(r) for r in con.execute("SELECT %s FROM %s NOT INDEXED"
                                              % (", ".join(map(mtest.qi, columns)), mtest.qi(table)))]
    finally:
        con.close()


def pg_rows(db, table, columns, order="ctid"):
    """The rows of a PostgreSQL table (in heap order by default), as tuples."""
    sel = ", ".join(mtest.qi(c) for c in columns)
    return [tuple(r[c] for c in columns)
            for r in t.rows(db, "SELECT %s FROM %s ORDER BY %s" % (sel, mtest.qi(table), order))]


def same_rows(a, b):
    """Equal as multisets (a table without a key may hold a row twice)."""
    return collections.Counter(a) == collections.Counter(b)


# ---- a. SQLite -> PostgreSQL: every kind of table pairs as stored ------------
N = 300
SCHEMA_A = """
CREATE TABLE ids (id INTEGER PRIMARY KEY, label TEXT NOT NULL, n INTEGER);
CREATE TABLE pairs (a TEXT NOT NULL, b TEXT NOT NULL, v TEXT, PRIMARY KEY (a, b));
CREATE TABLE events (day TEXT, hits INTEGER, note TEXT);
CREATE TABLE tags (name TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE TABLE pkgs (name TEXT PRIMARY KEY, repo TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX pkgs_repo ON pkgs (repo, version);
CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL, size INTEGER);
CREATE INDEX files_name ON files (name, size);
"""
COLUMNS_A = {
    "ids": ["id", "label", "n"],
    "pairs": ["a", "b", "v"],
    "events": ["day", "hits", "note"],
    "tags": ["name", "n"],
    "pkgs": ["name", "repo", "version"],
    "files": ["id", "name", "size"],
}
events = [("2026-11-%02d" % (i % 30 + 1), i % 7, None if i % 5 == 0 else "note %d" % i) for i in range(N)]
events += events[:20]  # rows twice: no key tells them apart
d = t.new_sqlite("a", SCHEMA_A, [
    ("ids", shuffled((i, "item %d" % i, i * 7 % 13 if i % 11 else None) for i in range(1, N + 1))),
    ("pairs", shuffled(("k%03d" % (i % 37), ("B%d" if i % 2 else "a%d") % i, "v%d" % i) for i in range(N))),
    ("events", shuffled(events)),
    ("tags", shuffled(("tag %d" % i, i) for i in range(N))),
    ("pkgs", shuffled(("pkg%03d" % i, "repo%02d" % rng.randrange(20), rng.randrange(1000)) for i in range(N))),
    ("files", shuffled((i, "f%03d" % rng.randrange(1000), i * 3) for i in range(1, N + 1))),
])
path_a = os.path.join(d, "rstudio-pm.sqlite")
con = sqlite3.connect(path_a)
# Statistics that call a files row wide: the planner then prefers to scan
# the narrower covering index (in name order) to the table (in id order).
con.execute("ANALYZE")
con.execute("INSERT INTO sqlite_stat1 VALUES ('files', NULL, '%d sz=200')" % N)
con.commit()
con.close()
con = sqlite3.connect(path_a)
plan = con.execute("EXPLAIN QUERY PLAN SELECT name, repo, version FROM pkgs").fetchall()
files_plan = con.execute('EXPLAIN QUERY PLAN SELECT "id", "name", "size" FROM "files"').fetchall()
files_plan_ni = con.execute('EXPLAIN QUERY PLAN SELECT "id", "name", "size" FROM "files" NOT INDEXED').fetchall()
t.note("pkgs NOT INDEXED: %r" % con.execute("EXPLAIN QUERY PLAN SELECT name, repo, version FROM pkgs NOT INDEXED")
       .fetchall())  # a WITHOUT ROWID table: the covering index even so (SQLite 3.40)
ids_stored = [r[0] for r in con.execute("SELECT id FROM ids NOT INDEXED")]
pairs_inserted = [r[0:2] for r in con.execute("SELECT a, b FROM pairs NOT INDEXED")]
con.close()
t.check(any("COVERING INDEX pkgs_repo" in p[-1] for p in plan),
        "(precondition) SQLite scans pkgs through its covering index when not told otherwise", plan)
t.check(any("COVERING INDEX files_name" in p[-1] for p in files_plan),
        "(precondition) SQLite scans files through its covering index when not told otherwise", files_plan)
t.check(not any("INDEX" in p[-1] for p in files_plan_ni), "(precondition) NOT INDEXED scans the files table itself",
        files_plan_ni)
t.check(ids_stored == sorted(ids_stored), "(precondition) an INTEGER PRIMARY KEY table is stored in key order")
t.check(pairs_inserted != sorted(pairs_inserted),
        "(precondition) the composite-key table is stored in insertion order, not key order")

db_a = "stored_a"
config_a = t.write_config("a", d, url=t.create_database(db_a), usage_url=False)
res, log = t.migrate_logged(config_a)
t.equal(res.rc, 0, "a: the migration succeeds") or t.note(res.describe())
t.equal(differences(res), [], "a: no difference reported")
for table, columns in COLUMNS_A.items():
    src = sqlite_rows(path_a, table, columns)
    dst = pg_rows(db_a, table, columns)
    t.check(src and same_rows(src, dst), "a: %s: every row equal in PostgreSQL (%d rows)" % (table, len(src)),
            "source %d rows, target %d; only in the source: %r; only in the target: %r" % (
                len(src), len(dst), list((collections.Counter(src) - collections.Counter(dst)).elements())[:5],
                list((collections.Counter(dst) - collections.Counter(src)).elements())[:5]))
    # The copy read the source as stored (NOT INDEXED: for files the table's
    # own b-tree, not the covering index) and wrote the target in that order.
    t.check(src == dst, "a: %s: the target's heap holds the rows in the order SQLite reads them NOT INDEXED" % table)
    reads = reads_of(log, table)
    t.check(len(reads) == 1 and "ORDER BY" not in reads[0],
            "a: %s: verification read the target once, as stored (no ORDER BY: the pairing held)" % table,
            "\n".join(reads) or log[-3000:])

# ---- b-d. an existing target whose trigger changes what it is given ---------
M = 200
d = t.new_sqlite("b", "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL, n INTEGER);",
                 [("items", shuffled((i, "item %d" % i, i) for i in range(1, M + 1)))])
db_b = "stored_b"
config_b = t.write_config("b", d, url=t.create_database(db_b), usage_url=False)
t.psql(db_b, """
SET ROLE %s;
CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, n bigint);
CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tamper BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION tamper();
CREATE FUNCTION tamper_after() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER tamper_after AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION tamper_after();
""" % mtest.qi(t.user))
PREFIX = "verification: main database, table items"


def tampered(what, body, expected, after="RETURN NULL;", fallback=True):
    """A run with tamper()'s body (plpgsql, BEFORE INSERT) and tamper_after()'s
    (AFTER INSERT): exit 3, exactly the expected messages, nothing committed;
    fallback: whether the stored pass must have been abandoned."""
    t.psql(db_b, "CREATE OR REPLACE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN %s END $$" % body)
    t.psql(db_b, "CREATE OR REPLACE FUNCTION tamper_after() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN %s END $$"
           % after)
    res, log = t.migrate_logged(config_b)
    t.equal(res.rc, 3, "%s: the run exits 3" % what) or t.note(res.describe())
    t.equal(differences(res), [PREFIX + e for e in expected], "%s: exactly the right messages, once each" % what) \
        or t.note(res.err)
    t.equal(t.value(db_b, "SELECT count(*) FROM items"), "0", "%s: nothing was committed" % what)
    reads = reads_of(log, "items")
    shape = ["ORDER BY" in r for r in reads]
    t.equal(shape, [False, True] if fallback else [False],
            "%s: the target was read as stored%s" % (what, ", then in key order" if fallback else " only"))
    return res


tampered("b. a key changed (3 -> 300)",
         "IF NEW.id = 3 THEN NEW.id := 300; END IF; RETURN NEW;",
         [", row id=3: missing in the target", ", row id=300: in the target but not in the source"])
# Row 2's difference is found by the stored pass before row 3 abandons it:
# that message is dropped, and the key-ordered pass says it once.
tampered("b2. a value changed before a key changed",
         "IF NEW.id = 2 THEN NEW.label := NEW.label || '!'; ELSIF NEW.id = 3 THEN NEW.id := 300; END IF; RETURN NEW;",
         [", row id=2, column label: source 'item 2', target 'item 2!'",
          ", row id=3: missing in the target", ", row id=300: in the target but not in the source"])
tampered("c. a value changed",
         "IF NEW.id = 150 THEN NEW.n := -1; END IF; RETURN NEW;",
         [", row id=150, column n: source 150, target -1"], fallback=False)
tampered("c2. a text value changed in the first and the last row",
         "IF NEW.id IN (1, %d) THEN NEW.label := upper(NEW.label); END IF; RETURN NEW;" % M,
         [", row id=1, column label: source 'item 1', target 'ITEM 1'",
          ", row id=%d, column label: source 'item %d', target 'ITEM %d'" % (M, M, M)], fallback=False)
tampered("d. an extra row before row 100",
         "IF NEW.id = 100 THEN INSERT INTO items VALUES (1000, 'extra', NULL); END IF; RETURN NEW;",
         [": %d rows in the source, %d in the target" % (M, M + 1),
          ", row id=1000: in the target but not in the source"])
tampered("d2. row 100 skipped",
         "IF NEW.id = 100 THEN RETURN NULL; END IF; RETURN NEW;",
         [": %d rows in the source, %d in the target" % (M, M - 1), ", row id=100: missing in the target"])
# One side ending first, the other way round each time.
tampered("d3. the last row skipped (the target ends first)",
         "IF NEW.id = %d THEN RETURN NULL; END IF; RETURN NEW;" % M,
         [": %d rows in the source, %d in the target" % (M, M - 1), ", row id=%d: missing in the target" % M])
tampered("d4. an extra row after the last (the source ends first)",
         "RETURN NEW;",
         [": %d rows in the source, %d in the target" % (M, M + 1),
          ", row id=0: in the target but not in the source"],
         after="IF NEW.id = %d THEN INSERT INTO items VALUES (0, 'zero', 0); END IF; RETURN NULL;" % M)

t.psql(db_b, "DROP TRIGGER tamper ON items; DROP TRIGGER tamper_after ON items")
res, log = t.migrate_logged(config_b)
t.equal(res.rc, 0, "without the triggers the run commits") or t.note(res.describe())
t.equal([("ORDER BY" in r) for r in reads_of(log, "items")], [False], "and the target was read as stored only")

# ---- e. PostgreSQL -> SQLite: a heap that is not in key order -----------------
db_e = "stored_e"
url_e = t.create_database(db_e)
words = ["w%04d" % i for i in range(N)]
t.psql(db_e, """
SET ROLE %(role)s;
CREATE TABLE nums (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, label text NOT NULL, n integer);
INSERT INTO nums SELECT g, 'row ' || g, g FROM generate_series(1, %(n)d) g;
UPDATE nums SET n = -n WHERE id %% 10 = 3 AND id < 100;
CREATE TABLE words (k text PRIMARY KEY, v text);
INSERT INTO words VALUES %(words)s;
UPDATE words SET v = v || '+' WHERE k < 'w0050';
CREATE TABLE hits (day text, n integer);
INSERT INTO hits SELECT 'd' || (g %% 17), g %% 3 FROM generate_series(1, %(n)d) g;
UPDATE hits SET n = n + 10 WHERE day = 'd1';
""" % {"role": mtest.qi(t.user), "n": N,
       "words": ", ".join("('%s', '%s')" % (w, w.upper()) for w in shuffled(words))})
heap = [r[0] for r in pg_rows(db_e, "nums", ["id"])]
t.check(heap != sorted(heap), "(precondition) the updated rows moved: the source heap is not in key order",
        heap[:20])
d = t.new_dir("e")
os.chmod(d, 0o777)
path_e = os.path.join(d, "rstudio-pm.sqlite")
config_e = t.write_config("e", d, url=url_e, usage_url=False)
res, log = t.migrate_logged(config_e, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "e: PostgreSQL -> SQLite succeeds") or t.note(res.describe())
t.equal(differences(res), [], "e: no difference reported")
con = sqlite3.connect(path_e) if os.path.exists(path_e) else None
t.check(con and con.execute("SELECT count(*) FROM nums WHERE rowid <> id").fetchone() == (0,),
        "(precondition) the SQLite table's identity key is its rowid (INTEGER PRIMARY KEY): stored in key order")
if con:
    con.close()
for table, columns in {"nums": ["id", "label", "n"], "words": ["k", "v"], "hits": ["day", "n"]}.items():
    src = pg_rows(db_e, table, columns)
    dst = sqlite_rows(path_e, table, columns) if os.path.exists(path_e) else []
    t.check(src and same_rows(src, dst), "e: %s: every row equal in the SQLite file (%d rows)" % (table, len(src)))
# The source was read as stored for the copy and the first pass, which
# could not pair nums with its SQLite copy: then in key order.
t.equal([("ORDER BY" in r) for r in reads_of(log, "nums")], [False, False, True],
        "e: nums: read as stored (copy, paired pass), then in key order (the fallback)")
# The SQLite tables without a rowid key hold the rows in the order the copy
# wrote them: those pair.
for table in ("words", "hits"):
    t.equal([("ORDER BY" in r) for r in reads_of(log, table)], [False, False],
            "e: %s: read as stored only (copy, paired pass): the pairing held" % table)
t.finish()
