#!/usr/bin/python3
"""PostgreSQL -> SQLite: a foreign key DEFERRABLE INITIALLY DEFERRED (as
Django declares every one) stays deferred in SQLite, checked at commit, so
an application that inserts a child before its parent in one transaction
keeps working; immediate keys stay immediate; and the file migrated back
to PostgreSQL has the same deferrable keys.

    with-postgres.sh test_reverse_deferred_fk.py MIGRATE
"""

import os
import sqlite3

import mtest

t = mtest.Test()

SCHEMA = r"""
CREATE TABLE auth_user (id serial PRIMARY KEY, username varchar(150) NOT NULL UNIQUE);
CREATE TABLE blog_post (id bigserial PRIMARY KEY, title text NOT NULL,
    author_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED,
    editor_id integer REFERENCES auth_user (id) ON DELETE SET NULL,
    reviewer_id integer REFERENCES auth_user (id) DEFERRABLE INITIALLY IMMEDIATE);
INSERT INTO auth_user (username) VALUES ('ann'), ('bob');
INSERT INTO blog_post (title, author_id, editor_id, reviewer_id) VALUES ('hello', 1, 2, 2);
ALTER TABLE auth_user OWNER TO "%s";
ALTER TABLE blog_post OWNER TO "%s"
"""

src = t.create_database("deferred")
for stmt in [s for s in (SCHEMA % (t.user, t.user)).split(";\n") if s.strip()]:
    t.psql("deferred", stmt)

d = t.new_dir("deferred")
os.chmod(d, 0o777)
path = os.path.join(d, "rstudio-pm.sqlite")
config = t.write_config("deferred", d, url=src, usage_url=False)
res = t.migrate(config, "--from=pgx", "--to=sqlite3")
t.equal(res.rc, 0, "PostgreSQL -> SQLite succeeds") or t.note(res.describe())
if res.rc == 0:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("BEGIN")
    try:
        con.execute("INSERT INTO blog_post (title, author_id) VALUES ('early', 3)")  # the author comes next
        con.execute("INSERT INTO auth_user (id, username) VALUES (3, 'cat')")
        con.execute("COMMIT")
        t.check(True, "the deferred key is checked at commit: a child before its parent commits")
    except sqlite3.IntegrityError as e:
        con.execute("ROLLBACK")
        t.check(False, "the deferred key is checked at commit: a child before its parent commits", str(e))
    for column in ["editor_id", "reviewer_id"]:
        con.execute("BEGIN")
        try:
            con.execute("INSERT INTO blog_post (title, author_id, %s) VALUES ('x', 1, 99)" % column)
            t.check(False, "the immediate key on %s is checked at once" % column)
        except sqlite3.IntegrityError:
            t.check(True, "the immediate key on %s is checked at once" % column)
        con.execute("ROLLBACK")
    con.execute("DELETE FROM blog_post WHERE title = 'early'")
    con.execute("DELETE FROM auth_user WHERE id = 3")
    con.close()
    res = t.migrate(config, "--from=pgx", "--to=sqlite3", "--verify")
    t.equal(res.rc, 0, "--verify finds no difference") or t.note(res.describe())
    back = t.create_database("deferred_back")
    res = t.migrate(t.write_config("back", d, url=back, usage_url=False))
    t.equal(res.rc, 0, "the SQLite file migrates back to an empty PostgreSQL database") or t.note(res.describe())
    q = ("SELECT string_agg(pg_get_constraintdef(oid), ' | ' ORDER BY pg_get_constraintdef(oid)) FROM pg_constraint"
         " WHERE contype = 'f'")
    t.equal(t.psql("deferred_back", q),
            "FOREIGN KEY (author_id) REFERENCES auth_user(id) DEFERRABLE INITIALLY DEFERRED | "
            "FOREIGN KEY (editor_id) REFERENCES auth_user(id) ON DELETE SET NULL | "
            "FOREIGN KEY (reviewer_id) REFERENCES auth_user(id)",
            "back in PostgreSQL the deferred key is deferred again, the others immediate (as SQLite held them)")
t.finish()
