#!/usr/bin/python3
"""migrate's source integrity check gives PRAGMA integrity_check's verdict.

    test_integrity_differential.py SQLITE_CHECK MAKE_SAMPLE_DBS

SQLITE_CHECK (tests/unit/sqlite-check.c) runs migrate's check alone on one
file: PRAGMA quick_check, then every index compared with its table by one
scan of each, integrity_check(table) for the tables that comparison cannot
do, and the full integrity_check only when something was found.  For every
file below, sound or damaged, it must flag the file exactly when SQLite's
own PRAGMA integrity_check (run here through Python's sqlite3) does, and
then quote SQLite's findings.

The files: the sample main and usage databases and a hand-made one with
NOCASE and RTRIM UNIQUE indexes, a DESC index, a partial index the check
reads on its own and one it cannot, an expression index, a WITHOUT ROWID
table and a table without index; copies of each with bytes flipped in
random pages and in pages of each of their b-trees; and edits that
quick_check cannot see: a value changed under an index in the table or in
the index, a duplicate in a UNIQUE index (also one that is a duplicate only
under NOCASE or RTRIM), a row moved out of a partial index, and changes
only the fallback (integrity_check(table)) sees, plus edits SQLite must
pass (a case change under NOCASE, a column no index holds).
"""

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

CHECK = sys.argv[1]
# More damaged files for a longer hunt: INTEGRITY_DIFFERENTIAL_SCALE=10.
SCALE = int(os.environ.get("INTEGRITY_DIFFERENTIAL_SCALE", "1"))
MAKE_SAMPLES = sys.argv[2]
tmp = tempfile.mkdtemp(prefix="integrity-differential.")
n = failures = 0


def check(cond, what, detail=None):
    global n, failures
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)
    if not cond:
        failures += 1
        for line in str(detail or "").splitlines():
            print("#   " + line)
    return cond


def note(text):
    print("# " + text, flush=True)


def sqlite_check(path, pragma="integrity_check"):
    """SQLite's findings (empty when the file is sound)."""
    lines = []
    try:
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        con.text_factory = bytes
        for r in con.execute("PRAGMA %s" % pragma):
            lines.append(r[0].decode("utf-8", "replace"))
        con.close()
    except (sqlite3.Error, UnicodeDecodeError) as e:  # (an error message not in UTF-8)
        lines.append(str(e))  # after what it found before it failed
    return [] if lines == ["ok"] else lines


def our_check(path, *args):
    argv = [CHECK, "--tables", path] if args == ("--tables",) else [CHECK, path] + list(args)
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return res.returncode, res.stdout.decode("utf-8", "replace").splitlines(), res.stderr.decode()


def pages_of(path, name=None):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    if name:
        pages = [r[0] for r in con.execute("SELECT pageno FROM dbstat WHERE name = ?", (name,))]
    else:
        pages = [r[0] for r in con.execute("SELECT pageno FROM dbstat")]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    return pages, size


