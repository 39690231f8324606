#!/usr/bin/python3
"""All-or-nothing: a migration that is interrupted or fails leaves both
PostgreSQL targets exactly as they were.

    with-postgres.sh check-atomic.py MIGRATE MAKE_SAMPLE_DBS

Each scenario snapshots both target databases (every relation of the public
schema with its column types, indexes, constraints, triggers and sequence
positions, and every row of every table as text in a fixed order), runs
migrate, interrupts or breaks it, and then checks the exit status, the message
and that the snapshots are unchanged and no migrate session is left on the
server.  Interruptions are sent while migrate's usage connection is running
its COPY into package_downloads (seen in pg_stat_activity), so they land in
the middle of the copy, after the main database was copied and verified.

The sample databases are generated once; the server is shared, and the
target databases are dropped and recreated between scenarios.  Output is TAP,
one test point per scenario.  Standard library only.
"""

import difflib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

APP = "rstudio-pm-migrate"  # migrate's application_name in pg_stat_activity
BIG_USAGE_ROWS = 1_000_000  # the COPY of package_downloads takes > 1 s
WAIT = 120  # seconds: bound of every wait, so a hang fails instead of blocking CI

if len(sys.argv) != 3:
    sys.exit("usage: with-postgres.sh check-atomic.py MIGRATE MAKE_SAMPLE_DBS")
MIGRATE, MAKE_SAMPLE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])


def need_env(name):
    v = os.environ.get(name)
    if not v:
        sys.exit("check-atomic: %s is not set: run this under tests/harness/with-postgres.sh" % name)
    return v


PSQL = shlex.split(need_env("MIGRATE_TEST_PSQL")) + ["-At"]
PGBIN = need_env("MIGRATE_TEST_PGBIN")
PGDATA = need_env("MIGRATE_TEST_PGDATA")
URLS = {"main": need_env("MIGRATE_TEST_PG_URL"), "usage": need_env("MIGRATE_TEST_PG_USAGE_URL")}
DBS = {"main": need_env("MIGRATE_TEST_PGDATABASE"), "usage": need_env("MIGRATE_TEST_PGDATABASE_USAGE")}
OWNER = need_env("MIGRATE_TEST_PGUSER")


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


# ---- PostgreSQL as superuser ----------------------------------------------

def psql(db, sql):
    """Run sql (one or more statements) as superuser in db; stdout as text."""
    p = subprocess.run(PSQL + ["-d", db], input=sql, capture_output=True, text=True,
                       env=dict(os.environ, PGCLIENTENCODING="UTF8"), timeout=WAIT)
    if p.returncode != 0:
        raise Failure("psql -d %s failed (%d): %s\nSQL: %s" % (db, p.returncode, p.stderr.strip(), sql[:500]))
    return p.stdout


def qi(name):
    return '"' + name.replace('"', '""') + '"'


def lines(db, sql):
    return [l for l in psql(db, sql).split("\n") if l]


def snapshot(db):
    """Everything a user could see in the public schema of db, as text in a
    fixed order: relations, column types, indexes, constraints, triggers,
    sequence positions, and every row of every table."""
    tables = lines(db, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
                       " AND relkind IN ('r', 'p') ORDER BY relname COLLATE \"C\"")
    sequences = lines(db, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
                          " AND relkind = 'S' ORDER BY relname COLLATE \"C\"")
    script = r"""
\echo == relations
SELECT relname || ' ' || relkind::text FROM pg_class WHERE relnamespace = 'public'::regnamespace
 ORDER BY relname COLLATE "C";
\echo == columns
SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v')
 ORDER BY c.relname COLLATE "C", a.attnum;
\echo == indexes
SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname COLLATE "C";
\echo == constraints
SELECT d FROM (SELECT conrelid::regclass::text || ' ' || conname::text || ': ' || pg_get_constraintdef(oid) AS d
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace) AS x ORDER BY d COLLATE "C";
\echo == triggers
SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal ORDER BY pg_get_triggerdef(t.oid) COLLATE "C";
"""
    # Sequences are not transactional: a setval() that a rollback does not
    # undo would show here.
    for s in sequences:
        script += "\\echo == sequence %s\nSELECT last_value || ' ' || is_called FROM public.%s;\n" % (s, qi(s))
    for t in tables:
        script += ("\\echo == rows of %s\nCOPY (SELECT snapshot_row::text FROM public.%s AS snapshot_row"
                   " ORDER BY snapshot_row::text COLLATE \"C\") TO STDOUT;\n" % (t, qi(t)))
    return psql(db, script)


