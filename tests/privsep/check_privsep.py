#!/usr/bin/python3
"""Privilege separation, with real parts: a real dbus-daemon serving a fake
systemd (with-fake-systemd.sh), a real PostgreSQL server (with-postgres.sh),
real users and groups, a real setgid copy of the binary.

    with-fake-systemd.sh with-postgres.sh check_privsep.py MIGRATE MAKE_SAMPLE_DBS

Must run as root (CI does): it creates the accounts it needs
(rstudio-pm, the service account and group, as the package would;
mgt-member in that group; mgt-outsider in no such group) and leaves them.
Prints TAP."""

import fcntl
import grp
import json
import os
import pty
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import termios
import threading
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


def proc_stat(pid):
    """session and tty_nr from /proc/PID/stat (fields 6 and 7)."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return {"session": int(rest[3]), "tty_nr": int(rest[4])}


def fd_targets(pid):
    out = {}
    for fd in ("0", "1", "2"):
        try:
            out[fd] = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except FileNotFoundError:
            out[fd] = None
    return out


def worker_under_terminal(binary, config):
    """Start a migration as root on a terminal of its own (a pty that is its
    controlling terminal, on fds 0-2, as sudo in a shell gives it), catch the
    worker while it copies; returns what /proc shows of the front end and
    the worker, everything the terminal received and the exit status."""
    master, slave = pty.openpty()
    argv = [binary, "--config", config, "database"]  # no --progress: the terminal alone asks for bars

    def take_terminal():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                            preexec_fn=take_terminal)
    os.close(slave)
    received = bytearray()

    def drain():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer is gone
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    seen, deadline = None, time.time() + 120
    while seen is None and time.time() < deadline and proc.poll() is None:
        for child in children(proc.pid):
            try:
                if psql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rstudio-pm-migrate'"
                                    " AND query LIKE 'COPY \"%'") != "0":
                    seen = {"front": proc_stat(proc.pid), "worker": proc_stat(child), "worker fds": fd_targets(child),
                            "front fds": fd_targets(proc.pid)}
            except FileNotFoundError:
                pass
        time.sleep(0.02)
    rc = proc.wait(timeout=600)
    reader.join(timeout=30)
    os.close(master)
    return seen, rc, bytes(received).decode("utf-8", "replace")


def start_as(user, argv):
    """Start argv as user (through runuser); returns the Popen and the pid
    of the program itself."""
    proc = subprocess.Popen(as_user(user) + argv)
    pid, deadline = proc.pid, time.time() + 10
    while user != "root" and time.time() < deadline:
        kids = children(proc.pid)
        if kids:
            pid = kids[0]
            break
        time.sleep(0.01)
    # Until exec has happened the process has runuser's name.
    time.sleep(0.3)
    return proc, pid


def stop(started):
    proc, pid = started
    for p in {pid} | set(children(proc.pid)):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.kill()
    proc.wait()
    deadline = time.time() + 10
    while os.path.exists("/proc/%d" % pid) and time.time() < deadline:
        time.sleep(0.02)


# Run by the attacker (a member of the access group, not of the binary's
# group): a second process swaps a symlink between a file the attacker may
# read and the group-only secret, while the setgid binary runs N times on it.
RACE = r"""
import json, os, subprocess, sys
binary, link, decoy, secret, marker, n = sys.argv[1:7]
swapper = os.fork()
if swapper == 0:
    tmp = link + ".tmp"
    while True:
        for target in (decoy, secret):
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            os.symlink(target, tmp)
            os.rename(tmp, link)
