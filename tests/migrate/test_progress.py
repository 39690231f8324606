#!/usr/bin/python3
"""Progress and the report, as a user sees them.

    with-postgres.sh test_progress.py MIGRATE MAKE_SAMPLE_DBS

On a terminal (stderr is a pseudo-terminal here), each table gets a bar
redrawn in place (carriage return, erase line) with rows done/total, a
percentage and rows/s; each key, index and foreign key being built and each
commit, n of m; on every line the run's elapsed time and the time left; without a terminal, --progress prints plain lines
and no escape sequences; without either, nothing but the summary.  The
summary on stdout lists every table with its rows, bytes and seconds, and
ends with a one-line verdict.
"""

import re

import mtest

t = mtest.Test()
src = t.make_samples("db", "--usage-rows", "50000")
config = t.write_config("cfg", src)


def run_on_terminal(argv):
    rc, out, tty = mtest.run_on_terminal(argv)
    return rc, out.decode("utf-8", "replace"), tty.decode("utf-8", "replace")


rc, out, tty = run_on_terminal([t.migrate_exe, "--config", config, "database"])
t.equal(rc, 0, "terminal: the migration succeeds") or t.note(out + tty)
t.check("\r\x1b[K" in tty, "terminal: bars are redrawn in place (carriage return, erase line)", tty[-2000:])
t.check("copy   usage.package_downloads" in tty and "[####################] 50000/50000 100%" in tty,
        "terminal: a full bar with rows done/total for the big table", tty[-2000:])
t.check("rows/s" in tty, "terminal: the rate is shown", tty[-2000:])
# One pass checks and copies: the values are checked in the copy's bar.
for phase in ("copy", "verify"):
    t.check("%-6s main.packages" % phase in tty, "terminal: a bar for the %s phase of each table" % phase, tty[-2000:])
t.check("check  main." not in tty, "terminal: no separate check pass over the source", tty[-2000:])
# The keys-and-indexes phase: each key, index and foreign key by name, n of m.
screen = tty.replace("\r\x1b[K", "\n").splitlines()
keys = [l for l in screen if l.startswith("keys   ")]
t.check(any(re.search(r"^keys   primary key of packages +\d+/\d+ \|", l) for l in keys),
        "terminal: the primary key being built is shown, n of m", "\n".join(keys[:20]))
t.check(any(re.search(r"^keys   index \S+ on \S+ +\d+/\d+ \|", l) for l in keys),
        "terminal: each index being built is shown, n of m", "\n".join(keys[:20]))
t.check(any(re.search(r"^keys   foreign key of \S+ to \S+ +\d+/\d+ \|", l) for l in keys),
        "terminal: each foreign key being added is shown, n of m", "\n".join(keys[:20]))
counts = [tuple(map(int, re.search(r" (\d+)/(\d+) \|", l).groups())) for l in keys]
t.check(counts and all(n <= m for n, m in counts) and any(n == m for n, m in counts),
        "terminal: the steps count up to their total", counts[:40])
t.check(any(re.search(r"^integrity main database +1/1 \|", l) for l in screen)
        and any(re.search(r"^integrity usage database +1/1 \|", l) for l in screen),
        "terminal: each source's integrity check is shown", "\n".join(screen[:20]))
t.check(any(l.startswith("commit main database") for l in screen)
        and any(l.startswith("commit usage database") for l in screen),
        "terminal: each commit is shown", "\n".join(screen[-10:]))
# One overall part on every line: elapsed time and time left for the whole run.
shown = [l for l in screen if l.strip() and not l.startswith("migrate: ")]
overall = [re.search(r"\| run (\d+):(\d\d)(, about (\d+):(\d\d) left)?$", l) for l in shown]
t.check(overall and all(overall), "terminal: every progress line ends with the run's elapsed time",
        "\n".join(l for l, m in zip(shown, overall) if not m)[:2000])
lefts = [m for m in overall if m and m.group(3)]
t.check(len(lefts) >= 3, "terminal: an estimate of the time left is shown as the run goes", "\n".join(screen[-20:]))

t.psql("postgres", 'DROP DATABASE "%s" WITH (FORCE)' % t.db)
t.psql("postgres", 'DROP DATABASE "%s" WITH (FORCE)' % t.usage_db)
t.psql("postgres", 'CREATE DATABASE "%s" OWNER "%s"' % (t.db, t.user))
t.psql("postgres", 'CREATE DATABASE "%s" OWNER "%s"' % (t.usage_db, t.user))
res = t.migrate(config, "--progress")
t.equal(res.rc, 0, "pipe with --progress: the migration succeeds") or t.note(res.describe())
t.check("\x1b[" not in res.err and "\r" not in res.err, "pipe with --progress: no escape sequences", res.err[-1000:])
t.check("migrate: copy usage.package_downloads: 50000/50000 rows (100%)" in res.err,
        "pipe with --progress: a plain line per table", res.err[-1500:])

# The summary: every table with rows, bytes and seconds; the verdict last.
lines = res.out.splitlines()
row = [l.split() for l in lines if l.strip().startswith("package_downloads ")]
t.check(row and row[0][1] == "50000" and row[0][3] in ("KiB", "MiB") and row[0][4].endswith("s")
        and row[0][5].endswith("s"), "summary: package_downloads with rows, bytes, copy and verify seconds", res.out)
t.check(lines[-1].startswith("migrate: success: main and usage databases, 11 tables,")
        and lines[-1].endswith("copied, verified value by value and committed."),
        "summary: a one-line verdict at the end", lines[-1:])

t.psql("postgres", 'DROP DATABASE "%s" WITH (FORCE)' % t.db)
t.psql("postgres", 'DROP DATABASE "%s" WITH (FORCE)' % t.usage_db)
t.psql("postgres", 'CREATE DATABASE "%s" OWNER "%s"' % (t.db, t.user))
t.psql("postgres", 'CREATE DATABASE "%s" OWNER "%s"' % (t.usage_db, t.user))
res = t.migrate(config)
t.equal(res.rc, 0, "pipe without --progress: the migration succeeds") or t.note(res.describe())
t.check("rows/s" not in res.err, "pipe without --progress: no progress lines", res.err[-1000:])
t.finish()
