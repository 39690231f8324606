#!/usr/bin/python3
"""Generate a wide Package Manager-like dataset with text keys, deterministically.

    make-wide-db.py --dir DIR [--usage-rows N] [--seed S] [--force]

writes DIR/rstudio-pm.sqlite (main) and DIR/rstudio-pm-usage.sqlite (usage),
the two files migrate reads, for the benchmark's second dataset.  Where the
sample (tests/sample/make-sample-dbs.py) is narrow and keyed by integers, the
tables here are keyed the way an application keeps metadata and counters:
composite TEXT primary keys, some with a date or a timestamp in them, and
many columns of every kind (text, BLOB, DATETIME in several forms, DATE,
BOOLEAN, REAL with full-precision doubles, INTEGER, NULLs, empty strings,
non-ASCII text, also in the keys).

    main:   repos             (name)                                  few rows
            package_versions  (source, package, version)              N / 10 rows
    usage:  package_downloads (repo, package, version, downloaded_at, request_id)   N rows
            daily_counts      (repo, package, version, day)           N rows

(plus schema_migrations in each).  The default N (--usage-rows) is
2,000,000: about 4.2 million rows.  The same arguments always produce the
same content.  The big tables are written in constant memory.

Only the Python standard library is used.
"""

import argparse
import datetime
import importlib.util
import os
import random
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "make_sample_dbs", os.path.join(HERE, "..", "sample", "make-sample-dbs.py"))
sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sample)

MAIN_DB = sample.MAIN_DB
USAGE_DB = sample.USAGE_DB

MAIN_SCHEMA = """
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    dirty BOOLEAN NOT NULL
);
CREATE TABLE repos (
    name TEXT PRIMARY KEY,
    description TEXT,
    hidden BOOLEAN NOT NULL DEFAULT 0,
    created DATETIME NOT NULL,
    snapshot DATE
) WITHOUT ROWID;
CREATE TABLE package_versions (
    source TEXT NOT NULL,
    package TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT,
    description TEXT,
    license TEXT,
    maintainer TEXT,
    md5 BLOB,
    sha256 BLOB,
    size BIGINT,
    published DATETIME,
    synced_at DATETIME NOT NULL,
    needs_compilation BOOLEAN NOT NULL DEFAULT 0,
    archived BOOLEAN,
    score REAL,
    PRIMARY KEY (source, package, version)
);
"""

USAGE_SCHEMA = """
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    dirty BOOLEAN NOT NULL
);
CREATE TABLE package_downloads (
    repo TEXT NOT NULL,
    package TEXT NOT NULL,
    version TEXT NOT NULL,
    downloaded_at DATETIME NOT NULL,
    request_id TEXT NOT NULL,
    r_version TEXT,
    os TEXT,
    arch TEXT,
    user_agent TEXT,
    client_ip TEXT,
    country TEXT,
    city TEXT,
    http_status INTEGER NOT NULL,
    bytes INTEGER,
    duration_seconds REAL,
    cached BOOLEAN NOT NULL,
    etag BLOB,
    finished_at DATETIME,
    PRIMARY KEY (repo, package, version, downloaded_at, request_id)
);
CREATE TABLE daily_counts (
    repo TEXT NOT NULL,
    package TEXT NOT NULL,
    version TEXT NOT NULL,
    day DATE NOT NULL,
    downloads INTEGER NOT NULL,
    bytes INTEGER,
    unique_clients INTEGER,
    cached_share REAL,
    first_at DATETIME,
    last_at DATETIME,
    top_country TEXT,
    partial BOOLEAN NOT NULL DEFAULT 0,
    checksum BLOB,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (repo, package, version, day)
);
"""

USAGE_LATE_DDL = """
CREATE INDEX package_downloads_at_idx ON package_downloads(downloaded_at);
CREATE INDEX daily_counts_day_idx ON daily_counts(day, repo);
"""

