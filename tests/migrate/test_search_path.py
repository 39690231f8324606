#!/usr/bin/python3
"""search_path in the URL decides the target schema, as it does for the
server's Go driver: the tables are created there, found there by --verify,
and nothing lands in public.

    with-postgres.sh test_search_path.py MIGRATE MAKE_SAMPLE_DBS
"""

import mtest

t = mtest.Test()
src = t.make_samples("db")
for db in (t.db, t.usage_db):
    t.psql(db, 'CREATE SCHEMA pm AUTHORIZATION "%s"' % t.user)
config = t.write_config("cfg", src, url=t.url + "?search_path=pm", usage_url=t.usage_url + "?search_path=pm")

res = t.migrate(config)
t.equal(res.rc, 0, "migration into schema pm succeeds") or t.note(res.describe())
t.check("options=-c search_path=..." in res.out, "the plan shows search_path sent as a run-time setting (value hidden)", res.out)
for db, expected in ((t.db, 8), (t.usage_db, 3)):
    tables = t.tables(db)
    t.equal(len([x for x in tables if x.startswith("pm.")]), expected, "%s: every table is in schema pm" % db)
    t.equal([x for x in tables if x.startswith("public.")], [], "%s: nothing in public" % db)
res = t.migrate(config, "--verify")
t.equal(res.rc, 0, "--verify finds the tables in schema pm") or t.note(res.describe())
t.finish()
