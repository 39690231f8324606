#!/usr/bin/python3
"""The benchmark's breakdown by phase (bench.migrate_profile) from a run's
--progress line times, on runs short enough that a line arrives a little
after migrate's own timer says its phase ended.  Every phase is at least
zero (check-bench-smoke.sh reads them as plain numbers: a "-0.00 s" tail
failed it in CI), the phases in order add up to the exit time, and a
normal run keeps the figures it had.  No server needed."""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench", os.path.join(HERE, "bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

failed = 0
n = 0


def check(what, ok):
    global failed, n
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    if not ok:
        failed += 1


def events(spec):
    return [(t, "migrate: %s %s.%s: 10/10 rows" % (phase, db, table)) for t, phase, db, table in spec]


# Two databases, one table each.  migrate's summary says the usage copy took
# 0.050 s and its verification 0.030 s, longer than the gaps between the lines
# around them (the lines were late); the process exited 1 ms after its last
# line.
summary = {"main": [("t", 10, 0.010, 0.005)], "usage": [("u", 10, 0.050, 0.030)]}
late = events([(0.060, "copy", "main", "t"), (0.080, "verify", "main", "t"),
               (0.100, "copy", "usage", "u"), (0.110, "verify", "usage", "u")])
late.append((0.111, "migrate: commit main database"))
profile = bench.migrate_profile(late, summary, 0.112)
check("a profile is made from the lines", profile is not None)
profile = profile or []
for name, secs in profile:
    check("%s: %.4f s is not negative" % (name, secs), secs >= 0)
total = sum(s for name, s in profile if "beside the work" not in name)
check("the phases add up to the exit time (%.4f s)" % total, abs(total - 0.112) < 1e-9)
tail = dict(profile).get("commit, summary, exit")
check("commit, summary, exit is the time after the last verify line (2 ms)", tail is not None and abs(tail - 0.002) < 1e-9)

# A longer run whose timers and lines agree keeps its figures.
summary = {"main": [("t", 10, 1.0, 0.5)], "usage": [("u", 10, 2.0, 1.0)]}
normal = events([(1.5, "copy", "main", "t"), (3.0, "verify", "main", "t"),
                 (6.0, "copy", "usage", "u"), (9.0, "verify", "usage", "u")])
normal.append((9.1, "migrate: commit main database"))
got = dict(bench.migrate_profile(normal, summary, 9.5) or [])
want = {"connect, catalogs, row counts (every database)": 0.5,
        "main: copy, checking each value (copy column: 1.00 s)": 1.0,
        "main: keys, indexes, foreign keys, sequences": 1.0,
        "main: verify": 0.5,
        "usage: create tables": 1.0,
        "usage: copy, checking each value (copy column: 2.00 s)": 2.0,
        "usage: keys, indexes, foreign keys, sequences": 2.0,
        "usage: verify": 1.0,
        "commit, summary, exit": 0.5}
for name, secs in want.items():
    check("%s is %.2f s" % (name, secs), name in got and abs(got[name] - secs) < 1e-9)

print("1..%d" % n)
sys.exit(1 if failed else 0)
