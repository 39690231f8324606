#!/usr/bin/python3
"""A seeded generator of realistic PostgreSQL main and usage databases (the
way applications create them: serial and identity keys, text/uuid/composite
keys, UNIQUE, indexes of every shape, foreign keys also DEFERRABLE and
self-referencing, CHECKs, defaults, enums, domains, odd names) and of values
valid for each type, edge cases included.  A fraction of seeds also plant
values the man page documents as refused (a date or timestamp SQLite cannot
hold).

    generate(seed, plant) -> {"main": sql, "usage": sql, "planted": [(db, table, column)]}

Deterministic: the same seed gives the same SQL.  Standard library only.
"""

import random

NAMES = ["id", "name", "value", "created_at", "Owner", "UserName", "select", "order", "group", "user",
         "from", "my col", "café", "名前", "key", "data", "Status", "x y z", "desc", "limit", "ts",
         "col-1", "Größe", "check", "table", "count", "Amount", "note", "payload", "ref"]
TABLE_NAMES = ["users", "repos", "Packages", "order", "my table", "événements", "日志", "Group",
               "audit log", "select", "Items", "tags", "sessions", "jobs", "blobs", "metrics",
               "downloads", "user", "Sources", "snap shots"]

TYPES = ["integer", "bigint", "smallint", "text", "varchar", "char", "boolean", "real",
         "double precision", "numeric", "numeric(p,s)", "date", "timestamp", "timestamptz",
         "time", "interval", "uuid", "json", "jsonb", "bytea", "inet", "enum", "domain"]
INDEXABLE = {"integer", "bigint", "smallint", "text", "varchar", "char", "boolean", "real",
             "double precision", "numeric", "numeric(p,s)", "date", "timestamp", "timestamptz",
             "time", "interval", "uuid", "jsonb", "bytea", "inet", "enum", "domain"}

TEXTS = ["", "a", "hello world", "it's", 'say "hi"', "back\\slash", "line\nbreak", "tab\there",
         "café", "日本語テキスト", "emoji 😀", "ZWJ 👩‍💻", "  padded  ", "%_like", "NULL", "0",
         "x" * 300, "e\u0301", "\u00a0nbsp"]


def q(name):
    return '"%s"' % name.replace('"', '""')


def lit(s):
    return "'%s'" % s.replace("'", "''")


