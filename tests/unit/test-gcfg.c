/* Every rule and every error of the gcfg format (DESIGN.md section 2). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/gcfg.h"
#include "migrate/strbuf.h"
#include "tap.h"

/* Parse text; NULL on error with the message in *err. */
static struct gcfg *parse(const char *text, char **err) {
        struct gcfg *c = NULL;
        *err = NULL;
        if (gcfg_parse("t.gcfg", text, strlen(text), &c, err) < 0)
                return NULL;
        return c;
}

static const char *value(const struct gcfg *c, const char *sec, const char *sub, const char *name) {
        const struct gcfg_entry *e = gcfg_find(c, sec, sub, name);
        return e ? e->value : NULL;
}

/* The error message a text produces (freed by the caller). */
static char *error_of(const char *text, size_t len) {
        struct gcfg *c = NULL;
        char *err = NULL;
        int r = gcfg_parse("bad.gcfg", text, len, &c, &err);
        if (r >= 0) {
                gcfg_free(c);
                return strdup("(parsed without error)");
        }
        return err;
}

#define CHECK_ERROR(text, expected_prefix)                               \
        do {                                                             \
                _cleanup_free_ char *_e = error_of(text, sizeof(text) - 1); \
                CHECK_CONTAINS(_e, expected_prefix);                     \
        } while (0)

static void test_sections_and_values(void) {
        _cleanup_free_ char *err = NULL;
        _cleanup_(gcfg_freep) struct gcfg *c = parse(
                "; a comment\n"
                "# another\n"
                "[Server]\n"
                "DataDir = /srv/rspm   \n"
                "[Postgres]\n"
                "  URL=postgres://u@h/db\n"
                "[Repo \"CRAN Mirror\"]\n"
                "Source = cran\n",
                &err);
        CHECK(c);
        CHECK(!err);
        if (!c)
                return;
        CHECK_STREQ(value(c, "server", NULL, "datadir"), "/srv/rspm");
        CHECK_STREQ(value(c, "POSTGRES", NULL, "Url"), "postgres://u@h/db");
        CHECK_STREQ(value(c, "repo", "CRAN Mirror", "source"), "cran");
        /* Subsection names are case-sensitive. */
        CHECK(!value(c, "repo", "cran mirror", "source"));
        CHECK(gcfg_has_section(c, "Repo", "CRAN Mirror"));
        CHECK(!gcfg_has_section(c, "Repo", NULL));
        CHECK(gcfg_find(c, "Server", NULL, "DataDir")->line == 4);
}

static void test_names_dash_underscore(void) {
        CHECK(gcfg_name_eq("Usage-Data-URL", "usage_data_url"));
        CHECK(gcfg_name_eq("DATADIR", "datadir"));
        CHECK(!gcfg_name_eq("DataDir", "DataDirs"));
        CHECK(!gcfg_name_eq("a-b", "ab"));
}

static void test_comments_and_quotes(void) {
        _cleanup_free_ char *err = NULL;
        _cleanup_(gcfg_freep) struct gcfg *c = parse(
                "[S]\n"
                "a = value ; trailing comment\n"
                "b = value # trailing comment\n"
                "c = \"semi;colon # hash\"\n"
                "d = \"  padded  \"\n"
                "e = pre\"fix \"post\n"
                "f = \"\"\n"
                "g = inner   spaces kept\n",
                &err);
        CHECK(c);
        if (!c)
                return;
        CHECK_STREQ(value(c, "S", NULL, "a"), "value");
        CHECK_STREQ(value(c, "S", NULL, "b"), "value");
        CHECK_STREQ(value(c, "S", NULL, "c"), "semi;colon # hash");
        CHECK_STREQ(value(c, "S", NULL, "d"), "  padded  ");
        CHECK_STREQ(value(c, "S", NULL, "e"), "prefix post");
        CHECK_STREQ(value(c, "S", NULL, "f"), "");
        CHECK_STREQ(value(c, "S", NULL, "g"), "inner   spaces kept");
}

