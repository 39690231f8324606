"""Shared helpers for the migration tests in this directory.

Each test is a script run as

    with-postgres.sh test_xxx.py MIGRATE [MAKE_SAMPLE_DBS]

so it sees a real, throwaway PostgreSQL server through the MIGRATE_TEST_*
variables (see tests/harness/with-postgres.sh).  A test prints TAP: one
"ok"/"not ok" line per check, details as "#" comments, the plan at the end;
a crash leaves the plan out, which meson counts as a failure.

Only the Python standard library is used.  PostgreSQL is read with psql as
the superuser (over the harness's socket), values in forms that are exact:
bytes as hex, doubles as float8send() bits, timestamps as UTC text with
microseconds.
"""

import atexit
import datetime
import decimal
import json
import os
import pty
import select
import shlex
import shutil
import socket
import sqlite3
import struct
import subprocess
import time
import sys
import tempfile

REQUIRED_ENV = ["MIGRATE_TEST_PG_URL", "MIGRATE_TEST_PG_USAGE_URL", "MIGRATE_TEST_PSQL",
                "MIGRATE_TEST_PGPASSWORD", "MIGRATE_TEST_PGHOST", "MIGRATE_TEST_PGPORT",
                "MIGRATE_TEST_PGUSER", "MIGRATE_TEST_PGDATABASE", "MIGRATE_TEST_PGDATABASE_USAGE"]


class Result:
    """One run of migrate: exit status, and its output both as bytes (to look
    for raw NUL bytes and invalid UTF-8) and as text."""

    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.out_b = proc.stdout
        self.err_b = proc.stderr
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")
        self.both = self.out + self.err

    def describe(self):
        lines = ["migrate %s -> exit %d" % (" ".join(self.args), self.rc)]
        lines += ["stdout: " + l for l in self.out.splitlines()[-25:]]
        lines += ["stderr: " + l for l in self.err.splitlines()[-40:]]
        return "\n".join(lines)

    def lines_with(self, text):
        return [l for l in self.both.splitlines() if text in l]


