#!/usr/bin/python3
"""Benchmark migrate against pgloader and a hand sqlite3 | psql pipeline.

    bench.py [--usage-rows N | --quick] [--dataset sample|wide|both] [--repeat N]
             [--no-scaling | --scaling-20m | --scaling-sizes N,N | --scaling-only]
             [--scaling-repeat N] [--packages N] [--keep]

Run it through run-bench.sh, which installs what is missing, builds migrate
and starts the throwaway PostgreSQL server (tests/harness/with-postgres.sh)
this script needs: it reads MIGRATE_BIN and the MIGRATE_TEST_* variables.

Two datasets, each made at --usage-rows: the sample
(tests/sample/make-sample-dbs.py: integer keys, narrow rows) and a wide one
(tests/bench/make-wide-db.py: composite TEXT keys, many columns of every
kind).  One server.  On each dataset three measurements, each into fresh
empty databases and each under /usr/bin/time -v (wall clock and maximum
resident set size):

  a. migrate --config CFG database: copy, indexes, constraints, sequences,
     value-by-value verification, commit.  The copy phase is the sum of the
     "copy" column of migrate's summary.
  b. pgloader (Debian), one run per SQLite file, no verification.
  c. the hand pipeline, copy only: for every table,
     sqlite3 -csv FILE "SELECT ..." | psql -1 -c "TRUNCATE T" -c "\\copy T (...) FROM STDIN (FORMAT csv)"
     into the tables migrate created in (a) (pg_dump --section=pre-data:
     the same column types, no keys, no indexes, no foreign keys); once,
     untimed, migrate --verify proves it loaded the same values.
On the sample also the reverse direction (PostgreSQL -> SQLite): migrate
against psql \\copy | sqlite3 .import.

Each tool runs --repeat times (interleaved); the best wall time counts.
Then the scaling line: migrate alone, once per size (--scaling-repeat), on
the sample at 200,000 and 2,000,000 usage rows (and 20,000,000 with
--scaling-20m); the comparison's own size joins it with its first run.

Every tool's result must have the source's row count in every table; a run
that fails or loads a wrong row count makes the exit status 1.  The figures
are compared with the issue's targets and marked PASS or MISS: information,
never an exit status (the machine is shared and noisy).

Only the Python standard library is used.
"""

import argparse
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
MAKE_SAMPLE = os.path.join(TOP, "tests", "sample", "make-sample-dbs.py")
MAKE_WIDE = os.path.join(HERE, "make-wide-db.py")
PYTHON = "/usr/bin/python3"
GNU_TIME = "/usr/bin/time"

MAIN_DB = "rstudio-pm.sqlite"
USAGE_DB = "rstudio-pm-usage.sqlite"

# All three tools log in over TCP as this ordinary role, like the product
# would.  The password is plain on purpose: pgloader has its own rules for
# special characters in URLs, and password handling is not what we measure.
ROLE = "bench"
PASSWORD = "bench-pw-7Kq2"

# Targets of the issue.
TARGET_FULL_VS_PGLOADER = 0.45
TARGET_COPY_VS_HAND = 0.60
TARGET_RSS_MIB = 64.0  # plus the largest value of the source
TARGET_SCALING = 0.20  # rows/s of the largest size within 20% of the smallest's
SCALING_SIZES = (200_000, 2_000_000)  # usage rows; the sample's --usage-rows joins them
SCALING_20M = 20_000_000  # with --scaling-20m
# PostgreSQL -> SQLite (issue 10): against psql \copy TO STDOUT | sqlite3 .import.
TARGET_REVERSE_COPY_VS_HAND = 1.0
TARGET_REVERSE_FULL_VS_HAND = 2.0

# pgloader 3.6.9 prints a REAL +-Infinity as "#.DOUBLE-FLOAT-POSITIVE-INFINITY",
# PostgreSQL rejects the batch and pgloader loses the whole sync_runs table
# (0 of 20 rows); it also maps REAL to float4, which loses digits.  This
# transform (loaded with -l) writes what PostgreSQL reads, and the cast rule
# keeps REAL as double precision, as migrate does.  Nothing else is changed
# from pgloader's defaults.
PGLOADER_LISP = """\
(in-package :pgloader.transforms)
(defun bench-real-to-text (x)
  (cond ((null x) nil)
        ((not (floatp x)) (princ-to-string x))
        ((sb-ext:float-infinity-p x) (if (plusp x) "Infinity" "-Infinity"))
        ((sb-ext:float-nan-p x) "NaN")
        (t (let ((*read-default-float-format* 'double-float))
             (princ-to-string x)))))
"""
PGLOADER_CAST = 'type real to "double precision" drop typemod using bench-real-to-text'


class BenchError(Exception):
    pass


def say(msg=""):
    print(msg, flush=True)


def env(name):
    v = os.environ.get(name)
    if not v:
        raise BenchError("%s is not set: run this through tests/bench/run-bench.sh" % name)
    return v


def qident(name):
    return '"' + name.replace('"', '""') + '"'


def qliteral(s):
    return "'" + s.replace("'", "''") + "'"


class Server:
    """The throwaway server from with-postgres.sh."""

    def __init__(self):
        self.psql_super = shlex.split(env("MIGRATE_TEST_PSQL"))
        self.pgbin = env("MIGRATE_TEST_PGBIN")
        self.host = env("MIGRATE_TEST_PGHOST")
        self.port = env("MIGRATE_TEST_PGPORT")
        self.socket = env("MIGRATE_TEST_PGSOCKET")

    def sql(self, db, sql):
        """Run SQL as the superuser; return the unaligned output."""
        p = subprocess.run(self.psql_super + ["-d", db, "-At", "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise BenchError("psql -d %s -c %r failed: %s" % (db, sql, p.stderr.strip()))
        return p.stdout

    def url(self, db):
        return "postgresql://%s:%s@%s:%s/%s" % (ROLE, PASSWORD, self.host, self.port, db)

    def fresh_databases(self, *names):
        """Empty databases owned by the benchmark role, created as superuser,
        after a checkpoint and a sync so that the previous run's dirty pages
        are not written during the next measurement (the server runs with
        fsync = off: its checkpoint leaves them to the kernel, which writes
        them back within the next half minute)."""
        for n in names:
            self.sql("postgres", "DROP DATABASE IF EXISTS %s" % qident(n))
            self.sql("postgres", "CREATE DATABASE %s OWNER %s" % (qident(n), qident(ROLE)))
        self.sql("postgres", "CHECKPOINT")
        os.sync()

    def drop_databases(self, *names):
        for n in names:
            self.sql("postgres", "DROP DATABASE IF EXISTS %s" % qident(n))


def source_tables(path):
    """[(table, [(column, declared type)], rows)] of a SQLite file, without
    SQLite's internal tables (sqlite_sequence, sqlite_stat1)."""
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        out = []
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            " ORDER BY name")]
        for t in names:
            cols = [(r[1], r[2] or "") for r in con.execute("PRAGMA table_info(%s)" % qident(t))]
            n = con.execute("SELECT count(*) FROM %s" % qident(t)).fetchone()[0]
            out.append((t, cols, n))
        return out
    finally:
        con.close()