static void test_escapes_and_continuation(void) {
        _cleanup_free_ char *err = NULL;
        _cleanup_(gcfg_freep) struct gcfg *c = parse(
                "[S]\n"
                "a = back\\\\slash \\\"quoted\\\" tab\\tnl\\n\n"
                "b = first \\\n"
                "    second\n"
                "c = \"in \\\"quotes\\\" \\\\ \\t\"\n"
                "d = after\n",
                &err);
        CHECK(c);
        CHECK(!err);
        if (!c)
                return;
        CHECK_STREQ(value(c, "S", NULL, "a"), "back\\slash \"quoted\" tab\tnl\n");
        CHECK_STREQ(value(c, "S", NULL, "b"), "first     second");
        CHECK_STREQ(value(c, "S", NULL, "c"), "in \"quotes\" \\ \t");
        /* Line numbers keep counting across a continuation. */
        CHECK(gcfg_find(c, "S", NULL, "d")->line == 6);
}

static void test_repeats(void) {
        _cleanup_free_ char *err = NULL;
        _cleanup_(gcfg_freep) struct gcfg *c = parse(
                "[A]\nx = 1\n[B]\ny = 2\n[a]\nx = 3\nz = 4\n", &err);
        CHECK(c);
        if (!c)
                return;
        /* The last value wins; the repeated section is the same section. */
        CHECK_STREQ(value(c, "A", NULL, "x"), "3");
        CHECK_STREQ(value(c, "A", NULL, "z"), "4");
        CHECK(c->n_sections == 2);
        size_t xs = 0;
        for (size_t i = 0; i < c->n_entries; i++)
                if (gcfg_name_eq(c->entries[i].name, "x"))
                        xs++;
        CHECK(xs == 2); /* a repeated key makes a list */
}

static void test_booleans(void) {
        _cleanup_free_ char *err = NULL;
        _cleanup_(gcfg_freep) struct gcfg *c = parse(
                "[F]\nbare\nt1 = true\nt2 = YES\nt3 = On\nt4 = 1\n"
                "f1 = false\nf2 = No\nf3 = OFF\nf4 = 0\nblank =\nbad = maybe\n",
                &err);
        CHECK(c);
        if (!c)
                return;
        const char *truthy[] = { "bare", "t1", "t2", "t3", "t4" };
        const char *falsy[] = { "f1", "f2", "f3", "f4", "blank" };
        for (size_t i = 0; i < ELEMENTSOF(truthy); i++) {
                bool b = false;
                CHECK(gcfg_entry_bool(c, gcfg_find(c, "F", NULL, truthy[i]), &b, &err) == 0 && b);
        }
        for (size_t i = 0; i < ELEMENTSOF(falsy); i++) {
                bool b = true;
                CHECK(gcfg_entry_bool(c, gcfg_find(c, "F", NULL, falsy[i]), &b, &err) == 0 && !b);
        }
        bool b;
        _cleanup_free_ char *berr = NULL;
        CHECK(gcfg_entry_bool(c, gcfg_find(c, "F", NULL, "bad"), &b, &berr) == -EINVAL);
        CHECK_CONTAINS(berr, "t.gcfg:12: F.bad = \"maybe\" is not a boolean");
}

static void test_bom_and_crlf(void) {
        _cleanup_free_ char *err = NULL;
        _cleanup_(gcfg_freep) struct gcfg *c = parse("\xef\xbb\xbf[S]\r\nk = v  \r\nu = \"caf\xc3\xa9 \xf0\x9f\x93\xa6\"\r\n", &err);
        CHECK(c);
        CHECK(!err);
        if (!c)
                return;
        CHECK_STREQ(value(c, "S", NULL, "k"), "v");
        CHECK_STREQ(value(c, "S", NULL, "u"), "caf\xc3\xa9 \xf0\x9f\x93\xa6");
}

static void test_empty_file(void) {
        _cleanup_free_ char *err = NULL;
        _cleanup_(gcfg_freep) struct gcfg *c = parse("", &err);
        CHECK(c && c->n_entries == 0 && c->n_sections == 0);
}

