"""Seeded generator of random but realistic SQLite databases for the
differential test (test_differential.py): one main file and one usage file
per seed, with the schema shapes real applications write (keys of every
shape, UNIQUE, indexes, foreign keys, CHECKs, defaults, odd names) and
values valid for their declared types in the forms real programs write,
plus, when asked, a few values the target cannot hold (planted) so the
refusal path is exercised.  Same seed, same files.  Standard library only.
"""

import datetime
import json
import os
import random
import sqlite3
import struct
import uuid

RESERVED = ["select", "order", "user", "group", "table", "from", "default", "check", "end", "limit",
            "offset", "desc", "key", "values", "case", "primary", "to", "column", "analyze"]
WORDS = ["id", "name", "value", "created_at", "updated", "count", "flag", "price", "data", "payload",
         "owner", "kind", "status", "note", "ts", "day", "amount", "guid", "meta", "label", "ver"]
ODD = ["Mixed Case", "with space", "naïve", "名前", "quo\"te", "apo'strophe", "CamelCase", "ÉTÉ",
       "a.b", "x-y", "emoji😀", "Tab_Col"]

# declared type -> kind of values it gets
TYPES = [("INTEGER", "int"), ("BIGINT", "int"), ("INT", "int"), ("SMALLINT", "small"),
         ("TEXT", "text"), ("VARCHAR(%d)", "varchar"), ("CHAR(%d)", "char"), ("BOOLEAN", "bool"),
         ("REAL", "real"), ("DOUBLE", "real"), ("FLOAT", "real"), ("NUMERIC", "numeric"),
         ("DECIMAL(%d,%d)", "decimal"), ("DATE", "date"), ("DATETIME", "ts"), ("TIMESTAMP", "ts"),
         ("BLOB", "blob"), ("JSON", "json"), ("UUID", "uuid"), ("", "any")]

KEY_KINDS = ["int", "small", "text", "varchar", "uuid", "date", "ts", "bool"]


def qi(name):
    return '"%s"' % name.replace('"', '""')


def ql(s):
    return "'%s'" % s.replace("'", "''")


