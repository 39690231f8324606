#!/usr/bin/python3
"""Round trips and interruptions of PostgreSQL -> SQLite.

The sample databases go SQLite -> PostgreSQL -> SQLite: the new SQLite files
hold the same tables, row counts and values as the originals (each compared
with PostgreSQL by Python's sqlite3 module and psql, not by migrate's own
verifier).  Then runs into SQLite are interrupted with SIGINT and killed with
SIGKILL in the middle of the copy: an absent file stays absent, an existing
one keeps its bytes, and the leftover of the killed run is removed by the
next run, which says so.

    with-postgres.sh test_roundtrip.py MIGRATE MAKE_SAMPLE_DBS
"""

import hashlib
import os
import signal
import sqlite3
import subprocess
import time

import mtest

t = mtest.Test()
src = t.make_samples("db", "--usage-rows", "200000")
NAMES = ("rstudio-pm.sqlite", "rstudio-pm-usage.sqlite")

res = t.migrate(t.write_config("forward", src))
if not t.equal(res.rc, 0, "the samples go into PostgreSQL"):
    t.note(res.describe())
    t.finish()

back = t.new_dir("back")
os.chmod(back, 0o777)
config = t.write_config("back", back)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "PostgreSQL -> SQLite of both databases succeeds") or t.note(res.describe())
t.check("main and usage databases" in res.out, "the summary names both databases", res.out[-400:])


def tables_and_counts(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"
                                       " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    counts = {n: con.execute('SELECT count(*) FROM "%s"' % n.replace('"', '""')).fetchone()[0] for n in names}
    checks = (con.execute("PRAGMA integrity_check").fetchall(), con.execute("PRAGMA foreign_key_check").fetchall())
    con.close()
    return counts, checks


for name, db in zip(NAMES, (t.db, t.usage_db)):
    orig, new = os.path.join(src, name), os.path.join(back, name)
    a, _ = tables_and_counts(orig)
    b, checks = tables_and_counts(new)
    t.equal(b, a, "%s: the same tables with the same row counts after the round trip" % name)
    t.equal(checks, ([("ok",)], []), "%s: integrity_check and foreign_key_check clean" % name)
    d1 = t.compare_with_sqlite(orig, db)
    d2 = t.compare_with_sqlite(new, db)
    t.check(not d1 and not d2, "%s: original and round-tripped values both equal PostgreSQL's" % name,
            "\n".join((d1 + d2)[:20]))
    con_a = sqlite3.connect(orig)
    con_b = sqlite3.connect(new)
    seq_a = dict(con_a.execute("SELECT name, seq FROM sqlite_sequence")) if name == NAMES[0] else {}
    seq_b = dict(con_b.execute("SELECT name, seq FROM sqlite_sequence")) if name == NAMES[0] else {}
    for table, seq in seq_a.items():
        t.check(seq_b.get(table, -1) >= seq, "%s: sqlite_sequence of %s not behind the original's (%s >= %s)"
                % (name, table, seq_b.get(table), seq))
    con_a.close()
    con_b.close()

res = t.migrate(config, "--from=pgx", "--to=sqlite3", "--verify")
t.equal(res.rc, 0, "--verify of the round-tripped files passes") or t.note(res.describe())


# ---- interruptions ----------------------------------------------------------

def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.exists(path) else None


def interrupted_run(config, target_dir, sig, *args):
    """Starts migrate, waits until the new usage file is being written, sends sig."""
    argv = [t.migrate_exe, "--config", config, "database", "--from=pgx", "--to=sqlite3"] + list(args)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    temp = os.path.join(target_dir, NAMES[1] + ".migrate-new")
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(temp) and os.path.getsize(temp) > 1 << 20:
            break
        time.sleep(0.01)
    sent = proc.poll() is None
    if sent:
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return sent, proc.returncode, err.decode("utf-8", "replace")


fresh = t.new_dir("fresh")
os.chmod(fresh, 0o777)
fresh_config = t.write_config("fresh", fresh)
sent, rc, err = interrupted_run(fresh_config, fresh, signal.SIGINT)
t.check(sent, "SIGINT reached migrate while it wrote the new usage file")
t.equal(rc, 128 + signal.SIGINT, "SIGINT: exit 130") or t.note(err)
t.equal(sorted(os.listdir(fresh)), [], "SIGINT: an absent target stays absent, no stray files")

sent, rc, err = interrupted_run(fresh_config, fresh, signal.SIGKILL)
t.check(sent, "SIGKILL reached migrate while it wrote the new usage file")
t.equal(rc, -signal.SIGKILL, "SIGKILL: killed")
time.sleep(0.5)  # the worker dies with its parent
left = sorted(os.listdir(fresh))
t.check(all(n.endswith(".migrate-new") or n.endswith(".migrate-new-journal") for n in left),
        "SIGKILL: only the unfinished new file is left, never a final name", left)
t.check(not os.path.exists(os.path.join(fresh, NAMES[1])), "SIGKILL: no usage database appeared")
res = t.migrate(fresh_config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "the next run succeeds") or t.note(res.describe())
t.check(any("removed" in l and ".migrate-new" in l and "interrupted" in l for l in res.err.splitlines()),
        "the next run says it removed the leftover", res.err)
t.equal(sorted(os.listdir(fresh)), sorted(NAMES), "after it only the two databases are there")

# An existing database keeps its bytes when a --drop-all run is interrupted or killed.
before = {n: digest(os.path.join(fresh, n)) for n in NAMES}
for sig in (signal.SIGINT, signal.SIGKILL):
    sent, rc, err = interrupted_run(fresh_config, fresh, sig, "--drop-all")
    t.check(sent, "%s reached the --drop-all run into existing files" % sig.name)
    time.sleep(0.5)
    t.equal({n: digest(os.path.join(fresh, n)) for n in NAMES}, before,
            "%s: the existing databases are byte for byte as before" % sig.name)
res = t.migrate(fresh_config, "--from=pgx", "--to=sqlite3", "--verify")
t.equal(res.rc, 0, "and they still verify against PostgreSQL") or t.note(res.describe())

t.finish()
