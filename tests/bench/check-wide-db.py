#!/usr/bin/python3
"""Test of make-wide-db.py: runs it into temporary directories and checks
that the databases are sound, have composite TEXT primary keys and the
promised kinds of values (non-ASCII keys, BLOBs with NUL bytes, NULLs and
empty strings, REALs, several DATETIME forms), scale with --usage-rows, are
byte for byte reproducible from the seed, and are not overwritten without
--force.  Exit 0 on success, 1 with a message on the first failure."""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "make-wide-db.py")
MAIN_DB = "rstudio-pm.sqlite"
USAGE_DB = "rstudio-pm-usage.sqlite"

# table -> primary key columns, in order
KEYS = {
    MAIN_DB: {"repos": ["name"], "package_versions": ["source", "package", "version"],
              "schema_migrations": ["version"]},
    USAGE_DB: {"package_downloads": ["repo", "package", "version", "downloaded_at", "request_id"],
               "daily_counts": ["repo", "package", "version", "day"], "schema_migrations": ["version"]},
}


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


def one(con, sql):
    return con.execute(sql).fetchone()[0]


def digest(d):
    h = hashlib.sha256()
    for f in (MAIN_DB, USAGE_DB):
        with open(os.path.join(d, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def check_dir(d, n):
    for f, tables in KEYS.items():
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(d, f), uri=True)
        try:
            check(one(con, "PRAGMA integrity_check") == "ok", "%s: integrity_check fails" % f)
            have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                              " AND name NOT LIKE 'sqlite_%'")}
            check(have == set(tables), "%s: tables %s, expected %s" % (f, sorted(have), sorted(tables)))
            for t, key in tables.items():
                info = con.execute("PRAGMA table_info(%s)" % t).fetchall()
                pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
                check(pk == key, "%s.%s: primary key %s, expected %s" % (f, t, pk, key))
                if t != "schema_migrations":
                    check(all(r[2] in ("TEXT", "DATE", "DATETIME") for r in info if r[5]),
                          "%s.%s: a key column is not text" % (f, t))
        finally:
            con.close()
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(d, USAGE_DB), uri=True)
    con.execute("ATTACH 'file:%s?mode=ro' AS m" % os.path.join(d, MAIN_DB))
    try:
        for t in ("package_downloads", "daily_counts"):
            check(one(con, "SELECT count(*) FROM %s" % t) == n, "%s: not %d rows" % (t, n))
        check(one(con, "SELECT count(*) FROM m.package_versions") == n // 10, "package_versions: not %d rows" % (n // 10))
        wanted = {
            "non-ASCII repository in a key": "SELECT count(*) FROM daily_counts WHERE repo GLOB '*[^ -~]*'",
            "BLOB with a NUL byte": "SELECT count(*) FROM package_downloads WHERE instr(etag, x'00') > 0",
            "NULL BLOB": "SELECT count(*) FROM package_downloads WHERE etag IS NULL",
            "REAL that is not integral": "SELECT count(*) FROM package_downloads"
                                         " WHERE typeof(duration_seconds) = 'real'"
                                         " AND duration_seconds != CAST(duration_seconds AS INTEGER)",
            "NULL REAL": "SELECT count(*) FROM package_downloads WHERE duration_seconds IS NULL",
            "empty user agent": "SELECT count(*) FROM package_downloads WHERE user_agent = ''",
            "NULL user agent": "SELECT count(*) FROM package_downloads WHERE user_agent IS NULL",
            "DATETIME with an offset": "SELECT count(*) FROM package_downloads WHERE finished_at LIKE '%+00:00'",
            "DATETIME with a T": "SELECT count(*) FROM package_downloads WHERE finished_at LIKE '%T%'",
            "non-ASCII city": "SELECT count(*) FROM package_downloads WHERE city GLOB '*[^ -~]*'",
            "boolean true and false": "SELECT count(DISTINCT cached) = 2 FROM package_downloads",
            "empty description": "SELECT count(*) FROM m.package_versions WHERE description = ''",
            "NULL archived": "SELECT count(*) FROM m.package_versions WHERE archived IS NULL",
            "non-ASCII source in a key": "SELECT count(*) FROM m.package_versions WHERE source GLOB '*[^ -~]*'",
        }
        for what, sql in wanted.items():
            check(one(con, sql) > 0, "no %s (%s)" % (what, sql))
    finally:
        con.close()


def main():
    tmp = tempfile.mkdtemp(prefix="check-wide-db.")
    try:
        a, b, c = (os.path.join(tmp, x) for x in "abc")
        generate(a, "--usage-rows", "5000")
        check_dir(a, 5000)
        generate(b, "--usage-rows", "5000")
        check(digest(a) == digest(b), "the same arguments made different files")
        generate(c, "--usage-rows", "5000", "--seed", "2")
        check(digest(a) != digest(c), "--seed 2 made the same files as --seed 1")
        generate(c, "--usage-rows", "8000", "--force")
        check_dir(c, 8000)
        p = generate(a, "--usage-rows", "5000", expect_ok=False)
        check(p.returncode != 0 and "--force" in p.stderr, "an existing dataset was overwritten without --force")
        check(digest(a) == digest(b), "a refused run changed the files")
    except Failure as e:
        print("check-wide-db: FAILED: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("check-wide-db: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
