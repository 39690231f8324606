#!/usr/bin/python3
"""Output is inert: names and values from the databases cannot drive the
administrator's terminal.

    with-postgres.sh test_inert_output.py MIGRATE

A source with terminal escape sequences (OSC title change, SGR colour, CSI as
the C1 byte U+009B), a newline that imitates one of our messages, DEL and
invalid UTF-8 in table, column, index and view names and in values is
migrated (plan, notices, progress on a pipe and on a terminal, summary),
tampered with in the target and verified (difference messages), refused for
a NUL byte (value message), and refused for a session of a role whose name
holds an escape sequence (other-session message).  No run may print a raw
ESC, BEL or other C0 byte but the line ends, DEL, a C1 control or invalid
UTF-8; the escaped forms are shown.  An NFC vs NFD difference, which prints
alike, is shown by code point.
"""

import os
import sqlite3
import subprocess
import time
import unicodedata

import mtest

t = mtest.Test()

TABLE = "t\x1b]0;pwned\x07evil"
COLUMN = "c\x1b[31mred"
INDEX = "i\x1b[2J\u009bx"
VIEW = "v\x1b[5m\x7f"
VALUES = [(1, "v\x1b]0;pwned\x07"), (2, "\x1b[31m"), (3, "a\nmigrate: error: fake"), (4, "\u009b31m\u202eabc"),
          (5, "plain")]
CAFE_NFC = unicodedata.normalize("NFC", "café")
CAFE_NFD = unicodedata.normalize("NFD", "café")
assert CAFE_NFC != CAFE_NFD


def qi(name):
    return '"' + name.replace('"', '""') + '"'


