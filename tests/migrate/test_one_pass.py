#!/usr/bin/python3
"""One pass over the source checks and copies.

    with-postgres.sh test_one_pass.py MIGRATE

Each value is checked as it is copied: a clean run reads each table once for
the copy (a "copy" progress line per table, no separate "check" pass).  When
a value does not fit, sending stops, the rest of the source is still read to
list every problem ("check" lines for the tables after it), the run exits 65
and the target is as it was.  Fails on 0.1.0, which read every table twice
(a pre-flight "check" pass, then the copy).
"""

import os
import re
import sqlite3

import mtest

t = mtest.Test()

src = t.new_dir("src")
path = os.path.join(src, "rstudio-pm.sqlite")
con = sqlite3.connect(path)  # one transaction, committed below
# Tables are copied in name order: a_ and b_ before the problems in c_, d_ after.
con.executescript("""
    CREATE TABLE a_first (id INTEGER PRIMARY KEY, body TEXT);
    CREATE TABLE b_second (id INTEGER PRIMARY KEY, n INTEGER);
    CREATE TABLE c_third (id INTEGER PRIMARY KEY, n INTEGER);
    CREATE TABLE d_fourth (id INTEGER PRIMARY KEY, f BOOLEAN);
""")
con.executemany("INSERT INTO a_first VALUES (?, ?)", [(i, "text %d" % i) for i in range(1, 20001)])
con.executemany("INSERT INTO b_second VALUES (?, ?)", [(i, i) for i in range(1, 20001)])
con.executemany("INSERT INTO c_third VALUES (?, ?)", [(i, i) for i in range(1, 20001)])
con.execute("UPDATE c_third SET n = 'ten' WHERE id = 10")
con.execute("UPDATE c_third SET n = 'last' WHERE id = 20000")
con.executemany("INSERT INTO d_fourth VALUES (?, ?)", [(i, i % 2) for i in range(1, 101)])
con.execute("UPDATE d_fourth SET f = 7 WHERE id = 50")
con.commit()
con.close()


def progress_lines(err, phase):
    return [m.group(1) for m in re.finditer(r"^migrate: %s main\.(\w+): (?:\d+)/(?:\d+) rows" % phase, err, re.M)]


# ---- values that do not fit ------------------------------------------------------------
url = t.create_database("one_pass_bad")
before = t.snapshot("one_pass_bad")
res = t.migrate(t.write_config("bad", src, url=url, usage_url=False), "--progress")
t.equal(res.rc, 65, "values the target cannot hold: exit 65") or t.note(res.describe())
for table, key, column in (("c_third", "id=10", "n"), ("c_third", "id=20000", "n"), ("d_fourth", "id=50", "f")):
    t.check(len([l for l in res.err.splitlines() if "table %s," % table in l and "row %s," % key in l
                 and "column %s:" % column in l]) == 1,
            "every problem is listed, also after the first: %s %s %s" % (table, key, column), res.describe())
t.check(res.lines_with("3 values cannot be stored in the target exactly (listed above); nothing was written"),
        "the count of problems and 'nothing was written'", res.describe())
copied, checked = progress_lines(res.err, "copy"), progress_lines(res.err, "check")
t.check("a_first" in copied and "b_second" in copied and "a_first" not in checked and "b_second" not in checked,
        "the tables before the first problem are read once, by the copy", res.err[-3000:])
t.check("c_third" not in copied or not any(re.search(r"copy main\.c_third: 20000/20000", l)
                                            for l in res.err.splitlines()),
        "the table with the first problem is not sent to the end", res.err[-3000:])
t.check(checked == ["c_third", "d_fourth"] or checked == ["d_fourth"] and "c_third" in copied,
        "after the first problem the source is still read to the end, as a check", res.err[-3000:])
t.check(re.search(r"check main\.d_fourth: 100/100 rows", res.err) is not None,
        "the last table is read to its end", res.err[-3000:])
t.equal(t.tables("one_pass_bad"), [], "nothing is committed: the target still has no tables")
t.same_snapshot(before, t.snapshot("one_pass_bad"), "the target is unchanged")

# ---- a clean source: one read per table for the copy ----------------------------------
con = sqlite3.connect(path, isolation_level=None)
con.execute("UPDATE c_third SET n = id")
con.execute("UPDATE d_fourth SET f = id % 2")
con.close()
url = t.create_database("one_pass_good")
res = t.migrate(t.write_config("good", src, url=url, usage_url=False), "--progress")
t.equal(res.rc, 0, "a clean source: exit 0") or t.note(res.describe())
t.equal(progress_lines(res.err, "check"), [], "no separate check pass over the source")
t.equal(sorted(set(progress_lines(res.err, "copy"))), ["a_first", "b_second", "c_third", "d_fourth"],
        "each table is copied (and checked) in one pass")
diffs = t.compare_with_sqlite(path, "one_pass_good")
t.check(not diffs, "the target holds exactly the source's data", "\n".join(diffs[:10]))

# ---- PostgreSQL -> SQLite: SQLite has no COPY to abandon ------------------------------
# The rows sent before the first problem stay in SQLite's open transaction:
# it must be rolled back like PostgreSQL's, the server's file left as it was.
rev_url = t.create_database("one_pass_reverse")
t.psql("one_pass_reverse", "CREATE TABLE a_first (id integer PRIMARY KEY, n text);"
                           "CREATE TABLE b_second (id integer PRIMARY KEY, n text);"
                           "INSERT INTO a_first SELECT i, i::text FROM generate_series(1, 5000) i;"
                           "INSERT INTO b_second SELECT i, i::text FROM generate_series(1, 100) i;"
                           "UPDATE a_first SET n = 'ten' WHERE id = 10;"
                           "UPDATE b_second SET n = 'fifty' WHERE id = 50;"
                           'ALTER TABLE a_first OWNER TO "%s"; ALTER TABLE b_second OWNER TO "%s"' % (t.user, t.user))
rev = t.new_dir("reverse")
os.chmod(rev, 0o777)
made = os.path.join(rev, "rstudio-pm.sqlite")
con = sqlite3.connect(made)
con.executescript("CREATE TABLE a_first (id INTEGER PRIMARY KEY, n INTEGER);"
                  "CREATE TABLE b_second (id INTEGER PRIMARY KEY, n INTEGER);")
con.close()
os.chmod(made, 0o666)
with open(made, "rb") as f:
    made_before = f.read()
res = t.migrate(t.write_config("reverse", rev, url=rev_url, usage_url=False), "--from=pgx", "--to=sqlite3",
                "--progress")
t.equal(res.rc, 65, "PostgreSQL -> SQLite, text the INTEGER columns cannot hold: exit 65") or t.note(res.describe())
for table, key in (("a_first", "id=10"), ("b_second", "id=50")):
    t.check(any("table %s," % table in l and "row %s," % key in l and "column n:" in l for l in res.err.splitlines()),
            "into SQLite too, every problem is listed: %s %s" % (table, key), res.describe())
t.check(re.search(r"check main\.b_second: 100/100 rows", res.err) is not None,
        "into SQLite too, the source is read to its end as a check", res.err[-3000:])
t.equal(sorted(os.listdir(rev)), ["rstudio-pm.sqlite"], "no new file put in place, none left beside it")
with open(made, "rb") as f:
    t.check(f.read() == made_before, "the server's SQLite file is unchanged, byte for byte")
t.finish()
