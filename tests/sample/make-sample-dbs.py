#!/usr/bin/python3
"""Generate sample Posit Package Manager SQLite databases, deterministically.

    make-sample-dbs.py --dir DIR [--packages N] [--usage-rows N] [--seed S] [--force]

writes DIR/rstudio-pm.sqlite (main data) and DIR/rstudio-pm-usage.sqlite
(usage data).  The same arguments always produce the same content.

The schema looks like a package manager's and carries the things a migration
tool must get right: AUTOINCREMENT tables (sqlite_sequence, also ahead of
max(id) after deletes), gaps in ids, composite and WITHOUT ROWID primary keys,
UNIQUE constraints, foreign keys with ON DELETE CASCADE, DEFAULTs, BOOLEAN
columns stored as 0/1, DATETIME text in several forms, BLOBs with NUL bytes,
int64 values near the limits, REAL values +-Infinity/extremes/inexact, non-ASCII
and 4-byte UTF-8 text, NULL next to empty strings, text with quotes,
backslashes and newlines, identifiers that are a reserved word ("order") or
mixed case ("StartedAt"), plain/DESC/partial indexes, a view and a trigger
(which a migration must report, not carry), and sqlite_stat1 from ANALYZE
(an internal table to leave alone).  The usage database has one big table
(--usage-rows) written in constant memory, and a daily aggregate of it.

Only the Python standard library is used.
"""

import argparse
import datetime
import os
import random
import sqlite3
import sys

MAIN_DB = "rstudio-pm.sqlite"
USAGE_DB = "rstudio-pm-usage.sqlite"

MAIN_SCHEMA = """
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    dirty BOOLEAN NOT NULL
);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    url TEXT,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    last_sync DATETIME NULL
);
CREATE TABLE repos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    hidden BOOLEAN NOT NULL DEFAULT 0,
    created DATETIME NOT NULL
);
CREATE TABLE subscriptions (
    repo_id INTEGER NOT NULL REFERENCES repos(id),
    source_id INTEGER NOT NULL REFERENCES sources(id),
    priority INTEGER NOT NULL,
    PRIMARY KEY (repo_id, source_id)
);
CREATE TABLE packages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT,
    license TEXT NULL,
    UNIQUE (source_id, name)
);
CREATE TABLE package_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    md5 BLOB,
    size BIGINT,
    published DATETIME,
    needs_compilation BOOLEAN NOT NULL DEFAULT 0,
    description TEXT,
    archived BOOLEAN NULL,
    UNIQUE (package_id, version)
);
CREATE TABLE sync_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    "order" INTEGER NOT NULL,
    "StartedAt" DATETIME NOT NULL,
    duration_seconds REAL,
    status TEXT NOT NULL DEFAULT 'ok',
    UNIQUE (source_id, "order")
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT
) WITHOUT ROWID;
"""

# Created after the rows are in: faster, and the trigger must not rewrite
# the generated data.
MAIN_LATE_DDL = """
CREATE INDEX packages_name_idx ON packages(name);
CREATE INDEX package_versions_published_idx ON package_versions(published DESC);
CREATE INDEX package_versions_compiled_idx ON package_versions(package_id)
    WHERE needs_compilation = 1;
CREATE VIEW latest_versions AS
    SELECT p.id AS package_id, p.source_id, p.name, v.version, v.published
    FROM packages p
    JOIN package_versions v ON v.package_id = p.id
    WHERE v.id = (SELECT max(id) FROM package_versions WHERE package_id = p.id);
CREATE TRIGGER package_versions_touch_source
    AFTER INSERT ON package_versions
BEGIN
    UPDATE sources SET last_sync = NEW.published
    WHERE id = (SELECT source_id FROM packages WHERE id = NEW.package_id);
END;
"""