static void test_errors(void) {
        CHECK_ERROR("[S]\nk = \"open\n", "bad.gcfg:2: unterminated quote");
        CHECK_ERROR("[S]\nk = \"open \\\nnext\"\n", "bad.gcfg:2: unterminated quote");
        CHECK_ERROR("[S]\nk = a\\qb\n", "bad.gcfg:2: unknown escape '\\q'");
        CHECK_ERROR("k = v\n[S]\n", "bad.gcfg:1: variable 'k' comes before any [section]");
        CHECK_ERROR("[S\nk = v\n", "bad.gcfg:1: bad section header: missing ']'");
        CHECK_ERROR("[S x]\n", "bad.gcfg:1: bad section header: unexpected 'x'");
        CHECK_ERROR("[S \"sub]\n", "bad.gcfg:1: unterminated quote in section header");
        CHECK_ERROR("[S \"a\\zb\"]\n", "bad.gcfg:1: unknown escape '\\z' in a subsection name");
        CHECK_ERROR("[S] junk\n", "bad.gcfg:1: unexpected 'j' after section header");
        CHECK_ERROR("[]\n", "bad.gcfg:1: invalid section name");
        CHECK_ERROR("[1abc]\n", "bad.gcfg:1: invalid section name: it must start with a letter, found '1'");
        CHECK_ERROR("[S]\n\n9key = v\n", "bad.gcfg:3: invalid variable name");
        CHECK_ERROR("[S]\nkey_name = v\n", "bad.gcfg:2: unexpected '_' after variable name 'key'");
        CHECK_ERROR("[S]\nkey value\n", "bad.gcfg:2: unexpected 'v' after variable name 'key': expected '='");
        CHECK_ERROR("[S]\nk = v\\", "bad.gcfg:2: '\\' at the end of the file");
        CHECK_ERROR("[S]\nk = a\0b\n", "bad.gcfg:2: NUL byte");
        CHECK_ERROR("[S]\n\nk = caf\xe9\n", "bad.gcfg:3: invalid UTF-8 byte \\xe9");
        CHECK_ERROR("[S]\nk = \xc0\xaf\n", "bad.gcfg:2: invalid UTF-8"); /* overlong '/' */
        CHECK_ERROR("[S]\nk = \xed\xa0\x80\n", "bad.gcfg:2: invalid UTF-8"); /* surrogate */
        CHECK_ERROR("[S]\nk = a\rb\n", "bad.gcfg:2: carriage return in the middle of a line");
}

static void test_load_errors(void) {
        char dir[] = "/tmp/test-gcfg-XXXXXX";
        CHECK(mkdtemp(dir));
        _cleanup_free_ char *err = NULL;
        struct gcfg *c = NULL;

        CHECK(gcfg_load(dir, &c, &err) == -EISDIR);
        CHECK_CONTAINS(err, "is a directory");
        free(TAKE_PTR(err));

        _cleanup_free_ char *missing = strdup_printf("%s/none.gcfg", dir);
        CHECK(gcfg_load(missing, &c, &err) == -ENOENT);
        CHECK_CONTAINS(err, "none.gcfg: cannot open the configuration file: No such file or directory");
        free(TAKE_PTR(err));

        _cleanup_free_ char *file = strdup_printf("%s/ok.gcfg", dir);
        FILE *f = fopen(file, "we");
        CHECK(f);
        fputs("[Server]\nDataDir = /x\n", f);
        fclose(f);
        CHECK(gcfg_load(file, &c, &err) == 0);
        if (c) {
                CHECK_STREQ(value(c, "Server", NULL, "DataDir"), "/x");
                CHECK_STREQ(c->path, file);
                gcfg_free(c);
                c = NULL;
        }

        /* Unreadable: only meaningful when not root (root reads anything). */
        if (geteuid() != 0) {
                chmod(file, 0);
                CHECK(gcfg_load(file, &c, &err) == -EACCES);
                CHECK_CONTAINS(err, "Permission denied");
                free(TAKE_PTR(err));
        }
        unlink(file);
        rmdir(dir);
}

int main(void) {
        RUN(test_sections_and_values);
        RUN(test_names_dash_underscore);
        RUN(test_comments_and_quotes);
        RUN(test_escapes_and_continuation);
        RUN(test_repeats);
        RUN(test_booleans);
        RUN(test_bom_and_crlf);
        RUN(test_empty_file);
        RUN(test_errors);
        RUN(test_load_errors);
        TAP_END();
}