def largest_value(path):
    """Bytes of the largest TEXT or BLOB value in a SQLite file."""
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        best = 0
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"):
            cols = [r[1] for r in con.execute("PRAGMA table_info(%s)" % qident(t))]
            if cols:
                parts = ", ".join("max(coalesce(length(CAST(%s AS BLOB)), 0))" % qident(c) for c in cols)
                best = max([best] + [v or 0 for v in con.execute("SELECT %s FROM %s" % (parts, qident(t))).fetchone()])
        return best
    finally:
        con.close()


def parse_gnu_time(path):
    """(wall seconds, max RSS KiB, exit status) from /usr/bin/time -v -o."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", text)
    r = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    s = re.search(r"Exit status: (\d+)", text)
    if not (m and r and s):
        raise BenchError("cannot read %s:\n%s" % (path, text))
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return wall, int(r.group(1)), int(s.group(1))


def count_rows(server, db, tables, lower=False):
    """{table: rows} in a target database (its current schema) for the
    source's tables; a table that is not there is left out."""
    present = set(server.sql(db, "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')"
                                 " AND relnamespace = current_schema()::regnamespace").splitlines())
    parts = ["SELECT %s, count(*) FROM %s" % (qliteral(t), qident(t.lower() if lower else t))
             for t in tables if (t.lower() if lower else t) in present]
    counts = {}
    if parts:
        for line in server.sql(db, " UNION ALL ".join(parts)).splitlines():
            name, _, n = line.rpartition("|")
            counts[name] = int(n)
    return counts


def check_counts(label, server, pairs, sources, lower=False):
    """Compare row counts; return (rows loaded, [problems])."""
    problems = []
    total = 0
    for db, src in pairs:
        tables = [t for t, _, _ in sources[src]]
        try:
            got = count_rows(server, db, tables, lower)
        except BenchError as e:
            problems.append("%s: %s" % (label, e))
            continue
        for t, _, want in sources[src]:
            n = got.get(t)
            total += n or 0
            if n is None:
                problems.append("%s: %s has no table %s (the source has %d rows)" % (label, db, t, want))
            elif n != want:
                problems.append("%s: %s table %s has %d rows, the source has %d" % (label, db, t, n, want))
    return total, problems


class Result:
    def __init__(self, name):
        self.name = name
        self.wall = None
        self.rss_kib = None
        self.rows = None
        self.ok = False
        self.problems = []
        self.profile = None
        self.copy_seconds = None
        self.verify_seconds = None


def timed(cmd, time_file, stdout, stderr_line=None, **kw):
    """Run cmd under /usr/bin/time -v; stderr lines go to stderr_line(t, line)
    as they arrive (t: seconds since start) when given, and a last call with
    line None when the command has exited (on the same clock: /usr/bin/time's
    wall time has 10 ms steps, too coarse to subtract line times from)."""
    full = [GNU_TIME, "-v", "-o", time_file] + cmd
    if stderr_line is None:
        p = subprocess.run(full, stdout=stdout, stderr=subprocess.STDOUT, **kw)
        return p.returncode
    t0 = time.monotonic()
    p = subprocess.Popen(full, stdout=stdout, stderr=subprocess.PIPE, text=True,
                         errors="replace", **kw)
    for line in p.stderr:
        stderr_line(time.monotonic() - t0, line.rstrip("\n"))
    rc = p.wait()
    stderr_line(time.monotonic() - t0, None)
    return rc


# ---------------------------------------------------------------- migrate

SUMMARY_HEAD = re.compile(r"^(\w+) database: ")
SUMMARY_ROW = re.compile(r"^  (\S+)\s+(\d+)\s+(\d+(?:\.\d+)? [KMGT]?i?B)\s+(\d+\.\d+s|present)\s+(\d+\.\d+)s$")
INTEGRITY_ROW = re.compile(r"^  \(source integrity check\)\s+\S+\s+(\d+\.\d+)s$")
PROGRESS = re.compile(r"^migrate: (check|copy|verify) (\w+)\.(\S+): (\d+)/(\d+) rows")
COMMIT = re.compile(r"^migrate: commit (\w+) database")


def parse_summary(stdout_text):
    """{db: [(table, rows, copy seconds or None, verify seconds)]}"""
    out = {}
    db = None
    for line in stdout_text.splitlines():
        m = SUMMARY_HEAD.match(line)
        if m:
            db = m.group(1)
            out[db] = []
            continue
        m = SUMMARY_ROW.match(line)
        if m and db:
            copy = None if m.group(4) == "present" else float(m.group(4)[:-1])
            out[db].append((m.group(1), int(m.group(2)), copy, float(m.group(5))))
    return out


def parse_integrity(stdout_text):
    """{db: seconds of the source integrity check} from the summary."""
    out = {}
    db = None
    for line in stdout_text.splitlines():
        m = SUMMARY_HEAD.match(line)
        if m:
            db = m.group(1)
            continue
        m = INTEGRITY_ROW.match(line)
        if m and db:
            out[db] = float(m.group(1))
    return out