def snapshots():
    return {role: snapshot(DBS[role]) for role in ("main", "usage")}


def describe_difference(before, after):
    diff = list(difflib.unified_diff(before.split("\n"), after.split("\n"), "before", "after", n=1, lineterm=""))
    return "\n".join(l[:300] for l in diff[:30]) + ("\n..." if len(diff) > 30 else "")


def check_unchanged(before):
    after = snapshots()
    for role in ("main", "usage"):
        if after[role] != before[role]:
            raise Failure("the %s target database changed:\n%s"
                          % (role, describe_difference(before[role], after[role])))


def migrate_backends():
    return lines("postgres", "SELECT pid || ' ' || datname || ' ' || coalesce(state, '?') || ': ' || left(query, 60)"
                             " FROM pg_stat_activity WHERE application_name = '%s'" % APP)


def wait_until(what, cond, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while True:
        r = cond()
        if r:
            return r
        if time.monotonic() > deadline:
            raise Failure("timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(0.02)


def check_no_migrate_backend():
    # A backend leaves pg_stat_activity shortly after its client goes away.
    try:
        wait_until("migrate's sessions to end", lambda: not migrate_backends(), timeout=30)
    except Failure:
        raise Failure("migrate sessions are left on the server: %s" % migrate_backends())


def wait_targets_idle():
    # Our psql sessions end asynchronously; migrate would rightly refuse
    # (exit 5) while one of them is still connected to a target.
    wait_until("no sessions on the target databases", lambda: lines(
        "postgres", "SELECT count(*) = 0 FROM pg_stat_activity WHERE datname IN ('%s', '%s')"
                    % (DBS["main"], DBS["usage"])) == ["t"])


def recreate(db):
    """db fresh and empty, as with-postgres.sh made it."""
    psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % qi(db))
    psql("postgres", "CREATE DATABASE %s OWNER %s" % (qi(db), qi(OWNER)))


def reset_targets():
    recreate(DBS["main"])
    recreate(DBS["usage"])


def truncate_targets():
    """Keep the tables migrate created, drop their rows (the state of a
    database whose schema the product created)."""
    for role in ("main", "usage"):
        tables = lines(DBS[role], "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
                                  " AND relkind = 'r'")
        check(tables, "no tables in the %s target to truncate" % role)
        psql(DBS[role], "TRUNCATE %s RESTART IDENTITY CASCADE" % ", ".join(qi(t) for t in tables))


def row_count(role, table):
    return int(lines(DBS[role], "SELECT count(*) FROM public.%s" % qi(table))[0])


# ---- migrate ----------------------------------------------------------------

children = []


class Run:
    """One migrate process; stdout and stderr go to files (no pipe to fill)."""

    def __init__(self, config, *args):
        self.out = tempfile.TemporaryFile(dir=WORK)
        self.err = tempfile.TemporaryFile(dir=WORK)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PACKAGEMANAGER_")}
        self.argv = [MIGRATE, "--config", config, "database", *args]
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.out,
                                     stderr=self.err, env=env)
        children.append(self.proc)

    def running(self):
        return self.proc.poll() is None

    def wait(self):
        try:
            rc = self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("migrate did not end within %d s" % WAIT)
        self.out.seek(0)
        self.err.seek(0)
        self.stdout = self.out.read().decode("utf-8", "replace")
        self.stderr = self.err.read().decode("utf-8", "replace")
        self.rc = rc
        return rc

    def expect(self, rc, *needles):
        """Exit status rc and each needle (a regex) in stderr."""
        where = "\n--- stdout:\n%s--- stderr:\n%s" % (self.stdout[-3000:], self.stderr[-3000:])
        check(self.rc == rc, "%s: exit status %s, expected %s%s" % (" ".join(self.argv[3:]), self.rc, rc, where))
        for n in needles:
            check(re.search(n, self.stderr), "stderr lacks /%s/%s" % (n, where))
        check("migrate: success:" not in self.stdout, "migrate reported success" + where)

    def wait_for_usage_copy(self):
        """Return once migrate's usage session is running its COPY into
        package_downloads: the interruption then lands mid-copy."""
        def copying():
            if not self.running():
                self.wait()
                raise Failure("migrate ended (status %s) before its copy of package_downloads started:\n%s"
                              % (self.rc, self.stderr[-3000:]))
            return lines("postgres", "SELECT pid FROM pg_stat_activity WHERE application_name = '%s'"
                                     " AND datname = '%s' AND state = 'active'"
                                     " AND query ~* '^COPY (\"?\\w+\"?\\.)?\"?package_downloads\"? .* FROM STDIN'"
                                     % (APP, DBS["usage"]))
        wait_until("migrate to COPY into usage.package_downloads", copying)

    def check_interrupted_mid_copy(self):
        # --progress prints a 100% line when a table's copy is complete: it
        # must not be there, or the interruption came after the copy.
        check(not re.search(r"copy usage\.package_downloads: (\d+)/\1 rows", self.stderr),
              "the copy of package_downloads completed before the interruption:\n" + self.stderr[-2000:])