class Gen:
    def __init__(self, seed, plant=0.0):
        self.r = random.Random(seed)
        self.seed = seed
        self.plant = plant      # chance that a table gets one invalid value
        self.planted = []       # (file, table, column, value repr)
        self.used = set()
        self.no_index = ()

    # ---- names -------------------------------------------------------------

    def name(self, base_pool=WORDS):
        r = self.r
        while True:
            x = r.random()
            if x < 0.6:
                n = r.choice(base_pool) + (str(r.randint(1, 99)) if r.random() < 0.3 else "")
            elif x < 0.8:
                n = r.choice(RESERVED)
            else:
                n = r.choice(ODD)
            if n.lower() not in self.used:
                self.used.add(n.lower())
                return n

    # ---- values --------------------------------------------------------------

    def text(self):
        r = self.r
        choices = ["", "plain", "it's", 'say "hi"', "ümlaut", "日本語テキスト", "emoji 😀🎉", "e\u0301",
                   "a\u0308\u0301", "tab\there", "line\nbreak", "  padded  ", "\\backslash", "null",
                   "NULL", "%_like", "\u200bzero-width", "x" * r.randint(1, 40), "Ω≈ç√∫", "🇫🇷", "﷽"]
        s = r.choice(choices)
        if r.random() < 0.3:
            s += str(r.randint(0, 10 ** 6))
        return s

    def ts_text(self):
        r = self.r
        dt = datetime.datetime(r.randint(1971, 2037), r.randint(1, 12), r.randint(1, 28),
                               r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
        form = r.randint(0, 11)
        if form == 9:   # Unix seconds as a real, to the microsecond at most
            return int(dt.replace(tzinfo=datetime.timezone.utc).timestamp()) + r.choice([0.5, 0.25, 0.125, 0.001])
        if form == 10:  # before 1970, negative Unix seconds
            return -r.randint(1, 10 ** 9)
        if form == 11:
            return "%04d-%02d-%02d %02d:%02d:%02d" % (r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28),
                                                      r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))
        if form == 0:
            return dt.strftime("%Y-%m-%d %H:%M:%S")
        if form == 1:
            return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        if form == 2:
            return dt.strftime("%Y-%m-%d %H:%M:%S.") + "%06d" % r.randint(0, 999999)
        if form == 3:
            return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % r.randint(0, 999) + "Z"
        if form == 4:
            return dt.strftime("%Y-%m-%d %H:%M:%S") + r.choice(["+02:00", "-05:30", "+00:00", "+0100"])
        if form == 5:
            return dt.strftime("%Y-%m-%d %H:%M")
        if form == 6:  # Go's time.Time as go-sqlite3 writes it
            return dt.strftime("%Y-%m-%d %H:%M:%S.") + "%09d" % (r.randint(0, 999999) * 1000) + "+00:00"
        if form == 7:
            return int(dt.replace(tzinfo=datetime.timezone.utc).timestamp())
        # milliseconds (JavaScript): read as such only beyond 10^12, as go-sqlite3 does
        dt = dt.replace(year=max(dt.year, 2002))
        return int(dt.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000 + r.randint(0, 999)

    def value(self, kind, n=None, p=None, s=None):
        r = self.r
        if kind == "int":
            return r.choice([0, 1, -1, 42, r.randint(-10 ** 6, 10 ** 6), 2 ** 63 - 1, -2 ** 63,
                             r.randint(-2 ** 63, 2 ** 63 - 1), 2 ** 31, "17"])
        if kind == "small":
            return r.randint(-32768, 32767)
        if kind in ("text", "char", "varchar"):
            v = self.text()
            if r.random() < 0.03:
                v = "u" * r.randint(2700, 4000)  # beyond a PostgreSQL btree entry
            if kind == "char" and n and r.random() < 0.7:
                v = v[:n]
            return v
        if kind == "bool":
            return r.choice([0, 1, 0, 1, 1, "true", "false", "t", "f"])
        if kind == "real":
            return r.choice([0.0, -0.0, 1.5, -2.25, 0.1, 1e308, -1e308, 5e-324, 2.2250738585072014e-308,
                             float("inf"), float("-inf"), r.uniform(-1e6, 1e6), 3, 1e15, 123456789.125,
                             r.random(), "2.5", "Infinity", "-Infinity", -2 ** 53, "1e5", 1e-300])
        if kind == "numeric":
            return r.choice([0, 12, -7, 3.5, 0.25, 10 ** 18, r.randint(-10 ** 9, 10 ** 9), 1.0e-5, "12.50", 1e30,
                             "123456789012345678901234567890.5", 2 ** 63 - 1, "-0.0", 1e300])
        if kind == "decimal":
            scale = s or 0
            unscaled = r.randint(-(10 ** (p - 1)), 10 ** (p - 1))
            if r.random() < 0.5:
                return round(unscaled / (10 ** scale), scale) if scale else unscaled
            txt = str(unscaled).rjust(scale + 1, "0") if unscaled >= 0 else "-" + str(-unscaled).rjust(scale + 1, "0")
            return (txt[:-scale] + "." + txt[-scale:]) if scale else txt
        if kind == "date":
            d = datetime.date(r.randint(1, 9999) if r.random() < 0.1 else r.randint(1900, 2100), r.randint(1, 12),
                              r.randint(1, 28))
            x = r.random()
            if x < 0.1:
                return d.isoformat() + r.choice([" 00:00:00+00:00", "T00:00:00Z"])  # go-sqlite3's date
            return d.isoformat()
        if kind == "ts":
            return self.ts_text()
        if kind == "blob":
            return r.choice([b"", b"\x00", b"\x00\xff\x00abc", bytes(r.randrange(256) for _ in range(r.randint(1, 40)))])
        if kind == "json":
            return json.dumps(r.choice([{}, [], {"a": 1, "b": [1, 2.5, None]}, "str", 12, None, True,
                                        {"ü": "😀", "nested": {"x": [{}]}}, [1e300, -0.0]]),
                              ensure_ascii=r.random() < 0.5)
        if kind == "uuid":
            u = str(uuid.UUID(int=r.getrandbits(128), version=4))
            if r.random() < 0.05:
                return u.replace("-", "")
            return u.upper() if r.random() < 0.1 else u
        if kind == "any":
            # (no -0.0: kept only here, and documented as not carried back to SQLite, exit 3)
            return r.choice([1, -5, 2.5, "text", "ü", 10 ** 12, 0.1, 1e300, 2 ** 63 - 1])
        raise ValueError(kind)

    def invalid(self, kind):
        """A value the target cannot hold for a column of this kind, or None."""
        r = self.r
        return {
            "int": r.choice(["12abc", 1.5, "0x1A"]),  # '007' is 7 by INTEGER affinity
            "small": "0x1A",
            "text": "nul\x00inside",
            "varchar": "nul\x00inside",
            "bool": r.choice([2, "yes", "maybe"]),
            "real": "0x1A",
            "date": r.choice(["2024-02-30", "2024-03-05 14:22:01", "yesterday"]),
            "ts": r.choice(["2024-13-01 00:00:00", "2024-03-05 14:22:01.1234567", 2451545.5]),
            "uuid": None,   # invalid uuid text widens the column to text
            "json": None,   # likewise
        }.get(kind)

    # ---- schema ---------------------------------------------------------------

    def column(self, allowed=None):
        r = self.r
        decl, kind = r.choice([t for t in TYPES if allowed is None or t[1] in allowed])
        n = p = s = None
        if kind in ("varchar", "char"):
            n = r.choice([1, 8, 32, 255])
            decl = decl % n
        if kind == "decimal":
            p = r.randint(1, 18)
            s = r.randint(0, min(p, 6))
            decl = decl % (p, s)
        return {"name": self.name(), "decl": decl, "kind": kind, "n": n, "p": p, "s": s}

    def default_for(self, c):
        r = self.r
        k = c["kind"]
        opts = {"int": ["0", "-1", "42", "(1 + 2)"], "small": ["0", "-32768"], "bool": ["0", "1", "FALSE", "TRUE"],
                "text": ["''", "'x'", "'it''s'", '""'], "varchar": ["''"], "real": ["0.5", "-1.5e3"],
                "numeric": ["0", "-1"], "ts": ["CURRENT_TIMESTAMP", "(datetime('now'))", "'1970-01-01 00:00:00'"], "date": ["CURRENT_DATE"],
                "json": ["'{}'"], "decimal": ["0"]}.get(k)
        return r.choice(opts) if opts else None

    def table(self, con, fname, tables):
        r = self.r
        self.used = set(x["name"].lower() for x in tables)
        tname = self.name(["users", "packages", "repos", "sources", "events", "jobs", "settings", "blobs",
                           "tags", "downloads", "Packages", "tbl"])
        self.used = set()
        cols = []
        shape = r.choice(["ipk", "autoinc", "composite", "without_rowid", "nokey", "textpk", "ipk"])
        body = []
        pkcols = []
        if shape in ("ipk", "autoinc"):
            c = {"name": self.name(["id", "ID", "rowid_", "Key"]), "decl": "INTEGER", "kind": "ipk"}
            cols.append(c)
            body.append("%s INTEGER PRIMARY KEY%s" % (qi(c["name"]), " AUTOINCREMENT" if shape == "autoinc" else ""))
        ncols = r.randint(1, 6)
        for _ in range(ncols):
            cols.append(self.column())
        if shape in ("composite", "without_rowid", "textpk"):
            nk = 1 if shape == "textpk" else r.randint(2, 3)
            for _ in range(nk):
                kc = self.column(KEY_KINDS if shape != "textpk" else ["text", "varchar"])
                kc["key"] = True
                cols.insert(len(pkcols), kc)
                pkcols.append(kc)
        fk = None
        parents = [t for t in tables if t["file"] == fname and t["ipk"]]
        if parents and r.random() < 0.5:
            par = r.choice(parents)
            fk = {"name": self.name(["parent_id", "owner_id", "repo_id"]), "decl": "INTEGER", "kind": "fk",
                  "parent": par}
            cols.append(fk)
        for c in cols:
            if c["kind"] == "ipk":
                continue
            d = qi(c["name"]) + (" " + c["decl"] if c["decl"] else "")
            if c.get("key"):
                d += " NOT NULL"
            elif r.random() < 0.15 and c["kind"] in ("text", "varchar", "uuid", "int"):
                c["unique"] = True
                d += " UNIQUE"
            if c["kind"] in ("text", "varchar") and r.random() < 0.1:
                d += " COLLATE NOCASE"
                c["nocase"] = True
            if not c.get("key") and r.random() < 0.3:
                df = self.default_for(c)
                if df:
                    d += " DEFAULT " + df
            if c["kind"] == "small" and r.random() < 0.3:
                c["check"] = True
                d += " CHECK (%s BETWEEN -32768 AND 32767)" % qi(c["name"])
            if c["kind"] == "fk":
                d += " REFERENCES %s (%s)%s" % (qi(c["parent"]["name"]), qi(c["parent"]["ipk"]),
                                                 r.choice(["", " ON DELETE CASCADE", " ON DELETE SET NULL"]))
            body.append(d)
        if pkcols:
            body.append("PRIMARY KEY (%s)" % ", ".join(qi(c["name"]) for c in pkcols))
        pair = [c for c in cols if c["kind"] in ("text", "int", "date") and not c.get("unique") and not c.get("key")]
        if len(pair) >= 2 and r.random() < 0.2:
            a, b = pair[:2]
            a["unique2"] = b["unique2"] = True
            t_uniq = (a["name"], b["name"])
            body.append("%sUNIQUE (%s, %s)" % ("CONSTRAINT %s " % qi("uq_" + a["name"]) if r.random() < 0.5 else "",
                                              qi(a["name"]), qi(b["name"])))
        else:
            t_uniq = None
        sql = "CREATE TABLE %s (\n  %s\n)%s" % (qi(tname), ",\n  ".join(body),
                                                 " WITHOUT ROWID" if shape == "without_rowid" else "")
        con.execute(sql)
        t = {"file": fname, "name": tname, "cols": cols, "shape": shape, "uniq2": t_uniq,
             "ipk": cols[0]["name"] if shape in ("ipk", "autoinc") else None}
        # indexes
        plain = [c for c in cols if c["kind"] not in ("ipk", "blob") + self.no_index]
        for i in range(r.randint(0, 2)):
            if not plain:
                break
            sel = r.sample(plain, min(len(plain), r.randint(1, 2)))
            parts = []
            for c in sel:
                part = qi(c["name"])
                if c["kind"] in ("text", "varchar") and r.random() < 0.3:
                    part += " COLLATE NOCASE"
                if r.random() < 0.3:
                    part += " DESC"
                parts.append(part)
            where = ""
            if r.random() < 0.3:
                where = " WHERE %s IS NOT NULL" % qi(sel[0]["name"])
            if sel[0]["kind"] in ("text", "varchar") and r.random() < 0.2:
                parts[0] = "lower(%s)" % qi(sel[0]["name"])
            con.execute("CREATE INDEX %s ON %s (%s)%s" % (qi("ix_%s_%d" % (tname, i)), qi(tname),
                                                          ", ".join(parts), where))
        tables.append(t)
        return t

    def rows(self, con, t, tables):
        r = self.r
        nrows = r.randint(0, 12)
        keys = set()
        u2 = set()
        uniq = {c["name"]: set() for c in t["cols"] if c.get("unique")}
        planted_here = r.random() < self.plant
        rows = []
        for i in range(nrows):
            row = []
            for c in t["cols"]:
                k = c["kind"]
                if k == "ipk":
                    v = i + 1 if r.random() < 0.7 else r.randint(1, 2 ** 62)
                elif k == "fk":
                    par = c["parent"]
                    v = r.choice(par["ids"]) if par.get("ids") and r.random() < 0.8 else None
                elif not c.get("key") and r.random() < 0.15:
                    v = None
                else:
                    v = self.value(k, c.get("n"), c.get("p"), c.get("s"))
                if c.get("unique") and v is not None:
                    u = v.lower() if isinstance(v, str) else v
                    if isinstance(v, str) and c["kind"] in ("int", "small") and v.lstrip("-").isdigit():
                        u = int(v)
                    if u in uniq[c["name"]]:
                        v = None
                    else:
                        uniq[c["name"]].add(u)
                row.append(v)
            # keys unique as SQLite compares them, and as converted (no two spellings of one value)
            kidx = [j for j, c in enumerate(t["cols"]) if c.get("key") or c["kind"] == "ipk"]
            key = tuple(norm_key(row[j], t["cols"][j]) for j in kidx)
            if kidx and key in keys:
                continue
            keys.add(key)
            if t["uniq2"]:
                names = [c["name"] for c in t["cols"]]
                pv = tuple(norm_key(row[names.index(n)], t["cols"][names.index(n)]) for n in t["uniq2"])
                if None not in pv and pv in u2:
                    continue
                u2.add(pv)
            rows.append(row)
        if planted_here and rows:
            cand = [(j, c) for j, c in enumerate(t["cols"])
                    if not c.get("key") and not c.get("unique") and not c.get("check") and not c.get("unique2")
                    and c["kind"] not in ("ipk", "fk") and self.invalid(c["kind"]) is not None]
            if cand:
                j, c = r.choice(cand)
                bad = self.invalid(c["kind"])
                ri = r.randrange(len(rows))
                rows[ri][j] = bad
                self.planted.append((t["file"], t["name"], c["name"], bad))
        if t["shape"] == "nokey" and rows and not uniq and not t["uniq2"] and r.random() < 0.5:
            rows.append(list(rows[0]))  # a duplicate row
        ph = ", ".join("?" * len(t["cols"]))
        con.executemany("INSERT INTO %s VALUES (%s)" % (qi(t["name"]), ph), rows)
        if t["ipk"]:
            t["ids"] = [row[0] for row in rows]


def norm_key(v, c):
    if isinstance(v, str):
        v2 = v.lower()
        if c["kind"] == "ts":
            return ("ts", v2[:19].replace("t", " "))
        if c["kind"] == "bool":
            return {"true": 1, "t": 1, "false": 0, "f": 0}.get(v2, v2)
        return v2 if c.get("nocase") or c["kind"] == "uuid" else v
    if isinstance(v, float) and v == v and abs(v) < 1e18 and v == int(v):
        return int(v)
    if isinstance(v, str) and c["kind"] in ("int", "small") and v.lstrip("-").isdigit():
        return int(v)
    return v


def generate(seed, directory, plant=0.0, no_index=()):
    """Writes rstudio-pm.sqlite and rstudio-pm-usage.sqlite into directory;
    returns the list of planted invalid values."""
    g = Gen(seed, plant)
    g.no_index = tuple(no_index)
    os.makedirs(directory, exist_ok=True)
    tables = []
    for fname, lo, hi in (("rstudio-pm.sqlite", 1, 10), ("rstudio-pm-usage.sqlite", 1, 5)):
        path = os.path.join(directory, fname)
        if os.path.exists(path):
            os.unlink(path)
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN")
        mine = []
        for _ in range(g.r.randint(lo, hi)):
            t = g.table(con, fname, tables)
            mine.append(t)
        for t in mine:
            g.rows(con, t, tables)
        con.execute("COMMIT")
        con.close()
    return g.planted


if __name__ == "__main__":
    import sys
    print(generate(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0))


# ---- features beyond the basic generator (extras) ---------------------------
# Views and triggers, STRICT tables, thousands of rows out of key order (so
# verification's stored-order, key-ordered and sort passes all run), WITHOUT
# ROWID tables with collation-sensitive composite text keys, long text keys,
# defaults of every form, NULLs in UNIQUE columns of keyless tables,
# AUTOINCREMENT high-water marks ahead of max(rowid), WAL-mode files with a
# leftover -wal holding committed rows.  Returns a description the test
# checks against (views/triggers to be reported, sequences to be respected).

TRICKY = ["a", "A", "b", "B", "é", "É", "e", "E", "z", "Z", "ß", "ss", "10", "9", "010", "1e3", "-1",
          " a", "a ", "ä", "Ä", "名", "😀", "", "0", "00", "x y", "NaN"]


def extras(seed, directory, big=True):
    r = random.Random(seed * 7919 + 1)
    path = os.path.join(directory, "rstudio-pm.sqlite")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN")
    info = {"views": [], "triggers": [], "autoinc": {}}
    # STRICT table with every type, ANY holding numbers
    con.execute("CREATE TABLE zz_strict (id INTEGER PRIMARY KEY, i INT, n INTEGER NOT NULL DEFAULT 0,"
                " r REAL, t TEXT, b BLOB, a ANY) STRICT")
    any_mode = r.randrange(3)  # numbers; text and numbers; blobs
    for k in range(r.randint(1, 50)):
        a = r.choice({0: [None, r.randint(-10 ** 6, 10 ** 6), r.randint(-2 ** 63, 2 ** 63 - 1), 0.5 * r.randint(-100, 100)],
                      1: [None, r.randint(-10 ** 6, 10 ** 6), 0.25 * r.randint(-100, 100), r.choice(TRICKY)],
                      2: [None, bytes(r.randrange(256) for _ in range(r.randint(0, 8)))]}[any_mode])
        con.execute("INSERT INTO zz_strict (i, n, r, t, b, a) VALUES (?, ?, ?, ?, ?, ?)",
                    (r.choice([None, r.randint(-2 ** 63, 2 ** 63 - 1)]), r.randint(-5, 5),
                     r.choice([None, r.random() * 1e6]), r.choice([None] + TRICKY),
                     r.choice([None, bytes(r.randrange(256) for _ in range(r.randint(0, 8)))]), a))
    # WITHOUT ROWID with a composite text key, many rows in random order
    n = r.choice([50, 1500, 4000] if big else [50, 300, 1200])
    con.execute("CREATE TABLE zz_wr (k1 TEXT NOT NULL, k2 TEXT NOT NULL, v INTEGER, PRIMARY KEY (k1, k2)) WITHOUT ROWID")
    keys = set()
    while len(keys) < n:
        keys.add((r.choice(TRICKY) + (str(r.randint(0, 99)) if r.random() < 0.7 else ""),
                  r.choice(TRICKY) + r.choice(["", str(r.randint(0, 9999))])))
    keys = list(keys)
    r.shuffle(keys)
    con.executemany("INSERT INTO zz_wr VALUES (?, ?, ?)", [(a, b, i) for i, (a, b) in enumerate(keys)])
    # rowid table with a text primary key inserted out of key order
    con.execute("CREATE TABLE zz_textkey (code TEXT PRIMARY KEY, v TEXT)")
    codes = set()
    while len(codes) < n:
        codes.add(r.choice(TRICKY) + str(r.randint(0, 10 ** 6)) if r.random() < 0.8 else str(r.randint(0, 10 ** 6)))
    codes = list(codes)
    r.shuffle(codes)
    con.executemany("INSERT INTO zz_textkey VALUES (?, ?)", [(c, r.choice(TRICKY)) for c in codes])
    # integer key inserted in descending order (rowid order = key order here,
    # but a separate UNIQUE text column's order is not)
    con.execute("CREATE TABLE zz_desc (id INTEGER PRIMARY KEY, name TEXT UNIQUE, note TEXT)")
    con.executemany("INSERT INTO zz_desc VALUES (?, ?, ?)",
                    [(n - i, "%s-%d" % (r.choice(TRICKY), i), r.choice([None, "x"])) for i in range(n)])
    # NULL in a rowid table's primary key (SQLite allows it), DESC key index
    con.execute("CREATE TABLE zz_nullpk (k %s PRIMARY KEY%s, v TEXT)" % (r.choice(["TEXT", "INTEGER"]),
                                                                       r.choice(["", " DESC"])))
    con.executemany("INSERT OR IGNORE INTO zz_nullpk VALUES (?, ?)",
                    [(r.choice([None, None, r.randint(0, 50)]), r.choice(TRICKY)) for _ in range(r.randint(0, 60))])
    # long text keys
    if r.random() < 0.5:
        con.execute("CREATE TABLE zz_longkey (url TEXT PRIMARY KEY, hits INTEGER)")
        for i in range(r.randint(1, 5)):
            con.execute("INSERT INTO zz_longkey VALUES (?, ?)", ("https://x/" + "é" * r.randint(1300, 3000) + str(i), i))
    # defaults of every form
    con.execute("""CREATE TABLE zz_defaults (id INTEGER PRIMARY KEY,
        d_null TEXT DEFAULT NULL, d_str TEXT DEFAULT 'it''s', d_neg INTEGER DEFAULT -5, d_pos INTEGER DEFAULT +7,
        d_real REAL DEFAULT 1.5e2, d_hex INTEGER DEFAULT 0x10, d_blob BLOB DEFAULT X'00FF', d_true BOOLEAN DEFAULT TRUE,
        d_false BOOLEAN DEFAULT FALSE, d_time TEXT DEFAULT CURRENT_TIME, d_date DATE DEFAULT CURRENT_DATE,
        d_ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP, d_expr INTEGER DEFAULT (1 + 2), d_paren TEXT DEFAULT ('p'),
        d_dq TEXT DEFAULT "dq", d_empty TEXT DEFAULT '', d_negreal REAL DEFAULT -0.25)""")
    for _ in range(r.randint(0, 3)):
        con.execute("INSERT INTO zz_defaults (id) VALUES (NULL)")
    # keyless table: NULLs in UNIQUE columns, repeated rows, many rows
    con.execute("CREATE TABLE zz_nokey (a TEXT, b INTEGER, c TEXT, UNIQUE (a, b))")
    rows = []
    for i in range(n):
        rows.append((r.choice([None, None, r.choice(TRICKY)]), r.choice([None, i]), r.choice([None] + TRICKY)))
    con.executemany("INSERT INTO zz_nokey VALUES (?, ?, ?)", rows)
    con.execute("CREATE TABLE zz_bag (x TEXT, y INTEGER)")
    con.executemany("INSERT INTO zz_bag VALUES (?, ?)", [(r.choice([None] + TRICKY), r.choice([None, 1, 2]))
                                                          for _ in range(n)])
    # AUTOINCREMENT with the high-water mark ahead of max(rowid)
    con.execute("CREATE TABLE zz_auto (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)")
    con.executemany("INSERT INTO zz_auto (v) VALUES (?)", [(r.choice(TRICKY),) for _ in range(r.randint(0, 20))])
    ahead = r.choice([0, 5, 1000])
    con.execute("UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'zz_auto'", (ahead,))
    if r.random() < 0.3:
        con.execute("DELETE FROM zz_auto WHERE id > 3")
    seq = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'zz_auto'").fetchone()
    info["autoinc"]["zz_auto"] = seq[0] if seq else 0
    # views and triggers
    con.execute("CREATE VIEW zz_view AS SELECT k1, count(*) AS n FROM zz_wr GROUP BY k1")
    con.execute("CREATE TRIGGER zz_trig AFTER INSERT ON zz_bag BEGIN UPDATE zz_bag SET y = 0 WHERE y IS NULL; END")
    info["views"].append("zz_view")
    info["triggers"].append("zz_trig")
    con.execute("COMMIT")
    con.close()
    # WAL mode, sometimes with committed rows still only in the -wal file
    wal = r.choice(["no", "wal", "leftover"])
    info["wal"] = wal
    if wal != "no":
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        if wal == "leftover":
            con.execute("PRAGMA wal_autocheckpoint=0")
            con.execute("BEGIN")
            con.executemany("INSERT INTO zz_bag VALUES (?, ?)", [("wal%d" % i, i) for i in range(r.randint(1, 300))])
            con.execute("INSERT INTO zz_auto (v) VALUES ('in wal')")
            con.execute("COMMIT")
            info["autoinc"]["zz_auto"] = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'zz_auto'").fetchone()[0]
            import shutil
            shutil.copy(path, path + ".keep")
            shutil.copy(path + "-wal", path + ".keep-wal")
            con.close()
            os.replace(path + ".keep", path)
            os.replace(path + ".keep-wal", path + "-wal")
            if os.path.exists(path + "-shm"):
                os.unlink(path + "-shm")
        else:
            con.close()
    return info
