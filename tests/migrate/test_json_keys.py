#!/usr/bin/python3
"""Indexes and keys on a JSON column.  PostgreSQL's json has no btree
operator class (no equality, no order), so CREATE INDEX on it failed the
whole run with exit 1 ('data type json has no default operator class for
access method "btree"').  They are carried on the json's text, which json
keeps exactly as written: a plain, DESC, partial or multi-column index as
an index on (col::text); a UNIQUE constraint or primary key as a unique
index on it under the constraint's name, unique exactly as in SQLite, with
a note.  Each file migrates, verifies, keeps every value, refuses a
repeated document, and migrates back to SQLite.  Found by the differential
test (test_differential.py).

    with-postgres.sh test_json_keys.py MIGRATE
"""

import os

import mtest

t = mtest.Test()

CASES = [
    ("index", """
CREATE TABLE docs (id INTEGER PRIMARY KEY, meta JSON, name TEXT);
CREATE INDEX docs_meta ON docs (meta);
CREATE INDEX docs_meta_desc ON docs (meta DESC, name);
CREATE INDEX docs_meta_part ON docs (meta) WHERE meta IS NOT NULL;
""", "docs", [(1, '{"a": 1}', "x"), (2, '[1, 2]', None), (3, None, "z"), (4, '{"a":1}', "w")], None),
    ("unique", """
CREATE TABLE settings (id INTEGER PRIMARY KEY, doc JSON UNIQUE);
""", "settings", [(1, '{"k": "v"}'), (2, '{"k":"v"}'), (3, None), (4, None)], ("settings", "doc", '{"k": "v"}')),
    ("named-key", """
CREATE TABLE cache (body JSON NOT NULL, hits INTEGER, CONSTRAINT cache_pk PRIMARY KEY (body, hits));
""", "cache", [('{"q": 1}', 1), ('{"q": 1}', 2), ('"s"', 1)], ("cache", "body, hits", '{"q": 1}\', 1 --')),
]

for name, schema, table, rows, dup in CASES:
    d = t.new_sqlite(name, schema, [(table, rows)])
    db = "json_keys_%s" % name.replace("-", "_")
    url = t.create_database(db)
    config = t.write_config(name, d, url=url, usage_url=False)
    res = t.migrate(config)
    if not t.equal(res.rc, 0, "%s: the migration succeeds" % name):
        t.note(res.describe())
        continue
    v = t.migrate(config, "--verify")
    t.equal(v.rc, 0, "%s: --verify exits 0" % name) or t.note(v.describe())
    t.equal(t.compare_with_sqlite(os.path.join(d, "rstudio-pm.sqlite"), db), [], "%s: every value copied" % name)
    idx = t.psql(db, "SELECT string_agg(indexdef, E'\\n' ORDER BY indexdef) FROM pg_indexes WHERE tablename = '%s'"
                 % table)
    t.check("::text" in idx, "%s: the index is on the json text" % name, idx)
    if dup:
        tb, cols, _ = dup
        first = t.rows(db, "SELECT %s FROM %s LIMIT 1" % (cols, tb))[0]
        vals = ", ".join(mtest.sql_literal(str(first[c.strip()])) for c in cols.split(","))
        out = t.psql(db, "INSERT INTO %s (%s) VALUES (%s)" % (tb, cols, vals), check=False)
        n = t.value(db, "SELECT count(*) FROM %s" % tb)
        t.equal(n, str(len(rows)), "%s: a repeated document is refused as in SQLite" % name)
        t.check(any("json text" in l for l in res.lines_with("note:")), "%s: a note says how the key is carried" % name,
                res.describe())
    back = t.new_dir(name + "-back")
    os.chmod(back, 0o777)
    b = t.migrate(t.write_config(name + "-back", back, url=url, usage_url=False), "--from=pgx", "--to=sqlite3")
    t.equal(b.rc, 0, "%s: migrating back to SQLite succeeds" % name) or t.note(b.describe())
t.finish()
