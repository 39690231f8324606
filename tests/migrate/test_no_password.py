#!/usr/bin/python3
"""No spelling of a password reaches stdout, stderr or the PostgreSQL
server log, on success and on failure (wrong password, unreachable server,
a URL that cannot be parsed).  Each case migrates a small SQLite database
with the real binary into its own database, as its own role whose password
is the spelling under test; 0.1.0 printed several of these (a quote, a blank,
an unencoded '/', '#' or '?', "?Password=", "?pass%77ord=", a keyword value
with "\\ ").  Beyond the whole password, no 4-character piece of it (nor of
the way it is written in the URL) may appear: "se\\ cret" once leaked "cret".

    with-postgres.sh test_no_password.py MIGRATE
"""

import os
import sqlite3
import urllib.parse

import mtest

t = mtest.Test()
server_log = os.path.join(os.path.dirname(os.environ["MIGRATE_TEST_PGDATA"]), "server.log")
hp = "%s:%s" % (t.host, t.port)
dead = "%s:%d" % (t.host, mtest.free_port())

src = t.new_dir("src")
con = sqlite3.connect(os.path.join(src, "rstudio-pm.sqlite"))
con.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT)")
con.executemany("INSERT INTO items VALUES (?, ?)", [(1, "one"), (2, "two"), (3, "three")])
con.commit()
con.close()


def enc(s):
    return urllib.parse.quote(s, safe="")


def enc_all(s):
    return "".join("%%%02X" % b for b in s.encode("utf-8"))


