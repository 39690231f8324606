#!/usr/bin/python3
"""The commit protocol under faults injected for real.

    with-postgres.sh check-commit.py MIGRATE MAKE_SAMPLE_DBS

With max_prepared_transactions = 0 (the server's default) migrate commits
main, then usage; with max_prepared_transactions > 0 (WITH_POSTGRES_CONF) it
uses two-phase commit.  The script reads the server's setting and runs the
scenarios of that protocol: migrate is stopped at a point of its commit
(MIGRATE_TEST_PAUSE, a hook for tests that a setgid run ignores), the test
stops the server with pg_ctl -m immediate, terminates a backend or sends a
signal there, lets migrate go on (SIGCONT) and checks what migrate said against
what the databases hold afterwards -- including that what it told the user to
run finishes the job.  TAP output, one test point per scenario.
"""

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

APP = "rstudio-pm-migrate"
WAIT = 120

if len(sys.argv) != 3:
    sys.exit("usage: with-postgres.sh check-commit.py MIGRATE MAKE_SAMPLE_DBS")
MIGRATE, MAKE_SAMPLE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
E = os.environ
PSQL = shlex.split(E["MIGRATE_TEST_PSQL"]) + ["-At"]
PGBIN, PGDATA, PORT = E["MIGRATE_TEST_PGBIN"], E["MIGRATE_TEST_PGDATA"], E["MIGRATE_TEST_PGPORT"]
URLS = {"main": E["MIGRATE_TEST_PG_URL"], "usage": E["MIGRATE_TEST_PG_USAGE_URL"]}
DBS = {"main": E["MIGRATE_TEST_PGDATABASE"], "usage": E["MIGRATE_TEST_PGDATABASE_USAGE"]}
OWNER = E["MIGRATE_TEST_PGUSER"]


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def psql(db, sql):
    p = subprocess.run(PSQL + ["-d", db], input=sql, capture_output=True, text=True, timeout=WAIT)
    if p.returncode != 0:
        raise Failure("psql -d %s failed: %s\nSQL: %s" % (db, p.stderr.strip(), sql))
    return p.stdout.strip()


def qi(name):
    return '"' + name.replace('"', '""') + '"'


def pg_ctl(*args):
    cmd = [os.path.join(PGBIN, "pg_ctl"), *args]
    if os.geteuid() == 0:  # with-postgres.sh runs the server as postgres
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    p = subprocess.run(cmd, cwd="/", stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=WAIT)
    check(p.returncode == 0, "pg_ctl %s failed: %s%s" % (" ".join(args), p.stdout, p.stderr))


def stop_server():
    pg_ctl("stop", "-D", PGDATA, "-m", "immediate", "-w")


def start_server():
    pg_ctl("start", "-D", PGDATA, "-w", "-t", "60", "-o", "-p %s" % PORT,
           "-l", os.path.join(os.path.dirname(PGDATA), "server.log"))


