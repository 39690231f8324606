#!/usr/bin/python3
"""Source files migrate must refuse, or read without losing a table.

    with-postgres.sh test_source_files.py MIGRATE

Refused with nothing committed, the message naming the file and what to
do, the target (which holds data, and --drop-all is given) unchanged:
(a) an empty file (0 bytes) and a file with no tables: exit 66;
(b) a FIFO: exit 66 at once (0.1.0 hung in open() forever);
(c) a directory: exit 66;
(d) a file the worker's account cannot read: exit 66 with the errno text
    and the account;
(e) a hot journal beside the file: exit 66, the journal left in place;
(f) a WAL-mode file without its -shm in a directory the worker cannot
    write: exit 66;
(g) a file another process holds locked for writing: exit 5, asking whether
    Package Manager still runs;
(l) a WAL file whose -wal the worker cannot read (SQLite's own CANTOPEN):
    exit 66 with the errno text and the account;
(m) a table whose values SQLite cannot read (a generated column calling a
    function only the writer had): exit 1 naming file, table and column.
Catalog reader:
(h) a row with a NULL name in sqlite_sequence: migrates (0.1.0: SIGSEGV);
(i) tables named like a virtual table's shadow tables (search_history beside
    an FTS5 table "search" over an ordinary table): migrated with their rows;
(j) virtual tables holding their own rows (FTS5 without content=, R*Tree):
    exit 66 naming them (0.1.0: success, rows lost);
(k) a user table named sqlite_... (made with writable_schema): migrated.
"""

import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import time

import mtest

t = mtest.Test()
MAIN = "rstudio-pm.sqlite"