class Gen:
    def __init__(self, seed, plant):
        self.r = random.Random(seed)
        self.plant = plant
        self.planted = []

    def pick_names(self, pool, n):
        seen, out = set(), []
        for name in self.r.sample(pool, len(pool)):
            if name.lower() not in seen:
                seen.add(name.lower())
                out.append(name)
            if len(out) == n:
                break
        return out

    # ---- values ------------------------------------------------------------

    def value(self, col):
        r = self.r
        t = col["type"]
        if r.random() < 0.12 and not col.get("notnull"):
            return "NULL"
        if t == "integer" or (t == "domain" and col["base"] == "integer"):
            v = r.choice([0, 1, -1, 42, 2147483647, -2147483648, r.randint(-10 ** 6, 10 ** 6)])
            if t == "domain":
                v = abs(v) if v != -2147483648 else 1
                v = max(v, 1)
            return str(v)
        if t == "bigint":
            return str(r.choice([0, 9223372036854775807, -9223372036854775808, 2 ** 53 + 1,
                                 r.randint(-10 ** 15, 10 ** 15)]))
        if t == "smallint":
            return str(r.choice([0, 32767, -32768, r.randint(-999, 999)]))
        if t in ("text",) or (t == "domain" and col["base"] == "text"):
            return lit(r.choice(TEXTS))
        if t == "varchar":
            return lit(r.choice(TEXTS)[:col["n"]])
        if t == "char":
            return lit(r.choice(TEXTS)[:col["n"]].rstrip(" "))
        if t == "boolean":
            return r.choice(["true", "false"])
        # No -0: SQLite reads it back as 0, and the run stops at its own
        # verification (exit 3, test_reverse.py), not among the refusals.
        if t == "real":
            return lit(r.choice(["NaN", "Infinity", "-Infinity", "0", "1.5", "0.1",
                                 "3.4028235e38", "1e-45", "-2.25", "123456.7"])) + "::real"
        if t == "double precision":
            return lit(r.choice(["NaN", "Infinity", "-Infinity", "0", "0.1", "1e308",
                                 "5e-324", "-1.7976931348623157e308", "3.141592653589793",
                                 repr(r.uniform(-1e6, 1e6))])) + "::float8"
        if t == "numeric":
            return lit(r.choice(["NaN", "Infinity", "-Infinity", "0", "-0.000", "1.50",
                                 "12345678901234567890.123456789", "-0.0000000001",
                                 "1e20", str(r.randint(-10 ** 30, 10 ** 30))])) + "::numeric"
        if t == "numeric(p,s)":
            p, s = col["p"], col["s"]
            digits = p - s
            ip = r.randint(0, 10 ** digits - 1) if digits > 0 else 0
            fp = r.randint(0, 10 ** s - 1) if s > 0 else 0
            sign = r.choice(["", "-"])
            return lit("%s%d%s" % (sign, ip, ("." + str(fp).rjust(s, "0")) if s else "")) + "::numeric"
        if t == "date":
            if self.maybe_plant(col):
                return r.choice(["'infinity'", "'10000-01-01'", "'4713-01-01 BC'"])
            return lit(r.choice(["0001-01-01", "9999-12-31", "2024-02-29", "1970-01-01", "0001-06-15 BC",
                                 "%04d-%02d-%02d" % (r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28))]))
        if t in ("timestamp", "timestamptz"):
            if self.maybe_plant(col):
                return r.choice(["'10000-01-01 00:00:00+00'", "'0002-01-01 00:00:00 BC'"])
            tz = "+00" if t == "timestamptz" else ""
            return lit(r.choice(["0001-01-01 00:00:00", "9999-12-31 23:59:59.999999", "infinity", "-infinity",
                                 "0001-12-31 23:59:59 BC",
                                 "2024-03-05 14:22:01.123456", "1970-01-01 00:00:00",
                                 "2000-02-29 12:00:00.5",
                                 "%04d-%02d-%02d %02d:%02d:%02d" % (r.randint(1, 9998), r.randint(1, 12),
                                                                    r.randint(1, 28), r.randint(0, 23),
                                                                    r.randint(0, 59), r.randint(0, 59))]) + tz)
        if t == "time":
            return lit(r.choice(["00:00:00", "23:59:59.999999", "24:00:00", "12:34:56.5"]))
        if t == "interval":
            return lit(r.choice(["1 year 2 mons", "-3 days", "00:00:00.000001", "1 day -01:00:00",
                                 "0", "178000000 years"]))
        if t == "uuid":
            return lit("%032x" % r.getrandbits(128)) + "::uuid"
        if t in ("json", "jsonb"):
            return lit(r.choice(['{"a": 1,   "b": [1, 2.50]}', '"x"', "null", "[]", "{}", '{"é": "\\u00e9"}',
                                 "1e3", '{"b":1,"a":2}', '[{"k": null}]', "12345678901234567890"]))
        if t == "bytea":
            return lit("\\x" + bytes(r.getrandbits(8) for _ in range(r.randint(0, 12))).hex()
                       + r.choice(["", "00", "0000ff"])) + "::bytea"
        if t == "inet":
            return lit(r.choice(["192.168.0.1", "10.0.0.0/8", "::1", "2001:db8::1/64", "0.0.0.0/0"]))
        if t == "enum":
            return lit(r.choice(col["labels"]))
        raise ValueError(t)

    def maybe_plant(self, col):
        if col.get("noplant") or self.r.random() >= self.plant:
            return False
        self.planted.append((self.db, col["table"], col["name"]))
        return True

    # ---- schema ------------------------------------------------------------

    def database(self, db, ntables):
        r = self.r
        self.db = db
        out = []
        enums = []
        labels = self.r.sample(["red", "green", "blue", "Mixed Case", "with space", "ü", "a'b"], 3)
        out.append("CREATE TYPE %s AS ENUM (%s);" % (q("Color"), ", ".join(lit(x) for x in labels)))
        enums.append(labels)
        out.append("CREATE DOMAIN posint AS integer CHECK (VALUE > 0);")
        out.append("CREATE DOMAIN shorttext AS text NOT NULL CHECK (length(VALUE) < 1000);")
        out.append("CREATE SEQUENCE %s START 1000;" % q("ext seq"))
        tables = []
        for tname in self.pick_names(TABLE_NAMES, ntables):
            tables.append(self.table(tname, tables, labels, out))
        return "\n".join(out) + "\n", tables

    def table(self, tname, tables, labels, out):
        r = self.r
        ncols = r.randint(1, 7)
        names = self.pick_names(NAMES, ncols + 3)
        cols, defs, cons = [], [], []
        keyshape = r.choice(["serial", "bigserial", "identity", "identity always", "text", "uuid",
                             "composite", "none"])
        pk = []
        if keyshape in ("serial", "bigserial"):
            c = {"name": names.pop(), "type": "integer" if keyshape == "serial" else "bigint", "auto": True}
            defs.append("%s %s PRIMARY KEY" % (q(c["name"]), keyshape))
            cols.append(c)
            pk = [c]
        elif keyshape.startswith("identity"):
            c = {"name": names.pop(), "type": "bigint", "auto": True}
            defs.append("%s bigint GENERATED %s AS IDENTITY PRIMARY KEY"
                        % (q(c["name"]), "ALWAYS" if keyshape.endswith("always") else "BY DEFAULT"))
            cols.append(c)
            pk = [c]
        elif keyshape == "text":
            c = {"name": names.pop(), "type": "text", "notnull": True}
            defs.append("%s text PRIMARY KEY" % q(c["name"]))
            cols.append(c)
            pk = [c]
        elif keyshape == "uuid":
            c = {"name": names.pop(), "type": "uuid", "notnull": True, "auto": r.random() < 0.5}
            defs.append("%s uuid PRIMARY KEY DEFAULT gen_random_uuid()" % q(c["name"]))
            cols.append(c)
            pk = [c]
        elif keyshape == "composite":
            a = {"name": names.pop(), "type": "integer", "notnull": True}
            b = {"name": names.pop(), "type": "text", "notnull": True}
            defs += ["%s integer NOT NULL" % q(a["name"]), "%s text NOT NULL" % q(b["name"])]
            cols += [a, b]
            pk = [a, b]
            cons.append("PRIMARY KEY (%s, %s)" % (q(a["name"]), q(b["name"])))
        # foreign keys: to an earlier table's single-column key, or to itself
        fks = []
        targets = [x for x in tables if len(x["pk"]) == 1]
        if len(pk) == 1:
            targets.append(None)  # self
        for _ in range(r.randint(0, 2)):
            if not targets or not names:
                break
            tgt = r.choice(targets)
            tpk = (tgt["pk"] if tgt else pk)[0]
            ttype = tpk["type"]
            c = {"name": names.pop(), "type": ttype, "fk": (tgt["name"] if tgt else tname, tpk["name"]),
                 "noplant": True}
            mode = r.choice(["", "", " DEFERRABLE INITIALLY DEFERRED", " DEFERRABLE INITIALLY IMMEDIATE",
                             " ON DELETE CASCADE"])
            defs.append("%s %s REFERENCES %s (%s)%s" % (q(c["name"]), ttype, q(c["fk"][0]), q(tpk["name"]), mode))
            cols.append(c)
            fks.append(c)
        for _ in range(ncols):
            if not names:
                break
            typ = r.choice(TYPES)
            c = {"name": names.pop(), "type": typ, "table": tname}
            decl = typ
            if typ == "varchar":
                c["n"] = r.choice([1, 10, 64, 255])
                decl = "varchar(%d)" % c["n"]
            elif typ == "char":
                c["n"] = r.choice([1, 8, 64])
                decl = "char(%d)" % c["n"]
            elif typ == "numeric(p,s)":
                c["p"], c["s"] = r.choice([(10, 2), (5, 0), (18, 6), (38, 10), (3, 3)])
                decl = "numeric(%d,%d)" % (c["p"], c["s"])
            elif typ == "enum":
                c["labels"] = labels
                decl = q("Color")
            elif typ == "domain":
                c["base"] = r.choice(["integer", "text"])
                decl = "posint" if c["base"] == "integer" else "shorttext"
                if c["base"] == "text":
                    c["notnull"] = True
            extra = ""
            if r.random() < 0.2 and typ not in ("domain",):
                extra += " NOT NULL"
                c["notnull"] = True
            d = self.default(c)
            if d:
                extra += " DEFAULT " + d
                c["default"] = True
            if r.random() < 0.1 and typ in ("integer", "bigint", "text", "uuid", "varchar"):
                extra += " UNIQUE"
            if r.random() < 0.15 and typ in ("integer", "bigint", "smallint"):
                cons.append("CHECK (%s IS NULL OR %s >= -9223372036854775808)" % (q(c["name"]), q(c["name"])))
            if r.random() < 0.15 and typ in ("text", "varchar"):
                cons.append("CONSTRAINT %s CHECK (char_length(%s) < 10000)" % (q("chk " + c["name"]), q(c["name"])))
            defs.append("%s %s%s" % (q(c["name"]), decl, extra))
            cols.append(c)
        for c in cols:
            c["table"] = tname
        out.append("CREATE TABLE %s (%s);" % (q(tname), ", ".join(defs + cons)))
        # indexes
        idxable = [c for c in cols if c["type"] in INDEXABLE]
        for i in range(r.randint(0, 3)):
            if not idxable:
                break
            iname = "%s_idx%d" % (tname, i)
            kind = r.choice(["plain", "multi", "desc", "partial", "expr", "unique"])
            cs = r.sample(idxable, min(len(idxable), 2 if kind == "multi" else 1))
            keys = ", ".join(q(c["name"]) + (" DESC" if kind == "desc" else "") for c in cs)
            if kind == "expr":
                tc = [c for c in cols if c["type"] == "text"]
                if not tc:
                    continue
                keys = "lower(%s)" % q(tc[0]["name"])
            where = " WHERE %s IS NOT NULL" % q(cs[0]["name"]) if kind == "partial" else ""
            uniq = "UNIQUE " if kind == "unique" else ""
            out.append("CREATE %sINDEX %s ON %s (%s)%s;" % (uniq, q(iname), q(tname), keys, where))
        # rows
        ins = [c for c in cols if not c.get("auto")]
        nrows = r.randint(0, 8)
        for _ in range(nrows):
            vals = []
            for c in ins:
                if "fk" in c:
                    tt, tk = c["fk"]
                    if r.random() < 0.3:
                        vals.append("NULL")
                    else:
                        vals.append("(SELECT %s FROM %s ORDER BY 1 LIMIT 1 OFFSET %d)" % (q(tk), q(tt), r.randint(0, 5)))
                elif c.get("default") and r.random() < 0.4:
                    vals.append("DEFAULT")
                else:
                    vals.append(self.value(c))
            if ins:
                out.append("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING;"
                           % (q(tname), ", ".join(q(c["name"]) for c in ins), ", ".join(vals)))
            else:
                out.append("INSERT INTO %s DEFAULT VALUES;" % q(tname))
        # realistic: a deleted row leaves a gap in the sequence
        if nrows and pk and pk[0].get("auto") and pk[0]["type"] != "uuid" and r.random() < 0.3:
            out.append("DELETE FROM %s WHERE %s = (SELECT max(%s) FROM %s);"
                       % (q(tname), q(pk[0]["name"]), q(pk[0]["name"]), q(tname)))
        return {"name": tname, "pk": pk, "cols": cols}

    def default(self, c):
        r = self.r
        if r.random() > 0.25:
            return None
        t = c["type"]
        if t == "timestamptz":
            return r.choice(["now()", "CURRENT_TIMESTAMP", "'2020-01-01 00:00:00+00'"])
        if t == "bigint":
            return r.choice(["nextval('\"ext seq\"')", "0", "-1"])
        if t == "uuid":
            return "gen_random_uuid()"
        if t in ("text", "varchar"):
            return r.choice(["''", "'it''s'", "'default'"][:1 if c.get("n", 99) < 7 else 3])
        if t == "boolean":
            return r.choice(["true", "false"])
        if t in ("integer", "smallint"):
            return r.choice(["0", "7", "-1"])
        if t == "date":
            return r.choice(["CURRENT_DATE", "'2000-01-01'"])
        if t in ("jsonb", "json"):
            return "'{}'"
        return None


def generate(seed, plant=0.0):
    g = Gen(seed, plant if random.Random(seed * 7 + 1).random() < 0.3 else 0.0)
    main, _ = g.database("main", g.r.randint(1, 8))
    usage, _ = g.database("usage", g.r.randint(1, 4))
    return {"main": main, "usage": usage, "planted": g.planted}


if __name__ == "__main__":
    import sys
    res = generate(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
    print("-- main\n" + res["main"] + "\n-- usage\n" + res["usage"])
    print("-- planted: %r" % res["planted"])
