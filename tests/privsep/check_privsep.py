#!/usr/bin/python3
"""Privilege separation, with real parts: a real dbus-daemon serving a fake
systemd (with-fake-systemd.sh), a real PostgreSQL server (with-postgres.sh),
real users and groups, a real setgid copy of the binary.

    with-fake-systemd.sh with-postgres.sh check_privsep.py MIGRATE MAKE_SAMPLE_DBS

Must run as root (CI does): it creates the accounts it needs
(rstudio-pm, the service account and group, as the package would;
mgt-member in that group; mgt-outsider in no such group) and leaves them.
Prints TAP."""

import grp
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

UNIT = "rstudio-pm.service"
n = failures = 0


def check(cond, what, detail=""):
    global n, failures
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what), flush=True)
    if not cond:
        failures += 1
        for line in str(detail).splitlines()[-40:]:
            print("#   " + line)
    return cond


def sh(*argv, **kw):
    return subprocess.run(list(argv), check=True, **kw)


def ensure_accounts():
    here = os.path.dirname(os.path.abspath(__file__))
    sh(os.path.join(here, "..", "harness", "ensure-accounts.sh"), "--test-users")


class Run:
    def __init__(self, proc, argv):
        self.rc, self.argv = proc.returncode, argv
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")

    def __str__(self):
        return "%s -> %d\nstdout:\n%s\nstderr:\n%s" % (" ".join(self.argv), self.rc, self.out[-3000:], self.err[-3000:])


def as_user(user):
    return [] if user == "root" else ["runuser", "-u", user, "--"]


def migrate(binary, config, *args, user="root", env=None):
    argv = as_user(user) + [binary, "--config", config, "database"] + list(args)
    full = dict(os.environ, **(env or {}))
    return Run(subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full, timeout=600), argv)


def fake(*args):
    sh(os.environ["FAKE_SYSTEMD_CTL"], *args)


def psql(db, sql):
    out = subprocess.run(os.environ["MIGRATE_TEST_PSQL"].split() + ["-At", "-d", db, "-c", sql],
                         stdout=subprocess.PIPE, check=True)
    return out.stdout.decode().strip()