USAGE_SCHEMA = """
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    dirty BOOLEAN NOT NULL
);
CREATE TABLE package_downloads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repo_id INTEGER NOT NULL,
    package TEXT NOT NULL,
    version TEXT,
    r_version TEXT,
    os TEXT,
    downloaded_at DATETIME NOT NULL,
    client_ip TEXT NULL,
    bytes INTEGER,
    cached BOOLEAN NOT NULL
);
CREATE TABLE daily_counts (
    day DATE NOT NULL,
    repo_id INTEGER NOT NULL,
    package TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, repo_id, package)
);
"""

USAGE_LATE_DDL = """
CREATE INDEX package_downloads_downloaded_at_idx ON package_downloads(downloaded_at);
"""

# name, type, url, enabled
SOURCES = [
    ("cran", "cran", "https://cran.r-project.org", 1),
    ("bioconductor", "bioconductor", "https://bioconductor.org/packages/3.18", 1),
    ("pypi", "pypi", "https://pypi.org/simple", 1),
    ("internal-git", "git-builder", "https://git.example.com/r-packages.git", 1),
    ("local-uploads", "local", None, 1),
    ("curated-cran-2024", "curated-cran", "https://cran.r-project.org", 0),
]
SOURCE_WEIGHTS = [50, 12, 20, 6, 4, 8]

# name, description, hidden
REPOS = [
    ("cran", "CRAN mirror for everyone", 0),
    ("bioc", "Bioconductor 3.18 \u2014 genomics tools", 0),
    ("pypi", "Python packages (PyPI), mirrored nightly", 0),
    ("prod-validated", "D\u00e9p\u00f4t valid\u00e9 pour la production \u2014 \u00e9quipe Z\u00fcrich", 0),
    ("team-tokyo", "\u6771\u4eac\u30c1\u30fc\u30e0\u306e\u30d1\u30c3\u30b1\u30fc\u30b8", 0),
    ("release-candidates", "\U0001F4E6 Release candidates \U0001F680 (emoji are 4 bytes in UTF-8)", 0),
    ("internal", "Internal: it's \"ours\"; path C:\\pkgs\\r\nsecond line\ttabbed", 1),
    ("sandbox", None, 1),
    ("scratch", "", 0),
]

# repo name -> [(source name, priority)]
SUBSCRIPTIONS = {
    "cran": [("cran", 1)],
    "bioc": [("bioconductor", 1), ("cran", 2)],
    "pypi": [("pypi", 1)],
    "prod-validated": [("curated-cran-2024", 1), ("internal-git", 2)],
    "team-tokyo": [("cran", 10), ("local-uploads", 5)],
    "release-candidates": [("internal-git", 1), ("local-uploads", 2), ("cran", 3)],
    "internal": [("internal-git", 1), ("local-uploads", 2)],
    "sandbox": [],
    "scratch": [("cran", 1)],
}

SETTINGS = [
    ("server.address", "https://packages.example.com"),
    ("motd", ""),  # empty string, not NULL
    ("license.key", None),  # NULL, not empty
    ("ui.banner", "Bienvenue \u00b7 \u6b22\u8fce \u00b7 \U0001F44B"),
    ("sync.schedule", "0 2 * * *"),
    ("quoting", "single ' double \" backslash \\ percent % underscore _"),
    ("multiline", "line one\nline two\r\n\tindented"),
    ("Mixed.Case", "keys are case-sensitive"),
]

SYLLABLES = ["ra", "te", "gg", "plot", "dat", "ly", "shi", "ny", "tidy", "str",
             "ing", "r", "knit", "mark", "down", "bio", "seq", "geo", "map",
             "xml", "json", "lite", "fast", "stat", "bay", "es", "net", "work",
             "arrow", "zoo", "lub", "ri", "date", "dplyr", "py", "np", "ml"]
LICENSES = ["GPL-2", "GPL (>= 3)", "MIT + file LICENSE", "Apache License 2.0",
            "BSD_3_clause + file LICENSE", "LGPL-3", None]
TITLE_WORDS = ["Fast", "Tools", "for", "Data", "Analysis", "Tidy", "Models",
               "Interactive", "Plots", "Genomic", "Ranges", "Utilities",
               "Reading", "Writing", "Files", "Bayesian", "Inference"]
