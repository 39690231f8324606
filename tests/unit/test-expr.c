/* The expression translator: SQLite's tokenizer rules, the PostgreSQL
 * text written from the tree, and what is refused. */
#include <errno.h>

#include "migrate/cleanup.h"
#include "migrate/expr.h"
#include "migrate/sql_token.h"
#include "migrate/strbuf.h"
#include "tap.h"

static struct column columns[] = {
        { .name = (char *) "name", .spec = { .type = COL_TEXT } },
        { .name = (char *) "n", .spec = { .type = COL_INT64 } },
        { .name = (char *) "we\"ird", .spec = { .type = COL_TEXT } },
        { .name = (char *) "flag", .spec = { .type = COL_BOOL } },
        { .name = (char *) "café", .spec = { .type = COL_TEXT } },
};
static const struct table table = { .name = (char *) "t", .columns = columns, .n_columns = 5 };

/* The tokens of text, joined by two spaces: kind letter and value. */
static char *tokens(const char *text) {
        static const char kinds[] = "wqsbnvp";
        struct sql_tokens t;
        const char *why;
        if (sql_tokenize(text, &t, &why) < 0)
                return strdup_printf("error: %s", why);
        struct strbuf b = {};
        strbuf_puts(&b, "");
        for (size_t i = 0; i < t.n; i++) {
                _cleanup_free_ char *v = sql_token_value(&t.v[i]);
                strbuf_printf(&b, "%s%c:%s", i ? "  " : "", kinds[t.v[i].kind], v);
        }
        sql_tokens_done(&t);
        return strbuf_steal(&b);
}

static void check_tokens(const char *text, const char *expected) {
        _cleanup_free_ char *got = tokens(text);
        CHECK_STREQ(got, expected);
}

static void test_tokenizer(void) {
        check_tokens("a /* x */ b", "w:a  w:b");
        /* SQLite does not nest comments: the first closing mark ends it. */
        check_tokens("a /* /* */ b */", "w:a  w:b  p:*  p:/");
        check_tokens("a /* never closed", "w:a");
        check_tokens("a -- to the end\nb", "w:a  w:b");
        check_tokens("a --", "w:a");
        check_tokens("'it''s' 'x/*y*/z' '--'", "s:it's  s:x/*y*/z  s:--");
        check_tokens("\"we\"\"ird\" `b``q` [br\"k]", "q:we\"ird  q:b`q  q:br\"k");
        check_tokens("x'0aFF' X''", "b:0aFF  b:");
        check_tokens("12 1.5 .5 1e3 1.5E-2 0x1F", "n:12  n:1.5  n:.5  n:1e3  n:1.5E-2  n:0x1F");
        check_tokens("a||b<=c<>d!=e==f->>g", "w:a  p:||  w:b  p:<=  w:c  p:<>  w:d  p:!=  w:e  p:==  w:f  p:->>  w:g");
        check_tokens("café = 'naïve ☕'", "w:café  p:=  s:naïve ☕");
        check_tokens("?1 :a @b $c", "v:?1  v::a  v:@b  v:$c");
        check_tokens("'unterminated", "error: an unterminated string");
        check_tokens("\"unterminated", "error: an unterminated quoted name");
        check_tokens("[unterminated", "error: an unterminated quoted name");
        check_tokens("x'abc'", "error: a malformed blob literal");
        check_tokens("x'zz'", "error: a malformed blob literal");
        check_tokens("12abc", "error: a malformed number");
        check_tokens("a ! b", "error: a character SQLite does not accept");
        check_tokens("a # b", "error: a character SQLite does not accept");
        check_tokens("", "");
}

static int translate(enum expr_use use, const struct col_spec *spec, const char *in, char **out, char **why) {
        const struct expr_target target = { .use = use, .table = use == EXPR_DEFAULT ? NULL : &table, .column = spec };
        return expr_translate(in, &target, out, why);
}

static void check_expr(enum expr_use use, const char *in, const char *expected) {
        _cleanup_free_ char *out = NULL, *why = NULL;
        int r = translate(use, NULL, in, &out, &why);
        if (r < 0)
                printf("# %s: refused: %s\n", in, why ? why : "?");
        CHECK(r == 0);
        CHECK_STREQ(out, expected);
}