def btrees(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    names = [r[0] for r in con.execute("SELECT DISTINCT name FROM dbstat ORDER BY 1")]
    con.close()
    return names


def flip(src, dst, seed, pages, page_size):
    """Copy src to dst with 4 bytes XORed in one of pages (1-based)."""
    shutil.copy(src, dst)
    rnd = random.Random(seed)
    page = rnd.choice(pages)
    with open(dst, "r+b") as f:
        for _ in range(4):
            off = (page - 1) * page_size + rnd.randrange(page_size)
            f.seek(off)
            b = f.read(1)
            f.seek(off)
            f.write(bytes([b[0] ^ rnd.randrange(1, 256)]))


def edit(src, dst, edits):
    """Copy src to dst and replace, for each (btree, old, new), the first
    occurrence of the bytes old in a page of that b-tree with new (the same
    length).  False when one is not found."""
    shutil.copy(src, dst)
    with open(dst, "r+b") as f:
        data = bytearray(f.read())
        for name, old, new in edits:
            assert len(old) == len(new)
            pages, size = pages_of(src, name)
            for p in sorted(pages):
                page = data[(p - 1) * size:p * size]
                at = page.find(old)
                if at >= 0:
                    data[(p - 1) * size + at:(p - 1) * size + at + len(old)] = new
                    break
            else:
                return False
        f.seek(0)
        f.write(data)
    return True


files = []  # (label, path, must pass quick_check)


def judge(label, path):
    """Our verdict against SQLite's, for one file."""
    findings = sqlite_check(path)
    rc, ours, err = our_check(path, "20")
    if not check(rc == 0, "%s: the check runs (exit %d)" % (label, rc), err):
        return findings, None
    flagged = ours != ["ok"]
    check(flagged == bool(findings), "%s: %s, as integrity_check says" % (label, "flagged" if findings else "sound"),
          "SQLite: %r\nours: %r" % (findings[:5], ours[:5]))
    if findings and flagged:
        # (A b-tree finding is many lines in one, cut at the limit given,
        # which differs; a file that cannot be opened is quoted in a line
        # saying so.)
        check([f for f in findings[:20] for o in ours if f.splitlines()[0] in o or f.splitlines()[-1] in o]
              or "codec can't decode" in findings[0],
              "%s: SQLite's findings are quoted" % label, "SQLite: %r\nours: %r" % (findings[:5], ours[:5]))
    return findings, ours


# ---- the files ------------------------------------------------------------

samples = os.path.join(tmp, "samples")
subprocess.run(["/usr/bin/python3", MAKE_SAMPLES, "--dir", samples], check=True, stdout=subprocess.DEVNULL)
main_db = os.path.join(samples, "rstudio-pm.sqlite")
usage_db = os.path.join(samples, "rstudio-pm-usage.sqlite")

features = os.path.join(tmp, "features.sqlite")
con = sqlite3.connect(features, isolation_level=None)
con.executescript("""
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE UNIQUE,
                     code TEXT COLLATE RTRIM, score REAL, tag BLOB, email TEXT UNIQUE, kind TEXT, n);
CREATE UNIQUE INDEX people_code ON people(code);
CREATE INDEX people_score ON people(score DESC, kind);
CREATE INDEX people_staff ON people(kind, email) WHERE kind = 'staff';
CREATE INDEX people_tag ON people(tag);
CREATE INDEX people_n ON people(n);
CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT);
CREATE INDEX docs_lower ON docs(lower(title));
CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, w INTEGER) WITHOUT ROWID;
CREATE INDEX kv_v ON kv(v);
CREATE TABLE plain (a, b);
CREATE TABLE flags (id INTEGER PRIMARY KEY, x TEXT, hot INTEGER);
CREATE INDEX flags_hot ON flags(x) WHERE hot = 1;
CREATE TABLE tasks (id INTEGER PRIMARY KEY, state TEXT, owner TEXT);
CREATE INDEX tasks_open ON tasks(state, owner) WHERE state = 'open' -- the open ones
;
""")
con.execute("BEGIN")
for i in range(1, 3001):
    code = None if i % 10 == 0 else ("K%04dx" % i if i == 8 else "K%04d" % i)
    n_value = [i, i + 0.5, "t%d" % i, None, b"b%d" % i][i % 5]
    con.execute("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (i, "Name%04d" % i, code, (i * 37 % 1000) / 8.0, b"\x00tag%05d" % i,
                 "user%04d@example.com" % i, ["staff", "guest", "admin"][i % 3], n_value))
    con.execute("INSERT INTO docs VALUES (?, ?, ?)", (i, "Title%04d" % i, "body %d " % i * 5))
    con.execute("INSERT INTO kv VALUES (?, ?, ?)", ("key%04d" % i, "val%04d" % i, i))
    con.execute("INSERT INTO plain VALUES (?, ?)", (i, "plain%04d" % i))
    con.execute("INSERT INTO flags VALUES (?, ?, ?)", (i, "flag%04d" % i, i % 2))
    con.execute("INSERT INTO tasks VALUES (?, ?, ?)", (i, ["open", "done"][i % 2], "owner%04d" % i))
con.execute("COMMIT")
con.close()

# Which tables the comparison does itself and which it leaves to
# integrity_check(table): the fallback cases must be what they claim.
rc, out, err = our_check(features, "--tables")
unchecked = sorted(l.split(": ", 1)[1] for l in out if l.startswith("unchecked: "))
check(rc == 0 and out[-1:] == ["agrees"], "features: the comparison agrees on the sound file", out)
check(unchecked == ["docs", "flags", "kv"],
      "features: the expression index, the partial index that needs the table and the WITHOUT ROWID table "
      "are left to integrity_check(table)", unchecked)

