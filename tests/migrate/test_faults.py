#!/usr/bin/python3
"""Faults on the PostgreSQL side that must neither hang migrate nor make it lie.

    with-postgres.sh test_faults.py MIGRATE

(a) a server that accepts TCP connections and never answers (a python
    socket on 127.0.0.1): with connect_timeout=3 in the URL the run ends in
    about 3 s, without it at the documented default (30 s), each with a
    message naming the database; Ctrl-C while connecting ends it at once;
(b) statement_timeout and idle_in_transaction_session_timeout set on the role
    and the database: a run whose statements and idle waits are longer still
    succeeds (migrate sets its own session values);
(c) pg_cancel_backend() on migrate's session during a big COPY: the run
    ends within 1.5 s (0.3 s of it waiting to cancel mid-copy) with the
    server's message, nothing committed;
(d) --drop-all when the target has a table the source lacks (with an advanced
    sequence): refused naming it, nothing emptied, the sequence untouched;
    when the source has a table the target lacks: refused, and no hint tells
    to run with --drop-all (given or not).
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time

import mtest

t = mtest.Test()
APP = "rstudio-pm-migrate"


def silent_server():
    """A TCP port on 127.0.0.1 that accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held = []

    def accept():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            held.append(c)
    threading.Thread(target=accept, daemon=True).start()
    return srv, srv.getsockname()[1]


def url_to_port(port, extra=""):
    return "postgres://%s:x@127.0.0.1:%d/%s%s" % (t.user, port, t.db, extra)


def simple_source(name, rows=3, usage_rows=0):
    d = t.new_dir(name)
    con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"), isolation_level=None)
    con.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER)")
    con.execute("BEGIN")
    con.executemany("INSERT INTO items VALUES (?, ?, ?)",
                    ((i, "item %d with some text to copy" % i, i * 7) for i in range(1, rows + 1)))
    con.execute("COMMIT")
    con.close()
    if usage_rows:
        con = sqlite3.connect(os.path.join(d, "rstudio-pm-usage.sqlite"), isolation_level=None)
        con.execute("CREATE TABLE downloads (id INTEGER PRIMARY KEY, package TEXT NOT NULL, at DATETIME)")
        con.execute("BEGIN")
        con.executemany("INSERT INTO downloads VALUES (?, ?, ?)",
                        ((i, "pkg%d" % (i % 1000), "2024-01-01 00:00:00") for i in range(1, usage_rows + 1)))
        con.execute("COMMIT")
        con.close()
    return d


def timed_migrate(config, *args, limit=90):
    """migrate, killed after limit seconds (a hang is a failure, not a stall)."""
    argv = ["--config", config, "database"] + list(args)
    start = time.monotonic()
    try:
        proc = subprocess.run([t.migrate_exe] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=limit)
    except subprocess.TimeoutExpired as e:
        proc = subprocess.CompletedProcess(argv, -9, e.stdout or b"", (e.stderr or b"") + b"\n(killed: hung)")
    return mtest.Result(argv, proc), time.monotonic() - start


# ---- (a) connect timeout ------------------------------------------------------

srv, port = silent_server()
src = simple_source("connect")

cfg = t.write_config("silent3", src, url=url_to_port(port, "?connect_timeout=3"), usage_url=False)
r, took = timed_migrate(cfg)
t.note("connect_timeout=3: exit %d after %.1f s" % (r.rc, took))
t.check(r.rc == 1 and 2.5 <= took < 10, "a silent server with connect_timeout=3 in the URL: exit 1 after about 3 s",
        r.describe() + "\ntook %.1f s" % took)
t.check(re.search(r"cannot connect to the PostgreSQL main database .*did not answer within 3 seconds", r.err),
        "the message names the database and the timeout", r.describe())

cfg = t.write_config("silent-default", src, url=url_to_port(port), usage_url=False)
r, took = timed_migrate(cfg)
t.note("default: exit %d after %.1f s" % (r.rc, took))
t.check(r.rc == 1 and 29 <= took < 40, "a silent server, no connect_timeout: the default of 30 s applies",
        r.describe() + "\ntook %.1f s" % took)
t.check("did not answer within 30 seconds" in r.err, "the message says the default timeout", r.describe())