# Repository names are keys; two are not ASCII.
REPOS = [
    ("cran", "CRAN mirror for everyone", 0),
    ("bioc", "Bioconductor 3.18 \u2014 genomics tools", 0),
    ("pypi", "Python packages (PyPI), mirrored nightly", 0),
    ("prod-validated", "Validated for production", 0),
    ("\u00e9quipe-z\u00fcrich", "D\u00e9p\u00f4t de l'\u00e9quipe de Z\u00fcrich", 0),
    ("\u6771\u4eac\u30c1\u30fc\u30e0", "\u6771\u4eac\u30c1\u30fc\u30e0\u306e\u30d1\u30c3\u30b1\u30fc\u30b8", 0),
    ("release-candidates", "\U0001F4E6 Release candidates \U0001F680", 0),
    ("internal", "Internal: it's \"ours\"; C:\\pkgs\\r\nsecond line", 1),
    ("sandbox", None, 1),
    ("scratch", "", 0),
]
REPO_WEIGHTS = [40, 10, 20, 8, 4, 4, 4, 5, 3, 2]
SOURCES = ["cran", "bioconductor", "pypi", "internal-git", "d\u00e9p\u00f4t-local"]
SOURCE_WEIGHTS = [55, 12, 25, 5, 3]
MAINTAINERS = ["Hadley Wickham <hadley@example.com>", "Fran\u00e7ois Michonneau <fm@example.org>",
               "J\u00f6rg M\u00fcller <jm@example.de>", "\u5f20\u4f1f <zw@example.cn>",
               "Se\u00e1n \u00d3 Briain <sob@example.ie>", "R Core Team", "", None]
COUNTRIES = [("US", "Seattle"), ("DE", "M\u00fcnchen"), ("BR", "S\u00e3o Paulo"), ("JP", "\u6771\u4eac"),
             ("PL", "Krak\u00f3w"), ("RU", "\u041c\u043e\u0441\u043a\u0432\u0430"), ("FR", "Orl\u00e9ans"),
             ("IN", "Bengaluru"), (None, None), ("", "")]
ARCHES = ["x86_64", "aarch64", "arm64", None]
USER_AGENTS = [
    "R (4.3.2 x86_64-pc-linux-gnu x86_64 linux-gnu) libcurl/7.88.1",
    "R (4.4.0 aarch64-apple-darwin20 aarch64 darwin20)",
    "RStudio Desktop (2023.12.1.402); R (4.3.2 x86_64-w64-mingw32 x86_64 mingw32)",
    'pip/23.3.1 {"ci":null,"cpu":"x86_64","implementation":{"name":"CPython","version":"3.11.6"},'
    '"installer":{"name":"pip","version":"23.3.1"},"openssl_version":"OpenSSL 3.0.11 19 Sep 2023",'
    '"python":"3.11.6","system":{"name":"Linux","release":"6.1.0-13-amd64"}}',
    "uv/0.1.24 (x86_64-unknown-linux-gnu)",
    "curl/8.4.0",
    "",
    None,
]