static void check_refused(enum expr_use use, const struct col_spec *spec, const char *in, const char *reason) {
        _cleanup_free_ char *out = NULL, *why = NULL;
        int r = translate(use, spec, in, &out, &why);
        if (r == 0)
                printf("# %s: carried as %s\n", in, out);
        CHECK(r == -EOPNOTSUPP);
        CHECK(out == NULL);
        CHECK_CONTAINS(why, reason);
}

static void check_default(enum col_type type, const char *in, const char *expected) {
        const struct col_spec spec = { .type = type, .length = -1, .precision = -1, .scale = -1 };
        _cleanup_free_ char *out = NULL, *why = NULL;
        int r = translate(EXPR_DEFAULT, &spec, in, &out, &why);
        if (r < 0)
                printf("# %s: refused: %s\n", in, why ? why : "?");
        CHECK(r == 0);
        CHECK_STREQ(out, expected);
}

static void check_default_refused(enum col_type type, const char *in, const char *reason) {
        const struct col_spec spec = { .type = type, .length = -1, .precision = -1, .scale = -1 };
        check_refused(EXPR_DEFAULT, &spec, in, reason);
}

static void test_emitted(void) {
        check_expr(EXPR_INDEX_KEY, "lower(name)", "pg_catalog.lower(\"name\")");
        check_expr(EXPR_INDEX_KEY, "LOWER ( \"NAME\" )", "pg_catalog.lower(\"name\")");
        check_expr(EXPR_INDEX_KEY, "\"we\"\"ird\" || 'x''y'", "(\"we\"\"ird\" || 'x''y')");
        check_expr(EXPR_INDEX_KEY, "[café] || `n`", "(\"café\" || \"n\")");
        check_expr(EXPR_INDEX_KEY, "ifnull(name, '') COLLATE BINARY", "(COALESCE(\"name\", '') COLLATE \"C\")");
        check_expr(EXPR_INDEX_KEY, "abs(n - -5) * 2 + 1", "((pg_catalog.abs((\"n\" - (-5))) * 2) + 1)");
        check_expr(EXPR_INDEX_KEY, "trim(name, 'x')", "pg_catalog.btrim(\"name\", 'x')");
        check_expr(EXPR_INDEX_KEY, "length(name) /* comment */", "pg_catalog.length(\"name\")");
        check_expr(EXPR_PREDICATE, "n IN (1, -2, 0x10) AND name NOT IN ('a')",
                   "((\"n\" IN (1, (-2), 16)) AND (\"name\" NOT IN ('a')))");
        check_expr(EXPR_PREDICATE, "NOT flag = 1 OR n ISNULL OR name NOTNULL OR n NOT NULL",
                   "((((NOT (\"flag\" = true)) OR (\"n\" IS NULL)) OR (\"name\" IS NOT NULL)) OR (\"n\" IS NOT NULL))");
        check_expr(EXPR_PREDICATE, "n IS 3 AND name IS NOT 'x' AND flag IS 0",
                   "(((\"n\" IS NOT DISTINCT FROM 3) AND (\"name\" IS DISTINCT FROM 'x')) AND (\"flag\" IS NOT DISTINCT FROM false))");
        /* SQLite's precedence: AND binds tighter than OR, comparison tighter than NOT. */
        check_expr(EXPR_PREDICATE, "n = 1 OR n = 2 AND n < 3 + 4 * 5",
                   "((\"n\" = 1) OR ((\"n\" = 2) AND (\"n\" < (3 + (4 * 5)))))");
        check_expr(EXPR_PREDICATE, "+n >= .5e1 AND x'00ff' = x'00FF'",
                   "((\"n\" >= .5e1) AND ('\\x00ff'::bytea = '\\x00FF'::bytea))");
        check_expr(EXPR_PREDICATE, "name > '\\x' AND name < '\xe2\x98\x95'",
                   "((\"name\" > '\\x') AND (\"name\" < '\xe2\x98\x95'))");
        check_expr(EXPR_PREDICATE, "- - n", "(-(-\"n\"))"); /* never "--", a comment */
        /* SQLite's comment ends at the first closing mark: the rest is a string, and stays one. */
        check_expr(EXPR_INDEX_KEY, "lower(name) /* /* */ || '*/ ); CREATE TABLE injected2(x int); --'",
                   "(pg_catalog.lower(\"name\") || '*/ ); CREATE TABLE injected2(x int); --')");
        check_expr(EXPR_PREDICATE, "n = 1 /* never closed", "(\"n\" = 1)");
        check_expr(EXPR_PREDICATE, "/* WHERE true; COPY (SELECT 1) TO PROGRAM 'id > /tmp/pwned'; -- */ name > 'm'",
                   "(\"name\" > 'm')");
}