statuses, leaks = {}, []
for i in range(int(n)):
    p = subprocess.run([binary, "--config", link, "database"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    statuses[str(p.returncode)] = statuses.get(str(p.returncode), 0) + 1
    if marker in out:
        leaks.append(out[-500:])
os.kill(swapper, 9)
print(json.dumps({"statuses": statuses, "leaks": leaks[:3], "n_leaks": len(leaks)}))
"""


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
    # Anyone can name a process after the server: only the executable (when
    # readable) or its name together with its owner (the service account or
    # root) counts.  The test names its own server binary: a copy of sleep.
    srvdir = os.path.join(work, "srv")
    os.mkdir(srvdir, 0o755)
    # Not named rstudio-pm: a process of that name and owner is the server to
    # a run that cannot read its executable, whatever the path.
    server_path = os.path.join(srvdir, "pm-test-server")
    shutil.copy("/bin/sleep", server_path)
    os.chmod(server_path, 0o755)
    test_server = dict(nobus, MIGRATE_TEST_SERVER_PATH=server_path)
    for path, env in (("/opt/rstudio-pm/bin/rstudio-pm", nobus), (server_path, test_server)):
        spoof = start_as("mgt-outsider", ["bash", "-c", "exec -a %s sleep 120" % path])
        try:
            for user in ("root", "mgt-member"):
                r = migrate(binary, broken, env=env, user=user)
                check(r.rc == 78 and "no system bus" in r.err,
                      "no system bus: a process of mgt-outsider named %s is not the server (run by %s)" % (path, user), r)
        finally:
            stop(spoof)
    svc_name = pwd.getpwuid(svc.pw_uid).pw_name
    for what, argv in (("started as itself", [server_path, "120"]),
                       ("started with another argv[0]", ["bash", "-c", "exec -a other-name %s 120" % server_path])):
        server = start_as("rstudio-pm", argv)
        server_pid = server[1]
        try:
            for user in ("root", "mgt-member"):
                r = migrate(binary, broken, env=test_server, user=user)
                check(r.rc == 5 and "process %d of user %s is the server %s" % (server_pid, svc_name, server_path) in r.err,
                      "no system bus: the server run by %s, %s, blocks (exit 5, pid and user named; run by %s)"
                      % (svc_name, what, user), r)
        finally:
            stop(server)
    # The test's server path is not honoured by a setgid run (checked further down).

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

    # --- the worker is never root ------------------------------------------------
    reset_targets()
    fake("AddUnit", UNIT, "inactive", "root", "")
    r = migrate(binary, config)
    check(r.rc == 78 and "runs as root (uid 0)" in r.err and "set User= in rstudio-pm.service" in r.err
          and table_count(os.environ["MIGRATE_TEST_PGDATABASE"]) == 0,
          "a unit with User=root is refused (exit 78), nothing done", r)
    fake("AddUnit", UNIT, "inactive", "rstudio-pm", "root")
    r = migrate(binary, config)
    check(r.rc == 78 and "with the group root (gid 0)" in r.err and table_count(os.environ["MIGRATE_TEST_PGDATABASE"]) == 0,
          "a unit with Group=root is refused (exit 78), nothing done", r)
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
    # The test's server path is a test's: a setgid run looks for the real one.
    server = start_as("rstudio-pm", [server_path, "120"])
    try:
        r = migrate(setgid, broken, user="mgt-member", env=test_server)
        check(r.rc == 78 and "/opt/rstudio-pm/bin/rstudio-pm" in r.err,
              "setgid copy: MIGRATE_TEST_SERVER_PATH is ignored", r)
    finally:
        stop(server)

    # A file is opened with the caller's rights, and what is read is what was
    # opened: a member of the access group who is not in the binary's group
    # races a symlink between a file of their own and a group-only secret.
    # (The binary's group is mgt-outsider's here, a group mgt-member is not in.)
    outsider_gid = pwd.getpwnam("mgt-outsider").pw_gid
    racebin = os.path.join(bindir, "migrate-other-group")
    shutil.copy(binary, racebin)
    os.chown(racebin, 0, outsider_gid)
    os.chmod(racebin, 0o2755)
    marker = "S3cr3tLine-4711"
    group_secret = os.path.join(work, "group-secret.gcfg")
    with open(group_secret, "w") as f:
        f.write(marker + "\n")
    os.chown(group_secret, 0, outsider_gid)
    os.chmod(group_secret, 0o640)
    racedir = os.path.join(work, "race")
    os.mkdir(racedir, 0o755)
    os.chown(racedir, member.pw_uid, member.pw_gid)
    decoy = os.path.join(racedir, "mine.gcfg")
    shutil.copy(broken, decoy)
    os.chown(decoy, member.pw_uid, member.pw_gid)
    r = migrate(racebin, group_secret, user="mgt-member")
    check(r.rc == 77 and marker not in r.out + r.err, "setgid copy of another group: its group's file is refused", r)
    p = subprocess.run(as_user("mgt-member") + ["/usr/bin/python3", "-c", RACE, racebin, os.path.join(racedir, "link"),
                                                decoy, group_secret, marker, "1000"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900,
                       env=dict(os.environ, **nobus))
    try:
        race = json.loads(p.stdout.decode())
    except ValueError:
        race = None
    if check(race is not None, "the symlink race ran 1000 times", p.stderr.decode()[-2000:]):
        check(race["n_leaks"] == 0, "the symlink race never shows the secret (%s)" % race["statuses"], race)
        check(race["statuses"].get("77", 0) > 0 and race["statuses"].get("78", 0) > 0,
              "the race was run: both files were seen (%s)" % race["statuses"], race)

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

    # --- the worker has no terminal ----------------------------------------------
    reset_targets()
    seen, rc, shown = worker_under_terminal(binary, config)
    check(rc == 0, "on a terminal: the migration succeeds", "exit %s\n%s" % (rc, shown[-3000:]))
    if check(seen is not None, "on a terminal: caught the worker during the copy", shown[-3000:]):
        check(seen["front"]["tty_nr"] != 0 and seen["front fds"]["2"].startswith("/dev/pts/"),
              "on a terminal: the front end has it (the test is real)", seen)
        check(seen["worker"]["tty_nr"] == 0, "on a terminal: the worker has no controlling terminal", seen)
        check(seen["worker"]["session"] != seen["front"]["session"], "on a terminal: the worker has a session of its own",
              seen)
        fds = seen["worker fds"]
        check(fds["0"] == "/dev/null" and fds["1"].startswith("pipe:") and fds["2"].startswith("pipe:"),
              "on a terminal: the worker's stdin is /dev/null, its stdout and stderr pipes", fds)
    check("\r\x1b[K" in shown and "migrate: success:" in shown,
          "on a terminal: progress bars drawn (the front end's decision), the summary relayed", shown[-3000:])

    # --- PostgreSQL -> SQLite: new files the server can use -------------------------
    # The targets hold the member's migration.  Root's run writes files owned by
    # the service account; a member's run, files of the group, group-writable.
    for who, exe in (("root", binary), ("mgt-member", setgid)):
        back = os.path.join(work, "back-" + who)
        os.mkdir(back)
        os.chown(back, svc.pw_uid, group.gr_gid)
        os.chmod(back, 0o770)
        cfg = os.path.join(work, "back-%s.gcfg" % who)
        with open(cfg, "w") as f:
            f.write('[SQLite]\nDir = %s\n[Postgres]\nURL = "%s"\nUsageDataURL = "%s"\n'
                    % (back, os.environ["MIGRATE_TEST_PG_URL"], os.environ["MIGRATE_TEST_PG_USAGE_URL"]))
        os.chown(cfg, 0, group.gr_gid)
        os.chmod(cfg, 0o640)
        r = migrate(exe, cfg, "--from=pgx", "--to=sqlite3", user=who)
        check(r.rc == 0, "%s: PostgreSQL -> SQLite succeeds" % who, r)
        for name in ("rstudio-pm.sqlite", "rstudio-pm-usage.sqlite"):
            path = os.path.join(back, name)
            st = os.stat(path) if os.path.exists(path) else None
            got = st and (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode))
            if who == "root":
                check(got == (svc.pw_uid, group.gr_gid, 0o660),
                      "root: %s belongs to the service account and its group, 0660" % name, got)
            else:
                check(got == (member.pw_uid, group.gr_gid, 0o660),
                      "member: %s is in group rstudio-pm and group-writable (0660)" % name, got)
        check(sorted(os.listdir(back)) == ["rstudio-pm-usage.sqlite", "rstudio-pm.sqlite"],
              "%s: no other file is left in the SQLite directory" % who, os.listdir(back))

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