proc = subprocess.Popen([t.migrate_exe, "--config", cfg, "database"], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
time.sleep(1.5)  # connected to the silent port, waiting for an answer
sent = time.monotonic()
proc.send_signal(signal.SIGINT)
try:
    out, err = proc.communicate(timeout=20)
except subprocess.TimeoutExpired:
    proc.kill()
    out, err = proc.communicate()
took = time.monotonic() - sent
t.check(proc.returncode == 130 and took < 2, "Ctrl-C while connecting ends the run at once (exit 130)",
        "exit %s after %.1f s\n%s" % (proc.returncode, took, err.decode()))
t.check(b"interrupted while connecting" in err, "it says it was interrupted while connecting", err.decode())
srv.close()

# ---- (b) server-side timeouts on the role and the database -----------------------

timeout_rows = 800_000  # a run of several seconds, also on a fast machine
src = simple_source("timeouts", rows=timeout_rows, usage_rows=timeout_rows)
cfg = t.write_config("timeouts", src)
t.psql("postgres", "ALTER ROLE %s SET statement_timeout = '200ms'" % mtest.qi(t.user))
t.psql("postgres", "ALTER DATABASE %s SET idle_in_transaction_session_timeout = '200ms'" % mtest.qi(t.db))
t.psql("postgres", "ALTER ROLE %s SET idle_session_timeout = '200ms'" % mtest.qi(t.user))
try:
    r, took = timed_migrate(cfg)
finally:
    t.psql("postgres", "ALTER ROLE %s RESET ALL" % mtest.qi(t.user))
    t.psql("postgres", "ALTER DATABASE %s RESET ALL" % mtest.qi(t.db))
t.note("with 200 ms server-side timeouts: exit %d after %.1f s" % (r.rc, took))
t.check(took > 1, "the run takes longer than the server-side timeouts (%.1f s)" % took)
t.check(r.rc == 0 and "migrate: success:" in r.out,
        "statement_timeout / idle_in_transaction_session_timeout / idle_session_timeout on the role and "
        "database do not break a long run", r.describe())
t.equal(t.psql(t.db, "SELECT count(*) FROM items", check=False), str(timeout_rows), "main holds every row")
t.equal(t.psql(t.usage_db, "SELECT count(*) FROM downloads", check=False), str(timeout_rows), "usage holds every row")
for db in (t.db, t.usage_db):
    t.psql("postgres", "DROP DATABASE %s WITH (FORCE)" % mtest.qi(db))
    t.psql("postgres", "CREATE DATABASE %s OWNER %s" % (mtest.qi(db), mtest.qi(t.user)))

# ---- (c) pg_cancel_backend during a big COPY ----------------------------------------

src = simple_source("cancel", rows=4_000_000)  # the old code went on sending for over 3 s
cfg = t.write_config("cancel", src, usage_url=False)
before = t.snapshot(t.db)
proc = subprocess.Popen([t.migrate_exe, "--config", cfg, "database"], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
pid = None
deadline = time.monotonic() + 120
while pid is None and time.monotonic() < deadline and proc.poll() is None:
    pid = t.value("postgres", "SELECT pid FROM pg_stat_activity WHERE application_name = '%s'"
                              " AND state = 'active' AND query ~ '^COPY .* FROM STDIN'" % APP) or None
    time.sleep(0.02)
t.check(pid is not None, "migrate's COPY was seen on the server")
cancelled = time.monotonic()
t.value("postgres", "SELECT pg_sleep(0.3), pg_cancel_backend(%s)" % (pid or 0))
try:
    out, err = proc.communicate(timeout=120)
except subprocess.TimeoutExpired:
    proc.kill()
    out, err = proc.communicate()
took = time.monotonic() - cancelled
err = err.decode("utf-8", "replace")
t.note("ended %.1f s after the cancel" % took)
t.check(proc.returncode == 1 and took < 1.5, "the run ends promptly after the server cancels the COPY (exit 1)",
        "exit %s, %.1f s after the cancel\n%s" % (proc.returncode, took, err[-2000:]))
t.check(re.search(r"table items: .*canceling statement due to user request", err),
        "the message is the server's, naming the table", err[-2000:])
t.check("nothing was committed" in err, "it says nothing was committed", err[-2000:])
t.same_snapshot(before, t.snapshot(t.db), "the target is as it was")

# ---- (d) what --drop-all does with tables only one side has ---------------------------

src = simple_source("dropall", rows=5)
cfg = t.write_config("dropall", src, usage_url=False)
t.psql(t.db, "SET ROLE %s; CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, n bigint);"
             " INSERT INTO items VALUES (100, 'old', 1);"
             " CREATE TABLE left_by_hand (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note text);"
             " INSERT INTO left_by_hand (note) SELECT 'n' || g FROM generate_series(1, 7) g;" % mtest.qi(t.user))
before = t.snapshot(t.db)
r = t.migrate(cfg, "--drop-all")
t.check(r.rc == 1, "--drop-all, target has a table the source lacks: refused (exit 1)", r.describe())
t.check(re.search(r"target has 1 table the main source lacks.*--drop-all emptied nothing", r.err)
        and re.search(r"^migrate:   left_by_hand$", r.err, re.M), "the refusal names the table", r.describe())
t.same_snapshot(before, t.snapshot(t.db), "nothing was emptied; left_by_hand's sequence is where it was")
t.equal(t.value(t.db, "SELECT last_value FROM left_by_hand_id_seq"), "7", "the sequence of left_by_hand is untouched")

t.psql(t.db, "DROP TABLE left_by_hand; ALTER TABLE items RENAME TO other_items")
t.psql(t.db, "SET ROLE %s; CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, n bigint)"
       % mtest.qi(t.user))
con = sqlite3.connect(os.path.join(src, "rstudio-pm.sqlite"))
con.execute("CREATE TABLE other_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER)")
con.execute("CREATE TABLE newer (id INTEGER PRIMARY KEY)")
con.commit()
con.close()
before = t.snapshot(t.db)
for args in (["--drop-all"], []):
    r = t.migrate(cfg, *args)
    what = "with --drop-all" if args else "without --drop-all"
    t.check(r.rc == 1 and "the target has no table newer" in r.err,
            "%s, the source has a table the target lacks: refused naming it" % what, r.describe())
    t.check("run with --drop-all" not in r.both, "%s: no hint to run with --drop-all" % what, r.describe())
    t.same_snapshot(before, t.snapshot(t.db), "%s: the target is as it was" % what)

t.finish()