for label, path in (("main", main_db), ("usage", usage_db), ("features", features)):
    judge("%s (sound)" % label, path)

# Bytes flipped: anywhere in the file, then in each b-tree's own pages.
damaged = only_full = 0
for label, path, random_files in (("main", main_db, 60), ("usage", usage_db, 30), ("features", features, 60)):
    all_pages, size = pages_of(path)
    for seed in range(random_files * SCALE):
        dst = os.path.join(tmp, "%s-flip%02d.sqlite" % (label, seed))
        flip(path, dst, seed, all_pages, size)
        findings, _ = judge("%s, page flip %d" % (label, seed), dst)
        damaged += bool(findings)
        only_full += bool(findings) and not sqlite_check(dst, "quick_check")
    for name in btrees(path):
        pages, size = pages_of(path, name)
        for seed in range(3 * SCALE):
            dst = os.path.join(tmp, "%s-%s-%d.sqlite" % (label, name, seed))
            flip(path, dst, 1000 + seed, pages, size)
            findings, _ = judge("%s, flip in %s %d" % (label, name, seed), dst)
            damaged += bool(findings)
            only_full += bool(findings) and not sqlite_check(dst, "quick_check")

note("%d damaged files flagged by integrity_check, %d of them passed by quick_check" % (damaged, only_full))
check(only_full > 0, "some flipped files fail integrity_check only (%d)" % only_full)

# Edits quick_check cannot see.  (label, base, edits, flagged by SQLite,
# the fast comparison itself finds it).
def some_value(path, sql):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    v = con.execute(sql).fetchone()[0].encode()
    con.close()
    return v


package = some_value(main_db, "SELECT name FROM packages WHERE length(name) >= 5 ORDER BY id LIMIT 1 OFFSET 7")
EDITS = [
    ("value changed in the table under a UNIQUE index", features,
     [("people", b"user0007@example.com", b"user0007@example.org")], True, True),
    ("value changed in the UNIQUE index only", features,
     [("sqlite_autoindex_people_2", b"user0007@example.com", b"user0007@example.org")], True, True),
    ("duplicate in a UNIQUE index", features,
     [("people", b"user0008@", b"user0007@"), ("sqlite_autoindex_people_2", b"user0008@", b"user0007@")], True, True),
    ("duplicate under NOCASE only", features,
     [("people", b"Name0008", b"nAME0007"), ("sqlite_autoindex_people_1", b"Name0008", b"nAME0007")], True, True),
    ("duplicate under RTRIM only", features,
     [("people", b"K0008x", b"K0007 "), ("people_code", b"K0008x", b"K0007 ")], True, True),
    ("case changed under a NOCASE index (SQLite finds the entry)", features,
     [("sqlite_autoindex_people_1", b"Name0011", b"NAME0011")], False, False),
    ("value changed under a DESC index", features,
     [("people", b"guest", b"gues!")], True, True),
    ("row moved out of a partial index", features,
     [("people", b"staff", b"stuff")], True, True),
    ("row moved out of a partial index in the table and in the index (the index's own count)", features,
     [("tasks", b"openowner3000", b"shutowner3000"), ("tasks_open", b"openowner3000", b"shutowner3000")], True, True),
    ("value changed in a partial index", features,
     [("people_staff", b"user0003@", b"user0004@")], True, True),
    ("blob changed in the table under an index", features,
     [("people", b"\x00tag00042", b"\x00tag00043")], True, True),
    ("value changed under an expression index (fallback)", features,
     [("docs", b"Title0042", b"Title0043")], True, False),
    ("value changed under a partial index that needs the table (fallback)", features,
     [("flags", b"flag0043", b"flag0044")], True, False),
    ("value changed in a WITHOUT ROWID table's index (fallback)", features,
     [("kv_v", b"val0042", b"val0043")], True, False),
    ("value changed in a column no index holds (invisible to SQLite)", features,
     [("docs", b"body 42 ", b"body 43 ")], False, False),
    ("package name changed in the table (sample)", main_db,
     [("packages", package, package[:-1] + (b"#" if package[-1:] != b"#" else b"%"))], True, True),
    ("download time changed in the table (sample usage)", usage_db,
     [("package_downloads", b"2024-", b"2025-")], True, True),
]
for i, (label, base, edits, flagged, fast) in enumerate(EDITS):
    dst = os.path.join(tmp, "edit%02d.sqlite" % i)
    if not check(edit(base, dst, edits), "%s: setup: the bytes are found" % label):
        continue
    check(not sqlite_check(dst, "quick_check"), "%s: setup: quick_check passes it" % label, sqlite_check(dst, "quick_check"))
    findings, ours = judge(label, dst)
    check(bool(findings) == flagged, "%s: setup: integrity_check %s it" % (label, "flags" if flagged else "passes"), findings)
    rc, out, err = our_check(dst, "--tables")
    problem = [l for l in out if l.startswith("problem: ")]
    check(bool(problem) == fast, "%s: the comparison %s" % (label, "finds it itself" if fast else "does not, or cannot"), out)