def run_bounded(config, *args, seconds=60):
    """migrate, killed (with its worker) if it has not finished in time."""
    argv = ["--config", config, "database"] + list(args)
    p = subprocess.Popen([t.migrate_exe] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    started = time.monotonic()
    try:
        out, err = p.communicate(timeout=seconds)
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        hung = True
    res = mtest.Result(argv, subprocess.CompletedProcess(argv, p.returncode, out, err))
    return res, hung, time.monotonic() - started


def source_dir(name, sql=None):
    d = t.new_dir(name)
    if sql is not None:
        con = sqlite3.connect(os.path.join(d, MAIN), isolation_level=None)
        con.executescript(sql)
        con.close()
    return d


def config_for(d):
    return t.write_config(os.path.basename(d), d, usage_url=False)


def worker_account():
    """The account migrate's worker runs as: the service account when started
    by root, else the caller."""
    return "rstudio-pm" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


GOOD = """
CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
INSERT INTO items (name) VALUES ('alpha'), ('beta'), ('gamma');
"""

# The target holds data, so a refusal under --drop-all has something to lose.
good = source_dir("good", GOOD)
res = t.migrate(config_for(good))
t.equal(res.rc, 0, "setup: a good source migrates") or t.note(res.describe())


def refused(name, d, rc, words, what, args=("--drop-all",), seconds=60):
    """Runs migrate on source directory d and checks a refusal: exit rc, every
    word in words on stderr, the target unchanged; returns the result."""
    before = t.snapshot(t.db)
    res, hung, took = run_bounded(config_for(d), *args, seconds=seconds)
    t.check(not hung, "%s: migrate finishes (took %.1fs)" % (name, took), res.describe())
    t.equal(res.rc, rc, "%s: %s: exit %d" % (name, what, rc)) or t.note(res.describe())
    missing = [w for w in words if w not in res.err]
    t.check(not missing, "%s: the message says %s" % (name, ", ".join(repr(w) for w in words)),
            "missing: %r\n%s" % (missing, res.describe()))
    t.check("success" not in res.out, "%s: no success reported" % name, res.describe())
    t.same_snapshot(before, t.snapshot(t.db), "%s: the target is unchanged" % name)
    return res


# ---- (a) empty, no tables ---------------------------------------------------------

d = source_dir("empty")
open(os.path.join(d, MAIN), "w").close()
refused("(a) empty file", d, 66, [os.path.join(d, MAIN), "empty"], "a 0-byte source is refused")
refused("(a) empty file, no --drop-all", d, 66, [os.path.join(d, MAIN), "empty"], "a 0-byte source is refused",
        args=())

d = source_dir("notables", "PRAGMA user_version = 7; CREATE TABLE gone (a); DROP TABLE gone;")
t.check(os.path.getsize(os.path.join(d, MAIN)) > 0, "(a) setup: the file without tables is not empty")
refused("(a) no tables", d, 66, [os.path.join(d, MAIN), "no tables"], "a source without tables is refused")

# ---- (b) FIFO -----------------------------------------------------------------------

d = source_dir("fifo")
fifo = os.path.join(d, MAIN)
os.mkfifo(fifo, 0o644)
try:
    refused("(b) FIFO", d, 66, [fifo, "FIFO", "regular file"], "a FIFO is refused", seconds=30)
finally:
    # Release a reader still blocked in open() (the old behaviour).
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass

# ---- (c) a directory ----------------------------------------------------------------

d = source_dir("directory")
os.mkdir(os.path.join(d, MAIN))
refused("(c) directory", d, 66, [os.path.join(d, MAIN), "is a directory"], "a directory is refused")

# ---- (d) unreadable for the worker ------------------------------------------------

d = source_dir("unreadable", GOOD)
os.chmod(os.path.join(d, MAIN), 0)
refused("(d) unreadable", d, 66, [os.path.join(d, MAIN), os.strerror(13), worker_account()],
        "a file the worker cannot read is refused")

# ---- (e) hot journal ----------------------------------------------------------------

d = source_dir("hot")
live = os.path.join(t.tmp, "hot-live.sqlite")
con = sqlite3.connect(live, isolation_level=None)
con.executescript("CREATE TABLE items (id INTEGER PRIMARY KEY, body BLOB); INSERT INTO items VALUES (1, x'00');")
con.execute("PRAGMA cache_size = 1")  # spill to the file before COMMIT: a real hot journal
con.execute("BEGIN")
con.execute("INSERT INTO items (body) SELECT randomblob(2000) FROM "
            "(WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500) SELECT x FROM n)")
# A copy taken mid-transaction is what a crash leaves behind.
shutil.copy(live, os.path.join(d, MAIN))
shutil.copy(live + "-journal", os.path.join(d, MAIN + "-journal"))
con.execute("ROLLBACK")
con.close()
journal = open(os.path.join(d, MAIN + "-journal"), "rb").read()
refused("(e) hot journal", d, 66, [os.path.join(d, MAIN), "hot journal", "rolled back"],
        "a file with a hot journal is refused")
t.check(open(os.path.join(d, MAIN + "-journal"), "rb").read() == journal, "(e) the journal is left as it was")

# ---- (f) WAL without -shm, directory not writable by the worker ----------------------

if os.geteuid() == 0:
    d = source_dir("wal")
    con = sqlite3.connect(os.path.join(d, MAIN), isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(GOOD)
    con.close()  # the last connection removes -wal and -shm
    t.check(not os.path.exists(os.path.join(d, MAIN + "-shm")), "(f) setup: no -shm file")
    os.chmod(d, 0o755)  # root's directory: the worker (rstudio-pm) cannot create files in it
    refused("(f) WAL without -shm", d, 66, [os.path.join(d, MAIN), "WAL", "-shm", "writable", worker_account()],
            "a WAL file whose -shm cannot be created is refused")
else:
    t.check(False, "(f) needs root: the worker must be another account than the directory's owner")

# ---- (l) SQLite itself cannot open a file beside it (CANTOPEN) ------------------------

d = source_dir("walunreadable")
live = os.path.join(t.tmp, "wal-live.sqlite")
con = sqlite3.connect(live, isolation_level=None)
con.execute("PRAGMA journal_mode = WAL")
con.execute("PRAGMA wal_autocheckpoint = 0")  # the rows stay in the -wal file
con.executescript(GOOD)
for suffix in ("", "-wal", "-shm"):  # copied while open: what a running server leaves
    shutil.copy(live + suffix, os.path.join(d, MAIN + suffix))
con.close()
os.chmod(os.path.join(d, MAIN + "-wal"), 0)
refused("(l) unreadable -wal", d, 66, [os.path.join(d, MAIN), os.strerror(13), worker_account(), "-wal"],
        "a -wal file the worker cannot read is refused")

# ---- (g) locked by a writer --------------------------------------------------------

d = source_dir("locked", GOOD)
holder = sqlite3.connect(os.path.join(d, MAIN), isolation_level=None)
holder.execute("BEGIN EXCLUSIVE")
try:
    res = refused("(g) locked", d, 5, [os.path.join(d, MAIN), "locked", "Package Manager"],
                  "a source locked by another process is refused as busy")
finally:
    holder.execute("ROLLBACK")
    holder.close()

# ---- (h) NULL name in sqlite_sequence ----------------------------------------------

d = source_dir("seqnull", GOOD + "INSERT INTO sqlite_sequence VALUES (NULL, 5);")
db = "seqnull"
url = t.create_database(db)
res = t.migrate(t.write_config("seqnull-cfg", d, url=url, usage_url=False))
t.equal(res.rc, 0, "(h) sqlite_sequence with a NULL name: exit 0") or t.note(res.describe())
diffs = t.compare_with_sqlite(os.path.join(d, MAIN), db)
t.check(not diffs and t.tables(db) == ["public.items"], "(h) every row is migrated", "\n".join(diffs[:10]))

# ---- (i) tables named like shadow tables ---------------------------------------------

d = source_dir("shadowlike", """
CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO docs VALUES (1, 'first'), (2, 'second');
CREATE VIRTUAL TABLE search USING fts5(body, content=docs, content_rowid=id);
INSERT INTO search (search) VALUES ('rebuild');
CREATE TABLE search_history (id INTEGER PRIMARY KEY, query TEXT);
CREATE TABLE search_terms (term TEXT PRIMARY KEY, hits INTEGER);
INSERT INTO search_history VALUES (1, 'ggplot2'), (2, 'dplyr');
INSERT INTO search_terms VALUES ('ggplot2', 10), ('dplyr', 3);
""")
db = "shadowlike"
url = t.create_database(db)
res = t.migrate(t.write_config("shadowlike-cfg", d, url=url, usage_url=False))
t.equal(res.rc, 0, "(i) FTS5 over an ordinary table: exit 0") or t.note(res.describe())
t.equal(t.tables(db), ["public.docs", "public.search_history", "public.search_terms"],
        "(i) search_history and search_terms are migrated, shadow tables are not")
diffs = t.compare_with_sqlite(os.path.join(d, MAIN), db, ["docs", "search_history", "search_terms"])
t.check(not diffs, "(i) their rows are all there", "\n".join(diffs[:10]))
t.check(any("search" in l and "virtual table" in l for l in res.lines_with("not carried")),
        "(i) the FTS index is reported as not carried", res.describe())

# ---- (j) virtual tables holding their own rows ------------------------------------------

d = source_dir("fts", """
CREATE VIRTUAL TABLE search USING fts5(c);
INSERT INTO search VALUES ('only here');
CREATE TABLE search_history (id INTEGER PRIMARY KEY, query TEXT);
CREATE TABLE search_terms (term TEXT PRIMARY KEY);
INSERT INTO search_history VALUES (1, 'q');
""")
refused("(j) FTS5 without content=", d, 66, [os.path.join(d, MAIN), "search (module fts5)"],
        "a table of rows in FTS5 is refused by name")
d = source_dir("rtree", """
CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO places VALUES (1, 'here');
CREATE VIRTUAL TABLE boxes USING rtree(id, minx, maxx);
INSERT INTO boxes VALUES (1, 0.5, 1.5);
""")
refused("(j) R*Tree", d, 66, [os.path.join(d, MAIN), "boxes (module rtree)"], "an R*Tree is refused by name")

# ---- (m) a table SQLite cannot read without the application's function ---------------
# A generated column without a declared type calls a function the writer
# registered: reading its values fails.  The message names file, table and
# column, says what SQLite said, and what to do.

d = source_dir("appfunction")
con = sqlite3.connect(os.path.join(d, MAIN))
con.create_function("twice", 1, lambda x: x * 2, deterministic=True)
con.executescript("CREATE TABLE calc (id INTEGER PRIMARY KEY, a INTEGER, b AS (twice(a)));"
                  "INSERT INTO calc (a) VALUES (1);")
con.close()
refused("(m) unknown function", d, 1,
        [os.path.join(d, MAIN) + ": table calc: cannot read the values of column b", "twice", "integrity_check"],
        "a table whose values cannot be read is refused by name")

# ---- (k) a user table named sqlite_... ------------------------------------------------

d = source_dir("sqlitename", """
CREATE TABLE x (a INTEGER PRIMARY KEY, b TEXT);
INSERT INTO x VALUES (1, 'one'), (2, 'two');
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET name = 'sqlite_x', tbl_name = 'sqlite_x',
       sql = 'CREATE TABLE sqlite_x (a INTEGER PRIMARY KEY, b TEXT)' WHERE name = 'x';
""")
db = "sqlitename"
url = t.create_database(db)
res = t.migrate(t.write_config("sqlitename-cfg", d, url=url, usage_url=False))
t.equal(res.rc, 0, "(k) a user table named sqlite_x: exit 0") or t.note(res.describe())
diffs = t.compare_with_sqlite(os.path.join(d, MAIN), db, ["sqlite_x"])
t.check(t.tables(db) == ["public.sqlite_x"] and not diffs, "(k) sqlite_x is migrated with its rows",
        "%r\n%s" % (t.tables(db), "\n".join(diffs[:10])))

t.finish()
