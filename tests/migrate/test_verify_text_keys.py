#!/usr/bin/python3
"""Text keys are verified in byte order, whatever the target's collation.

Verification merges both sides in the byte order of their keys.  A text key
column whose collation already orders text as its bytes (C, POSIX, libc's
C.UTF-8: the test server's default) is read as itself, so the server streams
its primary key index; any other collation (here ICU's "und-x-icu", where
'a' < 'B' < 'b') is read with COLLATE "C", a sort.  Both must verify equal,
and a changed value must still be found and named, in both kinds of table.
A migration run reads the tables it wrote as stored instead (no order at
all); --verify reads in key order.

    with-postgres.sh test_verify_text_keys.py MIGRATE
"""

import os
import re
import sqlite3

import mtest

t = mtest.Test()
KEYS = ["a", "B", "b", "A", "\u00e9", "e", "Z", "~", "\u00e4", "a b", "ab", "", "\U0001F4E6", "z\u0301"]

d = t.new_dir("src")
path = os.path.join(d, "rstudio-pm.sqlite")
con = sqlite3.connect(path)
for table in ("plain", "icu"):
    con.execute("CREATE TABLE %s (k TEXT PRIMARY KEY, n TEXT NOT NULL, v INTEGER)" % table)
    con.executemany("INSERT INTO %s VALUES (?, ?, ?)" % table,
                    [(k, "n%d" % i, i) for i, k in enumerate(KEYS)])
con.commit()
con.close()
os.chmod(d, 0o755)
os.chmod(path, 0o644)

db = "text_keys"
url = t.create_database(db)
t.equal(t.value(db, "SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'"), "1",
        "the server has ICU's root collation")
t.psql(db, "SET ROLE %s;"
           " CREATE TABLE plain (k text PRIMARY KEY, n text NOT NULL, v bigint);"
           ' CREATE TABLE icu (k text COLLATE "und-x-icu" PRIMARY KEY, n text COLLATE "und-x-icu" NOT NULL, v bigint)'
           % mtest.qi(t.user))
config = t.write_config("cfg", d, url=url, usage_url=False)

res, log = t.migrate_logged(config)
t.equal(res.rc, 0, "both tables migrate and verify") or t.note(res.describe())


def reads_of(log):
    reads = {table: [l for l in log.splitlines() if "COPY (SELECT" in l and '"%s"' % table in l and "TO STDOUT" in l]
             for table in ("plain", "icu")}
    return [reads[table][0] if reads[table] else "" for table in ("plain", "icu")]


# The run wrote both tables itself: it reads them back as stored, row
# against row with the source, in neither collation's order.
for table, read in zip(("plain", "icu"), reads_of(log)):
    t.check(read and "ORDER BY" not in read, "%s: the migration run reads its own table as stored" % table, read)

# --verify reads tables it did not write in key order.
res, log = t.migrate_logged(config, "--verify")
t.equal(res.rc, 0, "--verify finds both tables equal") or t.note(res.describe())
plain, icu = reads_of(log)
# The key is named with its table ("public"."plain"."k"), so that an output
# column of the same name cannot make it ambiguous.
t.check(re.search(r'ORDER BY (?:"public"\."plain"\.)?"k"\) TO STDOUT', plain) is not None,
        "the key in the database's C.UTF-8 collation is read in its own order (its index streams)", plain)
t.check(re.search(r'ORDER BY \((?:"public"\."icu"\.)?"k"\)::text COLLATE "C"', icu) is not None, "the key in an ICU collation is read with COLLATE \"C\"", icu)

for table in ("plain", "icu"):
    t.psql(db, "UPDATE %s SET n = n || 'x' WHERE k = 'B'" % table)
    res = t.migrate(config, "--verify")
    t.equal(res.rc, 3, "%s: a changed value is found (exit 3)" % table) or t.note(res.describe())
    t.check(any("table %s, row k='B', column n" % table in l for l in res.err.splitlines()),
            "%s: the message names the table, the key and the column" % table, res.err)
    t.psql(db, "UPDATE %s SET n = left(n, -1) WHERE k = 'B'" % table)
t.finish()