# (label, role password, connection string template, other lines for [Postgres],
#  environment, expected exit status, secrets written in the file or environment).
# In the template {u} is the role, {d} its database, {hp} host:port, {dead} a
# port where nothing listens.  Exit status: 0 migrated, 1 cannot connect,
# 78 configuration refused.
P = "Vq7KxJm3Wd"
cases = [
    ("plain URL password", P, "postgres://{u}:%s@{hp}/{d}" % P, [], {}, 0),
    ("quote in the URL password", "Vq7K'xJm3W", "postgres://{u}:Vq7K'xJm3W@{hp}/{d}", [], {}, 0),
    ("blank in the URL password", "Vq7K xJm3W", "postgres://{u}:Vq7K xJm3W@{hp}/{d}", [], {}, 0),
    ("double quote in the URL password", 'Vq7K"xJm3W', 'postgres://{u}:Vq7K"xJm3W@{hp}/{d}', [], {}, 0),
    ("backslash in the URL password", "Vq7K\\xJm3W", "postgres://{u}:Vq7K\\xJm3W@{hp}/{d}", [], {}, 0),
    ("unencoded '@' in the URL password", "Vq7K@xJm3W", "postgres://{u}:Vq7K@xJm3W@{hp}/{d}", [], {}, 0),
    ("':' in the URL password", "Vq7K:xJm3W", "postgres://{u}:Vq7K:xJm3W@{hp}/{d}", [], {}, 0),
    ("'&' and '=' in the URL password", "Vq7K&x=Jm3W", "postgres://{u}:Vq7K&x=Jm3W@{hp}/{d}", [], {}, 0),
    ("%2F in the URL password", "Vq7K/xJm3W", "postgres://{u}:Vq7K%2FxJm3W@{hp}/{d}", [], {}, 0),
    ("%23 in the URL password", "Vq7K#xJm3W", "postgres://{u}:Vq7K%23xJm3W@{hp}/{d}", [], {}, 0),
    ("%3F in the URL password", "Vq7K?xJm3W", "postgres://{u}:Vq7K%3FxJm3W@{hp}/{d}", [], {}, 0),
    ("every byte percent-encoded", P, "postgres://{u}:%s@{hp}/{d}" % enc_all(P), [], {}, 0),
    ("non-ASCII in the URL password", "Vq7KöxJm3W", "postgres://{u}:Vq7KöxJm3W@{hp}/{d}", [], {}, 0),
    ("non-ASCII percent-encoded", "Vq7KöxJm3W", "postgres://{u}:%s@{hp}/{d}" % enc("Vq7KöxJm3W"), [], {}, 0),
    ("POSTGRESQL:// scheme", P, "POSTGRESQL://{u}:%s@{hp}/{d}" % P, [], {}, 0),
    ("?password=", P, "postgres://{u}@{hp}/{d}?password=%s" % P, [], {}, 0),
    ("?Password=", P, "postgres://{u}@{hp}/{d}?Password=%s" % P, [], {}, 0),
    ("?PASSWORD= before sslmode", P, "postgres://{u}@{hp}/{d}?PASSWORD=%s&sslmode=disable" % P, [], {}, 0),
    ("?pass%77ord=", P, "postgres://{u}@{hp}/{d}?pass%%77ord=%s" % P, [], {}, 0),
    ("?%50assword=", P, "postgres://{u}@{hp}/{d}?%%50assword=%s" % P, [], {}, 0),
    ("'+' as a blank in ?password=", "Vq7K xJm3W", "postgres://{u}@{hp}/{d}?password=Vq7K+xJm3W", [], {}, 0),
    ("%26 in ?password=", "Vq7K&xJm3W", "postgres://{u}@{hp}/{d}?password=Vq7K%26xJm3W", [], {}, 0),
    ("keyword form", P, "host={h} port={p} user={u} dbname={d} password=%s" % P, [], {}, 0),
    ("keyword form, backslash-blank", "Vq7K xJm3W", "host={h} port={p} user={u} dbname={d} password=Vq7K\\ xJm3W",
     [], {}, 0),
    ("keyword form, quoted blank", "Vq7K xJm3W", "host={h} port={p} password='Vq7K xJm3W' user={u} dbname={d}",
     [], {}, 0),
    ("keyword form, quoted \\'", "Vq7K'xJm3W", "host={h} port={p} user={u} dbname={d} password='Vq7K\\'xJm3W'",
     [], {}, 0),
    ("keyword form, Password=", P, "host={h} port={p} user={u} dbname={d} Password=%s" % P, [], {}, 0),
    ("Postgres.Password", "Vq7K xJ'm3W", "postgres://{u}@{hp}/{d}", ['Password = "Vq7K xJ\'m3W"'], {}, 0),
    ("PACKAGEMANAGER_POSTGRES_PASSWORD", P, "postgres://{u}@{hp}/{d}", [],
     {"PACKAGEMANAGER_POSTGRES_PASSWORD": P}, 0),
    ("environment over a wrong URL password", P, "postgres://{u}:Wz5RtLy8Nq@{hp}/{d}", [],
     {"PACKAGEMANAGER_POSTGRES_PASSWORD": P}, 0),
    ("sslpassword and ?passphrase= beside the password", P,
     "postgres://{u}:%s@{hp}/{d}?sslpassword=Zr8NqLp2Tk&passphrase=Hb6YcGu4Fe&sslmode=disable" % P, [], {}, 0),
    # Failures.
    ("wrong password", P, "postgres://{u}:Wz5R'tLy8N@{hp}/{d}", [], {}, 1),
    ("wrong ?Password=", P, "postgres://{u}@{hp}/{d}?Password=Wz5R'tLy8N", [], {}, 1),
    ("?Pass= is not the password", P, "postgres://{u}@{hp}/{d}?Pass=%s" % P, [], {}, 1),
    ("unreachable server", P, "postgres://{u}:Vq7K'x Jm3W@{dead}/{d}", [], {}, 1),
    ("unreachable server, keyword form", P, "host={h} port={deadport} user={u} dbname={d} password=Vq7K\\ xJm3W",
     [], {}, 1),
    ("unencoded '/' in the URL password", P, "postgres://{u}:Vq7K/xJm3W@{hp}/{d}", [], {}, 78),
    ("unencoded '#' in the URL password", P, "postgres://{u}:Vq7K#xJm3W@{hp}/{d}", [], {}, 78),
    ("unencoded '?' in the URL password", P, "postgres://{u}:Vq7K?xJm3W@{hp}/{d}", [], {}, 78),
    ("unencoded '/' after digits", P, "postgres://{u}:1234/Vq7KxJm3W@{hp}/{d}", [], {}, 78),
    ("bad percent-encoding in the password", P, "postgres://{u}:Vq7K%zzxJm3W@{hp}/{d}", [], {}, 78),
    ("keyword form, unescaped blank", P, "host={h} port={p} user={u} dbname={d} password=Vq7K xJm3W", [], {}, 78),
    ("keyword form, unterminated quote", P, "host={h} port={p} user={u} dbname={d} password='Vq7K xJm3W", [], {}, 78),
    ("not a PostgreSQL URL", P, "mysql://{u}:Vq7KxJm3W@{hp}/{d}", [], {}, 78),
    ("a bare password", P, "Vq7KxJm3W", [], {}, 78),
]


