#!/usr/bin/python3
"""--verify finds exactly what differs, and writes nothing.

    with-postgres.sh test_verify.py MIGRATE MAKE_SAMPLE_DBS

After a successful migration of a sample with 200000 download rows,
--verify reports no difference; then one cell of the big table is changed
directly in PostgreSQL (a text cell, then a timestamp moved by one
microsecond), one row is deleted, one row is added: each time --verify exits
3 and names exactly that row (and column and both values), nothing else.
--verify against a database without tables fails with a clear message.
Every --verify run is followed by a snapshot comparison proving it changed
nothing in either target database.
"""

import re

import mtest

t = mtest.Test()

src = t.make_samples("db", "--usage-rows", "200000")
config = t.write_config("cfg", src)
res = t.migrate(config)
if not t.equal(res.rc, 0, "setup: the migration succeeds"):
    t.note(res.describe())
    t.finish()

# The changes below are all made in the usage database, so each --verify
# run is checked against a snapshot of it; the main database is compared
# once at the end (no --verify run may have changed it either).
main_before = t.snapshot(t.db)


def verify(what):
    """Runs --verify, checks it changed nothing, returns the result and its
    difference lines (without the "migrate: error: " prefix)."""
    before = t.snapshot(t.usage_db)
    res = t.migrate(config, "--verify")
    t.same_snapshot(before, t.snapshot(t.usage_db), "%s: --verify changed nothing in the usage database" % what)
    lines = [re.sub(r"^migrate: (error: )?", "", l) for l in res.err.splitlines() if "verification: " in l]
    lines = [l for l in lines if l.startswith("verification: ")]
    t.note("%s: --verify exit %d, %d difference line(s)%s" % (what, res.rc, len(lines), "".join("\n  " + l for l in lines)))
    return res, lines


def expect_one_difference(what, res, lines, expected_line):
    t.equal(res.rc, 3, "%s: --verify exits 3" % what) or t.note(res.describe())
    t.equal(lines, [expected_line], "%s: exactly this difference is reported, nothing else" % what)
    t.check(not res.out.splitlines() or not res.out.splitlines()[-1].startswith("migrate: verified:"),
            "%s: no 'verified' line" % what, res.describe())


res, lines = verify("unchanged target")
t.equal(res.rc, 0, "unchanged target: --verify exits 0") or t.note(res.describe())
t.equal(lines, [], "unchanged target: no difference reported")
last = res.out.splitlines()[-1] if res.out else ""
t.check(last.startswith("migrate: verified:"), "unchanged target: the last line says verified", res.describe())

U = t.usage_db


def row_id(offset):
    return int(t.value(U, "SELECT id FROM package_downloads ORDER BY id OFFSET %d LIMIT 1" % offset))


# ---- one text cell changed, deep inside the table ----------------------------------

rid = row_id(123456)
old = t.value(U, "SELECT package FROM package_downloads WHERE id = %d" % rid)
t.psql(U, "UPDATE package_downloads SET package = 'tampered' WHERE id = %d" % rid)
res, lines = verify("one text cell changed")
expect_one_difference("one text cell changed", res, lines,
                      "verification: usage database, table package_downloads, row id=%d, column package:"
                      " source '%s', target 'tampered'" % (rid, old))
t.psql(U, "UPDATE package_downloads SET package = %s WHERE id = %d" % (mtest.sql_literal(old), rid))

# ---- one timestamp moved by a single microsecond -------------------------------------

# a row whose source time has no fraction (the generator adds one to every 97th row)
rid = row_id(150001)
old = t.value(U, "SELECT to_char(downloaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
                 " FROM package_downloads WHERE id = %d" % rid)
