#!/usr/bin/python3
"""Keys and indexes carried into a PostgreSQL database migrate creates:
primary and composite keys, UNIQUE constraints, DESC and multi-column
indexes, partial indexes (a boolean compared with 1 is translated), an
expression index PostgreSQL accepts as written; one it cannot take is
reported as not carried, never silently dropped.

    with-postgres.sh test_indexes.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()
d = t.new_dir("db")
con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"))
con.executescript("""
CREATE TABLE pkgs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL,
                   built BOOLEAN NOT NULL DEFAULT 0, added DATETIME, UNIQUE (name, version));
CREATE INDEX pkgs_added_desc ON pkgs (added DESC, name);
CREATE INDEX pkgs_built ON pkgs (name) WHERE built = 1;
CREATE INDEX pkgs_named ON pkgs (version) WHERE name <> '';
CREATE INDEX pkgs_lower ON pkgs (lower(name));
CREATE INDEX pkgs_instr ON pkgs (instr(name, 'r'));
CREATE TABLE tags (pkg INTEGER NOT NULL REFERENCES pkgs(id), tag TEXT NOT NULL, PRIMARY KEY (pkg, tag));
INSERT INTO pkgs VALUES (1, 'ggplot2', '3.4.0', 1, '2024-01-01 00:00:00'), (2, 'dplyr', '1.1.0', 0, NULL);
INSERT INTO tags VALUES (1, 'plot'), (2, 'data');
""")
con.close()
config = t.write_config("cfg", d, usage_url=False)
res = t.migrate(config)
t.note(res.out)
t.equal(res.rc, 0, "the migration succeeds") or t.note(res.describe())

defs = t.psql(t.db, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname").splitlines()
t.note("\n".join(defs))


def has(fragment, what):
    t.check(any(fragment in x for x in defs), what, "\n".join(defs))


has('ON public.pkgs USING btree (id)', "primary key of pkgs")
has('UNIQUE INDEX pkgs_name_version_key ON public.pkgs USING btree (name, version)', "UNIQUE (name, version)")
has('INDEX pkgs_added_desc ON public.pkgs USING btree (added DESC, name)', "DESC multi-column index")
has('INDEX pkgs_built ON public.pkgs USING btree (name) WHERE (built = true)', "partial index on a boolean, translated")
has("INDEX pkgs_named ON public.pkgs USING btree (version) WHERE (name <> ''::text)", "partial index as written")
has('INDEX pkgs_lower ON public.pkgs USING btree (lower(name))', "expression index PostgreSQL accepts")
has('ON public.tags USING btree (pkg, tag)', "composite primary key of tags")
t.equal(t.primary_key(t.db, "tags"), ["pkg", "tag"], "tags' primary key in key order")
t.check(not any("pkgs_instr" in x for x in defs), "the instr() index is not created", "\n".join(defs))
t.check(any("not carried: index pkgs_instr on pkgs:" in l and "function instr" in l
            for l in res.out.splitlines()), "the instr() index is reported as not carried", res.out)
t.equal(t.value(t.db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'tags'::regclass"),
        "1", "the foreign key of tags")
t.equal(t.value(t.db, "SELECT column_default FROM information_schema.columns"
                      " WHERE table_name = 'pkgs' AND column_name = 'built'"), "false", "DEFAULT 0 of a boolean is false")
t.finish()