class Test:
    def __init__(self):
        missing = [v for v in REQUIRED_ENV if not os.environ.get(v)]
        if missing:
            sys.exit("%s: run me under tests/harness/with-postgres.sh (missing %s)"
                     % (sys.argv[0], ", ".join(missing)))
        if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
            sys.exit("usage: %s MIGRATE [MAKE_SAMPLE_DBS]" % sys.argv[0])
        self.migrate_exe = sys.argv[1]
        self.make_sample = sys.argv[2] if len(sys.argv) > 2 else None
        e = os.environ
        self.url = e["MIGRATE_TEST_PG_URL"]
        self.usage_url = e["MIGRATE_TEST_PG_USAGE_URL"]
        self.password = e["MIGRATE_TEST_PGPASSWORD"]
        self.host = e["MIGRATE_TEST_PGHOST"]
        self.port = e["MIGRATE_TEST_PGPORT"]
        self.user = e["MIGRATE_TEST_PGUSER"]
        self.db = e["MIGRATE_TEST_PGDATABASE"]
        self.usage_db = e["MIGRATE_TEST_PGDATABASE_USAGE"]
        self.psql_prefix = shlex.split(e["MIGRATE_TEST_PSQL"])
        self.n = 0
        self.failures = 0
        self.tmp = tempfile.mkdtemp(prefix="migrate-test.")
        # Started by root, migrate's worker runs as the service account: it
        # must be able to read the sample databases, as on a real server.
        os.chmod(self.tmp, 0o755)
        atexit.register(shutil.rmtree, self.tmp, True)

    # ---- TAP -------------------------------------------------------------

    def check(self, cond, what, detail=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, what), flush=True)
        if not cond:
            self.failures += 1
            if detail:
                for line in str(detail).splitlines():
                    print("#   " + line)
            sys.stdout.flush()
        return cond

    def equal(self, got, expected, what):
        return self.check(got == expected, what,
                          "expected: %r\n     got: %r" % (expected, got))

    def note(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def finish(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failures else 0)

    # ---- files -----------------------------------------------------------

    def run_seeds(self, seeds, run_seed):
        """Runs run_seed(seed) for each seed of a randomized test (it returns
        whether the seed passed its checks); an exception in the test's own
        oracle fails the seed too.  Notes the failing seeds, to rerun."""
        failed = []
        for seed in seeds:
            try:
                if not run_seed(seed):
                    failed.append(seed)
            except Exception as e:  # the oracle's own failure is a finding too
                self.check(False, "seed %d: runs" % seed, repr(e))
                failed.append(seed)
        self.note("failing seeds: %r" % failed)
        return failed

    def new_dir(self, name):
        path = os.path.join(self.tmp, name)
        os.makedirs(path)
        return path

    def new_sqlite(self, name, schema, rows):
        """A new directory holding a SQLite main database made by the SQL
        script schema, then rows: (table, [tuple of values, ...]) pairs,
        inserted in one transaction.  Returns the directory."""
        d = self.new_dir(name)
        con = sqlite3.connect(os.path.join(d, "rstudio-pm.sqlite"), isolation_level=None)
        con.executescript(schema)
        con.execute("BEGIN")  # one transaction: not one fsync per row
        for table, values in rows:
            con.executemany("INSERT INTO %s VALUES (%s)" % (table, ", ".join("?" * len(values[0]))), values)
        con.execute("COMMIT")
        con.close()
        return d

    def write_config(self, name, sqlite_dir, url=None, usage_url=None):
        """A server configuration file; usage_url=False leaves UsageDataURL out."""
        path = os.path.join(self.tmp, name + ".gcfg")
        lines = ["[SQLite]", "Dir = %s" % sqlite_dir, "[Postgres]",
                 'URL = "%s"' % (url or self.url)]
        if usage_url is not False:
            lines.append('UsageDataURL = "%s"' % (usage_url or self.usage_url))
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def make_samples(self, name, *args):
        if not self.make_sample:
            sys.exit("this test needs make-sample-dbs.py as its second argument")
        d = os.path.join(self.tmp, name)
        subprocess.run(["/usr/bin/python3", self.make_sample, "--dir", d] + list(args),
                       check=True, stdout=subprocess.DEVNULL)
        return d

    # ---- running migrate -------------------------------------------------

    def wait_for_migrate_backends(self, limit=15.0):
        """A migrate that has just exited may leave its server backend
        finishing for a moment; the next run would rightly refuse it as
        another session.  Wait (bounded) until those backends are gone."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            n = self.psql("postgres", "SELECT count(*) FROM pg_stat_activity"
                          " WHERE application_name = 'rstudio-pm-migrate'", check=False)
            if n in ("0", ""):  # none, or the server is down on purpose
                return
            time.sleep(0.1)

    def migrate(self, config, *args, env=None):
        self.wait_for_migrate_backends()
        argv = ["--config", config, "database"] + list(args)
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        proc = subprocess.run([self.migrate_exe] + argv, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=full_env, timeout=900)
        return Result(argv, proc)

    # ---- PostgreSQL --------------------------------------------------------

    def migrate_logged(self, config, *args):
        """migrate with every statement of the test role in the server log:
        returns its Result and the log text those statements added."""
        self.psql("postgres", "ALTER ROLE %s SET log_statement = 'all'" % qi(self.user))
        server_log = os.path.join(os.path.dirname(os.environ["MIGRATE_TEST_PGDATA"]), "server.log")
        start = os.path.getsize(server_log)
        try:
            res = self.migrate(config, *args)
        finally:
            self.psql("postgres", "ALTER ROLE %s RESET log_statement" % qi(self.user))
        with open(server_log, "rb") as f:
            f.seek(start)
            return res, f.read().decode("utf-8", "replace")


    def psql(self, db, sql, check=True):
        """Runs sql as the superuser in database db; returns stdout without
        the final newline (unaligned, tuples only)."""
        env = dict(os.environ, PGCLIENTENCODING="UTF8")
        proc = subprocess.run(self.psql_prefix + ["-At", "-d", db, "-c", sql],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              timeout=300)
        if check and proc.returncode != 0:
            raise RuntimeError("psql failed on %s: %s\n%s" % (db, sql, proc.stderr.decode()))
        return proc.stdout.decode("utf-8").rstrip("\n")

    def rows(self, db, sql):
        """The rows of a query as a list of dicts (through JSON, so text keeps
        every character)."""
        out = self.psql(db, "SELECT coalesce(json_agg(q), '[]'::json) FROM (%s) q" % sql)
        return json.loads(out)

    def value(self, db, sql):
        return self.psql(db, sql)

    def create_database(self, name):
        """A new, empty database owned by the test role; returns its URL."""
        self.psql("postgres", "CREATE DATABASE %s OWNER %s" % (qi(name), qi(self.user)))
        return self.url.rsplit("/", 1)[0] + "/" + name

    def tables(self, db):
        """Every user table, in any schema."""
        out = self.psql(db, "SELECT schemaname || '.' || tablename FROM pg_tables"
                            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                            " ORDER BY 1")
        return out.splitlines() if out else []

    def snapshot(self, db):
        """Everything a run could change in database db, in one query: tables,
        columns, constraints, indexes, sequence positions, and for each table
        its row count and an order-independent sum of 64-bit hashes of its
        rows as text."""
        sql = r"""
        SELECT json_build_object(
          'tables', (SELECT coalesce(json_agg(schemaname || '.' || tablename ORDER BY schemaname, tablename), '[]')
                       FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')),
          'columns', (SELECT json_agg(format('%s.%s %s %s(%s,%s,%s) %s %s', table_schema, table_name, column_name,
                                             data_type, character_maximum_length, numeric_precision,
                                             numeric_scale, is_nullable, column_default)
                                      ORDER BY table_schema, table_name, ordinal_position)
                        FROM information_schema.columns
                       WHERE table_schema NOT IN ('pg_catalog', 'information_schema')),
          'constraints', (SELECT json_agg(conrelid::regclass::text || ' ' || conname || ' '
                                          || pg_get_constraintdef(oid)
                                          ORDER BY conrelid::regclass::text, conname)
                            FROM pg_constraint
                           WHERE connamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema')),
          'indexes', (SELECT json_agg(indexdef ORDER BY indexdef) FROM pg_indexes
                       WHERE schemaname NOT IN ('pg_catalog', 'information_schema')),
          'sequences', (SELECT json_agg(format('%s.%s %s', schemaname, sequencename, last_value)
                                   ORDER BY schemaname, sequencename)
                          FROM pg_sequences),
          'rows', (SELECT json_object_agg(format('%s.%s', schemaname, tablename),
                     (xpath('/row/d/text()', query_to_xml(format(
                        'SELECT count(*) || '' '' || coalesce(sum(hashtextextended(r::text, 0)::numeric), 0) AS d'
                        ' FROM %I.%I r', schemaname, tablename), false, true, '')))[1]::text)
                     FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')))"""
        return json.loads(self.psql(db, sql))

    def same_snapshot(self, before, after, what):
        diffs = []
        for k in sorted(set(before) | set(after)):
            if before.get(k) != after.get(k):
                diffs.append("%s:\n  before: %r\n  after:  %r" % (k, before.get(k), after.get(k)))
        return self.check(not diffs, what, "\n".join(diffs[:10]))

    def columns(self, db, table):
        """[(name, type as format_type() shows it, not null, identity)] of public.table."""
        rows = self.rows(db, """
            SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
                   a.attnotnull AS notnull, a.attidentity AS identity
              FROM pg_attribute a
             WHERE a.attrelid = (SELECT c.oid FROM pg_class c
                                  WHERE c.relnamespace = 'public'::regnamespace AND c.relname = %s)
               AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum""" % sql_literal(table))
        return [(r["name"], r["type"], r["notnull"], r["identity"]) for r in rows]

    def primary_key(self, db, table):
        out = self.psql(db, """
            SELECT string_agg(a.attname, ',' ORDER BY k.n)
              FROM pg_index i
              CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indisprimary
               AND i.indrelid = (SELECT c.oid FROM pg_class c
                                  WHERE c.relnamespace = 'public'::regnamespace AND c.relname = %s)"""
                        % sql_literal(table))
        return out.split(",") if out else []

    # ---- comparing a SQLite database with its PostgreSQL copy ----------------

    def compare_with_sqlite(self, sqlite_path, db, tables=None):
        """Compares every row of every table (or of tables) of the SQLite file
        with the PostgreSQL database, converting the SQLite value to the
        target column's type by this file's own rules (an oracle independent
        of migrate's).  Returns a list of differences (empty when equal)."""
        con = sqlite3.connect("file:%s?mode=ro" % sqlite_path, uri=True)
        con.text_factory = bytes
        if tables is None:
            tables = [r[0].decode() for r in con.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name")]
        diffs = []
        for table in tables:
            cols = self.columns(db, table)
            if not cols:
                diffs.append("table %s: not in PostgreSQL" % table)
                continue
            pk = self.primary_key(db, table) or [c[0] for c in cols]
            exprs = ", ".join("%s AS c%d" % (pg_canonical_expr(qi(n), t), i)
                              for i, (n, t, _, _) in enumerate(cols))
            pg_rows = self.rows(db, "SELECT %s FROM %s" % (exprs, qi(table)))
            pg = {}
            for r in pg_rows:
                row = tuple(r["c%d" % i] for i in range(len(cols)))
                pg[tuple(row[[c[0] for c in cols].index(k)] for k in pk)] = row
            src = {}
            sel = ", ".join(qi(n) for n, _, _, _ in cols)
            for srow in con.execute("SELECT %s FROM %s" % (sel, qi(table))):
                row = tuple(sqlite_canonical(v, t) for v, (_, t, _, _) in zip(srow, cols))
                src[tuple(row[[c[0] for c in cols].index(k)] for k in pk)] = row
            for key in sorted(set(src) | set(pg), key=repr):
                if key not in pg:
                    diffs.append("table %s, key %r: missing in PostgreSQL" % (table, key))
                elif key not in src:
                    diffs.append("table %s, key %r: extra in PostgreSQL" % (table, key))
                elif src[key] != pg[key]:
                    for (name, _, _, _), a, b in zip(cols, src[key], pg[key]):
                        if a != b:
                            diffs.append("table %s, key %r, column %s: SQLite %r, PostgreSQL %r"
                                         % (table, key, name, a, b))
        con.close()
        return diffs


def run_on_terminal(argv):
    """Runs argv with stderr on a pseudo-terminal; returns (status, stdout
    bytes, terminal output bytes)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    tty = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        tty += chunk
    out = proc.stdout.read()
    proc.wait(timeout=120)
    os.close(master)
    return proc.returncode, out, tty


def qi(name):
    """A quoted identifier (same rules in SQLite and PostgreSQL)."""
    return '"%s"' % name.replace('"', '""')


def sql_literal(s):
    return "'%s'" % s.replace("'", "''")


def pg_canonical_expr(col, typ):
    """A PostgreSQL expression giving col in a form that compares exactly."""
    if typ == "boolean":
        return "%s::text" % col
    if typ in ("smallint", "integer", "bigint") or typ.startswith("numeric") or typ == "date":
        return "%s::text" % col
    if typ in ("double precision", "real"):
        return "encode(float8send(%s::float8), 'hex')" % col
    if typ == "timestamp with time zone":
        return "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')" % col
    if typ == "timestamp without time zone":
        return "to_char(%s, 'YYYY-MM-DD HH24:MI:SS.US')" % col
    if typ == "bytea":
        return "encode(%s, 'hex')" % col
    if typ in ("inet", "cidr"):  # the output function's text: inet::text adds a /128 the value does not show
        return "encode(convert_to(CASE WHEN %s IS NOT NULL THEN format('%%s', %s) END, 'UTF8'), 'hex')" % (col, col)
    return "encode(convert_to(%s::text, 'UTF8'), 'hex')" % col  # text, varchar, json, uuid


def parse_sqlite_datetime(v):
    """A SQLite DATETIME value (text in ISO forms, or Unix epoch seconds) as
    an aware UTC datetime; naive text is UTC."""
    if isinstance(v, (int, float)):
        return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + \
            datetime.timedelta(microseconds=round(v * 1_000_000))
    dt = datetime.datetime.fromisoformat(v.decode() if isinstance(v, bytes) else v)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.astimezone(datetime.timezone.utc)


def sqlite_canonical(v, typ):
    """A SQLite value converted to typ by this test's rules, in the form
    pg_canonical_expr() gives (None for NULL)."""
    if v is None:
        return None
    if typ == "boolean":
        if isinstance(v, bytes):
            v = v.decode().lower()
            return {"t": "true", "true": "true", "f": "false", "false": "false"}.get(v, "?" + v)
        return {0: "false", 1: "true"}.get(v, "?%r" % v)
    if typ in ("smallint", "integer", "bigint"):
        return str(v) if isinstance(v, int) else "?%r" % v
    if typ.startswith("numeric"):
        d = decimal.Decimal(repr(v) if isinstance(v, float) else
                            v.decode() if isinstance(v, bytes) else str(v))
        if "," in typ:
            scale = int(typ.split(",")[1].rstrip(")"))
            d = d.quantize(decimal.Decimal(1).scaleb(-scale))
        return str(d)
    if typ in ("double precision", "real"):
        return struct.pack(">d", float(v)).hex()
    if typ.startswith("timestamp"):
        return parse_sqlite_datetime(v).strftime("%Y-%m-%d %H:%M:%S.%f")
    if typ == "date":
        return v.decode() if isinstance(v, bytes) else str(v)
    if typ == "bytea":
        return bytes(v).hex()
    if isinstance(v, bytes):
        return v.hex()
    return str(v).encode("utf-8").hex()


def free_port():
    """A TCP port nothing listens on (bound then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