def package_names(rng, count):
    """count unique R-like names; beyond the syllables' reach a number is
    appended (letters then digits: unique by construction)."""
    seen = set()
    out = []
    for i in range(count):
        n = "".join(rng.choice(sample.SYLLABLES) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.1:
            n += "." + rng.choice(["R", "utils", "Extra", "core"])
        if n in seen:
            n += str(i)
        seen.add(n)
        out.append(n)
    return out


def blob(rng, n):
    """n random bytes, sometimes with NUL bytes, sometimes NULL."""
    r = rng.random()
    if r < 0.04:
        return None
    b = bytearray(rng.randbytes(n))
    if r < 0.10:
        b[rng.randrange(n)] = 0
        b[0] = 0
    return bytes(b)


def catalog(rng, n_versions):
    """[(source, package, [versions])] with n_versions versions in all."""
    n_packages = max(1, n_versions // 6)
    out = []
    left = n_versions
    for k, name in enumerate(package_names(rng, n_packages)):
        if left <= 0:
            break
        count = left if k == n_packages - 1 else min(left, rng.randint(1, 11))
        src = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
        out.append((src, name, sample.version_strings(rng, count, pythonic=(src == "pypi"))))
        left -= count
    return out


def build_main(path, rng, packages):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    for stmt in sample.split_sql(MAIN_SCHEMA):
        con.execute(stmt)
    con.executemany("INSERT INTO schema_migrations(version, dirty) VALUES (?, ?)",
                    [(v, 0) for v in (1, 2, 3, 5, 8, 13, 21, 34)])
    for i, (name, desc, hidden) in enumerate(REPOS):
        created = sample.EPOCH + datetime.timedelta(days=i * 5, seconds=rng.randrange(86400))
        snapshot = None if i % 3 else (created + datetime.timedelta(days=100)).date().isoformat()
        con.execute("INSERT INTO repos(name, description, hidden, created, snapshot) VALUES (?, ?, ?, ?, ?)",
                    (name, desc, hidden, sample.fmt_ts(rng, created), snapshot))

    def rows():
        rnd, randrange, choice = rng.random, rng.randrange, rng.choice
        words = sample.TITLE_WORDS + sample.TITLE_EXTRAS
        for src, name, versions in packages:
            published = sample.EPOCH + datetime.timedelta(days=randrange(400), seconds=randrange(86400))
            title = None if rnd() < 0.05 else " ".join(choice(words) for _ in range(rng.randint(2, 6)))
            license = choice(sample.LICENSES)
            maintainer = choice(MAINTAINERS)
            for version in versions:
                published += datetime.timedelta(days=randrange(1, 90), seconds=randrange(86400))
                r = rnd()
                desc = None if r < 0.06 else "" if r < 0.08 else (
                    "%s %s: %s. %s" % (name, version, title or "", " ".join(choice(words) for _ in range(randrange(5, 30)))))
                yield (src, name, version, title, desc, license, maintainer,
                       blob(rng, 16), blob(rng, 32),
                       None if rnd() < 0.02 else randrange(2_000, 60_000_000),
                       None if rnd() < 0.03 else sample.fmt_ts(rng, published),
                       sample.fmt_ts(rng, published + datetime.timedelta(seconds=randrange(1, 86400 * 30))),
                       1 if rnd() < 0.3 else 0,
                       None if r < 0.25 else (1 if r < 0.4 else 0),
                       None if rnd() < 0.1 else rng.uniform(0.0, 100.0))

    con.executemany("INSERT INTO package_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
    con.execute("CREATE INDEX package_versions_published_idx ON package_versions(published DESC)")
    con.execute("ANALYZE")
    con.execute("COMMIT")
    sample.finish(con, path)


def build_usage(path, rng, n_rows, packages):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")  # 256 MiB: the key indexes are built in random order
    con.execute("BEGIN")
    for stmt in sample.split_sql(USAGE_SCHEMA):
        con.execute(stmt)
    con.executemany("INSERT INTO schema_migrations(version, dirty) VALUES (?, ?)",
                    [(v, 0) for v in (1, 2, 4, 7)])

    # (repo, package, version) triples that get downloaded; popular ones more.
    repo_names = [r[0] for r in REPOS]
    flat = [(p, v) for _, p, vs in packages for v in vs]
    n_triples = max(1, min(len(flat) * 2, max(50, n_rows // 200)))
    triples = sorted({(rng.choices(repo_names, REPO_WEIGHTS)[0],) + rng.choice(flat) for _ in range(n_triples)})
    popular = triples[: max(1, len(triples) // 10)]
    pick = popular * 10 + triples
    span = 120 * 86400
    start = datetime.datetime(2024, 1, 1)
    day0 = datetime.date(2024, 1, 1)

    def downloads():
        rnd, randrange, choice, bits = rng.random, rng.randrange, rng.choice, rng.getrandbits
        for i in range(n_rows):
            t = (i * span) // max(n_rows, 1) + randrange(600)
            at = start + datetime.timedelta(seconds=t, microseconds=randrange(1_000_000))
            # One form in the key, so that text order is time order.
            ts = at.strftime("%Y-%m-%d %H:%M:%S.%f")
            rid = "%032x" % bits(128)
            rid = "%s-%s-%s-%s-%s" % (rid[:8], rid[8:12], rid[12:16], rid[16:20], rid[20:])
            repo, package, version = choice(pick)
            r = rnd()
            ip = None if r < 0.15 else ("10.%d.%d.%d" % (randrange(256), randrange(256), randrange(1, 255))
                                        if r < 0.7 else "2001:db8::%x:%x" % (randrange(65536), randrange(65536)))
            country, city = choice(COUNTRIES)
            status = 200 if rnd() < 0.95 else choice([304, 404, 500])
            duration = None if rnd() < 0.03 else rng.expovariate(2.0)
            finished = None if rnd() < 0.05 else sample.fmt_ts(
                rng, at.replace(microsecond=0) + datetime.timedelta(seconds=randrange(0, 30)))
            yield (repo, package, version, ts, rid, choice(sample.R_VERSIONS), choice(sample.OSES),
                   choice(ARCHES), choice(USER_AGENTS), ip, country, city, status,
                   None if rnd() < 0.02 else randrange(1_000, 50_000_000), duration,
                   1 if rnd() < 0.7 else 0, blob(rng, 20), finished)

    con.executemany("INSERT INTO package_downloads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    downloads())

    # n_rows daily rows: each triple once a day, unique by construction.
    def daily():
        rnd, randrange = rng.random, rng.randrange
        nt = len(triples)
        for k in range(n_rows):
            repo, package, version = triples[k % nt]
            day = day0 + datetime.timedelta(days=k // nt)
            first = datetime.datetime(day.year, day.month, day.day) + datetime.timedelta(seconds=randrange(43200))
            last = first + datetime.timedelta(seconds=randrange(43200))
            n = randrange(1, 5000)
            yield (repo, package, version, day.isoformat(), n,
                   None if rnd() < 0.02 else n * randrange(1_000, 5_000_000),
                   None if rnd() < 0.05 else randrange(1, n + 1),
                   None if rnd() < 0.05 else rnd(),
                   sample.fmt_ts(rng, first), None if rnd() < 0.01 else sample.fmt_ts(rng, last),
                   rng.choice(COUNTRIES)[0], 1 if rnd() < 0.05 else 0, blob(rng, 8),
                   sample.fmt_ts(rng, last + datetime.timedelta(hours=1)))

    con.executemany("INSERT INTO daily_counts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", daily())
    for stmt in sample.split_sql(USAGE_LATE_DDL):
        con.execute(stmt)
    con.execute("COMMIT")
    sample.finish(con, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="directory to write the two databases into")
    ap.add_argument("--usage-rows", type=int, default=2_000_000,
                    help="rows in package_downloads and in daily_counts; package_versions gets a "
                         "tenth (default 2000000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--force", action="store_true", help="overwrite existing files")
    args = ap.parse_args()
    if args.usage_rows < 10:
        ap.error("--usage-rows must be at least 10")

    os.makedirs(args.dir, exist_ok=True)
    finals = [os.path.join(args.dir, MAIN_DB), os.path.join(args.dir, USAGE_DB)]
    existing = [p for p in finals if os.path.lexists(p)]
    if existing and not args.force:
        print("make-wide-db: refusing to overwrite %s (use --force)" % ", ".join(existing), file=sys.stderr)
        return 1
    temps = [p + ".tmp-%d" % os.getpid() for p in finals]
    try:
        for t in temps:
            if os.path.lexists(t):
                os.unlink(t)
        packages = catalog(random.Random("wide-catalog:%d" % args.seed), args.usage_rows // 10)
        build_main(temps[0], random.Random("wide-main:%d" % args.seed), packages)
        build_usage(temps[1], random.Random("wide-usage:%d" % args.seed), args.usage_rows, packages)
        for t, f in zip(temps, finals):
            for suffix in ("-journal", "-wal", "-shm"):
                if os.path.lexists(f + suffix):
                    os.unlink(f + suffix)
            os.replace(t, f)
    finally:
        for t in temps:
            if os.path.lexists(t):
                os.unlink(t)
    sample.summary(finals[0], MAIN_DB)
    sample.summary(finals[1], USAGE_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