static void test_refused(void) {
        check_refused(EXPR_INDEX_KEY, NULL, "instr(name, 'r')", "function instr");
        check_refused(EXPR_INDEX_KEY, NULL, "pg_read_file('/etc/passwd')", "function pg_read_file");
        check_refused(EXPR_INDEX_KEY, NULL, "lower(a) /* /* */ || '*/ ); CREATE TABLE injected2(x int); --'",
                      "the name (not a column of the table) a");
        check_refused(EXPR_PREDICATE, NULL, "name > 'm'; DROP TABLE t", "unexpected ;");
        check_refused(EXPR_PREDICATE, NULL, "name LIKE 'a%'", "the operator LIKE");
        check_refused(EXPR_PREDICATE, NULL, "name NOT GLOB 'a*'", "the operator GLOB");
        check_refused(EXPR_PREDICATE, NULL, "n BETWEEN 1 AND 2", "the operator BETWEEN");
        check_refused(EXPR_PREDICATE, NULL, "n IN (SELECT 1)", "a subquery");
        check_refused(EXPR_PREDICATE, NULL, "n IN (n)", "literals");
        check_refused(EXPR_PREDICATE, NULL, "(SELECT 1)", "a subquery");
        check_refused(EXPR_PREDICATE, NULL, "t.n = 1", "the qualified name t");
        check_refused(EXPR_PREDICATE, NULL, "n = ?1", "the parameter ?1");
        check_refused(EXPR_PREDICATE, NULL, "CAST(n AS TEXT) = '1'", "the operator CAST");
        check_refused(EXPR_PREDICATE, NULL, "CASE WHEN n THEN 1 END", "the operator CASE");
        check_refused(EXPR_PREDICATE, NULL, "n & 1", "the operator &");
        check_refused(EXPR_PREDICATE, NULL, "n / 2 > 1", "the operator /");
        check_refused(EXPR_PREDICATE, NULL, "n % 2 = 1", "the operator %");
        check_refused(EXPR_PREDICATE, NULL, "name COLLATE NOCASE = 'a'", "COLLATE NOCASE");
        check_refused(EXPR_PREDICATE, NULL, "nosuch = 1", "not a column of the table");
        check_refused(EXPR_PREDICATE, NULL, "CURRENT_TIMESTAMP > name", "CURRENT_TIMESTAMP outside a default");
        check_refused(EXPR_PREDICATE, NULL, "lower(name, name)", "function lower with 2 arguments");
        check_refused(EXPR_PREDICATE, NULL, "count(*)", "function count");
        check_refused(EXPR_PREDICATE, NULL, "(n, n) = (1, 1)", "a row value");
        check_refused(EXPR_PREDICATE, NULL, "n = 0x11112222333344445", "hex literal");
        check_refused(EXPR_PREDICATE, NULL, "name = 'open", "an unterminated string");
        check_refused(EXPR_PREDICATE, NULL, "/* only a comment */", "an empty expression");
        check_refused(EXPR_PREDICATE, NULL, "n = ", "an incomplete expression");
}