def reset_targets():
    for db in (os.environ["MIGRATE_TEST_PGDATABASE"], os.environ["MIGRATE_TEST_PGDATABASE_USAGE"]):
        psql("postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
        psql("postgres", 'CREATE DATABASE "%s" OWNER "%s"' % (db, os.environ["MIGRATE_TEST_PGUSER"]))


def table_count(db):
    return int(psql(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))


def status_fields(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return []


def worker_view(pid):
    """What /proc shows of a process: its status fields, the targets of its
    open file descriptors, and its core file size limit."""
    fields = status_fields(pid)
    fds = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            fds.append(os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except FileNotFoundError:
            pass
    fields["fd targets"] = fds
    with open("/proc/%d/limits" % pid) as f:
        fields["core limit"] = [l.split()[4] for l in f if l.startswith("Max core file size")]
    return fields


def worker_during_copy(binary, config, user, inherit=None):
    """Start a migration (handing it the open file "inherit"), catch its
    worker while it copies, return what /proc shows of the worker and the
    finished run."""
    argv = as_user(user) + [binary, "--config", config, "database", "--progress"]
    passed = ()
    if inherit:
        passed = (os.open(inherit, os.O_RDONLY),)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=passed)
    for fd in passed:
        os.close(fd)
    front = proc.pid
    if user != "root":  # runuser forks: migrate is its child
        deadline = time.time() + 30
        while not children(front) and time.time() < deadline:
            time.sleep(0.01)
        front = children(front)[0] if children(front) else front
    status, deadline = None, time.time() + 120
    while status is None and time.time() < deadline and proc.poll() is None:
        for child in children(front):
            try:
                # In the copy (COPY "table" FROM STDIN), not the verification's
                # COPY (SELECT ...): long before the commit.
                if psql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rstudio-pm-migrate'"
                                    " AND query LIKE 'COPY \"%'") != "0":
                    status = worker_view(child)
            except FileNotFoundError:
                pass
        time.sleep(0.02)
    out, err = proc.communicate(timeout=600)
    return status, Run(subprocess.CompletedProcess(argv, proc.returncode, out, err), argv)


def main():
    if os.geteuid() != 0:
        sys.exit("Bail out! must run as root: it creates users and a setgid binary")
    if len(sys.argv) < 3:
        sys.exit("usage: check_privsep.py MIGRATE MAKE_SAMPLE_DBS")
    binary, make_sample = os.path.abspath(sys.argv[1]), sys.argv[2]
    for v in ("FAKE_SYSTEMD_CTL", "DBUS_SYSTEM_BUS_ADDRESS", "MIGRATE_TEST_PG_URL", "MIGRATE_TEST_PSQL"):
        if v not in os.environ:
            sys.exit("Bail out! run me under with-fake-systemd.sh and with-postgres.sh (%s missing)" % v)
    ensure_accounts()
    svc = pwd.getpwnam("rstudio-pm")
    member = pwd.getpwnam("mgt-member")
    group = grp.getgrnam("rstudio-pm")

    # Laid out like a real installation: a traversable work dir, the
    # database directory of the service account, a config root:rstudio-pm 0640.
    work = tempfile.mkdtemp(prefix="migrate-privsep.", dir="/var/tmp")
    os.chmod(work, 0o711)
    db = os.path.join(work, "db")
    sh("/usr/bin/python3", make_sample, "--dir", db, "--usage-rows", "400000", stdout=subprocess.DEVNULL)
    for root, dirs, files in os.walk(db):
        for name in dirs + files + [""]:
            os.chown(os.path.join(root, name), svc.pw_uid, group.gr_gid)
    os.chmod(db, 0o750)  # the group may read: members migrate too
    for f in os.listdir(db):
        os.chmod(os.path.join(db, f), 0o640)
    config = os.path.join(work, "rstudio-pm.gcfg")
    with open(config, "w") as f:
        f.write('[SQLite]\nDir = %s\n[Postgres]\nURL = "%s"\nUsageDataURL = "%s"\n'
                % (db, os.environ["MIGRATE_TEST_PG_URL"], os.environ["MIGRATE_TEST_PG_USAGE_URL"]))
    os.chown(config, 0, group.gr_gid)
    os.chmod(config, 0o640)
    broken = os.path.join(work, "broken.gcfg")  # passes no check: exit 78 proves we got that far
    with open(broken, "w") as f:
        f.write("[Postgres]\nURL = postgres://x@127.0.0.1:1/x\n")
    os.chmod(broken, 0o644)

    # --- the service check --------------------------------------------------
    fake("AddUnit", UNIT, "inactive", "rstudio-pm", "rstudio-pm")
    for state in ("active", "activating", "deactivating", "reloading"):
        fake("SetActiveState", UNIT, state)
        r = migrate(binary, broken)
        check(r.rc == 5 and "systemd reports rstudio-pm.service as %s" % state in r.err
              and "sudo systemctl stop rstudio-pm" in r.err, "refused while the unit is %s (exit 5)" % state, r)
        r = migrate(binary, broken, "--verify")
        check(r.rc == 5, "--verify refused too while the unit is %s" % state, r)
    for state in ("inactive", "failed"):
        fake("SetActiveState", UNIT, state)
        r = migrate(binary, broken)
        check(r.rc == 78, "allowed past the service check when the unit is %s" % state, r)
    fake("FailWith", "org.freedesktop.DBus.Error.AccessDenied")
    r = migrate(binary, broken)
    check(r.rc == 1 and "cannot ask systemd whether rstudio-pm.service is running" in r.err
          and "AccessDenied" in r.err, "a bus error fails closed (exit 1)", r)
    # systemd's own answer for a unit it does not know: not running.
    fake("FailWith", "org.freedesktop.systemd1.NoSuchUnit")
    r = migrate(binary, broken)
    check(r.rc == 78, "no such unit: not running, allowed", r)
    fake("FailWith", "")

    # No system bus at all: say so, then look for a server process.
    nobus = {"DBUS_SYSTEM_BUS_ADDRESS": "unix:path=%s/no-bus" % work}
    r = migrate(binary, broken, env=nobus)
    check(r.rc == 78 and "no system bus" in r.err, "no system bus: noticed, allowed without a server process", r)
    server = subprocess.Popen(["bash", "-c", "exec -a /opt/rstudio-pm/bin/rstudio-pm sleep 120"])
    try:
        time.sleep(0.2)
        r = migrate(binary, broken, env=nobus)
        check(r.rc == 5 and "process %d is /opt/rstudio-pm/bin/rstudio-pm" % server.pid in r.err,
              "no system bus and a server process: refused (exit 5)", r)
    finally:
        server.kill()
        server.wait()

    # --- who may run it -------------------------------------------------------
    r = migrate(binary, broken, user="mgt-outsider")
    check(r.rc == 77 and "only root or members of the group rstudio-pm" in r.err
          and "usermod -aG rstudio-pm mgt-outsider" in r.err and not r.out,
          "a non-member is refused (exit 77) before anything else", r)
    r = migrate(binary, broken, user="mgt-member")
    check(r.rc == 78, "a member is allowed", r)
    r = migrate(binary, broken)
    check(r.rc == 78, "root is allowed", r)
    fake("AddUnit", UNIT, "inactive", "rstudio-pm", "mgt-outsider")
    r = migrate(binary, broken, user="mgt-member")
    check(r.rc == 77 and "members of the group mgt-outsider" in r.err,
          "the access group is the unit's Group=", r)
    # No Group=: the primary group of User= decides.
    fake("AddUnit", UNIT, "inactive", "mgt-outsider", "")
    outsider_group = grp.getgrgid(pwd.getpwnam("mgt-outsider").pw_gid).gr_name
    r = migrate(binary, broken, user="mgt-member")
    check(r.rc == 77 and "members of the group %s" % outsider_group in r.err,
          "without Group=, the primary group of the unit's User= decides", r)
    # systemd unloads stopped units: their Group= is read through LoadUnit.
    fake("AddUnloadedUnit", UNIT, "rstudio-pm", "mgt-outsider")
    r = migrate(binary, broken, user="mgt-member")
    check(r.rc == 77 and "members of the group mgt-outsider" in r.err,
          "the Group= of a unit systemd has not loaded still decides", r)
    fake("AddUnit", UNIT, "inactive", "rstudio-pm", "rstudio-pm")

    # --- an installed setgid copy ---------------------------------------------
    bindir = os.path.join(work, "bin")
    os.mkdir(bindir, 0o755)
    setgid = os.path.join(bindir, "migrate")
    shutil.copy(binary, setgid)
    os.chown(setgid, 0, group.gr_gid)
    os.chmod(setgid, 0o2755)
    check(stat.S_IMODE(os.stat(setgid).st_mode) == 0o2755, "setgid copy installed root:rstudio-pm 2755")
    r = migrate(setgid, broken, user="mgt-outsider")
    check(r.rc == 77, "setgid copy: a non-member is refused", r)
    r = migrate(setgid, broken, user="mgt-member")
    check(r.rc == 78, "setgid copy: a member is allowed", r)
    secret = os.path.join(work, "secret.gcfg")
    shutil.copy(broken, secret)
    os.chmod(secret, 0o600)
    r = migrate(setgid, secret, user="mgt-member")
    check(r.rc == 77 and "you cannot read this configuration file yourself" in r.err,
          "setgid copy: a config the member cannot read is refused", r)
    # PG* variables are ignored: a bogus service would make libpq fail.
    reset_targets()
    r = migrate(setgid, config, user="mgt-member", env={"PGSERVICE": "bogus", "PGHOST": "192.0.2.1"})
    check(r.rc == 0, "setgid copy: a member migrates end to end, PG* variables ignored", r)

    # --- the worker's credentials, read from /proc while it copies ----------------
    reset_targets()
    status, r = worker_during_copy(binary, config, "root", inherit=secret)
    check(r.rc == 0, "root: the migration succeeds", r)
    if check(status is not None, "root: caught the worker during the copy", r):
        check(status["Uid"] == [str(svc.pw_uid)] * 4, "root: worker runs as the service account", status["Uid"])
        check(status["Gid"] == [str(svc.pw_gid)] * 4, "root: worker's gid is the service group", status["Gid"])
        check(status.get("Groups", []) == [], "root: no supplementary groups", status.get("Groups"))
        check(int(status["CapEff"][0], 16) == 0, "root: no effective capabilities", status["CapEff"])
        check(int(status["CapPrm"][0], 16) == 0, "root: no permitted capabilities", status["CapPrm"])
        check(int(status["CapBnd"][0], 16) == 0, "root: empty bounding set", status["CapBnd"])
        check(status["NoNewPrivs"] == ["1"], "root: no_new_privs", status["NoNewPrivs"])
        check(secret not in status["fd targets"], "root: a file descriptor handed to migrate is closed",
              status["fd targets"])
        check(status["core limit"] == ["0"], "root: no core dumps", status["core limit"])
    reset_targets()
    # A member runs the installed setgid copy: the worker keeps the member's
    # uid and has the access group as its only group id.
    status, r = worker_during_copy(setgid, config, "mgt-member")
    check(r.rc == 0, "member: the migration succeeds", r)
    if check(status is not None, "member: caught the worker during the copy", r):
        check(status["Uid"] == [str(member.pw_uid)] * 4, "member: worker keeps the member's uid", status["Uid"])
        check(status["Gid"] == [str(group.gr_gid)] * 4, "member: worker's gid is the access group", status["Gid"])
        check(int(status["CapEff"][0], 16) == 0, "member: no effective capabilities", status["CapEff"])
        check(status["NoNewPrivs"] == ["1"], "member: no_new_privs", status["NoNewPrivs"])

    # --- the worker dies with the front end ----------------------------------------
    reset_targets()
    proc = subprocess.Popen([binary, "--config", config, "database", "--progress"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, worker, seen = time.time() + 60, None, ""
    while time.time() < deadline and worker is None:
        # The copy into a table, long before the commit (not the verification).
        seen = psql("postgres", "SELECT string_agg(datname || ': ' || left(query, 60), '; ') FROM pg_stat_activity"
                                " WHERE application_name = 'rstudio-pm-migrate' AND query LIKE 'COPY \"%'")
        if seen:
            worker = (children(proc.pid) or [None])[0]
        time.sleep(0.02)
    proc.kill()  # kill -9 of the front end
    proc.wait()
    gone = False
    deadline = time.time() + 30
    while time.time() < deadline and not gone:
        gone = worker is not None and not os.path.exists("/proc/%d" % worker) and psql(
            "postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rstudio-pm-migrate'") == "0"
        time.sleep(0.05)
    check(worker is not None and gone, "kill -9 of the front end stops the worker and its connection")
    check(table_count(os.environ["MIGRATE_TEST_PGDATABASE"]) == 0
          and table_count(os.environ["MIGRATE_TEST_PGDATABASE_USAGE"]) == 0,
          "after kill -9 the target is as it was (no tables)",
          "main: %d tables, usage: %d tables, query seen: %s" % (
              table_count(os.environ["MIGRATE_TEST_PGDATABASE"]),
              table_count(os.environ["MIGRATE_TEST_PGDATABASE_USAGE"]), seen))

    shutil.rmtree(work, ignore_errors=True)
    print("1..%d" % n)
    sys.exit(1 if failures else 0)


main()
