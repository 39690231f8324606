#!/usr/bin/python3
"""Migrating into tables the Package Manager server created itself.

    with-postgres.sh test_existing_target.py MIGRATE MAKE_SAMPLE_DBS

The server, started once against PostgreSQL, creates its tables with
PostgreSQL-native types (bigserial ids, integer, boolean, timestamptz, bytea,
varchar) and foreign keys, and records its schema version in
schema_migrations.  Migrating the sample SQLite databases into them without
--drop-all must succeed, leave the tables' definitions alone, convert every
value to the target column's type exactly (checked here by this test's own
comparison, not by migrate's), and move every id sequence past max(id) and
past SQLite's AUTOINCREMENT high-water mark.
"""

import os
import sqlite3

import mtest

t = mtest.Test()

MAIN_PG = """
CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
CREATE TABLE sources (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    type varchar(64) NOT NULL,
    url text,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    last_sync timestamptz);
CREATE TABLE repos (
    id bigserial PRIMARY KEY,
    name varchar(255) NOT NULL UNIQUE,
    description text,
    hidden boolean NOT NULL DEFAULT false,
    created timestamptz NOT NULL);
CREATE TABLE subscriptions (
    repo_id bigint NOT NULL REFERENCES repos(id),
    source_id bigint NOT NULL REFERENCES sources(id),
    priority integer NOT NULL,
    PRIMARY KEY (repo_id, source_id));
CREATE TABLE packages (
    id bigserial PRIMARY KEY,
    source_id bigint NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    name text NOT NULL,
    title text,
    license text,
    UNIQUE (source_id, name));
CREATE TABLE package_versions (
    id bigserial PRIMARY KEY,
    package_id bigint NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    version varchar(64) NOT NULL,
    md5 bytea,
    size bigint,
    published timestamptz,
    needs_compilation boolean NOT NULL DEFAULT false,
    description text,
    archived boolean,
    UNIQUE (package_id, version));
CREATE TABLE sync_runs (
    id bigserial PRIMARY KEY,
    source_id bigint NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    "order" integer NOT NULL,
    "StartedAt" timestamptz NOT NULL,
    duration_seconds double precision,
    status varchar(32) NOT NULL DEFAULT 'ok',
    UNIQUE (source_id, "order"));
CREATE TABLE settings (key varchar(255) PRIMARY KEY, value text);
CREATE INDEX packages_name_idx ON packages (name);
CREATE INDEX package_versions_published_idx ON package_versions (published DESC);
"""

USAGE_PG = """
CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
CREATE TABLE package_downloads (
    id bigserial PRIMARY KEY,
    repo_id integer NOT NULL,
    package text NOT NULL,
    version varchar(64),
    r_version varchar(16),
    os varchar(64),
    downloaded_at timestamptz NOT NULL,
    client_ip text,
    bytes bigint,
    cached boolean NOT NULL);
CREATE TABLE daily_counts (
    day date NOT NULL,
    repo_id integer NOT NULL,
    package text NOT NULL,
    count integer NOT NULL,
    PRIMARY KEY (day, repo_id, package));
CREATE INDEX package_downloads_downloaded_at_idx ON package_downloads (downloaded_at);
"""

src = t.make_samples("db", "--usage-rows", "5000")
files = {t.db: os.path.join(src, "rstudio-pm.sqlite"), t.usage_db: os.path.join(src, "rstudio-pm-usage.sqlite")}

# The server's tables, owned by the role it connects as, and the schema
# versions it recorded: the same as the source's.
for db, ddl in ((t.db, MAIN_PG), (t.usage_db, USAGE_PG)):
    con = sqlite3.connect(files[db])
    versions = con.execute("SELECT version, dirty FROM schema_migrations ORDER BY version").fetchall()
    con.close()
    values = ", ".join("(%d, %s)" % (v, "true" if d else "false") for v, d in versions)
    t.psql(db, "SET ROLE %s;" % mtest.qi(t.user) + ddl + "INSERT INTO schema_migrations VALUES %s;" % values)

definitions = {}
for db in files:
    snap = t.snapshot(db)
    definitions[db] = {k: snap[k] for k in ("tables", "columns", "constraints", "indexes")}
    schema_rows = t.psql(db, "SELECT string_agg(version || ' ' || dirty, ',' ORDER BY version) FROM schema_migrations")
    definitions[db]["schema_migrations"] = schema_rows

config = t.write_config("cfg", src)
res = t.migrate(config)
if not t.equal(res.rc, 0, "migration into the server-created tables, without --drop-all, succeeds"):
    t.note(res.describe())
    t.finish()  # nothing was committed: every check below would only repeat this failure
last = res.out.splitlines()[-1] if res.out else ""
t.check(last.startswith("migrate: success:"), "the last line reports success", res.describe())

for db, path in files.items():
    label = "main" if db == t.db else "usage"
    snap = t.snapshot(db)
    after = {k: snap[k] for k in ("tables", "columns", "constraints", "indexes")}
    after["schema_migrations"] = t.psql(db, "SELECT string_agg(version || ' ' || dirty, ',' ORDER BY version)"
                                            " FROM schema_migrations")
    for k in definitions[db]:
        t.equal(after[k], definitions[db][k], "%s: the target's %s are as the server made them" % (label, k))

    # Every value, converted to the target column's type, equals the source's.
    diffs = t.compare_with_sqlite(path, db)
    t.check(not diffs, "%s: every row and value equals the source's, in the target's types" % label,
            "%d differences, first ones:\n%s" % (len(diffs), "\n".join(diffs[:20])))

    # The next id the server gets is past max(id) and past sqlite_sequence.
    con = sqlite3.connect(path)
    seqs = dict(con.execute("SELECT name, seq FROM sqlite_sequence"))
    for table in sorted(seqs):
        max_id = con.execute("SELECT coalesce(max(id), 0) FROM %s" % mtest.qi(table)).fetchone()[0]
        high = max(max_id, seqs[table])
        got = t.value(db, "SELECT nextval(pg_get_serial_sequence(%s, 'id'))" % mtest.sql_literal(table))
        t.equal(got, str(high + 1), "%s: %s's sequence continues after max(id) %d and sqlite_sequence %d"
                % (label, table, max_id, seqs[table]))
    con.close()

# Spot checks of conversions a reader can follow: 0/1 became booleans, text
# times became instants, the NUL-bearing BLOB is intact, varchar kept text.
t.equal(t.value(t.db, "SELECT enabled FROM sources WHERE name = 'curated-cran-2024'"), "f", "0 became false")
t.equal(t.value(t.db, "SELECT encode(md5, 'hex') FROM package_versions ORDER BY id LIMIT 1"),
        "5eb63bbbe01eeed093cb22bb8f5acd00", "a BLOB ending in 0x00 is intact in bytea")
t.equal(t.value(t.db, "SELECT description FROM repos WHERE name = 'release-candidates'"),
        "\U0001F4E6 Release candidates \U0001F680 (emoji are 4 bytes in UTF-8)", "4-byte UTF-8 text intact")
t.equal(t.value(t.db, "SELECT size FROM package_versions ORDER BY id OFFSET 2 LIMIT 1"),
        str(2**63 - 1), "int64 max in bigint")

res = t.migrate(config, "--verify")
t.equal(res.rc, 0, "--verify agrees afterwards") or t.note(res.describe())

t.finish()