def inert(data):
    """The reasons why bytes printed to a terminal are not inert, or []."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return ["invalid UTF-8 at byte %d: %r" % (e.start, data[max(0, e.start - 20):e.start + 20])]
    bad = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        if (cp < 0x20 and ch != "\n") or cp == 0x7f or 0x80 <= cp <= 0x9f or cp in (0x202e, 0x2028):
            bad.append("U+%04X at %d: %r" % (cp, i, text[max(0, i - 30):i + 30]))
    return bad[:5]


def check_inert(what, res):
    t.check(not inert(res.out_b), "%s: stdout is inert" % what, "\n".join(inert(res.out_b)) + "\n" + res.describe())
    t.check(not inert(res.err_b), "%s: stderr is inert" % what, "\n".join(inert(res.err_b)) + "\n" + res.describe())


src = t.new_dir("src")
path = os.path.join(src, "rstudio-pm.sqlite")
con = sqlite3.connect(path)
con.execute("CREATE TABLE %s(id INTEGER PRIMARY KEY, %s TEXT)" % (qi(TABLE), qi(COLUMN)))
con.executemany("INSERT INTO %s VALUES (?, ?)" % qi(TABLE), VALUES)
con.execute("CREATE INDEX %s ON %s(%s)" % (qi(INDEX), qi(TABLE), qi(COLUMN)))
con.execute("CREATE VIEW %s AS SELECT 1" % qi(VIEW))
con.execute("CREATE TABLE words(id INTEGER PRIMARY KEY, w TEXT)")
con.executemany("INSERT INTO words VALUES (?, ?)", [(1, CAFE_NFC), (2, "plain")])
con.commit()
con.close()
config = t.write_config("cfg", src, usage_url=False)

# ---- a migration: plan, notices, progress on a pipe, summary ---------------------------------

res = t.migrate(config, "--progress")
t.equal(res.rc, 0, "the migration succeeds") or t.note(res.describe())
check_inert("migration", res)
t.check(r"t\x1b]0;pwned\x07evil" in res.out, "the summary shows the table name escaped", res.describe())
t.check(r"not carried: view v\x1b[5m\x7f" in res.out, "the view not carried is named, escaped", res.describe())
t.check(r"main.t\x1b]0;pwned\x07evil" in res.err, "the progress lines show the table name escaped", res.describe())
t.equal(t.value(t.db, "SELECT count(*) FROM %s" % qi(TABLE)), "5", "the rows arrived, names unchanged")
t.equal(t.value(t.db, "SELECT count(*) FROM pg_indexes WHERE indexname = %s" % mtest.sql_literal(INDEX)), "1",
        "the index arrived under its own name")

# ---- progress on a terminal -------------------------------------------------------------------


rc, out, tty = mtest.run_on_terminal([t.migrate_exe, "--config", config, "database", "--verify"])
t.equal(rc, 0, "terminal: --verify succeeds") or t.note((out + tty).decode("utf-8", "replace"))
# Our own control sequence is the only one: carriage return + erase line.
ours = tty.replace(b"\r\x1b[K", b"").replace(b"\r\n", b"\n")
t.check(not inert(ours), "terminal: the only control sequence is the progress bar's own redraw",
        "\n".join(inert(ours)) + "\n" + tty.decode("utf-8", "replace")[-2000:])
t.check(b"\r\x1b[K" in tty, "terminal: the progress bar was drawn (the check above saw it)")

# ---- --verify after tampering: difference messages ---------------------------------------------

t.psql(t.db, "UPDATE words SET w = %s WHERE id = 1" % mtest.sql_literal(CAFE_NFD))
t.psql(t.db, "UPDATE %s SET %s = %s WHERE id = 5" % (qi(TABLE), qi(COLUMN), mtest.sql_literal("x\x1b[31m\x07")))
res = t.migrate(config, "--verify")
t.equal(res.rc, 3, "tampered target: --verify exits 3") or t.note(res.describe())
check_inert("--verify", res)
lines = res.lines_with("table words")
t.check(lines and r"caf\u{e9}" in lines[0] and r"cafe\u{301}" in lines[0],
        "NFC vs NFD: the difference shows both values by code point", res.describe())
t.check(lines and not (CAFE_NFC in lines[0] and CAFE_NFD in lines[0]),
        "NFC vs NFD: not two values that print alike", res.describe())
lines = res.lines_with(r"table t\x1b]0;pwned\x07evil")
t.check(lines and r"'x\x1b[31m\x07'" in lines[0] and r"column c\x1b[31mred" in lines[0],
        "the changed value and the column are shown escaped", res.describe())

# ---- a value the target cannot hold: the value message -----------------------------------------

src2 = t.new_dir("src2")
con = sqlite3.connect(os.path.join(src2, "rstudio-pm.sqlite"))
con.execute("CREATE TABLE %s(id INTEGER PRIMARY KEY, %s TEXT)" % (qi(TABLE), qi(COLUMN)))
con.execute("INSERT INTO %s VALUES (1, ?)" % qi(TABLE), ("x\x1b[31m\x00\x1b]0;pwned\x07",))
con.commit()
con.close()
url2 = t.create_database("inert_nul")
res = t.migrate(t.write_config("cfg2", src2, url=url2, usage_url=False))
t.equal(res.rc, 65, "a NUL byte in text: refused (exit 65)") or t.note(res.describe())
check_inert("NUL refusal", res)
t.check(res.lines_with(r"x\x1b[31m\x00\x1b]0;pwned\x07"), "the value is shown escaped", res.describe())

# ---- another session, by a role whose name is an escape sequence -------------------------------

ROLE = "evil\x1b]0;pwned\x07"
t.psql("postgres", "CREATE ROLE %s LOGIN" % qi(ROLE))
url3 = t.create_database("inert_sessions")
holder = subprocess.Popen(t.psql_prefix + ["-U", ROLE, "-d", "inert_sessions", "-c", "SELECT pg_sleep(600)"],
                          env=dict(os.environ, PGAPPNAME="holder"), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
try:
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'inert_sessions' AND usename = %s" % \
        mtest.sql_literal(ROLE)
    for _ in range(600):
        if t.value("postgres", waiting) == "1":
            break
        time.sleep(0.1)
    t.equal(t.value("postgres", waiting), "1", "setup: a session of the role is connected")
    res = t.migrate(t.write_config("cfg3", src, url=url3, usage_url=False))
    t.equal(res.rc, 5, "another session: refused (exit 5)") or t.note(res.describe())
    check_inert("other session", res)
    t.check(res.lines_with(r"user evil\x1b]0;pwned\x07"), "the session's user is shown escaped", res.describe())
finally:
    t.psql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'")
    holder.kill()
    holder.wait()

t.finish()