# Index entries all present but out of the order the index declares (the
# schema says DESC, the b-tree holds them ascending; or a NOCASE index
# built in BINARY order): integrity_check's lookups miss them, quick_check
# does not look, the hash sums agree; only the comparison of neighbours
# in index order finds it.
ORDER_CASES = [
    ("index entries in the reverse of their declared order", "CREATE INDEX mixed_a ON mixed(a)",
     "CREATE INDEX mixed_a ON mixed(a DESC)"),
    ("UNIQUE index entries in BINARY order declared NOCASE", "CREATE UNIQUE INDEX mixed_u ON mixed(u)",
     "CREATE UNIQUE INDEX mixed_u ON mixed(u COLLATE NOCASE)"),
    ("index on numbers and text in the reverse order, rowids ascending", "CREATE INDEX mixed_b ON mixed(b, a)",
     "CREATE INDEX mixed_b ON mixed(b DESC, a DESC)"),
]
for i, (label, built, declared) in enumerate(ORDER_CASES):
    dst = os.path.join(tmp, "order%02d.sqlite" % i)
    con = sqlite3.connect(dst, isolation_level=None)
    con.execute("CREATE TABLE mixed (id INTEGER PRIMARY KEY, a TEXT, u TEXT, b)")
    con.executemany("INSERT INTO mixed (a, u, b) VALUES (?, ?, ?)",
                    [("v%03d" % ((i * 37) % 211), ("k%03d" % i) if i % 2 else ("K%03d" % i),
                      i % 7 if i % 3 else "t%d" % (i % 5)) for i in range(211)])
    con.execute(built)
    con.execute("PRAGMA writable_schema = ON")
    con.execute("UPDATE sqlite_schema SET sql = ? WHERE sql = ?", (declared, built))
    con.close()
    check(not sqlite_check(dst, "quick_check"), "%s: setup: quick_check passes it" % label, sqlite_check(dst, "quick_check"))
    findings, ours = judge(label, dst)
    check(bool(findings), "%s: setup: integrity_check flags it" % label, findings)
    rc, out, err = our_check(dst, "--tables")
    problem = [l for l in out if l.startswith("problem: ")]
    check(any("out of order" in l for l in problem), "%s: the comparison of neighbours finds it itself" % label, out)

# Text after a ';' in a partial index's schema statement: SQLite loads the
# statement up to the ';' and never parses the rest, so it must never reach
# the comparison's SQL; the table goes to integrity_check(table) instead.
tail = os.path.join(tmp, "tail.sqlite")
con = sqlite3.connect(tail, isolation_level=None)
con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, kind TEXT, body TEXT)")
con.executemany("INSERT INTO notes (kind, body) VALUES (?, ?)", [("k%d" % (i % 3), "b%d" % i) for i in range(50)])
con.execute("CREATE INDEX notes_k1 ON notes(body) WHERE kind = 'k1'")
con.execute("PRAGMA writable_schema = ON")
con.execute("UPDATE sqlite_schema SET sql = sql || '; ) FROM notes, (SELECT 1' WHERE name = 'notes_k1'")
con.close()
check(sqlite3.connect(tail).execute("SELECT count(*) FROM notes WHERE kind = 'k1'").fetchone()[0] == 17,
      "text after ';': setup: SQLite loads the schema")
findings, ours = judge("text after ';' in a partial index's statement", tail)
check(not findings, "text after ';': setup: integrity_check passes it", findings)
rc, out, err = our_check(tail, "--tables")
check("unchecked: notes" in out, "text after ';': the table is left to integrity_check(table)", out)

shutil.rmtree(tmp, True)
print("1..%d" % n, flush=True)
sys.exit(1 if failures else 0)