def gcfg_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pieces(secret):
    """The secret and every 4-character piece of it (4 or more would do)."""
    if len(secret) < 4:
        return {secret}
    return {secret[i:i + 4] for i in range(len(secret) - 3)}


def written_secrets(dsn, extra, env):
    """What the user wrote that holds a secret: the password part of the URL,
    the value of any parameter whose name has "pass" in it, Password lines,
    environment values."""
    out = []
    if "://" in dsn:
        rest = dsn.split("://", 1)[1]
        userinfo = rest.rsplit("@", 1)[0] if "@" in rest else ""
        if ":" in userinfo:
            out.append(userinfo.split(":", 1)[1])
        query = rest.split("?", 1)[1] if "?" in rest else ""
        for part in query.split("&"):
            k, _, v = part.partition("=")
            if "pass" in urllib.parse.unquote(k).lower() and v:
                out.append(v)
                out.append(urllib.parse.unquote_plus(v))
    else:
        for word in dsn.replace("\\ ", "\x00").split(" "):
            k, _, v = word.partition("=")
            if "pass" in k.lower():
                out.append(v.replace("\x00", "\\ "))
                out.append(v.replace("\x00", " "))
        if "=" not in dsn:
            out.append(dsn)
    for line in extra:
        out.append(line.split("=", 1)[1].strip().strip('"'))
    out += list(env.values())
    return [s for s in out if s]


def log_size():
    return os.path.getsize(server_log)


t.check(os.path.exists(server_log), "the server log is where the harness writes it: %s" % server_log)

# Roles are made before statements are logged: CREATE ROLE holds the password.
for i, (label, role_password, dsn, extra, env, status) in enumerate(cases):
    name = "mt_pw_%02d" % i
    t.psql("postgres", "CREATE ROLE %s LOGIN PASSWORD %s" % (name, mtest.sql_literal(role_password)))
    t.psql("postgres", "CREATE DATABASE %s OWNER %s" % (name, name))
t.psql("postgres", "ALTER SYSTEM SET log_connections = on")
t.psql("postgres", "ALTER SYSTEM SET log_statement = 'all'")
t.psql("postgres", "SELECT pg_reload_conf()")
t.note("%d spellings" % len(cases))

for i, (label, role_password, dsn, extra, env, status) in enumerate(cases):
    name = "mt_pw_%02d" % i
    host, port = hp.split(":")
    filled = dsn.format(u=name, d=name, hp=hp, dead=dead, h=host, p=port, deadport=dead.split(":")[1])
    path = os.path.join(t.tmp, name + ".gcfg")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(["[SQLite]", "Dir = " + src, "[Postgres]", "URL = " + gcfg_quote(filled)] + extra) + "\n")
    offset = log_size()
    res = t.migrate(path, env=env)
    with open(server_log, "rb") as f:
        f.seek(offset)
        log = f.read()
    t.equal(res.rc, status, "%s: exit %d" % (label, status)) or t.note(res.describe())
    secrets = {role_password} | set(written_secrets(filled, extra, env))
    leaked = sorted(p for s in secrets for p in pieces(s)
                    if p.encode("utf-8") in res.out_b or p.encode("utf-8") in res.err_b or p.encode("utf-8") in log)
    t.check(not leaked, "%s: no piece of the password in stdout, stderr or the server log" % label,
            "leaked: %r\n%s\nserver log:\n%s" % (leaked, res.describe(), log.decode("utf-8", "replace")[-3000:]))
    if status == 0:
        t.check(("user=%s" % name).encode() in log,
                "%s: the server log shows the connection (the log checked is the server's)" % label)
        t.equal(t.psql(name, "SELECT count(*) FROM items", check=False), "3", "%s: the rows arrived" % label)
    if status == 78:
        t.check("Postgres.URL (%s:4)" % path in res.err, "%s: the error names the setting and its line" % label,
                res.describe())
    if "sslpassword" in dsn or "Pass=" in dsn:
        t.check(not [l for l in log.decode("utf-8", "replace").splitlines()
                     if "unrecognized configuration parameter" in l],
                "%s: no 'pass' parameter was sent to the server as a setting" % label)

t.finish()