def wait_until(what, cond, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while True:
        r = cond()
        if r:
            return r
        if time.monotonic() > deadline:
            raise Failure("timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(0.05)


def wait_targets_idle():
    wait_until("no sessions on the targets", lambda: psql(
        "postgres", "SELECT count(*) = 0 FROM pg_stat_activity WHERE datname IN ('%s', '%s')"
        % (DBS["main"], DBS["usage"])) == "t")


def recreate(db):
    psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % qi(db))
    psql("postgres", "CREATE DATABASE %s OWNER %s" % (qi(db), qi(OWNER)))


def table_count(role):
    return int(psql(DBS[role], "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))


def rows(role, table):
    return int(psql(DBS[role], "SELECT count(*) FROM public.%s" % qi(table)))


def prepared_xacts():
    return psql("postgres", "SELECT gid || ' ' || database FROM pg_prepared_xacts ORDER BY 1")


class Run:
    def __init__(self, *args, pause=None):
        self.err = tempfile.TemporaryFile(dir=WORK)
        self.out = tempfile.TemporaryFile(dir=WORK)
        env = {k: v for k, v in E.items() if not k.startswith("PACKAGEMANAGER_")}
        if pause:
            env["MIGRATE_TEST_PAUSE"] = pause
        self.argv = [MIGRATE, "--config", CONFIG, "database", *args]
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err, env=env)

    def stderr_now(self):
        self.err.seek(0)
        return self.err.read().decode("utf-8", "replace")

    def wait_paused(self):
        """The worker's pid once it stopped itself at the pause point."""
        def paused():
            m = re.search(r"test pause at \S+ \(pid (\d+)\)", self.stderr_now())
            if not m:
                if self.proc.poll() is not None:
                    raise Failure("migrate ended (%s) before the pause point:\n%s"
                                  % (self.proc.returncode, self.stderr_now()[-3000:]))
                return None
            pid = int(m.group(1))
            with open("/proc/%d/stat" % pid) as f:
                return pid if f.read().rsplit(")", 1)[1].split()[0] == "T" else None
        return wait_until("migrate to pause", paused)

    def wait(self):
        try:
            self.rc = self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("migrate did not end within %d s" % WAIT)
        self.out.seek(0)
        self.stdout = self.out.read().decode("utf-8", "replace")
        self.stderr = self.stderr_now()
        for line in self.stderr.strip().split("\n")[-6:]:
            print("# migrate: exit %s: %s" % (self.rc, line[:400]), flush=True)
        return self.rc

    def expect(self, rc, *needles):
        where = "\n--- stdout:\n%s--- stderr:\n%s" % (self.stdout[-2000:], self.stderr[-3000:])
        check(self.rc == rc, "exit status %s, expected %s%s" % (self.rc, rc, where))
        for n in needles:
            check(re.search(n, self.stderr + self.stdout), "output lacks /%s/%s" % (n, where))


def migrate_ok(*args):
    r = Run(*args)
    r.wait()
    r.expect(0, r"migrate: success:")
    wait_targets_idle()
    return r


def both_migrated():
    check(table_count("main") > 0 and rows("main", "repos") > 0, "main holds no migrated data")
    check(table_count("usage") > 0 and rows("usage", "package_downloads") > 0, "usage holds no migrated data")


# ---- max_prepared_transactions = 0: main, then usage ------------------------

def plan_in_order():
    """the plan says beforehand: main, then usage"""
    r = migrate_ok()
    check(re.search(r"Commit: main, then usage", r.stdout), "the plan does not say how it commits:\n" + r.stdout)
    both_migrated()


def server_stopped_between_commits():
    """server stopped (immediate) after main's COMMIT: exit 6, says main committed, usage not; the advice finishes it"""
    r = Run(pause="after-commit-main")
    pid = r.wait_paused()
    stop_server()
    os.kill(pid, signal.SIGCONT)
    r.wait()
    start_server()
    r.expect(6, r"main database WAS committed", r"usage database was NOT committed",
             r"run 'migrate database --drop-all' again")
    check("nothing was committed" not in r.stderr, "says nothing was committed:\n" + r.stderr)
    check(rows("main", "repos") > 0, "main is not committed, although migrate said so")
    check(table_count("usage") == 0, "usage holds tables, although migrate said it was not committed")
    wait_targets_idle()
    migrate_ok("--drop-all")  # what the message told the user to run
    both_migrated()


def sigint_during_commit():
    """Ctrl-C after main's COMMIT: usage is committed too, exit 0, the signal is mentioned"""
    r = Run(pause="after-commit-main")
    pid = r.wait_paused()
    r.proc.send_signal(signal.SIGINT)  # to the front end, which relays it to the worker
    time.sleep(0.5)
    os.kill(pid, signal.SIGCONT)
    r.wait()
    r.expect(0, r"migrate: success:", r"arrived while committing")
    both_migrated()


# ---- max_prepared_transactions > 0: two-phase commit ------------------------

def plan_two_phase():
    """the plan says beforehand: two-phase commit"""
    r = migrate_ok()
    check(re.search(r"Commit: two-phase", r.stdout), "the plan does not say two-phase:\n" + r.stdout)
    both_migrated()
    check(prepared_xacts() == "", "prepared transactions left: %s" % prepared_xacts())


def usage_killed_after_main_prepared():
    """usage's backend terminated after main's PREPARE: exit 1, nothing committed, no prepared transaction left"""
    r = Run(pause="after-prepare-main")
    pid = r.wait_paused()
    killed = psql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE application_name = '%s' AND datname = '%s'" % (APP, DBS["usage"]))
    check(killed == "t", "could not terminate usage's backend: %r" % killed)
    os.kill(pid, signal.SIGCONT)
    r.wait()
    r.expect(1, r"nothing was committed")
    check(table_count("main") == 0 and table_count("usage") == 0, "a target changed")
    check(prepared_xacts() == "", "prepared transactions left: %s" % prepared_xacts())


def main_killed_after_prepared():
    """main's backend terminated after its PREPARE: migrate commits it from a new session; exit 0, both committed"""
    r = Run(pause="after-prepare-main")
    pid = r.wait_paused()
    killed = psql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE application_name = '%s' AND datname = '%s'" % (APP, DBS["main"]))
    check(killed == "t", "could not terminate main's backend: %r" % killed)
    os.kill(pid, signal.SIGCONT)
    r.wait()
    r.expect(0, r"migrate: success:")
    both_migrated()
    check(prepared_xacts() == "", "prepared transactions left: %s" % prepared_xacts())


def both_killed_after_main_prepared():
    """both backends terminated after main's PREPARE: main's is rolled back from a new session; exit 1, nothing left"""
    r = Run(pause="after-prepare-main")
    pid = r.wait_paused()
    killed = psql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE application_name = '%s'" % APP)
    check(killed == "t\nt", "could not terminate both backends: %r" % killed)
    os.kill(pid, signal.SIGCONT)
    r.wait()
    r.expect(1, r"nothing was committed")
    check(table_count("main") == 0 and table_count("usage") == 0, "a target changed")
    check(prepared_xacts() == "", "prepared transactions left: %s" % prepared_xacts())


def sigint_after_main_prepared():
    """Ctrl-C after main's PREPARE: exit 130, nothing committed, no prepared transaction left"""
    r = Run(pause="after-prepare-main")
    pid = r.wait_paused()
    r.proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    os.kill(pid, signal.SIGCONT)
    r.wait()
    r.expect(130, r"interrupted: nothing was committed")
    check(table_count("main") == 0 and table_count("usage") == 0, "a target changed")
    check(prepared_xacts() == "", "prepared transactions left: %s" % prepared_xacts())


def server_stopped_between_commit_prepared():
    """server stopped after main's COMMIT PREPARED: exit 6, names usage's prepared transaction; COMMIT PREPARED finishes it"""
    r = Run(pause="after-commit-main")
    pid = r.wait_paused()
    stop_server()
    os.kill(pid, signal.SIGCONT)
    r.wait()
    start_server()
    r.expect(6, r"main database WAS committed", r"run COMMIT PREPARED '[^']+' in database %s" % DBS["usage"])
    gid = re.search(r"run COMMIT PREPARED '([^']+)'", r.stderr).group(1)
    check(rows("main", "repos") > 0, "main is not committed, although migrate said so")
    check(prepared_xacts() == "%s %s" % (gid, DBS["usage"]),
          "expected exactly %s prepared in usage, the server has: %r" % (gid, prepared_xacts()))
    wait_targets_idle()
    again = Run()  # a new run names the unfinished transaction instead of waiting on it
    again.wait()
    again.expect(5, r"prepared transaction '%s', left by a migrate run" % re.escape(gid))
    psql(DBS["usage"], "COMMIT PREPARED '%s'" % gid)  # what the message told the user to run
    both_migrated()
    check(prepared_xacts() == "", "prepared transactions left: %s" % prepared_xacts())


def prepared_transaction_holds_lock():
    """a prepared transaction holds a lock on a target table: exit 5 at once, naming table and transaction"""
    migrate_ok()
    psql(DBS["main"], "BEGIN; LOCK TABLE repos IN ACCESS EXCLUSIVE MODE; PREPARE TRANSACTION 'held-by-test';")
    wait_targets_idle()
    try:
        t = time.monotonic()
        r = Run("--drop-all")
        r.wait()
        took = time.monotonic() - t
        r.expect(5, r"table repos: AccessExclusiveLock held by prepared transaction 'held-by-test'",
                 r"ROLLBACK PREPARED 'held-by-test'", r"nothing was committed")
        check(took < 20, "migrate took %.1f s: it waited on the lock" % took)
    finally:
        psql(DBS["main"], "ROLLBACK PREPARED 'held-by-test'")
    check(rows("main", "repos") > 0, "the target's data changed")


IN_ORDER = [plan_in_order, server_stopped_between_commits, sigint_during_commit]
TWO_PHASE = [plan_two_phase, usage_killed_after_main_prepared, main_killed_after_prepared,
             both_killed_after_main_prepared, sigint_after_main_prepared,
             server_stopped_between_commit_prepared, prepared_transaction_holds_lock]


def main():
    global WORK, CONFIG
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    WORK = tempfile.mkdtemp(prefix="check-commit.")
    os.chmod(WORK, 0o755)
    failures = 0
    try:
        d = os.path.join(WORK, "small")
        subprocess.run([sys.executable, MAKE_SAMPLE, "--dir", d, "--seed", "2"], check=True,
                       stdout=subprocess.DEVNULL, timeout=600)
        CONFIG = os.path.join(WORK, "small.gcfg")
        with open(CONFIG, "w") as f:
            f.write('[SQLite]\nDir = %s\n[Postgres]\nURL = "%s"\nUsageDataURL = "%s"\n'
                    % (d, URLS["main"], URLS["usage"]))
        two_phase = int(psql("postgres", "SHOW max_prepared_transactions")) > 0
        print("# max_prepared_transactions %s 0: %s" % (">" if two_phase else "=",
              "two-phase commit" if two_phase else "commit in order"), flush=True)
        scenarios = TWO_PHASE if two_phase else IN_ORDER
        print("1..%d" % len(scenarios), flush=True)
        for n, scenario in enumerate(scenarios, 1):
            title = scenario.__doc__.strip()
            try:
                recreate(DBS["main"])
                recreate(DBS["usage"])
                scenario()
                print("ok %d - %s" % (n, title), flush=True)
            except Exception as e:
                failures += 1
                detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
                print("not ok %d - %s" % (n, title), flush=True)
                for line in detail.rstrip().split("\n"):
                    print("# " + line, flush=True)
                print("not ok %d - %s\n%s" % (n, title, detail), file=sys.stderr, flush=True)
                if not os.path.exists(os.path.join(PGDATA, "postmaster.pid")):
                    start_server()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
