#!/usr/bin/python3
"""Large values: memory bounded by design (issue 8, item 10).

A table holds blobs of 1 MB, 100 MB and one large value (600 MB by
default: larger than half of PostgreSQL's 1 GB limit, so its hex text is
more than the server can build), plus a 3 MB text.  The migration
must succeed, and the worker's peak RSS must stay under
64 MiB plus one copy of the largest value.  Then one byte at the end of the
large value is changed in the source: --verify must find it (exit 3),
naming the row and column, and only it, under the same bound.  (The
migration itself verifies every value: a clean --verify adds nothing but
time.)  A table keyed by UUIDs in both cases, so that the verification
must sort its rows, holds a 100 MB value under the same kind of bound.

Peak RSS: migrate runs under a small Python wrapper whose
getrusage(RUSAGE_CHILDREN) ru_maxrss is the largest peak of any process
below it that was waited for -- the front end and its forked worker.

    with-postgres.sh test_large_values.py MIGRATE

LARGE_VALUE_NO_RSS=1 leaves the memory checks out (the sanitizer build,
where the resident size means nothing); LARGE_VALUE_SIZES (bytes,
comma-separated) replaces the sizes: the
benchmark (tests/bench/run-large-values.sh) uses it; CI uses the default,
which takes about a minute and a half and a peak of about 3 GB over all processes
(test, migrate, server).
"""

import hashlib
import os
import sqlite3
import subprocess
import sys
import time

import mtest

MIB = 1024 * 1024
BUDGET = 64 * MIB
CHECK_RSS = not os.environ.get("LARGE_VALUE_NO_RSS")
SIZES = [int(x) for x in os.environ.get("LARGE_VALUE_SIZES", "1000000,100000000,600000000").split(",")]
TEXT_SIZE = 3 * MIB

t = mtest.Test()

WRAPPER = r"""
import resource, subprocess, sys
p = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
with open(sys.argv[1], "w") as f:
    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024))
sys.stdout.buffer.write(p.stdout)
sys.stderr.buffer.write(p.stderr)
sys.exit(p.returncode)
"""


def migrate_measured(config, *args):
    """A run of migrate and the peak RSS (bytes) of its process tree."""
    argv = ["--config", config, "database"] + list(args)
    rss_file = os.path.join(t.tmp, "rss")
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/python3", "-c", WRAPPER, rss_file, t.migrate_exe] + argv,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    seconds = time.monotonic() - started
    with open(rss_file) as f:
        rss = int(f.read())
    return mtest.Result(argv, proc), rss, seconds


def pattern(size):
    """Incompressible bytes (so PostgreSQL's compression gives up at once
    and the value is stored at its full size)."""
    return os.urandom(size)


d = t.new_dir("src")
path = os.path.join(d, "rstudio-pm.sqlite")
con = sqlite3.connect(path)
con.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, label TEXT NOT NULL, data BLOB, note TEXT)")
for i, size in enumerate(SIZES, 1):
    con.execute("INSERT INTO blobs VALUES (?, ?, ?, NULL)", (i, "%d bytes" % size, pattern(size)))
    con.commit()
