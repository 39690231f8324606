#!/usr/bin/python3
"""Test of make-sample-dbs.py: runs it into temporary directories and checks
that the databases are sound, have the promised schema and edge-case values,
honour the knobs, are reproducible from the seed, and are not overwritten
without --force.  Exit 0 on success, 1 with a message on the first failure."""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "make-sample-dbs.py")
MAIN_DB = "rstudio-pm.sqlite"
USAGE_DB = "rstudio-pm-usage.sqlite"

MAIN_TABLES = {"schema_migrations", "sources", "repos", "subscriptions", "packages",
               "package_versions", "sync_runs", "settings"}
USAGE_TABLES = {"schema_migrations", "package_downloads", "daily_counts"}
AUTOINCREMENT_MAIN = {"sources", "repos", "packages", "package_versions", "sync_runs"}


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def generate(d, *args, expect_ok=True):
    p = subprocess.run([sys.executable, GENERATOR, "--dir", d, *args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if expect_ok:
        check(p.returncode == 0, "generator %s failed (%d):\n%s%s"
              % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def connect(path):
    check(os.path.isfile(path), "%s does not exist" % path)
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True)


def one(con, sql, *params):
    return con.execute(sql, params).fetchone()[0]


def dump(path):
    con = connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_common(con, name, tables):
    check(con.execute("PRAGMA integrity_check").fetchall() == [("ok",)],
          "%s: integrity_check failed" % name)
    fk = con.execute("PRAGMA foreign_key_check").fetchall()
    check(fk == [], "%s: foreign_key_check reports %r" % (name, fk[:5]))
    check(one(con, "PRAGMA journal_mode") == "delete",
          "%s: journal_mode is not DELETE" % name)
    have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    check(tables <= have, "%s: missing tables %s" % (name, sorted(tables - have)))
    check(one(con, "SELECT count(*) FROM schema_migrations WHERE dirty = 0") >= 1,
          "%s: schema_migrations is empty or dirty" % name)
    # Every BOOLEAN column holds only integers 0/1 (or NULL).
    for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                            " AND name NOT LIKE 'sqlite_%'").fetchall():
        for col in con.execute('PRAGMA table_info("%s")' % t).fetchall():
            if col[2].upper() == "BOOLEAN":
                bad = one(con, 'SELECT count(*) FROM "%s" WHERE "%s" IS NOT NULL AND'
                          ' (typeof("%s") <> \'integer\' OR "%s" NOT IN (0, 1))'
                          % (t, col[1], col[1], col[1]))
                check(bad == 0, "%s: %s.%s has %d non-0/1 booleans" % (name, t, col[1], bad))


def check_main(path, packages):
    con = connect(path)
    check_common(con, MAIN_DB, MAIN_TABLES)
    objs = {(r[0], r[1]): (r[2] or "") for r in
            con.execute("SELECT type, name, sql FROM sqlite_master")}
    for kind, name in [("view", "latest_versions"), ("trigger", "package_versions_touch_source"),
                       ("index", "packages_name_idx"), ("index", "package_versions_published_idx"),
                       ("index", "package_versions_compiled_idx"), ("table", "sqlite_stat1")]:
        check((kind, name) in objs, "%s: no %s %s" % (MAIN_DB, kind, name))
    check("DESC" in objs[("index", "package_versions_published_idx")], "published index is not DESC")
    check("WHERE" in objs[("index", "package_versions_compiled_idx")], "compiled index is not partial")
    check("WITHOUT ROWID" in objs[("table", "settings")], "settings is not WITHOUT ROWID")
    check(one(con, "SELECT count(*) FROM latest_versions") == packages, "latest_versions is wrong")

    check(one(con, "SELECT count(*) FROM packages") == packages,
          "packages: %d rows, asked for %d" % (one(con, "SELECT count(*) FROM packages"), packages))
    nver = one(con, "SELECT count(*) FROM package_versions")
    check(nver >= packages, "package_versions: only %d rows" % nver)
    check(one(con, "SELECT count(DISTINCT package_id) FROM package_versions") == packages,
          "some packages have no versions")

    # AUTOINCREMENT bookkeeping, including a sequence ahead of max(id).
    seqs = dict(con.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    check(AUTOINCREMENT_MAIN <= set(seqs), "sqlite_sequence lacks %s" % (AUTOINCREMENT_MAIN - set(seqs)))
    for t in AUTOINCREMENT_MAIN:
        check(seqs[t] >= one(con, 'SELECT max(id) FROM "%s"' % t), "sqlite_sequence(%s) < max(id)" % t)
    check(seqs["sources"] > one(con, "SELECT max(id) FROM sources"), "no deleted-row gap in sources")
    check(one(con, "SELECT max(id) FROM package_versions") > nver, "package_versions ids have no gaps")

    # Values a migration must carry exactly.
    check(one(con, "SELECT count(*) FROM package_versions WHERE typeof(md5) = 'blob'"
                   " AND instr(md5, x'00') > 0") > 0, "no BLOB with a NUL byte")
    check(one(con, "SELECT count(*) FROM package_versions WHERE md5 IS NOT NULL AND length(md5) <> 16") == 0,
          "an md5 is not 16 bytes")
    check(one(con, "SELECT count(*) FROM package_versions WHERE md5 IS NULL") > 0, "no NULL md5")
    check(one(con, "SELECT max(size) FROM package_versions") >= 2**62, "no BIGINT near 2^62")
    check(one(con, "SELECT count(*) FROM package_versions WHERE size = 9223372036854775807") == 1,
          "no int64 maximum")
    texts = [r[0] for r in con.execute("SELECT description FROM repos WHERE description IS NOT NULL"
                                       " UNION ALL SELECT title FROM packages WHERE title IS NOT NULL")]
    check(any(any(0x80 <= ord(c) <= 0xFFFF for c in t) for t in texts), "no non-ASCII text")
    check(any(any(ord(c) > 0xFFFF for c in t) for t in texts), "no 4-byte UTF-8 (emoji) text")
    check(any("\n" in t and "\\" in t for t in texts), "no text with newline and backslash")
    check(con.execute("SELECT value FROM settings WHERE key = 'motd'").fetchone() == ("",),
          "settings: no empty-string value")
    check(con.execute("SELECT value FROM settings WHERE key = 'license.key'").fetchone() == (None,),
          "settings: no NULL value")
    for cond, what in [("description IS NULL", "NULL description"),
                       ("description = ''", "empty description"),
                       ("archived IS NULL", "NULL archived")]:
        check(one(con, "SELECT count(*) FROM package_versions WHERE " + cond) > 0, "no " + what)
    check(one(con, "SELECT count(*) FROM packages WHERE title = ''") > 0, "no empty title")
    forms = [r[0] for r in con.execute("SELECT published FROM package_versions WHERE published IS NOT NULL")]
    check(all(isinstance(f, str) for f in forms), "published is not all text")
    for label, test in [("plain", lambda f: len(f) == 19 and f[10] == " "),
                        ("fractional", lambda f: "." in f), ("T separator", lambda f: f[10:11] == "T")]:
        check(any(test(f) for f in forms), "no %s DATETIME text" % label)
    floats = {r[0] for r in con.execute("SELECT duration_seconds FROM sync_runs")}
    for v in (float("inf"), float("-inf"), 5e-324, 1.7976931348623157e308, 0.1, None):
        check(v in floats, "sync_runs lacks %r" % v)
    check(one(con, 'SELECT count(*) FROM sync_runs WHERE "order" > 0 AND "StartedAt" IS NOT NULL') > 0,
          "quoted columns unusable")
    con.close()


def check_usage(path, rows):
    con = connect(path)
    check_common(con, USAGE_DB, USAGE_TABLES)
    check(con.execute("SELECT 1 FROM sqlite_master WHERE type = 'index'"
                      " AND name = 'package_downloads_downloaded_at_idx'").fetchone(),
          "%s: no index on downloaded_at" % USAGE_DB)
    n = one(con, "SELECT count(*) FROM package_downloads")
    check(n == rows, "package_downloads: %d rows, asked for %d" % (n, rows))
    check(one(con, "SELECT seq FROM sqlite_sequence WHERE name = 'package_downloads'") == rows,
          "sqlite_sequence(package_downloads) is wrong")
    # daily_counts is exactly the aggregate of package_downloads.
    diff = one(con, """SELECT count(*) FROM (
        SELECT day, repo_id, package, count FROM daily_counts
        EXCEPT SELECT substr(downloaded_at, 1, 10), repo_id, package, count(*)
               FROM package_downloads GROUP BY 1, 2, 3
        UNION ALL
        SELECT substr(downloaded_at, 1, 10), repo_id, package, count(*)
               FROM package_downloads GROUP BY 1, 2, 3
        EXCEPT SELECT day, repo_id, package, count FROM daily_counts)""")
    check(diff == 0, "daily_counts disagrees with package_downloads in %d rows" % diff)
    check(one(con, "SELECT coalesce(sum(count), 0) FROM daily_counts") == rows, "daily_counts total wrong")
    check(one(con, "SELECT count(*) FROM package_downloads WHERE client_ip IS NULL") > 0, "no NULL client_ip")
    con.close()


def run(tmp):
    a, b, c, e = (os.path.join(tmp, x) for x in "abce")

    # Defaults: what most tests will use.
    t0 = time.monotonic()
    out = generate(a).stdout
    print("ok - defaults generated in %.1fs" % (time.monotonic() - t0))
    check(len([ln for ln in out.splitlines() if ln.strip()]) >= len(MAIN_TABLES | USAGE_TABLES),
          "no per-table summary printed:\n" + out)
    check_main(os.path.join(a, MAIN_DB), 300)
    check_usage(os.path.join(a, USAGE_DB), 3000)
    print("ok - default databases are sound and carry every edge case")

    # Knobs, and reproducibility from the seed.
    knobs = ["--packages", "57", "--usage-rows", "12345", "--seed", "42"]
    generate(b, *knobs)
    generate(c, *knobs)
    check_main(os.path.join(b, MAIN_DB), 57)
    check_usage(os.path.join(b, USAGE_DB), 12345)
    for db in (MAIN_DB, USAGE_DB):
        check(dump(os.path.join(b, db)) == dump(os.path.join(c, db)),
              "%s differs between two runs with the same seed" % db)
        check(sha256(os.path.join(b, db)) == sha256(os.path.join(c, db)),
              "%s files are not byte-identical for the same seed" % db)
    generate(e, "--packages", "57", "--usage-rows", "12345", "--seed", "43")
    check(dump(os.path.join(b, MAIN_DB)) != dump(os.path.join(e, MAIN_DB)), "the seed has no effect")
    print("ok - knobs honoured, same seed gives identical files, another seed differs")

    # The edge cases do not depend on size: the smallest databases have them too.
    for seed in ("1", "2", "3"):
        d = os.path.join(tmp, "tiny" + seed)
        generate(d, "--packages", "1", "--usage-rows", "1", "--seed", seed)
        check_main(os.path.join(d, MAIN_DB), 1)
        check_usage(os.path.join(d, USAGE_DB), 1)
    print("ok - the smallest databases (1 package, 1 download) carry every edge case")

    # No overwrite without --force, files untouched; with --force, replaced.
    before = {db: sha256(os.path.join(b, db)) for db in (MAIN_DB, USAGE_DB)}
    p = generate(b, "--seed", "7", expect_ok=False)
    check(p.returncode != 0, "overwrote existing databases without --force")
    check("--force" in p.stderr, "refusal does not mention --force: %r" % p.stderr)
    check(before == {db: sha256(os.path.join(b, db)) for db in (MAIN_DB, USAGE_DB)},
          "files changed although the run was refused")
    os.unlink(os.path.join(c, MAIN_DB))  # one file alone is refused too
    p = generate(c, *knobs, expect_ok=False)
    check(p.returncode != 0, "overwrote an existing usage database without --force")
    generate(b, "--seed", "7", "--packages", "20", "--usage-rows", "50", "--force")
    check_main(os.path.join(b, MAIN_DB), 20)
    check_usage(os.path.join(b, USAGE_DB), 50)
    check(sorted(os.listdir(b)) == sorted([MAIN_DB, USAGE_DB]), "stray files: %s" % os.listdir(b))
    print("ok - refuses to overwrite without --force, replaces with it")


def main():
    tmp = tempfile.mkdtemp(prefix="check-sample-dbs.")
    start = time.monotonic()
    try:
        run(tmp)
    except Failure as exc:
        print("FAIL: %s" % exc, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok - all sample-db checks passed (%.1fs)" % (time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
