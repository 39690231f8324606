#!/usr/bin/python3
"""--verify reads each PostgreSQL table in key order; the digests it asks for
long text and blobs are CASE expressions, which PostgreSQL names "case" as
output columns.  A key column named "case" (a support tool's case number)
was then an ambiguous ORDER BY and --verify failed with exit 1 right after
a clean migration.  Found by the differential test (test_differential.py).

    with-postgres.sh test_verify_case_column.py MIGRATE
"""

import mtest

t = mtest.Test()
CASES = [
    ('CREATE TABLE "tickets" ("case" INTEGER PRIMARY KEY, note TEXT)', "tickets", [(1, "a"), (2, None)]),
    ('CREATE TABLE "Case" ("case" BIGINT, "kind" TEXT, data BLOB, PRIMARY KEY ("case", "kind"))', "Case",
     [(1, "x", b"\x00"), (1, "y", None)]),
]
for i, (schema, table, rows) in enumerate(CASES):
    d = t.new_sqlite("case%d" % i, schema, [(mtest.qi(table), rows)])
    db = "case_column_%d" % i
    config = t.write_config("case%d" % i, d, url=t.create_database(db), usage_url=False)
    res = t.migrate(config)
    t.equal(res.rc, 0, "%s: the migration succeeds" % table) or t.note(res.describe())
    v = t.migrate(config, "--verify")
    t.equal(v.rc, 0, "%s: --verify exits 0" % table) or t.note(v.describe())
    t.equal(t.compare_with_sqlite(d + "/rstudio-pm.sqlite", db), [], "%s: every value copied" % table)
t.finish()