def migrate_profile(events, summary, end, integrity=None):
    """Phases of a migrate run from the arrival times of its --progress lines
    (one line when each table's copy or verify pass ends, one when each
    commit starts).  Every database is connected, read and counted before
    the first copy; then each is copied (checked on the way), gets its keys
    and is verified; then both are committed.  Returns [(phase, seconds)] or
    None when the lines are not as expected."""
    ends = {}  # (db, phase) -> [(t, table)] in order, last line per table
    first_commit = None
    for t, line in events:
        if first_commit is None and COMMIT.match(line):
            first_commit = t
        m = PROGRESS.match(line)
        if not m:
            continue
        phase, db, table = m.group(1), m.group(2), m.group(3)
        lst = ends.setdefault((db, phase), [])
        if lst and lst[-1][1] == table:
            lst[-1] = (t, table)
        else:
            lst.append((t, table))
    if not summary or first_commit is None:
        return None
    phases = []
    start = None
    for db in summary:
        copy, verify = (ends.get((db, p)) for p in ("copy", "verify"))
        if not (copy and verify):
            return None
        verify_s = {t: v for t, _, _, v in summary[db]}
        copy_s = {t: c or 0.0 for t, _, c, _ in summary[db]}
        # migrate's own timings place the start of the first copy and of the
        # first verification; a line can arrive a little late, so they are
        # kept within the neighbouring lines (no phase shorter than zero).
        first_verify = min(verify_s.get(verify[0][1], 0.0), max(0.0, verify[0][0] - copy[-1][0]))
        copy_sum = sum(copy_s.values())
        copy_start = max(copy[0][0] - copy_s.get(copy[0][1], 0.0), start or 0.0)
        # The source's integrity check runs in a thread beside the work,
        # from the open to the commit: its own time is shown, and taken from
        # no other phase (waiting for it is in "commit, summary, exit").
        check = (integrity or {}).get(db)
        before = copy_start - (start or 0.0)
        if start is None:
            phases.append(("connect, catalogs, row counts (every database)", before))
        else:
            phases.append(("%s: create tables" % db, before))
        if check is not None:
            phases.append(("%s: source integrity check, beside the work" % db, check))
        phases.append(("%s: copy, checking each value (copy column: %.2f s)" % (db, copy_sum), copy[-1][0] - copy_start))
        phases.append(("%s: keys, indexes, foreign keys, sequences" % db,
                       verify[0][0] - copy[-1][0] - first_verify))
        phases.append(("%s: verify" % db, verify[-1][0] - verify[0][0] + first_verify))
        start = verify[-1][0]
    phases.append(("commit, summary, exit", end - start))
    return phases


def run_migrate(server, work, dbdir, sources, migrate_bin):
    r = Result("migrate (copy + indexes + verify)")
    dbs = ("bench_migrate_main", "bench_migrate_usage")
    server.fresh_databases(*dbs)
    cfg = os.path.join(work, "migrate.gcfg")
    with open(cfg, "w") as f:
        f.write('[SQLite]\nDir = %s\n[Postgres]\nURL = "%s"\nUsageDataURL = "%s"\n'
                % (dbdir, server.url(dbs[0]), server.url(dbs[1])))
    out_path = os.path.join(work, "migrate.out")
    err_path = os.path.join(work, "migrate.err")
    tf = os.path.join(work, "migrate.time")
    cmd = [migrate_bin, "--config", cfg, "database", "--progress"]
    say("$ " + " ".join(shlex.quote(c) for c in cmd))
    events = []
    exited = [None]  # when the process ended, on the clock of events
    with open(out_path, "w") as out, open(err_path, "w") as err:
        def line(t, s):
            if s is None:
                exited[0] = t
                return
            events.append((t, s))
            err.write("%8.3f %s\n" % (t, s))
        rc = timed(cmd, tf, out, line)
    wall, rss, _ = parse_gnu_time(tf)
    with open(out_path) as f:
        stdout_text = f.read()
    r.wall, r.rss_kib = wall, rss
    if rc != 0 or "\nmigrate: success:" not in "\n" + stdout_text:
        r.problems.append("migrate exited with status %d; the end of its output:\n%s\n%s" % (
            rc, "\n".join(stdout_text.splitlines()[-10:]), "\n".join(s for _, s in events[-10:])))
    summary = parse_summary(stdout_text)
    r.summary = summary
    r.copy_seconds = sum(c or 0.0 for rows in summary.values() for _, _, c, _ in rows)
    r.verify_seconds = sum(v for rows in summary.values() for _, _, _, v in rows)
    if not summary.get("main") or not summary.get("usage"):
        r.problems.append("cannot read the per-table summary (copy column) in %s" % out_path)
    r.profile = migrate_profile(events, summary, exited[0], parse_integrity(stdout_text))
    r.rows, problems = check_counts("migrate", server, [(dbs[0], MAIN_DB), (dbs[1], USAGE_DB)], sources)
    r.problems += problems
    r.ok = not r.problems
    return r, dbs


# ---------------------------------------------------------------- pgloader

