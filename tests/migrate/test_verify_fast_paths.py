#!/usr/bin/python3
"""A migration run's verification takes shortcuts; every value still counts.

The copy sees every value it sends, so the run knows the longest text and
blob of each column: where none was over 1 MiB the verification reads the
target without asking the server for a length test and a digest, and the
columns that had a large value still come back as its SHA-256.  The target
is read as stored, row against row with the source (no index, no sort);
--verify reads it in key order without NULLS FIRST on key columns that
cannot hold NULL (so the server streams its primary key index).

To prove that these paths still catch a changed value, the target already
has the table, with a BEFORE INSERT trigger that changes what it is given:
a short text (a column read whole), one byte at the end of a 2 MiB blob (a
column read as digests), and a short text made 2 MiB long (a column the
copy saw only short values in: read whole, and still compared).  The run
must exit 3, name exactly those three cells and commit nothing; the
unchanged large value verifies equal by its digest.  The server's
statement log shows which columns were read as digests.

    with-postgres.sh test_verify_fast_paths.py MIGRATE
"""

import os
import re
import sqlite3

import mtest

MIB = 1024 * 1024
BIG = 2 * MIB

t = mtest.Test()

d = t.new_dir("src")
path = os.path.join(d, "rstudio-pm.sqlite")
con = sqlite3.connect(path)
con.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL, note TEXT, data BLOB)")
con.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", [
    (1, "one", "first", b"\x01"),
    (2, "two", "second", b"\x02"),
    (3, "three", None, os.urandom(BIG)),
    (4, "four", "fourth", b"\x04"),
    (5, "five", "fifth", os.urandom(BIG)),
])
con.commit()
con.close()
os.chmod(d, 0o755)
os.chmod(path, 0o644)

db = "fast_paths"
url = t.create_database(db)
t.psql(db, """
SET ROLE %(role)s;
CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, note text, data bytea);
CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 2 THEN
        NEW.label := NEW.label || 'x';
    ELSIF NEW.id = 3 THEN
        NEW.data := set_byte(NEW.data, length(NEW.data) - 1, get_byte(NEW.data, length(NEW.data) - 1) # 255);
    ELSIF NEW.id = 4 THEN
        NEW.note := repeat('y', %(big)d);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tamper BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION tamper();
""" % {"role": mtest.qi(t.user), "big": BIG})
config = t.write_config("cfg", d, url=url, usage_url=False)

# Every statement the run sends shows in the server log.
res, log = t.migrate_logged(config)

t.equal(res.rc, 3, "the run finds the values the trigger changed (exit 3)") or t.note(res.describe())
lines = [re.sub(r"^migrate: (error: )?", "", l) for l in res.err.splitlines()]
lines = [l for l in lines if l.startswith("verification: ")]
prefix = "verification: main database, table items, row "
t.equal(len(lines), 3, "exactly three differences are reported") or t.note("\n".join(lines) or res.describe())
by_row = {}
for l in lines:
    m = re.match(re.escape(prefix) + r"id=(\d+), column (\w+): ", l)
    if m:
        by_row[int(m.group(1))] = (m.group(2), l)
t.equal(by_row.get(2, ("", ""))[0], "label", "row 2: the changed short text is named (a column read whole)")
t.check(by_row.get(2, ("", ""))[1].endswith("source 'two', target 'twox'"), "row 2: both values are shown",
        by_row.get(2))
t.equal(by_row.get(3, ("", ""))[0], "data", "row 3: one byte changed at the end of a 2 MiB blob is found")
t.check("target a value of %d bytes SHA-256 " % BIG in by_row.get(3, ("", ""))[1],
        "row 3: the target's large value came as its digest", by_row.get(3))
t.equal(by_row.get(4, ("", ""))[0], "note", "row 4: a short text made 2 MiB long in a column of short texts is found")
t.check("target 'yyy" in by_row.get(4, ("", ""))[1] and "(%d bytes)" % BIG in by_row.get(4, ("", ""))[1],
        "row 4: the target's value came whole (no digest asked for in that column)", by_row.get(4))
t.check(5 not in by_row and 1 not in by_row, "rows 1 and 5 (an unchanged 2 MiB blob) verify equal")
t.equal(t.value(db, "SELECT count(*) FROM items"), "0", "nothing was committed")

# The statement that read the target back for verification.
reads = [l for l in log.splitlines() if "COPY (SELECT" in l and '"items"' in l and "TO STDOUT" in l]
t.equal(len(reads), 1, "the server log shows the one read of the target's items") or t.note(log[-3000:])
read = reads[0] if reads else ""
t.check('sha256("data")' in read, "the blob column that held large values is read with digests", read)
t.check('octet_length("label")' not in read and 'octet_length("note")' not in read,
        "the text columns that held no large value are read without a length test or digest", read)
t.check("ORDER BY" not in read, "the table the run wrote is read as stored (no order: no index walk, no sort)", read)

# --verify reads a table it did not write in key order: the committed
# rows of a clean run.
t.psql(db, "DROP TRIGGER tamper ON items")
res = t.migrate(config)
t.equal(res.rc, 0, "without the trigger the run commits") or t.note(res.describe())
res, log = t.migrate_logged(config, "--verify")
t.equal(res.rc, 0, "--verify finds the table equal") or t.note(res.describe())
reads = [l for l in log.splitlines() if "COPY (SELECT" in l and '"items"' in l and "TO STDOUT" in l]
read = reads[0] if reads else ""
# The key is named with its table ("public"."items"."id"), so that an
# output column of the same name cannot make it ambiguous.
t.check(re.search(r'ORDER BY (?:"public"\."items"\.)?"id"\) TO STDOUT', read) is not None,
        "the NOT NULL key is ordered as its index is (no NULLS FIRST)", read)
t.finish()
