#!/usr/bin/python3
"""SQLite -> PostgreSQL: an empty blob (x'') in an indexed column.  The
source check hashes each index entry; SQLite gives a zero-length blob as a
NULL pointer, which was passed to memcpy (undefined behaviour: the
UBSan build stopped the run with exit 1).  The run must succeed and carry
the empty blob as an empty bytea, not NULL.  Found by the PostgreSQL
differential test under the sanitizer build.

    with-postgres.sh test_empty_indexed_blob.py MIGRATE
"""

import mtest

t = mtest.Test()
d = t.new_sqlite("emptyblob", """
CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB, name TEXT);
CREATE INDEX b_data ON b (data);
CREATE INDEX b_name ON b (name COLLATE NOCASE, data);
""", [("b", [(1, b"", ""), (2, b"\x00\x01", "x"), (3, None, None), (4, b"", "Y" * 40)])])
config = t.write_config("emptyblob", d, usage_url=False)
res = t.migrate(config)
t.equal(res.rc, 0, "an empty blob in indexed columns migrates (exit 0)") or t.note(res.describe())
t.check("runtime error" not in res.both, "no sanitizer report", res.describe())
if res.rc == 0:
    t.equal(t.psql(t.db, "SELECT string_agg(id || ':' || coalesce(encode(data, 'hex'), 'NULL'), ',' ORDER BY id) FROM b"),
            "1:,2:0001,3:NULL,4:", "the empty blobs are empty bytea, not NULL")
t.finish()