TITLE_EXTRAS = ["\u00dcber-fast Parsing", "Na\u00efve Bayes Classifiers",
                "Se\u00f1al Processing", "\u0417\u0430\u0434\u0430\u0447\u0438 (tasks)",
                "Caf\u00e9 Statistics \u2615", "Graphs \U0001F4C8 and Charts"]
R_VERSIONS = ["4.4.0", "4.3.2", "4.3.1", "4.2.3", "4.1.3", None]
OSES = ["linux-jammy", "linux-focal", "linux-bookworm", "windows", "macos-arm64", None]

EPOCH = datetime.datetime(2023, 1, 2, 9, 0, 0)


def fmt_ts(rng, dt, form=None):
    """DATETIME as text, in the forms found in real SQLite files: mostly
    'YYYY-MM-DD HH:MM:SS', some with fractional seconds, a 'T' separator,
    'Z', or Go's '+00:00' offset (all UTC).  form forces one of them."""
    if form is None:
        r = rng.random()
        form = next(f for f, limit in TS_FORMS if r < limit)
    base = dt.strftime("%Y-%m-%d %H:%M:%S")
    if form == "plain":
        return base
    micro = rng.randrange(1_000_000)
    if form == "micro":
        return base + ".%06d" % micro
    if form == "milli":
        return base + ".%03d" % (micro // 1000)
    if form == "T":
        return base.replace(" ", "T")
    if form == "TZ":
        return base.replace(" ", "T") + ".%06dZ" % micro
    return base + ".%06d+00:00" % micro  # "go"


# (form, cumulative probability)
TS_FORMS = [("plain", 0.70), ("micro", 0.80), ("milli", 0.85),
            ("T", 0.93), ("TZ", 0.97), ("go", 1.01)]


def ids_with_gaps(rng, count, gap_every=40):
    """Yield count increasing ids with an occasional gap, as rows deleted
    over the years leave behind.  There is always a gap after id 1."""
    next_id = 1
    for n in range(count):
        yield next_id
        next_id += 1 + (rng.randrange(1, 4) if n == 0 or rng.randrange(gap_every) == 0 else 0)


def package_names(rng, count):
    """count R-like package names, unique; sources share some names."""
    seen = set()
    names = []
    while len(names) < count:
        n = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.15:
            n += rng.choice([".", ""]) + rng.choice(["R", "utils", "2", "Extra", "core"])
        if n[0].isdigit() or n in seen:
            continue
        seen.add(n)
        names.append(n)
    return names


def version_strings(rng, count, pythonic):
    major, minor, patch = rng.randint(0, 3), rng.randint(0, 9), rng.randint(0, 5)
    out = []
    for _ in range(count):
        step = rng.random()
        if step < 0.6:
            patch += 1
        elif step < 0.9:
            minor, patch = minor + 1, 0
        else:
            major, minor, patch = major + 1, 0, 0
        if pythonic:
            v = "%d.%d.%d" % (major, minor, patch)
            if rng.random() < 0.05:
                v += "rc1"
        else:
            sep = "-" if rng.random() < 0.5 else "."  # R allows both
            v = "%d.%d%s%d" % (major, minor, sep, patch)
        out.append(v)
    return out


def md5_value(rng):
    """16 random bytes; some deliberately contain 0x00 (C strings end there),
    a few are NULL."""
    b = bytearray(rng.randbytes(16))
    r = rng.random()
    if r < 0.05:
        b[rng.choice([0, 7, 15])] = 0
    elif r < 0.07:
        return None
    return bytes(b)


# The first versions of the first package carry fixed edge cases, so they
# exist whatever the seed and the size.  Columns not named are random.
EDGE_VERSIONS = [
    {"md5": bytes.fromhex("5eb63bbbe01eeed093cb22bb8f5acd00"), "description": None,
     "archived": None, "form": "plain"},
    {"size": 2**62 + 12345, "description": "", "md5": None, "form": "micro"},  # > 2^53: not a double
    {"md5": bytes(16), "size": 2**63 - 1, "form": "T"},
    {"md5": b"\x00" + bytes(range(1, 16)), "size": 0, "form": "TZ"},
    {"description": "Multi-line\ndescription with \\backslash\\, 'quotes' and a tab\there",
     "form": "go"},
    {"needs_compilation": 1, "archived": 1, "form": "milli"},
]


def build_main(path, rng, n_packages):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    for stmt in split_sql(MAIN_SCHEMA):
        con.execute(stmt)

    con.executemany("INSERT INTO schema_migrations(version, dirty) VALUES (?, ?)",
                    [(v, 0) for v in (1, 2, 3, 5, 8, 13, 21)])

    # Sources.  The last one is inserted and deleted again, so that
    # sqlite_sequence is ahead of max(id), as after a real deletion.
    source_ids = {}
    for i, (name, typ, url, enabled) in enumerate(SOURCES, start=1):
        created = EPOCH + datetime.timedelta(days=i * 3, seconds=rng.randrange(86400))
        last_sync = None if url is None or not enabled else fmt_ts(
            rng, created + datetime.timedelta(days=300 + rng.randrange(60)))
        con.execute("INSERT INTO sources(id, name, type, url, enabled, created_at, last_sync)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (i, name, typ, url, enabled, fmt_ts(rng, created), last_sync))
        source_ids[name] = i
    con.execute("INSERT INTO sources(name, type, url, enabled, created_at)"
                " VALUES ('retired-mirror', 'cran', 'http://old.example.com', 0, '2023-01-01 00:00:00')")
    con.execute("DELETE FROM sources WHERE name = 'retired-mirror'")

    repo_ids = {}
    for i, (name, desc, hidden) in enumerate(REPOS, start=1):
        created = EPOCH + datetime.timedelta(days=i * 5, seconds=rng.randrange(86400))
        con.execute("INSERT INTO repos(id, name, description, hidden, created) VALUES (?, ?, ?, ?, ?)",
                    (i, name, desc, hidden, fmt_ts(rng, created)))
        repo_ids[name] = i
    con.executemany("INSERT INTO subscriptions(repo_id, source_id, priority) VALUES (?, ?, ?)",
                    [(repo_ids[r], source_ids[s], p)
                     for r, subs in SUBSCRIPTIONS.items() for s, p in subs])

    # Packages: names are unique per source; curated-cran reuses CRAN names,
    # so the same name exists in several sources.
    names = package_names(rng, n_packages)
    source_names = [s[0] for s in SOURCES]
    per_source = {s: [] for s in source_names}
    packages = []  # (id, source name, name)
    for pid, name in zip(ids_with_gaps(rng, n_packages), names):
        src = rng.choices(source_names, SOURCE_WEIGHTS)[0]
        if src == "curated-cran-2024" and per_source["cran"] and rng.random() < 0.8:
            candidate = rng.choice(per_source["cran"])
            if candidate not in per_source[src]:
                name = candidate
        per_source[src].append(name)
        packages.append((pid, src, name))

    def package_rows():
        for k, (pid, src, name) in enumerate(packages):
            r = rng.random()
            if k == 0:
                title = ""  # empty, next to NULL titles
            elif k == 1 or r < 0.05:
                title = None
            elif r < 0.13:
                title = rng.choice(TITLE_EXTRAS)
            else:
                title = " ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randint(2, 6)))
            yield (pid, source_ids[src], name, title, rng.choice(LICENSES))

    con.executemany("INSERT INTO packages(id, source_id, name, title, license) VALUES (?, ?, ?, ?, ?)",
                    package_rows())

    def version_rows():
        vid_iter = ids_with_gaps(rng, 10**9, gap_every=60)
        i = 0
        for k, (pid, src, name) in enumerate(packages):
            count = rng.randint(1, 12)
            if k == 0:
                count = max(count, len(EDGE_VERSIONS))
            published = EPOCH + datetime.timedelta(days=rng.randrange(400), seconds=rng.randrange(86400))
            for version in version_strings(rng, count, pythonic=(src == "pypi")):
                published += datetime.timedelta(days=rng.randrange(1, 90), seconds=rng.randrange(86400))
                r = rng.random()
                row = {
                    "md5": md5_value(rng),
                    "size": rng.randrange(2_000, 60_000_000),
                    "needs_compilation": 1 if rng.random() < 0.3 else 0,
                    "description": None if r < 0.08 else "" if r < 0.11 else
                    "%s %s: %s" % (name, version, rng.choice(TITLE_WORDS + TITLE_EXTRAS)),
                    "archived": None if r < 0.25 else (1 if r < 0.40 else 0),
                    "form": None,
                }
                if i < len(EDGE_VERSIONS):
                    row.update(EDGE_VERSIONS[i])
                yield (next(vid_iter), pid, version, row["md5"], row["size"],
                       fmt_ts(rng, published, row["form"]), row["needs_compilation"],
                       row["description"], row["archived"])
                i += 1

    con.executemany("INSERT INTO package_versions(id, package_id, version, md5, size, published,"
                    " needs_compilation, description, archived) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    version_rows())

    # Sync runs: floats that must survive exactly.  (No -0.0: SQLite stores
    # integral values of a REAL column as integers, so it reads back as 0.0.)
    specials = [0.0, float("inf"), float("-inf"), 5e-324, 1.7976931348623157e308,
                0.1, 1 / 3, -12.5]
    run_rows = []
    for sid in range(1, len(SOURCES) + 1):
        started = EPOCH + datetime.timedelta(days=30, seconds=rng.randrange(86400))
        for order in range(1, rng.randint(2, 5) + 1):
            started += datetime.timedelta(hours=rng.randrange(6, 48))
            if specials and rng.random() < 0.5:
                duration = specials.pop(0)
            elif rng.random() < 0.1:
                duration = None  # also forced below
            else:
                duration = round(rng.uniform(0.5, 900.0), 3)
            status = rng.choice(["ok", "ok", "ok", "failed", "cancelled"])
            run_rows.append((sid, order, fmt_ts(rng, started), duration, status))
    # whatever was not used above, so that all are present whatever the seed
    for d in specials + [None]:
        run_rows.append((1, 100 + len(run_rows), "2024-07-01 00:00:00", d, "running"))
    con.executemany('INSERT INTO sync_runs(source_id, "order", "StartedAt", duration_seconds, status)'
                    " VALUES (?, ?, ?, ?, ?)", run_rows)

    con.executemany("INSERT INTO settings(key, value) VALUES (?, ?)", SETTINGS)

    for stmt in split_sql(MAIN_LATE_DDL):
        con.execute(stmt)
    con.execute("ANALYZE")
    con.execute("COMMIT")
    finish(con, path)


def build_usage(path, rng, n_rows, n_repos, names):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    for stmt in split_sql(USAGE_SCHEMA):
        con.execute(stmt)
    con.executemany("INSERT INTO schema_migrations(version, dirty) VALUES (?, ?)",
                    [(v, 0) for v in (1, 2, 4)])

    # Popular packages are downloaded more: a skewed pick list.
    popular = names[: max(1, len(names) // 10)]
    pick = popular * 20 + names
    versions = ["1.0.0", "1.0-1", "1.1.2", "2.0.0", "0.9.3", None]
    span = 120 * 86400
    days = [(datetime.date(2024, 1, 1) + datetime.timedelta(days=d)).isoformat() for d in range(130)]

    def rows():
        rnd = rng.random
        choice = rng.choice
        randrange = rng.randrange
        for i in range(n_rows):
            # close to time order, like an append-only log
            t = (i * span) // max(n_rows, 1) + randrange(600)
            d, rem = divmod(t, 86400)
            h, rem = divmod(rem, 3600)
            m, s = divmod(rem, 60)
            ts = "%s %02d:%02d:%02d" % (days[d], h, m, s)
            if i % 97 == 5:
                ts += ".%06d" % randrange(1_000_000)
            r = rnd()
            if i == 0:
                ip = None
            elif r < 0.6:
                ip = "10.%d.%d.%d" % (randrange(256), randrange(256), randrange(1, 255))
            elif r < 0.8:
                ip = "2001:db8::%x:%x" % (randrange(65536), randrange(65536))
            else:
                ip = None
            yield (randrange(1, n_repos + 1), choice(pick), choice(versions), choice(R_VERSIONS),
                   choice(OSES), ts, ip, None if rnd() < 0.02 else randrange(1_000, 50_000_000),
                   1 if rnd() < 0.7 else 0)

    con.executemany("INSERT INTO package_downloads(repo_id, package, version, r_version, os,"
                    " downloaded_at, client_ip, bytes, cached) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows())
    # The aggregate is computed from the rows themselves, so it is consistent.
    con.execute("INSERT INTO daily_counts(day, repo_id, package, count)"
                " SELECT substr(downloaded_at, 1, 10), repo_id, package, count(*)"
                " FROM package_downloads GROUP BY 1, 2, 3")
    for stmt in split_sql(USAGE_LATE_DDL):
        con.execute(stmt)
    con.execute("COMMIT")
    finish(con, path)


def split_sql(script):
    """Split a script into statements (sqlite3.complete_statement knows
    about trigger bodies); executescript would commit our transaction."""
    stmts, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            stmts.append(buf.strip())
            buf = ""
    assert not buf.strip(), buf
    return stmts


def finish(con, path):
    problems = con.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise SystemExit("%s: foreign key violations: %r" % (path, problems[:5]))
    # back to a normal rollback-journal database
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()


def summary(path, label):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for t in tables:
        n = con.execute('SELECT count(*) FROM "%s"' % t.replace('"', '""')).fetchone()[0]
        print("%-24s %-20s %9d rows" % (label, t, n))
    con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="directory to write the two databases into")
    ap.add_argument("--packages", type=int, default=300, help="number of packages (default 300)")
    ap.add_argument("--usage-rows", type=int, default=3000,
                    help="rows in package_downloads (default 3000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--force", action="store_true", help="overwrite existing files")
    args = ap.parse_args()
    if args.packages < 1:
        ap.error("--packages must be at least 1")
    if args.usage_rows < 0:
        ap.error("--usage-rows must not be negative")

    os.makedirs(args.dir, exist_ok=True)
    finals = [os.path.join(args.dir, MAIN_DB), os.path.join(args.dir, USAGE_DB)]
    existing = [p for p in finals if os.path.lexists(p)]
    if existing and not args.force:
        print("make-sample-dbs: refusing to overwrite %s (use --force)" % ", ".join(existing),
              file=sys.stderr)
        return 1

    # Build beside the final names and rename into place, so a failed run
    # leaves nothing half-written under the final names.
    temps = [p + ".tmp-%d" % os.getpid() for p in finals]
    try:
        for t in temps:
            if os.path.lexists(t):
                os.unlink(t)
        main_rng = random.Random(args.seed)
        usage_rng = random.Random("usage:%d" % args.seed)
        build_main(temps[0], main_rng, args.packages)
        con = sqlite3.connect(temps[0])
        names = [r[0] for r in con.execute("SELECT DISTINCT name FROM packages ORDER BY name")]
        con.close()
        build_usage(temps[1], usage_rng, args.usage_rows, len(REPOS), names)
        for t, f in zip(temps, finals):
            # A stale journal or WAL beside the final name would be applied
            # to the new file by SQLite: remove them with the old file.
            for suffix in ("-journal", "-wal", "-shm"):
                if os.path.lexists(f + suffix):
                    os.unlink(f + suffix)
            os.replace(t, f)
    finally:
        for t in temps:
            if os.path.lexists(t):
                os.unlink(t)

    summary(finals[0], MAIN_DB)
    summary(finals[1], USAGE_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