con.execute("INSERT INTO blobs VALUES (?, 'text', NULL, ?)", (len(SIZES) + 1, "é" * (TEXT_SIZE // 2) + "end"))
con.execute("INSERT INTO blobs VALUES (?, 'small', x'00ff', 'small')", (len(SIZES) + 2,))
con.commit()
con.close()
os.chmod(d, 0o755)
os.chmod(path, 0o644)
largest = max(SIZES + [TEXT_SIZE])
limit = BUDGET + largest
config = t.write_config("cfg", d, usage_url=False)


def report(what, rss):
    t.note("%s: peak RSS %.1f MiB, bound %.1f MiB (64 MiB + largest value %.1f MiB)"
           % (what, rss / MIB, limit / MIB, largest / MIB))


res, rss, secs = migrate_measured(config)
t.equal(res.rc, 0, "values of %s bytes migrate and verify" % ", ".join(map(str, SIZES))) or t.note(res.describe())
report("migration (copy and verify), %.0f s" % secs, rss)
CHECK_RSS and t.check(rss < limit, "migration: peak RSS %.1f MiB is under 64 MiB + the largest value (%.1f MiB)"
        % (rss / MIB, limit / MIB))

# Independently of migrate: lengths and digests as PostgreSQL computes them.
if res.rc == 0:
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    for i, size in enumerate(SIZES, 1):
        got = t.value(t.db, "SELECT octet_length(data) || ' ' || md5(data) FROM blobs WHERE id = %d" % i)
        blob = con.execute("SELECT data FROM blobs WHERE id = ?", (i,)).fetchone()[0]
        t.equal(got, "%d %s" % (len(blob), hashlib.md5(blob).hexdigest()),
                "row %d: the %d-byte value arrived intact" % (i, size))
        del blob
    con.close()
    got = t.value(t.db, "SELECT octet_length(note) || ' ' || right(note, 3) FROM blobs WHERE id = %d" % (len(SIZES) + 1))
    t.equal(got, "%d end" % (TEXT_SIZE // 2 * 2 + 3), "the %d-byte text arrived intact" % (TEXT_SIZE // 2 * 2 + 3))
else:
    t.check(False, "the values are in PostgreSQL (the migration failed)")

# One byte at the very end of the largest blob changes in the source.
big = SIZES.index(max(SIZES)) + 1
con = sqlite3.connect(path)
with con.blobopen("blobs", "data", big) as b:
    b.seek(max(SIZES) - 1)
    old = b.read(1)
    b.seek(max(SIZES) - 1)
    b.write(bytes([old[0] ^ 0xff]))
con.commit()
con.close()
res, rss, secs = migrate_measured(config, "--verify")
t.equal(res.rc, 3, "--verify finds one byte changed at the end of the %d-byte value (exit 3)" % max(SIZES)) \
    or t.note(res.describe())
found = [l for l in res.lines_with("verification") if "row id=%d" % big in l or "row %d" % big in l]
t.check(found and "data" in found[0], "the difference names the row and column", res.describe())
if found:
    t.note(found[0])
t.check(res.lines_with("found 1 difference"), "only that value differs: the other large values verify equal",
        res.describe())
report("--verify, %.0f s" % secs, rss)
CHECK_RSS and t.check(rss < limit, "--verify: peak RSS %.1f MiB is under 64 MiB + the largest value (%.1f MiB)"
        % (rss / MIB, limit / MIB))

# Keys whose conversion reorders them (UUIDs in upper and lower case) make
# the verification sort both sides: a large value must not go into the sort
# whole.
SORTED_SIZE = 100 * 1000 * 1000 if CHECK_RSS else 3 * 1000 * 1000
d2 = t.new_dir("sorted")
path2 = os.path.join(d2, "rstudio-pm.sqlite")
con = sqlite3.connect(path2)
con.execute("CREATE TABLE tokens (id UUID PRIMARY KEY, payload BLOB)")
con.execute("INSERT INTO tokens VALUES ('B0000000-0000-0000-0000-000000000001', ?)", (pattern(SORTED_SIZE),))
con.execute("INSERT INTO tokens VALUES ('a0000000-0000-0000-0000-000000000002', x'01')")
con.commit()
con.close()
os.chmod(d2, 0o755)
os.chmod(path2, 0o644)
config2 = t.write_config("sorted", d2, url=t.create_database("sorted_keys"), usage_url=False)
res, rss, secs = migrate_measured(config2)
t.equal(res.rc, 0, "a %d-byte value in a table whose keys must be sorted migrates and verifies" % SORTED_SIZE) \
    or t.note(res.describe())
t.note("sorted verification, %.0f s: peak RSS %.1f MiB, bound %.1f MiB" % (secs, rss / MIB, (BUDGET + SORTED_SIZE) / MIB))
CHECK_RSS and t.check(rss < BUDGET + SORTED_SIZE, "sorted verification: peak RSS %.1f MiB is under 64 MiB + the value (%.1f MiB)"
        % (rss / MIB, (BUDGET + SORTED_SIZE) / MIB))
t.finish()