static void test_defaults(void) {
        check_default(COL_TEXT, "'x'", "'x'");
        check_default(COL_TEXT, "'it''s'", "'it''s'");
        check_default(COL_INT64, "-5", "(-5)");
        check_default(COL_INT64, "+5", "5");
        check_default(COL_FLOAT64, "-1.5e3", "(-1.5e3)");
        check_default(COL_TEXT, "NULL", "NULL");
        check_default(COL_BOOL, "1", "true");
        check_default(COL_BOOL, "'0'", "false");
        check_default(COL_BOOL, "TRUE", "true");
        check_default(COL_INT64, "TRUE", "1");
        check_default(COL_BYTES, "x'00ff'", "'\\x00ff'::bytea");
        check_default(COL_BYTES, "'A\\'", "'\\x415c'::bytea");
        check_default(COL_TEXT, "('x' /* /* */ || '*/ ; CREATE TABLE injected(x int); --')",
                      "('x' || '*/ ; CREATE TABLE injected(x int); --')");
        check_default(COL_TIMESTAMP_LOCAL, "CURRENT_TIMESTAMP",
                      "pg_catalog.date_trunc('second', (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'))");
        check_default(COL_TIMESTAMP_UTC, "(current_timestamp)",
                      "(pg_catalog.date_trunc('second', (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC')");
        check_default(COL_DATE, "CURRENT_DATE", "CAST((CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AS date)");
        check_default(COL_TEXT, "CURRENT_TIMESTAMP",
                      "pg_catalog.to_char((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24:MI:SS')");
        check_default(COL_TEXT, "CURRENT_TIME", "pg_catalog.to_char((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), 'HH24:MI:SS')");
        check_default(COL_TIMESTAMP_LOCAL, "'2024-01-02 03:04:05'", "'2024-01-02 03:04:05'");
        check_default(COL_TEXT, "lower('ABC')", "pg_catalog.lower('ABC')");

        check_default_refused(COL_TEXT, "(pg_read_file('/etc/passwd'))", "function pg_read_file");
        check_default_refused(COL_INT64, "lo_export(1, '/tmp/x')", "function lo_export");
        check_default_refused(COL_TEXT, "set_config('a', 'b', false)", "function set_config");
        check_default_refused(COL_TEXT, "dblink('host=x', 'select 1')", "function dblink");
        check_default_refused(COL_TEXT, "random()", "function random");
        check_default_refused(COL_TIMESTAMP_LOCAL, "'now'", "the string 'now'");
        check_default_refused(COL_DATE, "' Today '", "the string ' Today '");
        check_default_refused(COL_TIMESTAMP_LOCAL, "'soon'", "not a date or time");
        check_default_refused(COL_TIMESTAMP_LOCAL, "'2024-01-02 03:04:05+02:00'", "UTC offset");
        check_default_refused(COL_INT64, "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP in a column of this type");
        check_default_refused(COL_DATE, "CURRENT_TIME", "CURRENT_TIME in a column of this type");
        check_default_refused(COL_TEXT, "name", "the name name");
        /* One quoted name is a string in SQLite's DEFAULT, as Chrome writes DEFAULT "". */
        check_default(COL_TEXT, "\"\"", "''");
        check_default(COL_TEXT, "\"it's\"", "'it''s'");
        check_default(COL_TEXT, "[br]", "'br'");
        check_default(COL_INT64, "`5`", "'5'");
        check_default(COL_BOOL, "\"1\"", "true");
        check_default_refused(COL_TEXT, "(\"x\")", "the name");
        check_default_refused(COL_TIMESTAMP_UTC, "\"now\"", "the string 'now'");
}

/* datetime('now') and its kin are SQLite's CURRENT_*: the same defaults. */
static void test_now_calls(void) {
        check_default(COL_TIMESTAMP_UTC, "(datetime('now'))",
                      "(pg_catalog.date_trunc('second', (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC')");
        check_default(COL_TEXT, "datetime('NOW')",
                      "pg_catalog.to_char((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24:MI:SS')");
        check_default(COL_DATE, "date('now')", "CAST((CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AS date)");
        check_default(COL_TEXT, "time('now')", "pg_catalog.to_char((CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), 'HH24:MI:SS')");
        check_default(COL_INT64, "(unixepoch())",
                      "CAST(EXTRACT(EPOCH FROM pg_catalog.date_trunc('second', CURRENT_TIMESTAMP)) AS bigint)");
        check_default(COL_INT64, "unixepoch('now')",
                      "CAST(EXTRACT(EPOCH FROM pg_catalog.date_trunc('second', CURRENT_TIMESTAMP)) AS bigint)");
        check_default_refused(COL_TIMESTAMP_UTC, "datetime('now', 'localtime')", "function datetime");
        check_default_refused(COL_TIMESTAMP_UTC, "datetime('2024-01-01')", "function datetime");
        check_default_refused(COL_TEXT, "unixepoch()", "unixepoch() in a column of this type");
        check_default_refused(COL_DATE, "time('now')", "CURRENT_TIME in a column of this type");
        check_refused(EXPR_PREDICATE, NULL, "datetime('now') > 0", "outside a default");
}

int main(void) {
        RUN(test_tokenizer);
        RUN(test_now_calls);
        RUN(test_emitted);
        RUN(test_refused);
        RUN(test_defaults);
        TAP_END();
}