assert old.endswith(".000000"), old
t.psql(U, "UPDATE package_downloads SET downloaded_at = downloaded_at + interval '1 microsecond' WHERE id = %d" % rid)
res, lines = verify("one timestamp moved by 1 microsecond")
t.equal(res.rc, 3, "one timestamp moved by 1 microsecond: --verify exits 3") or t.note(res.describe())
prefix = "verification: usage database, table package_downloads, row id=%d, column downloaded_at: source " % rid
t.check(len(lines) == 1 and lines[0].startswith(prefix) and old[:19] in lines[0] and ".000001" in lines[0],
        "one timestamp moved by 1 microsecond: exactly that cell is reported, with both values",
        "expected one line starting %r showing %s and .000001\ngot: %r" % (prefix, old[:19], lines))
t.psql(U, "UPDATE package_downloads SET downloaded_at = downloaded_at - interval '1 microsecond' WHERE id = %d" % rid)

# ---- one row deleted -------------------------------------------------------------------

rid = row_id(99999)
saved = t.value(U, "SELECT row_to_json(p) FROM package_downloads p WHERE id = %d" % rid)
t.psql(U, "DELETE FROM package_downloads WHERE id = %d" % rid)
res, lines = verify("one row deleted")
t.equal(res.rc, 3, "one row deleted: --verify exits 3") or t.note(res.describe())
missing = [l for l in lines if "table package_downloads" in l and "row id=%d" % rid in l and "missing in the target" in l]
t.check(len(missing) == 1, "one row deleted: reported as missing in the target", "\n".join(lines) or res.describe())
t.check(all("table package_downloads" in l and "usage database" in l for l in res.lines_with("verification:")),
        "one row deleted: no other table is named", res.describe())
t.check(not [l for l in lines if re.search(r"row id=(\d+)", l) and "row id=%d" % rid not in l],
        "one row deleted: no other row is named", "\n".join(lines))
t.psql(U, "INSERT INTO package_downloads SELECT * FROM json_populate_record(NULL::package_downloads, %s)"
          % mtest.sql_literal(saved))

# ---- one row added -----------------------------------------------------------------------

extra = int(t.value(U, "SELECT max(id) FROM package_downloads")) + 1000
t.psql(U, "INSERT INTO package_downloads (id, repo_id, package, version, r_version, os, downloaded_at,"
          " client_ip, bytes, cached) VALUES (%d, 1, 'intruder', '1.0', '4.4.0', 'windows',"
          " '2024-05-01 00:00:00+00', NULL, 1, true)" % extra)
res, lines = verify("one row added")
t.equal(res.rc, 3, "one row added: --verify exits 3") or t.note(res.describe())
added = [l for l in lines if "table package_downloads" in l and "row id=%d" % extra in l
         and "in the target but not in the source" in l]
t.check(len(added) == 1, "one row added: reported as in the target only", "\n".join(lines) or res.describe())
t.check(not [l for l in lines if re.search(r"row id=(\d+)", l) and "row id=%d" % extra not in l],
        "one row added: no other row is named", "\n".join(lines))
t.psql(U, "DELETE FROM package_downloads WHERE id = %d" % extra)

# Everything put back: equal again (so the reports above were about the changes).
res, lines = verify("restored target")
t.equal(res.rc, 0, "restored target: --verify exits 0 again") or t.note(res.describe())

t.same_snapshot(main_before, t.snapshot(t.db), "no --verify run changed the main database")

# ---- a target without tables ----------------------------------------------------------------

empty_url = t.create_database("verify_empty")
empty_usage_url = t.create_database("verify_empty_usage")
res = t.migrate(t.write_config("empty", src, url=empty_url, usage_url=empty_usage_url), "--verify")
t.check(res.rc not in (0, 2), "empty target: --verify fails (exit %d)" % res.rc, res.describe())
t.check([l for l in res.err.splitlines() if "verify_empty" in l and "no tables" in l],
        "empty target: the message names the database and says it has no tables", res.describe())
t.equal(t.tables("verify_empty") + t.tables("verify_empty_usage"), [], "empty target: still no tables")

t.finish()