def write_config(name, sample_dir):
    path = os.path.join(WORK, name + ".gcfg")
    with open(path, "w") as f:
        f.write('[SQLite]\nDir = %s\n[Postgres]\nURL = "%s"\nUsageDataURL = "%s"\n'
                % (sample_dir, URLS["main"], URLS["usage"]))
    return path


def make_sample(name, *args):
    d = os.path.join(WORK, name)
    p = subprocess.run([sys.executable, MAKE_SAMPLE, "--dir", d, *args], capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        sys.exit("check-atomic: make-sample-dbs.py %s failed:\n%s%s" % (" ".join(args), p.stdout, p.stderr))
    return d


def migrate_ok(config, *args):
    r = Run(config, *args)
    r.wait()
    check(r.rc == 0 and "migrate: success:" in r.stdout,
          "preparing the target: migrate %s failed (%d):\n%s" % (" ".join(args), r.rc, r.stderr[-3000:]))
    wait_targets_idle()


def conclude(run, before, status, *needles, mid_copy=True):
    """After migrate was interrupted or failed: its exit status and message,
    no session of it left on the server, and both targets as they were.
    Every problem is reported, not only the first."""
    run.wait()
    for line in run.stderr.strip().split("\n")[-5:]:  # what the user read, in the log
        print("# migrate: exit %s: %s" % (run.rc, line[:300]), flush=True)
    steps = [lambda: run.expect(status, *needles), check_no_migrate_backend, lambda: check_unchanged(before)]
    if mid_copy:
        steps.append(run.check_interrupted_mid_copy)
    problems = []
    for step in steps:
        try:
            step()
        except Failure as e:
            problems.append(str(e))
    if problems:
        raise Failure("\n".join(problems))


def snapshot_before():
    """Both targets as they are before the run, once our sessions are gone."""
    before = snapshots()
    wait_targets_idle()
    return before


# --progress shows the main database verified before usage began.
MAIN_VERIFIED = r"migrate: verify main\.sync_runs: "

# ---- scenarios ----------------------------------------------------------------
# Each starts on fresh, empty target databases and raises Failure.

def interrupted_by_signal(sig, status):
    before = snapshot_before()
    run = Run(BIG, "--progress")
    run.wait_for_usage_copy()
    run.proc.send_signal(sig)
    conclude(run, before, status, r"interrupted: nothing was committed")


def sigint_during_copy():
    """SIGINT (Ctrl-C) during the copy: exit 130, nothing committed"""
    interrupted_by_signal(signal.SIGINT, 130)


def sigterm_during_copy():
    """SIGTERM during the copy: exit 143, nothing committed"""
    interrupted_by_signal(signal.SIGTERM, 143)


def sigquit_during_copy():
    """SIGQUIT (Ctrl-\\) during the copy: exit 131 with the same message, nothing committed"""
    interrupted_by_signal(signal.SIGQUIT, 131)


def verify_ok(config, what):
    """The targets hold exactly the source: migrate --verify says so."""
    wait_targets_idle()
    r = Run(config, "--verify")
    r.wait()
    check(r.rc == 0 and "migrate: verified:" in r.stdout,
          "%s: --verify afterwards exited %s:\n%s%s" % (what, r.rc, r.stdout[-2000:], r.stderr[-2000:]))


def reader_gone(stderr_too):
    """migrate database [2>&1] | head -1: returns the exit status and what stderr held (when kept apart)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACKAGEMANAGER_")}
    err = tempfile.TemporaryFile(dir=WORK)
    proc = subprocess.Popen([MIGRATE, "--config", SMALL, "database"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if stderr_too else err, env=env)
    children.append(proc)
    first = proc.stdout.readline()
    proc.stdout.close()  # head -1 has its line and exits
    try:
        rc = proc.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        raise Failure("migrate did not end within %d s after its reader went away" % WAIT)
    err.seek(0)
    print("# first line: %r; exit %s" % (first[:200], rc), flush=True)
    return rc, err.read().decode("utf-8", "replace")


def output_closed_early():
    """migrate database 2>&1 | head -1: no silent death; exit 74 and the migration committed, as documented"""
    rc, _ = reader_gone(stderr_too=True)
    check(rc == 74, "exit status %s, expected 74 (the run completed, its output was lost)" % rc)
    check(row_count("main", "repos") > 0 and row_count("usage", "package_downloads") > 0,
          "exit 74 says the migration was committed, but the targets are empty")
    verify_ok(SMALL, "after exit 74")


def stdout_closed_early():
    """migrate database | head -1, stderr kept: exit 74, said on stderr, the migration committed"""
    rc, err = reader_gone(stderr_too=False)
    check(rc == 74 and "cannot write to standard output" in err,
          "exit status %s, expected 74 with a message on stderr:\n%s" % (rc, err[-2000:]))
    verify_ok(SMALL, "after exit 74")


def sigkill_during_copy():
    """SIGKILL of migrate during the copy: the server rolls both transactions back"""
    before = snapshot_before()
    run = Run(BIG, "--progress")
    run.wait_for_usage_copy()
    run.proc.kill()
    # Killed: no message, no cleanup of its own; the server must notice the
    # dropped connections (checked by conclude) and roll back.
    conclude(run, before, -signal.SIGKILL)


def connection_dropped_during_copy():
    """migrate's connections terminated by the server during the copy: exit 1, clear message"""
    before = snapshot_before()
    run = Run(BIG, "--progress")
    run.wait_for_usage_copy()
    killed = lines("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE application_name = '%s'" % APP)
    check(killed and all(k == "t" for k in killed), "pg_terminate_backend failed: %s" % killed)
    # The message names the database and the cause, and says nothing became visible.
    conclude(run, before, 1, r"PostgreSQL usage database .*(terminat|connection)", r"nothing was committed")


def server_restart_during_copy():
    """a server restart (pg_ctl restart -m fast) during the copy: exit 1"""
    before = snapshot_before()
    run = Run(BIG, "--progress")
    run.wait_for_usage_copy()
    # Same data directory and log file as with-postgres.sh's start; the port
    # (-o "-p PORT") comes back from postmaster.opts.
    cmd = [os.path.join(PGBIN, "pg_ctl"), "restart", "-D", PGDATA, "-m", "fast", "-w", "-t", "60",
           "-l", os.path.join(os.path.dirname(PGDATA), "server.log")]
    if os.geteuid() == 0:  # the server runs as postgres, as with-postgres.sh starts it
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    p = subprocess.run(cmd, cwd="/", stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=WAIT)
    check(p.returncode == 0, "pg_ctl restart failed (%d): %s%s" % (p.returncode, p.stdout, p.stderr))
    conclude(run, before, 1, r"PostgreSQL usage database", r"nothing was committed")


TAMPER_MAIN = """
CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.name = 'scratch' THEN NEW.description := 'tampered'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tamper BEFORE INSERT ON repos FOR EACH ROW EXECUTE FUNCTION tamper();
"""

TAMPER_USAGE = """
CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 1 THEN NEW.package := NEW.package || ' (tampered)'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tamper BEFORE INSERT ON package_downloads FOR EACH ROW EXECUTE FUNCTION tamper();
"""


def failed_verification():
    """verification finds a value a trigger changed in main: exit 3, nothing committed"""
    # Empty tables as the product would have made them (here: made by an
    # earlier migration, then truncated), and a BEFORE INSERT trigger that
    # changes one value of one row behind migrate's back.
    migrate_ok(SMALL)
    truncate_targets()
    psql(DBS["main"], TAMPER_MAIN)
    before = snapshot_before()
    run = Run(SMALL)
    conclude(run, before, 3, r"verification: main database, table repos, row .*, column description: "
                             r"source .*, target .*tampered", r"nothing was committed", mid_copy=False)


def usage_verification_fails_after_main():
    """main copied and verified, then usage verification fails (exit 3): main is not committed either"""
    # main: an empty database (migrate creates the tables); usage: empty
    # tables with the tampering trigger.
    migrate_ok(SMALL)
    truncate_targets()
    psql(DBS["usage"], TAMPER_USAGE)
    recreate(DBS["main"])
    before = snapshot_before()
    run = Run(SMALL, "--progress")
    conclude(run, before, 3, MAIN_VERIFIED, r"verification: usage database, table package_downloads, row .*1.*, "
                             r"column package: source .*, target .*tampered", r"nothing was committed",
             mid_copy=False)


def usage_not_empty_after_main():
    """main copied and verified, then the usage target holds data (exit 4): main is not committed either"""
    migrate_ok(SMALL)  # usage keeps this data; main is emptied again
    recreate(DBS["main"])
    before = snapshot_before()
    run = Run(SMALL, "--progress")
    conclude(run, before, 4, MAIN_VERIFIED, r"PostgreSQL usage database .* already hold", r"package_downloads",
             mid_copy=False)


def drop_all_interrupted(both):
    # The old data comes from another seed than the new, so that a commit
    # would show.
    migrate_ok(SMALL)
    if not both:
        recreate(DBS["main"])
    check(row_count("usage", "package_downloads") > 0, "the prepared usage target holds no data")
    before = snapshot_before()
    run = Run(BIG, "--drop-all", "--progress")
    run.wait_for_usage_copy()  # both TRUNCATEs are done by now
    run.proc.send_signal(signal.SIGINT)
    conclude(run, before, 130, r"interrupted: nothing was committed")


def drop_all_interrupted_usage():
    """--drop-all, usage target holding data, SIGINT during the copy: the old usage data is all still there"""
    drop_all_interrupted(both=False)


def drop_all_interrupted_both():
    """--drop-all, both targets holding data, SIGINT during the copy: all the old data is still there"""
    drop_all_interrupted(both=True)


SCENARIOS = [
    sigint_during_copy,
    sigterm_during_copy,
    sigquit_during_copy,
    sigkill_during_copy,
    connection_dropped_during_copy,
    server_restart_during_copy,
    failed_verification,
    usage_verification_fails_after_main,
    usage_not_empty_after_main,
    drop_all_interrupted_usage,
    drop_all_interrupted_both,
    output_closed_early,
    stdout_closed_early,
]


def main():
    global WORK, BIG, SMALL
    # meson's timeout sends SIGTERM: end through finally, which kills migrate.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    only = os.environ.get("ATOMIC_ONLY")  # a scenario name, to debug one
    WORK = tempfile.mkdtemp(prefix="check-atomic.")
    os.chmod(WORK, 0o755)  # migrate's worker runs as the service account and reads the samples
    failures = 0
    try:
        t0 = time.monotonic()
        BIG = write_config("big", make_sample("big", "--usage-rows", str(BIG_USAGE_ROWS)))
        SMALL = write_config("small", make_sample("small", "--seed", "2"))
        print("# samples generated in %.1f s" % (time.monotonic() - t0), flush=True)
        scenarios = [s for s in SCENARIOS if not only or s.__name__ == only]
        print("1..%d" % len(scenarios), flush=True)
        for n, scenario in enumerate(scenarios, 1):
            title = scenario.__doc__.strip()
            t = time.monotonic()
            try:
                reset_targets()
                scenario()
                print("ok %d - %s (%.1f s)" % (n, title, time.monotonic() - t), flush=True)
            except Exception as e:  # Failure, or a psql/timeout problem
                failures += 1
                print("not ok %d - %s" % (n, title), flush=True)
                detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
                for line in detail.rstrip().split("\n"):
                    print("# " + line, flush=True)
                # meson -v shows stderr, not TAP comments
                print("not ok %d - %s\n%s\n" % (n, title, detail.rstrip()), file=sys.stderr, flush=True)
            finally:
                for p in children:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
                children.clear()
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
        shutil.rmtree(WORK, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