def git_revision():
    p = subprocess.run(["git", "-C", TOP, "describe", "--always", "--dirty"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p.stdout.strip() if p.returncode == 0 else "not a git checkout"


def pgloader_version():
    p = subprocess.run(["pgloader", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = p.stdout.splitlines()[0] if p.stdout else "?"
    deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "pgloader"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    return "%s (Debian package %s)" % (first, deb or "?")


def run_pgloader(server, work, dbdir, sources, extra=()):
    r = Result("pgloader (2 runs, no verification)")
    dbs = ("bench_pgloader_main", "bench_pgloader_usage")
    server.fresh_databases(*dbs)
    lisp = os.path.join(work, "pgloader-real.lisp")
    with open(lisp, "w") as f:
        f.write(PGLOADER_LISP)
    root = os.path.join(work, "pgloader")
    os.makedirs(root, exist_ok=True)
    r.wall, r.rss_kib = 0.0, 0
    for db, src in zip(dbs, (MAIN_DB, USAGE_DB)):
        out_path = os.path.join(work, "pgloader-%s.out" % db)
        tf = os.path.join(work, "pgloader-%s.time" % db)
        cmd = ["pgloader", *extra, "--root-dir", root, "--logfile", os.path.join(root, db + ".log"),
               "-l", lisp, "--cast", PGLOADER_CAST,
               "sqlite://" + os.path.join(dbdir, src), server.url(db)]
        say("$ " + " ".join(shlex.quote(c) for c in cmd).replace(PASSWORD, "xxxxx"))
        with open(out_path, "w") as out:
            rc = timed(cmd, tf, out)
        wall, rss, _ = parse_gnu_time(tf)
        r.wall += wall
        r.rss_kib = max(r.rss_kib, rss)
        if rc != 0:
            with open(out_path, errors="replace") as f:
                tail = f.read()[-3000:]
            r.problems.append("pgloader exited with status %d for %s:\n%s" % (rc, src, tail))
    # pgloader downcases identifiers by default.
    r.rows, problems = check_counts("pgloader", server, [(dbs[0], MAIN_DB), (dbs[1], USAGE_DB)],
                                    sources, lower=True)
    r.problems += problems
    r.ok = not r.problems
    return r, dbs


# ---------------------------------------------------------------- hand pipeline

def csv_expr(col, decl):
    """The SELECT expression for one column: as is, except where sqlite3's
    CSV text is not what PostgreSQL's COPY reads back as the same value:
    BLOBs (written raw, cut at the first NUL) go as bytea hex, REALs
    (printed with 15 digits: 1.79769313486232e+308 is out of range) with
    21 (SQLite's printf gives at most 16 without "!", and its 17 are not
    always exact; "%!.20e" round-trips every double)."""
    q = qident(col)
    d = decl.upper()
    if "BLOB" in d:
        return "CASE WHEN %s IS NULL THEN NULL ELSE '\\x' || hex(%s) END" % (q, q)
    if any(k in d for k in ("REAL", "FLOA", "DOUB")):
        return "CASE WHEN %s IS NULL THEN NULL ELSE printf('%%!.20e', %s) END" % (q, q)
    return q


def dump_schema(server, dbs):
    """The tables migrate created, without keys, indexes or foreign keys
    (pg_dump --section=pre-data): the hand pipeline loads into the same
    column types, so the server parses the same values."""
    out = []
    for db in dbs:
        dump = subprocess.run([os.path.join(server.pgbin, "pg_dump"), "-h", server.socket, "-p", server.port,
                               "-U", "postgres", "--schema-only", "--section=pre-data", "--no-owner",
                               "--no-privileges", db],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if dump.returncode != 0:
            raise BenchError("pg_dump of %s failed: %s" % (db, dump.stderr.strip()))
        out.append(dump.stdout)
    return out


def run_hand(server, work, dbdir, sources, schema, migrate_bin=None):
    r = Result("hand pipeline (sqlite3 -csv | psql \\copy)")
    dbs = ("bench_hand_main", "bench_hand_usage")
    server.fresh_databases(*dbs)
    psql = os.path.join(server.pgbin, "psql")
    # Not timed: creating 11 empty tables takes milliseconds.
    for sql, db in zip(schema, dbs):
        load = subprocess.run([psql, "-X", "-q", "-w", "-v", "ON_ERROR_STOP=1", server.url(db)],
                              input=sql, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if load.returncode != 0:
            raise BenchError("restoring the schema into %s failed: %s" % (db, load.stderr.strip()))
    # One pipeline per table, one after the other: what an administrator
    # would type.  In one transaction with a TRUNCATE, as migrate loads into
    # tables created in its transaction: wal_level=minimal then skips WAL
    # for both.
    lines = ["#!/bin/bash", "set -euo pipefail"]
    for dst_db, src in zip(dbs, (MAIN_DB, USAGE_DB)):
        path = os.path.join(dbdir, src)
        for t, cols, _ in sources[src]:
            select = "SELECT %s FROM %s" % (", ".join(csv_expr(c, d) for c, d in cols), qident(t))
            copy = "\\copy %s (%s) FROM STDIN (FORMAT csv)" % (qident(t), ", ".join(qident(c) for c, _ in cols))
            lines.append("sqlite3 -init /dev/null -batch -bail -csv -noheader %s %s | %s -X -q -w -1 -v ON_ERROR_STOP=1 -d %s -c %s -c %s" % (
                shlex.quote(path), shlex.quote(select), shlex.quote(psql), shlex.quote(server.url(dst_db)),
                shlex.quote("TRUNCATE %s" % qident(t)), shlex.quote(copy)))
    script = os.path.join(work, "hand-pipeline.sh")
    with open(script, "w") as f:
        f.write("\n".join(lines) + "\n")
    out_path = os.path.join(work, "hand-pipeline.out")
    tf = os.path.join(work, "hand-pipeline.time")
    say("$ bash %s   # %d tables: sqlite3 -csv | psql \\copy" % (script, len(lines) - 2))
    with open(out_path, "w") as out:
        rc = timed(["bash", script], tf, out)
    r.wall, r.rss_kib, _ = parse_gnu_time(tf)
    if rc != 0:
        with open(out_path, errors="replace") as f:
            r.problems.append("the hand pipeline exited with status %d:\n%s" % (rc, f.read()[-3000:]))
    r.rows, problems = check_counts("hand pipeline", server, [(dbs[0], MAIN_DB), (dbs[1], USAGE_DB)], sources)
    r.problems += problems
    if migrate_bin and not r.problems:
        # Not timed: prove that the baseline loaded the very values migrate
        # loads (same types, every value), so the comparison is fair.
        cfg = os.path.join(work, "hand.gcfg")
        with open(cfg, "w") as f:
            f.write('[SQLite]\nDir = %s\n[Postgres]\nURL = "%s"\nUsageDataURL = "%s"\n'
                    % (dbdir, server.url(dbs[0]), server.url(dbs[1])))
        say("   (untimed) migrate --verify on the hand pipeline's databases")
        p = subprocess.run([migrate_bin, "--config", cfg, "database", "--verify"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        if p.returncode != 0:
            r.problems.append("migrate --verify finds the hand pipeline's values different from the source "
                              "(status %d):\n%s" % (p.returncode, "\n".join(p.stdout.splitlines()[-15:])))
        else:
            say("   " + p.stdout.splitlines()[-1])
            say("   the hand pipeline loaded the same values as the source: migrate --verify exited 0")
    r.ok = not r.problems
    return r, dbs


# ---------------------------------------------------------------- PostgreSQL -> SQLite

def sqlite_counts(path, tables):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        have = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        return {t: con.execute("SELECT count(*) FROM %s" % qident(t)).fetchone()[0] for t in tables if t in have}
    finally:
        con.close()


def check_sqlite_counts(label, dbdir, sources):
    problems, total = [], 0
    for src in (MAIN_DB, USAGE_DB):
        path = os.path.join(dbdir, src)
        if not os.path.exists(path):
            problems.append("%s: %s was not written" % (label, path))
            continue
        got = sqlite_counts(path, [t for t, _, _ in sources[src]])
        for t, _, want in sources[src]:
            n = got.get(t)
            total += n or 0
            if n != want:
                problems.append("%s: %s table %s has %s rows, the source has %d" % (label, src, t, n, want))
    return total, problems


def run_reverse(server, work, dbs, sources, migrate_bin, rep):
    """migrate --from=pgx --to=sqlite3 from the databases run (a) loaded."""
    r = Result("reverse: migrate (copy + indexes + verify)")
    outdir = os.path.join(work, "reverse-%d" % rep)
    os.mkdir(outdir)
    os.chmod(outdir, 0o777)  # the worker runs as the service account
    cfg = os.path.join(work, "reverse.gcfg")
    with open(cfg, "w") as f:
        f.write('[SQLite]\nDir = %s\n[Postgres]\nURL = "%s"\nUsageDataURL = "%s"\n'
                % (outdir, server.url(dbs[0]), server.url(dbs[1])))
    out_path = os.path.join(work, "reverse.out")
    tf = os.path.join(work, "reverse.time")
    cmd = [migrate_bin, "--config", cfg, "database", "--from=pgx", "--to=sqlite3"]
    say("$ " + " ".join(shlex.quote(c) for c in cmd))
    with open(out_path, "w") as out:
        rc = timed(cmd, tf, out)
    r.wall, r.rss_kib, _ = parse_gnu_time(tf)
    with open(out_path, errors="replace") as f:
        text = f.read()
    if rc != 0 or "\nmigrate: success:" not in "\n" + text:
        r.problems.append("reverse migrate exited with status %d:\n%s" % (rc, "\n".join(text.splitlines()[-15:])))
    summary = parse_summary(text)
    r.copy_seconds = sum(c or 0.0 for rows in summary.values() for _, _, c, _ in rows)
    r.verify_seconds = sum(v for rows in summary.values() for _, _, _, v in rows)
    r.rows, problems = check_sqlite_counts("reverse migrate", outdir, sources)
    r.problems += problems
    r.ok = not r.problems
    return r, outdir


def run_reverse_hand(server, work, dbs, sources, model_dir, rep):
    """psql \\copy (SELECT ...) TO STDOUT (FORMAT csv) | sqlite3 .import, one
    transaction per file, into the tables migrate created (no indexes)."""
    r = Result("reverse: hand pipeline (psql \\copy | sqlite3 .import)")
    outdir = os.path.join(work, "reverse-hand-%d" % rep)
    os.mkdir(outdir)
    psql = os.path.join(server.pgbin, "psql")
    lines = ["#!/bin/bash", "set -euo pipefail"]
    for db, src in zip(dbs, (MAIN_DB, USAGE_DB)):
        model = sqlite3.connect(os.path.join(model_dir, src))
        ddl = [row[0] for row in model.execute("SELECT sql FROM sqlite_schema WHERE type = 'table'"
                                              " AND name NOT LIKE 'sqlite_%'")]
        model.close()
        target = os.path.join(outdir, src)
        con = sqlite3.connect(target)  # not timed: empty tables
        for stmt in ddl:
            con.execute(stmt)
        con.commit()
        con.close()
        script = ["BEGIN;"]
        for i, (t, cols, _) in enumerate(sources[src]):
            copy = "\\copy (SELECT %s FROM %s) TO STDOUT (FORMAT csv)" % (
                ", ".join(qident(c) for c, _ in cols), qident(t))
            # One small script per table: sqlite3's dot-command quoting is not the shell's.
            cmd_path = os.path.join(work, "reverse-hand-%s-%d.sh" % (src, i))
            with open(cmd_path, "w") as f:
                f.write("exec %s -X -q -w -d %s -c %s\n" % (psql, shlex.quote(server.url(db)), shlex.quote(copy)))
            script.append(".import --csv '|bash %s' %s" % (cmd_path, qident(t)))
        script.append("COMMIT;")
        sql_path = os.path.join(work, "reverse-hand-%s.sql" % src)
        with open(sql_path, "w") as f:
            f.write("\n".join(script) + "\n")
        lines.append("sqlite3 -init /dev/null -batch -bail %s < %s" % (shlex.quote(target), shlex.quote(sql_path)))
    sh_path = os.path.join(work, "reverse-hand.sh")
    with open(sh_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    out_path = os.path.join(work, "reverse-hand.out")
    tf = os.path.join(work, "reverse-hand.time")
    say("$ bash %s   # psql \\copy | sqlite3 .import, one transaction per file" % sh_path)
    with open(out_path, "w") as out:
        rc = timed(["bash", sh_path], tf, out)
    r.wall, r.rss_kib, _ = parse_gnu_time(tf)
    if rc != 0:
        with open(out_path, errors="replace") as f:
            r.problems.append("the reverse hand pipeline exited with status %d:\n%s" % (rc, f.read()[-3000:]))
    r.rows, problems = check_sqlite_counts("reverse hand pipeline", outdir, sources)
    r.problems += problems
    r.ok = not r.problems
    return r


# ---------------------------------------------------------------- datasets

# name -> (generator, what it is, pgloader options besides PGLOADER_CAST).
# Both generators write MAIN_DB and USAGE_DB into --dir and scale with
# --usage-rows.  On the wide dataset at 2,000,000 usage rows pgloader 3.6.9
# with its default "prefetch rows = 100000" exhausts its 1 GiB SBCL heap
# ("Heap exhausted during garbage collection") and loads neither usage
# table; with 10000 it loads every row (at 396 MiB).
DATASETS = {
    "sample": (MAKE_SAMPLE, "the sample: integer keys, narrow rows (tests/sample/make-sample-dbs.py)", ()),
    "wide": (MAKE_WIDE, "wide rows with composite TEXT keys (tests/bench/make-wide-db.py)",
             ("--with", "prefetch rows = 10000")),
}


def make_dataset(name, dbdir, usage_rows, packages):
    gen = DATASETS[name][0]
    cmd = [PYTHON, gen, "--dir", dbdir, "--usage-rows", str(usage_rows)]
    if name == "sample":
        cmd += ["--packages", str(packages)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    sources = {MAIN_DB: source_tables(os.path.join(dbdir, MAIN_DB)),
               USAGE_DB: source_tables(os.path.join(dbdir, USAGE_DB))}
    largest = max(largest_value(os.path.join(dbdir, MAIN_DB)), largest_value(os.path.join(dbdir, USAGE_DB)))
    return cmd, sources, largest


class Dataset:
    """The measurements of one dataset."""

    def __init__(self, name):
        self.name = name
        self.source_rows = 0
        self.usage_rows = 0
        self.tables = 0
        self.largest = 0
        self.m = self.pgl = self.hand = None
        self.rm = self.rh = None  # reverse direction, sample only
        self.runs = {}


def measure_dataset(name, args, server, work, migrate_bin):
    ds = Dataset(name)
    dwork = os.path.join(work, name)
    os.makedirs(dwork)
    os.chmod(dwork, 0o755)  # the worker runs as the service account
    dbdir = os.path.join(dwork, "db")
    t0 = time.monotonic()
    cmd, sources, ds.largest = make_dataset(name, dbdir, args.usage_rows, args.packages)
    say("\n== dataset %s: %s" % (name, DATASETS[name][1]))
    if DATASETS[name][2]:
        say("   pgloader options for this dataset, besides the cast: %s"
            % " ".join(shlex.quote(o) for o in DATASETS[name][2]))
    say("   $ " + " ".join(shlex.quote(os.path.basename(c) if c == cmd[1] else c) for c in cmd[1:]))
    ds.source_rows = sum(n for s in sources.values() for _, _, n in s)
    ds.usage_rows = sum(n for t, _, n in sources[USAGE_DB] if t == "package_downloads")
    ds.tables = sum(len(s) for s in sources.values())
    size = sum(os.path.getsize(os.path.join(dbdir, f)) for f in (MAIN_DB, USAGE_DB))
    say("   %d rows in %d tables, %.1f MiB of SQLite files, largest value %d bytes, made in %.1f s" % (
        ds.source_rows, ds.tables, size / 1048576, ds.largest, time.monotonic() - t0))
    for src in (MAIN_DB, USAGE_DB):
        for t, cols, n in sources[src]:
            say("   %-24s %-18s %9d rows %3d columns" % (src, t, n, len(cols)))

    runs = {"migrate": [], "pgloader": [], "hand": [], "reverse": [], "reverse-hand": []}
    ds.runs = runs
    schema = None
    reverse = name == "sample"
    for rep in range(1, args.repeat + 1):
        # Interleaved, so that a burst of load from elsewhere on the
        # machine hits every tool alike.
        say("\n== dataset %s, run %d of %d" % (name, rep, args.repeat))
        say("-- a. migrate")
        m, m_dbs = run_migrate(server, dwork, dbdir, sources, migrate_bin)
        runs["migrate"].append(m)
        say("   %.2f s, %.1f MiB, copy phase %.2f s%s" % (m.wall, mib(m.rss_kib), m.copy_seconds,
                                                          "" if m.ok else ", FAILED"))
        if schema is None and m.ok:
            schema = dump_schema(server, m_dbs)
        if m.ok and reverse:
            say("-- d. reverse: migrate --from=pgx --to=sqlite3 (from a's databases)")
            rm, rdir = run_reverse(server, dwork, m_dbs, sources, migrate_bin, rep)
            say("   %.2f s, %.1f MiB, copy phase %.2f s%s" % (rm.wall, mib(rm.rss_kib), rm.copy_seconds,
                                                              "" if rm.ok else ", FAILED"))
            runs["reverse"].append(rm)
            say("-- e. reverse: hand pipeline")
            rh = run_reverse_hand(server, dwork, m_dbs, sources, rdir, rep)
            say("   %.2f s, %.1f MiB%s" % (rh.wall, mib(rh.rss_kib), "" if rh.ok else ", FAILED"))
            runs["reverse-hand"].append(rh)
            shutil.rmtree(rdir, ignore_errors=True)
        server.drop_databases(*m_dbs)

        say("-- b. pgloader")
        pgl, pgl_dbs = run_pgloader(server, dwork, dbdir, sources, DATASETS[name][2])
        runs["pgloader"].append(pgl)
        say("   %.2f s, %.1f MiB%s" % (pgl.wall, mib(pgl.rss_kib), "" if pgl.ok else ", FAILED"))
        server.drop_databases(*pgl_dbs)

        say("-- c. hand pipeline")
        if schema is None:
            hand = Result("hand pipeline (sqlite3 -csv | psql \\copy)")
            hand.problems.append("the hand pipeline needs the tables of a successful migrate run")
        else:
            hand, hand_dbs = run_hand(server, dwork, dbdir, sources, schema,
                                      migrate_bin if not runs["hand"] else None)
            say("   %.2f s, %.1f MiB%s" % (hand.wall, mib(hand.rss_kib), "" if hand.ok else ", FAILED"))
            server.drop_databases(*hand_dbs)
        runs["hand"].append(hand)

    ds.m, ds.pgl, ds.hand = Best(runs["migrate"]), Best(runs["pgloader"]), Best(runs["hand"])
    if runs["reverse"]:
        ds.rm, ds.rh = Best(runs["reverse"]), Best(runs["reverse-hand"])
    shutil.rmtree(dbdir, ignore_errors=True)
    return ds


def measure_scaling(sizes, known, args, server, work, migrate_bin, failures):
    """[(usage rows, source rows, wall or None, peak RSS KiB, largest value)]:
    --scaling-repeat migrate runs (full, with verification) on the sample at
    each size, the best wall time and the highest peak RSS; known holds
    sizes already measured."""
    out = list(known)
    for n in sizes:
        if any(k[0] == n for k in known):
            continue
        say("\n== scaling: make-sample-dbs.py --usage-rows %d, one migrate run" % n)
        sdir = os.path.join(work, "scale-%d" % n)
        os.makedirs(sdir)
        t0 = time.monotonic()
        _, ssources, big = make_dataset("sample", os.path.join(sdir, "db"), n, args.packages)
        srows = sum(k for x in ssources.values() for _, _, k in x)
        say("   %d rows, made in %.1f s" % (srows, time.monotonic() - t0))
        walls, rss = [], 0
        for _ in range(args.scaling_repeat):
            sm, sdbs = run_migrate(server, sdir, os.path.join(sdir, "db"), ssources, migrate_bin)
            server.drop_databases(*sdbs)
            failures.extend(sm.problems)
            say("   %.2f s, %.1f MiB%s" % (sm.wall, mib(sm.rss_kib), "" if sm.ok else ", FAILED"))
            walls.append(sm.wall if sm.ok else None)
            rss = max(rss, sm.rss_kib)
        out.append((n, srows, None if None in walls else min(walls), rss, big))
        shutil.rmtree(sdir, ignore_errors=True)
    out.sort()
    return out


# ---------------------------------------------------------------- report

class Best:
    """One tool over all repetitions: the best (lowest) wall time, as noise
    on a shared machine only ever adds time; the highest peak RSS."""

    def __init__(self, runs):
        ran = [r for r in runs if r.wall is not None and r.ok] or [r for r in runs if r.wall is not None]
        self.name = runs[0].name
        self.ran = ran
        self.walls = [r.wall for r in ran]
        self.best = min(ran, key=lambda r: r.wall) if ran else None
        self.wall = self.best.wall if ran else None
        self.rss_kib = max(r.rss_kib for r in ran) if ran else None
        self.rows = self.best.rows if ran else None
        self.ok = bool(runs) and all(r.ok for r in runs)


def mib(kib):
    return kib / 1024.0


def verdict(value, target):
    return "PASS" if value <= target else "MISS"


def ok(b):
    return b is not None and b.wall is not None and b.ok


ROW_FORMAT = "%-46s %8s %12s %9s %6s  %s"


def table_line(b):
    every = " ".join("%.2f" % w for w in b.walls)
    if b.wall is None:
        say(ROW_FORMAT % (b.name, "-", "-", "-", "-", "did not run"))
    else:
        say("%-46s %8.2f %12.1f %9s %6s  %s" % (b.name, b.wall, mib(b.rss_kib),
                                               b.rows if b.rows is not None else "-",
                                               "yes" if b.ok else "NO", every))


def report_dataset(ds, repeat):
    m = ds.m
    say()
    say("=" * 100)
    say("Dataset %s: %d source rows in %d tables (%d in usage.package_downloads), %d CPUs, best of %d run%s"
        % (ds.name, ds.source_rows, ds.tables, ds.usage_rows, os.cpu_count() or 0, repeat,
           "" if repeat == 1 else "s"))
    say("  %s" % DATASETS[ds.name][1])
    if DATASETS[ds.name][2]:
        say("  pgloader also with %s" % " ".join(shlex.quote(o) for o in DATASETS[ds.name][2]))
    say()
    say(ROW_FORMAT % ("measurement", "wall s", "peak RSS MiB", "rows", "match", "every run (s)"))
    for b in (m, ds.pgl, ds.hand):
        table_line(b)
    if m.wall is not None:
        for label, attr in (("  migrate copy phase (sum of copy column)", "copy_seconds"),
                            ("  migrate verification (sum of verify column)", "verify_seconds")):
            say("%-46s %8.2f %12s %9s %6s  %s" % (label, min(getattr(r, attr) for r in m.ran), "", "", "",
                                                 " ".join("%.2f" % getattr(r, attr) for r in m.ran)))
    say()
    if m.best is not None and m.best.profile:
        say("Where migrate spends its time [%s] (its best run, %.2f s; from the arrival of its --progress lines):"
            % (ds.name, m.wall))
        for name, secs in m.best.profile:
            share = 100.0 * secs / m.wall if m.wall else 0
            say("  %-66s %7.2f s %5.1f%%" % (name, secs, share))
        say()
    else:
        say("Where migrate spends its time [%s]: not measured (no successful run)" % ds.name)
        say()


def report_reverse(rm, rh):
    say("PostgreSQL -> SQLite (--from=pgx --to=sqlite3), dataset sample:")
    say(ROW_FORMAT % ("measurement", "wall s", "peak RSS MiB", "rows", "match", "every run (s)"))
    for b in (rm, rh):
        table_line(b)
    if ok(rm):
        say("%-46s %8.2f" % ("  reverse copy phase (sum of copy column)", min(r.copy_seconds for r in rm.ran)))
        say("%-46s %8.2f" % ("  reverse verification (sum of verify column)", min(r.verify_seconds for r in rm.ran)))
    say()


def report_scaling(scaling):
    say("Scaling, dataset sample (migrate alone, full run with verification, the same number of runs at "
        "each size; rows/s = source rows / wall):")
    for n_usage, rows, wall, rss_kib, big in scaling:
        if wall is None:
            say("  %10d usage rows: the run failed" % n_usage)
            continue
        target = TARGET_RSS_MIB + big / 1048576.0
        say("  %10d usage rows: %9d rows in %7.2f s = %8.0f rows/s; peak RSS %.1f MiB (target <= %.1f MiB) %s"
            % (n_usage, rows, wall, rows / wall, mib(rss_kib), target, verdict(mib(rss_kib), target)))
    say()


def report_targets(datasets, sample_ds, scaling):
    say("Targets (information only, not an exit status):")

    def ratio_line(label, num, den, target):
        if num is None or den is None:
            say("  %s: not measured (a run failed)" % label)
        else:
            v = num / den
            say("  %s: %.2f (target <= %.2f) %s" % (label, v, target, verdict(v, target)))

    for ds in datasets:
        m, pgl, hand = ds.m, ds.pgl, ds.hand
        ratio_line("RATIO migrate full (with verification) / pgloader wall [%s]" % ds.name,
                   m.wall if ok(m) else None, pgl.wall if ok(pgl) else None, TARGET_FULL_VS_PGLOADER)
        ratio_line("RATIO migrate copy phase / hand pipeline wall [%s]" % ds.name,
                   min(r.copy_seconds for r in m.ran) if ok(m) else None, hand.wall if ok(hand) else None,
                   TARGET_COPY_VS_HAND)
        if ok(m):
            v, target = mib(m.rss_kib), TARGET_RSS_MIB + ds.largest / 1048576.0
            say("  RSS migrate peak resident set size [%s]: %.1f MiB (target <= 64 MiB + largest value %.1f MiB"
                " = %.1f MiB) %s" % (ds.name, v, ds.largest / 1048576.0, target, verdict(v, target)))
        else:
            say("  RSS migrate peak resident set size [%s]: not measured (a run failed)" % ds.name)
    if sample_ds is not None and sample_ds.rm is not None:
        rm, rh = sample_ds.rm, sample_ds.rh
        for label, num, target in (
                ("RATIO reverse copy phase / hand pipeline wall",
                 min(r.copy_seconds for r in rm.ran) if ok(rm) else None, TARGET_REVERSE_COPY_VS_HAND),
                ("RATIO reverse full (with verification) / hand pipeline wall",
                 rm.wall if ok(rm) else None, TARGET_REVERSE_FULL_VS_HAND)):
            ratio_line(label, num, rh.wall if ok(rh) else None, target)
        if ok(rm):
            v = mib(rm.rss_kib)
            say("  RSS reverse migrate peak resident set size: %.1f MiB (target <= %.0f MiB) %s"
                % (v, TARGET_RSS_MIB, verdict(v, TARGET_RSS_MIB)))
        else:
            say("  RSS reverse migrate peak resident set size: not measured (a run failed)")
    if scaling:
        done = [x for x in scaling if x[2] is not None]
        if len(done) >= 2:
            small, large = done[0], done[-1]
            change = (large[1] / large[2]) / (small[1] / small[2]) - 1.0
            say("  SCALING rows/s at %d vs %d usage rows: %+.0f%% (target within %.0f%%) %s"
                % (large[0], small[0], 100.0 * change, 100 * TARGET_SCALING, verdict(abs(change), TARGET_SCALING)))
            # "Within 20% of each other": the slowest size against the fastest.
            rates = [x[1] / x[2] for x in done]
            spread = min(rates) / max(rates) - 1.0
            say("  SCALING rows/s of the slowest of the %d sizes vs the fastest: %+.0f%% (target within %.0f%%) %s"
                % (len(done), 100.0 * spread, 100 * TARGET_SCALING, verdict(-spread, TARGET_SCALING)))
            big_rss = [(x, mib(x[3]) <= TARGET_RSS_MIB + x[4] / 1048576.0) for x in done]
            say("  RSS migrate peak resident set size at every size: %s (target <= 64 MiB + largest value) %s"
                % (", ".join("%.1f MiB at %d" % (mib(x[3]), x[0]) for x, _ in big_rss),
                   "PASS" if all(p for _, p in big_rss) else "MISS"))
        else:
            say("  SCALING: not measured (fewer than two sizes ran)")
    say()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--usage-rows", type=int, default=2_000_000,
                    help="size of both datasets: rows in usage.package_downloads (the wide dataset has as "
                         "many in daily_counts and a tenth in package_versions) (default 2000000)")
    ap.add_argument("--dataset", choices=("sample", "wide", "both"), default="both",
                    help="which dataset(s) to compare the three tools on (default both)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 20000 usage rows, one repetition, no scaling line")
    ap.add_argument("--packages", type=int, default=300,
                    help="packages in the sample's main database (default 300)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="measure each tool N times, interleaved, and keep the best wall time "
                         "(default 3, 1 with --quick)")
    ap.add_argument("--keep", action="store_true", help="keep the working directory (logs)")
    ap.add_argument("--no-scaling", action="store_true",
                    help="skip the scaling line (migrate alone on the sample at %s usage rows)"
                         % " and ".join(str(n) for n in SCALING_SIZES))
    ap.add_argument("--scaling-20m", action="store_true",
                    help="add %d usage rows to the scaling line (migrate alone, one run; about 20.4 million "
                         "rows, 2.2 GB of SQLite files)" % SCALING_20M)
    ap.add_argument("--scaling-sizes", metavar="N,N,...",
                    help="the scaling line's sizes in usage rows instead of %s (the smallest is the reference)"
                         % ",".join(str(n) for n in SCALING_SIZES))
    ap.add_argument("--scaling-repeat", type=int, default=1, metavar="N",
                    help="migrate runs per scaling size, the best counts (default 1)")
    ap.add_argument("--scaling-only", action="store_true",
                    help="only the scaling line: no three-tool comparison")
    args = ap.parse_args()
    if args.quick:
        args.usage_rows = 20_000
        args.no_scaling = True
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.repeat < 1 or args.usage_rows < 10 or args.packages < 1 or args.scaling_repeat < 1:
        ap.error("--repeat, --scaling-repeat and --packages must be at least 1, --usage-rows at least 10")
    if args.no_scaling and (args.scaling_20m or args.scaling_only or args.scaling_sizes):
        ap.error("--no-scaling (or --quick) contradicts --scaling-20m, --scaling-sizes and --scaling-only")
    sizes = list(SCALING_SIZES)
    if args.scaling_sizes:
        try:
            sizes = sorted({int(x) for x in args.scaling_sizes.split(",")})
        except ValueError:
            ap.error("--scaling-sizes takes numbers separated by commas")
        if not sizes or sizes[0] < 10:
            ap.error("--scaling-sizes: every size must be at least 10")
    if args.scaling_20m:
        sizes = sorted(set(sizes) | {SCALING_20M})
    migrate_bin = env("MIGRATE_BIN")
    if not os.access(migrate_bin, os.X_OK):
        raise BenchError("MIGRATE_BIN=%s is not an executable" % migrate_bin)
    for prog in ("pgloader", "sqlite3", GNU_TIME):
        if not shutil.which(prog):
            raise BenchError("%s is missing (run-bench.sh installs it)" % prog)
    server = Server()
    names = [] if args.scaling_only else (["sample", "wide"] if args.dataset == "both" else [args.dataset])

    work = tempfile.mkdtemp(prefix="migrate-bench.")
    os.chmod(work, 0o755)  # migrate's worker runs as the service account and reads the samples
    failures = []
    try:
        say("== PostgreSQL %s on %s:%s" % (server.sql("postgres", "SHOW server_version").strip(),
                                           server.host, server.port))
        say("   migrate %s (source tree %s)" % (migrate_bin, git_revision()))
        say("   %s" % pgloader_version())
        say("   pgloader options: -l pgloader-real.lisp --cast '%s'" % PGLOADER_CAST)
        say("   (pgloader's defaults lose sync_runs: it prints REAL Infinity in a form PostgreSQL rejects)")
        server.sql("postgres", "CREATE ROLE %s LOGIN PASSWORD %s" % (qident(ROLE), qliteral(PASSWORD)))

        datasets = [measure_dataset(n, args, server, work, migrate_bin) for n in names]
        sample_ds = next((d for d in datasets if d.name == "sample"), None)
        scaling = []
        if not args.no_scaling:
            known = []
            if sample_ds is not None and len(sample_ds.runs["migrate"]) >= args.scaling_repeat:
                # The comparison's first --scaling-repeat migrate runs stand
                # for its own size: as many runs as every other size gets,
                # so that no size is favoured by a best of more runs.
                first = sample_ds.runs["migrate"][:args.scaling_repeat]
                known.append((args.usage_rows, sample_ds.source_rows,
                              min(r.wall for r in first) if all(r.ok for r in first) else None,
                              max(r.rss_kib for r in first), sample_ds.largest))
            scaling = measure_scaling(sizes, known, args, server, work, migrate_bin, failures)

        for ds in datasets:
            report_dataset(ds, args.repeat)
        if sample_ds is not None:
            if sample_ds.rm is not None:
                report_reverse(sample_ds.rm, sample_ds.rh)
            else:
                failures.append("the reverse direction was not measured: no successful migrate run to read from")
        if scaling:
            report_scaling(scaling)
        report_targets(datasets, sample_ds, scaling)
        for ds in datasets:
            for rs in ds.runs.values():
                for r in rs:
                    failures += ["[%s] %s" % (ds.name, p) for p in r.problems]
    except BenchError as e:
        failures.append(str(e))
    except subprocess.CalledProcessError as e:
        failures.append("%s exited with status %d" % (" ".join(map(str, e.cmd)), e.returncode))
    finally:
        if args.keep:
            say("working directory kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)

    if failures:
        for f in failures:
            print("bench: FAILED: " + f, file=sys.stderr)
        say("bench: a measurement failed or loaded a wrong result (see above); exit status 1")
        return 1
    say("bench: all measurements ran and every tool loaded the source's row counts")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)
